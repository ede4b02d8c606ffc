/**
 * The daemon's own costs, two figures:
 *
 * 1. Idle resident memory of `kestrel run` with the built-in default
 *    ruleset, BPF attached and the REST API up (one health request
 *    served), sampled from `/proc/PID/status` over the idle period, beside
 *    a bare `Deno.serve` hello-world after one request. Budget: at most
 *    20 MB above the hello-world.
 * 2. `GET /api/v1/health` latency (p50, p99, max) while synthetic events
 *    (`samples/synthetic.ts`) flow through the daemon's engine at a fixed
 *    rate (default 100,000 events/s): the daemon replays them from a FIFO
 *    this script writes (`kestrel run --replay FIFO`), so events go through
 *    the same event loop that answers REST. Requests go one after another,
 *    one every 5 ms; the same without events is the baseline.
 *
 *     deno run -A bench/daemon_idle.ts [idle seconds, default 30] [load seconds, default 20] [events/s, default 100000]
 *
 * The first figure needs root (BPF). Prints Markdown.
 *
 * @module
 */
import { syntheticEvents } from "../samples/synthetic.ts";
import { helloWorldMemory, processMemory } from "./process_memory.ts";

const idleSeconds = Number(Deno.args[0] ?? 30);
const loadSeconds = Number(Deno.args[1] ?? 20);
const rate = Number(Deno.args[2] ?? 100_000);
const ROOT = new URL("../", import.meta.url).pathname;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (kb: number) => (kb / 1024).toFixed(1);

/** Starts `kestrel run ARGS`, waits for its source to be up; returns it and its REST URL. */
async function startDaemon(args: string[]): Promise<{ child: Deno.ChildProcess; url: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, "run", "--listen", "127.0.0.1:0", ...args],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  while (!/collecting with|replaying .* as live events/.test(text)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the daemon did not start:\n${text}`);
    text += value;
  }
  // Keep draining stderr so the daemon never blocks on it.
  (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
  return { child, url: /REST API on (http:\/\/\S+)/.exec(text)![1] };
}

async function stop(child: Deno.ChildProcess): Promise<void> {
  child.kill("SIGTERM");
  await child.status;
}

const dir = await Deno.makeTempDir({ prefix: "kestrel-bench-" });
await Deno.writeTextFile(
  `${dir}/kestrel.toml`,
  `[general]\ndata_dir = "${dir}/data"\n[alerts]\noutputs = []\n`,
);

// ---------------------------------------------------------------- 1. idle memory
async function idleMemory(): Promise<void> {
  const { child, url } = await startDaemon(["--config", `${dir}/kestrel.toml`]);
  await (await fetch(`${url}/api/v1/health`)).text();
  await sleep(2000); // let start-up settle
  let peak = 0;
  for (let s = 0; s < idleSeconds; s++) {
    await sleep(1000);
    peak = Math.max(peak, processMemory(child.pid).rss);
  }
  const mem = processMemory(child.pid);
  await stop(child);

  const helloMem = await helloWorldMemory();

  console.log("| process | RSS | peak RSS | anon / file MB |");
  console.log("|---|---|---|---|");
  console.log(
    `| \`kestrel run\`, default ruleset, BPF + REST up, idle ${idleSeconds} s | ${
      mb(mem.rss)
    } MB | ${mb(peak)} MB | ${mb(mem.anon)} / ${mb(mem.file)} |`,
  );
  console.log(
    `| bare \`Deno.serve\` hello-world | ${mb(helloMem.rss)} MB | ${mb(helloMem.hwm)} MB | ${
      mb(helloMem.anon)
    } / ${mb(helloMem.file)} |`,
  );
  console.log(`\nDifference: ${mb(mem.rss - helloMem.rss)} MB (budget 20 MB).\n`);
}

