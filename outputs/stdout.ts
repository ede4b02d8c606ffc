/**
 * Alerts as NDJSON on standard output, buffered: lines gather in a
 * {@link LineWriter} and go out in one write when the buffer passes its
 * threshold or `flushIntervalMs` after the first buffered line, whichever
 * comes first.
 *
 * @module
 */
import type { Alert } from "../engine/alerts.ts";
import { type ByteSink, LineWriter } from "../log/line_writer.ts";
import {
  type AlertOutput,
  errorMessage,
  type OutputLog,
  type OutputStats,
  stderrLog,
} from "./types.ts";

/** Options of {@link StdoutOutput}; all optional. */
export interface StdoutOutputOptions {
  /** Where the lines go. Default: `Deno.stdout`. */
  sink?: ByteSink;
  /** Longest time a line waits in the buffer, in ms. Default 100. */
  flushIntervalMs?: number;
  /** Buffer size that triggers a write, in bytes. Default 64 KiB. */
  bufferBytes?: number;
  /** Lines held at most while writes are slow; more are dropped. Default 100,000. */
  maxQueued?: number;
  /** Where write errors are reported. Default: standard error. */
  log?: OutputLog;
}

/** NDJSON alerts on standard output (or another byte sink). */
export class StdoutOutput implements AlertOutput {
  /** Always `stdout`. */
  readonly name = "stdout";
  readonly #writer: LineWriter;
  readonly #intervalMs: number;
  readonly #maxQueued: number;
  readonly #log: OutputLog;
  #buffered = 0;
  #writing = 0;
  #drain: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #sent = 0;
  #failed = 0;
  #dropped = 0;

  /** An output writing to `options.sink` (standard output by default). */
  constructor(options: StdoutOutputOptions = {}) {
    this.#writer = new LineWriter(options.sink ?? Deno.stdout, options.bufferBytes ?? 64 * 1024);
    this.#intervalMs = options.flushIntervalMs ?? 100;
    this.#maxQueued = options.maxQueued ?? 100_000;
    this.#log = options.log ?? stderrLog;
  }

  /** Buffers the line; a write follows soon (see the module doc). */
  send(_alert: Alert, line: string): void {
    if (this.#closed || this.#buffered + this.#writing >= this.#maxQueued) {
      this.#dropped++;
      return;
    }
    this.#writer.push(line);
    this.#buffered++;
    if (this.#writer.full) void this.#startDrain();
    else this.#timer ??= setTimeout(() => void this.#startDrain(), this.#intervalMs);
  }

  /** Writes out everything buffered. */
  async flush(): Promise<void> {
    while (this.#buffered > 0 || this.#drain !== undefined) await this.#startDrain();
  }

  /** Flushes and stops; standard output itself stays open. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  /** Counters; `queued` counts lines buffered or being written. */
  stats(): OutputStats {
    return {
      sent: this.#sent,
      failed: this.#failed,
      queued: this.#buffered + this.#writing,
      dropped: this.#dropped,
    };
  }

  /** Starts the single write loop unless it runs; resolves when it ends. */
  #startDrain(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#drain ??= this.#drainLoop().finally(() => this.#drain = undefined);
    return this.#drain;
  }

  async #drainLoop(): Promise<void> {
    while (this.#buffered > 0) {
      // LineWriter.flush takes the whole buffer before its first await, so `n` is exact.
      const n = this.#buffered;
      this.#buffered = 0;
      this.#writing = n;
      try {
        await this.#writer.flush();
        this.#sent += n;
      } catch (e) {
        this.#failed += n;
        this.#log(`kestrel: stdout output: ${n} alert(s) not written: ${errorMessage(e)}`);
      } finally {
        this.#writing = 0;
      }
    }
  }
}
