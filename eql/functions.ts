/**
 * The EQL function table for both dialects, with the implementations used by
 * the compiler (constant folding) and the detection runtime.
 *
 * Semantics follow the Elasticsearch EQL function reference (`elastic`) and
 * the Endgame `eql` package (`legacy`). Where the two disagree a function has
 * one entry per dialect. Rules shared by every implementation:
 *
 * - `null` in gives `null` out unless a reference says otherwise (legacy
 *   `stringContains` and `cidrMatch` answer `false`);
 * - a runtime problem (division by zero, an unparsable number, an invalid IP
 *   address) never throws: it yields `null` (or `false` for `cidrMatch`);
 * - an array where a scalar is expected stands for its element when it has
 *   exactly one, and for `null` otherwise (the runtime does any-element
 *   matching at the comparison level, not inside functions);
 * - numbers are JavaScript numbers, so integer-ness is `Number.isInteger`.
 *
 * Matchers built from literal arguments (CIDR lists, regexes, wildcard
 * patterns) are cached by pattern, so per-event calls do not recompile.
 *
 * @module
 */
import type { Dialect } from "./compile.ts";
import type { Scalar, Value } from "./value.ts";
import { translatePythonRegex } from "./python_regex.ts";
import { compileCidrs, parseCidr } from "./cidr.ts";
import { compileWildcard, LEGACY_WILDCARD, type StringMatcher } from "./wildcard.ts";

/**
 * The type a parameter accepts. `expression` is the predicate of legacy
 * `arraySearch`/`arrayCount`, evaluated per element with a bound variable.
 */
export type ArgType = "string" | "number" | "boolean" | "ip" | "any" | "expression";

/** A problem with a literal argument, for the compiler to report at that argument. */
export interface LiteralProblem {
  error: string;
  /** UTF-16 offset inside the string literal's value, when known. */
  offset?: number;
}

/** One EQL function as the compiler and runtime see it. */
export interface FunctionSpec {
  /** Canonical spelling from the references (`cidrMatch`). */
  name: string;
  /** The dialects where this entry applies. */
  dialects: readonly Dialect[];
  /** Types of the fixed leading parameters. */
  params: readonly ArgType[];
  /** Type of the variadic tail, if any. */
  rest?: ArgType;
  /** Fewest arguments accepted. */
  minArgs: number;
  /** Most arguments accepted; `Infinity` for variadic functions. */
  maxArgs: number;
  /** Result type. */
  returns: "string" | "number" | "boolean" | "any";
  /** `name~(…)` is allowed (elastic dialect only). */
  insensitiveVariant: boolean;
  /** Argument positions that must be literals. */
  literalArgs?: readonly number[];
  /** Every argument of the variadic tail must be a literal. */
  literalRest?: boolean;
  /**
   * Validates a literal argument at compile time (`position` is 0-based);
   * null when it is acceptable.
   */
  checkLiteral?: (value: Value, position: number) => LiteralProblem | null;
  /**
   * `bind`: legacy `arraySearch`/`arrayCount` (argument 1 is an identifier
   * naming the bound variable, argument 2 the predicate over it); `safe`:
   * evaluates its argument and turns any error into `null`; `lua`: a
   * custom predicate in Lua, `lua("module.fn", …)`, run by the host (the
   * compiler resolves the name, nothing folds it).
   */
  special?: "bind" | "safe" | "lua";
  /**
   * Evaluates the function; undefined only for `special` entries. The
   * runtime passes `caseInsensitive` true for `~` calls and for every call
   * in the legacy dialect.
   */
  impl?: (args: readonly Value[], caseInsensitive: boolean) => Value;
}

// ---------------------------------------------------------------------------
// Argument helpers

/** The scalar an argument stands for (see the module doc for arrays). */
function scalar(v: Value | undefined): Scalar {
  if (v === undefined) return null;
  while (Array.isArray(v)) {
    if (v.length !== 1) return null;
    v = v[0];
  }
  return v;
}

function str(v: Value | undefined): string | null {
  const s = scalar(v);
  return typeof s === "string" ? s : null;
}

function num(v: Value | undefined): number | null {
  const s = scalar(v);
  return typeof s === "number" && Number.isFinite(s) ? s : null;
}

