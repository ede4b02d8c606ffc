/**
 * Alert outputs: stdout, an NDJSON file with rotation and retention, syslog
 * (RFC 5424 over UDP or TCP) and a webhook with a disk-backed queue.
 *
 * {@link createOutputs} builds the enabled ones from a plain options object
 * (the daemon maps its `[alerts]` configuration to it); the returned
 * {@link OutputSet} serialises each alert once and hands it to every output.
 *
 * @module
 */
import { type Alert, serializeAlert } from "../engine/alerts.ts";
import type { ByteSink } from "../log/line_writer.ts";
import { FileOutput, type FileOutputOptions } from "./file.ts";
import { StdoutOutput } from "./stdout.ts";
import { SyslogOutput, type SyslogOutputOptions } from "./syslog.ts";
import type { AlertOutput, OutputLog, OutputStats } from "./types.ts";
import { WebhookOutput, type WebhookOutputOptions } from "./webhook.ts";

export type { Alert } from "../engine/alerts.ts";
export type { ByteSink } from "../log/line_writer.ts";
export type { AlertOutput, OutputLog, OutputStats } from "./types.ts";
export { StdoutOutput, type StdoutOutputOptions } from "./stdout.ts";
export { FileOutput, type FileOutputOptions, type FileRotation } from "./file.ts";
export {
  facilityCode,
  formatSyslog,
  octetFrame,
  type SyslogHeader,
  SyslogOutput,
  type SyslogOutputOptions,
  type SyslogProtocol,
  syslogSeverity,
} from "./syslog.ts";
export { WebhookOutput, type WebhookOutputOptions, type WebhookStats } from "./webhook.ts";

/** The output kinds, as named in `[alerts] outputs`. */
export type OutputName = "stdout" | "file" | "syslog" | "webhook";

/** All output kinds. */
export const OUTPUT_NAMES: readonly OutputName[] = ["stdout", "file", "syslog", "webhook"];

/**
 * What {@link createOutputs} builds. Each enabled output needs its section:
 * `file` `{path, maxFileSizeMb, rotation, retentionDays}`, `syslog` `{host,
 * port, protocol, facility, appName}`, `webhook` `{url, token?, timeoutMs,
 * maxRetries, queueDir, maxQueueMb}` — plus the optional tuning each
 * module documents. Sections of outputs not enabled are ignored.
 */
export interface OutputsOptions {
  /** Enabled outputs, each at most once. */
  outputs: readonly OutputName[];
  /** The file output's options. */
  file?: FileOutputOptions;
  /** The syslog output's options. */
  syslog?: SyslogOutputOptions;
  /** The webhook output's options. */
  webhook?: WebhookOutputOptions;
}

/** Process-wide plumbing shared by the outputs; all optional. */
export interface OutputsEnvironment {
  /** Where outputs report problems. Default: standard error. */
  log?: OutputLog;
  /** Where the stdout output writes. Default: `Deno.stdout`. */
  stdout?: ByteSink;
}

/**
 * Builds the enabled outputs. Throws a RangeError naming the problem for an
 * unknown or repeated output name, a missing section, or a bad value the
 * output checks itself (syslog facility, protocol and port; webhook URL).
 */
export function createOutputs(options: OutputsOptions, env: OutputsEnvironment = {}): OutputSet {
  const seen = new Set<string>();
  for (const name of options.outputs) {
    if (!(OUTPUT_NAMES as readonly string[]).includes(name)) {
      throw new RangeError(
        `unknown alert output ${JSON.stringify(name)} (expected ${OUTPUT_NAMES.join(", ")})`,
      );
    }
    if (seen.has(name)) throw new RangeError(`alert output "${name}" listed twice`);
    seen.add(name);
  }
  const log = env.log;
  const built: AlertOutput[] = [];
  try {
    for (const name of options.outputs) built.push(build(name, options, env, log));
  } catch (e) {
    // Release what the outputs built so far have started (sockets, files, the disk queue).
    for (const o of built) void o.close();
    throw e;
  }
  return new OutputSet(built);
}

function build(
  name: OutputName,
  options: OutputsOptions,
  env: OutputsEnvironment,
  log: OutputLog | undefined,
): AlertOutput {
  const withLog = <T extends { log?: OutputLog }>(o: T): T => ({ ...o, log: o.log ?? log });
  switch (name) {
    case "stdout":
      return new StdoutOutput({ sink: env.stdout, log });
    case "file":
      return new FileOutput(withLog(section(options.file, name)));
    case "syslog":
      return new SyslogOutput(withLog(section(options.syslog, name)));
    case "webhook":
      return new WebhookOutput(withLog(section(options.webhook, name)));
  }
}

function section<T>(value: T | undefined, name: OutputName): T {
  if (value === undefined) {
    throw new RangeError(`alert output "${name}" is enabled but has no ${name} options`);
  }
  return value;
}

/** The enabled outputs, driven together. */
export class OutputSet {
  /** The outputs, in the configured order. */
  readonly outputs: readonly AlertOutput[];

  /** Drives `outputs`. */
  constructor(outputs: readonly AlertOutput[]) {
    this.outputs = outputs;
  }

  /** Hands `alert` to every output; `line` defaults to its canonical JSON line. */
  send(alert: Alert, line: string = serializeAlert(alert)): void {
    for (const o of this.outputs) o.send(alert, line);
  }

  /** Flushes every output (see {@link AlertOutput.flush}). */
  async flush(): Promise<void> {
    await Promise.all(this.outputs.map((o) => o.flush()));
  }

  /** Closes every output. */
  async close(): Promise<void> {
    await Promise.all(this.outputs.map((o) => o.close()));
  }

  /** Counters by output name. */
  stats(): Record<string, OutputStats> {
    const out: Record<string, OutputStats> = {};
    for (const o of this.outputs) out[o.name] = o.stats();
    return out;
  }

  /** Alerts waiting in all outputs (the `output queue depth` metric). */
  get queued(): number {
    let n = 0;
    for (const o of this.outputs) n += o.stats().queued;
    return n;
  }
}
