/**
 * Reading the kernel-side counters every Kestrel BPF object keeps. The
 * contract is `ebpf/events.h` ("kestrel_counters"):
 *
 * - map `kestrel_counters`, `BPF_MAP_TYPE_PERCPU_ARRAY`, key `__u32` counter
 *   id, value `__u64` per CPU (each CPU increments its own slot without
 *   atomics; user space sums the CPUs);
 * - id = `event_type * 4 + kind`, kinds `produced` (committed to the ring
 *   buffer), `filtered` (suppressed in the kernel on purpose), `dropped`
 *   (`bpf_ringbuf_output`/`reserve` failed: the ring was full and the record
 *   is lost), `truncated` (produced with variable data cut);
 * - ids from `event types × 4` on are counters that belong to no event type;
 * - counters only grow; readers take differences between reads.
 *
 * The ring buffer itself counts no losses: these counters are the only
 * source for "dropped".
 *
 * @module
 */
import type { BpfMap } from "./libbpf.ts";

/** Name of the counters map in every Kestrel BPF object. */
export const COUNTERS_MAP = "kestrel_counters";

/** Counter kinds, the low part of a counter id. */
export const CounterKind = { produced: 0, filtered: 1, dropped: 2, truncated: 3 } as const;

/** Number of kinds per event type. */
export const COUNTER_KINDS = 4;

/** The counts of one event type. */
export type TypeCounters = Record<keyof typeof CounterKind, bigint>;

/** The counter id of `kind` for `eventType`. */
export function counterId(eventType: number, kind: keyof typeof CounterKind): number {
  return eventType * COUNTER_KINDS + CounterKind[kind];
}

const key = new Uint8Array(4);
const keyView = new DataView(key.buffer);

/** Sum over the CPUs of counter `id` (0 when the map has no such id). */
export function readCounter(map: BpfMap, id: number): bigint {
  keyView.setUint32(0, id, true);
  const perCpu = map.lookupPerCpu(key);
  let sum = 0n;
  for (const v of perCpu ?? []) {
    sum += new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0, true);
  }
  return sum;
}

/** The counters of event types `0 … eventTypes - 1`, index = event type. */
export function readCounters(map: BpfMap, eventTypes: number): TypeCounters[] {
  const out: TypeCounters[] = [];
  for (let t = 0; t < eventTypes; t++) {
    out.push({
      produced: readCounter(map, counterId(t, "produced")),
      filtered: readCounter(map, counterId(t, "filtered")),
      dropped: readCounter(map, counterId(t, "dropped")),
      truncated: readCounter(map, counterId(t, "truncated")),
    });
  }
  return out;
}
