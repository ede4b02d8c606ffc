/**
 * Differential test: the Wasm runtime against the JavaScript runtime (the
 * reference) on the fixture rule corpus, over 100,000 events generated
 * from the rules' own literals (samples/rule_literals.ts: case flips,
 * non-ASCII text, nulls, missing fields, lists, near-misses).
 *
 * Every predicate of every rule the Wasm runtime runs (queries, sequence
 * steps, suppressions; lineage rules through the engine's process tree) is
 * evaluated by both runtimes on every event and must agree; each predicate must also be true on at least 5% of the
 * events generated for it, so that agreement is not trivially "false".
 * The whole engine then runs both ways and must give the same matches.
 *
 * @module
 */
import assert from "node:assert/strict";
import { loadRules } from "../../../rules/loader/mod.ts";
import type { LoadedRule } from "../../../rules/loader/mod.ts";
import { Schema } from "../../../engine/schema.ts";
import { type Event, FieldPaths, JsonEvent } from "../../../engine/event.ts";
import { Engine, type Match } from "../../../engine/engine.ts";
import { compileEventQuery, type RuntimeContext } from "../../../runtimes/js/mod.ts";
import { compileWasmRules, WasmRuleset } from "../../../runtimes/wasm/mod.ts";
import { LiteralEvents, literalsOf } from "../../../samples/rule_literals.ts";
import type { IrEventQuery } from "../../../eql/ir.ts";

const CORPUS = new URL("../../fixtures/rules/corpus", import.meta.url).pathname;
const LIMITS = { fuelLimit: 10_000_000, memoryLimitMb: 32 };
const TOTAL_EVENTS = 100_000;

interface Split {
  schema: Schema;
  supported: LoadedRule[];
  unsupported: { rule: LoadedRule; error: string }[];
}

async function corpus(): Promise<Split> {
  const schema = Schema.ecs();
  const loaded = await loadRules(CORPUS, { schema });
  assert.equal(loaded.diagnostics.filter((d) => d.severity === "error").length, 0);
  const supported: LoadedRule[] = [], unsupported: { rule: LoadedRule; error: string }[] = [];
  for (const r of loaded.rules) {
    const c = compileWasmRules([r], LIMITS);
    if (c.bytes) supported.push(r);
    else unsupported.push({ rule: r, error: c.errors.join("\n") });
  }
  return { schema, supported, unsupported };
}

function ctxFor(r: LoadedRule): RuntimeContext {
  return { dialect: r.dialect, categoryMatcher: () => () => true };
}

/** Every predicate of a rule with its place, as the engine asks for them. */
function sitesOf(r: LoadedRule): { label: string; q: IrEventQuery }[] {
  const out: { label: string; q: IrEventQuery }[] = [];
  if (r.ir.query) out.push({ label: "query", q: r.ir.query });
  r.ir.steps.forEach((s, i) => out.push({ label: `step ${i}`, q: s.query }));
  if (r.ir.until) out.push({ label: "until", q: r.ir.until.query });
  r.suppressions.forEach((s, i) =>
    out.push({ label: `suppression ${i}`, q: { category: "any", predicate: s } })
  );
  return out;
}

Deno.test("wasm: every rule of the corpus compiles to wasm", async () => {
  const { supported, unsupported } = await corpus();
  assert.deepEqual(unsupported.map((u) => u.error), []);
  assert.equal(supported.length, 41);
});

Deno.test("wasm: agrees with the js runtime on 100,000 events from the corpus rules' literals", async () => {
  const { schema, supported } = await corpus();
  assert.ok(supported.length >= 30, `only ${supported.length} corpus rules compile to wasm`);
  const errors: string[] = [];
  const wasm = WasmRuleset.compile(supported, LIMITS, (id, m) => errors.push(`${id}: ${m}`));
  const paths = new FieldPaths(schema);
  // Every predicate, with both runtimes' compiled forms and its own event generator.
  // Lineage predicates need the engine's process tree: the lineage test below covers them.
  const preds = supported.flatMap((r, rule) =>
    sitesOf(r).filter(({ q }) => !JSON.stringify(q).includes('"op":"lineage"')).map(
      ({ label, q }) => {
        const part = label.split(" ")[0] as "query" | "step" | "until" | "suppression";
        const index = Number(label.split(" ")[1] ?? 0);
        const literals = literalsOf(q.predicate);
        const fields = [...new Set(collectFieldNames(q))];
        return {
          name: `${r.id} ${label}`,
          js: compileEventQuery({ category: "any", predicate: q.predicate }, ctxFor(r)),
          wasm: wasm.predicates({ category: "any", predicate: q.predicate }, ctxFor(r), {
            rule,
            part,
            index,
          }),
          events: new LiteralEvents(fields, literals, 1000 + rule * 16 + index),
          own: 0,
          ownTrue: 0,
        };
      },
    )
  );
  const perPred = Math.ceil(TOTAL_EVENTS / preds.length);
  let evaluated = 0;
  for (const gen of preds) {
    for (let k = 0; k < perPred && evaluated < TOTAL_EVENTS; k++, evaluated++) {
      // Every fourth event is searched for among a few candidates to satisfy its
      // predicate (by the reference runtime), so no predicate is almost always false.
      let ev = new JsonEvent(gen.events.next(), BigInt(evaluated), evaluated, paths);
      for (let tries = 0; k % 4 === 0 && tries < 50 && !gen.js(ev); tries++) {
        ev = new JsonEvent(gen.events.next(), BigInt(evaluated), evaluated, paths);
      }
      for (const p of preds) {
        const a = p.js(ev), b = p.wasm(ev);
        if (a !== b) {
          assert.fail(
            `${p.name}: js ${a}, wasm ${b} on ${JSON.stringify(ev.toJSON())}`,
          );
        }
        if (p === gen) {
          gen.own++;
          if (a) gen.ownTrue++;
        }
      }
    }
  }
  assert.equal(evaluated, TOTAL_EVENTS);
  assert.deepEqual(errors, []);
  for (const p of preds) {
    const share = p.ownTrue / p.own;
    if (Deno.env.get("WASM_SHARES")) console.log(p.name, share.toFixed(3));
  }
  for (const p of preds) {
    const share = p.ownTrue / p.own;
    assert.ok(share >= 0.05, `${p.name}: true on ${(share * 100).toFixed(1)}% of its events`);
  }
});

