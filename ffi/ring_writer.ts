/**
 * A producer of BPF ring buffer records in the kernel's format over plain
 * memory, for tests and benchmarks of everything that reads records (the
 * reader, the decoder) without a kernel. It plays the kernel's part of
 * `./ring_reader.ts`'s format, including the double mapping: a record that
 * runs past the end of the data area is also written at its start.
 *
 * @module
 */
import {
  recordSpan,
  RINGBUF_BUSY_BIT,
  RINGBUF_DISCARD_BIT,
  RINGBUF_HDR_SIZE,
  type RingMemory,
} from "./ring_reader.ts";

/** Fills a reserved record's payload at `view[offset, offset + length)`. */
export type RecordFiller = (view: DataView, offset: number, length: number) => void;

/** Writes records as the kernel's `bpf_ringbuf_reserve`/`submit`/`discard` do. */
export class RingWriter {
  readonly #consumer: BigInt64Array;
  readonly #producer: BigInt64Array;
  readonly #headers: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #base: number;
  readonly #size: number;

  /** Writes into `memory` (the layout `RingReader` reads). */
  constructor(memory: RingMemory) {
    this.#consumer = new BigInt64Array(memory.consumer, 0, 1);
    this.#producer = new BigInt64Array(memory.producer, 0, 1);
    this.#headers = new Int32Array(memory.producer);
    this.#bytes = new Uint8Array(memory.producer);
    this.#view = new DataView(memory.producer);
    this.#base = memory.dataOffset;
    this.#size = memory.size;
  }

  /** Fresh zeroed memory for a ring of `size` bytes (data area after one 4 KiB page, twice). */
  static memory(size: number): RingMemory {
    const page = 4096;
    return {
      consumer: new ArrayBuffer(page),
      producer: new ArrayBuffer(page + 2 * size),
      dataOffset: page,
      size,
    };
  }

  /** Free bytes: what the consumer has not yet handed back is in use. */
  free(): number {
    return this.#size - Number(Atomics.load(this.#producer, 0) - Atomics.load(this.#consumer, 0));
  }

  /**
   * Reserves a record of `length` payload bytes (header marked BUSY) and
   * advances the producer position; returns the payload's offset in the
   * producer memory, or -1 when the ring is full.
   */
  reserve(length: number): number {
    const span = recordSpan(length);
    if (span > this.free()) return -1;
    const pos = Atomics.load(this.#producer, 0);
    const hdr = this.#base + Number(pos & BigInt(this.#size - 1));
    Atomics.store(this.#headers, hdr >> 2, (length | RINGBUF_BUSY_BIT) | 0);
    this.#headers[(hdr >> 2) + 1] = 0; // page offset: unused by readers
    Atomics.store(this.#producer, 0, pos + BigInt(span));
    return hdr + RINGBUF_HDR_SIZE;
  }

  /** Commits the record at payload `offset` (from `reserve`), or marks it discarded. */
  commit(offset: number, discard = false): void {
    const hdr = offset - RINGBUF_HDR_SIZE;
    const length = this.#headers[hdr >> 2] & 0x3fff_ffff;
    // Mirror what ran past the end into the start, as the second mapping would show it.
    const end = hdr + recordSpan(length);
    const limit = this.#base + this.#size;
    if (end > limit) this.#bytes.copyWithin(this.#base, limit, end);
    Atomics.store(this.#headers, hdr >> 2, (length | (discard ? RINGBUF_DISCARD_BIT : 0)) | 0);
  }

  /** Reserves, fills and commits one record; false when the ring is full. */
  write(length: number, fill: RecordFiller): boolean {
    const offset = this.reserve(length);
    if (offset < 0) return false;
    fill(this.#view, offset, length);
    this.commit(offset);
    return true;
  }
}
