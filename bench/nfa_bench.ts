/**
 * `deno bench`: the sequence engine with 10,000 live partial matches
 * (ARCHITECTURE §10; per-event percentiles and memory: `bench/nfa_latency.ts`).
 *
 * @module
 */
import { makeKey, SequenceEngine } from "../engine/nfa.ts";
import { BENCH_QUOTAS, benchSpec, TinyEvent, workload } from "./nfa_latency.ts";

const ENTITIES = 10_000;

// One full cycle (a, c, b over every host) returns the state to where it
// started, so each iteration replays the same 30,000 events against 10,000+
// live partial matches.
{
  const { warmup, timed } = workload(ENTITIES, 3 * ENTITIES);
  const engine = new SequenceEngine([benchSpec()], BENCH_QUOTAS, () => {});
  for (const ev of warmup) engine.process(ev);
  Deno.bench("sequence: 30,000 events over 10,000 live partial matches", {
    group: "nfa",
    baseline: true,
  }, () => {
    for (let i = 0; i < timed.length; i++) {
      const ev = timed[i];
      engine.advanceWatermark(ev.timestamp);
      engine.process(ev);
    }
  });
}

// Every event opens a partial match for a new key under a full store: the eviction path.
{
  const quotas = { maxPartialMatches: ENTITIES, maxPerRule: ENTITIES, maxPerEntity: 100 };
  const engine = new SequenceEngine([benchSpec()], quotas, () => {});
  let seq = 0;
  const fresh = () => new TinyEvent(BigInt(seq) * 1000n, seq, "a", `key-${seq++}`);
  for (let i = 0; i < ENTITIES; i++) engine.process(fresh());
  const batch = Array.from({ length: 30_000 }, fresh);
  // 30,000 keys cycle through a store of 10,000: each key has been evicted before it recurs.
  Deno.bench("sequence: 30,000 events opening absent keys in a full store (evicting)", {
    group: "nfa",
  }, () => {
    for (let i = 0; i < batch.length; i++) engine.process(batch[i]);
  });
}

Deno.bench("makeKey: one string", { group: "key" }, () => {
  makeKey(["host-1234"], [false]);
});

Deno.bench("makeKey: string and number", { group: "key" }, () => {
  makeKey(["host-1234", 4242], [false, false]);
});
