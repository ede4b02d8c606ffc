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
 * Each category's table is compiled once into a JavaScript function (as
 * predicates are, `runtimes/js/codegen.ts`): the groups' reads, lookups and
 * prefix tests inline, with short literal lists as `===` chains, so the
 * per-event walk has no generic loop over group records.
 *
 * @module
 */
import type { Event } from "./event.ts";
import type { Value } from "../eql/value.ts";
import type { Prefilter } from "./prefilter.ts";

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

/** A compiled table: adds its candidates for `ev` to `out`, skipping rules marked in this epoch. */
type Collector = (ev: Event, out: number[], seen: Uint32Array, epoch: number) => void;

/** Candidate lookup over a fixed set of rules. Immutable once built; reading reuses scratch arrays. */
export class RuleIndex {
  readonly #tables = new Map<string, Collector>();
  readonly #any: Collector | undefined;
  readonly #seen: Uint32Array;
  #epoch = 0;

  /** Builds the index over `entries`. */
  constructor(entries: readonly IndexEntry[]) {
    const ruleCount = entries.reduce((n, e) => Math.max(n, e.rule + 1), 0);
    this.#seen = new Uint32Array(ruleCount);
    const any: CategoryTable = { always: [], groups: [] };
    const tables = new Map<string, CategoryTable>();
    for (const e of entries) {
      for (const c of e.categories) {
        let table = c === "any" ? any : tables.get(c);
        if (table === undefined) {
          table = { always: [], groups: [] };
          tables.set(c, table);
        }
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
    this.#any = any.always.length || any.groups.length ? compileTable(any) : undefined;
    for (const [c, t] of tables) this.#tables.set(c, compileTable(t));
  }

  /**
   * Writes the candidate rules for `ev` into `out` (cleared first), sorted
   * ascending. `categories` are the event's categories.
   */
  candidates(ev: Event, categories: readonly string[], out: number[]): void {
    this.#begin(ev, out);
    for (const c of categories) this.#tables.get(c)?.(ev, out, this.#seen, this.#epoch);
    sortAscending(out);
  }

  /**
   * {@link candidates} for an event whose category field holds `category`
   * as read: a string, or a list whose string elements are the categories
   * (anything else names none). Spares copying the categories per event.
   */
  candidatesFor(ev: Event, category: Value | undefined, out: number[]): void {
    this.#begin(ev, out);
    if (typeof category === "string") {
      this.#tables.get(category)?.(ev, out, this.#seen, this.#epoch);
    } else if (Array.isArray(category)) {
      for (let i = 0; i < category.length; i++) {
        const c = category[i];
        if (typeof c === "string") this.#tables.get(c)?.(ev, out, this.#seen, this.#epoch);
      }
    }
    sortAscending(out);
  }

  /** Clears `out`, starts a new epoch and adds the rules of every category (`any`). */
  #begin(ev: Event, out: number[]): void {
    out.length = 0;
    // A fresh epoch marks rules already added, without clearing the array per event.
    const epoch = ++this.#epoch;
    if (epoch === 0xffffffff) {
      this.#seen.fill(0);
      this.#epoch = 1;
    }
    this.#any?.(ev, out, this.#seen, this.#epoch);
  }
}

/** Literal lists up to this long are tested as an `===` chain, longer ones through a `Map`. */
const INLINE_VALUES = 4;

/**
 * Compiles `t` into a {@link Collector}. Per group: one read of the field
 * (lower-cased by the event for case-insensitive groups), then its literals
 * and prefixes against the string, or against each string of a list.
 */
function compileTable(t: CategoryTable): Collector {
  const constants: unknown[] = [];
  const constant = (v: unknown): string => {
    constants.push(v);
    return `k${constants.length - 1}`;
  };
  const add = constant(addRules);
  const fold = constant(foldCase);
  const helpers: string[] = [];
  const body: string[] = [];
  const adds = (rules: readonly number[]) => `${add}(${constant(rules)}, seen, epoch, out);`;
  for (const r of t.always) body.push(adds([r]));
  t.groups.forEach((g, gi) => {
    // The string test, on `s`: literals, then prefixes.
    const tests: string[] = [];
    const values = [...g.byValue];
    if (values.length > INLINE_VALUES) {
      // Only a key of some literal's length is hashed: hashing a long
      // string an event just carried is dear.
      const hasLength = new Uint8Array(values.reduce((n, [v]) => Math.max(n, v.length + 1), 0));
      for (const [v] of values) hasLength[v.length] = 1;
      const lengths = constant(hasLength), map = constant(g.byValue);
      tests.push(
        `if (s.length < ${lengths}.length && ${lengths}[s.length] === 1) ` +
          `{ const r = ${map}.get(s); if (r !== undefined) ${add}(r, seen, epoch, out); }`,
      );
    } else if (values.length > 0) {
      tests.push(
        values.map(([v, rules]) => `if (s === ${JSON.stringify(v)}) ${adds(rules)}`).join(" else "),
      );
    }
    g.prefixes.forEach((p, i) => {
      tests.push(`if (s.startsWith(${JSON.stringify(p)})) ${adds(g.prefixed[i])}`);
    });
    helpers.push(
      `function g${gi}(s, out, seen, epoch) { ${tests.join(" ")} }`,
      // Lists: every string element, nested lists walked.
      `function l${gi}(a, out, seen, epoch) { for (let i = 0; i < a.length; i++) { const e = a[i]; ` +
        `if (typeof e === "string") g${gi}(e, out, seen, epoch); ` +
        `else if (Array.isArray(e)) l${gi}(e, out, seen, epoch); } }`,
    );
    const read = g.caseInsensitive
      ? `(ev.getLower !== undefined ? ev.getLower(${g.fieldId}) : ${fold}(ev.get(${g.fieldId})))`
      : `ev.get(${g.fieldId})`;
    body.push(
      `v = ${read}; if (typeof v === "string") g${gi}(v, out, seen, epoch); ` +
        `else if (Array.isArray(v)) l${gi}(v, out, seen, epoch);`,
    );
  });
  const bindings = constants.map((_, i) => `k${i} = k[${i}]`).join(", ");
  const source = `"use strict";\nconst ${bindings};\n${helpers.join("\n")}\n` +
    `return function collect(ev, out, seen, epoch) { let v; ${body.join(" ")} };`;
  return new Function("k", source)(constants) as Collector;
}

/** A field value with its strings lower-cased, for events without `getLower`. */
function foldCase(v: Value | undefined): Value | undefined {
  if (typeof v === "string") return v.toLowerCase();
  return Array.isArray(v) ? v.map((x) => foldCase(x) as Value) : v;
}

/** Usually a handful of candidates: insertion sort beats a comparator sort. */
function sortAscending(out: number[]): void {
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

/** Appends the rules not yet marked in this epoch. */
function addRules(rules: readonly number[], seen: Uint32Array, epoch: number, out: number[]): void {
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (seen[r] !== epoch) {
      seen[r] = epoch;
      out.push(r);
    }
  }
}
