/**
 * Alerts as an NDJSON file, with rotation and retention.
 *
 * The active file is `path` (e.g. `/var/log/kestrel/alerts.json`). It is
 * rotated — synced, closed and renamed beside it — when
 * - the next line would take it past `maxFileSizeMb` (any rotation mode;
 *   0 turns the size limit off; a single larger line gets a file of its own);
 * - the UTC date (`daily`) or the UTC hour (`hourly`) of the clock differs
 *   from the one the file was started in (mode `size`: never by time).
 *
 * Rotated names: `<stem>-YYYYMMDD-HHMMSS-N<ext>` — for `alerts.json`,
 * `alerts-20260102-000003-0.json` — where the UTC date and time are when the
 * file was started (its first line written) and `N` is the smallest number
 * that makes the name new. A non-empty active file left by an earlier run
 * is rotated when the output opens, named after its modification time.
 *
 * Retention: with `retentionDays` N > 0, rotated files of this output (names
 * of the form above, nothing else) whose name's date is more than N days
 * before the clock's UTC date are deleted — at open, after each rotation and
 * when the UTC date changes. With size-only rotation a file is aged by the
 * day it was started.
 *
 * The clock (injectable for tests) only decides rotation and retention; it
 * never touches detection or the alerts' content. The file is fsynced on
 * rotation and on close; `flush` hands the data to the kernel without fsync.
 *
 * @module
 */
import { basename, dirname, extname, join } from "node:path";
import type { Alert } from "../engine/alerts.ts";
import {
  type AlertOutput,
  errorMessage,
  type OutputLog,
  type OutputStats,
  stderrLog,
} from "./types.ts";

/** When the active file is rotated besides the size limit. */
export type FileRotation = "daily" | "hourly" | "size";

/** Options of {@link FileOutput}. */
export interface FileOutputOptions {
  /** The active file. Its directory is created if missing. */
  path: string;
  /** Size limit of one file in MiB (fractions allowed); 0 = none. Default 100. */
  maxFileSizeMb?: number;
  /** Time-based rotation. Default `daily`. */
  rotation?: FileRotation;
  /** Rotated files older than this many days are deleted; 0 = keep all. Default 0. */
  retentionDays?: number;
  /** Milliseconds since the epoch, for rotation and retention only. Default `Date.now`. */
  clock?: () => number;
  /** Lines held at most while writes are slow; more are dropped. Default 100,000. */
  maxQueued?: number;
  /** Where write and rotation errors are reported. Default: standard error. */
  log?: OutputLog;
}

const MIB = 1024 * 1024;
const DAY_MS = 86_400_000;
/** Lines written per batch at most, so one batch never holds the whole queue twice. */
const BATCH_LINES = 4096;

/** NDJSON alert file with rotation by size and by day or hour, and retention by days. */
export class FileOutput implements AlertOutput {
  /** Always `file`. */
  readonly name = "file";
  readonly #path: string;
  readonly #maxBytes: number;
  readonly #rotation: FileRotation;
  readonly #retentionDays: number;
  readonly #clock: () => number;
  readonly #maxQueued: number;
  readonly #log: OutputLog;
  readonly #encoder = new TextEncoder();
  readonly #rotatedName: RegExp;
  readonly #ready: Promise<void>;
  #queue: string[] = [];
  #writing = 0;
  #drain: Promise<void> | undefined;
  #file: Deno.FsFile | undefined;
  /** Bytes in the active file. */
  #size = 0;
  /** When the active file was started (clock ms). */
  #startedAt = 0;
  /** The UTC date (YYYYMMDD) retention last ran for. */
  #retentionDate = "";
  #closed = false;
  #sent = 0;
  #failed = 0;
  #dropped = 0;

