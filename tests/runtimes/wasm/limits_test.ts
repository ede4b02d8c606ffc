/**
 * The Wasm runtime's budgets: a predicate that runs out of fuel or memory
 * traps, the trap becomes a rule error (that event does not match; the
 * first few are reported; the rule is disabled after a run of traps) and
 * the engine keeps running the other rules.
 *
 * @module
 */
import assert from "node:assert/strict";
import { compileQuery } from "../../../eql/compile.ts";
import { Schema } from "../../../engine/schema.ts";
import { FieldPaths, JsonEvent } from "../../../engine/event.ts";
import { Engine, type EngineRule } from "../../../engine/engine.ts";
import { compileWasmRules, WasmRuleset, WasmTrap } from "../../../runtimes/wasm/mod.ts";
import { DISABLE_AFTER_TRAPS, REPORTED_TRAPS_PER_RULE } from "../../../runtimes/wasm/ruleset.ts";
import { limitModuleMemory, memoryLimits } from "../../../runtimes/wasm/memory_limit.ts";
import { buildModule, fieldsOf } from "../../../runtimes/wasm/module.ts";
import { WasmInstance } from "../../../runtimes/wasm/instance.ts";

const schema = Schema.ecs();
const paths = new FieldPaths(schema);

function rule(id: string, query: string): EngineRule {
  const r = compileQuery(query, { schema, streaming: true });
  assert.ok(r.ir, JSON.stringify(r.diagnostics));
  return { id, dialect: "elastic", ir: r.ir };
}

function event(seq: number, doc: Record<string, unknown>): JsonEvent {
  return new JsonEvent(doc, BigInt(seq) * 1000n, seq, paths);
}

/** Runs `rules` through an engine with Wasm predicates; returns matches and rule errors. */
function run(
  rules: EngineRule[],
  docs: Record<string, unknown>[],
  limits: { fuelLimit: number; memoryLimitMb: number },
) {
  const errors: string[] = [];
  const matches: string[] = [];
  const wasm = WasmRuleset.compile(rules, limits, (id, m) => errors.push(`${id}: ${m}`));
  const engine = new Engine(rules, {
    schema,
    predicates: wasm.predicates,
    onMatch: (m) => matches.push(`${rules[m.rule].id}@${m.events[0].seq}`),
  });
  docs.forEach((d, i) => engine.process(event(i, d)));
  return { errors, matches, wasm };
}

/** How a trap that does not disable its rule is reported. */
const FALSE_NOW = "the predicate is false for this event " +
  `(the rule is disabled after ${DISABLE_AFTER_TRAPS} traps in a row)`;

const heavy = () =>
  rule("heavy", 'process where process.command_line : "*a*b*c*d*e*f*g*h*i*j*k*z"');
const light = () => rule("light", 'process where process.name == "sh"');
const proc = (extra: Record<string, unknown>) => ({
  event: { category: "process" },
  process: { name: "sh", ...extra },
});

Deno.test("wasm: fuel exhaustion is a rule error at the same point on every run; the engine keeps going", () => {
  const long = "abcdefghijk".repeat(2000);
  const docs = [
    proc({ command_line: "abcdefghijkz" }),
    proc({ command_line: long }),
    proc({ command_line: "abcdefghijkz" }),
    proc({ command_line: "x" }),
  ];
  const limits = { fuelLimit: 20_000, memoryLimitMb: 16 };
  const first = run([heavy(), light()], docs, limits);
  assert.deepEqual(first.errors, [
    `heavy: fuel exhausted (fuel_limit 20000); ${FALSE_NOW}`,
  ]);
  // The event that traps does not match the heavy rule; the next one does again.
  assert.deepEqual(first.matches, [
    "heavy@0",
    "light@0",
    "light@1",
    "heavy@2",
    "light@2",
    "light@3",
  ]);
  assert.ok(!first.wasm.isDisabled(0));
  assert.ok(!first.wasm.isDisabled(1));
  // Fuel counts work, not time: a second run stops at the same event.
  const second = run([heavy(), light()], docs, limits);
  assert.deepEqual([second.errors, second.matches], [first.errors, first.matches]);
  // With enough fuel the same event evaluates to completion.
  const roomy = run([heavy(), light()], docs, { fuelLimit: 10_000_000, memoryLimitMb: 16 });
  assert.deepEqual(roomy.errors, []);
});

