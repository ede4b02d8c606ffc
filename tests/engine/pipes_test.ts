import assert from "node:assert/strict";
import type { Event } from "../../engine/event.ts";
import {
  isMatch,
  PipeChain,
  type PipeChainOptions,
  type PipeMatch,
  type PipeOutput,
} from "../../engine/pipes.ts";
import type { IrExpr, IrPipe } from "../../eql/ir.ts";
import type { Value } from "../../eql/value.ts";

// Field ids of this test's tiny schema.
const IDS: Record<string, number> = { a: 1, b: 2, n: 3, count: 4, key: 5 };

/** A field reference as the compiler emits it. */
function field(name: string): IrExpr {
  return { op: "field", id: IDS[name], name, type: "unknown", array: false, optional: false };
}

/** `name <cmp> value`. */
function cmp(name: string, op: "==" | ">" | "<", value: Value): IrExpr {
  return {
    op: "compare",
    cmp: op,
    left: field(name),
    right: { op: "const", value },
    caseInsensitive: false,
    wildcard: false,
  };
}

/** Stand-in for the runtime's getter compiler: fields and constants only. */
function getter(ir: IrExpr): (ev: Event) => Value | undefined {
  if (ir.op === "field") return (ev) => ev.get(ir.id);
  if (ir.op === "const") return () => ir.value;
  throw new Error(`test getter: ${ir.op}`);
}

/** Stand-in for the runtime's predicate compiler: `field <cmp> const`. */
function predicate(ir: IrExpr): (ev: Event) => boolean {
  if (ir.op !== "compare") throw new Error(`test predicate: ${ir.op}`);
  const l = getter(ir.left);
  const r = getter(ir.right);
  return (ev) => {
    const x = l(ev);
    const y = r(ev);
    if (x === undefined || x === null || y === undefined || y === null) return false;
    return ir.cmp === "==" ? x === y : ir.cmp === ">" ? x > y : x < y;
  };
}

/** An event with `seq` and named fields. */
function ev(seq: number, fields: Record<string, Value> = {}): Event {
  const byId = new Map<number, Value>();
  for (const [k, v] of Object.entries(fields)) byId.set(IDS[k], v);
  return {
    timestamp: BigInt(seq),
    seq,
    get: (id) => byId.get(id),
    toJSON: () => ({ seq, ...fields }),
  };
}

function chain(pipes: IrPipe[], opts?: PipeChainOptions): PipeChain {
  return new PipeChain(pipes, getter, predicate, opts);
}

/** Feeds every match, then finishes; returns the outputs of push and finish together. */
function run(c: PipeChain, matches: PipeMatch[]): PipeOutput[] {
  const out: PipeOutput[] = [];
  for (const m of matches) {
    if (c.done) break;
    out.push(...c.push(m));
  }
  out.push(...c.finish());
  return out;
}

/** Output matches as their first event's seq (and count), for compact expectations. */
function seqs(outs: PipeOutput[]): (number | [number, number])[] {
  return outs.map((o) => {
    assert.ok(isMatch(o));
    const s = o.events[0].seq;
    return "count" in o ? [s, o.count as number] : s;
  });
}

/** Single-event matches of events with field `a` taking each value in turn. */
function matchesOf(values: (Value | undefined)[], name = "a"): PipeMatch[] {
  return values.map((v, i) => ({ events: [ev(i + 1, v === undefined ? {} : { [name]: v })] }));
}

const head = (count: number): IrPipe => ({ name: "head", count });
const tail = (count: number): IrPipe => ({ name: "tail", count });
const keyed = (name: "count" | "unique" | "unique_count" | "sort", ...keys: string[]): IrPipe => ({
  name,
  keys: keys.map(field),
});
const filter = (e: IrExpr): IrPipe => ({ name: "filter", predicate: e });

Deno.test("pipes: no pipes pass matches through", () => {
  const c = chain([]);
  const m = matchesOf(["x", "y"]);
  assert.deepEqual(c.push(m[0]), [m[0]]);
  assert.deepEqual(c.push(m[1]), [m[1]]);
  assert.deepEqual(c.finish(), []);
  assert.equal(c.done, false);
});

