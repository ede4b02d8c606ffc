/**
 * Events as the engine sees them, whatever their source.
 *
 * An {@link Event} exposes fields by schema id and a timestamp in integer
 * nanoseconds. Replay backs it with parsed JSON ({@link JsonEvent}); live
 * collection will back it with a view over a kernel record. Predicates and
 * the sequence engine only use this interface, so both sources behave the
 * same (ARCHITECTURE §2).
 *
 * @module
 */
import type { Value } from "../eql/value.ts";
import type { Schema } from "./schema.ts";

/** One event. */
export interface Event {
  /** Event time in nanoseconds since the Unix epoch (exceeds 2^53, hence bigint). */
  readonly timestamp: bigint;
  /** Position in its input (line number for NDJSON), for messages and stable ordering. */
  readonly seq: number;
  /**
   * The value of field `id`: `undefined` when absent, `null` when explicitly
   * null, an array for multi-valued fields.
   */
  get(id: number): Value | undefined;
  /** The event as an ECS JSON object, for alerts and outputs. */
  toJSON(): Record<string, unknown>;
  /**
   * Field `id` with its strings lower-cased (a string, or the strings of a list);
   * case-insensitive lookups use it so an event pays for folding once.
   */
  getLower?(id: number): Value | undefined;
  /**
   * A copy that stays valid beyond the current call. Events decoded from the
   * ring buffer read memory the kernel reuses once the ring advances, and a
   * process table that later records change; keepers (partial matches,
   * alerts) call `ev.retain?.()` and keep what it returns. Events that own
   * their data (parsed JSON) need not implement it.
   */
  retain?(): Event;
}

/**
 * Per-schema lookup table from field id to path segments, shared by every
 * {@link JsonEvent} read against that schema. Fields admitted to the schema
 * later (dynamic mode) are picked up on first use.
 */
export class FieldPaths {
  readonly #schema: Schema;
  readonly #paths: (readonly string[] | undefined)[] = [];
  readonly #names: (string | undefined)[] = [];
  readonly #readers: (((doc: Record<string, unknown>) => Value | undefined) | undefined)[];
  /**
   * A one-event read cache shared by all events of this table: slot `id`
   * holds the value last read for field `id` and the stamp of the event it
   * was read from. Rules read the same few fields many times per event; the
   * cache makes repeats free without allocating anything per event.
   */
  cacheStamp: Float64Array;
  cacheValue: (Value | undefined)[];
  /** The same for lower-cased string values. */
  lowerStamp: Float64Array;
  lowerValue: (Value | undefined)[];
  #stamps = 0;

  /** Builds the table for `schema`. */
  constructor(schema: Schema) {
    this.#schema = schema;
    // Dense from the start: holes would put V8's arrays in slow dictionary mode.
    this.cacheStamp = new Float64Array(schema.size + 64);
    this.cacheValue = new Array(schema.size + 64).fill(undefined);
    this.lowerStamp = new Float64Array(schema.size + 64);
    this.lowerValue = new Array(schema.size + 64).fill(undefined);
    // Dense too: every first read of a field in an event goes through it.
    this.#readers = new Array(schema.size + 64).fill(undefined);
  }

  /** The schema the fields are read through. */
  get schema(): Schema {
    return this.#schema;
  }

  /** Makes room in the cache for field `id` (fields admitted after construction). */
  grow(id: number): void {
    const size = Math.max(id + 1, this.cacheStamp.length * 2);
    const stamps = new Float64Array(size), lowerStamps = new Float64Array(size);
    stamps.set(this.cacheStamp);
    lowerStamps.set(this.lowerStamp);
    this.cacheStamp = stamps;
    this.lowerStamp = lowerStamps;
    while (this.cacheValue.length < size) this.cacheValue.push(undefined);
    while (this.lowerValue.length < size) this.lowerValue.push(undefined);
  }

  /** A fresh stamp for a new event's cache slots. */
  nextStamp(): number {
    return ++this.#stamps;
  }

  /** Dotted name of field `id`. */
  name(id: number): string {
    return this.#names[id] ?? this.#fill(id).name;
  }

  /** Path segments of field `id`. */
  path(id: number): readonly string[] {
    return this.#paths[id] ?? this.#fill(id).path;
  }

  /**
   * A reader for field `id` compiled to plain property loads
   * (`d["process"]["name"]`), which V8's inline caches make several times
   * faster than walking a segment array; anything but the plain nested
   * layout falls back to {@link readPath}.
   */
  reader(id: number): (doc: Record<string, unknown>) => Value | undefined {
    const readers = this.#readers;
    const r = readers[id];
    if (r !== undefined) return r;
    while (readers.length <= id) readers.push(undefined);
    return readers[id] = compileReader(this.path(id));
  }

  #fill(id: number): { name: string; path: readonly string[] } {
    const name = this.#schema.byId(id).name;
    const path = Object.freeze(name.split("."));
    this.#names[id] = name;
    this.#paths[id] = path;
    return { name, path };
  }
}

/**
 * Reads a dotted field from a JSON object written nested (`{"process":
 * {"name": …}}`), flat (`{"process.name": …}`), or mixed at any level.
 */
