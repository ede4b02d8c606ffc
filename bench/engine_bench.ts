/**
 * `deno bench`: the engine's single-event path with 100 rules that are all
 * candidates for process events (ARCHITECTURE §10), over already-parsed
 * events: category index, literal prefilters, compiled predicates. The
 * events/s figure is printed by `bench/engine_throughput.ts`.
 *
 * @module
 */
import { Schema } from "../engine/schema.ts";
import { Engine } from "../engine/engine.ts";
import { workloadEvents, workloadRules } from "./engine_workload.ts";

const schema = Schema.ecs();
const engine = new Engine(workloadRules(schema), { schema, onMatch: () => {} });
const processEvents = workloadEvents(schema, 10_000, true);
const mixed = workloadEvents(schema, 10_000, false);

Deno.bench("engine: 100 rules, 10,000 process events (all candidates)", { group: "engine" }, () => {
  for (const ev of processEvents) engine.process(ev);
});

Deno.bench("engine: 100 rules, 10,000 events of the realistic mix", { group: "engine" }, () => {
  for (const ev of mixed) engine.process(ev);
});
