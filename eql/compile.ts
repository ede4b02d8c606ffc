/**
 * The EQL compiler's entry points: query text → AST → checked IR.
 *
 * @module
 */
import type { Diagnostic, SourceOrigin } from "./errors.ts";
import type { Expr, Query } from "./ast.ts";
import type { IrExpr, RuleIR } from "./ir.ts";
import { parseExpression, parseQuery } from "./parse.ts";
import { analyzeExpression, type AnalyzeOptions, analyzeQuery } from "./semantic.ts";
import type { Schema, SchemaMode } from "../engine/schema.ts";

/** The two EQL dialects (ARCHITECTURE §4). */
export type Dialect = "elastic" | "legacy";

/** A manifest global's value: a scalar or a list of scalars. */
export type GlobalValue = string | number | boolean | null | (string | number | boolean | null)[];

/** Resolves the names of custom Lua predicates, `lua("module.fn", …)`, at compile time. */
export interface LuaResolver {
  /** Null when Lua function `fn` of `module` exists; otherwise why not, as a message. */
  resolve(module: string, fn: string): string | null;
}

/** Options shared by {@link compileQuery} and {@link compileExpression}. */
export interface CompileOptions {
  /** Dialect; `elastic` when omitted. */
  dialect?: Dialect;
  /** Field registry; in `dynamic` mode unknown fields are added to it. */
  schema: Schema;
  /** `ecs` (unknown fields are errors) or `dynamic`; `ecs` when omitted. */
  schemaMode?: SchemaMode;
  /** Manifest globals, referenced as `$NAME`. */
  globals?: Record<string, GlobalValue>;
  /** Where the query text sits in its file, for diagnostics. */
  origin?: SourceOrigin;
  /**
   * The query runs on an unbounded stream (a rule of the live sensor or of
   * replay): pipes that need the whole stream are errors.
   */
  streaming?: boolean;
  /** The loaded Lua modules; without it every `lua()` call is an error. */
  lua?: LuaResolver;
}

/** The result of compiling a query: `ir` is present exactly when there is no error. */
export interface CompileResult {
  ast?: Query;
  ir?: RuleIR;
  diagnostics: Diagnostic[];
}

/** The result of compiling a bare boolean expression (suppression conditions). */
export interface ExpressionResult {
  ast?: Expr;
  ir?: IrExpr;
  diagnostics: Diagnostic[];
}

function analyzeOptions(source: string, o: CompileOptions): AnalyzeOptions {
  return {
    dialect: o.dialect ?? "elastic",
    schema: o.schema,
    schemaMode: o.schemaMode ?? "ecs",
    globals: o.globals ?? {},
    origin: o.origin ?? { file: "<query>" },
    streaming: o.streaming ?? false,
    lua: o.lua,
    source,
  };
}

/**
 * Compiles one EQL query. Never throws for bad input: problems come back as
 * located diagnostics, errors and warnings together.
 *
 * @example
 * ```ts
 * const r = compileQuery('process where process.name == "sh"', { schema: Schema.ecs() });
 * r.ir?.kind; // "event"
 * ```
 */
export function compileQuery(source: string, options: CompileOptions): CompileResult {
  const o = analyzeOptions(source, options);
  const parsed = parseQuery(source, o.origin);
  if (!parsed.ast) return { diagnostics: parsed.diagnostics };
  const { ir, diagnostics } = analyzeQuery(parsed.ast, o);
  sortDiagnostics(diagnostics);
  return ir ? { ast: parsed.ast, ir, diagnostics } : { ast: parsed.ast, diagnostics };
}

/** Compiles a bare boolean expression over event fields (e.g. a suppression condition). */
export function compileExpression(source: string, options: CompileOptions): ExpressionResult {
  const o = analyzeOptions(source, options);
  const parsed = parseExpression(source, o.origin);
  if (!parsed.ast) return { diagnostics: parsed.diagnostics };
  const { ir, diagnostics } = analyzeExpression(parsed.ast, o);
  sortDiagnostics(diagnostics);
  return ir ? { ast: parsed.ast, ir, diagnostics } : { ast: parsed.ast, diagnostics };
}

/** Orders diagnostics by position, so they read top to bottom like the source. */
function sortDiagnostics(ds: Diagnostic[]): void {
  ds.sort((a, b) => a.line - b.line || a.col - b.col);
}
