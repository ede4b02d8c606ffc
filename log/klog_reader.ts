/**
 * Streaming `.klog` reader (layout in `./klog_format.ts`).
 *
 * Memory stays bounded whatever the log size: blocks are read one at a
 * time and their events are views over the block's bytes (see
 * `./klog_event.ts`). The log is read as far as it can be:
 *
 * - a block whose CRC does not match (or whose frame is damaged) is
 *   reported and skipped; reading resumes at the next intact block;
 * - damaged or crafted input costs time linear in its size: the CRC work
 *   spent on candidate frames that prove false is bounded ({@link CrcBudget});
 * - a log that ends inside a block (a crash while writing) yields every
 *   complete block, and the unfinished tail is reported as truncated;
 * - a header of another major format version is refused with a clear
 *   {@link KlogError}; a newer minor version or another engine version is
 *   a warning, and the log is read.
 *
 * Recorded heartbeats end a batch: {@link EventBatch.watermarkNs} tells the
 * consumer to advance the engine's watermark after the batch's events, as
 * the live sensor did.
 *
 * @module
 */
import type { Event } from "../engine/event.ts";
import type { Schema } from "../engine/schema.ts";
import { VERSION } from "../version.ts";
import {
  BLOCK_MAGIC,
  crc32,
  Cursor,
  FORMAT_MAJOR,
  FORMAT_MINOR,
  FRAME_BYTES,
  hasKlogMagic,
  HEADER_FIXED,
  Kind,
  type KlogHeader,
  MAX_BLOCK_BYTES,
  MAX_HEADER_BYTES,
} from "./klog_format.ts";
import { KlogBlock, KlogEvent, KlogFields } from "./klog_event.ts";

/** An interval of event time (epoch ns, inclusive) in which the live sensor lost records. */
export interface LostInterval {
  from: bigint;
  to: bigint;
  /** Records lost. */
  count: number;
}

/**
 * A batch of events. `watermarkNs`: a recorded heartbeat follows the
 * batch's events. `lost`: the live sensor learnt of these lost records
 * before the batch's events (matches overlapping them were degraded).
 */
export type EventBatch = Event[] & { watermarkNs?: bigint; lost?: LostInterval[] };

/**
 * The lost-record intervals of a replayed recording, for marking alerts
 * degraded exactly as the live run did ({@link LostRecords.degraded}).
 */
export class LostRecords {
  readonly #intervals: LostInterval[] = [];

  /** Takes the intervals a batch brings (call before running its events). */
  add(batch: EventBatch): void {
    if (batch.lost !== undefined) this.#intervals.push(...batch.lost);
  }

  /** True when the events' time span overlaps an interval with lost records. */
  degraded(events: readonly Event[]): boolean {
    if (this.#intervals.length === 0) return false;
    let first = events[0].timestamp, last = first;
    for (const e of events) {
      if (e.timestamp < first) first = e.timestamp;
      if (e.timestamp > last) last = e.timestamp;
    }
    return this.#intervals.some((d) => first <= d.to && last >= d.from);
  }
}

/** Counters of one read. */
export interface KlogStats {
  /** Intact blocks read. */
  blocks: number;
  /** Records read (events and heartbeats). */
  records: number;
  events: number;
  heartbeats: number;
  /** Recorded intervals of lost live records. */
  lostIntervals: number;
  /** Damaged blocks (or damaged stretches) skipped. */
  damagedBlocks: number;
  /** Bytes skipped as damaged. */
  skippedBytes: number;
  /** Bytes of an unfinished last block. */
  truncatedBytes: number;
}

/** Fresh zeroed counters. */
export function newKlogStats(): KlogStats {
  return {
    blocks: 0,
    records: 0,
    events: 0,
    heartbeats: 0,
    lostIntervals: 0,
    damagedBlocks: 0,
    skippedBytes: 0,
    truncatedBytes: 0,
  };
}

/** What went wrong, and where. */
export type KlogProblemKind = "version" | "engine_version" | "damaged" | "truncated";

/** A problem the reader recovered from (or a warning about the header). */
export interface KlogProblem {
  /** Byte offset in the log. */
  offset: number;
  kind: KlogProblemKind;
  /** Human-readable, without the file name. */
  message: string;
}

/** A log that cannot be read at all: not a klog, damaged header, unsupported format version. */
export class KlogError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "KlogError";
  }
}

