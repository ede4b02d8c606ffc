/**
 * A ruleset's Lua modules, loaded into sandboxed states: the compiler asks
 * it whether `lua("module.fn", …)` names a function ({@link LuaModules.resolve}),
 * the engine calls the functions through it ({@link LuaModules.bind}).
 *
 * Each module gets its own state (one WebAssembly instance holds them all),
 * so one module's memory or globals cannot disturb another's; the memory
 * limit applies to each state. Modules are named by their file name without
 * `.lua`; Lua messages call them `NAME.lua`, whatever directory they came
 * from, so messages are the same on every machine.
 *
 * @module
 */
import type { Diagnostic } from "../../eql/errors.ts";
import { lineOf } from "../../eql/errors.ts";
import type { LuaResolver } from "../../eql/compile.ts";
import type { Value } from "../../eql/value.ts";
import type { LuaHost } from "../js/types.ts";
import { LuaFailure, type LuaFailureKind, type LuaLimits, type LuaState, LuaVm } from "./vm.ts";

/** One module file: its path (as reported) and text. */
export interface LuaModuleFile {
  path: string;
  text: string;
}

/** A failed call of a Lua predicate. */
export interface LuaRuleError {
  /** The rule whose predicate failed. */
  rule: string;
  /** `module.fn`. */
  fn: string;
  kind: LuaFailureKind;
  /** Why: Lua's error message, or which limit was hit and where. */
  message: string;
}

/** Options of {@link LuaModules.load}. */
export interface LuaModulesOptions extends LuaLimits {
  /** Receives every failed call; by default the first few per rule and function go to stderr. */
  onError?: (e: LuaRuleError) => void;
}

/** What a load gives: the modules and the problems of the files that failed. */
export interface LuaModulesLoad {
  modules: LuaModules;
  diagnostics: Diagnostic[];
}

/** A module name: a Lua identifier (the name is also the `module` of `module.fn`). */
const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Failed calls printed per rule and function before they are only counted. */
const PRINTED_PER_PREDICATE = 5;

interface ModuleEntry {
  path: string;
  /** Absent when the module failed to load. */
  state?: LuaState;
  functions: Set<string>;
  bind?: (name: string) => number;
  /** Bound function slots by name. */
  slots: Map<string, number>;
}

/** The loaded modules of one ruleset; see the module doc. */
export class LuaModules implements LuaResolver, LuaHost {
  readonly #modules = new Map<string, ModuleEntry>();
  readonly #onError: (e: LuaRuleError) => void;
  readonly #printed = new Map<string, number>();
  #errors = 0;

  private constructor(onError: ((e: LuaRuleError) => void) | undefined) {
    this.#onError = onError ?? ((e) => this.#print(e));
  }