/** Non-finite results become null; `-0` becomes `0` so results compare plainly. */
function numResult(n: number): number | null {
  if (!Number.isFinite(n)) return null;
  return n === 0 ? 0 : n;
}

function fold(s: string, caseInsensitive: boolean): string {
  return caseInsensitive ? s.toLowerCase() : s;
}

/** How `string()` and `concat()` print a scalar. */
function toText(s: Scalar): string | null {
  if (s === null) return null;
  if (typeof s === "number") return String(s === 0 ? 0 : s);
  return String(s);
}

/** Python truthiness, for legacy flags such as `between`'s `greedy`. */
function truthy(v: Value | undefined): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== "";
}

// Legacy (Python) strings index by code point; JS strings by UTF-16 unit.
const SURROGATE = /[\uD800-\uDFFF]/;

function cpLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function cpToUnit(s: string, cp: number): number {
  if (!SURROGATE.test(s)) return cp;
  let unit = 0;
  for (const ch of s) {
    if (cp-- <= 0) break;
    unit += ch.length;
  }
  return unit;
}

/** Python/Elasticsearch slice bounds: negative counts from the end, then clamp. */
function sliceBounds(length: number, start: number, end: number): [number, number] {
  if (start < 0) start = Math.max(0, start + length);
  if (end < 0) end = Math.max(0, end + length);
  return [Math.min(start, length), Math.min(end, length)];
}

const CACHE_LIMIT = 256;

/** A small memo for compiled matchers; cleared wholesale when full. */
function memo<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    value = make();
    cache.set(key, value);
  }
  return value;
}

