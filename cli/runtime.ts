/**
 * The predicate runtime of `replay` and `query` (`--runtime js|wasm`,
 * `--package DIR`): the engine's predicate compiler for the chosen runtime,
 * with Wasm rule errors reported on stderr.
 *
 * @module
 */
import type { PredicateCompiler } from "../engine/engine.ts";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import {
  WasmCompileError,
  WasmMemoryLimitError,
  type WasmRule,
  WasmRuleset,
} from "../runtimes/wasm/mod.ts";
import type { RulePackage } from "../runtimes/wasm/package.ts";
import { UsageError } from "./usage.ts";

/** The runtimes `--runtime` accepts. */
export const RUNTIME_CHOICES = ["js", "wasm"];

/** Fuel and memory limits of the Wasm runtime when no config is read: the `[wasm]` defaults. */
export const DEFAULT_WASM_LIMITS = {
  fuelLimit: DEFAULT_CONFIG.wasm.fuel_limit,
  memoryLimitMb: DEFAULT_CONFIG.wasm.memory_limit_mb,
};

/**
 * The predicate compiler for `runtime`: undefined for `js` (the engine's
 * default); for `wasm` the package's module when `pkg` is given, else a
 * module compiled from `rules`. Rules the module cannot run are a usage
 * error listing each, located; so is a module that needs more memory to
 * start than `limits` allow.
 */
export function predicatesFor(
  command: string,
  runtime: string,
  rules: readonly WasmRule[],
  pkg?: RulePackage,
  limits = DEFAULT_WASM_LIMITS,
): { predicates?: PredicateCompiler; wasm?: WasmRuleset } {
  if (runtime !== "wasm") return {};
  const report = (id: string, message: string) =>
    console.error(`kestrel ${command}: rule ${id}: ${message}`);
  try {
    const wasm = pkg
      ? new WasmRuleset(
        pkg.wasm,
        pkg.manifest.sites,
        pkg.manifest.lineage,
        rules.map((r) => r.id),
        limits,
        report,
      )
      : WasmRuleset.compile(rules, limits, report);
    return { predicates: wasm.predicates, wasm };
  } catch (e) {
    if (e instanceof WasmCompileError) {
      throw new UsageError(
        `${
          e.errors.join("\n")
        }\nkestrel ${command}: ${e.errors.length} rule(s) cannot run in the wasm runtime`,
      );
    }
    if (e instanceof WasmMemoryLimitError) throw new UsageError(`kestrel ${command}: ${e.message}`);
    throw e;
  }
}
