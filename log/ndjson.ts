/**
 * Streaming NDJSON event reader (`.ndjson` / `.jsonl`, one JSON object per
 * line) for replay, query and REST analyze.
 *
 * Memory stays constant whatever the input size: the stream is read chunk
 * by chunk and only the current partial line, the events of one chunk and
 * the reorder buffer are held. Lines split across chunks — including inside
 * a multi-byte UTF-8 character — read the same as unsplit ones. CRLF line
 * ends, a last line without a newline and a leading byte order mark are
 * accepted; blank lines are skipped.
 *
 * Bad lines never stop the reader: they are counted in {@link ReadStats}
 * and reported through {@link NdjsonOptions.onProblem} with their 1-based
 * line number. An event's `seq` is its line number.
 *
 * @module
 */
import {
  type FieldPaths,
  formatNanos,
  JsonEvent,
  readPath,
  type TimestampProblem,
  toNanos,
} from "../engine/event.ts";

/** Counters of one read; updated as the reader goes. */
export interface ReadStats {
  /** Lines read, blank ones included. */
  lines: number;
  /** Events produced (late ones included). */
  events: number;
  /** Lines that are not valid JSON (or exceed the line length limit). */
  malformed: number;
  /** Lines holding JSON that is not an object. */
  notObject: number;
  /** Objects skipped for a missing or unusable timestamp. */
  noTimestamp: number;
  /** Events older than one already released by the reorder buffer. */
  late: number;
}

/** Why a line was skipped or flagged. */
export type ReadProblemKind =
  | "malformed"
  | "not_object"
  | "timestamp_missing"
  | "timestamp_invalid"
  | "late";

/** A problem with one input line. */
export interface ReadProblem {
  /** 1-based line number. */
  line: number;
  kind: ReadProblemKind;
  /** Human-readable description, without the line number. */
  message: string;
}

/** Options of {@link readNdjson}. */
export interface NdjsonOptions {
  /** Field table the events are read through. */
  paths: FieldPaths;
  /** Dotted timestamp field, nested or flat in the object; `@timestamp` by default. */
  timestampField?: string;
  /**
   * Reorder window in nanoseconds; 0 (default) passes events on in input
   * order. With a window W, an event is held until one at least W later has
   * arrived (or the input ends), and events leave in (timestamp, line)
   * order. An event older than one already released is `late`: it is
   * counted, reported and passed on at once, out of order, rather than
   * dropped — the engine then sees it as a live sensor would.
   */
  reorderWindowNs?: bigint;
  /** Most events the reorder buffer holds; the oldest leaves early beyond it. 65,536 by default. */
  maxReorderEvents?: number;
  /** Most events per yielded batch; 1,024 by default. */
  batchSize?: number;
  /** Longest accepted line in UTF-16 code units (longer ones are `malformed`); 16 Mi by default. */
  maxLineLength?: number;
  /** Counters to update in place (the generator also returns them). */
  stats?: ReadStats;
  /** Receives each problem line. */
  onProblem?: (p: ReadProblem) => void;
}

/** Fresh zeroed counters. */
export function newReadStats(): ReadStats {
  return { lines: 0, events: 0, malformed: 0, notObject: 0, noTimestamp: 0, late: 0 };
}

/**
 * Reads NDJSON events from `stream`, yielding them in batches; returns the
 * final counters. Breaking out of the loop cancels the stream (closing a
 * file behind it).
 */
export async function* readNdjson(
  stream: ReadableStream<Uint8Array>,
  opts: NdjsonOptions,
): AsyncGenerator<JsonEvent[], ReadStats, undefined> {
  const parser = new LineParser(opts);
  const batchSize = Math.max(1, opts.batchSize ?? 1024);
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        const events = parser.end();
        for (let i = 0; i < events.length; i += batchSize) {
          yield events.length <= batchSize ? events : events.slice(i, i + batchSize);
        }
        break;
      }
      // A chunk is parsed a batch at a time, each batch yielded before the
      // next is parsed: only one batch of parsed objects is alive at once
      // rather than a whole chunk's, which keeps young-generation garbage
      // collections cheap. The batches are the same as parsing the whole
      // chunk first and cutting its events into batchSize pieces.
      parser.feed(value);
      let batch: JsonEvent[] = [];
      let more = true;
      while (more) {
        more = parser.take(batch, batchSize);
        while (batch.length >= batchSize) {
          if (batch.length === batchSize) {
            yield batch;
            batch = [];
          } else {
            yield batch.slice(0, batchSize);
            batch = batch.slice(batchSize);
          }
        }
      }
      if (batch.length > 0) yield batch;
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  return parser.stats;
}

/** {@link readNdjson} over the file at `path`, opened when reading starts. */
export async function* readNdjsonFile(
  path: string | URL,
  opts: NdjsonOptions,
): AsyncGenerator<JsonEvent[], ReadStats, undefined> {
  const file = await Deno.open(path, { read: true });
  // The stream closes the file when it ends or is cancelled.
  return yield* readNdjson(fileStream(file), opts);
}

