/**
 * The WebAssembly runtime: checked IR (`eql/ir.ts`) compiled by our own
 * code generator into one WebAssembly module per ruleset, run through the
 * host's WebAssembly engine with the JavaScript runtime's semantics
 * (`runtimes/js/mod.ts`).
 *
 * Host ABI v1 (`layout.ts`): the module exports `memory`, `pred_init`,
 * `pred_eval(index, fuel)` and `pred_capture(index, fuel)`, and imports
 * `kestrel.lineage(node)` (the process tree is host state); the host writes
 * the fields a predicate reads into linear memory, indexed by schema field
 * id, and the module does every string operation itself (Unicode case
 * folding, wildcards, `in` sets, prefix/suffix/substring tests, Lucene
 * regexes as automata, IP parsing for `cidrMatch`). Each evaluation
 * runs under a fuel budget (`[wasm] fuel_limit`, burnt by loops and calls)
 * and a memory limit (`[wasm] memory_limit_mb`); running out traps, and
 * the trap becomes a rule error, never a crash.
 *
 * Rule packages (`package.ts`) store the module with a manifest of the
 * rules, their hashes and the ABI version.
 *
 * @module
 */
export { compileWasmRules, WasmCompileError, WasmRuleset } from "./ruleset.ts";
export type { RuleErrorHandler, WasmCompileResult, WasmRule, WasmSite } from "./ruleset.ts";
export { WasmInstance, type WasmLimits, WasmTrap } from "./instance.ts";
export { WasmMemoryLimitError } from "./memory_limit.ts";
export { ABI_VERSION } from "./layout.ts";
export { buildModule, fieldsOf, type WasmExpr } from "./module.ts";
export { WasmUnsupported } from "./codegen.ts";
