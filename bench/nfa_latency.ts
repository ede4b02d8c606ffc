/**
 * Per-event latency and memory of the sequence engine (ARCHITECTURE §10:
 * 10,000 live partial matches, every timed event advances or probes one;
 * budget p99 < 10 µs per event and < 512 B per partial match).
 *
 * Workload: `sequence by host with maxspan=1h [a] [b] [c]` over 10,000
 * hosts. After a warm-up pass of `a` then `b` every host waits at stage 2;
 * events then cycle through the hosts with types `a` (starts a second
 * partial match), `c` (completes the stage-2 one), `b` (advances the
 * stage-1 one), so 10,000–20,000 partial matches are live throughout and
 * every event starts, advances or completes one. Each timed event also moves
 * the watermark, as the engine does.
 *
 * Run: `deno run --v8-flags=--expose-gc bench/nfa_latency.ts [events]`.
 *
 * @module
 */
import type { Event } from "../engine/event.ts";
import type { Value } from "../eql/value.ts";
import { type CompiledStep, makeKey, SequenceEngine, type SequenceSpec } from "../engine/nfa.ts";

const TYPE = 0;
const HOST = 1;

/** The smallest useful event: a time, a position, a type and a host. */
export class TinyEvent implements Event {
  readonly timestamp: bigint;
  readonly seq: number;
  readonly type: string;
  readonly host: string;

  /** An event of `type` on `host` at `timestamp`. */
  constructor(timestamp: bigint, seq: number, type: string, host: string) {
    this.timestamp = timestamp;
    this.seq = seq;
    this.type = type;
    this.host = host;
  }

  /** Field 0 is the type, field 1 the host. */
  get(id: number): Value | undefined {
    return id === TYPE ? this.type : id === HOST ? this.host : undefined;
  }

  /** The event as JSON. */
  toJSON(): Record<string, unknown> {
    return { type: this.type, host: this.host };
  }
}

function step(type: string): CompiledStep {
  return {
    matches: (ev) => ev.get(TYPE) === type,
    key: (ev) => makeKey([ev.get(HOST)], [false]),
    missing: false,
  };
}

/** The benchmark rule: a three-step sequence by host within an hour. */
export function benchSpec(): SequenceSpec {
  return {
    ruleId: "bench",
    kind: "sequence",
    steps: [step("a"), step("b"), step("c")],
    maxspanNs: 3_600_000_000_000n,
  };
}

/** Quotas large enough that the workload never evicts. */
export const BENCH_QUOTAS = {
  maxPartialMatches: 1_000_000,
  maxPerRule: 1_000_000,
  maxPerEntity: 100,
};

const CYCLE = ["a", "c", "b"];

/**
 * Events of the workload over `entities` hosts: the warm-up (`a` then `b`
 * for every host) and `count` cycling events after it, 1 µs apart.
 */
export function workload(
  entities: number,
  count: number,
): { warmup: TinyEvent[]; timed: TinyEvent[] } {
  const hosts = Array.from({ length: entities }, (_, i) => `host-${i}`);
  let seq = 0;
  const next = (type: string, e: number) =>
    new TinyEvent(BigInt(seq) * 1000n, seq++, type, hosts[e]);
  const warmup: TinyEvent[] = [];
  for (const type of ["a", "b"]) for (let e = 0; e < entities; e++) warmup.push(next(type, e));
  const timed: TinyEvent[] = [];
  for (let i = 0; i < count; i++) {
    timed.push(next(CYCLE[Math.floor(i / entities) % 3], i % entities));
  }
  return { warmup, timed };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");
  for (let i = 0; i < 3; i++) gc();
  return Deno.memoryUsage().heapUsed;
}

/** Measures per-event latency; returns p50, p99 and max in µs. */
function latency(entities: number, count: number, warmCount: number) {
  const { warmup, timed } = workload(entities, warmCount + count);
  let matches = 0;
  const engine = new SequenceEngine([benchSpec()], BENCH_QUOTAS, () => matches++);
  for (const ev of warmup) {
    engine.advanceWatermark(ev.timestamp);
    engine.process(ev);
  }
  const samples = new Float64Array(count);
  let minLive = Infinity;
  for (let i = 0; i < timed.length; i++) {
    const ev = timed[i];
    const t0 = performance.now();
    engine.advanceWatermark(ev.timestamp);
    engine.process(ev);
    const dt = performance.now() - t0;
    if (i >= warmCount) samples[i - warmCount] = dt * 1000;
    if (i % 1000 === 0) minLive = Math.min(minLive, engine.stats().active);
  }
  samples.sort();
  return {
    p50: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
    p999: percentile(samples, 0.999),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    minLive,
    matches,
  };
}

/** Heap bytes per live partial match, without and with the events they hold. */
function memory(entities: number) {
  const before = heap();
  const { warmup } = workload(entities, 0);
  const withEvents = heap();
  const engine = new SequenceEngine([benchSpec()], BENCH_QUOTAS, () => {});
  for (const ev of warmup) {
    engine.advanceWatermark(ev.timestamp);
    engine.process(ev);
  }
  const after = heap();
  const live = engine.stats().active;
  // Keep both alive across the last measurement.
  if (warmup.length === 0 || live === 0) throw new Error("empty workload");
  return {
    live,
    eventsPerPartial: warmup.length / live,
    engineOnly: (after - withEvents) / live,
    withEvents: (after - before) / live,
  };
}

if (import.meta.main) {
  const count = Number(Deno.args[0] ?? 300_000);
  const r = latency(10_000, count, 100_000);
  console.log(
    `NFA latency: 3-step sequence by host, 10,000 entities, ${count} timed events after 100,000 warm-up`,
  );
  console.log(`  live partial matches (min): ${r.minLive}; matches: ${r.matches}`);
  console.log(
    `  per event: p50 ${r.p50.toFixed(2)} µs, p99 ${r.p99.toFixed(2)} µs, p99.9 ${
      r.p999.toFixed(2)
    } µs, mean ${r.mean.toFixed(2)} µs`,
  );
  for (const n of [10_000, 100_000]) {
    const m = memory(n);
    console.log(
      `NFA memory: ${m.live} partial matches at stage 2 (${m.eventsPerPartial} events each): ` +
        `${m.engineOnly.toFixed(0)} B each excluding events, ${
          m.withEvents.toFixed(0)
        } B including events`,
    );
  }
}
