/**
 * Custom predicates in Lua 5.4: `lua("module.fn", args…)` in EQL calls
 * function `fn` of module `module` (file `lua/module.lua` beside the rules,
 * or in `[lua] modules_dir`) and uses its first result: a boolean, number,
 * string, or nil (null). Arguments arrive as Lua strings, integers or
 * floats, booleans, nil for missing values, and sequences for lists (null
 * elements left out).
 *
 * Modules run in a sandbox (`sandbox.lua`) without io, os, package,
 * require, dofile, loadfile, binary chunks, debug, collectgarbage, print,
 * coroutines or finalizers, each in its own Lua state with a memory limit,
 * and every call (and every module load) under an instruction limit
 * counted by a hook, never by the clock, so a predicate stops at the same
 * instruction on every run. Work inside the C library is charged to the
 * same count (string.rep, table.move, sort, concat, …), patterns that could
 * backtrack far run in a Lua copy of Lua's matcher (`patterns.lua`) where
 * every step counts, a call may allocate 16 bytes per instruction of its
 * limit, and strings are capped at 256 KB, which bounds what one
 * instruction (`a .. b`, `a == b`) can do. A failed call reads as null and
 * is reported naming the rule, the function and the reason; the engine
 * carries on.
 *
 * This module is imported only when some rule calls `lua()`, so rulesets
 * without Lua never load the WebAssembly module.
 *
 * @module
 */
export {
  formatLuaRuleError,
  type LuaModuleFile,
  LuaModules,
  type LuaModulesLoad,
  type LuaModulesOptions,
  type LuaRuleError,
} from "./modules.ts";
export {
  BYTES_PER_INSTRUCTION,
  formatBytes,
  LuaFailure,
  type LuaFailureKind,
  type LuaLimits,
  MAX_STRING_BYTES,
} from "./vm.ts";
