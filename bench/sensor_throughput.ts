/**
 * Sustained end-to-end throughput of the live sensor: kernel → ring buffer →
 * decoder → engine, with the fixture corpus (41 rules) plus one rule that
 * needs the workload's file events (it evaluates on each and never fires).
 * A dash workload writes-opens a file in chunks, with a `/bin/sleep 0.05`
 * (a fork, an exec and two exits: more events) between chunks, at
 * increasing chunk sizes, then without pauses. For each level: the events
 * the kernel produced per second, what was received, what was dropped,
 * and the sensor's CPU time.
 *
 *     deno run -A bench/sensor_throughput.ts [seconds per level, default 3]
 *
 * Needs root. Prints a Markdown table.
 *
 * @module
 */
import { Schema } from "../engine/schema.ts";
import { loadRules } from "../rules/loader/mod.ts";
import { rulesFrom } from "../tests/sensor/rules.ts";
import { Sensor } from "../sensor/mod.ts";

const seconds = Number(Deno.args[0] ?? 3);
const CORPUS = new URL("../tests/fixtures/rules/corpus/", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "kestrel-bench-" });
const target = `${dir}/target`;
await Deno.writeTextFile(target, "");

const schema = Schema.ecs();
const corpus = (await loadRules(CORPUS, { schema })).rules.filter((r) => r.enabled);
const rules = [
  ...corpus,
  ...rulesFrom({
    bench_target:
      `file where event.action == "modification" and file.path == "${target}" and process.name == "never"`,
  }, schema),
];
let alerts = 0;
const sensor = new Sensor({ schema, rules, log: () => {}, onAlert: () => alerts++ });
await sensor.start();

function cpuTicks(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
}

function totals() {
  const s = sensor.stats();
  const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  return { produced: sum(s.produced), dropped: s.droppedTotal, received: s.received };
}

/** Runs one level: `chunk` opens per 50 ms period, or (no pause) `chunk` opens flat out by each of `producers`. */
async function level(chunk: number, pause: boolean, producers = 1) {
  const periods = Math.round(seconds / 0.05);
  const script = pause
    ? `p=0; while [ $p -lt ${periods} ]; do j=0; while [ $j -lt ${chunk} ]; do : > '${target}'; j=$((j+1)); done; /bin/sleep 0.05; p=$((p+1)); done`
    : `j=0; while [ $j -lt ${chunk} ]; do : > '${target}'; j=$((j+1)); done`;
  await sensor.sync();
  const before = totals(), cpu0 = cpuTicks(), t0 = performance.now();
  const statuses = await Promise.all(
    Array.from(
      { length: producers },
      () => new Deno.Command("/bin/sh", { args: ["-c", script], stdin: "null" }).spawn().status,
    ),
  );
  if (!statuses.every((s) => s.success)) throw new Error("workload failed");
  await sensor.sync();
  const secs = (performance.now() - t0) / 1000, cpu = (cpuTicks() - cpu0) / 100;
  const after = totals();
  const produced = after.produced - before.produced;
  return {
    produced,
    rate: produced / secs,
    received: (after.received - before.received) / secs,
    dropped: after.dropped - before.dropped,
    cpu: (cpu / secs) * 100,
    usPerEvent: produced ? (cpu * 1e6) / produced : 0,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
console.log(
  "| workload | events produced/s | received/s | dropped | sensor CPU | sensor CPU per event |",
);
console.log("|---|---|---|---|---|---|");
for (const chunk of [0, 50, 500, 2500, 5000, 10000, 20000]) {
  const r = await level(chunk, true);
  console.log(
    `| ${chunk} opens per 50 ms | ${fmt(r.rate)} | ${fmt(r.received)} | ${fmt(r.dropped)} | ${
      r.cpu.toFixed(1)
    }% | ${r.usPerEvent.toFixed(2)} µs |`,
  );
}
for (const producers of [1, 2]) {
  const max = await level(500_000, false, producers);
  console.log(
    `| ${producers} × 500,000 opens, no pause | ${fmt(max.rate)} | ${fmt(max.received)} | ${
      fmt(max.dropped)
    } | ${max.cpu.toFixed(1)}% | ${max.usPerEvent.toFixed(2)} µs |`,
  );
}
console.error(`alerts: ${alerts}`);
await sensor.stop();
await Deno.remove(dir, { recursive: true });
