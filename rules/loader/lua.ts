/**
 * Where a ruleset's Lua modules come from, and loading them only when a
 * rule calls `lua()`: the Lua runtime (a WebAssembly module) stays out of
 * memory otherwise.
 *
 * Modules are the `*.lua` files of the `lua/` folder of the rules directory
 * (of the rule file's directory when a single file is loaded), then those
 * of `[lua] modules_dir` when set; a module name may be defined once.
 *
 * @module
 */
import { posix } from "node:path";
import type { Diagnostic } from "../../eql/errors.ts";
import type { LuaResolver } from "../../eql/compile.ts";
import type { Value } from "../../eql/value.ts";
import type { LuaHost } from "../../runtimes/js/types.ts";

/** Lua settings of a load (`[lua]` of config.toml). */
export interface LuaLoadOptions {
  /** `false`: every `lua()` call is an error. Default true. */
  enabled?: boolean;
  /** A further directory of modules. */
  modulesDir?: string;
  /** Memory limit of each module's state, in MiB. Default {@link DEFAULT_LUA_MEMORY_MB}. */
  memoryLimitMb?: number;
  /** Instructions per call. Default {@link DEFAULT_LUA_INSTRUCTIONS}. */
  instructionLimit?: number;
  /** Receives every failed predicate call; by default they are printed to stderr. */
  onError?: (e: { rule: string; fn: string; kind: string; message: string }) => void;
}

/** What compiles and runs `lua()` calls: the loaded modules. */
export type LuaModuleHost = LuaResolver & LuaHost;

/** Default `[lua] memory_limit_mb`. */
export const DEFAULT_LUA_MEMORY_MB = 32;
/** Default `[lua] instruction_limit`. */
export const DEFAULT_LUA_INSTRUCTIONS = 100_000;

/** The name of the modules folder inside a rules directory. */
export const LUA_FOLDER = "lua";

// `lua (` anywhere in a rule text: the only way to call a Lua predicate.
const LUA_CALL = /\blua\s*\(/i;

/** True when some text could call `lua()` (a cheap test before loading Lua at all). */
export function mentionsLua(texts: Iterable<string>): boolean {
  for (const t of texts) if (LUA_CALL.test(t)) return true;
  return false;
}

/**
 * The Lua modules for rules under `rulesPath` (undefined: none but
 * `modulesDir`), or no host when no text calls `lua()`.
 */
export async function prepareLua(
  rulesPath: string | undefined,
  texts: readonly string[],
  options: LuaLoadOptions = {},
): Promise<{ host?: LuaModuleHost; diagnostics: Diagnostic[] }> {
  if (!mentionsLua(texts)) return { diagnostics: [] };
  if (options.enabled === false) return { host: DISABLED, diagnostics: [] };
  const diagnostics: Diagnostic[] = [];
  const files: { path: string; text: string }[] = [];
  if (rulesPath !== undefined) {
    const dir = (await isDirectory(rulesPath)) ? rulesPath : posix.dirname(rulesPath);
    await readModules(posix.join(dir, LUA_FOLDER), files, diagnostics, false);
  }
  if (options.modulesDir) await readModules(options.modulesDir, files, diagnostics, true);
  const { LuaModules } = await import("../../runtimes/lua/mod.ts");
  const loaded = await LuaModules.load(files, {
    memoryBytes: (options.memoryLimitMb ?? DEFAULT_LUA_MEMORY_MB) * 1024 * 1024,
    instructions: options.instructionLimit ?? DEFAULT_LUA_INSTRUCTIONS,
    onError: options.onError,
  });
  return { host: loaded.modules, diagnostics: [...diagnostics, ...loaded.diagnostics] };
}

/** `[lua] enabled = false`. */
const DISABLED: LuaModuleHost = {
  resolve: () => "Lua predicates are disabled ([lua] enabled = false)",
  bind: (): (args: readonly Value[]) => Value => {
    throw new Error("Lua predicates are disabled ([lua] enabled = false)");
  },
};

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/** Appends the `*.lua` files of `dir`, sorted; a missing folder is fine unless `required`. */
async function readModules(
  dir: string,
  files: { path: string; text: string }[],
  diagnostics: Diagnostic[],
  required: boolean,
): Promise<void> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.name.startsWith(".") && e.name.endsWith(".lua") && !e.isDirectory) names.push(e.name);
    }
  } catch (e) {
    if (required || !(e instanceof Deno.errors.NotFound)) {
      diagnostics.push(located(dir, `cannot read the Lua modules directory: ${message(e)}`));
    }
    return;
  }
  names.sort();
  for (const name of names) {
    const path = posix.join(dir, name);
    try {
      files.push({ path, text: await Deno.readTextFile(path) });
    } catch (e) {
      diagnostics.push(located(path, `cannot read: ${message(e)}`));
    }
  }
}

function message(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file or directory";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  return e instanceof Error ? e.message : String(e);
}

function located(file: string, msg: string): Diagnostic {
  return { severity: "error", message: msg, file, line: 1, col: 1 };
}
