/**
 * The `.klog` binary event log: layout constants and the byte helpers the
 * writer and the reader share.
 *
 * ```
 * file   := header block*
 * header := magic[8] major:u16 minor:u16 length:u32 crc32:u32 json[length]
 *           json: {"engine", "host", "created", "fields": [{"name", "type", "path"?}]}
 * block  := "KBLK" length:u32 crc32:u32 payload[length]        (crc32 of payload)
 * payload:= records:u32 baseTs:i64 extraFields dictionary record*
 * extraFields := n:varint (id:varint segments:varint (len:varint utf8)*)*
 * dictionary  := n:varint bytes:varint (utf16Length:varint)* utf8[bytes]
 * record := kind:u8 length:varint body[length]
 *   event:     tsDelta:zigzag n:varint (field:varint value)*
 *   heartbeat: tsDelta:zigzag           (the live watermark advanced to baseTs + tsDelta)
 *   drops:     fromDelta:zigzag span:varint count:varint
 *              (the live sensor learnt here that `count` records were lost between
 *              baseTs + fromDelta and that + span: alerts overlapping it are degraded)
 * value  := tag:u8 payload (see {@link Tag})
 * ```
 *
 * Integers are little-endian; varints are unsigned LEB128 (up to 2^53),
 * zigzag for signed ones. Field ids index the header's field table; ids
 * past it are declared by each block that uses them, so every block reads
 * on its own: a damaged block costs only its own records. Strings live in
 * the block's dictionary, each once, and records refer to them by index.
 *
 * @module
 */
import { crc32 as zlibCrc32 } from "node:zlib";

/** First bytes of every `.klog` file (`\x89KLOG\r\n\x1a`, PNG-style: catches text-mode mangling). */
export const MAGIC: Uint8Array = new Uint8Array([0x89, 0x4b, 0x4c, 0x4f, 0x47, 0x0d, 0x0a, 0x1a]);
/** Format version this build writes. A reader refuses another major version, warns on a newer minor. */
export const FORMAT_MAJOR = 1;
/** See {@link FORMAT_MAJOR}. */
export const FORMAT_MINOR = 0;
/** Fixed part of the header: magic, versions, JSON length, CRC. */
export const HEADER_FIXED = 20;
/** `KBLK`, little-endian u32: the start of every block frame. */
export const BLOCK_MAGIC = 0x4b4c424b;
/** Block frame: magic, payload length, payload CRC. */
export const FRAME_BYTES = 12;
/** Largest block payload a reader accepts; a larger length is damage. */
export const MAX_BLOCK_BYTES = 64 << 20;
/** Largest header JSON a reader accepts. */
export const MAX_HEADER_BYTES = 16 << 20;

/** Record kinds. */
export const Kind = { EVENT: 1, HEARTBEAT: 2, DROPS: 3 } as const;

/** Value tags. */
export const Tag = {
  NULL: 0,
  FALSE: 1,
  TRUE: 2,
  /** zigzag varint: a safe integer. */
  INT: 3,
  /** 8-byte IEEE double. */
  FLOAT: 4,
  /** varint dictionary index. */
  STRING: 5,
  /** varint dictionary index of the decimal digits. */
  BIGINT: 6,
  /** varint count, then that many tagged values. */
  ARRAY: 7,
  /** `{}`, which has no leaves to carry it. */
  EMPTY_OBJECT: 8,
  /** varint dictionary index of JSON text (arrays holding objects). */
  JSON: 9,
  /** The record's own time, formatted as RFC 3339 (`@timestamp` costs no bytes). */
  TIMESTAMP: 10,
} as const;

/** The header's JSON. */
export interface KlogHeader {
  /** Kestrel version that wrote the log (replay reproducibility: same log + rules + version). */
  engine: string;
  /** Host the events come from, when known. */
  host?: { name?: string; id?: string };
  /** When the log was started (RFC 3339). */
  created: string;
  /** The field table: field id = index. `path` only when the keys are not `name` split at dots. */
  fields: { name: string; type?: string; path?: string[] }[];
}

