/**
 * The self-test BPF program (`ebpf/selftest.bpf.c`): a producer whose records
 * the caller chooses, for testing the ring buffer path end to end and for
 * benchmarks. Record layout (little endian):
 *
 * | offset | field   | type                          |
 * |--------|---------|-------------------------------|
 * | 0      | seq     | u64, per registered thread    |
 * | 8      | pid     | u32                           |
 * | 12     | str_len | u32                           |
 * | 16     | value   | u64, from the trigger         |
 * | 24     | str     | `str_len` bytes, no NUL       |
 *
 * @module
 */
import { BpfObject } from "./libbpf.ts";
import { COUNTER_KINDS, COUNTERS_MAP, readCounter, readCounters } from "./counters.ts";
import { libc } from "./libc.ts";
import { RingBuffer } from "./ringbuf.ts";

/** prctl option that triggers the program ("KEST"). */
export const SELFTEST_MAGIC = 0x4b455354;
/** Trigger flag: reserve a record and discard it. */
export const SELFTEST_FLAG_DISCARD = 1;
/** `value` of the records the uprobe program emits ("uprobe"). */
export const SELFTEST_UPROBE_VALUE = 0x7570726f6265n;
/** Bytes before the string. */
export const SELFTEST_HEADER = 24;
/** Longest string carried (the program's buffer holds 256 bytes with the NUL). */
export const SELFTEST_STR_MAX = 255;
/** Program names. */
export const SELFTEST_PROGRAMS = { prctl: "selftest_prctl", uprobe: "selftest_uprobe" } as const;

/** The self-test's counters (`kestrel_counters`, event type 0, plus its own). */
export interface SelftestCounters {
  /** Records committed. */
  produced: bigint;
  /** Triggers from threads not registered. */
  filtered: bigint;
  /** Records lost: the ring was full. */
  dropped: bigint;
  /** Records reserved and discarded (`SELFTEST_FLAG_DISCARD`). */
  discarded: bigint;
}

/** One decoded record. */
export interface SelftestRecord {
  /** Sequence number, per registered thread. */
  seq: bigint;
  /** Process that triggered it. */
  pid: number;
  /** The trigger's value. */
  value: bigint;
  /** The trigger's string. */
  str: string;
}

const decoder = new TextDecoder();

/** Decodes the record at `view[offset, offset + length)`. */
export function decodeSelftest(view: DataView, offset: number, length: number): SelftestRecord {
  const strLen = Math.min(view.getUint32(offset + 12, true), length - SELFTEST_HEADER);
  return {
    seq: view.getBigUint64(offset, true),
    pid: view.getUint32(offset + 8, true),
    value: view.getBigUint64(offset + 16, true),
    str: decoder.decode(
      new Uint8Array(view.buffer, view.byteOffset + offset + SELFTEST_HEADER, strLen),
    ),
  };
}

const encoder = new TextEncoder();

/** Options of `Selftest.open`. */
export interface SelftestOptions {
  /** Ring buffer size in bytes (power of 2, ≥ a page; default 1 MiB). */
  ringSize?: number;
  /** Attach the tracepoint program (default true). */
  attach?: boolean;
}

/** The loaded self-test object with its ring buffer, for this process. */
export class Selftest implements Disposable {
  /** The BPF object. */
  readonly obj: BpfObject;
  /** Its ring buffer, mapped. */
  readonly ring: RingBuffer;

  private constructor(obj: BpfObject, ring: RingBuffer) {
    this.obj = obj;
    this.ring = ring;
  }

  /** Loads `bytes` (the built `selftest.bpf.o`), registers the calling thread and attaches the tracepoint. */
  static open(bytes: Uint8Array, options: SelftestOptions = {}): Selftest {
    const obj = BpfObject.openMem(bytes, "selftest");
    let ring: RingBuffer | null = null;
    try {
      const events = obj.map("selftest_events");
      if (options.ringSize !== undefined) events.setMaxEntries(options.ringSize);
      obj.load();
      ring = RingBuffer.open(events.fd, events.maxEntries);
      const self = new Selftest(obj, ring);
      self.register(libc().gettid());
      if (options.attach ?? true) obj.attach(SELFTEST_PROGRAMS.prctl);
      return self;
    } catch (e) {
      ring?.close();
      obj.close();
      throw e;
    }
  }

  /** Lets thread `tid` trigger records, its sequence restarting at `firstSeq`. */
  register(tid: number, firstSeq = 0n): void {
    const key = new Uint8Array(4), value = new Uint8Array(8);
    new DataView(key.buffer).setUint32(0, tid, true);
    new DataView(value.buffer).setBigUint64(0, firstSeq, true);
    this.obj.map("selftest_tids").update(key, value);
  }

  /** The self-test's counters. */
  counters(): SelftestCounters {
    const map = this.obj.map(COUNTERS_MAP);
    const { produced, filtered, dropped } = readCounters(map, 1)[0];
    // The one counter after the event type's four.
    return { produced, filtered, dropped, discarded: readCounter(map, COUNTER_KINDS) };
  }

  /** Closes the ring, then the object (links first). */
  close(): void {
    this.ring.close();
    this.obj.close();
  }

  /** Same as `close`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** A string for `trigger`, NUL-terminated and at a stable address. */
export function triggerString(s: string): Uint8Array {
  return encoder.encode(s + "\0");
}

/**
 * Makes the calling thread emit `count` records (`value`, `str`), or with
 * `SELFTEST_FLAG_DISCARD` one reserved-and-discarded record. One syscall;
 * nothing happens unless the program is attached and the thread registered.
 */
export function trigger(value: bigint, str: Uint8Array | null = null, count = 1, flags = 0): void {
  const ptr = str === null ? 0n : BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(str)));
  libc().prctl(SELFTEST_MAGIC, value, ptr, BigInt(count), BigInt(flags));
}
