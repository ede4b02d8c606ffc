/**
 * Continuous recording of live events to `.klog` files: one file
 * (`kestrel record --out`), or a directory of files rotated by size with
 * retention by count and age (the daemon's `[replay] record`).
 *
 * Crash safety: blocks are written whole, and the open block is closed and
 * written at least every `maxBlockAgeMs` (1 s by default), so a crash loses
 * at most the last second; a reader reads every complete block of a file
 * cut short.
 *
 * @module
 */
import type { Event } from "../engine/event.ts";
import type { Schema } from "../engine/schema.ts";
import { KlogWriter } from "./klog_writer.ts";

/** Options of {@link KlogRecorder}. */
export interface KlogRecorderOptions {
  /** Write to this one file (truncated first)… */
  file?: string;
  /** …or to rotated files `kestrel-<UTC time, ms>.klog` in this directory (created if missing). */
  dir?: string;
  /** Rotate a file once it holds this many bytes (directory mode; default 1 GiB). */
  maxFileBytes?: number;
  /** Keep at most this many recordings in the directory, the current one included (0: no limit). */
  maxFiles?: number;
  /** Delete recordings last written longer ago than this (days; 0: keep). */
  retentionDays?: number;
  /** Close and write the open block once it is this old (ms; default 1000). */
  maxBlockAgeMs?: number;
  schema: Schema;
  host?: { name?: string; id?: string };
  /** Log lines (rotation, deletions, write errors). */
  log?: (line: string) => void;
}

/** File name prefix of the daemon's recordings: only these are rotated away. */
const PREFIX = "kestrel-";

/** Records events and heartbeats into `.klog` files. */
export class KlogRecorder {
  readonly #opts: KlogRecorderOptions;
  readonly #log: (line: string) => void;
  #file: Deno.FsFile | undefined;
  #writer: KlogWriter | undefined;
  #path = "";
  #writing: Promise<void> = Promise.resolve();
  #closed = false;
  #failed = false;
  /** Events and heartbeats recorded, over all files. */
  events = 0;
  heartbeats = 0;
  /** Files started. */
  files = 0;

  private constructor(opts: KlogRecorderOptions) {
    this.#opts = opts;
    this.#log = opts.log ?? ((line) => console.error(line));
  }

  /** Opens the first file (and applies retention in directory mode). */
  static async open(opts: KlogRecorderOptions): Promise<KlogRecorder> {
    if ((opts.file === undefined) === (opts.dir === undefined)) {
      throw new TypeError("a recorder writes to a file or to a directory");
    }
    const r = new KlogRecorder(opts);
    if (opts.dir !== undefined) await Deno.mkdir(opts.dir, { recursive: true, mode: 0o750 });
    await r.#start();
    return r;
  }

  /** The file being written. */
  get path(): string {
    return this.#path;
  }

  async #start(): Promise<void> {
    const dir = this.#opts.dir;
    this.#path = this.#opts.file ?? `${dir}/${PREFIX}${stamp()}.klog`;
    if (dir !== undefined) {
      // Names sort in time order; two files within a millisecond wait for the next.
      while (await exists(this.#path)) {
        await new Promise((r) => setTimeout(r, 1));
        this.#path = `${dir}/${PREFIX}${stamp()}.klog`;
      }
    }
    this.#file = await Deno.open(this.#path, {
      write: true,
      create: true,
      truncate: true,
      mode: 0o640,
    });
    this.#writer = new KlogWriter(this.#file, { schema: this.#opts.schema, host: this.#opts.host });
    this.files++;
    await this.#writer.writeClosed();
    if (dir !== undefined) await this.#retain(dir);
  }

  /** Records `ev` now (a live event is only valid during the call). */
  write(ev: Event): void {
    if (this.#closed || this.#failed) return;
    this.#writer!.write(ev);
    this.events++;
  }

  /** Records a heartbeat: the live watermark advanced to `ns`. */
  heartbeat(ns: bigint): void {
    if (this.#closed || this.#failed) return;
    this.#writer!.heartbeat(ns);
    this.heartbeats++;
  }

  /** Records an interval of lost records, as the live sensor learnt of it. */
  drops(from: bigint, to: bigint, count: bigint): void {
    if (this.#closed || this.#failed) return;
    this.#writer!.drops(from, to, count);
  }

  /**
   * Writes closed blocks, closes the open one when it is old enough, and
   * rotates when the file is full. Call after each batch and on idle turns.
   */
  tick(): Promise<void> {
    this.#writing = this.#writing.then(() => this.#tick(false));
    return this.#writing;
  }

  async #tick(force: boolean): Promise<void> {
    if (this.#failed || this.#writer === undefined) return;
    const w = this.#writer;
    try {
      if (force || w.openAgeMs() >= (this.#opts.maxBlockAgeMs ?? 1000)) await w.flush();
      else await w.writeClosed();
      const max = this.#opts.maxFileBytes ?? 1 << 30;
      // Not when closing: a new file would stay empty.
      if (this.#opts.dir !== undefined && !force && w.bytesWritten >= max) {
        await w.flush();
        this.#file!.close();
        this.#log(`kestrel: recording ${this.#path} full (${w.bytesWritten} bytes): rotated`);
        await this.#start();
      }
    } catch (e) {
      // A full disk must not stop detection: recording stops, with one message.
      this.#failed = true;
      this.#log(`kestrel: recording to ${this.#path} stopped: ${(e as Error).message}`);
    }
  }

  /** Writes everything and closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#writing = this.#writing.then(() => this.#tick(true));
    await this.#writing;
    this.#closed = true;
    try {
      this.#file?.close();
    } catch {
      // Already closed after a failure.
    }
  }

  /** Deletes the oldest recordings beyond `maxFiles`, and those older than `retentionDays`. */
  async #retain(dir: string): Promise<void> {
    const files: { name: string; mtime: number }[] = [];
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !e.name.startsWith(PREFIX) || !e.name.endsWith(".klog")) continue;
      const info = await Deno.stat(`${dir}/${e.name}`).catch(() => undefined);
      if (info) files.push({ name: e.name, mtime: info.mtime?.getTime() ?? 0 });
    }
    // Names sort in time order (UTC stamp); the current file is the newest.
    files.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const current = this.#path.slice(dir.length + 1);
    const maxFiles = this.#opts.maxFiles ?? 0;
    const days = this.#opts.retentionDays ?? 0;
    const cutoff = Date.now() - days * 86_400_000;
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      if (f.name === current) continue;
      const tooMany = maxFiles > 0 && files.length - i > maxFiles;
      const tooOld = days > 0 && f.mtime < cutoff;
      if (!tooMany && !tooOld) continue;
      try {
        await Deno.remove(`${dir}/${f.name}`);
        this.#log(`kestrel: recording ${dir}/${f.name} deleted (${tooMany ? "count" : "age"})`);
      } catch (e) {
        this.#log(`kestrel: cannot delete ${dir}/${f.name}: ${(e as Error).message}`);
      }
    }
  }
}

/** `20260102T030405.678Z`: sorts in time order. */
function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, "");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
