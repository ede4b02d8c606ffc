/**
 * Rules run on an unbounded stream: pipes that need the whole stream are
 * located errors when compiling with `streaming`, and fine for queries.
 */
import assert from "node:assert/strict";
import { compileQuery } from "../../eql/compile.ts";
import { Schema } from "../../engine/schema.ts";

const compile = (q: string, streaming: boolean) =>
  compileQuery(q, { schema: Schema.ecs(), dialect: "legacy", schemaMode: "dynamic", streaming });

Deno.test("streaming rules reject tail, count, unique_count and sort at the pipe", () => {
  for (const pipe of ["tail 3", "count", "unique_count process.name", "sort process.name"]) {
    const q = `process where true | ${pipe}`;
    const r = compile(q, true);
    assert.equal(r.ir, undefined, q);
    const name = pipe.split(" ")[0];
    assert.deepEqual(
      r.diagnostics.map((d) => [d.line, d.col, d.message]),
      [[
        1,
        20,
        `pipe "${name}" needs the whole event stream, so a rule cannot use it ` +
        `(rules may use head, unique and filter; "${name}" works with kestrel query)`,
      ]],
    );
    assert.ok(compile(q, false).ir, `${q} is fine as a query`);
  }
});

Deno.test("streaming rules may use head, unique and filter", () => {
  const r = compile(
    "process where true | head 5 | unique process.name | filter process.pid > 1",
    true,
  );
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.ir?.pipes.map((p) => p.name), ["head", "unique", "filter"]);
});