Deno.test("wasm: the engine gives the same matches with either runtime", async () => {
  const { schema, supported } = await corpus();
  const paths = new FieldPaths(schema);
  // Events for every predicate in turn, each stamped with its predicate's category.
  const docs: Record<string, unknown>[] = [];
  const gens = supported.flatMap((r, i) =>
    sitesOf(r).map(({ q }, k) => ({
      category: q.category,
      gen: new LiteralEvents(
        [...new Set(collectFieldNames(q))],
        literalsOf(q.predicate),
        7 + i * 31 + k,
      ),
    }))
  );
  for (let n = 0; n < 20_000; n++) {
    const { category, gen } = gens[n % gens.length];
    const doc = gen.next();
    if (category !== "any") doc["event.category"] = category;
    docs.push(doc);
  }
  const run = (wasm: boolean): string[] => {
    const out: string[] = [];
    const engine = new Engine(supported, {
      schema,
      onMatch: (m: Match) =>
        out.push(`${supported[m.rule].id} ${m.kind} ${m.events.map((e) => e.seq).join(",")}`),
      predicates: wasm ? WasmRuleset.compile(supported, LIMITS).predicates : undefined,
    });
    docs.forEach((d, i) =>
      engine.process(new JsonEvent(d, BigInt(i) * 1_000_000n, i, paths) as Event)
    );
    return out;
  };
  const js = run(false), wasm = run(true);
  assert.ok(js.length > 100, `only ${js.length} matches`);
  assert.deepEqual(wasm, js);
});

Deno.test("wasm: lineage rules agree with the js runtime over a generated process tree", async () => {
  const { schema, supported } = await corpus();
  const rules = supported.filter((r) => JSON.stringify(r.ir).includes('"op":"lineage"'));
  assert.equal(rules.length, 2);
  const paths = new FieldPaths(schema);
  const gens = rules.map((r, i) => {
    const literals = literalsOf(r.ir.query!.predicate);
    return new LiteralEvents([...literals.keys()], literals, 99 + i);
  });
  const docs: Record<string, unknown>[] = [];
  for (let n = 0; n < 6000; n++) {
    const doc = gens[n % gens.length].next();
    doc["event.category"] = "process";
    doc["process.entity_id"] = `e${n}`;
    // Mostly a recent process as the parent, so trees grow a few levels deep.
    if (n > 0) doc["process.parent.entity_id"] = `e${Math.max(0, n - 1 - ((n * 7919) % 12))}`;
    docs.push(doc);
  }
  const run = (wasm: boolean): string[] => {
    const out: string[] = [];
    const engine = new Engine(rules, {
      schema,
      onMatch: (m: Match) => out.push(`${rules[m.rule].id} ${m.events[0].seq}`),
      predicates: wasm ? WasmRuleset.compile(rules, LIMITS).predicates : undefined,
    });
    docs.forEach((d, i) => engine.process(new JsonEvent(d, BigInt(i) * 1000n, i, paths)));
    return out;
  };
  const js = run(false), wasm = run(true);
  for (const r of rules) {
    const n = js.filter((m) => m.startsWith(r.id + " ")).length;
    assert.ok(n >= 0.05 * docs.length / rules.length, `${r.id}: only ${n} matches`);
  }
  assert.deepEqual(wasm, js);
});

/** Dotted names of the fields a query reads. */
function collectFieldNames(q: IrEventQuery): string[] {
  const out: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x !== null && typeof x === "object") {
      const o = x as Record<string, unknown>;
      if (o.op === "field") out.push(o.name as string);
      for (const v of Object.values(o)) walk(v);
    }
  };
  walk(q.predicate);
  return out;
}
