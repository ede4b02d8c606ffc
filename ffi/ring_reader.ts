/**
 * Walks records of a BPF ring buffer laid out as the kernel lays it out,
 * over memory the caller provides (the mapped pages of a ring buffer map, or
 * a synthetic buffer in tests and benchmarks). No FFI call per record.
 *
 * Kernel format (include/uapi/linux/bpf.h, kernel/bpf/ringbuf.c):
 * - consumer page: u64 consumer position, written by user space;
 * - producer page: u64 producer position, written by the kernel;
 * - data area of `size` bytes (a power of 2), mapped twice back to back so a
 *   record that wraps around the end is contiguous in memory;
 * - each record: u32 length (bit 31 BUSY: reserved, not yet committed;
 *   bit 30 DISCARD: skip it), u32 page offset (kernel use), then the
 *   payload; records start 8-byte aligned.
 * Positions only grow; `position & (size - 1)` is the offset in the data area.
 *
 * @module
 */

/** The record header's BUSY bit: the producer has not committed the record yet. */
export const RINGBUF_BUSY_BIT = 0x8000_0000;
/** The record header's DISCARD bit: the producer dropped the record; skip it. */
export const RINGBUF_DISCARD_BIT = 0x4000_0000;
/** Bytes of a record header. */
export const RINGBUF_HDR_SIZE = 8;

/**
 * Receives one record: its payload is `view` bytes `[offset, offset + length)`.
 * The view is over the ring's memory: read what is needed before returning;
 * the space is handed back to the kernel after the batch.
 */
export type RecordHandler = (view: DataView, offset: number, length: number) => void;

/** Total bytes a record with a `length`-byte payload takes in the ring. */
export function recordSpan(length: number): number {
  return (length + RINGBUF_HDR_SIZE + 7) & ~7;
}

/** The memory a `RingReader` walks. */
export interface RingMemory {
  /** At least 8 bytes; the consumer position is the u64 at offset 0. */
  consumer: ArrayBuffer;
  /** The producer position (u64 at offset 0), then the data area at `dataOffset`, twice. */
  producer: ArrayBuffer;
  /** Byte offset of the data area in `producer` (the page size for a real map). */
  dataOffset: number;
  /** Size of the data area: a power of 2. */
  size: number;
}

/** Reads records between the consumer and producer positions and advances the consumer. */
export class RingReader {
  /** Size of the data area in bytes. */
  readonly size: number;
  readonly #consumer: BigInt64Array;
  readonly #producer: BigInt64Array;
  readonly #headers: Int32Array;
  readonly #view: DataView;
  readonly #base: number;
  readonly #mask: bigint;

  /** Wraps `memory`; nothing is copied. */
  constructor(memory: RingMemory) {
    const { size, dataOffset } = memory;
    if (size < 8 || (size & (size - 1)) !== 0) {
      throw new RangeError(`ring size ${size} is not a power of 2`);
    }
    if (dataOffset % 8 !== 0) {
      throw new RangeError(`data offset ${dataOffset} is not 8-byte aligned`);
    }
    if (memory.producer.byteLength < dataOffset + 2 * size) {
      throw new RangeError("producer memory must hold the data area twice");
    }
    this.size = size;
    this.#consumer = new BigInt64Array(memory.consumer, 0, 1);
    this.#producer = new BigInt64Array(memory.producer, 0, 1);
    this.#headers = new Int32Array(memory.producer);
    this.#view = new DataView(memory.producer);
    this.#base = dataOffset;
    this.#mask = BigInt(size - 1);
  }

  /** The consumer position. */
  get consumerPosition(): bigint {
    return Atomics.load(this.#consumer, 0);
  }

  /** The producer position. */
  get producerPosition(): bigint {
    return Atomics.load(this.#producer, 0);
  }

  /** Bytes produced and not yet consumed (committed or not). */
  backlog(): number {
    return Number(Atomics.load(this.#producer, 0) - Atomics.load(this.#consumer, 0));
  }

  /** True when a record is ready at the head: produced and not BUSY (discarded ones count). */
  pending(): boolean {
    const cons = Atomics.load(this.#consumer, 0);
    if (Atomics.load(this.#producer, 0) <= cons) return false;
    return Atomics.load(this.#headers, (this.#base + Number(cons & this.#mask)) >> 2) >= 0;
  }

  /**
   * Hands every committed record up to the producer position (at most
   * `maxRecords`) to `onRecord`, skipping discarded ones and stopping at a
   * BUSY one, then advances the consumer position once. A record whose
   * handler throws counts as consumed. Returns the records handed over.
   */
  consume(onRecord: RecordHandler, maxRecords = Infinity): number {
    const start = Atomics.load(this.#consumer, 0);
    const avail = Number(Atomics.load(this.#producer, 0) - start);
    if (avail <= 0) return 0;
    const size = this.size, base = this.#base, headers = this.#headers, view = this.#view;
    let off = Number(start & this.#mask);
    let done = 0;
    let n = 0;
    try {
      while (done < avail && n < maxRecords) {
        const hdr = base + off;
        const len = Atomics.load(headers, hdr >> 2); // acquire: the payload is complete
        if (len < 0) break; // BUSY is bit 31: the sign
        const length = len & 0x3fff_ffff;
        const span = (length + RINGBUF_HDR_SIZE + 7) & ~7;
        done += span;
        off += span;
        if (off >= size) off -= size;
        if ((len & RINGBUF_DISCARD_BIT) === 0) {
          n++;
          onRecord(view, hdr + RINGBUF_HDR_SIZE, length);
        }
      }
    } finally {
      // One release store per batch hands the space back to the kernel.
      if (done > 0) Atomics.store(this.#consumer, 0, start + BigInt(done));
    }
    return n;
  }
}