// ---------------------------------------------------------------- 2. health latency under load
/** Synthetic events as NDJSON lines split around the timestamp, which is rewritten per pass. */
function templates(count: number): { rest: string; offsetUs: number }[] {
  const out = [];
  const t0 = Date.UTC(2026, 0, 1) * 1000;
  let i = 0;
  // 10 µs apart in event time: 100,000 events per second of event time.
  for (const ev of syntheticEvents(count, { seed: 7, gapUs: 10 })) {
    const { "@timestamp": _ts, ...rest } = ev;
    out.push({ rest: JSON.stringify(rest).slice(1), offsetUs: t0 + i++ * 10 });
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** Sequential health requests every 5 ms until `until` resolves; the latencies in ms. */
async function probe(url: string, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  until.then(() => done = true);
  const out: number[] = [];
  while (!done) {
    const t0 = performance.now();
    await (await fetch(`${url}/api/v1/health`)).text();
    out.push(performance.now() - t0);
    await sleep(5);
  }
  return out.sort((a, b) => a - b);
}

async function healthUnderLoad(): Promise<void> {
  const fifo = `${dir}/events.fifo`;
  await new Deno.Command("mkfifo", { args: [fifo] }).output();
  const { child, url } = await startDaemon([
    "--config",
    `${dir}/kestrel.toml`,
    "--replay",
    fifo,
  ]);
  const baseline = await probe(url, sleep(3000));

  const tpl = templates(200_000);
  const spanUs = tpl.length * 10;
  const file = await Deno.open(fifo, { write: true });
  const enc = new TextEncoder();
  let written = 0;
  const start = performance.now();
  const writing = (async () => {
    while (performance.now() - start < loadSeconds * 1000) {
      const due = Math.floor((performance.now() - start) / 1000 * rate);
      let text = "";
      for (; written < due; written++) {
        const t = tpl[written % tpl.length];
        const us = t.offsetUs + Math.floor(written / tpl.length) * spanUs;
        text += `{"@timestamp":${us},${t.rest}\n`;
      }
      const data = enc.encode(text);
      for (let off = 0; off < data.length;) off += await file.write(data.subarray(off));
      await sleep(5);
    }
  })();
  const loaded = await probe(url, writing);
  const elapsed = (performance.now() - start) / 1000;
  file.close();
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const received = [...metrics.matchAll(/^kestrel_events_received_total\{[^}]*\} (\d+)$/gm)]
    .reduce((s, m) => s + Number(m[1]), 0);
  const alerts = [...metrics.matchAll(/^kestrel_alerts_total\{[^}]*\} (\d+)$/gm)]
    .reduce((s, m) => s + Number(m[1]), 0);
  await stop(child);

  const row = (what: string, xs: number[]) =>
    `| ${what} | ${xs.length} | ${percentile(xs, 0.5).toFixed(2)} ms | ${
      percentile(xs, 0.99).toFixed(2)
    } ms | ${xs[xs.length - 1].toFixed(2)} ms |`;
  console.log("| `GET /api/v1/health` | requests | p50 | p99 | max |");
  console.log("|---|---|---|---|---|");
  console.log(row("daemon idle (replay source, default ruleset)", baseline));
  console.log(
    row(
      `${
        (written / elapsed).toLocaleString("en-US", { maximumFractionDigits: 0 })
      } events/s offered`,
      loaded,
    ),
  );
  console.log(
    `\nEvents written ${written.toLocaleString("en-US")} in ${elapsed.toFixed(1)} s; ` +
      `evaluated by the daemon when measured: ${received.toLocaleString("en-US")} ` +
      `(${(received / elapsed).toLocaleString("en-US", { maximumFractionDigits: 0 })}/s); ` +
      `alerts ${alerts.toLocaleString("en-US")}.`,
  );
}

try {
  if (Deno.uid() === 0) await idleMemory();
  else console.log("(idle memory skipped: BPF needs root)\n");
  await healthUnderLoad();
} finally {
  await Deno.remove(dir, { recursive: true });
}
