/**
 * Host ABI v1: how the module's linear memory is laid out, and how the host
 * writes an event's values into it.
 *
 * Memory map:
 * - `0..32`: header ({@link HEADER}). `[0]` stays 0 (the null pointer);
 *   `[4]` the ABI version; `[8]` where the event's values end (the
 *   module's scratch heap starts there); `[12]` why the module trapped
 *   (see {@link TrapReason}); then where the field table and the event
 *   values are, and how many predicates the module has.
 * - the field table: one 32-bit pointer per schema field id, 0 when the
 *   field is absent;
 * - constants the compiler placed (Unicode tables, strings, patterns,
 *   lists);
 * - the lower-case cache ({@link LOWER_CACHE_SLOTS} slots);
 * - the event's values, written by the host before each evaluation, and
 *   the lower-cased copies of its strings the module keeps for the event;
 * - the scratch heap (lower-cased strings, computed values), reset per
 *   evaluation.
 *
 * A value is 8-byte aligned: a 32-bit tag, then its payload —
 * `NULL`; `BOOL` (i32 at +4); `NUM` (f64 at +8); `STR` (length in UTF-16
 * code units at +4, the code units from +8, so comparisons and offsets
 * are those of JavaScript strings); `LIST` (count at +4, element pointers
 * from +8); `OTHER` (an object inside a JSON list: present, never equal to
 * anything).
 *
 * @module
 */
import type { Value } from "../../eql/value.ts";

/** The ABI version a module reports from `pred_init` and a package records. */
export const ABI_VERSION = 1;

/** Value tags. */
export const TAG = { NULL: 0, BOOL: 1, NUM: 2, STR: 3, LIST: 4, OTHER: 5 } as const;

/** Header slots. */
export const HEADER = {
  ABI: 4,
  EVENT_END: 8,
  TRAP: 12,
  /** Where the field table is. */
  FIELD_TABLE: 16,
  /** How many field ids it has slots for. */
  FIELD_COUNT: 20,
  /** Where event values start. */
  EVENT_BASE: 24,
  /** How many predicates `pred_eval` dispatches to (getters follow them in the table). */
  PREDICATES: 28,
  /** The host's number for the current event (lower-case cache entries of older events are stale). */
  STAMP: 32,
  /** Where the lower-case cache is: {@link LOWER_CACHE_SLOTS} × (stamp, string, lower-cased). */
  LOWER_CACHE: 36,
  SIZE: 40,
} as const;

/** Slots of the module's per-event cache of lower-cased event strings. */
export const LOWER_CACHE_SLOTS = 256;

/** Why a module trapped, as written to the header before `unreachable`. */
export const TrapReason = { NONE: 0, FUEL: 1, MEMORY: 2 } as const;

const PAGE = 65536;

/**
 * Writes event values into a module's memory. Each value goes once per
 * event: fields are written on demand, the first time a predicate that
 * reads them runs on the event.
 */
export class EventWriter {
  readonly #memory: WebAssembly.Memory;
  readonly #tableAt: number;
  readonly #eventAt: number;
  #u8!: Uint8Array;
  #u16!: Uint16Array;
  #i32!: Int32Array;
  #f64!: Float64Array;
  #top = 0;
  /** Per field id, the stamp of the event it was last written for. */
  #written: Int32Array;
  #stamp = 0;
  #maxPages: number;

  /** Reads the layout from the module's header; `maxPages` is the memory limit. */
  constructor(memory: WebAssembly.Memory, maxPages: number) {
    this.#memory = memory;
    const header = new Int32Array(memory.buffer, 0, HEADER.SIZE >> 2);
    this.#tableAt = header[HEADER.FIELD_TABLE >> 2];
    const fields = header[HEADER.FIELD_COUNT >> 2];
    this.#eventAt = header[HEADER.EVENT_BASE >> 2];
    this.#written = new Int32Array(fields);
    this.#maxPages = maxPages;
    this.#views();
  }

