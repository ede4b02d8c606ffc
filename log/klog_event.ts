/**
 * Events of a `.klog` log: views over a block's bytes. Nothing is decoded
 * when an event is made; the first field read indexes the record (one pass
 * over its field ids), and values are decoded on demand, strings from the
 * block's dictionary (decoded once per block). Blocks are immutable, so
 * events stay valid as long as they are held: `retain` is not needed.
 *
 * @module
 */
import type { Value } from "../eql/value.ts";
import { cachedLower, type Event, formatNanos } from "../engine/event.ts";
import type { Schema } from "../engine/schema.ts";
import { Cursor, Tag } from "./klog_format.ts";

/** One decoded block: its bytes, base time and dictionary. */
export class KlogBlock {
  /** The payload. */
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  /** Time the record deltas count from (epoch ns). */
  readonly base: bigint;
  /** Dictionary entries, sliced from one decoded string on first use. */
  readonly #text: string;
  readonly #starts: Int32Array;
  readonly #strings: (string | undefined)[];

  /** A block over `bytes` whose dictionary text and entry starts are already read. */
  constructor(bytes: Uint8Array, base: bigint, text: string, starts: Int32Array) {
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.base = base;
    this.#text = text;
    this.#starts = starts;
    this.#strings = new Array(starts.length - 1).fill(undefined);
  }