  /**
   * Loads `files` (sorted by the caller; a repeated module name is an error
   * at the later file). Module text runs under the limits; a syntax error,
   * a runtime error or a limit hit is a located diagnostic for that file,
   * and calls naming that module are then errors too.
   */
  static async load(
    files: readonly LuaModuleFile[],
    options: LuaModulesOptions,
  ): Promise<LuaModulesLoad> {
    const modules = new LuaModules(options.onError);
    const diagnostics: Diagnostic[] = [];
    const wanted: { name: string; file: LuaModuleFile }[] = [];
    for (const file of files) {
      const name = file.path.replace(/^.*\//, "").replace(/\.lua$/, "");
      const first = modules.#modules.get(name);
      if (!MODULE_NAME.test(name)) {
        diagnostics.push(fileError(
          file.path,
          1,
          `a Lua module name must be a Lua identifier (letters, digits, _), found ${
            JSON.stringify(name)
          }`,
        ));
      } else if (first) {
        diagnostics.push(
          fileError(file.path, 1, `Lua module "${name}" is already defined by ${first.path}`),
        );
      } else {
        modules.#modules.set(name, { path: file.path, functions: new Set(), slots: new Map() });
        wanted.push({ name, file });
      }
    }
    if (wanted.length === 0) return { modules, diagnostics };
    const vm = await LuaVm.create();
    for (const { name, file } of wanted) {
      const entry = modules.#modules.get(name)!;
      const state = vm.newState(options);
      try {
        const loaded = state.loadModule(file.text, `${name}.lua`);
        entry.state = state;
        entry.functions = new Set(loaded.functions);
        entry.bind = loaded.bind;
      } catch (e) {
        diagnostics.push(moduleDiagnostic(file, name, e));
      }
    }
    return { modules, diagnostics };
  }

  /** Bytes the modules' Lua states hold now. */
  get memoryUsed(): number {
    let n = 0;
    for (const m of this.#modules.values()) n += m.state?.memoryUsed ?? 0;
    return n;
  }

  /** Failed calls so far. */
  get errorCount(): number {
    return this.#errors;
  }

  /** See {@link LuaResolver.resolve}. */
  resolve(module: string, fn: string): string | null {
    const entry = this.#modules.get(module);
    if (!entry) {
      return `no Lua module "${module}": put it in lua/${module}.lua beside the rules ` +
        `(or in [lua] modules_dir)`;
    }
    if (!entry.state) return `Lua module "${module}" (${entry.path}) failed to load`;
    if (!entry.functions.has(fn)) {
      const known = [...entry.functions];
      return `Lua module "${module}" (${entry.path}) has no function "${fn}"` +
        (known.length ? ` (it has ${known.join(", ")})` : " (it has none)");
    }
    return null;
  }

  /** See {@link LuaHost.bind}. Throws for a name {@link resolve} rejects. */
  bind(ref: string, rule: string): (args: readonly Value[]) => Value {
    const dot = ref.indexOf(".");
    const module = ref.slice(0, dot), fn = ref.slice(dot + 1);
    const problem = this.resolve(module, fn);
    if (problem) throw new Error(problem);
    const entry = this.#modules.get(module)!;
    const state = entry.state!;
    let slot = entry.slots.get(fn);
    if (slot === undefined) {
      slot = entry.bind!(fn);
      entry.slots.set(fn, slot);
    }
    const at = slot;
    return (args) => {
      try {
        return state.call(at, args);
      } catch (e) {
        this.#failed(rule, ref, e);
        return null;
      }
    };
  }

  #failed(rule: string, fn: string, e: unknown): void {
    this.#errors++;
    const failure = e instanceof LuaFailure
      ? e
      : new LuaFailure("error", e instanceof Error ? e.message : String(e));
    this.#onError({ rule, fn, kind: failure.kind, message: failure.message });
  }

  /** The default report: the first few failures of each predicate, then a note that the rest are counted. */
  #print(e: LuaRuleError): void {
    const key = `${e.rule}\0${e.fn}`;
    const n = (this.#printed.get(key) ?? 0) + 1;
    this.#printed.set(key, n);
    if (n <= PRINTED_PER_PREDICATE) console.error(formatLuaRuleError(e));
    if (n === PRINTED_PER_PREDICATE) {
      console.error(
        `kestrel: rule ${JSON.stringify(e.rule)}: further failures of lua("${e.fn}") ` +
          `are not printed`,
      );
    }
  }
}

/**
 * One line for a failed predicate call.
 *
 * @example
 * ```ts
 * formatLuaRuleError({ rule: "r1", fn: "m.f", kind: "memory", message: "memory limit of 1 MB exceeded" });
 * // kestrel: rule "r1": lua("m.f") stopped: memory limit of 1 MB exceeded
 * ```
 */
export function formatLuaRuleError(e: LuaRuleError): string {
  const verb = e.kind === "error" ? "failed" : "stopped";
  return `kestrel: rule ${JSON.stringify(e.rule)}: lua("${e.fn}") ${verb}: ${e.message}`;
}

function fileError(path: string, line: number, message: string, text?: string): Diagnostic {
  return {
    severity: "error",
    message,
    file: path,
    line,
    col: 1,
    sourceLine: text === undefined ? undefined : lineOf(text, line),
  };
}

/** A module load failure, at the line Lua names when it names one. */
function moduleDiagnostic(file: LuaModuleFile, name: string, e: unknown): Diagnostic {
  const message = e instanceof Error ? e.message : String(e);
  const at = new RegExp(`^${name}\\.lua:(\\d+): `).exec(message);
  if (at) {
    return fileError(file.path, Number(at[1]), message.slice(at[0].length), file.text);
  }
  const where = / at [A-Za-z0-9_]+\.lua:(\d+)$/.exec(message);
  const line = where ? Number(where[1]) : 1;
  return fileError(file.path, line, `the module failed to load: ${message}`, file.text);
}
