/**
 * `kestrel run` (and `kestrel --config FILE`): the sensor daemon. Kernel
 * events through eBPF (or, with `--replay`, an NDJSON log read as live
 * events), the rules, alerts to the configured outputs (stdout by
 * default), and the REST API. SIGHUP reloads the rules; SIGINT or SIGTERM
 * stops it cleanly (exit 0). When BPF cannot be used (not root, no BTF, no
 * libbpf) it says why in one line and exits 2; configuration and rule
 * errors are printed as `file:line:col` diagnostics, exit 1.
 *
 * @module
 */
import { DEFAULT_CONFIG, loadConfigFile } from "../config/mod.ts";
import type { Config } from "../config/types.ts";
import { formatDiagnostics } from "../eql/errors.ts";
import { parseListen } from "../http/mod.ts";
import { Daemon, DaemonStartError } from "../daemon/mod.ts";
import { DEFAULT_RULE_FILES } from "../rules/embedded.generated.ts";
import { EXIT, parseFlags, UsageError } from "./usage.ts";

const HELP = `Usage: kestrel run [--config FILE] [--rules DIR] [--listen HOST:PORT] [options]
       kestrel --config FILE

Runs the sensor daemon: kernel events through eBPF, EQL rules, alerts to the
outputs of [alerts] (NDJSON on stdout by default), and the REST API on
[http] listen (default 127.0.0.1:9090). Needs root (or CAP_BPF +
CAP_PERFMON) and kernel BTF unless [ebpf] enabled = false or --replay.
SIGHUP reloads the rules; SIGINT or SIGTERM stops it; statistics go to stderr.

Options:
  --config FILE            configuration file (default: the embedded defaults)
  --rules DIR              rule directory or file, over [rules] dir (none: the
                           built-in default ruleset)
  --package DIR            run a rule package (kestrel compile) in its WebAssembly
                           module instead of any rules directory, over [engine] package
  --listen HOST:PORT       REST API address, over [http] listen (port 0: any free port)
  --replay FILE|-          read live events from an NDJSON log instead of the kernel
  --events-out FILE        also write every decoded event as NDJSON (replay format)
  --ringbuf-size BYTES     kernel ring buffer size, a power of 2 (e.g. 8M), over [ebpf] ringbuf_size
  --duration SECONDS       stop after this long
  --mode detect|enforce    response mode, over [general] mode (enforce: block and kill rules act)
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

/**
 * Signal handling: the first SIGINT or SIGTERM resolves `stop`; each
 * SIGHUP calls `onHangup`. `dispose` removes the listeners.
 */
function signals(onHangup: () => void): { stop: Promise<string>; dispose: () => void } {
  let fire: (s: string) => void = () => {};
  const stop = new Promise<string>((r) => fire = r);
  const handlers: [Deno.Signal, () => void][] = [
    ["SIGINT", () => fire("SIGINT")],
    ["SIGTERM", () => fire("SIGTERM")],
    ["SIGHUP", onHangup],
  ];
  for (const [sig, h] of handlers) Deno.addSignalListener(sig, h);
  return {
    stop,
    dispose: () => handlers.forEach(([sig, h]) => Deno.removeSignalListener(sig, h)),
  };
}

/** Loads `--config FILE`: warnings printed, errors printed and undefined returned. */
async function readConfig(file: string): Promise<Config | undefined> {
  const { config, warnings, errors } = await loadConfigFile(file);
  const all = [...errors, ...warnings].sort((a, b) => a.line - b.line || a.col - b.col);
  if (all.length) console.error(formatDiagnostics(all));
  if (errors.length) {
    console.error(`kestrel run: ${errors.length} error(s) in ${file}; the sensor did not start`);
    return undefined;
  }
  return config;
}

/** Runs `kestrel run`; returns the exit code. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("run", argv, {
    config: { type: "string" },
    rules: { type: "string" },
    package: { type: "string" },
    listen: { type: "string" },
    replay: { type: "string" },
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
  if (values.listen !== undefined) {
    try {
      parseListen(values.listen);
    } catch (e) {
      throw new UsageError(`kestrel run: --listen: ${(e as Error).message}`);
    }
  }

  let config: Config = DEFAULT_CONFIG;
  if (values.config !== undefined) {
    const loaded = await readConfig(values.config);
    if (loaded === undefined) return EXIT.failed;
    config = loaded;
  }
  const mode = values.mode === "detect" || values.mode === "enforce" ? values.mode : undefined;
  const packageDir = values.package ?? (config.engine.package || undefined);
  if (packageDir !== undefined && values.rules !== undefined) {
    throw new UsageError("kestrel run: --rules and --package exclude each other");
  }
  const rulesDir = values.rules ?? (config.rules.dir || undefined);
  if (packageDir !== undefined) {
    console.error(`kestrel run: running the rule package ${packageDir}`);
  } else if (rulesDir === undefined) {
    console.error("kestrel run: no rules directory given: running the built-in default ruleset");
  }

  let daemon: Daemon;
  try {
    daemon = await Daemon.start({
      config,
      rulesDir,
      builtinRules: rulesDir === undefined ? DEFAULT_RULE_FILES : undefined,
      packageDir,
      listen: values.listen,
      replay: values.replay,
      ringBytes,
      eventsOut: values["events-out"],
      mode,
    });
  } catch (e) {
    if (!(e instanceof DaemonStartError)) throw e;
    if (e.diagnostics.length) console.error(formatDiagnostics(e.diagnostics));
    console.error(`kestrel run: ${e.message}`);
    return e.exitCode;
  }

  // The daemon logs the outcome of a reload, and the diagnostics of a refused one.
  const sig = signals(() => {
    daemon.reload().catch((e) => console.error(`kestrel: reload failed: ${(e as Error).message}`));
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const stops: Promise<unknown>[] = [sig.stop, daemon.failed];
    if (duration !== undefined) {
      stops.push(new Promise((r) => timer = setTimeout(r, duration * 1000)));
    }
    await Promise.race(stops);
    clearTimeout(timer);
    const failure = daemon.source?.failure;
    await daemon.stop();
    console.error(JSON.stringify(daemon.summary()));
    return failure ? EXIT.failed : EXIT.ok;
  } finally {
    sig.dispose();
  }
}