/** CRC-32 (IEEE, as zlib and gzip) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  return zlibCrc32(bytes) >>> 0;
}

/** A growable byte buffer for the writer. */
export class ByteBuf {
  /** Backing bytes; valid up to {@link length}. */
  bytes: Uint8Array;
  /** Bytes written. */
  length = 0;
  #view: DataView;

  /** An empty buffer with `capacity` bytes reserved. */
  constructor(capacity = 64 * 1024) {
    this.bytes = new Uint8Array(capacity);
    this.#view = new DataView(this.bytes.buffer);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.#view = new DataView(next.buffer);
  }

  /** Appends one byte. */
  u8(v: number): void {
    this.reserve(1);
    this.bytes[this.length++] = v;
  }

  /** Appends a little-endian u32. */
  u32(v: number): void {
    this.reserve(4);
    this.#view.setUint32(this.length, v, true);
    this.length += 4;
  }

  /** Appends a little-endian i64. */
  i64(v: bigint): void {
    this.reserve(8);
    this.#view.setBigInt64(this.length, v, true);
    this.length += 8;
  }

  /** Appends a little-endian double. */
  f64(v: number): void {
    this.reserve(8);
    this.#view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  /** Appends an unsigned varint (0 ≤ v < 2^53). */
  varint(v: number): void {
    this.reserve(8);
    const b = this.bytes;
    while (v >= 0x80) {
      b[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[this.length++] = v;
  }

  /** Appends a signed varint (zigzag), |v| < 2^52. */
  zigzag(v: number): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** Appends raw bytes. */
  append(b: Uint8Array): void {
    this.reserve(b.length);
    this.bytes.set(b, this.length);
    this.length += b.length;
  }

  /** Appends `s` as UTF-8. */
  utf8(s: string, encoder: TextEncoder): void {
    this.reserve(s.length * 3);
    this.length += encoder.encodeInto(s, this.bytes.subarray(this.length)).written;
  }

  /** Overwrites a u32 at `at`. */
  setU32(at: number, v: number): void {
    this.#view.setUint32(at, v, true);
  }

  /** The written bytes (a view: copy before reusing the buffer). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** Forgets the contents, keeping the memory. */
  clear(): void {
    this.length = 0;
  }
}

/** A cursor reading varints from `bytes`. */
export class Cursor {
  /** The bytes read. */
  readonly bytes: Uint8Array;
  /** Next byte to read. */
  at: number;
  /** Reads stop here: a record's end, so a malformed one cannot read into the next. */
  limit: number;

  /** Reads `bytes` from `at`. */
  constructor(bytes: Uint8Array, at = 0) {
    this.bytes = bytes;
    this.at = at;
    this.limit = bytes.length;
  }

  /** An unsigned varint; throws `RangeError` past {@link limit}. */
  varint(): number {
    const b = this.bytes;
    let at = this.at;
    if (at >= this.limit) throw new RangeError("bad varint");
    let c = b[at++];
    if (c < 0x80) {
      this.at = at;
      return c;
    }
    let v = c & 0x7f, scale = 0x80;
    for (;;) {
      if (at >= this.limit || scale > 2 ** 49) throw new RangeError("bad varint");
      c = b[at++];
      v += (c & 0x7f) * scale;
      if (c < 0x80) break;
      scale *= 0x80;
    }
    this.at = at;
    return v;
  }

  /** A zigzag varint. */
  zigzag(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }
}

/** True when `bytes` starts with the klog magic. */
export function hasKlogMagic(bytes: Uint8Array): boolean {
  if (bytes.length < MAGIC.length) return false;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return false;
  return true;
}

/** Encodes the file header. */
export function encodeHeader(
  header: KlogHeader,
  major = FORMAT_MAJOR,
  minor = FORMAT_MINOR,
): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(HEADER_FIXED + json.length);
  const v = new DataView(out.buffer);
  out.set(MAGIC, 0);
  v.setUint16(8, major, true);
  v.setUint16(10, minor, true);
  v.setUint32(12, json.length, true);
  v.setUint32(16, crc32(json), true);
  out.set(json, HEADER_FIXED);
  return out;
}
