/**
 * Builds kernel records byte by byte as `ebpf/events.h` lays them out (the
 * offsets here are written from the header file, not taken from the
 * decoder's layout table, so a wrong table fails the tests), and passes
 * them through a ring buffer in the kernel's format to a decoder.
 *
 * @module
 */
import { RingReader } from "../../ffi/ring_reader.ts";
import { RingWriter } from "../../ffi/ring_writer.ts";
import type { RecordDecoder, RecordEvent } from "../../engine/decode.ts";

/** Header values of a record (`struct kestrel_hdr`). */
export interface Header {
  type: number;
  tgid: number;
  tid?: number;
  ppid: number;
  startNs: bigint;
  parentStartNs: bigint;
  ktime: bigint;
  uid?: number;
  gid?: number;
  euid?: number;
  egid?: number;
  sid: number;
  pgid: number;
  comm: string;
  cgroupId?: bigint;
  mntns?: number;
  pidns?: number;
  auid?: number;
  trunc?: number;
}

const encoder = new TextEncoder();

/** One record under construction: fixed fields by offset, variable data appended. */
export class Rec {
  readonly bytes = new Uint8Array(24576);
  readonly view = new DataView(this.bytes.buffer);
  #tail: number;

  /** A record of `fixedSize` bytes (header included) with header `h`. */
  constructor(h: Header, fixedSize: number) {
    this.#tail = fixedSize;
    const v = this.view;
    v.setUint16(0, h.type, true);
    v.setUint8(2, 1); // KESTREL_EVENTS_VERSION
    v.setUint8(3, 0);
    v.setBigUint64(8, h.ktime, true);
    v.setBigUint64(16, h.startNs, true);
    v.setBigUint64(24, h.parentStartNs, true);
    v.setBigUint64(32, h.cgroupId ?? 0n, true);
    v.setUint32(40, h.tgid, true);
    v.setUint32(44, h.tid ?? h.tgid, true);
    v.setUint32(48, h.ppid, true);
    v.setUint32(52, h.uid ?? 1000, true);
    v.setUint32(56, h.gid ?? 1000, true);
    v.setUint32(60, h.euid ?? h.uid ?? 1000, true);
    v.setUint32(64, h.egid ?? h.gid ?? 1000, true);
    v.setUint32(68, h.sid, true);
    v.setUint32(72, h.pgid, true);
    v.setUint32(76, h.mntns ?? 4026531841, true);
    v.setUint32(80, h.pidns ?? 4026531836, true);
    v.setUint32(84, h.auid ?? 0xffff_ffff, true);
    this.bytes.set(encoder.encode(h.comm).subarray(0, 16), 88);
    v.setUint32(104, h.trunc ?? 0, true);
    v.setUint32(108, 0, true);
  }

  /** Sets a u8 at `off`. */
  u8(off: number, value: number): this {
    this.view.setUint8(off, value);
    return this;
  }

  /** Sets a little-endian u16 at `off`. */
  u16(off: number, value: number): this {
    this.view.setUint16(off, value, true);
    return this;
  }

  /** Sets a little-endian u32 at `off`. */
  u32(off: number, value: number): this {
    this.view.setUint32(off, value, true);
    return this;
  }

  /** Sets a little-endian s32 at `off`. */
  i32(off: number, value: number): this {
    this.view.setInt32(off, value, true);
    return this;
  }

  /** Sets a little-endian u64 at `off`. */
  u64(off: number, value: bigint): this {
    this.view.setBigUint64(off, value, true);
    return this;
  }

  /** Copies `data` to `off` (fixed arrays: addresses, names). */
  raw(off: number, data: Uint8Array | number[]): this {
    this.bytes.set(data, off);
    return this;
  }

  /** Appends `value` and points the `kestrel_str` at `desc` to it. */
  str(desc: number, value: string | Uint8Array): this {
    const data = typeof value === "string" ? encoder.encode(value) : value;
    this.bytes.set(data, this.#tail);
    this.u16(desc, this.#tail).u16(desc + 2, data.length);
    this.#tail += data.length;
    return this;
  }

  /** Appends a NUL-separated list (argv, env) and points the `kestrel_str` at `desc` to it. */
  list(desc: number, items: string[]): this {
    return this.str(desc, items.join("\0"));
  }

  /** Appends `value` and fills the `kestrel_path` at `desc`. */
  path(desc: number, value: string, baseLen = 0, flags = 0): this {
    this.str(desc, value);
    return this.u16(desc + 4, baseLen).u16(desc + 6, flags);
  }

  /** The finished record: `hdr.size` set to its length. */
  done(): Uint8Array {
    this.u32(4, this.#tail);
    return this.bytes.slice(0, this.#tail);
  }
}

/** A decoded record and the ring memory it was read from. */
export interface Decoded {
  /** What the decoder returned. */
  event: RecordEvent | undefined;
  /** The ring's data bytes (to overwrite them, as the kernel would after the ring advances). */
  ring: Uint8Array;
}

/** Writes `record` into a fresh ring buffer and decodes it where it lies in the ring. */
export function throughRing(decoder: RecordDecoder, record: Uint8Array): Decoded {
  let size = 4096;
  while (size < record.length + 64) size *= 2;
  const memory = RingWriter.memory(size);
  const writer = new RingWriter(memory);
  const ok = writer.write(record.length, (view, offset) => {
    new Uint8Array(view.buffer, view.byteOffset + offset, record.length).set(record);
  });
  if (!ok) throw new Error("ring full");
  let event: RecordEvent | undefined;
  let calls = 0;
  new RingReader(memory).consume((view, offset, length) => {
    calls++;
    event = decoder.decode(view, offset, length);
  });
  if (calls !== 1) throw new Error(`expected one record, read ${calls}`);
  return { event, ring: new Uint8Array(memory.producer, memory.dataOffset) };
}

/** Decodes `record` through a ring and returns the event (failing when there is none). */
export function decodeOne(decoder: RecordDecoder, record: Uint8Array): RecordEvent {
  const { event } = throughRing(decoder, record);
  if (event === undefined) throw new Error(`no event (stats ${JSON.stringify(decoder.stats)})`);
  return event;
}

/** IPv4 address bytes in network order, zero-padded to 16. */
export function v4(a: string): number[] {
  return [...a.split(".").map(Number), ...new Array(12).fill(0)];
}

/** IPv6 address bytes (full eight-group form) in network order. */
export function v6(a: string): number[] {
  const groups = a.split(":").map((g) => parseInt(g, 16));
  if (groups.length !== 8) throw new Error(`write all eight groups: ${a}`);
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}