/** Options of {@link openKlog}. */
export interface KlogReadOptions {
  /** The schema events are read through (rules compiled against it). */
  schema: Schema;
  /** Most events per batch (default 1024). */
  batchSize?: number;
  /** Counters to update in place. */
  stats?: KlogStats;
  /** Receives each problem. */
  onProblem?: (p: KlogProblem) => void;
  /** Bounds the CRC work spent on damaged input (default: a fresh one). */
  crcBudget?: CrcBudget;
}

/**
 * Bounds the bytes CRC-checked in vain while reading a log, so damaged or
 * crafted input costs time linear in its size. Every candidate block frame
 * is CRC-checked over its claimed length: without a bound, a frame header
 * every few bytes, each claiming a length to near the end, costs the square
 * of the input. Checks that fail are charged; a check is made only while
 * the charge is within {@link CrcBudget.allowance} of the position reached,
 * which grows with the input read. Intact blocks are never charged: an
 * undamaged log never meets the bound, and ordinary damage stays within it.
 */
export class CrcBudget {
  /** Bytes CRC-checked, in all (what a test of the bound counts). */
  checkedBytes = 0;
  /** Bytes CRC-checked by checks that failed. */
  wastedBytes = 0;
  /** Allowance at the start of the log. */
  readonly base: number;
  /** Allowance per byte of input reached. */
  readonly perByte: number;

  /** `base` bytes of failed checks, plus `perByte` per byte of input reached. */
  constructor(base = 8 << 20, perByte = 4) {
    this.base = base;
    this.perByte = perByte;
  }

  /** Failed-check bytes allowed once reading has reached absolute offset `pos`. */
  allowance(pos: number): number {
    return this.base + this.perByte * pos;
  }

  /**
   * Whether a candidate at absolute offset `pos` may still be checked. One
   * check may overshoot the allowance; later ones wait until the position
   * has caught up, so the total stays within the allowance plus one block.
   */
  affordable(pos: number): boolean {
    return this.wastedBytes <= this.allowance(pos);
  }

  /** CRC-checks `bytes` against `crc`, charging a failed check. */
  check(bytes: Uint8Array, crc: number): boolean {
    this.checkedBytes += bytes.length;
    const ok = crc32(bytes) === crc;
    if (!ok) this.wastedBytes += bytes.length;
    return ok;
  }
}

/** An open log: its header and its events. */
export interface OpenKlog {
  header: KlogHeader;
  /** Format version of the log. */
  version: { major: number; minor: number };
  /** Batches of events; returns the counters. Breaking out cancels the stream. */
  batches: AsyncGenerator<EventBatch, KlogStats, undefined>;
  stats: KlogStats;
}

/** Bytes of a stream, as a window that can be grown and consumed. */
class ByteQueue {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  buf = new Uint8Array(1 << 16);
  /** Window `[start, end)` of {@link buf} holds unread bytes. */
  start = 0;
  end = 0;
  /** Absolute offset of `buf[0]`. */
  base = 0;
  eof = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  get available(): number {
    return this.end - this.start;
  }

  /** Absolute offset of the first unread byte. */
  get offset(): number {
    return this.base + this.start;
  }

  /** True when `n` bytes are available (reading more as needed); false at the end of input. */
  async ensure(n: number): Promise<boolean> {
    while (this.available < n) {
      if (this.eof) return false;
      const { done, value } = await this.#reader.read();
      if (done) {
        this.eof = true;
        return this.available >= n;
      }
      this.#append(value);
    }
    return true;
  }

  #append(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) {
      const live = this.available;
      if (live + chunk.length <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        let size = this.buf.length;
        while (size < live + chunk.length) size *= 2;
        const next = new Uint8Array(size);
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
      }
      this.base += this.start;
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  u32(at: number): number {
    const b = this.buf, i = this.start + at;
    return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
  }

  /** A copy of `n` bytes at `at` (relative to the window). */
  copy(at: number, n: number): Uint8Array {
    return this.buf.slice(this.start + at, this.start + at + n);
  }

  view(at: number, n: number): Uint8Array {
    return this.buf.subarray(this.start + at, this.start + at + n);
  }

  skip(n: number): void {
    this.start += n;
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
    this.#reader.releaseLock();
  }

  release(): void {
    this.#reader.releaseLock();
  }
}

/**
 * Opens a `.klog` stream: reads and checks the header (throws
 * {@link KlogError} when the log cannot be read at all), then returns the
 * batches to iterate.
 */
