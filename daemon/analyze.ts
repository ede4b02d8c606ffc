/**
 * `analyze`: replays an event log through a fresh engine with the running
 * rules, without touching live state (sequence state, the alert ring,
 * outputs, metrics).
 *
 * A log named by path must be an absolute path that lies under one of the
 * configured `[http] analyze_dirs`, both as written and once every symlink
 * is resolved (realpath), and be a regular file: anything else is refused
 * (400 for a malformed path or a file that is not a regular file, 403
 * outside the directories or when none is configured, 404 when it does not
 * exist inside them). The check of the path as written comes first, so the
 * answer never tells whether a file outside the directories exists.
 *
 * @module
 */
import { isAbsolute, normalize } from "node:path";
import type { AnalyzeFailed, AnalyzeInput, AnalyzeResult } from "../http/daemon_api.ts";
import type { Alert } from "../engine/alerts.ts";
import { Engine } from "../engine/engine.ts";
import { FieldPaths } from "../engine/event.ts";
import type { Schema } from "../engine/schema.ts";
import { fileStream, newReadStats, readNdjson, type ReadStats } from "../log/ndjson.ts";
import {
  type EventBatch,
  KlogError,
  type KlogStats,
  LostRecords,
  openKlog,
  sniffKlog,
} from "../log/klog.ts";
import type { LoadedRule } from "../rules/loader/mod.ts";
import { AlertMaker } from "./alert_maker.ts";

/** Alerts returned at most by one analyze call (all are counted in `stats.alerts`). */
export const ANALYZE_MAX_ALERTS = 10_000;

/** What one analyze run uses. */
export interface AnalyzeContext {
  /** The running ruleset's enabled rules. */
  rules: readonly LoadedRule[];
  /** The schema they were compiled against. */
  schema: Schema;
  /** Dedup window in seconds (0 = off), as live. */
  dedupWindowSec: number;
  /** `[http] analyze_dirs`: absolute directories logs may be read from. */
  allowedDirs: readonly string[];
}

/** Replays `input` (an upload or an allowed path) and returns its alerts and counters. */
export async function analyzeLog(input: AnalyzeInput, ctx: AnalyzeContext): Promise<AnalyzeResult> {
  let stream: ReadableStream<Uint8Array>;
  if (input.path !== undefined) {
    const resolved = await resolveAnalyzePath(input.path, ctx.allowedDirs);
    if (typeof resolved !== "string") return resolved;
    try {
      stream = fileStream(await Deno.open(resolved, { read: true }));
    } catch (e) {
      return { error: `cannot read ${input.path}: ${(e as Error).message}`, status: 403 };
    }
  } else if (input.klog !== undefined) {
    stream = new Blob([input.klog as Uint8Array<ArrayBuffer>]).stream();
  } else {
    stream = new Blob([input.ndjson ?? ""]).stream();
  }
  const maker = new AlertMaker(ctx.schema, ctx.dedupWindowSec);
  const rules = ctx.rules;
  const alerts: Alert[] = [];
  let raised = 0;
  const lost = new LostRecords();
  const engine = new Engine(rules, {
    schema: ctx.schema,
    onMatch: (m) => {
      const made = maker.make(rules[m.rule], m, lost.degraded(m.events));
      if (made === undefined) return;
      raised++;
      if (alerts.length < ANALYZE_MAX_ALERTS) alerts.push(made.alert);
    },
  });
  let stats: ReadStats | KlogStats = newReadStats();
  let batches: AsyncGenerator<EventBatch>;
  // An upload sent as a klog must be one; a log by path is recognised by its magic bytes.
  const sniffed = input.klog !== undefined ? { klog: true, stream } : await sniffKlog(stream);
  if (sniffed.klog) {
    try {
      const log = await openKlog(sniffed.stream, { schema: ctx.schema });
      batches = log.batches;
      stats = log.stats;
    } catch (e) {
      if (e instanceof KlogError) return { error: e.message, status: 400 };
      throw e;
    }
  } else {
    batches = readNdjson(sniffed.stream, {
      paths: new FieldPaths(ctx.schema),
      stats: stats as ReadStats,
    });
  }
  for await (const batch of batches) {
    lost.add(batch);
    for (const ev of batch) engine.process(ev);
    // A recorded live heartbeat: event time advanced here while the host was idle.
    if (batch.watermarkNs !== undefined) engine.advanceWatermark(batch.watermarkNs);
  }
  return {
    alerts,
    stats: {
      ...stats,
      alerts: raised,
      alertsOmitted: raised - alerts.length,
      suppressed: engine.stats.suppressed,
      deduplicated: maker.dedup.suppressed,
    },
  };
}

/**
 * The real path of `path` when it may be analysed, else the refusal (see
 * the module documentation for the rules and statuses).
 */
export async function resolveAnalyzePath(
  path: string,
  allowedDirs: readonly string[],
): Promise<string | AnalyzeFailed> {
  if (!isAbsolute(path)) return { error: `path must be absolute, not ${q(path)}`, status: 400 };
  if (allowedDirs.length === 0) {
    return {
      error: "reading logs by path is off: no [http] analyze_dirs are configured",
      status: 403,
    };
  }
  const outside: AnalyzeFailed = {
    error: `${q(path)} is outside the configured analyze directories`,
    status: 403,
  };
  if (!allowedDirs.some((d) => isUnder(normalize(path), normalize(d)))) return outside;
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { error: `no such log: ${q(path)}`, status: 404 };
    return { error: `cannot resolve ${q(path)}: ${(e as Error).message}`, status: 403 };
  }
  const realDirs = await Promise.all(allowedDirs.map((d) => Deno.realPath(d).catch(() => null)));
  if (!realDirs.some((d) => d !== null && isUnder(real, d))) return outside;
  const info = await Deno.stat(real);
  if (!info.isFile) return { error: `${q(path)} is not a regular file`, status: 400 };
  return real;
}

/** Whether `path` lies strictly inside `dir` (both normalised, absolute). */
function isUnder(path: string, dir: string): boolean {
  const d = dir.endsWith("/") ? dir : dir + "/";
  return path.startsWith(d) && path.length > d.length;
}

function q(s: string): string {
  return JSON.stringify(s.length > 200 ? s.slice(0, 200) + "…" : s);
}
