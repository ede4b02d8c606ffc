/**
 * The daemon's ruleset: the rules directory loaded whole, with an identity
 * for health and reload answers. A load with any error is refused whole
 * (the caller keeps the ruleset it has).
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Diagnostic } from "../eql/errors.ts";
import type { Schema } from "../engine/schema.ts";
import {
  type LoadedRule,
  type LoadNote,
  loadRules,
  loadRulesFromSources,
  type RuleSourceText,
} from "../rules/loader/mod.ts";
import type { LuaLoadOptions } from "../rules/loader/lua.ts";
import type { LuaConfig } from "../config/types.ts";
import { parseQuery } from "../eql/parse.ts";
import { PackageError, readPackage, type RulePackage } from "../runtimes/wasm/package.ts";

/** A loaded ruleset. */
export interface Ruleset {
  /** Every rule that loaded (enabled or not). */
  readonly all: readonly LoadedRule[];
  /** The enabled ones: what the engine runs. */
  readonly enabled: readonly LoadedRule[];
  /** The manifest's version, or `sha256:` and 12 hex digits of the rules' ids and hashes. */
  readonly version: string;
  /** 1 for the ruleset loaded at start, one more for each reload swapped in. */
  readonly generation: number;
  /** When it was loaded, RFC 3339. */
  readonly loadedAt: string;
  /** Warnings of the load. */
  readonly warnings: readonly Diagnostic[];
  /** Notes of the load (skipped files). */
  readonly notes: readonly LoadNote[];
  /** The rule package the rules came from (`[engine] package`): its module runs them. */
  readonly package?: RulePackage;
}

/** A load that gave a ruleset, or every diagnostic of one that did not. */
export type RulesetLoad =
  | { ok: true; ruleset: Ruleset }
  | { ok: false; diagnostics: Diagnostic[] };

/** The loader's Lua settings from `[lua]`. */
export function luaLoadOptions(c: LuaConfig): LuaLoadOptions {
  return {
    enabled: c.enabled,
    memoryLimitMb: c.memory_limit_mb,
    instructionLimit: c.instruction_limit,
    modulesDir: c.modules_dir || undefined,
  };
}

/**
 * Loads `dir` against `schema` in ECS mode, as generation `generation`,
 * with `[lua]` settings `lua` for rules that call Lua predicates. Without a
 * directory: the rule files `builtin` (the embedded default ruleset), else an
 * empty ruleset.
 */
export async function loadRuleset(
  dir: string | undefined,
  schema: Schema,
  generation: number,
  builtin?: readonly RuleSourceText[],
  lua?: LuaLoadOptions,
): Promise<RulesetLoad> {
  if (dir === undefined && builtin === undefined) {
    return { ok: true, ruleset: makeRuleset([], undefined, generation, [], []) };
  }
  const options = { schema, schemaMode: "ecs" as const, lua };
  const r = dir === undefined
    ? loadRulesFromSources([...builtin!], options)
    : await loadRules(dir, options);
  if (r.diagnostics.some((d) => d.severity === "error")) {
    return { ok: false, diagnostics: r.diagnostics };
  }
  return {
    ok: true,
    ruleset: makeRuleset(r.rules, r.manifest?.version, generation, r.diagnostics, r.notes),
  };
}

/**
 * Loads the rule package in `dir` (written by `kestrel compile`) as
 * generation `generation`: its rules, verified against their hashes and
 * `schema`, to run in the package's own WebAssembly module. A package that
 * does not verify is one located error.
 */
export async function loadPackageRuleset(
  dir: string,
  schema: Schema,
  generation: number,
): Promise<RulesetLoad> {
  let pkg: RulePackage;
  try {
    pkg = await readPackage(dir, schema);
  } catch (e) {
    if (!(e instanceof PackageError)) throw e;
    const file = `${dir}/manifest.json`;
    return {
      ok: false,
      diagnostics: [{ severity: "error", message: e.message, file, line: 1, col: 1 }],
    };
  }
  const file = `${dir}/manifest.json`;
  const rules: LoadedRule[] = [];
  for (const r of pkg.manifest.rules) {
    const { ast, diagnostics } = parseQuery(r.query, { file });
    if (!ast) return { ok: false, diagnostics };
    rules.push({
      ...r,
      enabled: true,
      falsePositives: [],
      references: [],
      source: { file, format: "json", line: 1 },
      ast,
    });
  }
  const ruleset = makeRuleset(rules, pkg.manifest.ruleset?.version, generation, [], []);
  return { ok: true, ruleset: { ...ruleset, package: pkg } };
}

function makeRuleset(
  rules: LoadedRule[],
  manifestVersion: string | undefined,
  generation: number,
  warnings: Diagnostic[],
  notes: LoadNote[],
): Ruleset {
  return {
    all: rules,
    enabled: rules.filter((r) => r.enabled),
    version: manifestVersion ?? digest(rules),
    generation,
    loadedAt: new Date().toISOString(),
    warnings,
    notes,
  };
}

/** `sha256:` + 12 hex digits over the sorted (id, hash, enabled) of every rule. */
function digest(rules: readonly LoadedRule[]): string {
  const text = rules.map((r) => `${r.id}\t${r.hash}\t${r.enabled}`).sort().join("\n");
  return `sha256:${createHash("sha256").update(text).digest("hex").slice(0, 12)}`;
}