export async function openKlog(
  stream: ReadableStream<Uint8Array>,
  opts: KlogReadOptions,
): Promise<OpenKlog> {
  const q = new ByteQueue(stream);
  let header: KlogHeader, major: number, minor: number;
  try {
    ({ header, major, minor } = await readHeader(q, opts.onProblem));
  } catch (e) {
    await q.cancel();
    throw e;
  }
  const fields = new KlogFields(opts.schema);
  header.fields.forEach((f, id) => fields.define(id, f.path ?? f.name.split(".")));
  const stats = opts.stats ?? newKlogStats();
  return {
    header,
    version: { major, minor },
    batches: readBlocks(q, fields, stats, opts),
    stats,
  };
}

async function readHeader(
  q: ByteQueue,
  onProblem: ((p: KlogProblem) => void) | undefined,
): Promise<{ header: KlogHeader; major: number; minor: number }> {
  if (!await q.ensure(HEADER_FIXED) && !hasKlogMagic(q.view(0, q.available))) {
    throw new KlogError("not a .klog event log (it does not start with the klog magic bytes)");
  }
  if (!hasKlogMagic(q.view(0, 8))) {
    throw new KlogError("not a .klog event log (it does not start with the klog magic bytes)");
  }
  if (q.available < HEADER_FIXED) {
    throw new KlogError("the log ends inside its header: it holds no events");
  }
  const major = q.buf[q.start + 8] | (q.buf[q.start + 9] << 8);
  const minor = q.buf[q.start + 10] | (q.buf[q.start + 11] << 8);
  if (major !== FORMAT_MAJOR) {
    throw new KlogError(
      `klog format version ${major}.${minor} cannot be read by kestrel ${VERSION}, ` +
        `which reads format version ${FORMAT_MAJOR}.x` +
        (major > FORMAT_MAJOR ? ": use a newer kestrel" : ""),
    );
  }
  const length = q.u32(12), crc = q.u32(16);
  if (length > MAX_HEADER_BYTES) throw new KlogError(`the header is damaged (length ${length})`);
  if (!await q.ensure(HEADER_FIXED + length)) {
    throw new KlogError("the log ends inside its header: it holds no events");
  }
  const json = q.view(HEADER_FIXED, length);
  if (crc32(json) !== crc) throw new KlogError("the header is damaged (CRC mismatch)");
  let header: KlogHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(json));
  } catch (e) {
    throw new KlogError(`the header is not valid JSON: ${(e as Error).message}`);
  }
  if (
    header === null || typeof header !== "object" || !Array.isArray(header.fields) ||
    !header.fields.every((f) =>
      f !== null && typeof f === "object" && typeof f.name === "string" &&
      (f.path === undefined ||
        (Array.isArray(f.path) && f.path.every((s) => typeof s === "string")))
    )
  ) {
    throw new KlogError("the header lacks a valid field table");
  }
  q.skip(HEADER_FIXED + length);
  if (minor > FORMAT_MINOR) {
    onProblem?.({
      offset: 8,
      kind: "version",
      message: `klog format version ${major}.${minor} is newer than this build's ` +
        `${FORMAT_MAJOR}.${FORMAT_MINOR}: read as ${FORMAT_MAJOR}.${FORMAT_MINOR}`,
    });
  }
  if (typeof header.engine === "string" && header.engine !== VERSION) {
    onProblem?.({
      offset: HEADER_FIXED,
      kind: "engine_version",
      message: `recorded by kestrel ${header.engine}, read by kestrel ${VERSION}: ` +
        `alerts may differ from those of the recording engine`,
    });
  }
  return { header, major, minor };
}

/** Smallest payload: record count, base time, and three empty counts. */
const MIN_PAYLOAD = 15;

