/**
 * Writes `.klog` event logs (layout in `./klog_format.ts`).
 *
 * Events are serialised when handed over (live events are views over the
 * ring buffer), from their ECS JSON: every leaf becomes (field id, typed
 * value), in document order, so reading a record back rebuilds the same
 * JSON with the same key order. A block is closed when it holds
 * `blockRecords` records or `blockBytes` bytes, or on {@link flush}; closed
 * blocks are written whole, so a crash loses at most the open block.
 *
 * @module
 */
import { type Event, formatNanos } from "../engine/event.ts";
import type { Schema } from "../engine/schema.ts";
import type { ByteSink } from "./line_writer.ts";
import { VERSION } from "../version.ts";
import {
  BLOCK_MAGIC,
  ByteBuf,
  crc32,
  encodeHeader,
  FRAME_BYTES,
  Kind,
  type KlogHeader,
  Tag,
} from "./klog_format.ts";

/** Options of {@link KlogWriter}. */
export interface KlogWriterOptions {
  /** Host the events come from (header). */
  host?: { name?: string; id?: string };
  /** Prefill the header's field table with this schema's fields the sensor populates. */
  schema?: Schema;
  /** Records per block at most (default 4096). */
  blockRecords?: number;
  /** Record bytes per block at most (default 512 KiB). */
  blockBytes?: number;
  /** Engine version written in the header (default: this build's). */
  engine?: string;
}

/** A node of the key trie: a key path's field id when used as a leaf, and its children. */
interface PathNode {
  id: number;
  kids: Map<string, PathNode>;
}

/** Records past this much time from the block's base start a new block (deltas stay exact doubles). */
const MAX_DELTA_NS = 2 ** 52;

/** Serialises events (and heartbeats) into `.klog` blocks and writes them to a sink. */
export class KlogWriter {
  readonly #out: ByteSink;
  readonly #blockRecords: number;
  readonly #blockBytes: number;
  readonly #encoder = new TextEncoder();
  readonly #root: PathNode = { id: -1, kids: new Map() };
  /** Field paths by id (header fields first). */
  readonly #paths: string[][] = [];
  readonly #headerFields: number;
  /** Per extra field id: the block number that declared it last. */
  readonly #declared: number[] = [];
  #extras: number[] = [];
  #records = new ByteBuf(256 * 1024);
  /** The current record's fields, and its time and field count. */
  readonly #body = new ByteBuf(16 * 1024);
  readonly #head = new ByteBuf(32);
  #dict = new Map<string, number>();
  #dictList: string[] = [];
  #count = 0;
  #base = 0n;
  #blockNo = 0;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #openedAt = 0;
  /** Events written. */
  events = 0;
  /** Heartbeats written. */
  heartbeats = 0;
  /** Drop intervals written. */
  dropRecords = 0;
  /** Bytes handed to the sink so far (header included). */
  bytesWritten = 0;

  /** A writer to `out`; the header is written with the first flush. */
  constructor(out: ByteSink, opts: KlogWriterOptions = {}) {
    this.#out = out;
    this.#blockRecords = opts.blockRecords ?? 4096;
    this.#blockBytes = opts.blockBytes ?? 512 * 1024;
    const fields: KlogHeader["fields"] = [];
    if (opts.schema) {
      for (const f of opts.schema.fields()) {
        if (!f.populated) continue;
        fields.push({ name: f.name, type: f.ecsType });
        this.#node(f.name.split("."));
      }
    }
    this.#headerFields = fields.length;
    const header: KlogHeader = {
      engine: opts.engine ?? VERSION,
      ...(opts.host ? { host: opts.host } : {}),
      created: new Date().toISOString(),
      fields,
    };
    this.#queue(encodeHeader(header));
  }

