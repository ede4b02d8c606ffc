/**
 * Decoded events as NDJSON, the format `kestrel replay` and `kestrel query`
 * read: one ECS object per line with `@timestamp` at nanosecond precision.
 * Each event is serialised when handed over (live events are views over the
 * ring buffer and are only valid until it advances); lines are buffered and
 * written in large chunks.
 *
 * @module
 */
import { type Event, formatNanos } from "../engine/event.ts";

const FLUSH_BYTES = 256 * 1024;

/** The event's NDJSON line (no newline), with `@timestamp` first when the event lacks one. */
export function eventLine(ev: Event): string {
  let doc = ev.toJSON();
  if (!("@timestamp" in doc)) doc = { "@timestamp": formatNanos(ev.timestamp), ...doc };
  try {
    return JSON.stringify(doc);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    // Kernel counters can be bigints: print them as JSON integers.
    return JSON.stringify(doc, (_k, v) => typeof v === "bigint" ? rawJson(v.toString()) : v);
  }
}

function rawJson(text: string): unknown {
  // Not in TypeScript's lib yet; V8 has it.
  return (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(text);
}

/** Buffers event lines and writes them to `out`. */
export class EventLogWriter {
  readonly #out: { write(p: Uint8Array): Promise<number> };
  readonly #encoder = new TextEncoder();
  #lines: string[] = [];
  #bytes = 0;
  /** Events written (or buffered) so far. */
  count = 0;

  /** Writes to `out` (an open file, or stdout). */
  constructor(out: { write(p: Uint8Array): Promise<number> }) {
    this.#out = out;
  }

  /** Serialises `ev` now and buffers the line. */
  write(ev: Event): void {
    const line = eventLine(ev);
    this.#lines.push(line);
    this.#bytes += line.length + 1;
    this.count++;
  }

  /** True when the buffer has grown past the flush threshold. */
  get full(): boolean {
    return this.#bytes >= FLUSH_BYTES;
  }

  /** Writes out the buffer when it has grown past a threshold. */
  async flushIfFull(): Promise<void> {
    if (this.full) await this.flush();
  }

  /** Writes out everything buffered. */
  async flush(): Promise<void> {
    if (this.#lines.length === 0) return;
    const data = this.#encoder.encode(this.#lines.join("\n") + "\n");
    this.#lines = [];
    this.#bytes = 0;
    for (let off = 0; off < data.length;) off += await this.#out.write(data.subarray(off));
  }
}
