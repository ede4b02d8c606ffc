/**
 * Lua 5.4 states on the C API of a WebAssembly build of Lua (npm
 * `wasmoon`), without wasmoon's JavaScript object bridge: values cross as
 * strings, numbers, booleans and tables built here, and a call is a handful
 * of direct calls into the module.
 *
 * Limits. Every state has its own allocator, which refuses to grow the
 * state past its memory limit while Lua code runs (Lua turns that into a
 * "not enough memory" error that unwinds cleanly); arguments are pushed
 * with the limit lifted, because an allocation failure outside a protected
 * call would abort the whole module. Lua code runs under an instruction
 * count hook, with work inside the C library charged to the same count
 * (`sandbox.lua`), so it stops after the same number of instructions on
 * every run; strings are capped at {@link MAX_STRING_BYTES}, which bounds
 * the work any single instruction can do. Lua seeds its string hashing and `math.random`
 * from the clock; the clock reads 0 while a state is created, so table
 * traversal order, and with it every run, is the same.
 *
 * @module
 */
import { LuaWasm } from "wasmoon";
import type { Value } from "../../eql/value.ts";
import SANDBOX from "./sandbox.lua" with { type: "text" };
import PATTERNS from "./patterns.lua" with { type: "text" };

/** Why a Lua call failed. */
export type LuaFailureKind = "instructions" | "memory" | "error";

/** A Lua error, instruction limit or memory limit, with Lua's message. */
export class LuaFailure extends Error {
  /** What stopped the call. */
  readonly kind: LuaFailureKind;

  /** Wraps a failure of `kind` with its message. */
  constructor(kind: LuaFailureKind, message: string) {
    super(message);
    this.name = "LuaFailure";
    this.kind = kind;
  }
}

/** Limits of one state. */
export interface LuaLimits {
  /** Bytes the state may hold while Lua code runs. */
  memoryBytes: number;
  /** Instructions per call (and per module load). */
  instructions: number;
}

// Lua constants (lua.h).
const LUA_OK = 0;
const LUA_ERRMEM = 4;
const LUA_TNIL = 0;
const LUA_TBOOLEAN = 1;
const LUA_TNUMBER = 3;
const LUA_TSTRING = 4;
const TYPE_NAMES = [
  "nil",
  "boolean",
  "light userdata",
  "number",
  "string",
  "table",
  "function",
  "userdata",
  "thread",
];

/** The raw exports of the Lua module that the hot path calls. */
interface Exports {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _realloc(ptr: number, size: number): number;
  addFunction(fn: (...args: number[]) => number, sig: string): number;
  _lua_newstate(alloc: number, ud: number): number;
  _luaL_openlibs(L: number): void;
  _luaL_loadbufferx(L: number, buf: number, size: number, name: number, mode: number): number;
  _luaL_ref(L: number, t: number): number;
  _lua_gettop(L: number): number;
  _lua_settop(L: number, idx: number): void;
  _lua_pushvalue(L: number, idx: number): void;
  _lua_pushnil(L: number): void;
  _lua_pushboolean(L: number, b: number): void;
  _lua_pushnumber(L: number, n: number): void;
  _lua_pushinteger(L: number, n: bigint): void;
  _lua_pushlstring(L: number, s: number, len: number): number;
  _lua_createtable(L: number, narr: number, nrec: number): void;
  _lua_rawseti(L: number, idx: number, n: bigint): void;
  _lua_type(L: number, idx: number): number;
  _lua_toboolean(L: number, idx: number): number;
  _lua_tonumberx(L: number, idx: number, isnum: number): number;
  _lua_tolstring(L: number, idx: number, len: number): number;
  _lua_rawget(L: number, idx: number): number;
  _lua_pcallk(
    L: number,
    nargs: number,
    nresults: number,
    msgh: number,
    ctx: number,
    k: number,
  ): number;
  _lua_sethook(L: number, f: number, mask: number, count: number): void;
  _lua_checkstack(L: number, n: number): number;
}

/** Memory accounting of one state, read by the shared allocator. */
interface Account {
  used: number;
  limit: number;
  /** The limit applies only while Lua code runs (see the module doc). */
  enforce: boolean;
  /** What the allocator last refused during the current call, and its size. */
  refused?: "memory" | "string" | "allocation";
  refusedSize?: number;
  /** Bytes allocated (gross) during the current call, and the most allowed. */
  allocated: number;
  allocationBudget: number;
}