Deno.test("pipes: head releases at once and stops early", () => {
  const c = chain([head(2)]);
  const m = matchesOf(["p", "q", "r", "s"]);
  assert.deepEqual(c.push(m[0]), [m[0]]);
  assert.equal(c.done, false);
  assert.deepEqual(c.push(m[1]), [m[1]]);
  assert.equal(c.done, true);
  assert.deepEqual(c.push(m[2]), []);
  assert.deepEqual(c.finish(), []);
  assert.equal(chain([head(0)]).done, true);
});

Deno.test("pipes: tail keeps the last N in order", () => {
  const c = chain([tail(2)]);
  const m = matchesOf(["p", "q", "r", "s", "t"]);
  for (const x of m) assert.deepEqual(c.push(x), []);
  assert.deepEqual(seqs(c.finish()), [4, 5]);
  assert.deepEqual(seqs(run(chain([tail(3)]), matchesOf(["p", "q"]))), [1, 2]);
  assert.deepEqual(run(chain([tail(0)]), matchesOf(["p"])), []);
});

Deno.test("pipes: count without keys", () => {
  assert.deepEqual(run(chain([keyed("count")]), matchesOf(["p", "q", "r"])), [{ count: 3 }]);
  assert.deepEqual(run(chain([keyed("count")]), []), [{ count: 0 }]);
});

Deno.test("pipes: count by key, ascending count then key (Endgame's order)", () => {
  const m = matchesOf(["sh", "bash", "sh", "zsh", "bash", "sh", "ash", undefined]);
  assert.deepEqual(run(chain([keyed("count", "a")]), m), [
    { key: [null], count: 1 },
    { key: ["ash"], count: 1 },
    { key: ["zsh"], count: 1 },
    { key: ["bash"], count: 2 },
    { key: ["sh"], count: 3 },
  ]);
});

Deno.test("pipes: count by two keys; mixed types order null < bool < number < string", () => {
  const m: PipeMatch[] = [
    { events: [ev(1, { a: "x", b: 2 })] },
    { events: [ev(2, { a: "x", b: "2" })] },
    { events: [ev(3, { a: "x", b: 2 })] },
    { events: [ev(4, { a: "x", b: true })] },
    { events: [ev(5, { a: "x" })] },
  ];
  assert.deepEqual(run(chain([keyed("count", "a", "b")]), m), [
    { key: ["x", null], count: 1 },
    { key: ["x", true], count: 1 },
    { key: ["x", "2"], count: 1 },
    { key: ["x", 2], count: 2 },
  ]);
});

Deno.test("pipes: count folds case when asked, keeping the first spelling", () => {
  const m = matchesOf(["Bash", "bash", "BASH", "sh"]);
  assert.deepEqual(run(chain([keyed("count", "a")], { foldCase: true }), m), [
    { key: ["sh"], count: 1 },
    { key: ["Bash"], count: 3 },
  ]);
  assert.equal(run(chain([keyed("count", "a")]), m).length, 4);
});

Deno.test("pipes: unique passes the first match per key at once", () => {
  const c = chain([keyed("unique", "a")]);
  const m = matchesOf(["p", "q", "p", undefined, "q", "r", undefined]);
  const released = m.map((x) => seqs(c.push(x)));
  assert.deepEqual(released, [[1], [2], [], [4], [], [6], []]);
  assert.deepEqual(c.finish(), []);
  const folded = run(chain([keyed("unique", "a")], { foldCase: true }), matchesOf(["P", "p", "q"]));
  assert.deepEqual(seqs(folded), [1, 3]);
});

Deno.test("pipes: unique with a capacity forgets the oldest key", () => {
  const c = chain([keyed("unique", "a")], { uniqueCapacity: 2 });
  assert.deepEqual(seqs(run(c, matchesOf(["p", "q", "r", "p", "r"]))), [1, 2, 3, 4]);
});

Deno.test("pipes: unique_count attaches the count at the end, first-seen order", () => {
  const c = chain([keyed("unique_count", "a")]);
  const m = matchesOf(["p", "q", "p", "r", "p", "q"]);
  for (const x of m) assert.deepEqual(c.push(x), []);
  const out = c.finish();
  assert.deepEqual(seqs(out), [[1, 3], [2, 2], [4, 1]]);
  assert.equal((out[0] as PipeMatch).events, m[0].events, "the first match's events, unchanged");
});

Deno.test("pipes: filter", () => {
  const c = chain([filter(cmp("n", ">", 2))]);
  const m = [1, 5, 2, 3].map((n, i) => ({ events: [ev(i + 1, { n })] }));
  assert.deepEqual(m.map((x) => seqs(c.push(x))), [[], [2], [], [4]]);
});

