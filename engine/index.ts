/**
 * The rule index: event → the few rules worth evaluating.
 *
 * Two levels. First the event category (`process`, `file`, …; `any` rules
 * are candidates for every event). Then, inside a category, rules with a
 * literal prefilter ({@link Prefilter}) are grouped by (field, case
 * sensitivity) into hash maps from literal to rules, so one field read and
 * one map lookup per group replaces evaluating each rule. Candidates come
 * back sorted by rule index, so evaluation order — and hence alert order —
 * never depends on the index's internals.
 *
 * @module
 */
import type { Event } from "./event.ts";
import { type Prefilter, prefilterKeys } from "./prefilter.ts";

/** One entry to index: a rule (by its index in the ruleset) with its categories and prefilter. */
export interface IndexEntry {
  rule: number;
  /** Categories the rule can match; `any` matches all. */
  categories: readonly string[];
  /** A necessary literal condition, when the rule has one. */
  prefilter?: Prefilter;
}

interface Group {
  fieldId: number;
  caseInsensitive: boolean;
  byValue: Map<string, number[]>;
  /** Distinct prefixes, tested with `startsWith`, and the rules of each (parallel arrays). */
  prefixes: string[];
  prefixed: number[][];
}

interface CategoryTable {
  /** Rules evaluated for every event of the category. */
  always: number[];
  groups: Group[];
}

/** Candidate lookup over a fixed set of rules. Immutable once built; reading reuses scratch arrays. */
export class RuleIndex {
  readonly #tables = new Map<string, CategoryTable>();
  readonly #any: CategoryTable;
  readonly #keys: string[] = [];
  readonly #seen: Uint32Array;
  #epoch = 0;

  /** Builds the index over `entries`. */
  constructor(entries: readonly IndexEntry[]) {
    const ruleCount = entries.reduce((n, e) => Math.max(n, e.rule + 1), 0);
    this.#seen = new Uint32Array(ruleCount);
    this.#any = { always: [], groups: [] };
    for (const e of entries) {
      for (const c of e.categories) {
        const table = c === "any" ? this.#any : this.#table(c);
        if (!e.prefilter) {
          table.always.push(e.rule);
          continue;
        }
        const p = e.prefilter;
        let g = table.groups.find((x) =>
          x.fieldId === p.fieldId && x.caseInsensitive === p.caseInsensitive
        );
        if (!g) {
          g = {
            fieldId: p.fieldId,
            caseInsensitive: p.caseInsensitive,
            byValue: new Map(),
            prefixes: [],
            prefixed: [],
          };
          table.groups.push(g);
        }
        for (const v of p.values) {
          const list = g.byValue.get(v);
          if (list) list.push(e.rule);
          else g.byValue.set(v, [e.rule]);
        }
        for (const prefix of p.prefixes) {
          const at = g.prefixes.indexOf(prefix);
          if (at >= 0) g.prefixed[at].push(e.rule);
          else {
            g.prefixes.push(prefix);
            g.prefixed.push([e.rule]);
          }
        }
      }
    }
  }

  #table(category: string): CategoryTable {
    let t = this.#tables.get(category);
    if (!t) {
      t = { always: [], groups: [] };
      this.#tables.set(category, t);
    }
    return t;
  }

  /**
   * Writes the candidate rules for `ev` into `out` (cleared first), sorted
   * ascending. `categories` are the event's categories.
   */
  candidates(ev: Event, categories: readonly string[], out: number[]): void {
    out.length = 0;
    // A fresh epoch marks rules already added, without clearing the array per event.
    const epoch = ++this.#epoch;
    if (epoch === 0xffffffff) {
      this.#seen.fill(0);
      this.#epoch = 1;
    }
    this.#collect(this.#any, ev, out);
    for (const c of categories) {
      const t = this.#tables.get(c);
      if (t) this.#collect(t, ev, out);
    }
    // Usually a handful of candidates: insertion sort beats a comparator sort.
    for (let i = 1; i < out.length; i++) {
      const v = out[i];
      let j = i - 1;
      while (j >= 0 && out[j] > v) {
        out[j + 1] = out[j];
        j--;
      }
      out[j + 1] = v;
    }
  }

  #collect(t: CategoryTable, ev: Event, out: number[]): void {
    const seen = this.#seen, epoch = this.#epoch;
    add(t.always, seen, epoch, out);
    const groups = t.groups;
    for (let gi = 0; gi < groups.length; gi++) {
      const g = groups[gi];
      const folded = g.caseInsensitive && ev.getLower !== undefined;
      const v = folded ? ev.getLower!(g.fieldId) : ev.get(g.fieldId);
      if (typeof v === "string") {
        this.#lookup(g, g.caseInsensitive && !folded ? v.toLowerCase() : v, out);
      } else if (Array.isArray(v) && v.length) {
        const keys = this.#keys;
        keys.length = 0;
        prefilterKeys(v, g.caseInsensitive && !folded, keys);
        for (let i = 0; i < keys.length; i++) this.#lookup(g, keys[i], out);
      }
    }
  }

  #lookup(g: Group, k: string, out: number[]): void {
    const seen = this.#seen, epoch = this.#epoch;
    const rules = g.byValue.get(k);
    if (rules) add(rules, seen, epoch, out);
    const prefixes = g.prefixes;
    for (let i = 0; i < prefixes.length; i++) {
      if (k.startsWith(prefixes[i])) add(g.prefixed[i], seen, epoch, out);
    }
  }
}

/** Appends the rules not yet marked in this epoch. */
function add(rules: readonly number[], seen: Uint32Array, epoch: number, out: number[]): void {
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (seen[r] !== epoch) {
      seen[r] = epoch;
      out.push(r);
    }
  }
}
