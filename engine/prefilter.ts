/**
 * Literal prefilters: the cheapest necessary condition of a rule.
 *
 * Most rules require some field to equal one of a few literals
 * (`process.name == "sh"`, `process.name in ("bash", "sh")`,
 * `event.action : "exec"`). If that conjunct is false the whole rule is
 * false, so the index can look the event's value up in a hash map and skip
 * every rule whose literals it does not hold — one map lookup instead of
 * evaluating a hundred predicates.
 *
 * @module
 */
import type { IrExpr } from "../eql/ir.ts";
import type { Value } from "../eql/value.ts";

/**
 * A necessary condition: field `fieldId` holds one of `values`, or a value
 * starting with one of `prefixes` (all lower-cased when `caseInsensitive`).
 */
export interface Prefilter {
  fieldId: number;
  caseInsensitive: boolean;
  values: string[];
  prefixes: string[];
}

/**
 * Finds a prefilter for a predicate, or undefined when the rule has no
 * conjunct of that shape (such rules are always evaluated).
 *
 * A conjunct qualifies when it is, at the top level of the predicate or of
 * an `and` in it: `field == "literal"`, a non-negated `field in ("a",
 * "b")`, a wildcard match (`:`, `like`, `like~`, legacy `==`/`in` with
 * `*`) whose every pattern is a literal or starts with one (`"/tmp/*"` gives
 * the prefix `/tmp/`), or `startsWith(field, "literal")`. An `or`
 * qualifies when each of its branches does on the same field:
 * `(process.name == "nft" and …) or process.name in ("ufw", "iptables")`
 * needs process.name to be one of the three. Among several, the cheapest
 * and most selective wins.
 */
export function findPrefilter(
  predicate: IrExpr,
  wildcardChars: string,
  fieldName: (id: number) => string,
): Prefilter | undefined {
  let best: Prefilter | undefined;
  let bestCost = Infinity;
  for (const p of impliedPrefilters(predicate, wildcardChars)) {
    const cost = prefilterCost(p, fieldName);
    if (cost < bestCost) {
      best = p;
      bestCost = cost;
    }
  }
  return best;
}

/**
 * The prefilters `c` implies, in conjunct order: each qualifying conjunct
 * of an `and`, and for an `or` one per field that every branch has a
 * prefilter on (the union of the branches' literals).
 */
function impliedPrefilters(c: IrExpr, wildcardChars: string): Prefilter[] {
  if (c.op === "and") return c.args.flatMap((a) => impliedPrefilters(a, wildcardChars));
  if (c.op !== "or") {
    const p = conjunctPrefilter(c, wildcardChars);
    return p ? [p] : [];
  }
  const branches = c.args.map((a) => impliedPrefilters(a, wildcardChars));
  if (branches.length === 0 || branches.some((b) => b.length === 0)) return [];
  const out: Prefilter[] = [];
  for (const first of branches[0]) {
    const fieldId = first.fieldId;
    if (out.some((p) => p.fieldId === fieldId)) continue;
    // Each branch's narrowest prefilter on the field; a branch without one sinks the field.
    const picks: Prefilter[] = [];
    for (const b of branches) {
      let pick: Prefilter | undefined;
      for (const p of b) {
        if (p.fieldId === fieldId && (pick === undefined || size(p) < size(pick))) pick = p;
      }
      if (pick === undefined) break;
      picks.push(pick);
    }
    if (picks.length !== branches.length) continue;
    const merged = union(picks);
    if (merged) out.push(merged);
  }
  return out;
}

function size(p: Prefilter): number {
  return p.values.length + 4 * p.prefixes.length;
}

/**
 * One prefilter accepting whatever any of `ps` (all on one field) accepts.
 * Mixed case sensitivity folds the case-sensitive ones: `x == "A"` implies
 * `lower(x) == "a"`. A prefix folds the same way unless it holds a capital
 * sigma, whose lower case depends on what follows it; then there is none.
 */
