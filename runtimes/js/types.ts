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
}

/** A compiled condition: true exactly when the condition holds. */
export type Predicate = (ev: Event) => boolean;

/** A compiled value expression (join keys, pipe keys); undefined when a field is absent. */
export type Getter = (ev: Event) => Value | undefined;
