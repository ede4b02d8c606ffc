/**
 * Events/s of the Wasm runtime against the JavaScript runtime on the same
 * rules, through the whole engine (index, prefilters, predicates, sequence
 * state, match delivery), and per predicate evaluation:
 *
 * 1. the §10 single-event workload (100 rules all candidates for process
 *    events, `bench/engine_workload.ts`);
 * 2. the 41 fixture corpus rules on the synthetic realistic mix;
 * 3. every corpus predicate on events generated from its own literals
 *    (`samples/rule_literals.ts`), evaluated directly (no engine).
 *
 * Run: `deno run -A bench/runtime_wasm_bench.ts`.
 *
 * @module
 */
import { Schema } from "../engine/schema.ts";
import { Engine, type EngineRule, type PredicateCompiler } from "../engine/engine.ts";
import { FieldPaths, JsonEvent } from "../engine/event.ts";
import { loadRules } from "../rules/loader/mod.ts";
import { compileEventQuery } from "../runtimes/js/mod.ts";
import { WasmRuleset } from "../runtimes/wasm/mod.ts";
import { workloadEvents, workloadRules } from "./engine_workload.ts";
import { syntheticEvents } from "../samples/synthetic.ts";
import { LiteralEvents, literalsOf } from "../samples/rule_literals.ts";

const LIMITS = { fuelLimit: 10_000_000, memoryLimitMb: 32 };

/** Events/s of an engine over `events`, after a warm-up pass. */
function throughput(
  schema: Schema,
  rules: readonly EngineRule[],
  events: readonly JsonEvent[],
  predicates: PredicateCompiler | undefined,
): { perSecond: number; matches: number } {
  let matches = 0;
  const engine = new Engine(rules, { schema, onMatch: () => matches++, predicates });
  for (const ev of events.slice(0, 20_000)) engine.process(ev);
  matches = 0;
  const rounds = 3;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const ev of events) engine.process(ev);
  const ms = performance.now() - t0;
  return { perSecond: events.length * rounds / ms * 1000, matches };
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/** Runs both runtimes in turn, five times each (the machine is shared), and keeps the best of each. */
function compare(label: string, schema: Schema, rules: EngineRule[], events: JsonEvent[]): void {
  let js = { perSecond: 0, matches: 0 }, wasm = { perSecond: 0, matches: 0 };
  for (let trial = 0; trial < 5; trial++) {
    const a = throughput(schema, rules, events, undefined);
    const b = throughput(schema, rules, events, WasmRuleset.compile(rules, LIMITS).predicates);
    if (a.matches !== b.matches) throw new Error(`${label}: ${a.matches} vs ${b.matches} matches`);
    if (a.perSecond > js.perSecond) js = a;
    if (b.perSecond > wasm.perSecond) wasm = b;
  }
  console.log(
    `${label}: js ${fmt(js.perSecond)} events/s, wasm ${fmt(wasm.perSecond)} events/s, ` +
      `wasm/js ${(wasm.perSecond / js.perSecond).toFixed(2)} (${js.matches} matches each)`,
  );
}

// 1. The §10 workload.
{
  const schema = Schema.ecs();
  compare(
    "100 process rules, process events",
    schema,
    workloadRules(schema),
    workloadEvents(schema, 100_000, true),
  );
}

// 2. The corpus on the synthetic mix.
const corpusDir = new URL("../tests/fixtures/rules/corpus", import.meta.url).pathname;
{
  const schema = Schema.ecs();
  const rules = (await loadRules(corpusDir, { schema })).rules;
  const paths = new FieldPaths(schema);
  const events: JsonEvent[] = [];
  let i = 0;
  for (const doc of syntheticEvents(100_000, { seed: 3 })) {
    events.push(new JsonEvent(doc, BigInt(i) * 1_000_000n, i, paths));
    i++;
  }
  compare("41 corpus rules, synthetic mix", schema, rules, events);
}

// 3. Predicates alone, on events from their literals.
{
  const schema = Schema.ecs();
  const rules = (await loadRules(corpusDir, { schema })).rules;
  const wasm = WasmRuleset.compile(rules, LIMITS);
  const paths = new FieldPaths(schema);
  const ctx = (r: EngineRule) => ({ dialect: r.dialect, categoryMatcher: () => () => true });
  const preds = rules.flatMap((r, rule) => {
    const qs = r.ir.query ? [{ q: r.ir.query, part: "query" as const, index: 0 }] : r.ir.steps.map((
      s,
      index,
    ) => ({ q: s.query, part: "step" as const, index }));
    return qs.filter(({ q }) => !JSON.stringify(q).includes('"op":"lineage"')).map((
      { q, part, index },
    ) => ({
      q,
      js: compileEventQuery({ category: "any", predicate: q.predicate }, ctx(r)),
      wasm: wasm.predicates({ category: "any", predicate: q.predicate }, ctx(r), {
        rule,
        part,
        index,
      }),
    }));
  });
  const events: JsonEvent[] = [];
  preds.forEach((p, k) => {
    const literals = literalsOf(p.q.predicate);
    const gen = new LiteralEvents([...literals.keys()], literals, k);
    for (let n = 0; n < 2000; n++) {
      events.push(new JsonEvent(gen.next(), BigInt(events.length), events.length, paths));
    }
  });
  const best = { js: Infinity, wasm: Infinity }, trues = { js: 0, wasm: 0 };
  for (let trial = 0; trial < 5; trial++) {
    for (const which of ["js", "wasm"] as const) {
      let t = 0;
      for (const ev of events.slice(0, 5000)) for (const p of preds) p[which](ev);
      const t0 = performance.now();
      for (const ev of events) for (const p of preds) if (p[which](ev)) t++;
      best[which] = Math.min(best[which], performance.now() - t0);
      trues[which] = t;
    }
  }
  for (const which of ["js", "wasm"] as const) {
    const ms = best[which], t = trues[which];
    const n = events.length * preds.length;
    console.log(
      `${preds.length} corpus predicates on ${fmt(events.length)} literal events, ${which}: ` +
        `${(ms * 1e6 / n).toFixed(0)} ns/evaluation, ${fmt(events.length / ms * 1000)} events/s ` +
        `(all predicates), ${t} true`,
    );
  }
  console.log(`wasm/js (predicates alone): ${(best.js / best.wasm).toFixed(2)}`);
}
