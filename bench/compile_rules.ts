/**
 * Prints per-rule parse + compile times over the fixture corpus: mean, p50,
 * p99 and the slowest rule, after a warm-up. Run: `deno run -A bench/compile_rules.ts`.
 *
 * @module
 */
import { compileQuery } from "../eql/compile.ts";
import { Schema } from "../engine/schema.ts";
import { loadRules } from "../rules/loader/mod.ts";

const dir = Deno.args[0] ?? new URL("../tests/fixtures/rules/corpus/", import.meta.url).pathname;
const corpus = await loadRules(dir);
const globals = corpus.manifest?.globals ?? {};
const rounds = 200;
const times = new Map<string, number[]>();
for (let round = 0; round < rounds + 20; round++) {
  const schema = Schema.ecs();
  for (const r of corpus.rules) {
    const t0 = performance.now();
    compileQuery(r.query, { schema, dialect: r.dialect, globals });
    const dt = performance.now() - t0;
    if (round >= 20) times.set(r.id, [...(times.get(r.id) ?? []), dt]);
  }
}
const perRule = [...times].map(([id, ts]) => ({
  id,
  mean: ts.reduce((a, b) => a + b, 0) / ts.length,
}));
const all = [...times.values()].flat().sort((a, b) => a - b);
const pct = (p: number) => all[Math.min(all.length - 1, Math.floor(p * all.length))];
const slowest = perRule.sort((a, b) => b.mean - a.mean)[0];
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
console.log(`rules: ${corpus.rules.length}, rounds: ${rounds}`);
console.log(
  `per rule: mean ${us(all.reduce((a, b) => a + b, 0) / all.length)}, p50 ${us(pct(0.5))}, p99 ${
    us(pct(0.99))
  }`,
);
console.log(`slowest rule: ${slowest.id} (mean ${us(slowest.mean)})`);
