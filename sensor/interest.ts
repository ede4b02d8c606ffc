/**
 * Interest pushdown: from the loaded rules, what the kernel must submit.
 *
 * - **Record types.** A type is needed when some rule, sequence step,
 *   `until` or lineage subquery could match an event of that type: its
 *   category fits (`any` fits everything) and its condition is not false
 *   for the type's `event.category`, `event.type` and `event.action`
 *   (evaluated three-valued: conditions on other fields are unknown, so
 *   they never exclude a type). The process-tree types are always needed;
 *   read-only opens only when a rule pins `event.action`/`event.type` to
 *   them (see `OPT_IN`).
 * - **Path prefixes.** A file type is narrowed to path prefixes when every
 *   query that needs it pins `file.path` or `file.directory` to literals or
 *   patterns with a literal head (`==`, `in`, `:`, `like`, `startsWith`);
 *   any query without such a pin turns the filter off for that type.
 * - **Open flags.** Open classes (creation, modification, read) are separate
 *   record types already, and no ECS field exposes the raw open flags, so
 *   the flag mask stays 0.
 *
 * `applyInterest` writes the result into the maps; the daemon calls
 * `computeInterest` + `applyInterest` again on every reload.
 *
 * @module
 */
import type { IrEventQuery, IrExpr, RuleIR } from "../eql/ir.ts";
import type { Value } from "../eql/value.ts";
import {
  compileWildcard,
  ELASTIC_WILDCARD,
  LEGACY_WILDCARD,
  type WildcardOptions,
} from "../eql/wildcard.ts";
import {
  ALWAYS_COLLECTED,
  EVENT_TYPE_COUNT,
  EVENT_TYPES,
  type EventTypeInfo,
  OPT_IN,
  PATH_FILTERED,
} from "./event_types.ts";
import {
  PREFIX_LEN,
  PREFIX_MAX,
  updateConfig,
  writeInterestEntry,
  writePrefix,
} from "./kernel_maps.ts";
import type { BpfMap } from "../ffi/libbpf.ts";

/** One path prefix the kernel lets through, for the types in `types`. */
export interface PathPrefix {
  /** The prefix, as UTF-8 bytes would be compared (1–64 bytes). */
  prefix: string;
  /** Bit t: applies to record type t. */
  types: bigint;
}

/** What the kernel should submit. */
export interface Interest {
  /** Index = record type: true when the kernel submits it. */
  types: boolean[];
  /** Bit t: events of type t are submitted only when their path matches a prefix. */
  pathTypes: bigint;
  /** The prefixes (at most 64). */
  prefixes: PathPrefix[];
  /** `open_flags_mask` (always 0, see the module comment). */
  openFlagsMask: number;
  /** Why a filter is weaker than it could be, for the log. */
  notes: string[];
}

/** The maps `applyInterest` writes. */
export interface InterestMaps {
  interest: BpfMap;
  prefixes: BpfMap;
  config: BpfMap;
}

/** What interest needs of a rule (`LoadedRule` satisfies it). */
export interface InterestRule {
  id: string;
  ir: RuleIR;
}

type Tri = true | false | undefined;

/** Matches no `event.type`/`event.action` literal: tells pinned conditions apart. */
const SENTINEL = "\u0000kestrel-unpinned";

/** The field values an event of one record type is known to have. */
interface Known {
  "event.category": readonly string[] | undefined;
  "event.type": readonly string[] | undefined;
  "event.action": readonly string[] | undefined;
}

function knownOf(info: EventTypeInfo, pinProbe = false): Known {
  return {
    "event.category": info.categories,
    "event.type": pinProbe ? [SENTINEL] : info.types,
    "event.action": pinProbe ? [SENTINEL] : info.action === undefined ? undefined : [info.action],
  };
}

/** Every event query of `ir`: the query or the steps and `until`, and lineage subqueries. */
export function queriesOf(ir: RuleIR): IrEventQuery[] {
  const top = ir.query
    ? [ir.query]
    : [...ir.steps, ...(ir.until ? [ir.until] : [])].map((s) => s.query);
  const out: IrEventQuery[] = [];
  const visit = (q: IrEventQuery) => {
    out.push(q);
    walk(q.predicate, (e) => {
      if (e.op === "lineage") visit(e.query);
    });
  };
  for (const q of top) visit(q);
  return out;
}

