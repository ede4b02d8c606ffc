/**
 * Test helpers: compile a query with the real compiler, run it on JSON
 * events through the JavaScript runtime.
 *
 * @module
 */
import assert from "node:assert/strict";
import { compileQuery, type Dialect, type GlobalValue } from "../../../eql/compile.ts";
import type { IrEventQuery } from "../../../eql/ir.ts";
import { type Event, FieldPaths, JsonEvent } from "../../../engine/event.ts";
import { Schema } from "../../../engine/schema.ts";
import type { Lineage } from "../../../engine/lineage_api.ts";
import {
  compileEventQuery,
  type Predicate,
  type RuntimeContext,
} from "../../../runtimes/js/mod.ts";

/** One registry per schema mode; dynamic mode admits foreign fields into its own. */
const ECS = Schema.ecs();
const DYNAMIC = Schema.ecs();
const PATHS = new Map<Schema, FieldPaths>([[ECS, new FieldPaths(ECS)], [
  DYNAMIC,
  new FieldPaths(DYNAMIC),
]]);

/** A JSON document as an event. */
export type Doc = Record<string, unknown>;

/** Options of {@link compile}. */
export interface Options {
  dialect?: Dialect;
  /** Use the dynamic schema (foreign, legacy-style fields). Legacy queries default to it. */
  dynamic?: boolean;
  globals?: Record<string, GlobalValue>;
  lineage?: Lineage;
}

/** The schema a query compiled with `o` reads. */
export function schemaFor(o: Options = {}): Schema {
  return (o.dynamic ?? o.dialect === "legacy") ? DYNAMIC : ECS;
}

/** Wraps a document as an event of `schema`. */
export function event(doc: Doc, schema: Schema = ECS, seq = 0): JsonEvent {
  return new JsonEvent(doc, 0n, seq, PATHS.get(schema)!);
}

/** The category matcher tests use: `event.category` as a string or a list. */
export function categoryMatcher(schema: Schema): (category: string) => (ev: Event) => boolean {
  const id = schema.lookup("event.category")!.id;
  return (category) => {
    if (category === "any") return () => true;
    return (ev) => {
      const v = ev.get(id);
      return v === category || (Array.isArray(v) && v.includes(category));
    };
  };
}

/** The runtime context for a dialect. */
export function context(o: Options = {}): RuntimeContext {
  return {
    dialect: o.dialect ?? "elastic",
    categoryMatcher: categoryMatcher(schemaFor(o)),
    ...(o.lineage ? { lineage: o.lineage } : {}),
  };
}

/** Compiles an event query to IR, failing the test on any compile error. */
export function ir(query: string, o: Options = {}): IrEventQuery {
  const r = compileQuery(query, {
    schema: schemaFor(o),
    dialect: o.dialect ?? "elastic",
    schemaMode: (o.dynamic ?? o.dialect === "legacy") ? "dynamic" : "ecs",
    globals: o.globals ?? {},
  });
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  assert.deepEqual(errors.map((d) => d.message), [], `compile errors in ${query}`);
  assert.ok(r.ir?.query, `${query} is an event query`);
  return r.ir.query;
}

/** Compiles an event query into a predicate over documents. */
export function compile(query: string, o: Options = {}): (doc: Doc) => boolean {
  const p: Predicate = compileEventQuery(ir(query, o), context(o));
  const schema = schemaFor(o);
  return (doc) => p(event(doc, schema));
}

/** Asserts the hand-written answer of `query` for each document. */
export function check(query: string, cases: readonly [Doc, boolean][], o: Options = {}): void {
  const p = compile(query, o);
  for (const [doc, expected] of cases) {
    assert.equal(p(doc), expected, `${o.dialect ?? "elastic"}: ${query} on ${JSON.stringify(doc)}`);
  }
}

/** Shorthand for a `process.*` document (nested JSON). */
export function proc(fields: Doc): Doc {
  return { process: fields };
}
