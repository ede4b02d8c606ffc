/**
 * Random EQL conditions in both dialects (seeded, so every run is the
 * same), compiled by the real compiler and run by both runtimes on random
 * documents built from the same small pools of values: the Wasm runtime
 * must give the JavaScript runtime's answer every time.
 *
 * @module
 */
import assert from "node:assert/strict";
import { compileExpression, type Dialect } from "../../../eql/compile.ts";
import type { IrExpr } from "../../../eql/ir.ts";
import { Schema } from "../../../engine/schema.ts";
import { FieldPaths, JsonEvent } from "../../../engine/event.ts";
import { compilePredicate } from "../../../runtimes/js/mod.ts";
import { buildModule, fieldsOf } from "../../../runtimes/wasm/module.ts";
import { WasmInstance } from "../../../runtimes/wasm/instance.ts";
import { WasmUnsupported } from "../../../runtimes/wasm/codegen.ts";
import { prng } from "../../../samples/synthetic.ts";

const STRINGS = [
  "bash",
  "BASH",
  "Bash",
  "sh",
  "zsh",
  "/bin/sh",
  "ΑΣ",
  "σς",
  "İx",
  "😀a",
  "",
  "a*b",
  "0",
];
const NUMBERS = [0, 1, -1, 2.5, 22, 443, 1e21];
const IPS = ["10.1.2.3", "192.168.0.1", "::1", "fe80::1", "8.8.8.8", "bad"];
const STRING_FIELDS = ["process.name", "process.parent.name", "user.id", "process.args"];
const NUMBER_FIELDS = ["process.pid", "destination.port"];

/** A random condition source in `dialect`. */
function condition(rand: () => number, dialect: Dialect, depth: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const str = () => JSON.stringify(pick(STRINGS));
  const pattern = () =>
    JSON.stringify(pick(STRINGS).replace(/^./, (c) => pick([c, "*", "?"])) + pick(["", "*"]));
  if (depth > 0 && rand() < 0.35) {
    const op = pick(["and", "or"]);
    return `(${condition(rand, dialect, depth - 1)} ${op} ${condition(rand, dialect, depth - 1)})`;
  }
  if (depth > 0 && rand() < 0.1) return `not ${condition(rand, dialect, depth - 1)}`;
  const s = pick(STRING_FIELDS), n = pick(NUMBER_FIELDS);
  const common = [
    () => `${s} ${pick(["==", "!=", "<", ">="])} ${str()}`,
    () => `${s} ${pick(["==", "!="])} ${pick(STRING_FIELDS)}`,
    () => `${n} ${pick(["==", "!=", "<", ">", "<=", ">="])} ${pick(NUMBERS)}`,
    () => `${s} in (${str()}, ${str()}, ${pick(["null", str()])})`,
    () => `${s} not in (${str()}, ${pick(STRING_FIELDS)})`,
    () => `${s} == null`,
    () => `${n} + ${pick(NUMBERS)} > ${pick(NUMBERS)}`,
    () => `${n} / ${pick([2, 0, -3])} == ${pick(NUMBERS)}`,
    () => `startsWith(${s}, ${str()})`,
    () => `endsWith(${s}, ${str()})`,
    () => `stringContains(${s}, ${str()})`,
    () => `length(${s}) ${pick(["==", ">"])} ${pick([0, 2, 3, 4])}`,
    () => `cidrMatch(destination.ip, "10.0.0.0/8", "::1/128", "192.168.0.0/16")`,
  ];
  const elastic = [
    () => `${s} : (${pattern()}, ${pattern()})`,
    () => `${s} like~ ${pattern()}`,
    () => `${s} like ${pattern()}`,
    () => `${s} in~ (${str()}, ${str()})`,
    () => `${s} regex~ ${JSON.stringify(pick(["b.*", "[a-z]+", "σ.", ".*h", "(sh|zsh)?"]))}`,
    () => `startsWith~(${s}, ${str()})`,
    () => `indexOf~(${s}, ${str()}, ${pick([0, 1, -2, 9])}) == ${pick([0, 1, 2])}`,
    () => `substring(${s}, ${pick([0, 1, -2])}, ${pick([1, 3, -1])}) == ${str()}`,
  ];
  const legacy = [
    () => `${s} == ${pattern()}`,
    () => `${s} in (${pattern()}, ${str()})`,
    () => `wildcard(${s}, ${pattern()})`,
    () => `safe(${s}) == ${str()}`,
  ];
  return pick([...common, ...(dialect === "elastic" ? elastic : legacy)])();
}

/** A random document from the same pools (lists, nulls and absent fields included). */
function doc(rand: () => number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const out: Record<string, unknown> = {};
  const value = (pool: readonly unknown[]) => {
    const r = rand();
    if (r < 0.1) return null;
    if (r < 0.25) return [pick(pool), pick(pool)];
    if (r < 0.3) return [];
    if (r < 0.35) return pick(STRINGS.concat(NUMBERS as never[]));
    return pick(pool);
  };
  for (const f of STRING_FIELDS) if (rand() < 0.85) out[f] = value(STRINGS);
  for (const f of NUMBER_FIELDS) if (rand() < 0.85) out[f] = value(NUMBERS);
  if (rand() < 0.85) out["destination.ip"] = value(IPS);
  return out;
}

Deno.test("wasm: random conditions in both dialects agree with the js runtime", () => {
  const schema = Schema.ecs();
  const paths = new FieldPaths(schema);
  const rand = prng(20260101);
  const exprs: { text: string; dialect: Dialect; ir: IrExpr }[] = [];
  while (exprs.length < 600) {
    const dialect: Dialect = rand() < 0.5 ? "elastic" : "legacy";
    const text = condition(rand, dialect, 3);
    const r = compileExpression(text, { schema, dialect });
    if (!r.ir) continue; // a random type mismatch: the compiler rejects it
    try {
      buildModule([{ ir: r.ir, dialect }], [], { memoryLimitMb: 16 });
    } catch (e) {
      if (e instanceof WasmUnsupported) continue;
      throw e;
    }
    exprs.push({ text, dialect, ir: r.ir });
  }
  const bytes = buildModule(exprs.map((e) => ({ ir: e.ir, dialect: e.dialect })), [], {
    memoryLimitMb: 16,
  });
  const wasm = new WasmInstance(bytes, { fuelLimit: 1_000_000, memoryLimitMb: 16 });
  const js = exprs.map((e) =>
    compilePredicate(e.ir, { dialect: e.dialect, categoryMatcher: () => () => true })
  );
  let trues = 0, total = 0;
  for (let k = 0; k < 400; k++) {
    const d = doc(rand);
    const ev = new JsonEvent(d, 0n, k, paths);
    exprs.forEach((e, i) => {
      const expected = js[i](ev);
      const actual = wasm.eval(i, ev, fieldsOf(e.ir));
      if (actual !== expected) {
        assert.fail(
          `${e.dialect} ${e.text}: js ${expected}, wasm ${actual} on ${JSON.stringify(d)}`,
        );
      }
      total++;
      if (expected) trues++;
    });
  }
  // Both answers are common, so agreement is not one-sided.
  assert.ok(trues > total * 0.15 && trues < total * 0.85, `${trues} of ${total} true`);
});
