/**
 * The public types of the JavaScript runtime: what the engine hands the
 * predicate compiler, and what it gets back.
 *
 * @module
 */
import type { Dialect } from "../../eql/compile.ts";
import type { Value } from "../../eql/value.ts";
import type { Event } from "../../engine/event.ts";
import type { Lineage } from "../../engine/lineage_api.ts";

/** What compiled predicates need from the engine. */
export interface RuntimeContext {
  /** The dialect the IR was compiled in; it decides missing values, case and function semantics. */
  dialect: Dialect;
  /**
   * Returns a predicate true when the event belongs to `category` ("any" →
   * always true). Provided by the engine, which knows the category field.
   */
  categoryMatcher(category: string): (ev: Event) => boolean;
  /**
   * Legacy lineage (`descendant of`, `child of`, `event of`); when absent,
   * compiling a lineage node throws an Error saying so.
   */
  lineage?: Lineage;
  /** Runs custom Lua predicates (`lua("module.fn", …)`); compiling such a call without it throws. */
  lua?: LuaHost;
  /** Id of the rule being compiled, for the errors of its Lua predicates. */
  rule?: string;
}

/**
 * The host of custom Lua predicates, as the compiled code calls them. A
 * bound function never throws: a Lua error or limit is reported by the host
 * (naming the rule, the function and the reason) and reads as null.
 */
export interface LuaHost {
  /** The function `ref` ("module.fn"), called for rule `rule` with the call's other arguments. */
  bind(ref: string, rule: string): (args: readonly Value[]) => Value;
}

/** A compiled condition: true exactly when the condition holds. */
export type Predicate = (ev: Event) => boolean;

/** A compiled value expression (join keys, pipe keys); undefined when a field is absent. */
export type Getter = (ev: Event) => Value | undefined;
