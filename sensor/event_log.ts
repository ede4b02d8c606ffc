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
import { type ByteSink, LineWriter } from "../log/line_writer.ts";

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

/** Buffers event lines (the replay format) and writes them out. */
export class EventLogWriter extends LineWriter {
  /** Writes to `out` (an open file, or stdout). */
  constructor(out: ByteSink) {
    super(out, FLUSH_BYTES);
  }

  /** Serialises `ev` now and buffers the line. */
  write(ev: Event): void {
    this.push(eventLine(ev));
  }
}