function walk(e: IrExpr, fn: (e: IrExpr) => void): void {
  fn(e);
  switch (e.op) {
    case "and":
    case "or":
      for (const a of e.args) walk(a, fn);
      break;
    case "not":
    case "negate":
      walk(e.arg, fn);
      break;
    case "compare":
    case "arith":
      walk(e.left, fn);
      walk(e.right, fn);
      break;
    case "in":
      walk(e.subject, fn);
      for (const v of e.values) walk(v, fn);
      break;
    case "match":
      walk(e.subject, fn);
      break;
    case "call":
      for (const a of e.args) walk(a, fn);
      break;
      // A lineage subquery is about other events: its own needs are separate queries.
  }
}

/** Could `q` match an event of record type `info`? */
export function queryNeeds(q: IrEventQuery, info: EventTypeInfo): boolean {
  const categories = info.categories;
  if (q.category !== "any" && categories && !categories.includes(q.category)) return false;
  if (evaluate(q.predicate, knownOf(info)) === false) return false;
  if (OPT_IN.includes(info.type)) {
    // Only an explicit pin asks for an opt-in type: the condition must reject
    // an event whose type and action match nothing.
    return evaluate(q.predicate, knownOf(info, true)) === false;
  }
  return true;
}

// ------------------------------------------------------- three-valued evaluation

function knownField(e: IrExpr, known: Known): readonly string[] | undefined {
  if (e.op !== "field" || e.index !== undefined) return undefined;
  return (known as unknown as Record<string, readonly string[] | undefined>)[e.name];
}

function constant(e: IrExpr): { value: Value } | undefined {
  return e.op === "const" ? { value: e.value } : undefined;
}

function not(t: Tri): Tri {
  return t === undefined ? undefined : !t;
}

/** A string test for one literal under the node's case and wildcard rules. */
function literalTest(
  literal: Value,
  caseInsensitive: boolean,
  wildcard: WildcardOptions | null,
): ((s: string) => boolean) | null {
  if (typeof literal !== "string") return literal === null ? null : () => false;
  if (wildcard) return compileWildcard(literal, caseInsensitive, wildcard);
  if (caseInsensitive) {
    const l = literal.toLowerCase();
    return (s) => s.toLowerCase() === l;
  }
  return (s) => s === literal;
}

function anyMatches(values: readonly string[], tests: ((s: string) => boolean)[]): boolean {
  return values.some((v) => tests.some((t) => t(v)));
}

/**
 * Whether `e` holds for an event known only by `known`'s fields: true,
 * false, or undefined when it depends on anything else.
 */
