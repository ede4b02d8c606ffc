/**
 * A FIFO of text lines on disk, for the webhook output's spill queue.
 *
 * The queue directory holds segment files `<16-digit sequence>.ndjson`, one
 * line per entry, oldest segment first. Each segment is written whole —
 * to `<name>.tmp`, fsynced, then renamed — so a crash never leaves a torn
 * segment; leftover `.tmp` files are removed at open. Delivery reads the
 * oldest segment into memory and deletes it once every line is
 * acknowledged; progress inside a segment is written back only by
 * {@link DiskQueue.persist} (at close), so after a crash a segment may be
 * delivered again (at least once, never lost).
 *
 * The total size of the segments is capped; {@link DiskQueue.append} keeps
 * what fits and says how much that was.
 *
 * @module
 */
import { join } from "node:path";

interface Segment {
  seq: number;
  path: string;
  /** File size in bytes. */
  bytes: number;
  /** Lines in the file. */
  count: number;
  /** The file's lines once read for delivery. */
  lines?: string[];
  /** Lines of it acknowledged. */
  pos: number;
}

const SEGMENT = /^(\d{16})\.ndjson$/;
const encoder = new TextEncoder();

/** A capped on-disk FIFO of lines (lines must not contain a newline). */
export class DiskQueue {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #segments: Segment[];
  #nextSeq: number;

  private constructor(dir: string, maxBytes: number, segments: Segment[]) {
    this.#dir = dir;
    this.#maxBytes = maxBytes;
    this.#segments = segments;
    this.#nextSeq = segments.length === 0 ? 1 : segments[segments.length - 1].seq + 1;
  }

  /**
   * Opens the queue in `dir` (created, mode 0700, if missing) holding at most
   * `maxBytes`, with the segments an earlier run left there.
   */
  static async open(dir: string, maxBytes: number): Promise<DiskQueue> {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    const segments: Segment[] = [];
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile) continue;
      const path = join(dir, entry.name);
      if (entry.name.endsWith(".ndjson.tmp")) {
        await Deno.remove(path);
        continue;
      }
      const m = SEGMENT.exec(entry.name);
      if (m === null) continue;
      const text = await Deno.readTextFile(path);
      const count = splitLines(text).length;
      if (count === 0) {
        await Deno.remove(path);
        continue;
      }
      segments.push({ seq: Number(m[1]), path, bytes: encoder.encode(text).length, count, pos: 0 });
    }
    segments.sort((a, b) => a.seq - b.seq);
    return new DiskQueue(dir, maxBytes, segments);
  }

  /** Lines not yet acknowledged. */
  get count(): number {
    let n = 0;
    for (const s of this.#segments) n += s.count - s.pos;
    return n;
  }

  /** Bytes of the segment files. */
  get bytes(): number {
    let n = 0;
    for (const s of this.#segments) n += s.bytes;
    return n;
  }

  /** Segment files present. */
  get segments(): number {
    return this.#segments.length;
  }

  /**
   * Writes the longest prefix of `lines` that keeps the queue within its cap
   * as a new segment; returns how many lines that was (the rest is for the
   * caller to count as dropped).
   */
  async append(lines: readonly string[]): Promise<number> {
    let room = this.#maxBytes - this.bytes;
    let kept = 0;
    let text = "";
    for (const line of lines) {
      const size = encoder.encode(line).length + 1;
      if (size > room) break;
      room -= size;
      text += line + "\n";
      kept++;
    }
    if (kept > 0) await this.#writeSegment(this.#nextSeq++, text, kept);
    return kept;
  }

  /** The oldest unacknowledged line, or undefined when the queue is empty. */
  async peek(): Promise<string | undefined> {
    while (this.#segments.length > 0) {
      const head = this.#segments[0];
      head.lines ??= splitLines(await Deno.readTextFile(head.path));
      if (head.pos < head.lines.length) return head.lines[head.pos];
      await this.#removeHead();
    }
    return undefined;
  }

  /** Acknowledges the line {@link peek} returned; a fully acknowledged segment is deleted. */
  async ack(): Promise<void> {
    const head = this.#segments[0];
    if (head === undefined) return;
    head.pos++;
    if (head.pos >= head.count) await this.#removeHead();
  }

  /**
   * Makes the disk state match the queue: the oldest segment is rewritten
   * without its acknowledged lines and with `prefix` (lines older than
   * anything queued, e.g. one in flight) in front. The prefix is kept even
   * past the cap.
   */
  async persist(prefix: readonly string[] = []): Promise<void> {
    const head = this.#segments[0];
    if (head === undefined) {
      if (prefix.length > 0) {
        await this.#writeSegment(this.#nextSeq++, joinLines(prefix), prefix.length);
      }
      return;
    }
    if (prefix.length === 0 && head.pos === 0) return;
    head.lines ??= splitLines(await Deno.readTextFile(head.path));
    const lines = [...prefix, ...head.lines.slice(head.pos)];
    this.#segments.shift();
    await this.#writeSegment(head.seq, joinLines(lines), lines.length, true);
  }

  async #writeSegment(seq: number, text: string, count: number, atFront = false): Promise<void> {
    const path = join(this.#dir, `${String(seq).padStart(16, "0")}.ndjson`);
    const tmp = `${path}.tmp`;
    const data = encoder.encode(text);
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true, mode: 0o600 });
    try {
      for (let off = 0; off < data.length;) off += await file.write(data.subarray(off));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
    await syncDir(this.#dir);
    const segment: Segment = { seq, path, bytes: data.length, count, pos: 0 };
    if (atFront) this.#segments.unshift(segment);
    else this.#segments.push(segment);
  }

  async #removeHead(): Promise<void> {
    const head = this.#segments.shift();
    if (head === undefined) return;
    try {
      await Deno.remove(head.path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}

function splitLines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

function joinLines(lines: readonly string[]): string {
  return lines.map((l) => l + "\n").join("");
}

/** Makes a rename durable (best effort: not every file system allows fsync on a directory). */
async function syncDir(dir: string): Promise<void> {
  try {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.sync();
    } finally {
      d.close();
    }
  } catch {
    // Durability of the rename is best effort.
  }
}