async function* readBlocks(
  q: ByteQueue,
  fields: KlogFields,
  stats: KlogStats,
  opts: KlogReadOptions,
): AsyncGenerator<EventBatch, KlogStats, undefined> {
  const batchSize = Math.max(1, opts.batchSize ?? 1024);
  const budget = opts.crcBudget ?? new CrcBudget();
  const problem = (offset: number, kind: KlogProblemKind, message: string) =>
    opts.onProblem?.({ offset, kind, message });
  const decoder = new TextDecoder();
  let seq = 0;
  let batch: EventBatch = [];
  let finished = false;
  /** Bytes from `at` to `next` (absolute offsets) are damaged: reported and skipped. */
  const damaged = (at: number, next: number, why: string) => {
    const skip = next - at;
    stats.damagedBlocks++;
    stats.skippedBytes += skip;
    const end = q.eof && next === q.base + q.end ? " (the end)" : "";
    problem(
      at,
      "damaged",
      `damaged block at byte ${at} (${why}): ${skip} bytes skipped, reading resumes at byte ${next}${end}`,
    );
    q.skip(next - q.offset);
  };
  try {
    for (;;) {
      const start = q.offset;
      if (!await q.ensure(FRAME_BYTES)) {
        if (q.available > 0) truncated(q, start, stats, problem);
        break;
      }
      const len = q.u32(4);
      const frameOk = q.u32(0) === BLOCK_MAGIC && len >= MIN_PAYLOAD && len <= MAX_BLOCK_BYTES;
      if (!frameOk) {
        damaged(start, (await resync(q, 1, budget)).next, "bad block frame");
        continue;
      }
      if (!budget.affordable(start)) {
        // Too much damaged input checked in vain already: this frame stays
        // unchecked (not trusted) until reading has moved on.
        damaged(start, (await resync(q, 1, budget)).next, "CRC not checked, too much damage");
        continue;
      }
      if (!await q.ensure(FRAME_BYTES + len)) {
        // Either the log was cut inside this block, or its length is damaged
        // and intact blocks follow: only an intact block later tells.
        const r = await resync(q, 4, budget);
        if (r.found) damaged(start, r.next, "bad block length");
        else {
          truncated(q, start, stats, problem);
          break;
        }
        continue;
      }
      const payload = q.view(FRAME_BYTES, len);
      if (!budget.check(payload, q.u32(8))) {
        const after = FRAME_BYTES + len;
        // The length is probably right when an intact block (or the end) follows it.
        const next = await frameAt(q, after, budget) || (q.eof && q.available === after)
          ? start + after
          : (await resync(q, 4, budget)).next;
        damaged(start, next, "CRC mismatch");
        continue;
      }
      const blockAt = q.offset;
      const bytes = q.copy(FRAME_BYTES, len);
      q.skip(FRAME_BYTES + len);
      let decoded: { block: KlogBlock; recordsAt: number; count: number };
      try {
        decoded = decodeBlock(bytes, fields, decoder);
      } catch (e) {
        stats.damagedBlocks++;
        problem(
          blockAt,
          "damaged",
          `block at byte ${blockAt} does not parse: ${(e as Error).message}`,
        );
        continue;
      }
      stats.blocks++;
      const { block, count } = decoded;
      const c = new Cursor(bytes, decoded.recordsAt);
      const rec: KlogRecord = { kind: 0, at: 0, delta: 0, span: 0, count: 0 };
      for (let r = 0; r < count; r++) {
        try {
          nextRecord(c, rec);
        } catch (e) {
          // The CRC matched, so the writer (or a crafter) wrote it so: the
          // rest of this block cannot be trusted, the next block can.
          stats.damagedBlocks++;
          problem(
            blockAt,
            "damaged",
            `block at byte ${blockAt}: record ${r + 1} of ${count} does not parse ` +
              `(${(e as Error).message}): the rest of the block skipped`,
          );
          break;
        }
        stats.records++;
        const { kind, delta } = rec;
        if (kind === Kind.EVENT) {
          stats.events++;
          batch.push(new KlogEvent(fields, block, rec.at, delta, ++seq));
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        } else if (kind === Kind.HEARTBEAT) {
          stats.heartbeats++;
          batch.watermarkNs = block.base + BigInt(delta);
          yield batch;
          batch = [];
        } else if (kind === Kind.DROPS) {
          stats.lostIntervals++;
          const from = block.base + BigInt(delta);
          const lost = { from, to: from + BigInt(rec.span), count: rec.count };
          // Known before the events that follow: they start a batch that carries it.
          if (batch.length > 0) {
            yield batch;
            batch = [];
          }
          (batch.lost ??= []).push(lost);
        }
        // Other kinds (a later minor version) are skipped.
      }
    }
    if (batch.length > 0) yield batch;
    finished = true;
  } finally {
    if (!finished) await q.cancel();
    else q.release();
  }
  return stats;
}

/** One record's header, as {@link nextRecord} reads it. */
interface KlogRecord {
  /** Its kind ({@link Kind}). */
  kind: number;
  /** Where its body (after the time delta) starts in the block. */
  at: number;
  /** Nanoseconds after the block's base time. */
  delta: number;
  /** A drops record's interval length and lost-record count. */
  span: number;
  count: number;
}

