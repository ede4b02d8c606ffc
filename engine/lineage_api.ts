/**
 * The interface compiled predicates use for legacy lineage
 * (`descendant of`, `child of`, `event of`); the engine supplies it.
 *
 * @module
 */
import type { Event } from "./event.ts";

/** Process relations as lineage predicates query them. */
export interface Lineage {
  /** Registers a lineage subquery; returns the handle later passed to {@link Lineage.test}. */
  register(matches: (ev: Event) => boolean): number;
  /** Whether `ev` stands in `relation` to a process that matched subquery `handle`. */
  test(handle: number, relation: "descendant" | "child" | "event", ev: Event): boolean;
}
