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
import { WasmCompileError, WasmMemoryLimitError, WasmRuleset } from "../runtimes/wasm/mod.ts";
import type { RulePackage } from "../runtimes/wasm/package.ts";

/** `[wasm]` limits in the runtime's terms. */
function wasmLimits(config: Config) {
  return { fuelLimit: config.wasm.fuel_limit, memoryLimitMb: config.wasm.memory_limit_mb };
}

/**
 * The predicates of a rule package's rules: a fresh instance of the
 * package's own module (so engines never share its memory), limited by
 * `[wasm]`; rule errors (fuel, memory) are logged, and a rule that keeps
 * trapping is disabled (see `runtimes/wasm/ruleset.ts`). A module that
 * cannot even start within `memory_limit_mb` is logged and its rules run in
 * js (undefined), as a ruleset the module cannot run does.
 */
export function packagePredicates(
  pkg: RulePackage,
  rules: readonly LoadedRule[],
  config: Config,
  log: (line: string) => void,
): PredicateCompiler | undefined {
  try {
    return new WasmRuleset(
      pkg.wasm,
      pkg.manifest.sites,
      pkg.manifest.lineage,
      rules.map((r) => r.id),
      wasmLimits(config),
      (id, message) => log(`kestrel: rule ${id}: ${message}`),
    ).predicates;
  } catch (e) {
    if (!(e instanceof WasmMemoryLimitError)) throw e;
    log(`kestrel: ${e.message} ([wasm] memory_limit_mb); the package's rules run in js`);
    return undefined;
  }
}

/**
 * Undefined for the JS runtime. For `wasm`, each ruleset gets its own
 * module; rule errors (fuel, memory) are logged as for a package. A
 * ruleset the module cannot run whole (a construct without a Wasm
 * implementation) runs in the JS runtime, and the log says which rules
 * made it so.
 */
export function runtimeFor(
  config: Config,
  log: (line: string) => void,
): ((rules: readonly LoadedRule[]) => PredicateCompiler | undefined) | undefined {
  if (config.engine.runtime !== "wasm") return undefined;
  const limits = wasmLimits(config);
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