  #views(): void {
    const buf = this.#memory.buffer;
    this.#u8 = new Uint8Array(buf);
    this.#u16 = new Uint16Array(buf);
    this.#i32 = new Int32Array(buf);
    this.#f64 = new Float64Array(buf);
  }

  /** Starts a new event: previously written values are forgotten. */
  reset(): void {
    // The module may have grown its memory, which detaches the old buffer (length 0).
    if (this.#u8.byteLength === 0) this.#views();
    this.#stamp++;
    this.#top = this.#eventAt;
    this.#i32[HEADER.EVENT_END >> 2] = this.#top;
    this.#i32[HEADER.STAMP >> 2] = this.#stamp;
  }

  /** How many field ids the module's table has. */
  get fieldCount(): number {
    return this.#written.length;
  }

  /** Writes field `id` of `ev` unless it was written for this event already. */
  field(id: number, ev: { get(id: number): Value | undefined }): void {
    if (this.#written[id] === this.#stamp) return;
    this.#written[id] = this.#stamp;
    if (this.#u8.byteLength === 0) this.#views();
    // The module keeps lower-cased event strings after the values: write beyond them.
    const end = this.#i32[HEADER.EVENT_END >> 2];
    if (end > this.#top) this.#top = end;
    const v = ev.get(id);
    const ptr = v === undefined ? 0 : this.#value(v);
    this.#i32[(this.#tableAt >> 2) + id] = ptr;
    this.#i32[HEADER.EVENT_END >> 2] = this.#top;
  }

  /** Reserves `bytes` (8-aligned) and returns their address; grows memory within the limit. */
  #alloc(bytes: number): number {
    const at = this.#top;
    const end = align(at + bytes);
    if (end > this.#u8.length) {
      const need = Math.ceil((end - this.#u8.length) / PAGE);
      if (this.#u8.length / PAGE + need > this.#maxPages) {
        throw new WasmMemoryError(
          `the event needs more than the wasm memory limit (${this.#maxPages / 16} MiB)`,
        );
      }
      this.#memory.grow(need);
      this.#views();
    }
    this.#top = end;
    return at;
  }

  #value(v: Value): number {
    if (v === null) return this.#scalarTag(TAG.NULL, 0);
    switch (typeof v) {
      case "boolean":
        return this.#scalarTag(TAG.BOOL, v ? 1 : 0);
      case "number": {
        const p = this.#alloc(16);
        this.#i32[p >> 2] = TAG.NUM;
        this.#f64[(p >> 3) + 1] = v;
        return p;
      }
      case "string": {
        const n = v.length;
        const p = this.#alloc(8 + n * 2);
        this.#i32[p >> 2] = TAG.STR;
        this.#i32[(p >> 2) + 1] = n;
        const u16 = this.#u16, base = (p >> 1) + 4;
        for (let i = 0; i < n; i++) u16[base + i] = v.charCodeAt(i);
        return p;
      }
      default: {
        if (!Array.isArray(v)) return this.#scalarTag(TAG.OTHER, 0);
        const n = v.length;
        const p = this.#alloc(8 + n * 4);
        this.#i32[p >> 2] = TAG.LIST;
        this.#i32[(p >> 2) + 1] = n;
        for (let i = 0; i < n; i++) {
          const x = v[i] as unknown;
          const e = x === undefined
            ? this.#scalarTag(TAG.NULL, 0)
            : isValue(x)
            ? this.#value(x)
            : this.#scalarTag(TAG.OTHER, 0);
          this.#i32[(p >> 2) + 2 + i] = e;
        }
        return p;
      }
    }
  }

  #scalarTag(tag: number, payload: number): number {
    const p = this.#alloc(8);
    this.#i32[p >> 2] = tag;
    this.#i32[(p >> 2) + 1] = payload;
    return p;
  }
}

function isValue(x: unknown): x is Value {
  return x === null || typeof x !== "object" || Array.isArray(x);
}

/** Rounds up to 8 bytes. */
export function align(n: number): number {
  return (n + 7) & ~7;
}

/** An event did not fit in the module's memory limit. */
export class WasmMemoryError extends Error {
  override name = "WasmMemoryError";
}

/** Encodes a constant value into `out` at `at` (8-aligned); returns the end offset. */
export function encodeConstant(view: DataView, at: number, v: Value): { ptr: number; end: number } {
  const ptr = at;
  if (v === null) {
    view.setInt32(at, TAG.NULL, true);
    return { ptr, end: at + 8 };
  }
  if (typeof v === "boolean") {
    view.setInt32(at, TAG.BOOL, true);
    view.setInt32(at + 4, v ? 1 : 0, true);
    return { ptr, end: at + 8 };
  }
  if (typeof v === "number") {
    view.setInt32(at, TAG.NUM, true);
    view.setFloat64(at + 8, v, true);
    return { ptr, end: at + 16 };
  }
  if (typeof v === "string") {
    view.setInt32(at, TAG.STR, true);
    view.setInt32(at + 4, v.length, true);
    for (let i = 0; i < v.length; i++) view.setUint16(at + 8 + i * 2, v.charCodeAt(i), true);
    return { ptr, end: align(at + 8 + v.length * 2) };
  }
  view.setInt32(at, TAG.LIST, true);
  view.setInt32(at + 4, v.length, true);
  let end = align(at + 8 + v.length * 4);
  v.forEach((x, i) => {
    const r = encodeConstant(view, end, x);
    view.setInt32(at + 8 + i * 4, r.ptr, true);
    end = r.end;
  });
  return { ptr, end };
}