function union(ps: readonly Prefilter[]): Prefilter | undefined {
  const ci = ps.some((p) => p.caseInsensitive);
  const values = new Set<string>(), prefixes = new Set<string>();
  for (const p of ps) {
    const fold = ci && !p.caseInsensitive;
    if (fold && p.prefixes.some((x) => x.includes("\u03a3"))) return undefined;
    for (const v of p.values) values.add(fold ? v.toLowerCase() : v);
    for (const x of p.prefixes) prefixes.add(fold ? x.toLowerCase() : x);
  }
  return {
    fieldId: ps[0].fieldId,
    caseInsensitive: ci,
    values: [...values],
    prefixes: [...prefixes],
  };
}

/**
 * How poor a prefilter is (lower is better). A field that takes a handful of
 * values across all events (event.type, event.action, …) selects nothing:
 * any other field is preferred. A prefix costs a string test per event, an
 * exact value only a hash lookup.
 */
export function prefilterCost(p: Prefilter, fieldName: (id: number) => string): number {
  return p.values.length + 4 * p.prefixes.length +
    (LOW_CARDINALITY.has(fieldName(p.fieldId)) ? 1000 : 0);
}

/** Fields with few distinct values in any event stream: poor prefilters. */
const LOW_CARDINALITY: ReadonlySet<string> = new Set([
  "event.category",
  "event.type",
  "event.action",
  "event.kind",
  "event.outcome",
  "event.module",
  "event.dataset",
  "host.os.type",
  "host.os.name",
  "network.transport",
  "network.direction",
  "network.protocol",
  "user.id",
  "group.id",
]);

function conjunctPrefilter(c: IrExpr, wildcardChars: string): Prefilter | undefined {
  const literal = (ir: IrExpr): string | undefined =>
    ir.op === "const" && typeof ir.value === "string" ? ir.value : undefined;
  const make = (field: IrExpr, texts: (string | undefined)[], ci: boolean, patterns: boolean) => {
    if (field.op !== "field" || field.index !== undefined || texts.length === 0) return undefined;
    const values = new Set<string>(), prefixes = new Set<string>();
    for (const t of texts) {
      if (t === undefined) return undefined;
      const text = ci ? t.toLowerCase() : t;
      const wild = patterns ? firstWildcard(text, wildcardChars) : -1;
      if (wild < 0) values.add(text);
      else if (wild > 0) prefixes.add(text.slice(0, wild));
      else return undefined; // a leading wildcard: no literal to look up
    }
    return { fieldId: field.id, caseInsensitive: ci, values: [...values], prefixes: [...prefixes] };
  };
  switch (c.op) {
    case "compare":
      if (c.cmp !== "==") return undefined;
      return make(c.left, [literal(c.right)], c.caseInsensitive, c.wildcard);
    case "in":
      if (c.negated) return undefined;
      return make(c.subject, c.values.map(literal), c.caseInsensitive, c.wildcard);
    case "match":
      if (c.kind !== "wildcard") return undefined;
      return make(c.subject, c.patterns, c.caseInsensitive, true);
    case "call": {
      // `startsWith(field, "lit")` is true only for a string (or a list of
      // one) starting with the literal, both case-folded for `~`.
      const [field, prefix] = c.args;
      const text = c.fn === "startsWith" && c.args.length === 2 ? literal(prefix) : undefined;
      if (!text || field.op !== "field" || field.index !== undefined) return undefined;
      const folded = c.caseInsensitive ? text.toLowerCase() : text;
      return {
        fieldId: field.id,
        caseInsensitive: c.caseInsensitive,
        values: [],
        prefixes: [folded],
      };
    }
    default:
      return undefined;
  }
}

function firstWildcard(text: string, wildcardChars: string): number {
  let first = -1;
  for (const w of wildcardChars) {
    const i = text.indexOf(w);
    if (i >= 0 && (first < 0 || i < first)) first = i;
  }
  return first;
}

/** The strings a field value offers to a prefilter lookup (each element of an array). */
export function prefilterKeys(v: Value | undefined, caseInsensitive: boolean, out: string[]): void {
  if (typeof v === "string") out.push(caseInsensitive ? v.toLowerCase() : v);
  else if (Array.isArray(v)) { for (const x of v) prefilterKeys(x, caseInsensitive, out); }
}