export function readPath(
  obj: Record<string, unknown>,
  path: readonly string[],
  from = 0,
): Value | undefined {
  let cur: unknown = obj;
  for (let i = from; i < path.length; i++) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    const o = cur as Record<string, unknown>;
    const next = o[path[i]];
    if (next === undefined) {
      // A flat or partly flat key: try the rest of the path joined with dots.
      return i === path.length - 1 ? undefined : readFlat(o, path, i);
    }
    cur = next;
  }
  return toValue(cur);
}

function readFlat(
  o: Record<string, unknown>,
  path: readonly string[],
  from: number,
): Value | undefined {
  let key = path[from];
  for (let j = from + 1; j < path.length; j++) {
    key += "." + path[j];
    const v = o[key];
    if (v !== undefined) {
      return j === path.length - 1
        ? toValue(v)
        : readPath(v as Record<string, unknown>, path, j + 1);
    }
  }
  return undefined;
}

function compileReader(
  path: readonly string[],
): (doc: Record<string, unknown>) => Value | undefined {
  // On a miss at level i, the rest of the path may be one flat key
  // (`{"process": {"parent.name": …}}`, or all flat at the root); only other
  // shapes take the general path. Most misses are absent fields, which this
  // settles with one extra lookup.
  const lines = ["let o = d, v;"];
  for (let i = 0; i < path.length; i++) {
    const key = JSON.stringify(path[i]);
    const rest = JSON.stringify(path.slice(i).join("."));
    const last = i === path.length - 1;
    lines.push(`v = o[${key}];`);
    lines.push(`if (v === undefined) return ${last ? "undefined" : `flat(o, ${rest}, ${i})`};`);
    if (!last) {
      lines.push(
        `if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined; o = v;`,
      );
    }
  }
  lines.push(`return v === null || typeof v !== "object" || Array.isArray(v) ? v : undefined;`);
  const flat = (o: Record<string, unknown>, rest: string, i: number): Value | undefined => {
    const v = o[rest];
    if (v !== undefined) return toValue(v);
    return i < path.length - 2 ? readFlat(o, path, i) : undefined;
  };
  return new Function("flat", `return function read(d) { ${lines.join(" ")} };`)(flat);
}

/**
 * A one-event cache of lower-cased values shared by all events of one
 * table: slot `id` holds the folded value of field `id` and the stamp of
 * the event it was folded for.
 */
export interface LowerCache {
  lowerStamp: Float64Array;
  lowerValue: (Value | undefined)[];
}

/**
 * Field `id` of `ev` (stamped `stamp`) with its strings lower-cased, through
 * `cache`: an event pays for folding a field once however many rules ask.
 * `ev.get(id)` must have made room for `id` in the cache.
 */
export function cachedLower(
  cache: LowerCache,
  stamp: number,
  ev: Event,
  id: number,
): Value | undefined {
  if (id < cache.lowerStamp.length && cache.lowerStamp[id] === stamp) return cache.lowerValue[id];
  const v = ev.get(id);
  const lower = typeof v === "string" ? v.toLowerCase() : Array.isArray(v) ? lowerAll(v) : v;
  cache.lowerStamp[id] = stamp;
  cache.lowerValue[id] = lower;
  return lower;
}

/** `v` with its strings lower-cased; `v` itself when that changes nothing (no copy per event). */
function lowerAll(v: Value[]): Value[] {
  let out: Value[] | undefined;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    const y = typeof x === "string" ? x.toLowerCase() : Array.isArray(x) ? lowerAll(x) : x;
    if (out === undefined && y !== x) out = v.slice(0, i);
    if (out !== undefined) out.push(y);
  }
  return out ?? v;
}

/** JSON values map to EQL values; objects are not values and read as absent. */
function toValue(v: unknown): Value | undefined {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
    return v;
  }
  if (Array.isArray(v)) return v as Value[];
  return undefined;
}

/** An event backed by a parsed JSON object (NDJSON replay, REST analyze). */
export class JsonEvent implements Event {
  /** The parsed object, as read. */
  readonly doc: Record<string, unknown>;
  readonly timestamp: bigint;
  readonly seq: number;
  readonly #paths: FieldPaths;
  readonly #stamp: number;

  /** Wraps `doc`, read through `paths`, stamped with `timestamp` (ns) and input position `seq`. */
  constructor(doc: Record<string, unknown>, timestamp: bigint, seq: number, paths: FieldPaths) {
    this.doc = doc;
    this.timestamp = timestamp;
    this.seq = seq;
    this.#paths = paths;
    this.#stamp = paths.nextStamp();
  }

