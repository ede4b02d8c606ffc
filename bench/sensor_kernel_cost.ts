/**
 * Kernel cost of the sensor's BPF programs, from the kernel's own
 * accounting (`kernel.bpf_stats_enabled`: run time and run count per
 * program, read with `bpftool prog show -j`), for workloads whose events
 * are submitted, filtered by path prefix, or not collected at all, plus
 * the slowdown a workload sees.
 *
 *     deno run -A bench/sensor_kernel_cost.ts [opens, default 200000]
 *
 * Needs root and bpftool. Restores `kernel.bpf_stats_enabled` afterwards.
 * Prints Markdown tables.
 *
 * @module
 */
import { Schema } from "../engine/schema.ts";
import { rulesFrom } from "../tests/sensor/rules.ts";
import { Sensor } from "../sensor/mod.ts";

const OPENS = Number(Deno.args[0] ?? 200_000);
const EXECS = 2000;
const STATS = "/proc/sys/kernel/bpf_stats_enabled";

interface ProgStat {
  id: number;
  name: string;
  run_time_ns?: number;
  run_cnt?: number;
}

async function progs(): Promise<ProgStat[]> {
  const out = await new Deno.Command("bpftool", { args: ["prog", "show", "-j"] }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

async function time(script: string): Promise<number> {
  const t0 = performance.now();
  const status = await new Deno.Command("/bin/sh", { args: ["-c", script], stdin: "null" }).spawn()
    .status;
  if (!status.success) throw new Error(`workload failed: ${script}`);
  return (performance.now() - t0) / 1000;
}

const dir = await Deno.makeTempDir({ prefix: "kestrel-kcost-" });
const watched = `${dir}/watched`, other = `${dir}-other`;
await Deno.writeTextFile(watched, "");
await Deno.writeTextFile(other, "");
const openLoop = (file: string) =>
  `i=0; while [ $i -lt ${OPENS} ]; do : > '${file}'; i=$((i+1)); done`;
const execLoop = `i=0; while [ $i -lt ${EXECS} ]; do /bin/true; i=$((i+1)); done`;

// The workloads without the sensor, for the slowdown.
const bare = { open: await time(openLoop(watched)), exec: await time(execLoop) };

const previous = (await Deno.readTextFile(STATS)).trim();
await Deno.writeTextFile(STATS, "1");
const before = new Set((await progs()).map((p) => p.id));
const schema = Schema.ecs();
const sensor = new Sensor({
  schema,
  log: () => {},
  rules: rulesFrom({
    watch: `file where event.action == "modification" and file.path == "${watched}"`,
  }, schema),
});
await sensor.start();
const mine = async () =>
  (await progs()).filter((p) => !before.has(p.id) && p.name.startsWith("kestrel_"));

async function measure(what: string, script: string) {
  await sensor.sync();
  const p0 = new Map((await mine()).map((p) => [p.id, p]));
  const s0 = sensor.stats();
  const secs = await time(script);
  await sensor.sync();
  const s1 = sensor.stats();
  const rows = (await mine()).map((p) => {
    const q = p0.get(p.id)!;
    const ns = (p.run_time_ns ?? 0) - (q.run_time_ns ?? 0);
    const cnt = (p.run_cnt ?? 0) - (q.run_cnt ?? 0);
    return { name: p.name, ns, cnt };
  }).filter((r) => r.cnt > 0);
  const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  return {
    what,
    secs,
    rows,
    produced: sum(s1.produced) - sum(s0.produced),
    filtered: sum(s1.filtered) - sum(s0.filtered),
    totalNs: rows.reduce((a, r) => a + r.ns, 0),
  };
}

const results = [
  await measure(
    `${OPENS.toLocaleString("en-US")} write-opens of a watched file (submitted)`,
    openLoop(watched),
  ),
  await measure(
    `${OPENS.toLocaleString("en-US")} write-opens outside the rules' prefixes (filtered)`,
    openLoop(other),
  ),
  await measure(`${EXECS.toLocaleString("en-US")} fork + exec + exit of /bin/true`, execLoop),
];
await sensor.stop();
await Deno.writeTextFile(STATS, previous);
await Deno.remove(dir, { recursive: true });
await Deno.remove(other);

const us = (ns: number, n: number) => n ? (ns / n / 1000).toFixed(2) : "–";
for (const r of results) {
  console.log(
    `\n**${r.what}**: ${r.produced.toLocaleString("en-US")} events submitted, ${
      r.filtered.toLocaleString("en-US")
    } filtered, ${r.secs.toFixed(2)} s\n`,
  );
  console.log("| program | runs | µs per run | total ms |");
  console.log("|---|---|---|---|");
  for (const row of r.rows) {
    console.log(
      `| ${row.name} | ${row.cnt.toLocaleString("en-US")} | ${us(row.ns, row.cnt)} | ${
        (row.ns / 1e6).toFixed(1)
      } |`,
    );
  }
}
const [sub, filt, exec] = results;
console.log(
  "\n| workload | without sensor | with sensor | added per operation | BPF time per event |",
);
console.log("|---|---|---|---|---|");
console.log(
  `| write-open, submitted | ${bare.open.toFixed(2)} s | ${sub.secs.toFixed(2)} s | ${
    ((sub.secs - bare.open) / OPENS * 1e6).toFixed(2)
  } µs | ${us(sub.totalNs, sub.produced)} µs |`,
);
console.log(
  `| write-open, filtered by prefix | ${bare.open.toFixed(2)} s | ${filt.secs.toFixed(2)} s | ${
    ((filt.secs - bare.open) / OPENS * 1e6).toFixed(2)
  } µs | ${us(filt.totalNs, filt.filtered)} µs per filtered event |`,
);
console.log(
  `| fork + exec + exit | ${bare.exec.toFixed(2)} s | ${exec.secs.toFixed(2)} s | ${
    ((exec.secs - bare.exec) / EXECS * 1e6).toFixed(1)
  } µs | ${us(exec.totalNs, exec.produced)} µs |`,
);