/**
 * The largest string Lua code may create. One instruction can copy or
 * compare a whole string (`a .. b`, `a == b`), so this bounds the work of
 * any single instruction, and with the instruction limit the time of a call.
 */
export const MAX_STRING_BYTES = 256 * 1024;

/**
 * Bytes a call may allocate per instruction of its limit: the rate at which
 * the sandbox charges work done in C (one instruction per 16 bytes).
 */
export const BYTES_PER_INSTRUCTION = 16;

/** How the string cap's errors start (the sandbox's string.rep says the same). */
const STRING_LIMIT = "a string of ";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * One instance of the Lua WebAssembly module: it holds any number of
 * states, each with its own memory account.
 */
export class LuaVm {
  readonly #x: Exports;
  readonly #alloc: number;
  readonly #accounts: Account[] = [];
  /** Scratch memory for strings going into Lua. */
  #scratch = 0;
  #scratchSize = 0;
  /** A 4-byte cell for lengths coming out of Lua. */
  readonly #lenCell: number;

  private constructor(x: Exports) {
    this.#x = x;
    this.#alloc = x.addFunction(
      (ud, ptr, osize, nsize) => this.#allocate(ud, ptr, osize, nsize),
      "iiiii",
    );
    this.#lenCell = x._malloc(4);
  }

  /** Instantiates the module (about 270 KB of WebAssembly). */
  static async create(): Promise<LuaVm> {
    const wasm = await LuaWasm.initialize();
    return new LuaVm(wasm.module as unknown as Exports);
  }

  /** Lua's allocator (lua_Alloc): `ud` is the state's account index. */
  #allocate(ud: number, ptr: number, osize: number, nsize: number): number {
    const a = this.#accounts[ud];
    const x = this.#x;
    // Without a block, osize encodes the kind of object, not a size.
    const old = ptr ? osize : 0;
    if (nsize === 0) {
      if (ptr) {
        a.used -= old;
        x._free(ptr);
      }
      return 0;
    }
    const used = a.used - old + nsize;
    if (nsize > old && a.enforce) {
      // Gross allocation counts as work: `s .. "x"` in a loop copies s each time.
      a.allocated += nsize - old;
      if (a.allocated > a.allocationBudget) {
        a.refused = "allocation";
        return 0;
      }
      // A new string object: the kind is in osize (LUA_TSTRING), the size includes its header.
      if (!ptr && osize === LUA_TSTRING && nsize > MAX_STRING_BYTES + 32) {
        a.refused = "string";
        a.refusedSize = nsize;
        return 0;
      }
      if (used > a.limit) {
        a.refused = "memory";
        return 0;
      }
    }
    const out = x._realloc(ptr, nsize);
    if (out) a.used = used;
    return out;
  }

  /** Creates a sandboxed state (see `sandbox.lua`). */
  newState(limits: LuaLimits): LuaState {
    const ud = this.#accounts.length;
    const account: Account = {
      used: 0,
      limit: limits.memoryBytes,
      enforce: false,
      allocated: 0,
      allocationBudget: limits.instructions * BYTES_PER_INSTRUCTION,
    };
    this.#accounts.push(account);
    const x = this.#x;
    const now = Date.now;
    let L: number;
    try {
      // Lua seeds string hashing and math.random from time(NULL), which
      // reads Date.now: a fixed clock makes every state start alike.
      Date.now = () => 0;
      L = x._lua_newstate(this.#alloc, ud);
      if (!L) throw new Error("cannot create a Lua state");
      x._luaL_openlibs(L);
    } finally {
      Date.now = now;
    }
    return new LuaState(this, L, account, limits);
  }

  /** @internal The module's exports, for {@link LuaState}. */
  get exports(): Exports {
    return this.#x;
  }

  /** @internal Copies `s` as UTF-8 into scratch memory; returns its byte length. */
  writeScratch(s: string): number {
    const need = s.length * 3;
    if (need > this.#scratchSize) {
      const size = Math.max(256, need);
      if (this.#scratch) this.#x._free(this.#scratch);
      this.#scratch = this.#x._malloc(size);
      if (!this.#scratch) throw new Error("out of WebAssembly memory for a Lua argument");
      this.#scratchSize = size;
    }
    const view = this.#x.HEAPU8.subarray(this.#scratch, this.#scratch + this.#scratchSize);
    return encoder.encodeInto(s, view).written;
  }

  /** @internal Address of the scratch memory. */
  get scratch(): number {
    return this.#scratch;
  }

  /** @internal Address of the length cell. */
  get lenCell(): number {
    return this.#lenCell;
  }
}

/** A module loaded into a state: its functions by name. */
export interface LoadedLuaModule {
  /** Names of the module's functions, sorted. */
  functions: string[];
  /** Binds a function of the module for {@link LuaState.call}. */
  bind(name: string): number;
}

/**
 * One sandboxed Lua state. Its stack holds, from the bottom: `invoke`,
 * `load_module`, then every module table and bound function, so a call only
 * copies stack slots.
 */
export class LuaState {
  readonly #vm: LuaVm;
  readonly #x: Exports;
  readonly #L: number;
  readonly #account: Account;
  readonly limits: LuaLimits;
  /** Stack height with every kept value; calls reset the stack to it. */
  #base: number;

  /** @internal Use {@link LuaVm.newState}. */
  constructor(vm: LuaVm, L: number, account: Account, limits: LuaLimits) {
    this.#vm = vm;
    this.#x = vm.exports;
    this.#L = L;
    this.#account = account;
    this.limits = limits;
    const x = this.#x;
    this.#loadChunk(SANDBOX, "=sandbox");
    x._lua_pushinteger(L, BigInt(limits.instructions));
    this.#loadChunk(PATTERNS, "=patterns");
    this.#pcall(0, 1);
    x._lua_pushinteger(L, BigInt(MAX_STRING_BYTES));
    this.#pcall(3, 2); // invoke at 1, load_module at 2
    this.#base = 2;
  }

  /** Bytes the state holds now. */
  get memoryUsed(): number {
    return this.#account.used;
  }

  /** Loads `source` as a chunk onto the stack; throws a LuaFailure on a syntax error. */
  #loadChunk(source: string, chunkname: string): void {
    const x = this.#x;
    const vm = this.#vm;
    const nameBytes = encoder.encode(chunkname + "\0");
    const name = x._malloc(nameBytes.length);
    try {
      x.HEAPU8.set(nameBytes, name);
      const n = vm.writeScratch(source);
      const status = x._luaL_loadbufferx(this.#L, vm.scratch, n, name, 0);
      if (status !== LUA_OK) this.#fail(status);
    } finally {
      x._free(name);
    }
  }

  /** Calls the function below `nargs` arguments with the limits on; throws a LuaFailure. */
  #pcall(nargs: number, nresults: number): void {
    const x = this.#x;
    const a = this.#account;
    a.refused = undefined;
    a.allocated = 0;
    a.enforce = true;
    const status = x._lua_pcallk(this.#L, nargs, nresults, 0, 0, 0);
    a.enforce = false;
    if (status !== LUA_OK) this.#fail(status);
  }

  /** Turns the error on top of the stack into a LuaFailure, resetting the stack and hook. */
  #fail(status: number): never {
    const x = this.#x;
    const L = this.#L;
    // The count hook stays set when Lua code did not return normally.
    x._lua_sethook(L, 0, 0, 0);
    const message = x._lua_type(L, -1) === LUA_TSTRING
      ? this.#string(-1)
      : `(error object is a ${TYPE_NAMES[x._lua_type(L, -1)] ?? "value"})`;
    x._lua_settop(L, this.#base ?? 0);
    const a = this.#account;
    const memoryError = status === LUA_ERRMEM || message === "not enough memory";
    if (memoryError && a.refused === "allocation") {
      throw new LuaFailure(
        "memory",
        `allocation limit of ${formatBytes(a.allocationBudget)} per call exceeded ` +
          `(${BYTES_PER_INSTRUCTION} bytes per instruction of the instruction limit)`,
      );
    }
    if (memoryError) {
      throw new LuaFailure(
        "memory",
        a.refused === "string"
          ? `${STRING_LIMIT}${a.refusedSize} bytes exceeds the limit of ${
            formatBytes(MAX_STRING_BYTES)
          } per string`
          : `memory limit of ${formatBytes(this.limits.memoryBytes)} exceeded`,
      );
    }
    if (message.startsWith("instruction limit of ")) throw new LuaFailure("instructions", message);
    if (message.startsWith(STRING_LIMIT) || message.includes(`: ${STRING_LIMIT}`)) {
      throw new LuaFailure("memory", message);
    }
    throw new LuaFailure("error", message);
  }

  #string(idx: number): string {
    const x = this.#x;
    const ptr = x._lua_tolstring(this.#L, idx, this.#vm.lenCell);
    const len = x.HEAPU32[this.#vm.lenCell >> 2];
    return decoder.decode(x.HEAPU8.subarray(ptr, ptr + len));
  }

  /**
   * Loads a module's text (named `chunkname` in Lua messages) under the
   * limits. Throws a LuaFailure for a syntax error, an error or limit while
   * it runs, or a result that is not a table of functions.
   */
  loadModule(source: string, chunkname: string): LoadedLuaModule {
    const x = this.#x;
    const L = this.#L;
    x._lua_pushvalue(L, 2);
    this.#pushString(source);
    this.#pushString("@" + chunkname);
    this.#pcall(2, 2);
    const names = this.#string(-1);
    x._lua_settop(L, -2); // keep the module table
    const table = ++this.#base;
    return {
      functions: names === "" ? [] : names.split("\n"),
      bind: (name) => this.#bind(table, name),
    };
  }

  /** Keeps function `name` of the table at stack slot `table`; returns its slot. */
  #bind(table: number, name: string): number {
    const x = this.#x;
    const L = this.#L;
    if (!x._lua_checkstack(L, 8)) throw new Error("too many Lua functions bound");
    // Raw: an __index metamethod would run module code outside the limits.
    this.#pushString(name);
    x._lua_rawget(L, table);
    return ++this.#base;
  }

  /**
   * Calls the function bound at `slot` with `args` under the limits and
   * returns its first result: a boolean, number or string, or null for
   * nil. Throws a LuaFailure when the call fails or returns anything else.
   */
  call(slot: number, args: readonly (Value | undefined)[]): Value {
    const x = this.#x;
    const L = this.#L;
    x._lua_pushvalue(L, 1);
    x._lua_pushvalue(L, slot);
    for (let i = 0; i < args.length; i++) this.#push(args[i], 0);
    this.#pcall(args.length + 1, 1);
    let out: Value;
    switch (x._lua_type(L, -1)) {
      case LUA_TNIL:
        out = null;
        break;
      case LUA_TBOOLEAN:
        out = x._lua_toboolean(L, -1) !== 0;
        break;
      case LUA_TNUMBER:
        out = x._lua_tonumberx(L, -1, 0);
        break;
      case LUA_TSTRING:
        out = this.#string(-1);
        break;
      default: {
        const type = TYPE_NAMES[x._lua_type(L, -1)] ?? "value";
        x._lua_settop(L, this.#base);
        throw new LuaFailure(
          "error",
          `returned a ${type}; a predicate returns a boolean, number, string or nil`,
        );
      }
    }
    x._lua_settop(L, this.#base);
    return out;
  }

  /** Pushes a string (written first: writing may move the scratch memory). */
  #pushString(s: string): void {
    const n = this.#vm.writeScratch(s);
    this.#x._lua_pushlstring(this.#L, this.#vm.scratch, n);
  }

  /** Pushes one EQL value: lists become sequences (null elements left out). */
  #push(v: Value | undefined, depth: number): void {
    const x = this.#x;
    const L = this.#L;
    if (v === null || v === undefined) x._lua_pushnil(L);
    else if (typeof v === "string") {
      this.#pushString(v);
    } else if (typeof v === "number") {
      if (Number.isSafeInteger(v)) x._lua_pushinteger(L, BigInt(v));
      else x._lua_pushnumber(L, v);
    } else if (typeof v === "boolean") x._lua_pushboolean(L, v ? 1 : 0);
    else {
      // Lists nest at most as deep as their JSON did; Lua's C stack is the limit here.
      if (depth > 32 || !x._lua_checkstack(L, 4)) {
        x._lua_pushnil(L);
        return;
      }
      x._lua_createtable(L, v.length, 0);
      let n = 0;
      for (const e of v) {
        if (e === null) continue;
        this.#push(e, depth + 1);
        x._lua_rawseti(L, -2, BigInt(++n));
      }
    }
  }
}

/** `16 MB`, `1.5 MB`, `256 KB`, `100 bytes`. */
export function formatBytes(n: number): string {
  const unit = (d: number, name: string) => `${(n / d).toFixed(1).replace(/\.0$/, "")} ${name}`;
  if (n >= 1024 * 1024) return unit(1024 * 1024, "MB");
  if (n >= 1024) return unit(1024, "KB");
  return `${n} bytes`;
}
