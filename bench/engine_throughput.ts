/**
 * Prints the engine's single-event throughput (ARCHITECTURE §10: 100 rules
 * that are all candidates for the event's category, ≥ 1,000,000 events/s on
 * one core): events already parsed, the full engine path (category index,
 * literal prefilters, compiled predicates, match delivery).
 * Run: `deno run -A bench/engine_throughput.ts`.
 *
 * @module
 */
import { Schema } from "../engine/schema.ts";
import { Engine } from "../engine/engine.ts";
import { workloadEvents, workloadRules } from "./engine_workload.ts";

const schema = Schema.ecs();
const rules = workloadRules(schema);
let matches = 0;
const engine = new Engine(rules, { schema, onMatch: () => matches++ });

for (
  const [label, onlyProcess] of [["process events only", true], ["realistic mix", false]] as const
) {
  const events = workloadEvents(schema, 200_000, onlyProcess);
  for (const ev of events.slice(0, 50_000)) engine.process(ev); // warm-up
  const before = engine.stats.evaluations;
  matches = 0;
  const rounds = 5;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const ev of events) engine.process(ev);
  const ms = performance.now() - t0;
  const n = events.length * rounds;
  console.log(
    `${label}: ${Math.round(n / ms * 1000).toLocaleString("en-US")} events/s ` +
      `(${(ms * 1e6 / n).toFixed(0)} ns/event), ${
        ((engine.stats.evaluations - before) / n).toFixed(2)
      } ` +
      `predicate evaluations/event after the index, ${matches} matches`,
  );
}
