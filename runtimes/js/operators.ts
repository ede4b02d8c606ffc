/**
 * The comparison, `in` and match operators of both dialects, reduced to
 * tests over single elements and built once per rule: constants are
 * lower-cased at compile time, string lists and patterns become
 * {@link StringPlan}s, regexes one alternation.
 *
 * An operator with a constant side is an {@link ElementOp}, a description
 * the code generator turns into inline tests applied to every element of
 * the other side (any-element rule). An element of another type than the
 * constant fails the test. Operators between two computed values are
 * {@link PairTest}s over one pair of elements.
 *
 * Only the positive operators are built: `!=` and `not in` are the negation
 * of `==` and `in`, done by the code generator.
 *
 * @module
 */
import type { CompareOp } from "../../eql/ast.ts";
import type { Scalar } from "../../eql/value.ts";
import { ELASTIC_WILDCARD, LEGACY_WILDCARD } from "../../eql/wildcard.ts";
import { regexPlan, type StringPlan, wildcardPlan } from "./string_plan.ts";
import type { PairTest } from "./values.ts";

/** A non-null scalar constant. */
export type Literal = string | number | boolean;

/** The ordering operators. */
export type OrderOp = "<" | "<=" | ">" | ">=";

/** A constant-dependent operator over one element `x`. */
export type ElementOp =
  /** `x === value`; false when types differ. */
  | { kind: "eq"; value: Literal }
  /** Legacy string equality: `x.toLowerCase() === value` (value lower-cased). */
  | { kind: "ciEq"; value: string }
  /** `x <op> value` between numbers, or strings (lower-cased first when `lower`). */
  | { kind: "order"; cmp: OrderOp; value: string | number; lower: boolean }
  /**
   * `x in (…)` over constants: `strings` tests string subjects (literals,
   * and legacy wildcards), `others` holds the numbers and booleans.
   */
  | { kind: "set"; strings: StringPlan; others: ReadonlySet<number | boolean> }
  /** String patterns (wildcards, regexes, legacy `==` with `*`); non-strings never match. */
  | { kind: "match"; plan: StringPlan };

/**
 * The element operator for `x <cmp> value` (`!=` is built as `==` and
 * negated by the caller). Null for an ordering that can never hold
 * (booleans are not ordered).
 */
export function compareOp(
  cmp: CompareOp,
  value: Literal,
  caseInsensitive: boolean,
  wildcard: boolean,
): ElementOp | null {
  if (cmp === "==" || cmp === "!=") {
    if (typeof value !== "string") return { kind: "eq", value };
    if (wildcard) {
      return { kind: "match", plan: wildcardPlan([value], caseInsensitive, LEGACY_WILDCARD) };
    }
    return caseInsensitive ? { kind: "ciEq", value: value.toLowerCase() } : { kind: "eq", value };
  }
  if (typeof value === "boolean") return null;
  const lower = caseInsensitive && typeof value === "string";
  return { kind: "order", cmp, value: lower ? (value as string).toLowerCase() : value, lower };
}

/** Flips an ordering so that the constant can move to the right side. */
export function flipOrder(cmp: CompareOp): CompareOp {
  switch (cmp) {
    case "<":
      return ">";
    case "<=":
      return ">=";
    case ">":
      return "<";
    case ">=":
      return "<=";
    default:
      return cmp;
  }
}

/**
 * The element operator for `x in (constants…)` (null when no constant is
 * non-null), and whether the list holds null, which only legacy uses.
 */
export function inOp(
  constants: readonly Scalar[],
  caseInsensitive: boolean,
  wildcard: boolean,
): { op: ElementOp | null; hasNull: boolean } {
  const strings: string[] = [];
  const others = new Set<number | boolean>();
  let hasNull = false;
  for (const c of constants) {
    if (c === null) hasNull = true;
    else if (typeof c === "string") strings.push(c);
    else others.add(c);
  }
  if (strings.length === 0 && others.size === 0) return { op: null, hasNull };
  // Legacy lists treat `*` as a wildcard (only `*`); the plan keeps plain literals as literals.
  const plan = wildcardPlan(strings, caseInsensitive, wildcard ? LEGACY_WILDCARD : undefined);
  return { op: { kind: "set", strings: plan, others }, hasNull };
}

/**
 * The element operator for `x : patterns`, `like`, `like~` (wildcards: `*`,
 * `?`, backslashes literal) and `regex`, `regex~` (Lucene, whole string).
 */
export function matchOp(
  kind: "wildcard" | "regex",
  patterns: readonly string[],
  caseInsensitive: boolean,
): ElementOp {
  return {
    kind: "match",
    plan: kind === "regex"
      ? regexPlan(patterns, caseInsensitive)
      : wildcardPlan(patterns, caseInsensitive, ELASTIC_WILDCARD),
  };
}

/** `a <cmp> b` for two values of one orderable type. */
function orderTest(cmp: OrderOp): (a: string | number, b: string | number) => boolean {
  switch (cmp) {
    case "<":
      return (a, b) => a < b;
    case "<=":
      return (a, b) => a <= b;
    case ">":
      return (a, b) => a > b;
    case ">=":
      return (a, b) => a >= b;
  }
}

/** Numbers with numbers, strings with strings: the only orderable pairs. */
function orderable(a: unknown, b: unknown): boolean {
  const ta = typeof a;
  return ta === typeof b && (ta === "number" || ta === "string");
}

/** A primitive that can be compared for equality (objects inside JSON lists cannot). */
function primitive(a: unknown): boolean {
  return typeof a !== "object";
}

/**
 * The test `a <cmp> b` for one pair of elements of two computed values
 * (`==` for `!=`, which the caller negates): false for elements of
 * different types, or of a type the operator does not apply to. Legacy
 * strings compare case-insensitively, including for ordering, as the
 * compiler folds constants.
 */
export function pairTest(cmp: CompareOp, caseInsensitive: boolean): PairTest {
  if (cmp === "==" || cmp === "!=") {
    return caseInsensitive
      ? (a, b) =>
        typeof a === "string" && typeof b === "string"
          ? a.toLowerCase() === b.toLowerCase()
          : a === b && primitive(a)
      : (a, b) => a === b && primitive(a);
  }
  const holds = orderTest(cmp);
  return (a, b) => {
    if (!orderable(a, b)) return false;
    if (caseInsensitive && typeof a === "string") {
      return holds(a.toLowerCase(), (b as string).toLowerCase());
    }
    return holds(a as string | number, b as string | number);
  };
}
