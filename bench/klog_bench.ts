/**
 * `.klog` against NDJSON on the same events (ARCHITECTURE §10: klog decode
 * ≥ 3× a `JSON.parse`-per-line loop, size ≤ 30% of the NDJSON; end-to-end
 * replay reported for both).
 *
 * - size: the klog and the NDJSON file of the same events;
 * - decode: the bare NDJSON loop (1 MiB reads, split lines, `JSON.parse`
 *   each) against the klog reader yielding every event (blocks CRC-checked,
 *   dictionaries decoded, one event view per record, its timestamp read),
 *   and the klog reader materialising every event's full JSON (`toJSON`),
 *   i.e. the same objects `JSON.parse` builds;
 * - replay: the fixture corpus rules over each file, alerts to a
 *   discarding sink (the same alerts from both).
 *
 * Run: `deno run -A bench/klog_bench.ts [EVENTS] [--from FILE.ndjson]`
 * (`--from`: the events of a real recording instead of synthetic ones).
 *
 * @module
 */
import { Schema } from "../engine/schema.ts";
import { FieldPaths, toNanos } from "../engine/event.ts";
import { Engine } from "../engine/engine.ts";
import { AlertWriter } from "../engine/alert_writer.ts";
import { fileStream, readNdjsonFile } from "../log/ndjson.ts";
import { bareParseLoop } from "./bare_parse.ts";
import { KlogWriter, openKlog } from "../log/klog.ts";
import { loadRules } from "../rules/loader/mod.ts";
import { syntheticEvents } from "../samples/synthetic.ts";

const fromAt = Deno.args.indexOf("--from");
const from = fromAt >= 0 ? Deno.args[fromAt + 1] : undefined;
const count = Number(
  Deno.args.find((a, i) => /^\d+$/.test(a) && !(fromAt >= 0 && i === fromAt + 1)) ?? 300_000,
);
const rulesDir = new URL("../tests/fixtures/rules/corpus/", import.meta.url).pathname;

const ndjson = await Deno.makeTempFile({ suffix: ".ndjson" });
const klog = await Deno.makeTempFile({ suffix: ".klog" });
let events = 0;
{
  const lines: string[] = [];
  if (from) {
    for (const line of (await Deno.readTextFile(from)).split("\n")) if (line) lines.push(line);
  } else {
    for (const ev of syntheticEvents(count, { seed: 5 })) lines.push(JSON.stringify(ev));
  }
  events = lines.length;
  await Deno.writeTextFile(ndjson, lines.join("\n") + "\n");
  const file = await Deno.open(klog, { write: true, truncate: true });
  const w = new KlogWriter(file, { schema: Schema.ecs() });
  for (const line of lines) {
    const doc = JSON.parse(line);
    w.writeDoc(doc, toNanos(doc["@timestamp"]) as bigint);
    await w.writeClosed();
  }
  await w.flush();
  file.close();
}
const ndBytes = (await Deno.stat(ndjson)).size, kBytes = (await Deno.stat(klog)).size;

const bareLoop = () => bareParseLoop(ndjson);

let sink = 0n;
async function klogDecode(materialise: boolean): Promise<number> {
  const log = await openKlog(fileStream(await Deno.open(klog)), { schema: Schema.ecs() });
  let n = 0;
  for await (const batch of log.batches) {
    for (const ev of batch) {
      sink ^= ev.timestamp;
      if (materialise) ev.toJSON();
      n++;
    }
  }
  return n;
}

async function replay(kind: "ndjson" | "klog"): Promise<{ events: number; alerts: number }> {
  const schema = Schema.ecs();
  const { rules } = await loadRules(rulesDir, { schema });
  const writer = new AlertWriter({ write: (p) => Promise.resolve(p.length) });
  const engine = new Engine(rules, { schema, onMatch: (m) => writer.write(rules[m.rule], m) });
  let n = 0;
  const batches = kind === "ndjson"
    ? readNdjsonFile(ndjson, { paths: new FieldPaths(schema) })
    : (await openKlog(fileStream(await Deno.open(klog)), { schema })).batches;
  for await (const batch of batches) {
    for (const ev of batch) engine.process(ev);
    n += batch.length;
    await writer.flushIfFull();
  }
  await writer.flush();
  return { events: n, alerts: writer.count };
}

async function best<T>(runs: number, f: () => Promise<T>): Promise<[number, T]> {
  let ms = Infinity, r: T | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    r = await f();
    ms = Math.min(ms, performance.now() - t0);
  }
  return [ms, r!];
}

// Warm the page cache and the JIT.
await bareLoop();
await klogDecode(true);
const [bareMs, bareN] = await best(5, bareLoop);
const [decMs, decN] = await best(5, () => klogDecode(false));
const [matMs, matN] = await best(5, () => klogDecode(true));
if (bareN !== events || decN !== events || matN !== events) throw new Error("event counts differ");
await replay("ndjson");
await replay("klog");
const [ndReplayMs, ndR] = await best(3, () => replay("ndjson"));
const [kReplayMs, kR] = await best(3, () => replay("klog"));
if (ndR.alerts !== kR.alerts) throw new Error(`alerts differ: ${ndR.alerts} vs ${kR.alerts}`);

const rate = (ms: number) => Math.round(events / ms * 1000).toLocaleString("en-US");
const mb = (b: number) => (b / 1e6).toFixed(1);
console.log(
  `events: ${events.toLocaleString("en-US")} (${from ? `from ${from}` : "synthetic, seed 5"})`,
);
console.log(
  `size: NDJSON ${mb(ndBytes)} MB, klog ${mb(kBytes)} MB = ${
    (kBytes / ndBytes * 100).toFixed(1)
  }% of the NDJSON (budget ≤ 30%)`,
);
console.log(`decode: NDJSON JSON.parse-per-line loop ${rate(bareMs)} events/s`);
console.log(
  `decode: klog events (views)               ${rate(decMs)} events/s = ${
    (bareMs / decMs).toFixed(1)
  }× (budget ≥ 3×)`,
);
console.log(
  `decode: klog events + full JSON (toJSON)  ${rate(matMs)} events/s = ${
    (bareMs / matMs).toFixed(1)
  }×`,
);
console.log(
  `replay, corpus rules (${ndR.alerts} alerts): NDJSON ${rate(ndReplayMs)} events/s, klog ${
    rate(kReplayMs)
  } events/s = ${(ndReplayMs / kReplayMs).toFixed(2)}×`,
);
if (sink === 1n) console.log(""); // keeps the timestamps read
await Deno.remove(ndjson);
await Deno.remove(klog);