function evaluate(e: IrExpr, known: Known): Tri {
  switch (e.op) {
    case "const":
      return typeof e.value === "boolean" ? e.value : undefined;
    case "and": {
      let all: Tri = true;
      for (const a of e.args) {
        const t = evaluate(a, known);
        if (t === false) return false;
        if (t === undefined) all = undefined;
      }
      return all;
    }
    case "or": {
      let none: Tri = false;
      for (const a of e.args) {
        const t = evaluate(a, known);
        if (t === true) return true;
        if (t === undefined) none = undefined;
      }
      return none;
    }
    case "not":
      return not(evaluate(e.arg, known));
    case "compare": {
      if (e.cmp !== "==" && e.cmp !== "!=") return undefined;
      let values = knownField(e.left, known);
      let lit = constant(e.right);
      if (!values || !lit) {
        values = knownField(e.right, known);
        lit = constant(e.left);
      }
      if (!values || !lit) return undefined;
      const test = literalTest(lit.value, e.caseInsensitive, e.wildcard ? LEGACY_WILDCARD : null);
      if (!test) return undefined;
      const eq = anyMatches(values, [test]);
      return e.cmp === "==" ? eq : !eq;
    }
    case "in": {
      const values = knownField(e.subject, known);
      if (!values) return undefined;
      const tests: ((s: string) => boolean)[] = [];
      for (const v of e.values) {
        const lit = constant(v);
        if (!lit) return undefined;
        const t = literalTest(lit.value, e.caseInsensitive, e.wildcard ? LEGACY_WILDCARD : null);
        if (!t) return undefined;
        tests.push(t);
      }
      const found = anyMatches(values, tests);
      return e.negated ? !found : found;
    }
    case "match": {
      const values = knownField(e.subject, known);
      if (!values || e.kind !== "wildcard") return undefined;
      const tests = e.patterns.map((p) => compileWildcard(p, e.caseInsensitive, ELASTIC_WILDCARD));
      return anyMatches(values, tests);
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------- path prefixes

const PATH_FIELDS = new Set(["file.path", "file.directory"]);

function pathField(e: IrExpr): "file.path" | "file.directory" | undefined {
  return e.op === "field" && e.index === undefined && PATH_FIELDS.has(e.name)
    ? e.name as "file.path" | "file.directory"
    : undefined;
}

/** The literal text before the first wildcard character. */
function literalHead(pattern: string, options: WildcardOptions): string {
  let i = 0;
  while (i < pattern.length && pattern[i] !== "*" && !(options.question && pattern[i] === "?")) i++;
  return pattern.slice(0, i);
}

/** Case variants kept per prefix: more letters than this are cut off. */
const MAX_CASE_VARIANTS = 8;

/**
 * Byte strings whose case-folded form starts with `s`'s: every upper/lower
 * combination of its ASCII letters, cut before the letter that would exceed
 * the variant budget, before `i` and `k` (the dotted capital I and the
 * Kelvin sign also fold to them) and before any other cased character.
 */
function caseVariants(s: string): string[] {
  let variants = [""];
  for (const ch of s) {
    const lower = ch.toLowerCase(), upper = ch.toUpperCase();
    if (lower === upper) {
      variants = variants.map((v) => v + ch);
      continue;
    }
    const ascii = /^[a-z]$/.test(lower);
    if (!ascii || lower === "i" || lower === "k" || variants.length * 2 > MAX_CASE_VARIANTS) break;
    variants = variants.flatMap((v) => [v + lower, v + upper]);
  }
  return variants;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Cuts `s` to the kernel's prefix length (a byte prefix stays a valid prefix). */
function fitPrefix(s: string): string {
  const bytes = encoder.encode(s);
  if (bytes.length <= PREFIX_LEN) return s;
  // Drop a partial character at the cut: a shorter prefix is still correct.
  return decoder.decode(bytes.subarray(0, PREFIX_LEN)).replace(/\uFFFD$/, "");
}

function prefixesOf(
  literal: Value,
  field: "file.path" | "file.directory",
  caseInsensitive: boolean,
  wildcard: WildcardOptions | null,
): string[] | null {
  if (typeof literal !== "string") return null;
  let head = wildcard ? literalHead(literal, wildcard) : literal;
  const exact = head === literal;
  // A file directly in directory D has the path D + "/" + name.
  if (field === "file.directory" && exact && !head.endsWith("/")) head += "/";
  const variants = caseInsensitive ? caseVariants(head) : [head];
  const out = variants.map(fitPrefix);
  return out.some((p) => p === "") ? null : out;
}

/**
 * Path prefixes one of which every event satisfying `e` has as the start of
 * `file.path`, or null when `e` does not pin the path.
 */
export function pathPrefixes(e: IrExpr): string[] | null {
  switch (e.op) {
    case "and": {
      let best: string[] | null = null;
      for (const a of e.args) {
        const p = pathPrefixes(a);
        if (p && (best === null || p.length < best.length)) best = p;
      }
      return best;
    }
    case "or": {
      const out: string[] = [];
      for (const a of e.args) {
        const p = pathPrefixes(a);
        if (!p) return null;
        out.push(...p);
      }
      return out;
    }
    case "compare": {
      if (e.cmp !== "==") return null;
      let field = pathField(e.left), lit = constant(e.right);
      if (!field || !lit) {
        field = pathField(e.right);
        lit = constant(e.left);
      }
      if (!field || !lit) return null;
      return prefixesOf(lit.value, field, e.caseInsensitive, e.wildcard ? LEGACY_WILDCARD : null);
    }
    case "in": {
      const field = pathField(e.subject);
      if (!field || e.negated) return null;
      const out: string[] = [];
      for (const v of e.values) {
        const lit = constant(v);
        const p = lit &&
          prefixesOf(lit.value, field, e.caseInsensitive, e.wildcard ? LEGACY_WILDCARD : null);
        if (!p) return null;
        out.push(...p);
      }
      return out;
    }
    case "match": {
      const field = pathField(e.subject);
      if (!field || e.kind !== "wildcard") return null;
      const out: string[] = [];
      for (const pattern of e.patterns) {
        const p = prefixesOf(pattern, field, e.caseInsensitive, ELASTIC_WILDCARD);
        if (!p) return null;
        out.push(...p);
      }
      return out;
    }
    case "call": {
      if (e.fn !== "startsWith" || e.args.length !== 2) return null;
      const field = pathField(e.args[0]), lit = constant(e.args[1]);
      if (!field || !lit) return null;
      // A directory's prefix is a prefix of the paths of its files too.
      return prefixesOf(lit.value, "file.path", e.caseInsensitive, null);
    }
    default:
      return null;
  }
}

/** Drops prefixes another one of the list already covers. */
function minimal(prefixes: Iterable<string>): string[] {
  const sorted = [...new Set(prefixes)].sort();
  const out: string[] = [];
  for (const p of sorted) {
    if (!out.some((q) => p.startsWith(q))) out.push(p);
  }
  return out;
}

/** Computes what the kernel must submit for `rules`. */
export function computeInterest(rules: readonly InterestRule[]): Interest {
  const types = new Array<boolean>(EVENT_TYPE_COUNT).fill(false);
  for (const t of ALWAYS_COLLECTED) types[t] = true;
  // Per path-filtered type: the prefixes each query needing it allows (null: any path).
  const byType = new Map<number, (string[] | null)[]>();
  const notes: string[] = [];
  const unpinned = new Map<number, string>();
  for (const rule of rules) {
    for (const q of queriesOf(rule.ir)) {
      for (const info of EVENT_TYPES) {
        if (!info || !queryNeeds(q, info)) continue;
        types[info.type] = true;
        if (!PATH_FILTERED.includes(info.type)) continue;
        const p = pathPrefixes(q.predicate);
        if (!p && !unpinned.has(info.type)) unpinned.set(info.type, rule.id);
        const list = byType.get(info.type) ?? [];
        list.push(p);
        byType.set(info.type, list);
      }
    }
  }
  let pathTypes = 0n;
  const owners = new Map<string, bigint>();
  for (const [type, lists] of byType) {
    if (lists.some((l) => l === null)) continue;
    pathTypes |= 1n << BigInt(type);
    for (const p of minimal(lists.flatMap((l) => l!))) {
      owners.set(p, (owners.get(p) ?? 0n) | (1n << BigInt(type)));
    }
  }
  let prefixes = [...owners].map(([prefix, t]) => ({ prefix, types: t }));
  if (prefixes.length > PREFIX_MAX) {
    notes.push(
      `file rules pin ${prefixes.length} path prefixes, more than the kernel's ${PREFIX_MAX}: no path filter`,
    );
    pathTypes = 0n;
    prefixes = [];
  } else if (unpinned.size > 0 && byType.size > 0) {
    const first = [...unpinned][0];
    notes.push(
      `no path filter for ${unpinned.size} file event type(s): rule ${
        first[1]
      } (and maybe others) does not pin file.path`,
    );
  }
  return { types, pathTypes, prefixes, openFlagsMask: 0, notes };
}

/**
 * Writes `interest` into the kernel's maps. While it runs, path filtering is
 * off (the kernel then submits a superset, never less than either ruleset
 * needs); the prefixes are written before the count that enables them.
 */
export function applyInterest(maps: InterestMaps, interest: Interest): void {
  updateConfig(maps.config, { pathTypes: 0n, nprefixes: 0 });
  interest.prefixes.forEach((p, i) =>
    writePrefix(maps.prefixes, i, p.types, encoder.encode(p.prefix))
  );
  for (let t = 1; t < EVENT_TYPE_COUNT; t++) {
    writeInterestEntry(maps.interest, t, interest.types[t]);
  }
  updateConfig(maps.config, {
    pathTypes: interest.pathTypes,
    nprefixes: interest.prefixes.length,
    openFlagsMask: interest.openFlagsMask,
  });
}
