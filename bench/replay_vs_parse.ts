/**
 * NDJSON replay against a bare `JSON.parse`-per-line loop over the same file
 * (ARCHITECTURE §10: replay with the default rules ≥ 50% of the bare loop).
 * Both read the file in chunks from disk and split lines; replay adds
 * timestamps, events, the rule engine and alert output (to a discarding
 * sink). Run: `deno run -A bench/replay_vs_parse.ts [EVENTS] [RULES_DIR]`.
 *
 * @module
 */
import { Schema } from "../engine/schema.ts";
import { FieldPaths } from "../engine/event.ts";
import { Engine } from "../engine/engine.ts";
import { AlertWriter } from "../engine/alert_writer.ts";
import { readNdjsonFile } from "../log/ndjson.ts";
import { bareParseLoop } from "./bare_parse.ts";
import { loadRules } from "../rules/loader/mod.ts";
import { syntheticEvents } from "../samples/synthetic.ts";

const count = Number(Deno.args[0] ?? 300_000);
const rulesDir = Deno.args[1] ??
  new URL("../tests/fixtures/rules/corpus/", import.meta.url).pathname;
const file = await Deno.makeTempFile({ suffix: ".ndjson" });
{
  const lines: string[] = [];
  for (const ev of syntheticEvents(count, { seed: 5 })) lines.push(JSON.stringify(ev));
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
}
const size = (await Deno.stat(file)).size;

const bareLoop = () => bareParseLoop(file);

async function replay(): Promise<{ events: number; alerts: number; loadMs: number }> {
  const t0 = performance.now();
  const schema = Schema.ecs();
  const { rules } = await loadRules(rulesDir, { schema });
  const loadMs = performance.now() - t0;
  const writer = new AlertWriter({ write: (p) => Promise.resolve(p.length) });
  const engine = new Engine(rules, { schema, onMatch: (m) => writer.write(rules[m.rule], m) });
  let events = 0;
  for await (const batch of readNdjsonFile(file, { paths: new FieldPaths(schema) })) {
    for (const ev of batch) engine.process(ev);
    events += batch.length;
    await writer.flushIfFull();
  }
  await writer.flush();
  return { events, alerts: writer.count, loadMs };
}

async function time<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await f();
  return [performance.now() - t0, r];
}

await bareLoop(); // warm the page cache and the JIT
await replay();
const bare: number[] = [], full: number[] = [];
const events: number[] = [];
let result = { events: 0, alerts: 0, loadMs: 0 };
for (let i = 0; i < 3; i++) {
  bare.push((await time(bareLoop))[0]);
  const [ms, r] = await time(replay);
  full.push(ms);
  events.push(ms - r.loadMs);
  result = r;
}
const best = (xs: number[]) => Math.min(...xs);
const rate = (ms: number) => Math.round(count / ms * 1000).toLocaleString("en-US");
console.log(
  `file: ${count.toLocaleString("en-US")} events, ${
    (size / 1e6).toFixed(1)
  } MB; rules: ${rulesDir}`,
);
console.log(`bare JSON.parse loop: ${best(bare).toFixed(0)} ms (${rate(best(bare))} events/s)`);
console.log(
  `replay: ${best(full).toFixed(0)} ms (${rate(best(full))} events/s), ${result.alerts} alerts — ` +
    `${(best(bare) / best(full) * 100).toFixed(0)}% of the bare loop's speed`,
);
// Loading and compiling the rules is a fixed cost, whatever the file's length.
console.log(
  `replay without loading the rules (${result.loadMs.toFixed(0)} ms): ${
    best(events).toFixed(0)
  } ms — ${(best(bare) / best(events) * 100).toFixed(0)}% of the bare loop's speed`,
);
await Deno.remove(file);
