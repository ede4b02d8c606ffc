/**
 * Idle cost of `kestrel run`: resident memory and CPU over 30 s on a quiet
 * host, read from `/proc/PID/status` and `/proc/PID/stat`, with the fixture
 * corpus as the ruleset (there is no default ruleset yet). For reference,
 * the resident memory of a bare `Deno.serve` hello-world.
 *
 *     deno run -A bench/sensor_idle.ts [seconds, default 30]
 *
 * Needs root. Prints a Markdown table.
 *
 * @module
 */
import { helloWorldMemory, processMemory } from "./process_memory.ts";

const seconds = Number(Deno.args[0] ?? 30);
const ROOT = new URL("../", import.meta.url).pathname;
const TICKS = 100; // USER_HZ

function cpuTicks(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

/** Reads a child's stderr until `pattern` appears. */
async function until(stream: ReadableStream<Uint8Array>, pattern: RegExp): Promise<void> {
  let text = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    if (pattern.test(text)) return;
  }
  throw new Error(`never saw ${pattern}: ${text}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (kb: number) => (kb / 1024).toFixed(1);

// kestrel run with the corpus (its REST API on a free port, its token in a scratch directory).
const scratch = await Deno.makeTempDir({ prefix: "kestrel-idle-" });
await Deno.writeTextFile(`${scratch}/kestrel.toml`, `[general]\ndata_dir = "${scratch}"\n`);
const kestrel = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    `${ROOT}main.ts`,
    "run",
    "--config",
    `${scratch}/kestrel.toml`,
    "--listen",
    "127.0.0.1:0",
    "--rules",
    `${ROOT}tests/fixtures/rules/corpus`,
  ],
  stdout: "null",
  stderr: "piped",
}).spawn();
await until(kestrel.stderr, /collecting with/);
await sleep(2000); // let start-up settle
const t0 = cpuTicks(kestrel.pid), w0 = performance.now();
let peak = 0;
for (let s = 0; s < seconds; s++) {
  await sleep(1000);
  peak = Math.max(peak, processMemory(kestrel.pid).rss);
}
const cpu = (cpuTicks(kestrel.pid) - t0) / TICKS / ((performance.now() - w0) / 1000);
const mem = processMemory(kestrel.pid);
kestrel.kill("SIGTERM");
await kestrel.status;
await Deno.remove(scratch, { recursive: true });

const helloMem = await helloWorldMemory();

console.log("| process | RSS | peak RSS | anon / file / shmem | CPU |");
console.log("|---|---|---|---|---|");
console.log(
  `| \`kestrel run\`, 41 corpus rules, idle ${seconds} s | ${mb(mem.rss)} MB | ${mb(peak)} MB | ${
    mb(mem.anon)
  } / ${mb(mem.file)} / ${mb(mem.shmem)} MB | ${(cpu * 100).toFixed(2)}% of a core |`,
);
console.log(
  `| bare \`Deno.serve\` hello-world | ${mb(helloMem.rss)} MB | ${mb(helloMem.hwm)} MB | ${
    mb(helloMem.anon)
  } / ${mb(helloMem.file)} / ${mb(helloMem.shmem)} MB | – |`,
);
console.log(`\nDifference: ${mb(mem.rss - helloMem.rss)} MB.`);
