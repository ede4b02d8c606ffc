import { deepStrictEqual, equal, ok as assert, throws } from "node:assert/strict";
import type { Event } from "../../engine/event.ts";
import type { Value } from "../../eql/value.ts";
import {
  type CompiledStep,
  expandRuns,
  makeKey,
  type Quotas,
  SequenceEngine,
  type SequenceMatch,
  type SequenceSpec,
} from "../../engine/nfa.ts";

// Field ids of the fake events.
const TYPE = 0;
const HOST = 1;
const USER = 2;
const PID = 3;
const PPID = 4;

/** A minimal event: a timestamp, a position and a field map. */
class FakeEvent implements Event {
  readonly timestamp: bigint;
  readonly seq: number;
  readonly #fields: Map<number, Value>;

  constructor(timestamp: bigint, seq: number, fields: Map<number, Value>) {
    this.timestamp = timestamp;
    this.seq = seq;
    this.#fields = fields;
  }

  get(id: number): Value | undefined {
    return this.#fields.get(id);
  }

  toJSON(): Record<string, unknown> {
    return Object.fromEntries(this.#fields);
  }
}

/** `ev(seq, t, "a", { host: "h1" })`. */
function ev(
  seq: number,
  t: number | bigint,
  type: string,
  f: { host?: Value; user?: Value; pid?: Value; ppid?: Value } = { host: "h1" },
): FakeEvent {
  const m = new Map<number, Value>([[TYPE, type]]);
  if (f.host !== undefined) m.set(HOST, f.host);
  if (f.user !== undefined) m.set(USER, f.user);
  if (f.pid !== undefined) m.set(PID, f.pid);
  if (f.ppid !== undefined) m.set(PPID, f.ppid);
  return new FakeEvent(BigInt(t), seq, m);
}

interface StepOptions {
  keys?: number[];
  optional?: boolean[];
  missing?: boolean;
}

/** A step matching events whose type is one of `types` (or any, for "*"), keyed by fields. */
function step(types: string, opts: StepOptions = {}): CompiledStep {
  const accepted = new Set(types.split("|"));
  const keys = opts.keys ?? [HOST];
  const optional = opts.optional ?? keys.map(() => false);
  return {
    matches: (e) => types === "*" || accepted.has(e.get(TYPE) as string),
    key: (e) => makeKey(keys.map((k) => e.get(k)), optional),
    missing: opts.missing ?? false,
  };
}

function missing(types: string, opts: StepOptions = {}): CompiledStep {
  return step(types, { ...opts, missing: true });
}

function seq(
  ruleId: string,
  steps: CompiledStep[],
  more: Partial<SequenceSpec> = {},
): SequenceSpec {
  return { ruleId, kind: "sequence", steps, ...more };
}

const QUOTAS: Quotas = { maxPartialMatches: 100_000, maxPerRule: 10_000, maxPerEntity: 100 };

/** Runs events through a fresh engine, advancing the watermark before each event unless `lazy`. */
function run(
  specs: SequenceSpec[],
  events: Event[],
  opts: { lazy?: boolean; quotas?: Quotas } = {},
): { engine: SequenceEngine; matches: SequenceMatch[] } {
  const matches: SequenceMatch[] = [];
  const engine = new SequenceEngine(specs, opts.quotas ?? QUOTAS, (m) => matches.push(m));
  for (const e of events) {
    if (!opts.lazy) engine.advanceWatermark(e.timestamp);
    engine.process(e);
  }
  return { engine, matches };
}

/** Matches as `[key, seqs]` pairs. */
function seqs(matches: SequenceMatch[]): [string, number[]][] {
  return matches.map((m) => [m.key, m.events.map((e) => e.seq)]);
}

Deno.test("makeKey: stable and collision-free", () => {
  equal(makeKey(["h1"], [false]), '"h1"');
  equal(makeKey(["h1", 42], [false, false]), '"h1",42');
  assert(makeKey(["a,b"], [false]) !== makeKey(["a", "b"], [false, false]));
  assert(makeKey(['a","b'], [false]) !== makeKey(["a", "b"], [false, false]));
  assert(makeKey(["1"], [false]) !== makeKey([1], [false]));
  assert(makeKey([true], [false]) !== makeKey(["true"], [false]));
  assert(makeKey([["a", "b"]], [false]) !== makeKey(["a", "b"], [false, false]));
  assert(makeKey([["a", "b"]], [false]) !== makeKey([["b", "a"]], [false]));
  assert(makeKey([NaN], [false]) !== makeKey([null], [true]));
  assert(makeKey([NaN], [false]) !== makeKey(["NaN"], [false]));
  equal(makeKey([["x", 1]], [false]), makeKey([["x", 1]], [false]));
  equal(makeKey([undefined], [false]), null);
  equal(makeKey([null], [false]), null);
  equal(makeKey(["h1", undefined], [false, false]), null);
  equal(makeKey(["h1", undefined], [false, true]), '"h1",null');
});

Deno.test("expandRuns repeats steps in place", () => {
  deepStrictEqual(expandRuns(["a", "b", "c"], [2, 1, 3]), ["a", "a", "b", "c", "c", "c"]);
});

Deno.test("two-step sequence by host", () => {
  const { matches } = run([seq("r", [step("a"), step("b")])], [
    ev(1, 10, "a", { host: "h1" }),
    ev(2, 20, "b", { host: "h2" }),
    ev(3, 30, "b", { host: "h1" }),
    ev(4, 40, "b", { host: "h1" }), // the sequence completed: nothing waits any more
  ]);
  deepStrictEqual(seqs(matches), [['"h1"', [1, 3]]]);
  deepStrictEqual(matches[0].ruleId, "r");
  equal(matches[0].start, 10n);
  equal(matches[0].end, 30n);
});

Deno.test("three-step sequence needs the steps in order", () => {
  const { matches } = run([seq("r", [step("a"), step("b"), step("c")])], [
    ev(1, 1, "a"),
    ev(2, 2, "c"),
    ev(3, 3, "b"),
    ev(4, 4, "c"),
    ev(5, 5, "b"),
  ]);
  deepStrictEqual(seqs(matches), [['"h1"', [1, 3, 4]]]);
});

Deno.test("shared and per-step keys", () => {
  // sequence by host [a] by pid [b] by ppid: the tuple is (host, pid) then (host, ppid).
  const spec = seq("r", [step("a", { keys: [HOST, PID] }), step("b", { keys: [HOST, PPID] })]);
  const { matches } = run([spec], [
    ev(1, 1, "a", { host: "h1", pid: 100 }),
    ev(2, 2, "a", { host: "h1", pid: 200 }),
    ev(3, 3, "b", { host: "h2", ppid: 100 }), // other host
    ev(4, 4, "b", { host: "h1", ppid: 300 }), // no such parent
    ev(5, 5, "b", { host: "h1", ppid: 200 }),
    ev(6, 6, "b", { host: "h1", ppid: 100 }),
  ]);
  deepStrictEqual(seqs(matches), [['"h1",200', [2, 5]], ['"h1",100', [1, 6]]]);
});

Deno.test("one event satisfying several steps advances one sequence and starts another", () => {
  const { matches, engine } = run([seq("r", [step("*"), step("*"), step("*")])], [
    ev(1, 1, "x"),
    ev(2, 2, "x"),
    ev(3, 3, "x"),
    ev(4, 4, "x"),
    ev(5, 5, "x"),
  ]);
  deepStrictEqual(seqs(matches), [['"h1"', [1, 2, 3]], ['"h1"', [2, 3, 4]], ['"h1"', [3, 4, 5]]]);
  // Still pending: [4, 5] at stage 2 and [5] at stage 1.
  deepStrictEqual(
    engine.pending("r").map((p) => p.events.map((e) => e.event.seq)).sort(),
    [[4, 5], [5]],
  );
});

Deno.test("an event matching steps 0 and 1 completes the pending sequence and starts a new one", () => {
  const { matches } = run([seq("r", [step("a|ab"), step("b|ab")])], [
    ev(1, 1, "a"),
    ev(2, 2, "ab"),
    ev(3, 3, "b"),
  ]);
  deepStrictEqual(seqs(matches), [['"h1"', [1, 2]], ['"h1"', [2, 3]]]);
});

Deno.test("a newer partial match overwrites the older at the same stage", () => {
  const { matches, engine } = run([seq("r", [step("a"), step("b"), step("c")])], [
    ev(1, 1, "a"),
    ev(2, 2, "a"), // overwrites [1] at stage 1
    ev(3, 3, "b"), // [2, 3] at stage 2
    ev(4, 4, "a"),
    ev(5, 5, "b"), // [4, 5] overwrites [2, 3] at stage 2
    ev(6, 6, "c"),
  ]);
  deepStrictEqual(seqs(matches), [['"h1"', [4, 5, 6]]]);
  const s = engine.stats().rules.r;
  equal(s.overwritten, 2);
  equal(s.created, 3);
  equal(s.completed, 1);
  equal(s.active, 0);
});

Deno.test("missing key values never join; optional keys join on null", () => {
  const strict = seq("strict", [step("a"), step("b")]);
  const opt = seq("opt", [step("a", { optional: [true] }), step("b", { optional: [true] })]);
  const { matches } = run([strict, opt], [
    ev(1, 1, "a", {}),
    ev(2, 2, "b", {}),
    ev(3, 3, "a", { host: null }),
    ev(4, 4, "b", { host: "h1" }),
  ]);
  deepStrictEqual(matches.map((m) => [m.ruleId, m.key, m.events.map((e) => e.seq)]), [
    ["opt", "null", [1, 2]],
  ]);
});

Deno.test("maxspan is inclusive: exactly maxspan matches, one ns later does not", () => {
  const spec = () => seq("r", [step("a"), step("b")], { maxspanNs: 10n });
  for (const lazy of [false, true]) {
    const exact = run([spec()], [ev(1, 100, "a"), ev(2, 110, "b")], { lazy });
    deepStrictEqual(seqs(exact.matches), [['"h1"', [1, 2]]]);
    const late = run([spec()], [ev(1, 100, "a"), ev(2, 111, "b")], { lazy });
    deepStrictEqual(seqs(late.matches), []);
    equal(late.engine.stats().rules.r.expired, 1);
  }
});

Deno.test("maxspan is measured from the first event, not the previous one", () => {
  const { matches } = run([seq("r", [step("a"), step("b"), step("c")], { maxspanNs: 10n })], [
    ev(1, 0, "a"),
    ev(2, 6, "b"),
    ev(3, 12, "c"),
  ]);
  equal(matches.length, 0);
});

Deno.test("until cancels only sequences whose first event came before it", () => {
  const spec = () => seq("r", [step("a"), step("b")], { until: step("u") });
  const before = run([spec()], [ev(1, 5, "u"), ev(2, 10, "a"), ev(3, 20, "b")]);
  deepStrictEqual(seqs(before.matches), [['"h1"', [2, 3]]]);

  const after = run([spec()], [ev(1, 10, "a"), ev(2, 15, "u"), ev(3, 20, "b")]);
  deepStrictEqual(seqs(after.matches), []);
  equal(after.engine.stats().rules.r.cancelled, 1);

  const otherKey = run([spec()], [ev(1, 10, "a"), ev(2, 15, "u", { host: "h2" }), ev(3, 20, "b")]);
  deepStrictEqual(seqs(otherKey.matches), [['"h1"', [1, 3]]]);
});

Deno.test("an event matching both until and step 0 cancels older sequences and starts its own", () => {
  const spec = seq("r", [step("a|ua"), step("b")], { until: step("ua") });
  const { matches, engine } = run([spec], [ev(1, 10, "a"), ev(2, 15, "ua"), ev(3, 20, "b")]);
  deepStrictEqual(seqs(matches), [['"h1"', [2, 3]]]);
  equal(engine.stats().rules.r.cancelled, 1);
});

Deno.test("leading missing step blocks a start within maxspan after it", () => {
  const spec = () => seq("r", [missing("c"), step("a"), step("b")], { maxspanNs: 100n });
  const blocked = run([spec()], [ev(1, 0, "c"), ev(2, 100, "a"), ev(3, 110, "b")]);
  deepStrictEqual(seqs(blocked.matches), []);
  equal(blocked.engine.stats().rules.r.blocked, 1);

  const clear = run([spec()], [ev(1, 0, "c"), ev(2, 101, "a"), ev(3, 110, "b")]);
  deepStrictEqual(seqs(clear.matches), [['"h1"', [2, 3]]]);

  const otherKey = run([spec()], [ev(1, 0, "c", { host: "h2" }), ev(2, 50, "a"), ev(3, 60, "b")]);
  deepStrictEqual(seqs(otherKey.matches), [['"h1"', [2, 3]]]);

  // A c after the first event does not concern the leading step.
  const later = run([spec()], [ev(1, 0, "a"), ev(2, 5, "c"), ev(3, 10, "b")]);
  deepStrictEqual(seqs(later.matches), [['"h1"', [1, 3]]]);
});

Deno.test("an event matching a leading missing step and step 0 does not block itself", () => {
  const spec = seq("r", [missing("ca"), step("a|ca"), step("b")], { maxspanNs: 100n });
  const { matches } = run([spec], [ev(1, 0, "ca"), ev(2, 10, "b"), ev(3, 20, "a"), ev(4, 30, "b")]);
  // The first sequence [1, 2] is not blocked by its own event; [3] is blocked by the c at 0.
  deepStrictEqual(seqs(matches), [['"h1"', [1, 2]]]);
});

Deno.test("middle missing step cancels the gap it sits in", () => {
  const spec = () => seq("r", [step("a"), missing("c"), step("b"), step("d")], { maxspanNs: 100n });
  const inGap = run([spec()], [ev(1, 0, "a"), ev(2, 5, "c"), ev(3, 10, "b"), ev(4, 20, "d")]);
  deepStrictEqual(seqs(inGap.matches), []);
  equal(inGap.engine.stats().rules.r.cancelled, 1);

  const clean = run([spec()], [ev(1, 0, "a"), ev(2, 10, "b"), ev(3, 20, "d")]);
  deepStrictEqual(seqs(clean.matches), [['"h1"', [1, 2, 3]]]);

  // Before the first step or after the following one, a c constrains nothing.
  const outside = run([spec()], [
    ev(1, 0, "c"),
    ev(2, 5, "a"),
    ev(3, 10, "b"),
    ev(4, 12, "c"),
    ev(5, 20, "d"),
  ]);
  deepStrictEqual(seqs(outside.matches), [['"h1"', [2, 3, 5]]]);

  const otherKey = run([spec()], [
    ev(1, 0, "a"),
    ev(2, 5, "c", { host: "h2" }),
    ev(3, 10, "b"),
    ev(4, 20, "d"),
  ]);
  deepStrictEqual(seqs(otherKey.matches), [['"h1"', [1, 3, 4]]]);
});

Deno.test("trailing missing step resolves by watermark once maxspan has passed", () => {
  const spec = () => seq("r", [step("a"), step("b"), missing("c")], { maxspanNs: 100n });
  const { matches, engine } = run([spec()], [ev(1, 0, "a"), ev(2, 10, "b")]);
  engine.advanceWatermark(50n);
  engine.advanceWatermark(100n); // the window [0, 100] is still open: a c at 100 would count
  equal(matches.length, 0);
  equal(engine.stats().rules.r.active, 1);
  engine.advanceWatermark(101n);
  deepStrictEqual(seqs(matches), [['"h1"', [1, 2]]]);
  equal(matches[0].end, 10n);
  equal(engine.stats().rules.r.active, 0);
  engine.advanceWatermark(1_000n);
  equal(matches.length, 1);

  const cancelled = run([spec()], [ev(1, 0, "a"), ev(2, 10, "b"), ev(3, 100, "c")]);
  cancelled.engine.advanceWatermark(1_000n);
  equal(cancelled.matches.length, 0);
  equal(cancelled.engine.stats().rules.r.cancelled, 1);

  // A c after the window, arriving before any watermark moved, resolves the match.
  const lateC = run([spec()], [ev(1, 0, "a"), ev(2, 10, "b"), ev(3, 101, "c")], { lazy: true });
  deepStrictEqual(seqs(lateC.matches), [['"h1"', [1, 2]]]);
});

Deno.test("the watermark never moves back", () => {
  const { matches, engine } = run([seq("r", [step("a"), missing("c")], { maxspanNs: 10n })], [
    ev(1, 100, "a"),
  ]);
  engine.advanceWatermark(105n);
  engine.advanceWatermark(50n);
  equal(engine.watermark, 105n);
  equal(matches.length, 0);
  engine.advanceWatermark(111n);
  deepStrictEqual(seqs(matches), [['"h1"', [1]]]);
});

Deno.test("maxspan expiry by watermark drops partial matches", () => {
  const { engine } = run([seq("r", [step("a"), step("b")], { maxspanNs: 10n })], [
    ev(1, 0, "a", { host: "h1" }),
    ev(2, 5, "a", { host: "h2" }),
  ]);
  engine.advanceWatermark(10n);
  equal(engine.stats().active, 2);
  engine.advanceWatermark(11n);
  equal(engine.stats().active, 1);
  engine.advanceWatermark(16n);
  const s = engine.stats();
  equal(s.active, 0);
  equal(s.expired, 2);
});

Deno.test("runs: expanded steps match in a row", () => {
  const spec = () => seq("r", expandRuns([step("a"), step("b")], [2, 1]));
  deepStrictEqual(seqs(run([spec()], [ev(1, 1, "a"), ev(2, 2, "a"), ev(3, 3, "b")]).matches), [
    ['"h1"', [1, 2, 3]],
  ]);
  deepStrictEqual(seqs(run([spec()], [ev(1, 1, "a"), ev(2, 2, "b")]).matches), []);
  deepStrictEqual(
    seqs(run([spec()], [ev(1, 1, "a"), ev(2, 2, "a"), ev(3, 3, "a"), ev(4, 4, "b")]).matches),
    [['"h1"', [2, 3, 4]]],
  );
});

Deno.test("sample: first event per step, any order, then the key clears", () => {
  const spec: SequenceSpec = {
    ruleId: "s",
    kind: "sample",
    steps: [step("a"), step("b"), step("c")],
  };
  const { matches, engine } = run([spec], [
    ev(1, 50, "c"),
    ev(2, 10, "a"),
    ev(3, 20, "a"), // a is already filled: ignored
    ev(4, 5, "a", { host: "h2" }),
    ev(5, 30, "b"),
    ev(6, 40, "b"),
    ev(7, 41, "c"),
    ev(8, 42, "a"),
  ]);
  deepStrictEqual(seqs(matches), [['"h1"', [2, 5, 1]], ['"h1"', [8, 6, 7]]]);
  equal(matches[0].start, 10n);
  equal(matches[0].end, 50n);
  const s = engine.stats().rules.s;
  equal(s.active, 1); // h2 waits
  equal(s.completed, 2);
});

Deno.test("sample: one event fills every empty step it matches", () => {
  const spec: SequenceSpec = { ruleId: "s", kind: "sample", steps: [step("a|x"), step("b|x")] };
  const { matches } = run([spec], [ev(1, 1, "x"), ev(2, 2, "a"), ev(3, 3, "x")]);
  deepStrictEqual(seqs(matches), [['"h1"', [1, 1]], ['"h1"', [2, 3]]]);
});

Deno.test("join: until clears the key", () => {
  const spec: SequenceSpec = {
    ruleId: "j",
    kind: "join",
    steps: [step("a"), step("b")],
    until: step("u"),
  };
  const { matches, engine } = run([spec], [
    ev(1, 1, "a"),
    ev(2, 2, "u"),
    ev(3, 3, "b"),
    ev(4, 4, "a"),
    ev(5, 5, "b", { host: "h2" }),
  ]);
  deepStrictEqual(seqs(matches), [['"h1"', [4, 3]]]);
  const s = engine.stats().rules.j;
  equal(s.cancelled, 1);
  equal(s.active, 1);
});

Deno.test("1,000 interleaved entities each complete exactly once", () => {
  const events: Event[] = [];
  let n = 0;
  for (const type of ["a", "b", "c"]) {
    for (let e = 0; e < 1000; e++) events.push(ev(++n, n, type, { host: `h${e}` }));
  }
  const { matches, engine } = run([
    seq("r", [step("a"), step("b"), step("c")], { maxspanNs: 10_000n }),
  ], events);
  equal(matches.length, 1000);
  deepStrictEqual(new Set(matches.map((m) => m.key)).size, 1000);
  for (const m of matches) {
    const host = JSON.parse(m.key) as string;
    const e = Number(host.slice(1));
    deepStrictEqual(m.events.map((x) => x.seq), [e + 1, e + 1001, e + 2001]);
  }
  equal(engine.stats().active, 0);
});

Deno.test("quotas: 1,000,000 distinct keys never exceed the total and per-rule quotas", () => {
  const quotas: Quotas = { maxPartialMatches: 5_000, maxPerRule: 3_000, maxPerEntity: 100 };
  const specs = [
    seq("r1", [step("a"), step("b")]),
    seq("r2", [step("a"), step("b")], { maxspanNs: 1_000_000_000n }),
    seq("r3", [missing("a"), step("x"), step("y")], { maxspanNs: 1_000_000_000n }),
  ];
  const engine = new SequenceEngine(specs, quotas, () => {});
  for (let i = 0; i < 1_000_000; i++) {
    const e = ev(i, i, "a", { host: i });
    engine.advanceWatermark(e.timestamp);
    engine.process(e);
    if (i % 997 === 0) {
      const s = engine.stats();
      assert(s.active <= 5_000);
      assert(s.rules.r1.active <= 3_000 && s.rules.r2.active <= 3_000);
      assert(s.rules.r3.sightings <= 3_000);
    }
  }
  const s = engine.stats();
  equal(s.active, 5_000);
  equal(s.created, 2_000_000);
  equal(s.evicted, 2_000_000 - 5_000);
  equal(s.rules.r1.created, s.rules.r1.active + s.rules.r1.evicted);
  equal(s.rules.r3.sightings, 3_000);
  equal(s.rules.r3.sightingsEvicted, 1_000_000 - 3_000);
});

Deno.test("quotas: the per-entity limit evicts the key's least recently advanced partial match", () => {
  const quotas: Quotas = { maxPartialMatches: 100, maxPerRule: 100, maxPerEntity: 2 };
  const spec = seq("r", [step("*"), step("*"), step("*"), step("*")]);
  const { matches, engine } = run([spec], [
    ev(1, 1, "x"),
    ev(2, 2, "x"),
    ev(3, 3, "x"),
    ev(4, 4, "x"),
  ], {
    quotas,
  });
  // After event 3, h1 holds [1,2,3] and [2,3] (both last touched by event 3) and must make
  // room for [3]: the tie goes to the earlier stage, so [2,3] is evicted and [1,2,3] completes.
  deepStrictEqual(seqs(matches), [['"h1"', [1, 2, 3, 4]]]);
  const s = engine.stats().rules.r;
  equal(s.active, 2);
  equal(s.created, 4);
  equal(s.completed, 1);
  equal(s.evicted, 1);
});

Deno.test("the least recently used partial match is evicted first", () => {
  const quotas: Quotas = { maxPartialMatches: 2, maxPerRule: 2, maxPerEntity: 10 };
  const spec = seq("r", [step("a"), step("b"), step("c")]);
  const { matches } = run([spec], [
    ev(1, 1, "a", { host: "h1" }),
    ev(2, 2, "a", { host: "h2" }),
    ev(3, 3, "b", { host: "h1" }), // h1 used: h2 is now the least recently used
    ev(4, 4, "a", { host: "h3" }), // evicts h2
    ev(5, 5, "b", { host: "h2" }),
    ev(6, 6, "c", { host: "h1" }),
  ], { quotas });
  deepStrictEqual(seqs(matches), [['"h1"', [1, 3, 6]]]);
});

Deno.test("carry-over keeps the state of unchanged rules across a rebuild", () => {
  const specs = () => [
    seq("kept", [step("a"), step("b")], { maxspanNs: 100n }),
    seq("changed", [step("a"), step("b")]),
  ];
  const matches: SequenceMatch[] = [];
  const old = new SequenceEngine(specs(), QUOTAS, (m) => matches.push(m));
  old.advanceWatermark(10n);
  old.process(ev(1, 10, "a"));
  old.process(ev(2, 11, "a", { host: "h2" }));
  old.process(ev(3, 12, "b", { host: "h2" }));
  const next = old.carryOver([...specs(), seq("new", [step("a"), step("b")])], ["kept"]);
  equal(old.stats().rules.kept.active, 0);
  equal(next.watermark, 10n);
  deepStrictEqual(next.stats().rules.kept, {
    active: 1,
    created: 2,
    completed: 1,
    expired: 0,
    evicted: 0,
    cancelled: 0,
    overwritten: 0,
    blocked: 0,
    sightings: 0,
    sightingsEvicted: 0,
  });
  equal(next.stats().rules.changed.active, 0);
  next.process(ev(4, 20, "b"));
  deepStrictEqual(matches.map((m) => [m.ruleId, m.events.map((e) => e.seq)]), [
    ["kept", [2, 3]],
    ["changed", [2, 3]],
    ["kept", [1, 4]],
  ]);
  // The carried partial match still expires on time.
  next.process(ev(5, 30, "a", { host: "h3" }));
  next.advanceWatermark(131n);
  equal(next.stats().rules.kept.expired, 1);
});

Deno.test("carry-over keeps leading missing-step sightings and respects smaller quotas", () => {
  const spec = () => seq("r", [missing("c"), step("a"), step("b")], { maxspanNs: 100n });
  const old = new SequenceEngine([spec()], QUOTAS, () => {});
  old.process(ev(1, 0, "c"));
  for (let i = 0; i < 5; i++) old.process(ev(2 + i, 1 + i, "a", { host: `k${i}` }));
  const matches: SequenceMatch[] = [];
  const next = old.carryOver([spec()], ["r"], {
    quotas: { maxPartialMatches: 3, maxPerRule: 3, maxPerEntity: 3 },
    onMatch: (m) => matches.push(m),
  });
  const s = next.stats().rules.r;
  equal(s.active, 3);
  equal(s.evicted, 2);
  next.process(ev(10, 10, "a"));
  next.process(ev(11, 11, "b"));
  next.process(ev(12, 12, "b", { host: "k4" }));
  next.process(ev(13, 13, "b", { host: "k0" })); // evicted during the carry-over
  deepStrictEqual(seqs(matches), [['"k4"', [6, 12]]]);
  equal(next.stats().rules.r.blocked, 1);
});

Deno.test("candidates restrict the rules an event is evaluated against", () => {
  const matches: SequenceMatch[] = [];
  const engine = new SequenceEngine(
    [seq("r0", [step("a"), step("b")]), seq("r1", [step("a"), step("b")])],
    QUOTAS,
    (m) => matches.push(m),
  );
  engine.process(ev(1, 1, "a"), [1]);
  engine.process(ev(2, 2, "b"));
  deepStrictEqual(matches.map((m) => [m.ruleId, m.spec]), [["r1", 1]]);
});

Deno.test("stats count every outcome and add up", () => {
  const quotas: Quotas = { maxPartialMatches: 100, maxPerRule: 3, maxPerEntity: 100 };
  const spec = seq("r", [step("a"), step("b")], { maxspanNs: 100n, until: step("u") });
  const { engine } = run([spec], [
    ev(1, 0, "a", { host: "h1" }), // created
    ev(2, 1, "a", { host: "h1" }), // created, overwrites 1
    ev(3, 2, "b", { host: "h1" }), // completes 2
    ev(4, 3, "a", { host: "h2" }), // created
    ev(5, 4, "u", { host: "h2" }), // cancels 4
    ev(6, 5, "a", { host: "h3" }), // created
    ev(7, 6, "a", { host: "h4" }), // created
    ev(8, 7, "a", { host: "h5" }), // created
    ev(9, 8, "a", { host: "h6" }), // created, evicts h3 (per-rule quota 3)
    ev(10, 200, "x"), // the watermark expires h4, h5, h6
  ], { quotas });
  const total = engine.stats();
  const { rules, ...totals } = total;
  const expected = {
    active: 0,
    created: 7,
    completed: 1,
    expired: 3,
    evicted: 1,
    cancelled: 1,
    overwritten: 1,
    blocked: 0,
    sightings: 0,
    sightingsEvicted: 0,
  };
  deepStrictEqual(totals, expected);
  deepStrictEqual(rules.r, expected);
});

Deno.test("invalid specs are rejected", () => {
  throws(
    () => new SequenceEngine([seq("r", [missing("a")], { maxspanNs: 1n })], QUOTAS, () => {}),
    RangeError,
  );
  throws(
    () => new SequenceEngine([seq("r", [step("a"), missing("b")])], QUOTAS, () => {}),
    RangeError,
  );
  throws(
    () =>
      new SequenceEngine(
        [{ ruleId: "s", kind: "sample", steps: [step("a"), missing("b")] }],
        QUOTAS,
        () => {},
      ),
    RangeError,
  );
  throws(
    () => new SequenceEngine([seq("r", [step("a")]), seq("r", [step("b")])], QUOTAS, () => {}),
    RangeError,
  );
});

Deno.test("pending lists partial matches with step positions", () => {
  const spec = seq("r", [missing("c"), step("a"), missing("d"), step("b"), step("e")], {
    maxspanNs: 100n,
  });
  const { engine } = run([spec], [ev(1, 1, "a"), ev(2, 2, "b")]);
  deepStrictEqual(
    engine.pending("r").map((p) => ({
      key: p.key,
      stage: p.stage,
      steps: p.events.map((e) => e.step),
    })),
    [{ key: '"h1"', stage: 2, steps: [1, 3] }],
  );
});
