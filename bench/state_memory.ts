/**
 * Sequence state stays bounded whatever the input (ARCHITECTURE §10): the
 * heap after a stream that opens a partial match for each of 1,000,000
 * distinct entities, under the default `[nfa]` quotas.
 *
 * Two rulesets go through the full engine (compiled EQL, JSON events):
 * - one rule, `sequence by host.id with maxspan=1h [a] [b]`: the per-rule
 *   quota (10,000) binds;
 * - twelve such rules, each event starting a partial match in all of them:
 *   the total quota (100,000) binds.
 *
 * Every event is `a` for a new host, so no partial match completes or
 * expires (the stream spans 1 s of event time): each one past the quota
 * evicts the least recently used. The script prints heapUsed after a forced
 * GC at 100k, 250k, 500k and 1M entities with the state counters; a flat
 * heap with `active` at the quota is the expected result.
 *
 * Run: `deno run -A --v8-flags=--expose-gc bench/state_memory.ts`.
 *
 * @module
 */
import { compileQuery } from "../eql/compile.ts";
import { DEFAULT_QUOTAS, Engine, type EngineRule } from "../engine/engine.ts";
import { FieldPaths, JsonEvent } from "../engine/event.ts";
import { Schema } from "../engine/schema.ts";

const ENTITIES = 1_000_000;
const CHECKPOINTS = new Set([100_000, 250_000, 500_000, 1_000_000]);
const BASE = 1_767_323_045_000_000_000n;
const MB = 2 ** 20;

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");
  for (let i = 0; i < 3; i++) gc();
  return Deno.memoryUsage().heapUsed;
}

/** `count` copies of the two-step sequence rule, compiled against `schema`. */
function rules(schema: Schema, count: number): EngineRule[] {
  const text =
    'sequence by host.id with maxspan=1h [process where process.name == "a"] [process where process.name == "b"]';
  const compiled = compileQuery(text, { schema });
  if (!compiled.ir) throw new Error(compiled.diagnostics.map((d) => d.message).join("\n"));
  const ir = compiled.ir;
  return Array.from({ length: count }, (_, i) => ({ id: `seq-${i}`, dialect: "elastic", ir }));
}

function run(ruleCount: number): void {
  const schema = Schema.ecs();
  let matches = 0;
  const engine = new Engine(rules(schema, ruleCount), { schema, onMatch: () => matches++ });
  const paths = new FieldPaths(schema);
  const baseline = heapUsed();
  console.log(
    `\n${ruleCount} rule(s), default quotas ${JSON.stringify(DEFAULT_QUOTAS)}; heap before events ${
      (baseline / MB).toFixed(1)
    } MB`,
  );
  console.log("entities    heapUsed MB   active    created    evicted   B/partial");
  for (let i = 0; i < ENTITIES; i++) {
    const doc = {
      event: { category: "process" },
      host: { id: `host-${i}` },
      process: { name: "a" },
    };
    engine.process(new JsonEvent(doc, BASE + BigInt(i) * 1000n, i + 1, paths));
    if (!CHECKPOINTS.has(i + 1)) continue;
    const heap = heapUsed();
    const s = engine.sequenceStats()!;
    const perPartial = s.active > 0 ? (heap - baseline) / s.active : 0;
    console.log(
      [
        String(i + 1).padStart(9),
        (heap / MB).toFixed(1).padStart(13),
        String(s.active).padStart(8),
        String(s.created).padStart(10),
        String(s.evicted).padStart(10),
        perPartial.toFixed(0).padStart(11),
      ].join(" "),
    );
  }
  if (matches !== 0) throw new Error(`unexpected matches: ${matches}`);
}

run(1);
run(12);
