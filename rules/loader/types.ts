/**
 * Public types of the rule loader: what it takes and what it returns.
 *
 * @module
 */
import type { Diagnostic } from "../../eql/errors.ts";
import type { Query } from "../../eql/ast.ts";
import type { IrExpr, RuleIR } from "../../eql/ir.ts";
import type { Dialect, GlobalValue } from "../../eql/compile.ts";
import type { Schema, SchemaMode } from "../../engine/schema.ts";
import type { LuaHost } from "../../runtimes/js/types.ts";
import type { LuaLoadOptions, LuaModuleHost } from "./lua.ts";

/** One input file for {@link loadRulesFromSources}: its path (as reported) and text. */
export interface RuleSourceText {
  path: string;
  text: string;
}

/** Options of the loader. */
export interface LoadOptions {
  /** `ecs` (default) or `dynamic`, passed to the compiler. */
  schemaMode?: SchemaMode;
  /** Field registry; the ECS schema when omitted. In `dynamic` mode it gains fields. */
  schema?: Schema;
  /** Dialect of rules that do not name one; `elastic` when omitted. */
  dialect?: Dialect;
  /** Lua settings for {@link loadRules}, which loads the modules when a rule calls `lua()`. */
  lua?: LuaLoadOptions;
  /** The loaded Lua modules (set by `loadRules`); without them every `lua()` call is an error. */
  luaModules?: LuaModuleHost;
}

/** The file formats a rule can come from. */
export type RuleFormat = "eql" | "yaml" | "json" | "toml" | "elastic-toml";

/** Rule severities, lowest first. */
export type RuleSeverity = "low" | "medium" | "high" | "critical";

/** What the engine does when the rule matches. */
export type RuleAction = "alert" | "block" | "kill";

/** Where a rule was defined. */
export interface RuleOrigin {
  /** Path of the file, as given to the loader. */
  file: string;
  format: RuleFormat;
  /** 1-based line where the rule's query starts. */
  line: number;
}

/** A rule's metadata: everything except the compiled forms. */
export interface RuleMetadata {
  id: string;
  name: string;
  /** Empty when the file has none. */
  description: string;
  /** Integers are kept as their decimal text. */
  version?: string;
  author?: string;
  severity: RuleSeverity;
  tags: string[];
  /** ATT&CK technique, sub-technique and tactic ids (`T1059.004`, `TA0002`). */
  mitre: string[];
  action: RuleAction;
  dialect: Dialect;
  enabled: boolean;
  falsePositives: string[];
  references: string[];
  /** The EQL text, as extracted from the file. */
  query: string;
  /**
   * Hex SHA-256 of `dialect + "\n" + query`: a reload keeps the sequence
   * state of rules whose id and hash are unchanged.
   */
  hash: string;
  source: RuleOrigin;
}

/** A rule that parsed and compiled without error. */
export interface LoadedRule extends RuleMetadata {
  ast: Query;
  ir: RuleIR;
  /** The rule's own suppressions, then the manifest's that apply to it. */
  suppressions: IrExpr[];
  /** Runs the rule's `lua()` predicates (present when Lua modules were loaded). */
  lua?: LuaHost;
}

/** A manifest suppression: events matching any condition do not alert. */
export interface ManifestSuppression {
  /** A rule id, or `*` for every rule. */
  ruleId: string;
  /** EQL boolean expressions, as written. */
  conditions: string[];
}

/** The ruleset manifest (`manifest.yaml` at the rules root). */
export interface Manifest {
  file: string;
  name?: string;
  version?: string;
  description?: string;
  author?: string;
  date?: string;
  /** Values referenced from EQL as `$NAME`. */
  globals: Record<string, GlobalValue>;
  suppressions: ManifestSuppression[];
}

/** An informational message that is neither error nor warning (e.g. a skipped file). */
export interface LoadNote {
  file: string;
  message: string;
}

/** A rule that was found but not loaded because of errors. */
export interface RejectedRule {
  file: string;
  /** Absent when the id itself could not be read. */
  id?: string;
}

/** Everything the loader found: rules without errors, every diagnostic, and notes. */
export interface LoadResult {
  rules: LoadedRule[];
  /** Errors and warnings, sorted by file (in load order), line and column. */
  diagnostics: Diagnostic[];
  notes: LoadNote[];
  manifest?: Manifest;
  rejected: RejectedRule[];
}