/**
 * A file as a stream of 1 MiB chunks: the default file stream reads small
 * chunks, and at replay speed the per-read cost shows. Closes the file at
 * the end or on cancel.
 */
export function fileStream(file: Deno.FsFile, chunkSize = 1 << 20): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buf = new Uint8Array(chunkSize);
      const n = await file.read(buf);
      if (n === null) {
        file.close();
        controller.close();
      } else {
        controller.enqueue(buf.subarray(0, n));
      }
    },
    cancel() {
      file.close();
    },
  });
}

/** Splits decoded text into lines and turns each line into an event. */
class LineParser {
  readonly stats: ReadStats;
  readonly #decoder = new TextDecoder("utf-8");
  readonly #paths: FieldPaths;
  readonly #tsField: string;
  readonly #tsPath: readonly string[];
  readonly #maxLine: number;
  readonly #onProblem: ((p: ReadProblem) => void) | undefined;
  readonly #reorder: Reorder;
  /** Pieces of the current line not yet ended by a newline. */
  #parts: string[] = [];
  #partsLength = 0;
  /** Text of the chunk being parsed, and where parsing resumes in it. */
  #fed = "";
  #at = 0;
  /** The current line exceeded the limit: drop text until its newline. */
  #overlong = false;
  #line = 0;

  constructor(opts: NdjsonOptions) {
    this.stats = opts.stats ?? newReadStats();
    this.#paths = opts.paths;
    this.#tsField = opts.timestampField ?? "@timestamp";
    this.#tsPath = this.#tsField.split(".");
    this.#maxLine = opts.maxLineLength ?? 16 * 1024 * 1024;
    this.#onProblem = opts.onProblem;
    this.#reorder = new Reorder(
      opts.reorderWindowNs ?? 0n,
      Math.max(1, opts.maxReorderEvents ?? 65_536),
      (ev, last) =>
        this.#problem(
          ev.seq,
          "late",
          `event at ${formatNanos(ev.timestamp)} is older than one already released ` +
            `(${formatNanos(last)}); passed on out of order`,
        ),
    );
  }

  /** Starts on the text of `bytes`; {@link take} then parses it. */
  feed(bytes: Uint8Array): void {
    this.#fed = this.#decoder.decode(bytes, { stream: true });
    this.#at = 0;
  }

  /**
   * Parses lines of the fed text into `out` until it holds `max` events or
   * the text runs out (keeping an unterminated last line for the next
   * chunk). Returns whether text is left.
   */
  take(out: JsonEvent[], max: number): boolean {
    const text = this.#fed;
    let start = this.#at;
    while (out.length < max) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) {
        this.#keep(start === 0 ? text : text.slice(start));
        this.#fed = "";
        this.#at = 0;
        return false;
      }
      this.#endLine(text.slice(start, nl), out);
      start = nl + 1;
    }
    this.#at = start;
    return true;
  }

  /** Events left at the end of the input: the last unterminated line and the reorder buffer. */
  end(): JsonEvent[] {
    const out: JsonEvent[] = [];
    this.#text(this.#decoder.decode(), out);
    if (this.#overlong || this.#partsLength > 0) this.#endLine("", out);
    this.#reorder.flush(out);
    return out;
  }

  #text(text: string, out: JsonEvent[]): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) break;
      this.#endLine(text.slice(start, nl), out);
      start = nl + 1;
    }
    this.#keep(start === 0 ? text : text.slice(start));
  }

  /** Holds `rest`, the start of a line that a later chunk ends. */
  #keep(rest: string): void {
    if (rest.length === 0 || this.#overlong) return;
    this.#partsLength += rest.length;
    if (this.#partsLength > this.#maxLine) {
      this.#overlong = true;
      this.#parts = [];
      this.#partsLength = 0;
    } else {
      this.#parts.push(rest);
    }
  }

  #endLine(tail: string, out: JsonEvent[]): void {
    const lineNo = ++this.#line;
    this.stats.lines++;
    if (this.#overlong || this.#partsLength + tail.length > this.#maxLine) {
      this.#overlong = false;
      this.#parts = [];
      this.#partsLength = 0;
      this.stats.malformed++;
      this.#problem(lineNo, "malformed", `line longer than ${this.#maxLine} characters`);
      return;
    }
    let line = tail;
    if (this.#parts.length > 0) {
      this.#parts.push(tail);
      line = this.#parts.join("");
      this.#parts = [];
      this.#partsLength = 0;
    }
    const ev = this.#parse(line, lineNo);
    if (ev !== undefined) {
      this.stats.events++;
      this.#reorder.push(ev, out);
    }
  }

  #parse(line: string, lineNo: number): JsonEvent | undefined {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (isBlank(line)) return undefined;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (e) {
      this.stats.malformed++;
      this.#problem(lineNo, "malformed", `malformed JSON: ${(e as Error).message}`);
      return undefined;
    }
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
      this.stats.notObject++;
      this.#problem(
        lineNo,
        "not_object",
        `not a JSON object (${doc === null ? "null" : Array.isArray(doc) ? "array" : typeof doc})`,
      );
      return undefined;
    }
    const obj = doc as Record<string, unknown>;
    const raw = readPath(obj, this.#tsPath);
    const ts = timestampOf(raw, line, this.#tsField);
    if (typeof ts !== "bigint") {
      this.stats.noTimestamp++;
      const kind = ts === "missing" ? "timestamp_missing" : "timestamp_invalid";
      this.#problem(
        lineNo,
        kind,
        ts === "missing"
          ? `no timestamp in "${this.#tsField}"`
          : `invalid timestamp in "${this.#tsField}": ${preview(raw)}`,
      );
      return undefined;
    }
    return new JsonEvent(obj, ts, lineNo, this.#paths);
  }

  #problem(line: number, kind: ReadProblemKind, message: string): void {
    if (kind === "late") this.stats.late++;
    this.#onProblem?.({ line, kind, message });
  }
}

