/**
 * `kestrel run`: the live sensor. Kernel events through eBPF, the rules,
 * alerts as NDJSON on stdout; with `--events-out`, the decoded events as
 * NDJSON (the format `replay` reads). SIGINT or SIGTERM stops it cleanly.
 * When BPF cannot be used (not root, no BTF, no libbpf) it says why in one
 * line and exits 2.
 *
 * @module
 */
import { formatDiagnostics } from "../eql/errors.ts";
import { AlertWriter } from "../engine/alert_writer.ts";
import { Schema } from "../engine/schema.ts";
import { type LoadedRule, loadRules } from "../rules/loader/mod.ts";
import { EventLogWriter, Sensor, SensorUnavailable } from "../sensor/mod.ts";
import { EXIT, parseFlags, UsageError } from "./usage.ts";

const HELP = `Usage: kestrel run [--rules DIR] [--events-out FILE] [options]

Runs the live sensor: kernel events through eBPF, EQL rules, alerts as
NDJSON on stdout. Needs root (or CAP_BPF + CAP_PERFMON) and kernel BTF.
SIGINT or SIGTERM stops it; statistics go to stderr.

Options:
  --rules DIR              rule directory or file (none: collect without rules)
  --events-out FILE        also write every decoded event as NDJSON (replay format)
  --ringbuf-size BYTES     kernel ring buffer size, a power of 2 (e.g. 8M; default 4M)
  --duration SECONDS       stop after this long
  --config FILE            configuration file (not read yet)
  --mode detect|enforce    response mode (enforcement is not available yet)
  -h, --help               show this help`;

/** Parses a byte count with an optional K, M or G suffix (powers of 1024). */
export function parseBytes(flag: string, text: string): number {
  const m = /^(\d+)([KMG]?)(i?B)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`kestrel run: ${flag} must be a byte count like 65536 or 8M`);
  const scale = { "": 1, K: 1 << 10, M: 1 << 20, G: 1 << 30 }[m[2].toUpperCase()]!;
  const n = Number(m[1]) * scale;
  if (n < 4096 || n > 2 ** 30 || (n & (n - 1)) !== 0) {
    throw new UsageError(
      `kestrel run: ${flag} must be a power of 2 between 4096 and 1G bytes, not ${text}`,
    );
  }
  return n;
}

function parseSeconds(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`kestrel run: ${flag} must be a positive number of seconds`);
  }
  return n;
}

/** Resolves on the first SIGINT or SIGTERM; `dispose` removes the listeners. */
function stopSignal(): { signalled: Promise<string>; dispose: () => void } {
  let fire: (s: string) => void = () => {};
  const signalled = new Promise<string>((r) => fire = r);
  const handlers = (["SIGINT", "SIGTERM"] as const).map((sig) => {
    const h = () => fire(sig);
    Deno.addSignalListener(sig, h);
    return [sig, h] as const;
  });
  return {
    signalled,
    dispose: () => handlers.forEach(([sig, h]) => Deno.removeSignalListener(sig, h)),
  };
}

/** Runs `kestrel run`; returns the exit code. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("run", argv, {
    config: { type: "string" },
    rules: { type: "string" },
    mode: { type: "string" },
    "events-out": { type: "string" },
    "ringbuf-size": { type: "string" },
    duration: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  if (values.mode !== undefined && values.mode !== "detect" && values.mode !== "enforce") {
    console.error(`kestrel run: --mode must be detect or enforce, not "${values.mode}"`);
    return EXIT.usage;
  }
  const ringBytes = values["ringbuf-size"] !== undefined
    ? parseBytes("--ringbuf-size", values["ringbuf-size"])
    : undefined;
  const duration = values.duration !== undefined
    ? parseSeconds("--duration", values.duration)
    : undefined;
  if (values.config !== undefined) {
    console.error(`kestrel run: config file not read yet (${values.config}); using the defaults`);
  }
  if (values.mode === "enforce") {
    console.error("kestrel run: enforcement is not available yet; running in detect mode");
  }

  const schema = Schema.ecs();
  let rules: LoadedRule[] = [];
  if (values.rules !== undefined) {
    const loaded = await loadRules(values.rules, { schema, schemaMode: "ecs" });
    const errors = loaded.diagnostics.filter((d) => d.severity === "error");
    if (errors.length) {
      console.error(formatDiagnostics(errors));
      console.error(`kestrel run: ${errors.length} rule error(s); the sensor did not start`);
      return EXIT.failed;
    }
    rules = loaded.rules.filter((r) => r.enabled);
  } else {
    console.error("kestrel run: no --rules given: collecting events without detection rules");
  }

  const alerts = new AlertWriter(Deno.stdout);
  const eventsFile = values["events-out"] !== undefined
    ? await Deno.open(values["events-out"], { write: true, create: true, truncate: true })
    : undefined;
  const events = eventsFile ? new EventLogWriter(eventsFile) : undefined;
  const sensor = new Sensor({
    schema,
    rules,
    ringBytes,
    onAlert: (rule, match, degraded) => alerts.write(rule, match, degraded),
    onEvent: events ? (ev) => events.write(ev) : undefined,
    afterBatch: async () => {
      await alerts.flush();
      await events?.flush();
    },
    log: (line) => console.error(line),
  });
  const signals = stopSignal();
  try {
    try {
      await sensor.start();
    } catch (e) {
      if (!(e instanceof SensorUnavailable)) throw e;
      console.error(`kestrel run: cannot collect kernel events: ${e.message}`);
      return EXIT.usage;
    }
    console.error(
      `kestrel run: collecting with ${rules.length} rule(s), ring buffer ${
        (sensor.objects!.ringBytes / 1024).toLocaleString("en-US")
      } KiB; SIGINT or SIGTERM stops`,
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stops: Promise<unknown>[] = [signals.signalled, sensor.ended];
    if (duration !== undefined) {
      stops.push(new Promise((r) => timer = setTimeout(r, duration * 1000)));
    }
    await Promise.race(stops);
    clearTimeout(timer);
    await sensor.stop();
    await alerts.flush();
    await events?.flush();
    const { decoder: _decoder, ...stats } = sensor.stats();
    console.error(JSON.stringify({ rules: rules.length, ...stats, events_out: events?.count }));
    return sensor.failure ? EXIT.failed : EXIT.ok;
  } finally {
    signals.dispose();
    eventsFile?.close();
  }
}
