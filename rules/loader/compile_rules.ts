/**
 * The compile step: parsed rule specs → loaded rules, with every query and
 * suppression compiled at its place in its file.
 *
 * @module
 */
import { compileExpression, compileQuery } from "../../eql/compile.ts";
import type { Dialect, GlobalValue, LuaResolver } from "../../eql/compile.ts";
import type { LuaHost } from "../../runtimes/js/types.ts";
import type { Diagnostic } from "../../eql/errors.ts";
import type { IrExpr } from "../../eql/ir.ts";
import type { Schema, SchemaMode } from "../../engine/schema.ts";
import type { SourceFile } from "./source_file.ts";
import type { EmbeddedText } from "./tree.ts";
import type { RuleSpec } from "./spec.ts";
import type { LoadedRule } from "./types.ts";
import { compileEmbedded } from "./origin.ts";
import { ruleHash } from "./hash.ts";

/** What every compilation of one load shares. */
export interface CompileContext {
  schema: Schema;
  schemaMode: SchemaMode;
  globals: Record<string, GlobalValue>;
  /** Dialect for rules that name none. */
  dialect: Dialect;
  /** The loaded Lua modules, for `lua()` calls. */
  lua?: LuaResolver & LuaHost;
}

/** Compiles a boolean expression (a suppression condition) in `file`; undefined on error. */
export function compileCondition(
  ctx: CompileContext,
  file: SourceFile,
  text: EmbeddedText,
  dialect: Dialect,
  diagnostics: Diagnostic[],
): IrExpr | undefined {
  const r = compileEmbedded(file, text, (origin) =>
    compileExpression(text.text, {
      dialect,
      schema: ctx.schema,
      schemaMode: ctx.schemaMode,
      globals: ctx.globals,
      origin,
      lua: ctx.lua,
    }));
  diagnostics.push(...r.diagnostics);
  if (r.diagnostics.some((d) => d.severity === "error")) return undefined;
  return "ir" in r ? r.ir : undefined;
}

/**
 * Compiles a rule's query and own suppressions and appends `extra`
 * (manifest suppressions, already compiled); undefined when anything failed.
 */
export function compileRule(
  ctx: CompileContext,
  spec: RuleSpec,
  extra: readonly IrExpr[],
  diagnostics: Diagnostic[],
): LoadedRule | undefined {
  const dialect = spec.dialect ?? ctx.dialect;
  const query = spec.query;
  const r = compileEmbedded(spec.file, query, (origin) =>
    compileQuery(query.text, {
      dialect,
      schema: ctx.schema,
      schemaMode: ctx.schemaMode,
      globals: ctx.globals,
      origin,
      // Rules run on an unbounded stream (live or replay).
      streaming: true,
      lua: ctx.lua,
    }));
  diagnostics.push(...r.diagnostics);
  let ok = !r.diagnostics.some((d) => d.severity === "error");
  const suppressions: IrExpr[] = [];
  for (const s of spec.suppressions) {
    const ir = compileCondition(ctx, s.file, s.text, dialect, diagnostics);
    if (ir) suppressions.push(ir);
    else ok = false;
  }
  if (!ok || !("ir" in r) || !r.ir || !r.ast) {
    if (ok) diagnostics.push(spec.file.error(query.offsets[0], "internal compiler error: no IR"));
    return undefined;
  }
  return {
    id: spec.id,
    name: spec.name,
    description: spec.description,
    version: spec.version,
    author: spec.author,
    severity: spec.severity,
    tags: spec.tags,
    mitre: spec.mitre,
    action: spec.action,
    dialect,
    enabled: spec.enabled,
    falsePositives: spec.falsePositives,
    references: spec.references,
    query: query.text,
    hash: ruleHash(dialect, query.text),
    source: {
      file: spec.file.path,
      format: spec.format,
      line: spec.file.position(query.offsets[0]).line,
    },
    ast: r.ast,
    ir: r.ir,
    suppressions: [...suppressions, ...extra],
    ...(ctx.lua ? { lua: ctx.lua } : {}),
  };
}
