/**
 * The JavaScript runtime: checked IR (`eql/ir.ts`) → predicates over
 * events, compiled once per rule into generated JavaScript
 * (`codegen.ts`; a closure-tree backend was measured against it and
 * removed, see `bench/runtime_js_bench.ts`).
 *
 * Semantics. Conditions are two-valued in both dialects: every condition
 * is true or false, never null, and a predicate selects exactly the events
 * where it is true.
 *
 * - **elastic** (Elasticsearch EQL). Elasticsearch runs an EQL filter as a
 *   Query DSL query, where `!=`, `not in` and `not` become `must_not`
 *   clauses, and those match documents that lack the field. Elastic's public
 *   rules rely on it (`not process.parent.executable in (…)` must select an
 *   event without a parent executable), so the runtime does the same. A
 *   comparison, match or `in` whose subject is missing or null, or of
 *   another type than the literal (`"1" == 1`, a number under `:`), is
 *   false; `!=`, `not in` and `not` are plain negations of the positive
 *   forms, so on an event without `process.name` both `process.name != "a"`
 *   and `not process.name in ("a")` are true. `x == null` holds iff x is
 *   missing or null, `x != null` iff it is present. `==`/`!=` are
 *   case-sensitive with no wildcards; `:` and `like~` are case-insensitive
 *   wildcard matches (`*`, `?`; a backslash is an ordinary character),
 *   `like` the case-sensitive one; `regex`/`regex~` match Lucene regexes
 *   against the whole string; these apply to strings only. `in` is an `or`
 *   of `==` over the list; a null in the list matches nothing. Ordering
 *   compares numbers with numbers and strings with strings (UTF-16 code
 *   units); anything else is false, so `not x > 5` holds when x is missing.
 * - **legacy** (Endgame EQL): a missing value is Python's None, so
 *   `None == "a"` is false, `None != "a"` true, `None in (…)` false unless
 *   the list holds null, `None == None` true, ordering with None false.
 *   `==`, `!=`, `in` and ordering fold string case (`toLowerCase`); a
 *   constant string with `*` on the right of `==`/`!=` or in an `in` list is
 *   a wildcard where only `*` is special. Numbers and strings never compare
 *   equal.
 * - **Lists** (multi-valued fields): a comparison, match or `in` holds if
 *   any element satisfies it; `!=` and `not in` are the negation of the
 *   any-element `==`/`in`, so they hold when no element equals. Nested lists
 *   are flattened and null elements skipped (Elasticsearch indexes neither),
 *   so an empty list, or one of nulls, is a missing value: `== null` holds.
 *   Lists are passed to functions and arithmetic as they are: the function
 *   table reads a one-element list as its element and any other list as
 *   null.
 * - **Functions** run the function table's implementations
 *   (`eql/functions.ts`), with `~` calls and every legacy call case-
 *   insensitive; a null result propagates through functions and compares
 *   like a missing value (elastic: `f(x) == "a"` is false, `f(x) != "a"` and
 *   `f(x) == null` true). Arithmetic uses the dialect's `add`…`modulo` (Java
 *   vs Python division). Unary minus negates a number, anything else is
 *   null. Legacy `safe(x)` gives null when evaluating `x` throws;
 *   `arraySearch`/`arrayCount` bind each element of a list in a new frame
 *   (not a list: false / 0, as Endgame's engine answers), and bound
 *   variables are resolved to frame distances at compile time.
 *   `lua("module.fn", …)` calls the context's Lua host with the other
 *   arguments; its result is a value like any function's (null when the
 *   predicate fails, which the host reports).
 * - A value used as a condition is true only when it is `true` (any element
 *   of a list); `false`, null, a missing value and anything else are false.
 * - Legacy subscripts `field[i]` read element `i` of a list; out of range or
 *   not a list is missing.
 *
 * Constants are compiled once per rule: lower-cased strings, `Set`s for `in`
 * lists, merged wildcard and regex matchers, parsed CIDR blocks. Evaluating
 * a simple comparison allocates nothing.
 *
 * @module
 */
import type { IrEventQuery, IrExpr } from "../../eql/ir.ts";
import type { Getter, Predicate, RuntimeContext } from "./types.ts";
import { generatedEventQuery, generatedGetter, generatedPredicate } from "./codegen.ts";

export type { Getter, LuaHost, Predicate, RuntimeContext } from "./types.ts";
export type { Lineage } from "../../engine/lineage_api.ts";

/**
 * Compiles a condition into a predicate that is true exactly when the
 * condition holds. Throws for a lineage node when the context has no
 * lineage tracker.
 *
 * @example
 * ```ts
 * const ir = compileExpression('process.name == "sh"', { schema }).ir!;
 * const isShell = compilePredicate(ir, ctx);
 * isShell(event); // true or false
 * ```
 */
export function compilePredicate(ir: IrExpr, ctx: RuntimeContext): Predicate {
  return generatedPredicate(ir, ctx);
}

/**
 * Compiles a value expression (join keys, pipe keys) into a getter. A
 * condition reads as `true` or `false`.
 */
export function compileGetter(ir: IrExpr, ctx: RuntimeContext): Getter {
  return generatedGetter(ir, ctx);
}

/**
 * Compiles `category where predicate`: the context's category matcher,
 * then the predicate (`any` skips the category test).
 */
export function compileEventQuery(q: IrEventQuery, ctx: RuntimeContext): Predicate {
  return generatedEventQuery(q, ctx);
}