  /** The trie node of `path`, with a field id assigned on first use. */
  #node(path: readonly string[]): PathNode {
    let n = this.#root;
    for (const k of path) {
      let next = n.kids.get(k);
      if (next === undefined) n.kids.set(k, next = { id: -1, kids: new Map() });
      n = next;
    }
    if (n.id < 0) {
      n.id = this.#paths.length;
      this.#paths.push([...path]);
    }
    return n;
  }

  /** Records `ev` (its JSON now: a live event is only valid during the call). */
  write(ev: Event): void {
    this.writeDoc(ev.toJSON(), ev.timestamp);
  }

  /** Records one event given as its ECS JSON and its time in epoch nanoseconds. */
  writeDoc(doc: Record<string, unknown>, ts: bigint): void {
    this.#begin(ts);
    const body = this.#body, head = this.#head;
    body.clear();
    const n = this.#object(doc, this.#root, ts, []);
    head.clear();
    head.zigzag(Number(ts - this.#base));
    head.varint(n);
    const r = this.#records;
    r.u8(Kind.EVENT);
    r.varint(head.length + body.length);
    r.append(head.view());
    r.append(body.view());
    this.events++;
    this.#end();
  }

  /** Records that the live watermark advanced to `ns` (a heartbeat while idle). */
  heartbeat(ns: bigint): void {
    this.#begin(ns);
    const head = this.#head;
    head.clear();
    head.zigzag(Number(ns - this.#base));
    const r = this.#records;
    r.u8(Kind.HEARTBEAT);
    r.varint(head.length);
    r.append(head.view());
    this.heartbeats++;
    this.#end();
  }

  /**
   * Records that `count` records were lost between `from` and `to` (event
   * time), as the live sensor learnt it here: replay marks the alerts that
   * overlap it degraded, as the live run did.
   */
  drops(from: bigint, to: bigint, count: bigint): void {
    this.#begin(from);
    const head = this.#head;
    head.clear();
    head.zigzag(Number(from - this.#base));
    head.varint(Number(to - from));
    head.varint(Number(count));
    const r = this.#records;
    r.u8(Kind.DROPS);
    r.varint(head.length);
    r.append(head.view());
    this.dropRecords++;
    this.#end();
  }

  #begin(ts: bigint): void {
    if (this.#count > 0) {
      const d = ts - this.#base;
      if (d > MAX_DELTA_NS || d < -MAX_DELTA_NS) this.#closeBlock();
    }
    if (this.#count === 0) {
      this.#base = ts;
      this.#openedAt = performance.now();
    }
  }

  #end(): void {
    this.#count++;
    if (this.#count >= this.#blockRecords || this.#records.length >= this.#blockBytes) {
      this.#closeBlock();
    }
  }

  /** Writes the leaves of `obj` (keys under `node`); returns how many. */
  #object(obj: Record<string, unknown>, node: PathNode, ts: bigint, path: string[]): number {
    let n = 0;
    for (const key in obj) {
      const v = obj[key];
      if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
      path.push(key);
      let child = node.kids.get(key);
      if (child === undefined) {
        node.kids.set(key, child = { id: -1, kids: new Map() });
      }
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        const inner = this.#object(v as Record<string, unknown>, child, ts, path);
        if (inner === 0) {
          this.#leaf(child, path);
          this.#body.u8(Tag.EMPTY_OBJECT);
          n++;
        } else n += inner;
      } else {
        this.#leaf(child, path);
        if (path.length === 1 && key === "@timestamp" && v === formatNanos(ts)) {
          this.#body.u8(Tag.TIMESTAMP);
        } else this.#value(v);
        n++;
      }
      path.pop();
    }
    return n;
  }

  /** Writes the field id of the leaf at `node`, assigning and declaring it as needed. */
  #leaf(node: PathNode, path: string[]): void {
    if (node.id < 0) {
      node.id = this.#paths.length;
      this.#paths.push([...path]);
    }
    const id = node.id;
    if (id >= this.#headerFields && this.#declared[id] !== this.#blockNo + 1) {
      this.#declared[id] = this.#blockNo + 1;
      this.#extras.push(id);
    }
    this.#body.varint(id);
  }

  #value(v: unknown): void {
    const r = this.#body;
    switch (typeof v) {
      case "string":
        r.u8(Tag.STRING);
        r.varint(this.#string(v));
        return;
      case "number":
        if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
          r.u8(Tag.INT);
          r.zigzag(v);
        } else {
          r.u8(Tag.FLOAT);
          r.f64(v);
        }
        return;
      case "boolean":
        r.u8(v ? Tag.TRUE : Tag.FALSE);
        return;
      case "bigint":
        r.u8(Tag.BIGINT);
        r.varint(this.#string(v.toString()));
        return;
    }
    if (v === null) {
      r.u8(Tag.NULL);
      return;
    }
    if (Array.isArray(v)) {
      if (v.some((x) => x !== null && typeof x === "object" && !Array.isArray(x))) {
        r.u8(Tag.JSON);
        r.varint(this.#string(JSON.stringify(v)));
        return;
      }
      r.u8(Tag.ARRAY);
      r.varint(v.length);
      for (const x of v) {
        if (x === undefined || typeof x === "function" || typeof x === "symbol") r.u8(Tag.NULL);
        else this.#value(x);
      }
      return;
    }
    r.u8(Tag.JSON);
    r.varint(this.#string(JSON.stringify(v) ?? "null"));
  }

  #string(s: string): number {
    let i = this.#dict.get(s);
    if (i === undefined) {
      i = this.#dictList.length;
      this.#dict.set(s, i);
      this.#dictList.push(s);
    }
    return i;
  }

  /** Closes the open block into a frame waiting to be written. */
  #closeBlock(): void {
    if (this.#count === 0) return;
    const p = new ByteBuf(this.#records.length + 4096);
    p.u32(this.#count);
    p.i64(this.#base);
    p.varint(this.#extras.length);
    for (const id of this.#extras) {
      p.varint(id);
      const path = this.#paths[id];
      p.varint(path.length);
      for (const seg of path) this.#lenString(p, seg);
    }
    const dict = this.#dictList;
    const text = this.#encoder.encode(dict.join(""));
    p.varint(dict.length);
    p.varint(text.length);
    for (const s of dict) p.varint(s.length);
    p.append(text);
    p.append(this.#records.view());
    const payload = p.view();
    const frame = new Uint8Array(FRAME_BYTES + payload.length);
    const v = new DataView(frame.buffer);
    v.setUint32(0, BLOCK_MAGIC, true);
    v.setUint32(4, payload.length, true);
    v.setUint32(8, crc32(payload), true);
    frame.set(payload, FRAME_BYTES);
    this.#queue(frame);
    this.#blockNo++;
    this.#count = 0;
    this.#extras = [];
    this.#dict = new Map();
    this.#dictList = [];
    if (this.#records.bytes.length > 4 * this.#blockBytes) this.#records = new ByteBuf(256 * 1024);
    else this.#records.clear();
  }

  #lenString(p: ByteBuf, s: string): void {
    const b = this.#encoder.encode(s);
    p.varint(b.length);
    p.append(b);
  }

  #queue(bytes: Uint8Array): void {
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
  }

  /** Records in the open block. */
  get openRecords(): number {
    return this.#count;
  }

  /** Milliseconds since the open block got its first record (0 when none is open). */
  openAgeMs(now = performance.now()): number {
    return this.#count === 0 ? 0 : now - this.#openedAt;
  }

  /** Bytes of closed blocks not yet written. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Writes the blocks closed so far (the open block stays open). */
  async writeClosed(): Promise<void> {
    const parts = this.#pending;
    if (parts.length === 0) return;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const part of parts) {
      for (let off = 0; off < part.length;) off += await this.#out.write(part.subarray(off));
      this.bytesWritten += part.length;
    }
  }

  /** Closes the open block and writes everything (the header at least). */
  async flush(): Promise<void> {
    this.#closeBlock();
    await this.writeClosed();
  }
}
