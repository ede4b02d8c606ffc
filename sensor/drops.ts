/**
 * Lost records: the ring buffer counts none, the BPF programs count them
 * per type in `kestrel_counters` (kind `dropped`). The tracker reads those
 * counters before each batch and, when one grew, remembers the interval of
 * event time since the previous read: the lost records were produced in it.
 * An alert whose events span such an interval is degraded (ARCHITECTURE §2).
 *
 * Reading before a batch is what makes the marking sound: every record of
 * the batch was committed before the read, so a drop that could sit inside
 * a match's span is already known when the match is reported.
 *
 * @module
 */
import type { BpfMap } from "../ffi/libbpf.ts";
import { counterId, readCounter } from "../ffi/counters.ts";

/** Reads the dropped counter of one record type. */
export type DroppedReader = (type: number) => bigint;

/** The dropped counters of `kestrel_counters` (summed over the CPUs). */
export function droppedCounters(map: BpfMap): DroppedReader {
  return (type) => readCounter(map, counterId(type, "dropped"));
}

/** An interval of event time (epoch ns, inclusive) in which records were lost. */
export interface DropInterval {
  from: bigint;
  to: bigint;
  /** Records lost in it. */
  count: bigint;
}

/** Intervals kept: enough for any span a sequence can hold while drops repeat. */
const MAX_INTERVALS = 1024;

/** Follows the dropped counters and the intervals they grew in. */
export class DropTracker {
  readonly #read: DroppedReader;
  #types: number[] = [];
  readonly #last = new Map<number, bigint>();
  readonly #intervals: DropInterval[] = [];
  #checkedAt: bigint;
  /** Records lost since the tracker started. */
  total = 0n;

  /** Tracks the types in `types` through `read`, starting at event time `nowNs`. */
  constructor(read: DroppedReader, types: readonly number[], nowNs: bigint) {
    this.#read = read;
    this.#checkedAt = nowNs;
    this.setTypes(types);
  }

  /** Changes the tracked types (after a reload); new ones start from their current count. */
  setTypes(types: readonly number[]): void {
    this.#types = [...types];
    for (const t of types) {
      if (!this.#last.has(t)) this.#last.set(t, this.#read(t));
    }
  }

  /**
   * Reads the counters at event time `nowNs`; when records were lost since
   * the last check, records the interval and returns how many.
   */
  check(nowNs: bigint): bigint {
    let lost = 0n;
    for (const t of this.#types) {
      const v = this.#read(t);
      const before = this.#last.get(t) ?? 0n;
      if (v > before) lost += v - before;
      this.#last.set(t, v);
    }
    const from = this.#checkedAt;
    this.#checkedAt = nowNs > from ? nowNs : from;
    if (lost > 0n) {
      this.total += lost;
      this.#intervals.push({ from, to: this.#checkedAt, count: lost });
      if (this.#intervals.length > MAX_INTERVALS) this.#intervals.shift();
    }
    return lost;
  }

  /** True when `[first, last]` (event time) overlaps an interval with lost records. */
  overlaps(first: bigint, last: bigint): boolean {
    // Newest first: live matches are recent.
    for (let i = this.#intervals.length - 1; i >= 0; i--) {
      const d = this.#intervals[i];
      if (first <= d.to && last >= d.from) return true;
    }
    return false;
  }

  /** The intervals remembered, oldest first. */
  intervals(): readonly DropInterval[] {
    return this.#intervals;
  }
}
