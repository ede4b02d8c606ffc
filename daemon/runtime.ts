/**
 * The daemon's predicate runtime (`[engine] runtime = "js" | "wasm"`, with
 * `[wasm] fuel_limit` and `memory_limit_mb`): a factory the sources call
 * for every ruleset they build an engine for (start and each reload).
 *
 * @module
 */
import type { Config } from "../config/types.ts";
import type { PredicateCompiler } from "../engine/engine.ts";
import type { LoadedRule } from "../rules/loader/mod.ts";
import { WasmCompileError, WasmRuleset } from "../runtimes/wasm/mod.ts";

/**
 * Undefined for the JS runtime. For `wasm`, each ruleset gets its own
 * module; rule errors (fuel, memory) are logged and disable the rule. A
 * ruleset the module cannot run whole (a construct without a Wasm
 * implementation) runs in the JS runtime, and the log says which rules
 * made it so.
 */
export function runtimeFor(
  config: Config,
  log: (line: string) => void,
): ((rules: readonly LoadedRule[]) => PredicateCompiler | undefined) | undefined {
  if (config.engine.runtime !== "wasm") return undefined;
  const limits = {
    fuelLimit: config.wasm.fuel_limit,
    memoryLimitMb: config.wasm.memory_limit_mb,
  };
  return (rules) => {
    try {
      return WasmRuleset.compile(
        rules,
        limits,
        (id, message) => log(`kestrel: rule ${id}: ${message}`),
      ).predicates;
    } catch (e) {
      if (!(e instanceof WasmCompileError)) throw e;
      for (const line of e.errors) log(`kestrel: ${line}`);
      log(
        `kestrel: ${e.errors.length} rule(s) cannot run in the wasm runtime; the ruleset runs in js`,
      );
      return undefined;
    }
  };
}