/** The string arguments from `from` on, or null if any is not a string. */
function stringTail(args: readonly Value[], from: number): string[] | null {
  const out: string[] = [];
  for (let i = from; i < args.length; i++) {
    const s = str(args[i]);
    if (s === null) return null;
    out.push(s);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Implementations

type Impl = (args: readonly Value[], caseInsensitive: boolean) => Value;

function arith(op: (a: number, b: number) => number): Impl {
  return (args) => {
    const a = num(args[0]);
    const b = num(args[1]);
    return a === null || b === null ? null : numResult(op(a, b));
  };
}

/** Integer division truncates (Java) or floors (Python); division by zero is null. */
function divide(floor: boolean): Impl {
  return (args) => {
    const a = num(args[0]);
    const b = num(args[1]);
    if (a === null || b === null || b === 0) return null;
    if (Number.isInteger(a) && Number.isInteger(b)) {
      return numResult(floor ? Math.floor(a / b) : Math.trunc(a / b));
    }
    return numResult(a / b);
  };
}

/** `%` takes the dividend's sign (Java) or the divisor's (Python); by zero is null. */
function modulo(pythonSign: boolean): Impl {
  return (args) => {
    const a = num(args[0]);
    const b = num(args[1]);
    if (a === null || b === null || b === 0) return null;
    let r = a % b;
    if (pythonSign && r !== 0 && (r < 0) !== (b < 0)) r += b;
    return numResult(r);
  };
}

const elasticBetween: Impl = (args, ci) => {
  const source = str(args[0]);
  const left = str(args[1]);
  const right = str(args[2]);
  const greedy = args.length > 3 ? scalar(args[3]) : false;
  if (source === null || left === null || right === null || typeof greedy !== "boolean") {
    return null;
  }
  // Elasticsearch returns the source unchanged when any of the three is empty.
  if (source === "" || left === "" || right === "") return source;
  const hay = fold(source, ci);
  const l = fold(left, ci);
  const r = fold(right, ci);
  const at = hay.indexOf(l);
  if (at === -1) return "";
  const start = at + l.length;
  const end = greedy ? hay.lastIndexOf(r) : hay.indexOf(r, start);
  return end === -1 || end < start ? "" : source.slice(start, end);
};

const legacyBetween: Impl = (args, ci) => {
  const source = str(args[0]);
  const left = str(args[1]);
  const right = str(args[2]);
  if (source === null || left === null || right === null) return null;
  const hay = fold(source, ci);
  const l = fold(left, ci);
  const r = fold(right, ci);
  const at = hay.indexOf(l);
  if (at === -1) return null;
  const start = at + l.length;
  const end = truthy(args[3]) ? hay.lastIndexOf(r) : hay.indexOf(r, start);
  return end === -1 || end < start ? null : source.slice(start, end);
};

const cidrCache = new Map<string, (ip: string) => boolean>();

function cidrMatch(legacy: boolean): Impl {
  return (args) => {
    const ip = str(args[0]);
    if (ip === null) {
      if (legacy) return false;
      return null;
    }
    let blocks: string[] = [];
    for (let i = 1; i < args.length; i++) {
      const s = str(args[i]);
      if (s !== null) blocks.push(s);
      else if (!legacy) return null; // a null block gives null in Elasticsearch
    }
    if (legacy) blocks = blocks.filter((b) => b.includes("/"));
    const key = (legacy ? "L\0" : "E\0") + blocks.join("\0");
    const test = memo(
      cidrCache,
      key,
      () => compileCidrs(blocks, { mapped: legacy ? "separate" : "unify" }),
    );
    return test(ip);
  };
}

const concat: Impl = (args) => {
  let out = "";
  for (const a of args) {
    const t = toText(scalar(a));
    if (t === null) return null;
    out += t;
  }
  return out;
};

function affix(test: (s: string, sub: string) => boolean): Impl {
  return (args, ci) => {
    const s = str(args[0]);
    const sub = str(args[1]);
    return s === null || sub === null ? null : test(fold(s, ci), fold(sub, ci));
  };
}

const elasticIndexOf: Impl = (args, ci) => {
  const s = str(args[0]);
  const sub = str(args[1]);
  if (s === null || sub === null) return null;
  let start = 0;
  if (args.length > 2) {
    const n = num(args[2]);
    if (n === null) return null;
    start = Math.max(0, Math.trunc(n));
  }
  if (start > s.length) return null;
  const at = fold(s, ci).indexOf(fold(sub, ci), start);
  return at === -1 ? null : at;
};

const legacyIndexOf: Impl = (args, ci) => {
  const s0 = str(args[0]);
  const sub0 = str(args[1]);
  if (s0 === null || sub0 === null) return null;
  let start = 0;
  if (args.length > 2 && scalar(args[2]) !== null) {
    const n = num(args[2]);
    if (n === null) return null;
    start = Math.trunc(n);
  }
  const s = fold(s0, ci);
  const sub = fold(sub0, ci);
  const length = cpLength(s);
  // Python: a negative start counts from the end.
  if (start < 0) start = Math.max(0, start + length);
  if (start > length) return null;
  const at = s.indexOf(sub, cpToUnit(s, start));
  return at === -1 ? null : cpLength(s.slice(0, at));
};

const elasticLength: Impl = (args) => {
  const s = str(args[0]);
  return s === null ? null : s.length;
};

const legacyLength: Impl = (args) => {
  const v = args[0];
  if (Array.isArray(v)) return v.length;
  return typeof v === "string" ? cpLength(v) : null;
};

// Java longs hold ±2^63; beyond that Long.parseLong fails.
const INT64_LIMIT = 2 ** 63;

/** Java's Long.parseLong: optional sign, digits of `radix`, 64-bit range. */
function parseRadix(text: string, radix: number, allowUnderscores: boolean): number | null {
  const m = /^([+-]?)([0-9a-zA-Z_]+)$/.exec(text);
  if (!m) return null;
  let digits = m[2];
  if (allowUnderscores) {
    if (!/^[0-9a-zA-Z]+(?:_[0-9a-zA-Z]+)*$/.test(digits)) return null;
    digits = digits.replaceAll("_", "");
  } else if (digits.includes("_")) return null;
  let value = 0;
  for (const ch of digits) {
    const d = parseInt(ch, 36);
    if (d >= radix) return null;
    value = value * radix + d;
  }
  return numResult(m[1] === "-" ? -value : value);
}

/** Elasticsearch `number`: hex auto-detected from `0x`, decimals as long or double. */
const elasticNumber: Impl = (args) => {
  const raw = str(args[0]);
  if (raw === null) return null;
  const b = args.length > 1 ? scalar(args[1]) : null;
  if (b !== null && (typeof b !== "number" || !Number.isInteger(b))) return null;
  const s = raw.trim();
  const hex = s.startsWith("0x");
  const radix = b ?? (hex ? 16 : 10);
  if (radix === 10) {
    if (/^[+-]?[0-9]+$/.test(s)) return numResult(Number(s));
    const m = /^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)[fFdD]?$/.exec(s);
    return m ? numResult(Number(m[1])) : null;
  }
  if (radix < 2 || radix > 36) return null;
  const value = parseRadix(hex && radix === 16 ? s.slice(2) : s, radix, false);
  return value !== null && Math.abs(value) <= INT64_LIMIT ? value : null;
};

/** Endgame `number`, branch for branch: float with one dot, `0x` hex, else digits. */
const legacyNumber: Impl = (args) => {
  const s = str(args[0]);
  if (s === null) return null;
  const b = args.length > 1 ? scalar(args[1]) : null;
  if (b !== null && (typeof b !== "number" || !Number.isInteger(b))) return null;
  if (s.split(".").length === 2 && (b === null || b === 10)) {
    const t = s.trim();
    return /^[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(t)
      ? numResult(Number(t))
      : null;
  }
  const pyInt = (text: string, radix: number): number | null => {
    if (radix < 2 || radix > 36) return null;
    let t = text.trim();
    const sign = /^[+-]/.test(t) ? t[0] : "";
    t = t.slice(sign.length);
    const prefixes: Record<number, RegExp> = { 16: /^0[xX]_?/, 8: /^0[oO]_?/, 2: /^0[bB]_?/ };
    const prefix = prefixes[radix];
    if (prefix) t = t.replace(prefix, "");
    return parseRadix(sign + t, radix, true);
  };
  if (s.startsWith("0x") && (b === null || b === 16)) return pyInt(s.slice(2), 16);
  const unsigned = s.replace(/^[-+]+/, "");
  if (/^[0-9]+$/.test(unsigned)) return pyInt(s, b || 10);
  return null;
};

const toStringImpl: Impl = (args) => toText(scalar(args[0]));

const elasticStringContains: Impl = (args, ci) => {
  const s = str(args[0]);
  const sub = str(args[1]);
  if (s === null || sub === null) return null;
  // Elasticsearch: an empty source or substring never matches.
  if (s === "" || sub === "") return false;
  return fold(s, ci).includes(fold(sub, ci));
};

const legacyStringContains: Impl = (args, ci) => {
  const s = str(args[0]);
  const sub = str(args[1]);
  if (s === null || sub === null) return false;
  return fold(s, ci).includes(fold(sub, ci));
};

const elasticSubstring: Impl = (args) => {
  const s = str(args[0]);
  if (s === null) return null;
  const startArg = scalar(args[1]);
  if (startArg === null) return s; // Elasticsearch: no start means the whole string
  const start = num(startArg);
  if (start === null) return null;
  let end = s.length;
  if (args.length > 2 && scalar(args[2]) !== null) {
    const e = num(args[2]);
    if (e === null) return null;
    end = Math.trunc(e);
  }
  const [a, b] = sliceBounds(s.length, Math.trunc(start), end);
  return a >= b ? "" : s.slice(a, b);
};

const legacySubstring: Impl = (args) => {
  const s = str(args[0]);
  if (s === null) return null;
  const bound = (v: Value | undefined, dflt: number): number | null => {
    if (v === undefined || scalar(v) === null) return dflt;
    const n = num(v);
    return n === null ? null : Math.trunc(n);
  };
  const chars = SURROGATE.test(s) ? Array.from(s) : null;
  const length = chars ? chars.length : s.length;
  const start = bound(args[1], 0);
  const end = bound(args[2], length);
  if (start === null || end === null) return null;
  const [a, b] = sliceBounds(length, start, end);
  if (a >= b) return "";
  return chars ? chars.slice(a, b).join("") : s.slice(a, b);
};

const arrayContains: Impl = (args, ci) => {
  const list = args[0];
  if (list === null || list === undefined) return null;
  const items = Array.isArray(list) ? list : [list];
  const norm = (v: Value | undefined): Value | undefined => typeof v === "string" ? fold(v, ci) : v;
  const wanted = args.slice(1).map(norm);
  return items.some((item) => {
    const x = norm(item);
    return !Array.isArray(x) && wanted.includes(x);
  });
};

const wildcardCache = new Map<string, StringMatcher>();

const legacyWildcard: Impl = (args, ci) => {
  const s = str(args[0]);
  const patterns = stringTail(args, 1);
  if (s === null || patterns === null) return null;
  const matcher = memo(wildcardCache, (ci ? "i\0" : "s\0") + patterns.join("\0"), () => {
    const each = patterns.map((p) => compileWildcard(p, ci, LEGACY_WILDCARD));
    return each.length === 1 ? each[0] : (x: string) => each.some((m) => m(x));
  });
  return matcher(s);
};

const regexCache = new Map<string, RegExp | null>();

const legacyMatch: Impl = (args, ci) => {
  const s = str(args[0]);
  const patterns = stringTail(args, 1);
  if (s === null || patterns === null) return null;
  // Endgame joins the patterns with `|` and applies `re.match` once.
  const joined = patterns.join("|");
  const re = memo(regexCache, (ci ? "i\0" : "s\0") + joined, () => {
    const t = translatePythonRegex(joined, ci);
    return "error" in t ? null : new RegExp(t.source, t.flags);
  });
  return re === null ? null : re.test(s);
};

// ---------------------------------------------------------------------------
// Literal argument checks

function requireString(value: Value): LiteralProblem | string {
  return typeof value === "string" ? value : { error: "expected a string literal" };
}

const checkElasticCidr = (value: Value): LiteralProblem | null => {
  if (value === null) return null;
  const s = requireString(value);
  if (typeof s !== "string") return s;
  const c = parseCidr(s);
  return "error" in c ? { error: c.error } : null;
};

const checkLegacyCidr = (value: Value): LiteralProblem | null => {
  const s = requireString(value);
  if (typeof s !== "string") return s;
  if (!s.includes("/")) return { error: "expected a CIDR block such as 10.0.0.0/8" };
  const c = parseCidr(s);
  return "error" in c ? { error: c.error } : null;
};

const checkPythonRegex = (value: Value): LiteralProblem | null => {
  const s = requireString(value);
  if (typeof s !== "string") return s;
  const t = translatePythonRegex(s, true);
  return "error" in t
    ? { error: `invalid regular expression: ${t.error}`, offset: t.offset }
    : null;
};

const checkString = (value: Value): LiteralProblem | null => {
  const s = requireString(value);
  return typeof s === "string" ? null : s;
};

/** `module.fn`: two Lua identifiers (module names are file names under `lua/`). */
export const LUA_REF = /^([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$/;

const checkLuaRef = (value: Value): LiteralProblem | null => {
  const s = requireString(value);
  if (typeof s !== "string") return s;
  return LUA_REF.test(s)
    ? null
    : { error: `expected "module.function" naming a Lua function, found ${JSON.stringify(s)}` };
};

const checkRadix = (value: Value): LiteralProblem | null => {
  if (value === null) return null;
  if (typeof value === "number" && Number.isInteger(value) && value >= 2 && value <= 36) {
    return null;
  }
  return { error: "the base must be an integer from 2 to 36" };
};

// ---------------------------------------------------------------------------
// The table

const BOTH: readonly Dialect[] = ["elastic", "legacy"];
const ELASTIC: readonly Dialect[] = ["elastic"];
const LEGACY: readonly Dialect[] = ["legacy"];

const mathSpec = (name: string, dialects: readonly Dialect[], impl: Impl): FunctionSpec => ({
  name,
  dialects,
  params: ["number", "number"],
  minArgs: 2,
  maxArgs: 2,
  returns: "number",
  insensitiveVariant: false,
  impl,
});

/**
 * Every EQL function of both dialects. Names repeat where the dialects'
 * semantics differ; {@link lookupFunction} picks the right entry.
 */
export const FUNCTIONS: readonly FunctionSpec[] = [
  mathSpec("add", BOTH, arith((a, b) => a + b)),
  {
    name: "arrayContains",
    dialects: LEGACY,
    params: ["any", "any"],
    rest: "any",
    minArgs: 2,
    maxArgs: Infinity,
    returns: "boolean",
    insensitiveVariant: false,
    impl: arrayContains,
  },
  {
    name: "arrayCount",
    dialects: LEGACY,
    params: ["any", "any", "expression"],
    minArgs: 3,
    maxArgs: 3,
    returns: "number",
    insensitiveVariant: false,
    special: "bind",
  },
  {
    name: "arraySearch",
    dialects: LEGACY,
    params: ["any", "any", "expression"],
    minArgs: 3,
    maxArgs: 3,
    returns: "boolean",
    insensitiveVariant: false,
    special: "bind",
  },
  {
    name: "between",
    dialects: ELASTIC,
    params: ["string", "string", "string", "boolean"],
    minArgs: 3,
    maxArgs: 4,
    returns: "string",
    insensitiveVariant: true,
    impl: elasticBetween,
  },
  {
    name: "between",
    dialects: LEGACY,
    params: ["string", "string", "string", "boolean"],
    minArgs: 3,
    maxArgs: 4,
    returns: "string",
    insensitiveVariant: false,
    impl: legacyBetween,
  },
  {
    name: "cidrMatch",
    dialects: ELASTIC,
    params: ["ip", "string"],
    rest: "string",
    minArgs: 2,
    maxArgs: Infinity,
    returns: "boolean",
    insensitiveVariant: false,
    literalArgs: [1],
    literalRest: true,
    checkLiteral: checkElasticCidr,
    impl: cidrMatch(false),
  },
  {
    name: "cidrMatch",
    dialects: LEGACY,
    params: ["ip", "string"],
    rest: "string",
    minArgs: 2,
    maxArgs: Infinity,
    returns: "boolean",
    insensitiveVariant: false,
    literalArgs: [1],
    literalRest: true,
    checkLiteral: checkLegacyCidr,
    impl: cidrMatch(true),
  },
  {
    name: "concat",
    dialects: BOTH,
    params: ["any"],
    rest: "any",
    minArgs: 1,
    maxArgs: Infinity,
    returns: "string",
    insensitiveVariant: false,
    impl: concat,
  },
  mathSpec("divide", ELASTIC, divide(false)),
  mathSpec("divide", LEGACY, divide(true)),
  {
    name: "endsWith",
    dialects: BOTH,
    params: ["string", "string"],
    minArgs: 2,
    maxArgs: 2,
    returns: "boolean",
    insensitiveVariant: true,
    impl: affix((s, sub) => s.endsWith(sub)),
  },
  {
    name: "indexOf",
    dialects: ELASTIC,
    params: ["string", "string", "number"],
    minArgs: 2,
    maxArgs: 3,
    returns: "number",
    insensitiveVariant: true,
    impl: elasticIndexOf,
  },
  {
    name: "indexOf",
    dialects: LEGACY,
    params: ["string", "string", "number"],
    minArgs: 2,
    maxArgs: 3,
    returns: "number",
    insensitiveVariant: false,
    impl: legacyIndexOf,
  },
  {
    name: "length",
    dialects: ELASTIC,
    params: ["string"],
    minArgs: 1,
    maxArgs: 1,
    returns: "number",
    insensitiveVariant: false,
    impl: elasticLength,
  },
  {
    name: "length",
    dialects: LEGACY,
    params: ["any"],
    minArgs: 1,
    maxArgs: 1,
    returns: "number",
    insensitiveVariant: false,
    impl: legacyLength,
  },
  {
    name: "lua",
    dialects: BOTH,
    params: ["string"],
    rest: "any",
    minArgs: 1,
    maxArgs: Infinity,
    returns: "any",
    insensitiveVariant: false,
    literalArgs: [0],
    checkLiteral: checkLuaRef,
    special: "lua",
  },
  ...["match", "matchLite"].map((name): FunctionSpec => ({
    name,
    dialects: LEGACY,
    params: ["string", "string"],
    rest: "string",
    minArgs: 2,
    maxArgs: Infinity,
    returns: "boolean",
    insensitiveVariant: false,
    literalArgs: [1],
    literalRest: true,
    checkLiteral: checkPythonRegex,
    impl: legacyMatch,
  })),
  mathSpec("modulo", ELASTIC, modulo(false)),
  mathSpec("modulo", LEGACY, modulo(true)),
  mathSpec("multiply", BOTH, arith((a, b) => a * b)),
  {
    name: "number",
    dialects: ELASTIC,
    params: ["string", "number"],
    minArgs: 1,
    maxArgs: 2,
    returns: "number",
    insensitiveVariant: false,
    literalArgs: [1],
    checkLiteral: checkRadix,
    impl: elasticNumber,
  },
  {
    name: "number",
    dialects: LEGACY,
    params: ["string", "number"],
    minArgs: 1,
    maxArgs: 2,
    returns: "number",
    insensitiveVariant: false,
    impl: legacyNumber,
  },
  {
    name: "safe",
    dialects: LEGACY,
    params: ["any"],
    minArgs: 1,
    maxArgs: 1,
    returns: "any",
    insensitiveVariant: false,
    special: "safe",
  },
  {
    name: "startsWith",
    dialects: BOTH,
    params: ["string", "string"],
    minArgs: 2,
    maxArgs: 2,
    returns: "boolean",
    insensitiveVariant: true,
    impl: affix((s, sub) => s.startsWith(sub)),
  },
  {
    name: "string",
    dialects: BOTH,
    params: ["any"],
    minArgs: 1,
    maxArgs: 1,
    returns: "string",
    insensitiveVariant: false,
    impl: toStringImpl,
  },
  {
    name: "stringContains",
    dialects: ELASTIC,
    params: ["string", "string"],
    minArgs: 2,
    maxArgs: 2,
    returns: "boolean",
    insensitiveVariant: true,
    impl: elasticStringContains,
  },
  {
    name: "stringContains",
    dialects: LEGACY,
    params: ["string", "string"],
    minArgs: 2,
    maxArgs: 2,
    returns: "boolean",
    insensitiveVariant: false,
    impl: legacyStringContains,
  },
  {
    name: "substring",
    dialects: ELASTIC,
    params: ["string", "number", "number"],
    minArgs: 2,
    maxArgs: 3,
    returns: "string",
    insensitiveVariant: false,
    impl: elasticSubstring,
  },
  {
    name: "substring",
    dialects: LEGACY,
    params: ["string", "number", "number"],
    minArgs: 2,
    maxArgs: 3,
    returns: "string",
    insensitiveVariant: false,
    impl: legacySubstring,
  },
  mathSpec("subtract", BOTH, arith((a, b) => a - b)),
  {
    name: "wildcard",
    dialects: LEGACY,
    params: ["string", "string"],
    rest: "string",
    minArgs: 2,
    maxArgs: Infinity,
    returns: "boolean",
    insensitiveVariant: false,
    literalArgs: [1],
    literalRest: true,
    checkLiteral: checkString,
    impl: legacyWildcard,
  },
];

const byName = new Map<string, FunctionSpec>();
for (const spec of FUNCTIONS) {
  for (const d of spec.dialects) byName.set(`${d}\0${spec.name.toLowerCase()}`, spec);
}

/**
 * Finds a function by name in a dialect, case-insensitively (rules write
 * both `cidrMatch` and `cidrmatch`).
 *
 * @example
 * ```ts
 * lookupFunction("CIDRMATCH", "elastic")?.name; // "cidrMatch"
 * lookupFunction("wildcard", "elastic");        // undefined: legacy only
 * ```
 */
export function lookupFunction(name: string, dialect: Dialect): FunctionSpec | undefined {
  return byName.get(`${dialect}\0${name.toLowerCase()}`);
}

/**
 * Whether argument `position` (0-based) of a call to `spec` must be a literal.
 *
 * @example
 * ```ts
 * mustBeLiteral(lookupFunction("cidrMatch", "elastic")!, 3); // true
 * ```
 */
export function mustBeLiteral(spec: FunctionSpec, position: number): boolean {
  if (spec.literalArgs?.includes(position)) return true;
  return spec.literalRest === true && position >= spec.params.length;
}