Deno.test("wasm: a rule is disabled after traps in a row, with the first few reported, the same on every run", () => {
  const long = "abcdefghijk".repeat(2000);
  const hit = proc({ command_line: "abcdefghijkz" });
  const trap = proc({ command_line: long });
  // One short of the limit, an event that completes (resets the run), then a full run.
  const docs = [
    hit,
    ...Array(DISABLE_AFTER_TRAPS - 1).fill(trap),
    hit,
    ...Array(DISABLE_AFTER_TRAPS).fill(trap),
    hit,
  ];
  const limits = { fuelLimit: 20_000, memoryLimitMb: 16 };
  const first = run([heavy(), light()], docs, limits);
  const fuel = "heavy: fuel exhausted (fuel_limit 20000)";
  assert.deepEqual(first.errors, [
    ...Array(REPORTED_TRAPS_PER_RULE - 1).fill(`${fuel}; ${FALSE_NOW}`),
    `${fuel}; ${FALSE_NOW}; further traps are counted, not reported`,
    `${fuel}; the rule is disabled after ${DISABLE_AFTER_TRAPS} traps in a row`,
  ]);
  assert.equal(first.wasm.trapCount, 2 * DISABLE_AFTER_TRAPS - 1);
  assert.ok(first.wasm.isDisabled(0));
  const lastHit = docs.length - 1;
  const heavyMatches = first.matches.filter((m) => m.startsWith("heavy"));
  assert.deepEqual(heavyMatches, ["heavy@0", `heavy@${DISABLE_AFTER_TRAPS}`]);
  assert.ok(first.matches.includes(`light@${lastHit}`));
  const second = run([heavy(), light()], docs, limits);
  assert.deepEqual([second.errors, second.matches], [first.errors, first.matches]);
});

Deno.test("wasm: the fuel a predicate burns is deterministic and bounded by the limit", () => {
  const r = heavy();
  const bytes = buildModule([{ ir: r.ir.query!.predicate, dialect: "elastic" }], [], {
    memoryLimitMb: 16,
  });
  const fields = fieldsOf(r.ir.query!.predicate);
  const ev = event(0, proc({ command_line: "abcdefghijk".repeat(200) }));
  // The smallest budget that suffices is the same on every instance.
  const smallest = () => {
    let lo = 1, hi = 10_000_000;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const inst = new WasmInstance(bytes, { fuelLimit: mid, memoryLimitMb: 16 });
      try {
        inst.eval(0, ev, fields);
        hi = mid;
      } catch (e) {
        assert.ok(e instanceof WasmTrap && e.reason === "fuel");
        lo = mid + 1;
      }
    }
    return lo;
  };
  const a = smallest(), b = smallest();
  assert.equal(a, b);
  assert.ok(a > 1000, `only ${a} units of fuel`);
});

Deno.test("wasm: an event beyond the memory limit is a rule error, not a crash", () => {
  // 1 MiB of memory: a 600,000-character string (1.2 MB in UTF-16) cannot be written.
  const docs = [
    proc({ command_line: "a" }),
    proc({ command_line: "x".repeat(600_000) }),
    proc({ command_line: "b" }),
  ];
  const r = run(
    [rule("big", 'process where process.command_line : "*q*"'), light()],
    docs,
    { fuelLimit: 10_000_000, memoryLimitMb: 1 },
  );
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0], /^big: the event needs more than the wasm memory limit \(1 MiB\)/);
  assert.deepEqual(r.matches, ["light@0", "light@1", "light@2"]);
});

Deno.test("wasm: scratch memory the module itself needs is bounded by the limit too", () => {
  // The string fits (400 KB), but lower-casing reserves twice its size again inside the module.
  const docs = [
    proc({ command_line: "AX" }),
    proc({ command_line: "X".repeat(200_000) }),
    proc({ command_line: "X" }),
  ];
  const r = run(
    [rule("fold", 'process where process.command_line : "*x*"'), light()],
    docs,
    { fuelLimit: 100_000_000, memoryLimitMb: 1 },
  );
  assert.deepEqual(r.errors, [
    `fold: wasm memory limit reached (memory_limit_mb 1); ${FALSE_NOW}`,
  ]);
  // The next event fits again and matches.
  assert.deepEqual(r.matches, ["fold@0", "light@0", "light@1", "fold@2", "light@2"]);
});