  get(id: number): Value | undefined {
    const p = this.#paths;
    if (p.cacheStamp[id] === this.#stamp) return p.cacheValue[id];
    const v = p.reader(id)(this.doc);
    if (id >= p.cacheStamp.length) p.grow(id);
    p.cacheStamp[id] = this.#stamp;
    p.cacheValue[id] = v;
    return v;
  }

  getLower(id: number): Value | undefined {
    return cachedLower(this.#paths, this.#stamp, this, id);
  }

  toJSON(): Record<string, unknown> {
    return this.doc;
  }
}

/** Why a timestamp could not be read. */
export type TimestampProblem = "missing" | "invalid";

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?$/;

/**
 * Converts a timestamp value to integer nanoseconds since the epoch.
 *
 * Accepts ISO 8601 strings with up to nanosecond precision (no offset means
 * UTC), and numbers or numeric strings in epoch seconds, milliseconds,
 * microseconds or nanoseconds — the unit is inferred from the magnitude (a
 * value below 1e11 is seconds, below 1e14 milliseconds, below 1e17
 * microseconds, else nanoseconds), which is unambiguous for dates between
 * 1973 and 2286.
 *
 * @example
 * ```ts
 * toNanos("2026-01-02T03:04:05.123456789Z"); // 1767323045123456789n
 * toNanos(1767323045123);                     // 1767323045123000000n
 * ```
 */
export function toNanos(v: unknown): bigint | TimestampProblem {
  if (v === undefined || v === null) return "missing";
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? fromEpoch(v) : "invalid";
  if (typeof v !== "string") return "invalid";
  // The common form first: it never looks like a number, so the order of the tests is free.
  const fast = fastIsoUtc(v);
  if (fast !== undefined) return fast;
  if (/^\d+(\.\d+)?$/.test(v)) {
    // Integer strings keep full precision for nanosecond values beyond 2^53.
    if (/^\d+$/.test(v) && v.length >= 17) return BigInt(v);
    return fromEpoch(Number(v));
  }
  const m = ISO.exec(v);
  if (!m) return "invalid";
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  if (
    Number.isNaN(ms) || +mo < 1 || +mo > 12 || +d < 1 || +d > 31 || +h > 23 || +mi > 59 || +s > 60
  ) {
    return "invalid";
  }
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    ms -= sign * (+digits.slice(0, 2) * 60 + +digits.slice(2)) * 60_000;
  }
  const nanos = frac ? BigInt(frac.padEnd(9, "0")) : 0n;
  return BigInt(ms) * 1_000_000n + nanos;
}

/**
 * The common case `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, read digit by digit
 * (replay parses one timestamp per event; the general regex path is slower).
 * Returns undefined for anything else, which then takes the general path.
 * Consecutive events mostly share their second: its nanoseconds are kept
 * from the previous call ({@link lastSecond}), which spares a `Date.UTC`
 * call and a bigint multiplication per event.
 */
function fastIsoUtc(v: string): bigint | undefined {
  const len = v.length;
  if (len < 20 || v.charCodeAt(len - 1) !== 90 /* Z */ || v.charCodeAt(10) !== 84 /* T */) {
    return undefined;
  }
  if (
    v.charCodeAt(4) !== 45 /* - */ || v.charCodeAt(7) !== 45 || v.charCodeAt(13) !== 58 /* : */ ||
    v.charCodeAt(16) !== 58
  ) {
    return undefined;
  }
  const y = pair(v, 0) * 100 + pair(v, 2),
    mo = pair(v, 5),
    d = pair(v, 8),
    h = pair(v, 11),
    mi = pair(v, 14),
    s = pair(v, 17);
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && s <= 60)) {
    return undefined;
  }
  let nanos = 0;
  if (len > 20) {
    const n = len - 21;
    if (v.charCodeAt(19) !== 46 /* . */ || n < 1 || n > 9) return undefined;
    nanos = digits(v, 20, len - 1) * POW10[9 - n];
    if (Number.isNaN(nanos)) return undefined;
  }
  // Every field is a whole number below 10^4, so the key is exact and unique.
  const key = ((((y * 100 + mo) * 100 + d) * 100 + h) * 100 + mi) * 100 + s;
  const last = lastSecond;
  if (last.key !== key) {
    last.key = key;
    last.ns = BigInt(Date.UTC(y, mo - 1, d, h, mi, s)) * 1_000_000n;
  }
  return nanos === 0 ? last.ns : last.ns + BigInt(nanos);
}

/** The second {@link fastIsoUtc} read last, and its time in nanoseconds. */
const lastSecond = { key: -1, ns: 0n };

const POW10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

/** The two-digit decimal number at `v[i]`; NaN if either character is not a digit. */
function pair(v: string, i: number): number {
  const a = v.charCodeAt(i) - 48, b = v.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
}

/** The decimal number in `v[from, to)`; NaN if a character is not a digit. */
function digits(v: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

function fromEpoch(n: number): bigint {
  const scale = n < 1e11 ? 1_000_000_000n : n < 1e14 ? 1_000_000n : n < 1e17 ? 1_000n : 1n;
  // Whole numbers scale exactly in bigint; only fractions go through a float.
  if (Number.isInteger(n)) return BigInt(n) * scale;
  return BigInt(Math.round(n * Number(scale)));
}

/**
 * Formats nanoseconds since the epoch as an RFC 3339 UTC timestamp with as
 * many fraction digits as needed (up to 9), as alerts print `@timestamp`.
 */
export function formatNanos(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const base = new Date(Number(ms)).toISOString().slice(0, 19);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${base}${frac ? "." + frac : ""}Z`;
}