Deno.test("pipes: sort is stable with nulls first", () => {
  const m = matchesOf(["b", "a", undefined, "b", "a", null]);
  assert.deepEqual(seqs(run(chain([keyed("sort", "a")]), m)), [3, 6, 2, 5, 1, 4]);
  const two: PipeMatch[] = [
    { events: [ev(1, { a: "x", n: 2 })] },
    { events: [ev(2, { a: "w", n: 9 })] },
    { events: [ev(3, { a: "x", n: 1 })] },
    { events: [ev(4, { a: "X", n: 0 })] },
  ];
  assert.deepEqual(seqs(run(chain([keyed("sort", "a", "n")]), two)), [4, 2, 3, 1]);
  assert.deepEqual(seqs(run(chain([keyed("sort", "a", "n")], { foldCase: true }), two)), [
    2,
    4,
    3,
    1,
  ]);
});

Deno.test("pipes: sequence keys read the first event of the match", () => {
  const m: PipeMatch[] = [
    { events: [ev(1, { a: "p" }), ev(2, { a: "zzz" })] },
    { events: [ev(3, { a: "q" }), ev(4, { a: "p" })] },
    { events: [ev(5, { a: "p" }), ev(6, { a: "q" })] },
  ];
  assert.deepEqual(seqs(run(chain([keyed("unique", "a")]), m)), [1, 3]);
  assert.deepEqual(run(chain([keyed("count", "a")]), m), [
    { key: ["q"], count: 1 },
    { key: ["p"], count: 2 },
  ]);
});

Deno.test("pipes: | unique a | head 2 stops after two distinct keys", () => {
  const c = chain([keyed("unique", "a"), head(2)]);
  const m = matchesOf(["p", "p", "q", "r", "s"]);
  const out: PipeOutput[] = [];
  let read = 0;
  for (const x of m) {
    if (c.done) break;
    read++;
    out.push(...c.push(x));
  }
  out.push(...c.finish());
  assert.deepEqual(seqs(out), [1, 3]);
  assert.equal(read, 3, "the reader stopped after the third match");
});

Deno.test("pipes: | filter … | count", () => {
  const m = [4, 1, 7, 9, 2].map((n, i) => ({
    events: [ev(i + 1, { n, a: n > 5 ? "big" : "small" })],
  }));
  assert.deepEqual(run(chain([filter(cmp("n", ">", 1)), keyed("count")]), m), [{ count: 4 }]);
  assert.deepEqual(run(chain([filter(cmp("n", ">", 1)), keyed("count", "a")]), m), [
    { key: ["big"], count: 2 },
    { key: ["small"], count: 2 },
  ]);
});

Deno.test("pipes: | sort | head and | head | tail", () => {
  const m = matchesOf(["d", "b", "c", "a"]);
  assert.deepEqual(seqs(run(chain([keyed("sort", "a"), head(2)]), m)), [4, 2]);
  assert.deepEqual(seqs(run(chain([head(3), tail(1)]), m)), [3]);
  assert.deepEqual(seqs(run(chain([tail(3), head(1)]), m)), [2]);
});

Deno.test("pipes: later pipes read count (and key) from aggregated outputs", () => {
  const m = matchesOf(["p", "q", "p", "r", "p", "q"]);
  const rare = run(chain([keyed("unique_count", "a"), filter(cmp("count", "<", 3))]), m);
  assert.deepEqual(seqs(rare), [[2, 2], [4, 1]]);
  const top = run(chain([keyed("count", "a"), filter(cmp("count", ">", 1)), head(1)]), m);
  assert.deepEqual(top, [{ key: ["q"], count: 2 }]);
  const byKey = run(chain([keyed("count", "a"), keyed("sort", "key")]), m);
  assert.deepEqual(byKey.map((o) => (o as { key: Value[] }).key), [["p"], ["q"], ["r"]]);
  // Another unique_count sums the counts it receives.
  const total = run(chain([keyed("unique_count", "a"), keyed("unique_count", "b")]), m);
  assert.deepEqual(seqs(total), [[1, 6]]);
});

Deno.test("pipes: push after finish is an error; finish twice returns nothing", () => {
  const c = chain([keyed("count")]);
  assert.deepEqual(c.finish(), [{ count: 0 }]);
  assert.deepEqual(c.finish(), []);
  assert.throws(() => c.push({ events: [ev(1)] }), /after finish/);
});
