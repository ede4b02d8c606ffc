/**
 * The contract every alert output keeps: `send` only enqueues (it never
 * blocks the engine), delivery happens in the background, `flush` waits for
 * what can be delivered now, `close` ends the output for good.
 *
 * @module
 */
import type { Alert } from "../engine/alerts.ts";

/** Counters of one output, all since it was opened. */
export interface OutputStats {
  /** Alerts handed over to the destination (written, sent, acknowledged). */
  sent: number;
  /** Alerts the destination refused or a write lost, and that were given up. */
  failed: number;
  /** Alerts waiting for delivery (in memory, and on disk for the webhook). */
  queued: number;
  /** Alerts discarded unsent because a queue was full (or still pending at close). */
  dropped: number;
}

/** One alert destination. */
export interface AlertOutput {
  /** The output's name in configuration and statistics (`stdout`, `file`, `syslog`, `webhook`). */
  readonly name: string;
  /**
   * Enqueues `alert`, whose canonical NDJSON line (`serializeAlert`, without
   * the newline) is `line`. Never blocks and never throws for delivery
   * problems: those are counted in {@link stats}.
   */
  send(alert: Alert, line: string): void;
  /**
   * Resolves when everything enqueued so far has been delivered, or when the
   * destination is unavailable (what is left stays queued).
   */
  flush(): Promise<void>;
  /** Flushes, stops background work and releases the destination. Later sends are dropped. */
  close(): Promise<void>;
  /** A snapshot of the counters. */
  stats(): OutputStats;
}

/** Where outputs report problems (a line of text each); the daemon sends them to stderr. */
export type OutputLog = (line: string) => void;

/** The default {@link OutputLog}: standard error. */
export const stderrLog: OutputLog = (line) => console.error(line);

/** The message of a caught value, for log lines. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