Deno.test("wasm: memory the module grows for one event leaves the next events intact", () => {
  // Lower-casing 1,000,000 characters makes the module grow its memory past the
  // start size; the host must write the following events into the grown memory.
  const docs = [
    proc({ command_line: "X".repeat(1_000_000) + "Q" }),
    proc({ command_line: "aQ" }),
    proc({ command_line: "zz" }),
    proc({ command_line: "Q" }),
  ];
  const r = run(
    [rule("fold", 'process where process.command_line : "*q"')],
    docs,
    { fuelLimit: 100_000_000, memoryLimitMb: 64 },
  );
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.matches, ["fold@0", "fold@1", "fold@3"]);
});

Deno.test("wasm: a module compiled under a bigger memory limit is held to the configured one", () => {
  // A package built with 64 MiB, run where `memory_limit_mb = 1`: lower-casing
  // 200,000 characters needs more than 1 MiB inside the module.
  const rules = [rule("fold", 'process where process.command_line : "*x*"'), light()];
  const built = compileWasmRules(rules, { memoryLimitMb: 64 });
  assert.ok(built.bytes, built.errors.join("\n"));
  assert.equal(memoryLimits(built.bytes)?.max, 64 * 16);
  const docs = [
    proc({ command_line: "AX" }),
    proc({ command_line: "X".repeat(200_000) }),
    proc({ command_line: "X" }),
  ];
  const runUnder = (memoryLimitMb: number) => {
    const errors: string[] = [];
    const matches: string[] = [];
    const wasm = new WasmRuleset(
      built.bytes!,
      built.sites,
      built.lineage,
      rules.map((r) => r.id),
      { fuelLimit: 100_000_000, memoryLimitMb },
      (id, m) => errors.push(`${id}: ${m}`),
    );
    const engine = new Engine(rules, {
      schema,
      predicates: wasm.predicates,
      onMatch: (m) => matches.push(`${rules[m.rule].id}@${m.events[0].seq}`),
    });
    docs.forEach((d, i) => engine.process(event(i, d)));
    return { errors, matches };
  };
  // Under its own limit the module has room for it.
  assert.deepEqual(runUnder(64), {
    errors: [],
    matches: ["fold@0", "light@0", "fold@1", "light@1", "fold@2", "light@2"],
  });
  assert.deepEqual(runUnder(1), {
    errors: [`fold: wasm memory limit reached (memory_limit_mb 1); ${FALSE_NOW}`],
    matches: ["fold@0", "light@0", "light@1", "fold@2", "light@2"],
  });
});

Deno.test("wasm: the configured memory limit lowers a module's maximum, never raises it", () => {
  const q = light().ir;
  assert.ok(q.kind === "event" && q.query);
  const bytes = buildModule([{ ir: q.query.predicate, dialect: "elastic" }], [], {
    memoryLimitMb: 64,
  });
  const before = memoryLimits(bytes)!;
  assert.equal(before.max, 1024);
  const lowered = limitModuleMemory(bytes, 2);
  assert.deepEqual(memoryLimits(lowered), { min: before.min, max: 32 });
  assert.ok(WebAssembly.validate(lowered as Uint8Array<ArrayBuffer>));
  assert.equal(limitModuleMemory(bytes, 128), bytes);
  // A module that cannot even start within the limit is refused with the sizes.
  const big = buildModule(
    [{
      ir: compileQuery(
        `process where process.name in (${
          Array.from({ length: 2000 }, (_, i) => `"${"n".repeat(400)}${i}"`).join(", ")
        })`,
        { schema, streaming: true },
      ).ir!.query!.predicate,
      dialect: "elastic",
    }],
    [],
    { memoryLimitMb: 64 },
  );
  assert.throws(
    () => new WasmInstance(big, { fuelLimit: 1000, memoryLimitMb: 1 }),
    /^WasmMemoryLimitError: the rule module needs \d+(\.\d+)? MiB of memory to start, more than the wasm memory limit of 1 MiB$/,
  );
});
