/**
 * `deno bench`: parse + compile of the fixture rule corpus (ARCHITECTURE §10;
 * budget: under 1 ms for a typical rule).
 *
 * @module
 */
import { compileQuery } from "../eql/compile.ts";
import { parseQuery } from "../eql/parse.ts";
import { Schema } from "../engine/schema.ts";
import { loadRules } from "../rules/loader/mod.ts";

const corpus = await loadRules(
  new URL("../tests/fixtures/rules/corpus/", import.meta.url).pathname,
);
if (corpus.rules.length === 0) throw new Error("fixture corpus did not load");
const queries = corpus.rules.map((r) => ({ query: r.query, dialect: r.dialect }));
const globals = corpus.manifest?.globals ?? {};

Deno.bench(
  `parse fixture corpus (${queries.length} rules)`,
  { group: "corpus", baseline: true },
  () => {
    for (const q of queries) parseQuery(q.query);
  },
);

Deno.bench(`parse + compile fixture corpus (${queries.length} rules)`, { group: "corpus" }, () => {
  const schema = Schema.ecs();
  for (const q of queries) compileQuery(q.query, { schema, dialect: q.dialect, globals });
});

const typical = queries.find((q) => q.query.startsWith("sequence")) ?? queries[0];
Deno.bench("parse + compile one sequence rule", () => {
  compileQuery(typical.query, { schema: Schema.ecs(), dialect: typical.dialect, globals });
});
