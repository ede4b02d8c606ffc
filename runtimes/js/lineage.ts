/**
 * Legacy lineage nodes (`descendant of [...]`, `child of [...]`,
 * `event of [...]`): the subquery is compiled once and registered with the
 * engine's tracker, which evaluates it on every event it observes; the
 * predicate then only asks the tracker about the current event.
 *
 * @module
 */
import type { IrEventQuery } from "../../eql/ir.ts";
import type { Predicate, RuntimeContext } from "./types.ts";

/** Registers `query` with the context's lineage tracker and returns the test for `relation`. */
export function lineageTest(
  relation: "descendant" | "child" | "event",
  query: IrEventQuery,
  ctx: RuntimeContext,
  compileQuery: (q: IrEventQuery, ctx: RuntimeContext) => Predicate,
): Predicate {
  const lineage = ctx.lineage;
  if (lineage === undefined) {
    throw new Error(
      `"${relation} of [...]" needs process lineage, but no lineage tracker was provided to the runtime`,
    );
  }
  const handle = lineage.register(compileQuery(query, ctx), query);
  return (ev) => lineage.test(handle, relation, ev);
}