  /** Opens the output; the directory, leftover file and retention are handled in the background. */
  constructor(options: FileOutputOptions) {
    this.#path = options.path;
    this.#maxBytes = Math.floor((options.maxFileSizeMb ?? 100) * MIB);
    this.#rotation = options.rotation ?? "daily";
    this.#retentionDays = options.retentionDays ?? 0;
    this.#clock = options.clock ?? Date.now;
    this.#maxQueued = options.maxQueued ?? 100_000;
    this.#log = options.log ?? stderrLog;
    const ext = extname(this.#path);
    const stem = basename(this.#path, ext);
    this.#rotatedName = new RegExp(
      `^${escapeRegExp(stem)}-(\\d{8})-(\\d{6})-(\\d+)${escapeRegExp(ext)}$`,
    );
    this.#ready = this.#init();
  }

  /** Enqueues the line; the write follows in the background. */
  send(_alert: Alert, line: string): void {
    if (this.#closed || this.#queue.length + this.#writing >= this.#maxQueued) {
      this.#dropped++;
      return;
    }
    this.#queue.push(line);
    void this.#startDrain();
  }

  /** Writes out everything enqueued (without fsync); also waits for the work done at open. */
  async flush(): Promise<void> {
    await this.#ready;
    while (this.#queue.length > 0 || this.#drain !== undefined) await this.#startDrain();
  }

  /** Flushes, fsyncs and closes the active file. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    await this.#closeFile();
  }

  /** Counters. */
  stats(): OutputStats {
    return {
      sent: this.#sent,
      failed: this.#failed,
      queued: this.#queue.length + this.#writing,
      dropped: this.#dropped,
    };
  }

  async #init(): Promise<void> {
    try {
      await Deno.mkdir(dirname(this.#path), { recursive: true });
      const info = await lstatOrNull(this.#path);
      if (info !== null && info.isFile && info.size > 0) {
        await this.#renameActive(info.mtime?.getTime() ?? this.#clock());
      }
    } catch (e) {
      this.#log(`kestrel: file output: cannot prepare ${this.#path}: ${errorMessage(e)}`);
    }
    await this.#retention(this.#clock());
  }

  #startDrain(): Promise<void> {
    this.#drain ??= this.#drainLoop().finally(() => this.#drain = undefined);
    return this.#drain;
  }

  async #drainLoop(): Promise<void> {
    await this.#ready;
    while (this.#queue.length > 0) {
      const lines = this.#queue.splice(0, BATCH_LINES);
      this.#writing = lines.length;
      try {
        await this.#writeBatch(lines);
      } finally {
        this.#writing = 0;
      }
    }
  }

  async #writeBatch(lines: string[]): Promise<void> {
    const now = this.#clock();
    if (utcDate(now) !== this.#retentionDate) await this.#retention(now);
    if (this.#file !== undefined && this.#periodOf(now) !== this.#periodOf(this.#startedAt)) {
      await this.#rotate(now);
    }
    let chunk: Uint8Array[] = [];
    let chunkBytes = 0;
    for (const line of lines) {
      const bytes = this.#encoder.encode(line + "\n");
      const used = this.#size + chunkBytes;
      if (this.#maxBytes > 0 && used > 0 && used + bytes.length > this.#maxBytes) {
        await this.#write(chunk, chunkBytes, now);
        chunk = [];
        chunkBytes = 0;
        await this.#rotate(now);
      }
      chunk.push(bytes);
      chunkBytes += bytes.length;
    }
    await this.#write(chunk, chunkBytes, now);
  }

  /** Appends `chunk` (whole lines) to the active file, opening it if needed. */
  async #write(chunk: Uint8Array[], bytes: number, now: number): Promise<void> {
    if (chunk.length === 0) return;
    try {
      const file = await this.#open(now);
      const data = new Uint8Array(bytes);
      let off = 0;
      for (const part of chunk) {
        data.set(part, off);
        off += part.length;
      }
      for (let done = 0; done < data.length;) done += await file.write(data.subarray(done));
      this.#size += bytes;
      this.#sent += chunk.length;
    } catch (e) {
      this.#failed += chunk.length;
      this.#log(
        `kestrel: file output: ${chunk.length} alert(s) not written to ${this.#path}: ${
          errorMessage(e)
        }`,
      );
      await this.#closeFile();
    }
  }

  async #open(now: number): Promise<Deno.FsFile> {
    if (this.#file !== undefined) return this.#file;
    const file = await Deno.open(this.#path, {
      write: true,
      append: true,
      create: true,
      mode: 0o640,
    });
    this.#file = file;
    this.#size = (await file.stat()).size;
    this.#startedAt = now;
    return file;
  }

  /** Syncs and closes the active file (it stays at `path`). */
  async #closeFile(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    if (file === undefined) return;
    try {
      await file.sync();
    } catch (e) {
      this.#log(`kestrel: file output: fsync of ${this.#path} failed: ${errorMessage(e)}`);
    }
    try {
      file.close();
    } catch {
      // Already closed by a failed write.
    }
  }

  /** Closes the active file and renames it to its rotated name. */
  async #rotate(now: number): Promise<void> {
    if (this.#file === undefined) return;
    const startedAt = this.#startedAt;
    await this.#closeFile();
    this.#size = 0;
    try {
      await this.#renameActive(startedAt);
    } catch (e) {
      this.#log(`kestrel: file output: cannot rotate ${this.#path}: ${errorMessage(e)}`);
    }
    await this.#retention(now);
  }

  async #renameActive(startedAt: number): Promise<void> {
    for (let n = 0; n < 100_000; n++) {
      const target = rotatedPath(this.#path, startedAt, n);
      if (await lstatOrNull(target) !== null) continue;
      await Deno.rename(this.#path, target);
      return;
    }
    throw new Error(`no free rotated name for ${this.#path}`);
  }

  /** Deletes this output's rotated files dated before the retention window. */
  async #retention(now: number): Promise<void> {
    this.#retentionDate = utcDate(now);
    if (this.#retentionDays <= 0) return;
    const cutoff = utcDate(now - this.#retentionDays * DAY_MS);
    const dir = dirname(this.#path);
    try {
      for await (const entry of Deno.readDir(dir)) {
        const m = this.#rotatedName.exec(entry.name);
        if (!entry.isFile || m === null || m[1] >= cutoff) continue;
        try {
          await Deno.remove(join(dir, entry.name));
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        }
      }
    } catch (e) {
      this.#log(`kestrel: file output: retention in ${dir} failed: ${errorMessage(e)}`);
    }
  }

  #periodOf(ms: number): string {
    switch (this.#rotation) {
      case "daily":
        return utcDate(ms);
      case "hourly":
        return stamp(ms).slice(0, 11);
      case "size":
        return "";
    }
  }
}

/** The `n`-th rotated name for a file at `path` started at `startedAt`. */
function rotatedPath(path: string, startedAt: number, n: number): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}-${stamp(startedAt)}-${n}${ext}`);
}

/** `YYYYMMDD-HHMMSS` in UTC. */
function stamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-01-02T03:04:05.678Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-` +
    `${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** `YYYYMMDD` in UTC. */
function utcDate(ms: number): string {
  return stamp(ms).slice(0, 8);
}

async function lstatOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
