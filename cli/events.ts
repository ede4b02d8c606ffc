/**
 * Opening an event log for the commands that read one (`query`, `replay`,
 * `test`): NDJSON or `.klog` (by extension, or by its magic bytes) from a
 * file or standard input, streamed in batches, with every problem reported
 * on stderr and counted.
 *
 * @module
 */
import type { FieldPaths } from "../engine/event.ts";
import { fileStream, readNdjson, type ReadStats } from "../log/ndjson.ts";
import {
  type EventBatch,
  isKlogPath,
  KlogError,
  type KlogStats,
  type LostRecords,
  openKlog,
  sniffKlog,
} from "../log/klog.ts";
import { required, UsageError } from "./usage.ts";

/** Reader options shared by the commands. */
export interface EventSourceOptions {
  paths: FieldPaths;
  timestampField?: string;
  reorderWindowNs?: bigint;
  /** Prefix of problem messages, e.g. the command name. */
  command: string;
  /** Print each problem line to stderr (true by default). */
  reportProblems?: boolean;
}

/**
 * An open event source: batches of events and the running read statistics.
 * A batch with `watermarkNs` set is followed by a recorded live heartbeat:
 * advance the engine's watermark after its events ({@link processBatch}).
 */
export interface EventSource {
  batches: AsyncGenerator<EventBatch>;
  stats: ReadStats | KlogStats;
}

/**
 * Runs `batch` through `engine`, then the recorded heartbeat that follows
 * it, if any; `lost` first learns the batch's recorded lost records.
 */
export function processBatch(
  engine: { process(ev: EventBatch[number]): void; advanceWatermark(ns: bigint): void },
  batch: EventBatch,
  lost?: LostRecords,
): void {
  lost?.add(batch);
  for (const ev of batch) engine.process(ev);
  if (batch.watermarkNs !== undefined) engine.advanceWatermark(batch.watermarkNs);
}

/** Opens `path` (`-` for stdin) as `.klog` (by extension or magic bytes) or NDJSON. */
export async function openEvents(path: string, opts: EventSourceOptions): Promise<EventSource> {
  let stream: ReadableStream<Uint8Array>;
  if (path === "-") {
    stream = Deno.stdin.readable;
  } else {
    try {
      stream = fileStream(await Deno.open(path, { read: true }));
    } catch (e) {
      throw new UsageError(`kestrel ${opts.command}: cannot read ${path}: ${(e as Error).message}`);
    }
  }
  const name = path === "-" ? "<stdin>" : path;
  let klog = isKlogPath(path);
  if (!klog) ({ klog, stream } = await sniffKlog(stream));
  if (klog) return await openKlogEvents(name, stream, opts);
  const stats: ReadStats = {
    lines: 0,
    events: 0,
    malformed: 0,
    notObject: 0,
    noTimestamp: 0,
    late: 0,
  };
  const report = opts.reportProblems ?? true;
  const batches = readNdjson(stream, {
    paths: opts.paths,
    timestampField: opts.timestampField,
    reorderWindowNs: opts.reorderWindowNs,
    stats,
    onProblem: (p) => {
      if (report) console.error(`${path === "-" ? "<stdin>" : path}:${p.line}: ${p.message}`);
    },
  });
  return { batches, stats };
}

async function openKlogEvents(
  name: string,
  stream: ReadableStream<Uint8Array>,
  opts: EventSourceOptions,
): Promise<EventSource> {
  const report = opts.reportProblems ?? true;
  // A klog is replayed in recorded order (the live engine's), with its own event times.
  if (opts.reorderWindowNs !== undefined && opts.reorderWindowNs > 0n) {
    console.error(`${name}: --reorder-window does not apply to a .klog (replayed as recorded)`);
  }
  if (opts.timestampField !== undefined && opts.timestampField !== "@timestamp") {
    console.error(
      `${name}: --timestamp-field does not apply to a .klog (records carry their time)`,
    );
  }
  try {
    const log = await openKlog(stream, {
      schema: opts.paths.schema,
      onProblem: (p) => {
        if (report) console.error(`${name}: ${p.message}`);
      },
    });
    return { batches: log.batches, stats: log.stats };
  } catch (e) {
    if (e instanceof KlogError) {
      throw new UsageError(`kestrel ${opts.command}: ${name}: ${e.message}`);
    }
    throw e;
  }
}

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
};

/** Parses a duration flag such as `500ms`, `5s`, `2m` into nanoseconds. */
export function parseDuration(command: string, flag: string, text: string): bigint {
  const m = /^(\d+)(ns|us|ms|s|m)$/.exec(text);
  if (!m) {
    throw new UsageError(
      `kestrel ${command}: ${flag} takes a duration like 500ms, 5s or 2m, not "${text}"`,
    );
  }
  return BigInt(m[1]) * UNITS[m[2]];
}

/** The flags every command that reads an event log takes (`--events`, time, category, reordering). */
export const EVENT_FLAGS = {
  events: { type: "string" },
  "timestamp-field": { type: "string" },
  "category-field": { type: "string" },
  "reorder-window": { type: "string" },
} as const;

/** What {@link EVENT_FLAGS} say, checked: the log path and the reader options. */
export interface EventFlagValues {
  events: string;
  timestampField?: string;
  categoryField?: string;
  reorderWindowNs: bigint;
}

/** Reads {@link EVENT_FLAGS} from parsed `values`; a missing `--events` or a bad duration is a usage error. */
export function eventFlags(
  command: string,
  values: {
    events?: string;
    "timestamp-field"?: string;
    "category-field"?: string;
    "reorder-window"?: string;
  },
): EventFlagValues {
  const reorder = values["reorder-window"];
  return {
    events: required(command, "--events FILE", values.events),
    timestampField: values["timestamp-field"],
    categoryField: values["category-field"],
    reorderWindowNs: reorder ? parseDuration(command, "--reorder-window", reorder) : 0n,
  };
}