/**
 * Reads the record at `c` into `rec` and moves `c` past it. Reads are
 * bounded by the record's own length; throws `RangeError` on a record
 * that does not parse.
 */
function nextRecord(c: Cursor, rec: KlogRecord): void {
  const bytes = c.bytes;
  if (c.at >= bytes.length) throw new RangeError("the block holds fewer records than it says");
  rec.kind = bytes[c.at++];
  const length = c.varint();
  const end = c.at + length;
  if (end > bytes.length) throw new RangeError("the record overruns the block");
  c.limit = end;
  try {
    rec.delta = c.zigzag();
    rec.at = c.at;
    if (rec.kind === Kind.DROPS) {
      rec.span = c.varint();
      rec.count = c.varint();
    }
  } finally {
    c.limit = bytes.length;
  }
  c.at = end;
}

/** The input ended inside the block at `start` (absolute): reported, the rest dropped. */
function truncated(
  q: ByteQueue,
  start: number,
  stats: KlogStats,
  problem: (offset: number, kind: KlogProblemKind, message: string) => void,
): void {
  const n = q.base + q.end - start;
  stats.truncatedBytes += n;
  problem(
    start,
    "truncated",
    `the log ends inside a block at byte ${start} (${n} bytes of an unfinished block, ` +
      `as when the writer stopped mid-block): ${stats.blocks} complete block(s) read`,
  );
  q.skip(q.available);
}

/**
 * True when an intact block frame (CRC checked) starts `at` bytes into the
 * window; false as well when `budget` allows no more checks there.
 */
async function frameAt(q: ByteQueue, at: number, budget: CrcBudget): Promise<boolean> {
  if (!await q.ensure(at + FRAME_BYTES)) return false;
  if (q.u32(at) !== BLOCK_MAGIC) return false;
  const len = q.u32(at + 4);
  if (len < MIN_PAYLOAD || len > MAX_BLOCK_BYTES) return false;
  if (!budget.affordable(q.offset + at)) return false;
  if (!await q.ensure(at + FRAME_BYTES + len)) return false;
  return budget.check(q.view(at + FRAME_BYTES, len), q.u32(at + 8));
}

/**
 * The absolute offset of the next intact block at or after `from` bytes
 * past the current position (`found`), or of the end of input. Scanned
 * bytes are dropped as it goes, so a long damaged stretch never has to fit
 * in memory.
 */
async function resync(
  q: ByteQueue,
  from: number,
  budget: CrcBudget,
): Promise<{ next: number; found: boolean }> {
  let at = from;
  for (;;) {
    if (!await q.ensure(at + 4)) return { next: q.base + q.end, found: false };
    // 'K' of KBLK, then the whole frame.
    if (q.buf[q.start + at] === 0x4b && q.u32(at) === BLOCK_MAGIC && await frameAt(q, at, budget)) {
      return { next: q.offset + at, found: true };
    }
    if (++at > RESYNC_KEEP) {
      q.skip(at);
      at = 0;
    }
  }
}

/** Bytes scanned by {@link resync} before it drops them. */
const RESYNC_KEEP = 1 << 20;

/** Reads a block's field declarations and dictionary; returns where its records start. */
function decodeBlock(
  bytes: Uint8Array,
  fields: KlogFields,
  decoder: TextDecoder,
): { block: KlogBlock; recordsAt: number; count: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  const base = view.getBigInt64(4, true);
  const c = new Cursor(bytes, 12);
  const extras = c.varint();
  for (let i = 0; i < extras; i++) {
    const id = c.varint();
    const n = c.varint();
    if (id > 1 << 24 || n > 1024) throw new RangeError("bad field declaration");
    const path: string[] = [];
    for (let j = 0; j < n; j++) {
      const len = c.varint();
      if (c.at + len > bytes.length) throw new RangeError("bad field declaration");
      path.push(decoder.decode(bytes.subarray(c.at, c.at + len)));
      c.at += len;
    }
    fields.define(id, path);
  }
  const n = c.varint();
  const textBytes = c.varint();
  if (n > bytes.length) throw new RangeError("bad dictionary size");
  const starts = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    starts[i] = total;
    total += c.varint();
  }
  starts[n] = total;
  if (c.at + textBytes > bytes.length) throw new RangeError("dictionary overruns the block");
  const text = decoder.decode(bytes.subarray(c.at, c.at + textBytes));
  if (text.length !== total) throw new RangeError("dictionary lengths do not add up");
  return { block: new KlogBlock(bytes, base, text, starts), recordsAt: c.at + textBytes, count };
}