  /** Dictionary entry `i`. */
  string(i: number): string {
    const s = this.#strings[i];
    if (s !== undefined) return s;
    if (i < 0 || i >= this.#strings.length) throw new RangeError(`no dictionary entry ${i}`);
    return this.#strings[i] = this.#text.slice(this.#starts[i], this.#starts[i + 1]);
  }

  /** Whole seconds and the nanoseconds past them of {@link base}, as numbers. */
  #baseSec = NaN;
  #baseNs = 0;

  /**
   * `formatNanos(base + delta)`, computed in numbers: events of a block
   * share their second mostly, and the second's text is kept
   * ({@link lastSecond}), which spares the bigint arithmetic and a `Date`
   * per event.
   */
  timestampText(delta: number): string {
    if (Number.isNaN(this.#baseSec)) {
      if (this.base < 0n) return formatNanos(this.base + BigInt(delta));
      this.#baseSec = Number(this.base / 1_000_000_000n);
      this.#baseNs = Number(this.base % 1_000_000_000n);
    }
    const total = this.#baseNs + delta;
    const carry = Math.floor(total / 1e9);
    const sec = this.#baseSec + carry;
    if (sec < 0 || !Number.isSafeInteger(sec)) return formatNanos(this.base + BigInt(delta));
    const ns = total - carry * 1e9;
    const last = lastSecond;
    if (last.sec !== sec) {
      last.sec = sec;
      last.text = new Date(sec * 1000).toISOString().slice(0, 19);
    }
    if (ns === 0) return last.text + "Z";
    let frac = String(ns).padStart(9, "0");
    let end = 9;
    while (frac.charCodeAt(end - 1) === 48) end--;
    if (end < 9) frac = frac.slice(0, end);
    return last.text + "." + frac + "Z";
  }

  /** The double at `at`. */
  f64(at: number): number {
    return this.#view.getFloat64(at, true);
  }
}

/** Field table and read caches shared by every event of one reader. */
export class KlogFields {
  readonly #schema: Schema;
  /** Key path of each klog field id. */
  readonly segments: string[][] = [];
  /** Schema id → klog field id (-1 absent, -2 not looked up yet). */
  #toKlog = new Int32Array(0).fill(-2);
  /** Klog field id of each dotted name. */
  readonly #byName = new Map<string, number>();
  /**
   * Schema id → every klog field spelling the same dotted name (`{"a":
   * {"b": 1}}` and `{"a.b": 1}` in one log), when there is more than one.
   */
  readonly #spellings = new Map<number, number[]>();
  /** Per klog field: stamp of the event last indexed, and the value's offset in it. */
  slotStamp = new Float64Array(256);
  slotAt = new Int32Array(256);
  /** The event whose record is indexed in the slots. */
  indexed = 0;
  /** Per schema id: a one-event value cache (stamp, value), as `FieldPaths` keeps for JSON. */
  cacheStamp = new Float64Array(256);
  cacheValue: (Value | undefined)[] = new Array(256).fill(undefined);
  lowerStamp = new Float64Array(256);
  lowerValue: (Value | undefined)[] = new Array(256).fill(undefined);
  #stamps = 0;
  /** Reads of records that did not parse (only a crafted file has them). */
  damaged = 0;
  /** Some key is `__proto__`: documents are then built with own-property operations only. */
  protoKey = false;

  /** Fields resolved against `schema`. */
  constructor(schema: Schema) {
    this.#schema = schema;
    this.#growSchema(schema.size + 64);
  }

  /** The schema events are read through. */
  get schema(): Schema {
    return this.#schema;
  }

  /** A fresh stamp for a new event. */
  nextStamp(): number {
    return ++this.#stamps;
  }

  /** Declares klog field `id` with key path `path` (the header's table, or a block's extras). */
  define(id: number, path: string[]): void {
    const old = this.segments[id];
    if (old !== undefined && old.length === path.length && old.every((s, i) => s === path[i])) {
      return;
    }
    this.segments[id] = path;
    if (path.includes("__proto__")) this.protoKey = true;
    if (id >= this.slotStamp.length) {
      const n = Math.max(id + 1, this.slotStamp.length * 2);
      const stamps = new Float64Array(n), at = new Int32Array(n);
      stamps.set(this.slotStamp);
      at.set(this.slotAt);
      this.slotStamp = stamps;
      this.slotAt = at;
    }
    const name = path.join(".");
    const first = this.#byName.get(name);
    if (first === undefined) this.#byName.set(name, id);
    const info = this.#schema.lookup(name);
    if (info !== undefined) {
      if (info.id >= this.#toKlog.length) this.#growSchema(info.id + 64);
      if (this.#toKlog[info.id] < 0) this.#toKlog[info.id] = first ?? id;
    }
    if (first !== undefined && first !== id) {
      const sid = info?.id ?? this.#schema.lookup(name)?.id;
      this.#addSpelling(name, first, id, sid);
    }
  }

  #addSpelling(name: string, first: number, id: number, sid: number | undefined): void {
    // Keyed by name until the schema knows it (dynamic fields are admitted later).
    const list = sid !== undefined ? this.#spellings.get(sid) : this.#pendingSpellings.get(name);
    if (list !== undefined) list.push(id);
    else if (sid !== undefined) this.#spellings.set(sid, [first, id]);
    else this.#pendingSpellings.set(name, [first, id]);
  }

  readonly #pendingSpellings = new Map<string, number[]>();

  /** Every klog field spelling schema field `id` when there are several, else undefined. */
  spellings(id: number): readonly number[] | undefined {
    if (this.#spellings.size === 0 && this.#pendingSpellings.size === 0) return undefined;
    const known = this.#spellings.get(id);
    if (known !== undefined) return known;
    const pending = this.#pendingSpellings.get(this.#schema.byId(id).name);
    if (pending !== undefined) this.#spellings.set(id, pending);
    return pending;
  }

  /** The klog field holding schema field `id`, or -1. */
  klogId(id: number): number {
    if (id >= this.#toKlog.length) this.#growSchema(id + 64);
    const k = this.#toKlog[id];
    if (k !== -2) return k;
    const found = this.#byName.get(this.#schema.byId(id).name) ?? -1;
    this.#toKlog[id] = found;
    return found;
  }

  #growSchema(size: number): void {
    const to = new Int32Array(size).fill(-2);
    to.set(this.#toKlog);
    this.#toKlog = to;
    const grow = <T extends Float64Array>(a: T): T => {
      const b = new Float64Array(size) as T;
      b.set(a.subarray(0, Math.min(a.length, size)));
      return b;
    };
    if (this.cacheStamp.length < size) {
      this.cacheStamp = grow(this.cacheStamp);
      this.lowerStamp = grow(this.lowerStamp);
      while (this.cacheValue.length < size) this.cacheValue.push(undefined);
      while (this.lowerValue.length < size) this.lowerValue.push(undefined);
    }
  }
}

/** An event of a `.klog` log. */
export class KlogEvent implements Event {
  /** Position in the log: 1 for the first event. */
  readonly seq: number;
  /** Its block. */
  readonly block: KlogBlock;
  /** Offset of the field count in the block. */
  readonly at: number;
  /** Nanoseconds after the block's base time. */
  readonly delta: number;
  readonly #fields: KlogFields;
  readonly #stamp: number;
  #ts: bigint | undefined;
  #doc: Record<string, unknown> | undefined;

  /** Used by the reader. */
  constructor(fields: KlogFields, block: KlogBlock, at: number, delta: number, seq: number) {
    this.#fields = fields;
    this.block = block;
    this.at = at;
    this.delta = delta;
    this.seq = seq;
    this.#stamp = fields.nextStamp();
  }

  /** Epoch nanoseconds. */
  get timestamp(): bigint {
    return this.#ts ??= this.block.base + BigInt(this.delta);
  }

  get(id: number): Value | undefined {
    const f = this.#fields;
    if (id < f.cacheStamp.length && f.cacheStamp[id] === this.#stamp) return f.cacheValue[id];
    const k = f.klogId(id);
    let v: Value | undefined;
    if (k >= 0) {
      try {
        if (f.indexed !== this.#stamp) this.#index();
        let slot = f.slotStamp[k] === this.#stamp ? k : -1;
        if (slot < 0) {
          // Another spelling of the same field (flat vs nested keys in one log).
          for (const alt of f.spellings(id) ?? []) {
            if (f.slotStamp[alt] === this.#stamp) slot = alt;
          }
        }
        v = slot >= 0 ? this.#read(f.slotAt[slot]) as Value : undefined;
      } catch {
        // A record that passed its block's CRC but does not parse (a crafted
        // file): the field reads as absent rather than failing the replay.
        f.damaged++;
        v = undefined;
      }
      // Objects (a JSON-tagged leaf holding one) are not values, as for JSON events.
      if (v !== null && typeof v === "object" && !Array.isArray(v)) v = undefined;
    }
    f.cacheStamp[id] = this.#stamp;
    f.cacheValue[id] = v;
    return v;
  }

  getLower(id: number): Value | undefined {
    return cachedLower(this.#fields, this.#stamp, this, id);
  }

  /** Points the shared slots at this record's fields. */
  #index(): void {
    const f = this.#fields;
    const c = new Cursor(this.block.bytes, this.at);
    const n = c.varint();
    const stamps = f.slotStamp, at = f.slotAt, stamp = this.#stamp;
    for (let i = 0; i < n; i++) {
      const k = c.varint();
      if (k < stamps.length && stamps[k] !== stamp) {
        stamps[k] = stamp;
        at[k] = c.at;
      }
      skipValue(c);
    }
    f.indexed = stamp;
  }

  #read(at: number): unknown {
    return readValue(new Cursor(this.block.bytes, at), this.block, this);
  }

  /** The event's ECS JSON, rebuilt from its leaves in recorded order. */
  toJSON(): Record<string, unknown> {
    if (this.#doc !== undefined) return this.#doc;
    const doc: Record<string, unknown> = {};
    const segments = this.#fields.segments;
    const c = new Cursor(this.block.bytes, this.at);
    try {
      const n = c.varint();
      // Leaves come in document order, so consecutive ones share their
      // parents: keep the previous leaf's chain of objects and start from
      // the deepest one the next leaf shares.
      const chain: Record<string, unknown>[] = [doc];
      let prev: readonly string[] = [];
      for (let i = 0; i < n; i++) {
        const path = segments[c.varint()];
        const v = readValue(c, this.block, this);
        if (path === undefined) throw new RangeError("undeclared field");
        const last = path.length - 1;
        let j = 0;
        while (j < last && j < prev.length - 1 && path[j] === prev[j]) j++;
        let o = chain[j];
        if (this.#fields.protoKey) {
          // `o["__proto__"]` would read or replace the prototype: own properties only.
          for (; j < last; j++) {
            const next = Object.hasOwn(o, path[j]) ? o[path[j]] : undefined;
            if (next !== null && typeof next === "object" && !Array.isArray(next)) {
              o = next as Record<string, unknown>;
            } else {
              const fresh = {};
              setOwn(o, path[j], fresh);
              o = fresh;
            }
            chain[j + 1] = o;
          }
          setOwn(o, path[last], v);
          prev = path;
          continue;
        }
        for (; j < last; j++) {
          const next = o[path[j]];
          o = (next !== null && typeof next === "object" && !Array.isArray(next)
            ? next
            : o[path[j]] = {}) as Record<string, unknown>;
          chain[j + 1] = o;
        }
        o[path[last]] = v;
        prev = path;
      }
    } catch {
      // See `get`: what parsed is kept.
      this.#fields.damaged++;
    }
    return this.#doc = doc;
  }
}

/** Sets own property `k` of `o`, as `JSON.parse` does, even for `__proto__`. */
function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

/** The second {@link KlogBlock.timestampText} formatted last. */
const lastSecond = { sec: -1, text: "" };

/** Moves `c` past one tagged value. */
function skipValue(c: Cursor): void {
  const tag = c.bytes[c.at++];
  switch (tag) {
    case Tag.INT:
    case Tag.STRING:
    case Tag.BIGINT:
    case Tag.JSON:
      c.varint();
      return;
    case Tag.FLOAT:
      c.at += 8;
      return;
    case Tag.ARRAY: {
      const n = c.varint();
      for (let i = 0; i < n; i++) skipValue(c);
      return;
    }
    case Tag.NULL:
    case Tag.FALSE:
    case Tag.TRUE:
    case Tag.EMPTY_OBJECT:
    case Tag.TIMESTAMP:
      return;
    default:
      throw new RangeError(`unknown value tag ${tag}`);
  }
}

/** Reads one tagged value at `c`. */
function readValue(c: Cursor, block: KlogBlock, ev: KlogEvent): unknown {
  const tag = c.bytes[c.at++];
  switch (tag) {
    case Tag.STRING:
      return block.string(c.varint());
    case Tag.INT:
      return c.zigzag();
    case Tag.TRUE:
      return true;
    case Tag.FALSE:
      return false;
    case Tag.NULL:
      return null;
    case Tag.TIMESTAMP:
      return block.timestampText(ev.delta);
    case Tag.ARRAY: {
      const n = c.varint();
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = readValue(c, block, ev);
      return out;
    }
    case Tag.FLOAT: {
      const v = block.f64(c.at);
      c.at += 8;
      return v;
    }
    case Tag.BIGINT:
      return BigInt(block.string(c.varint()));
    case Tag.JSON:
      return JSON.parse(block.string(c.varint()));
    case Tag.EMPTY_OBJECT:
      return {};
    default:
      throw new RangeError(`unknown value tag ${tag}`);
  }
}