/**
 * Holds events for the reorder window in a binary min-heap ordered by
 * (timestamp, seq), so the output order depends only on the events, never
 * on how the input was chunked.
 */
class Reorder {
  readonly #window: bigint;
  /** No window: events pass on at once (decided once, not per event). */
  readonly #passThrough: boolean;
  readonly #max: number;
  readonly #onLate: (ev: JsonEvent, lastReleased: bigint) => void;
  readonly #heap: JsonEvent[] = [];
  #maxSeen = -1n;
  #lastReleased: bigint | undefined;

  constructor(
    windowNs: bigint,
    max: number,
    onLate: (ev: JsonEvent, lastReleased: bigint) => void,
  ) {
    this.#window = windowNs;
    this.#passThrough = windowNs <= 0n;
    this.#max = max;
    this.#onLate = onLate;
  }

  push(ev: JsonEvent, out: JsonEvent[]): void {
    if (this.#passThrough) {
      out.push(ev);
      return;
    }
    const last = this.#lastReleased;
    if (last !== undefined && ev.timestamp < last) {
      this.#onLate(ev, last);
      out.push(ev);
      return;
    }
    this.#insert(ev);
    if (ev.timestamp > this.#maxSeen) this.#maxSeen = ev.timestamp;
    const limit = this.#maxSeen - this.#window;
    const heap = this.#heap;
    while (heap.length > 0 && heap[0].timestamp <= limit) this.#release(out);
    while (heap.length > this.#max) this.#release(out);
  }

  flush(out: JsonEvent[]): void {
    while (this.#heap.length > 0) this.#release(out);
  }

  #release(out: JsonEvent[]): void {
    const ev = this.#take();
    this.#lastReleased = ev.timestamp;
    out.push(ev);
  }

  #insert(ev: JsonEvent): void {
    const heap = this.#heap;
    let i = heap.length;
    heap.push(ev);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(ev, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = ev;
  }

  #take(): JsonEvent {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const c = r < heap.length && before(heap[r], heap[l]) ? r : l;
      if (!before(heap[c], last)) break;
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: JsonEvent, b: JsonEvent): boolean {
  return a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq);
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/**
 * The timestamp in nanoseconds. Integer epoch values are scaled in exact
 * integer arithmetic with `toNanos`'s unit inference (below 1e11 seconds,
 * below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds):
 * scaling a float would lose the low nanosecond digits past 2^53.
 */
function timestampOf(raw: unknown, line: string, field: string): bigint | TimestampProblem {
  if (typeof raw === "number" && Number.isInteger(raw) && raw >= 0) {
    return integerNanos(
      BigInt(raw > Number.MAX_SAFE_INTEGER ? exactInteger(line, field, raw) : raw),
    );
  }
  // Only a string ending in a digit can be all digits (ISO text ends in `Z` or an offset).
  if (
    typeof raw === "string" && isDigit(raw.charCodeAt(raw.length - 1)) && /^\d{1,30}$/.test(raw)
  ) {
    return integerNanos(BigInt(raw));
  }
  return toNanos(raw);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function integerNanos(v: bigint): bigint {
  if (v < 100_000_000_000n) return v * 1_000_000_000n;
  if (v < 100_000_000_000_000n) return v * 1_000_000n;
  if (v < 100_000_000_000_000_000n) return v * 1_000n;
  return v;
}

/**
 * JSON numbers beyond 2^53 (epoch nanoseconds) lose digits in `JSON.parse`;
 * recovers the exact digits from the line when the field's key occurs once
 * with an integer value that parses to `parsed`. Otherwise keeps `parsed`.
 */
function exactInteger(line: string, field: string, parsed: number): string | number {
  const keys = new Set([field, field.slice(field.lastIndexOf(".") + 1)]);
  for (const key of keys) {
    const re = new RegExp(
      `"${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"\\s*:\\s*(\\d+)(?![\\d.eE])`,
      "g",
    );
    const found = [...line.matchAll(re)];
    if (found.length === 1 && Number(found[0][1]) === parsed) return found[0][1];
  }
  return parsed;
}

function preview(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
