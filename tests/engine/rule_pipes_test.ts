/**
 * Rules with streaming pipes (`head`, `unique`, `filter`): the engine
 * applies them as matches arrive, per rule.
 */
import assert from "node:assert/strict";
import { compileQuery, type Dialect } from "../../eql/compile.ts";
import { Schema } from "../../engine/schema.ts";
import { FieldPaths, JsonEvent } from "../../engine/event.ts";
import { Engine } from "../../engine/engine.ts";

const schema = Schema.ecs();
const paths = new FieldPaths(schema);

function rule(id: string, eql: string, dialect: Dialect = "elastic") {
  const r = compileQuery(eql, { schema, dialect, streaming: true });
  if (!r.ir) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return { id, dialect, ir: r.ir };
}

const names = ["a", "A", "b", "a", "c", "d"];
const events = names.map((name, i) =>
  new JsonEvent(
    { event: { category: "process" }, process: { name, pid: i + 1 } },
    BigInt(i + 1) * 1_000_000_000n,
    i + 1,
    paths,
  )
);

function run(rules: ReturnType<typeof rule>[]): string[] {
  const out: string[] = [];
  const engine = new Engine(rules, {
    schema,
    onMatch: (m) => out.push(`${rules[m.rule].id}:${m.events.map((e) => e.seq).join(",")}`),
  });
  for (const ev of events) engine.process(ev);
  return out;
}

Deno.test("rule pipes: head stops a rule after N matches; other rules go on", () => {
  assert.deepEqual(
    run([rule("h", "process where true | head 2"), rule("all", "process where process.pid > 4")]),
    [
      "h:1",
      "h:2",
      "all:5",
      "all:6",
    ],
  );
});

Deno.test("rule pipes: unique keeps the first match per key, case-folded in legacy", () => {
  assert.deepEqual(run([rule("u", "process where true | unique process.name", "legacy")]), [
    "u:1",
    "u:3",
    "u:5",
    "u:6",
  ]);
});

Deno.test("rule pipes: filter then head", () => {
  assert.deepEqual(
    run([rule("f", "process where true | filter process.pid > 2 | head 2", "legacy")]),
    ["f:3", "f:4"],
  );
});
