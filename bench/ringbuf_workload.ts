/**
 * The ring buffer benchmarks' shared workload (ARCHITECTURE §10: decode
 * ≥ 2,000,000 records/s from an mmap'd buffer, no FFI call per record):
 * an anonymous mapping laid out like a ring buffer map (consumer page,
 * producer page, data area twice) filled with records in the self-test
 * layout, 40–280 bytes each, and a decoder that reads every fixed field the
 * way an event decoder does (numbers now, the string only as its bounds).
 *
 * @module
 */
import {
  map,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  type Mapping,
  PROT_READ,
  PROT_WRITE,
  unmap,
} from "../ffi/libc.ts";
import { type RingMemory, RingReader } from "../ffi/ring_reader.ts";
import { RingWriter } from "../ffi/ring_writer.ts";
import { SELFTEST_HEADER } from "../ffi/selftest.ts";

const PAGE = 4096;

/** A filled synthetic ring that can be read again and again. */
export class SyntheticRing implements Disposable {
  /** Reads the records. */
  readonly reader: RingReader;
  /** Records in the ring. */
  readonly records: number;
  /** Bytes they take, headers included. */
  readonly bytes: number;
  readonly #mapping: Mapping;
  readonly #consumer: BigInt64Array;

  /** Maps `size` bytes of ring (plus its pages) and fills it to about 95%. */
  constructor(size = 4 << 20) {
    this.#mapping = map(PAGE * 2 + 2 * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    // Consumer page first, then the producer page and the data, as the kernel maps them.
    const ptr = this.#mapping.ptr;
    const memory: RingMemory = {
      consumer: Deno.UnsafePointerView.getArrayBuffer(ptr, PAGE),
      producer: Deno.UnsafePointerView.getArrayBuffer(ptr, PAGE + 2 * size, PAGE),
      dataOffset: PAGE,
      size,
    };
    const writer = new RingWriter(memory);
    let n = 0;
    const pid = 4242;
    while (writer.free() > size / 20) {
      const strLen = 16 + (n * 37) % 240;
      writer.write(SELFTEST_HEADER + strLen, (view, offset) => {
        view.setBigUint64(offset, BigInt(n), true);
        view.setUint32(offset + 8, pid, true);
        view.setUint32(offset + 12, strLen, true);
        view.setBigUint64(offset + 16, BigInt(n) * 3n, true);
        for (let i = 0; i < strLen; i++) view.setUint8(offset + SELFTEST_HEADER + i, 97 + (i % 26));
      });
      n++;
    }
    this.records = n;
    this.reader = new RingReader(memory);
    this.bytes = this.reader.backlog();
    this.#consumer = new BigInt64Array(memory.consumer, 0, 1);
  }

  /** Puts the consumer back at the start, so the same records are read again. */
  rewind(): void {
    Atomics.store(this.#consumer, 0, 0n);
  }

  /** Unmaps the ring. */
  [Symbol.dispose](): void {
    unmap(this.#mapping);
  }
}

/** What the decoder read, so the work cannot be optimised away. */
export const decoded = { records: 0, checksum: 0 };

/** Reads a self-test record's fields: seq, pid, value (as two halves) and the string's bounds. */
export function decodeRecord(view: DataView, offset: number, length: number): void {
  const seq = view.getUint32(offset, true);
  const pid = view.getUint32(offset + 8, true);
  const strLen = view.getUint32(offset + 12, true);
  const valueLo = view.getUint32(offset + 16, true);
  const valueHi = view.getUint32(offset + 20, true);
  const strEnd = offset + SELFTEST_HEADER + Math.min(strLen, length - SELFTEST_HEADER);
  decoded.records++;
  decoded.checksum = (decoded.checksum + seq + pid + valueLo + valueHi + strEnd) | 0;
}
