/**
 * Lists of string patterns (`:`/`like` lists, `in` lists, legacy `==` with
 * `*`) grouped by shape, so that a subject is tested with the cheapest
 * string builtins: literals by equality, `lit*` by `startsWith`, `*lit` by
 * `endsWith`, `*lit*` by `includes`, and only other shapes by the compiled
 * matchers of `eql/wildcard.ts` (or one regex). A case-insensitive list is
 * lower-cased once here, and the subject once per test.
 *
 * The code generator inlines a plan's groups as `||` chains; {@link planMatcher}
 * is the closure form for long lists.
 *
 * @module
 */
import { compileWildcard, type StringMatcher, type WildcardOptions } from "../../eql/wildcard.ts";
import { translateLuceneRegex } from "../../eql/lucene_regex.ts";

/** A pattern list grouped by how it is cheapest to test. */
export interface StringPlan {
  /** Lower-case the subject before testing (the patterns already are). */
  readonly lower: boolean;
  /** Some pattern matches every string (`*`). */
  readonly all: boolean;
  /** Whole-string literals. */
  readonly exact: readonly string[];
  readonly prefixes: readonly string[];
  readonly suffixes: readonly string[];
  readonly contains: readonly string[];
  /** Matchers for patterns of any other shape. */
  readonly others: readonly StringMatcher[];
}

/** The shape of a pattern whose only wildcard is `*`. */
type Shape = "exact" | "prefix" | "suffix" | "contains" | "all";

function shapeOf(
  p: string,
  options: Readonly<WildcardOptions>,
): { shape: Shape; text: string } | null {
  if (options.escapes && p.includes("\\")) return null;
  if (options.question && p.includes("?")) return null;
  const pieces = p.split("*");
  if (pieces.length === 1) return { shape: "exact", text: p };
  const literal = pieces.filter((x) => x !== "");
  if (literal.length === 0) return { shape: "all", text: "" };
  if (literal.length > 1) return null;
  const lead = pieces[0] === "", trail = pieces[pieces.length - 1] === "";
  const shape = lead && trail ? "contains" : lead ? "suffix" : "prefix";
  return { shape, text: literal[0] };
}

/**
 * Plans wildcard `patterns` (literal strings when `options` is undefined).
 * Lower-casing a whole pattern leaves `*` and `?` alone, so matching the
 * lower-cased subject case-sensitively is matching case-insensitively, as
 * `compileWildcard` does.
 */
export function wildcardPlan(
  patterns: readonly string[],
  caseInsensitive: boolean,
  options?: Readonly<WildcardOptions>,
): StringPlan {
  const exact = new Set<string>();
  const groups: Record<"prefix" | "suffix" | "contains", Set<string>> = {
    prefix: new Set(),
    suffix: new Set(),
    contains: new Set(),
  };
  const others: StringMatcher[] = [];
  let all = false;
  for (const raw of patterns) {
    const p = caseInsensitive ? raw.toLowerCase() : raw;
    const s = options === undefined ? { shape: "exact" as const, text: p } : shapeOf(p, options);
    if (s === null) others.push(compileWildcard(p, false, options));
    else if (s.shape === "all") all = true;
    else if (s.shape === "exact") exact.add(s.text);
    else groups[s.shape].add(s.text);
  }
  return {
    lower: caseInsensitive,
    all,
    exact: [...exact],
    prefixes: [...groups.prefix],
    suffixes: [...groups.suffix],
    contains: [...groups.contains],
    others,
  };
}

/** Lucene regexes (whole string) joined into one alternation. */
export function regexPlan(patterns: readonly string[], caseInsensitive: boolean): StringPlan {
  const sources = patterns.map((p) => {
    const t = translateLuceneRegex(p, caseInsensitive);
    // The compiler has validated every pattern; reaching this is a bug.
    if ("error" in t) {
      throw new Error(`invalid regular expression ${JSON.stringify(p)}: ${t.error}`);
    }
    return t.source;
  });
  const re = new RegExp(sources.join("|"), "u");
  return {
    lower: false, // the translation folds case itself, as Lucene does
    all: false,
    exact: [],
    prefixes: [],
    suffixes: [],
    contains: [],
    others: sources.length ? [(s) => re.test(s)] : [],
  };
}

/**
 * One RegExp testing for any of `literals` at the start of a string
 * (`prefix`) or anywhere in it (`contains`). V8 runs a literal alternation
 * faster than a chain of `startsWith`/`includes` calls once there are two
 * or more of them.
 */
export function alternation(literals: readonly string[], where: "prefix" | "contains"): RegExp {
  const body = literals.map((l) => l.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&")).join("|");
  return new RegExp(where === "prefix" ? `^(?:${body})` : body);
}

/** How many tests an inlined plan has. */
export function planSize(plan: StringPlan): number {
  return plan.exact.length + plan.prefixes.length + plan.suffixes.length + plan.contains.length +
    plan.others.length;
}

/** A plan as one closure: lower-cases once, then tries each group. */
export function planMatcher(plan: StringPlan): StringMatcher {
  if (plan.all) return () => true;
  const exact = new Set(plan.exact);
  const prefix = plan.prefixes.length ? alternation(plan.prefixes, "prefix") : null;
  const contains = plan.contains.length ? alternation(plan.contains, "contains") : null;
  const { suffixes, others, lower } = plan;
  return (subject) => {
    const s = lower ? subject.toLowerCase() : subject;
    if (exact.has(s)) return true;
    if (prefix !== null && prefix.test(s)) return true;
    for (let i = 0; i < suffixes.length; i++) if (s.endsWith(suffixes[i])) return true;
    if (contains !== null && contains.test(s)) return true;
    for (let i = 0; i < others.length; i++) if (others[i](s)) return true;
    return false;
  };
}
