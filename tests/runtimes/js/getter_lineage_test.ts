import assert from "node:assert/strict";
import { compileExpression, compileQuery } from "../../../eql/compile.ts";
import type { IrExpr } from "../../../eql/ir.ts";
import type { Event } from "../../../engine/event.ts";
import type { Lineage } from "../../../engine/lineage_api.ts";
import { compileGetter, compilePredicate } from "../../../runtimes/js/mod.ts";
import { check, context, event, ir, type Options, proc, schemaFor } from "./helpers.ts";

/** Compiles a bare condition (suppressions). */
function expr(source: string, o: Options = {}): IrExpr {
  const r = compileExpression(source, {
    schema: schemaFor(o),
    dialect: o.dialect ?? "elastic",
    schemaMode: (o.dynamic ?? o.dialect === "legacy") ? "dynamic" : "ecs",
  });
  assert.ok(r.ir, `${source}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.ir;
}

/** Compiles `source` as a join key, the way sequences use getters. */
function key(source: string, o: Options = {}): IrExpr {
  const r = compileQuery(`sequence by ${source} [any where true] [any where true]`, {
    schema: schemaFor(o),
    dialect: o.dialect ?? "elastic",
    schemaMode: (o.dynamic ?? o.dialect === "legacy") ? "dynamic" : "ecs",
  });
  assert.ok(r.ir, `${source}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.ir.steps[0].keys[0];
}

Deno.test("getters read fields, subscripts and computed values", () => {
  const get = (source: string, doc: Record<string, unknown>, o: Options = {}) =>
    compileGetter(key(source, o), context(o))(event(doc, schemaFor(o)));
  assert.equal(get("process.name", proc({ name: "sh" })), "sh");
  assert.equal(get("process.name", {}), undefined);
  assert.equal(get("process.name", proc({ name: null })), null);
  assert.deepEqual(get("process.args", proc({ args: ["a", "b"] })), ["a", "b"]);
  assert.equal(get("process.pid + 1", proc({ pid: 41 })), 42);
  assert.equal(get("process.pid + 1", {}), null);
  assert.equal(get('concat(process.name, "!")', proc({ name: "sh" })), "sh!");
  assert.equal(get("args[1]", { args: ["a", "b"] }, { dialect: "legacy" }), "b");
  assert.equal(get("args[2]", { args: ["a", "b"] }, { dialect: "legacy" }), undefined);
});

Deno.test("a condition read as a value is true or false, never null", () => {
  const get = (source: string, doc: Record<string, unknown>, o: Options = {}) =>
    compileGetter(expr(source, o), context(o))(event(doc, schemaFor(o)));
  assert.equal(get('process.name == "sh"', proc({ name: "sh" })), true);
  assert.equal(get('process.name == "sh"', proc({ name: "x" })), false);
  assert.equal(get('process.name == "sh"', {}), false);
  assert.equal(get('process.name != "sh"', {}), true);
  assert.equal(get('not process.name : "sh"', {}), true);
  assert.equal(get("process.pid > 5", proc({ pid: "9" })), false);
  assert.equal(get('process_name == "sh"', {}, { dialect: "legacy" }), false);
});

Deno.test("compilePredicate evaluates bare expressions (suppressions)", () => {
  const p = compilePredicate(expr('user.name == "root" and process.pid > 1'), context());
  assert.equal(p(event({ user: { name: "root" }, process: { pid: 2 } })), true);
  assert.equal(p(event({ user: { name: "root" } })), false);
});

/** A lineage tracker that records what the predicates ask of it. */
class FakeLineage implements Lineage {
  readonly registered: ((ev: Event) => boolean)[] = [];
  readonly calls: [number, string, Event][] = [];
  answer = true;

  register(matches: (ev: Event) => boolean): number {
    this.registered.push(matches);
    return 40 + this.registered.length;
  }

  test(handle: number, relation: "descendant" | "child" | "event", ev: Event): boolean {
    this.calls.push([handle, relation, ev]);
    return this.answer;
  }
}

Deno.test("lineage nodes register their subquery once and ask the tracker per event", () => {
  const lineage = new FakeLineage();
  const o: Options = { dialect: "legacy", lineage };
  const q = ir(
    'process where process_name == "sh" and descendant of [process where process_name == "sshd"]',
    o,
  );
  const p = compilePredicate(q.predicate, context(o));
  assert.equal(lineage.registered.length, 1);
  const schema = schemaFor(o);
  // The registered subquery is the compiled `process where process_name == "sshd"`.
  const sub = lineage.registered[0];
  assert.equal(sub(event({ event: { category: "process" }, process_name: "SSHD" }, schema)), true);
  assert.equal(sub(event({ event: { category: "file" }, process_name: "sshd" }, schema)), false);
  assert.equal(sub(event({ event: { category: "process" }, process_name: "bash" }, schema)), false);

  const ev = event({ process_name: "sh" }, schema, 7);
  assert.equal(p(ev), true);
  assert.deepEqual(lineage.calls, [[41, "descendant", ev]]);
  lineage.answer = false;
  assert.equal(p(ev), false);
  // The name test fails first: the tracker is not asked.
  assert.equal(p(event({ process_name: "bash" }, schema)), false);
  assert.equal(lineage.calls.length, 2);
});

Deno.test("child of, event of, and lineage under not", () => {
  const lineage = new FakeLineage();
  const o: Options = { dialect: "legacy", lineage };
  const q = ir(
    'any where child of [process where pid == 1] or not event of [file where file_name == "x"]',
    o,
  );
  const p = compilePredicate(q.predicate, context(o));
  assert.equal(lineage.registered.length, 2);
  const ev = event({}, schemaFor(o));
  lineage.answer = false;
  assert.equal(p(ev), true);
  assert.deepEqual(lineage.calls.map(([h, r]) => [h, r]), [[41, "child"], [42, "event"]]);
  lineage.answer = true;
  assert.equal(p(ev), true);
});

Deno.test("lineage without a tracker is a clear compile error", () => {
  const o: Options = { dialect: "legacy" };
  const q = ir("process where descendant of [process where pid == 1]", o);
  assert.throws(() => compilePredicate(q.predicate, context(o)), /lineage tracker/);
});

Deno.test("lineage inside safe()", () => {
  const lineage = new FakeLineage();
  const o: Options = { dialect: "legacy", lineage };
  check("any where safe(child of [process where pid == 1])", [[{}, true]], o);
  lineage.test = () => {
    throw new Error("tracker failure");
  };
  check("any where safe(child of [process where pid == 1]) == null", [[{}, true]], o);
});
