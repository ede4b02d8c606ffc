/**
 * The interface compiled predicates use for legacy lineage
 * (`descendant of`, `child of`, `event of`); the engine supplies it.
 *
 * @module
 */
import type { Event } from "./event.ts";
import type { IrEventQuery } from "../eql/ir.ts";

/** Process relations as lineage predicates query them. */
export interface Lineage {
  /**
   * Registers a lineage subquery; returns the handle later passed to
   * {@link Lineage.test}. `query` is the subquery as compiled into
   * `matches`, when the caller has it: an implementation may use it to
   * skip evaluating `matches` on events it cannot match.
   */
  register(matches: (ev: Event) => boolean, query?: IrEventQuery): number;
  /** Whether `ev` stands in `relation` to a process that matched subquery `handle`. */
  test(handle: number, relation: "descendant" | "child" | "event", ev: Event): boolean;
}
