/**
 * `kestrel record --out FILE.klog [--duration 30s]`: records live kernel
 * events, and the heartbeats that advance event time while the host is
 * idle, to a `.klog` log — no rules run. `kestrel replay --events FILE.klog`
 * then gives the alerts a live run with those rules would have given.
 * SIGINT or SIGTERM (or the duration) stops it; the summary goes to stderr.
 *
 * @module
 */
import { Schema } from "../engine/schema.ts";
import { hostId } from "../engine/procs.ts";
import { KlogRecorder } from "../log/klog_recorder.ts";
import { Sensor, SensorUnavailable } from "../sensor/mod.ts";
import { parseBytes } from "./run.ts";
import { parseDuration } from "./events.ts";
import { EXIT, parseFlags, required, UsageError } from "./usage.ts";

const HELP = `Usage: kestrel record --out FILE.klog [--duration 30s] [options]

Records every live kernel event (eBPF), and the heartbeats that advance event
time while the host is idle, to a .klog event log. No rules run; replay the
log with kestrel replay --rules DIR --events FILE.klog. Needs root (or
CAP_BPF + CAP_PERFMON) and kernel BTF. SIGINT or SIGTERM stops it.

Options:
  --out FILE.klog          the log to write (required; replaced if it exists)
  --duration DURATION      stop after this long (e.g. 30s, 2m, 500ms; a bare number is seconds)
  --ringbuf-size BYTES     kernel ring buffer size, a power of 2 (e.g. 8M; default 4M)
  -h, --help               show this help`;

/** Runs `kestrel record`; returns the exit code. */
export async function recordCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("record", argv, {
    out: { type: "string" },
    duration: { type: "string" },
    "ringbuf-size": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const out = required("record", "--out FILE.klog", values.out);
  if (!out.endsWith(".klog")) {
    throw new UsageError(`kestrel record: --out must name a .klog file, not ${out}`);
  }
  const d = values.duration;
  const durationMs = d === undefined
    ? undefined
    : /^\d+(\.\d+)?$/.test(d)
    ? Number(d) * 1000
    : Number(parseDuration("record", "--duration", d) / 1_000_000n);
  if (durationMs !== undefined && !(durationMs > 0)) {
    throw new UsageError("kestrel record: --duration must be positive");
  }
  let ringBytes: number | undefined;
  if (values["ringbuf-size"] !== undefined) {
    try {
      ringBytes = parseBytes("--ringbuf-size", values["ringbuf-size"]);
    } catch (e) {
      // The parser is run's: name this command.
      throw new UsageError((e as Error).message.replace(/^kestrel run:/, "kestrel record:"));
    }
  }

  const schema = Schema.ecs();
  let recorder: KlogRecorder;
  try {
    recorder = await KlogRecorder.open({
      file: out,
      schema,
      host: { name: Deno.hostname(), id: await hostId() },
    });
  } catch (e) {
    console.error(`kestrel record: cannot write ${out}: ${(e as Error).message}`);
    return EXIT.failed;
  }
  const sensor = new Sensor({
    schema,
    rules: [],
    ringBytes,
    // No rules to narrow it down: the kernel submits every event type.
    pushdown: false,
    onEvent: (ev) => recorder.write(ev),
    onHeartbeat: (ns) => recorder.heartbeat(ns),
    onDrops: (d) => recorder.drops(d.from, d.to, d.count),
    afterBatch: () => recorder.tick(),
  });
  try {
    await sensor.start();
  } catch (e) {
    await recorder.close();
    await Deno.remove(out).catch(() => {});
    if (e instanceof SensorUnavailable) {
      console.error(`kestrel record: cannot collect kernel events: ${e.message}`);
      return 2;
    }
    throw e;
  }
  console.error(
    `kestrel record: recording to ${out}${
      durationMs !== undefined ? ` for ${durationMs / 1000}s` : ""
    }; SIGINT or SIGTERM stops`,
  );
  let stop: () => void = () => {};
  const stopped = new Promise<void>((r) => stop = r);
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, stop);
  const timer = durationMs !== undefined ? setTimeout(stop, durationMs) : undefined;
  try {
    await Promise.race([stopped, sensor.ended]);
  } finally {
    clearTimeout(timer);
    for (const s of signals) Deno.removeSignalListener(s, stop);
    await sensor.stop();
    await recorder.close();
  }
  const stats = sensor.stats();
  console.error(JSON.stringify({
    out,
    events: recorder.events,
    heartbeats: recorder.heartbeats,
    received: stats.received,
    dropped: stats.droppedTotal,
    bytes: (await Deno.stat(out)).size,
  }));
  return sensor.failure ? EXIT.failed : EXIT.ok;
}
