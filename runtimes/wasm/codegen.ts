/**
 * IR → WebAssembly functions, with the JavaScript runtime's semantics
 * (`runtimes/js/mod.ts` documents them): two-valued conditions,
 * any-element matching over lists with nested lists walked and nulls
 * skipped, `!=` and `not in` as negations of the positive forms, legacy
 * case folding and `*` wildcards, Python's `None == None`.
 *
 * A condition compiles to code leaving 0 or 1; a value expression to code
 * leaving a pointer to a value (0 for an absent one; layout in
 * `layout.ts`). Each element test (`== "x"`, `in (…)`, `: "a*"`) becomes a
 * helper function over one value that walks lists recursively, and string
 * tests run on the module's own string primitives.
 *
 * Lineage tests (`descendant of [...]`) ask the host through the imported
 * `kestrel.lineage(node)`: the process tree is host state.
 *
 * Lucene regexes run as automata (`regex.ts`). Constructs without a Wasm
 * implementation — bound variables (`arraySearch`, `arrayCount`), `modulo`
 * (no exact floating-point remainder in Wasm), and the functions not in
 * {@link CALLS} (`between`, `concat`, `number`, `string`, `arrayContains`,
 * `match`, the legacy `indexOf`/`substring`) — throw {@link WasmUnsupported};
 * the ruleset compiler reports it against the rule.
 *
 * @module
 */
import type { CompareOp } from "../../eql/ast.ts";
import type { Dialect } from "../../eql/compile.ts";
import type { IrExpr } from "../../eql/ir.ts";
import type { Scalar, Value } from "../../eql/value.ts";
import { lookupFunction } from "../../eql/functions.ts";
import { parseCidr } from "../../eql/cidr.ts";
import { regexTable } from "./regex.ts";
import { ELASTIC_WILDCARD, LEGACY_WILDCARD, type WildcardOptions } from "../../eql/wildcard.ts";
import { Code, F64, I32, type ModuleBuilder } from "./encoder.ts";
import { TAG } from "./layout.ts";
import type { Stdlib } from "./stdlib.ts";

/** A construct the Wasm runtime cannot run. */
export class WasmUnsupported extends Error {
  override name = "WasmUnsupported";
}

/** Places constants in the module's data; returns their addresses. */
export interface ConstantPool {
  /** The address of an encoded value. */
  value(v: Value): number;
  /** The address of a wildcard pattern's tokens. */
  pattern(tokens: readonly number[], stepByCodePoint: boolean): number;
  /** The address of a table of 32-bit words. */
  words(words: readonly number[]): number;
}

/** What every generated function shares: the module, its library, constants and field table. */
export interface GenContext {
  m: ModuleBuilder;
  lib: Stdlib;
  pool: ConstantPool;
  /** Address of the field table. */
  fieldTable: number;
  dialect: Dialect;
  /**
   * Registers a lineage node (its subquery becomes a predicate of the
   * module) and returns the node's number for the host's `lineage` import.
   */
  lineage(ir: Extract<IrExpr, { op: "lineage" }>, dialect: Dialect): number;
  /** The imported `kestrel.lineage(node) → 0|1`. */
  lineageImport: number;
}

/** A non-null scalar constant. */
type Literal = string | number | boolean;

/** A string pattern list grouped by shape, case already folded when `lower`. */
interface Plan {
  lower: boolean;
  all: boolean;
  exact: string[];
  prefixes: string[];
  suffixes: string[];
  contains: string[];
  /** Token lists for the general wildcard matcher. */
  globs: { tokens: number[]; cp: boolean }[];
  /** DFA tables (`regex.ts`) that must accept the whole string. */
  regexes: number[][];
}

/** An operator over one element, with its constants. */
type ElementOp =
  | { kind: "eq"; value: Literal }
  | { kind: "ciEq"; value: string }
  | { kind: "order"; cmp: "<" | "<=" | ">" | ">="; value: string | number; lower: boolean }
  | { kind: "set"; strings: Plan | null; numbers: number[]; bools: boolean[] }
  | { kind: "match"; plan: Plan };

/** Functions the module implements, by canonical name. */
const CALLS = new Set([
  "cidrMatch",
  "startsWith",
  "endsWith",
  "stringContains",
  "length",
  "add",
  "subtract",
  "multiply",
  "divide",
  "wildcard",
  "safe",
  "indexOf",
  "substring",
]);

const STAR = -1, ONE = -2;

/** Splits a wildcard pattern into tokens: code units, `*` (runs collapse) and `?`. */
function tokens(p: string, o: Readonly<WildcardOptions>): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === "\\" && o.escapes) {
      if (i + 1 < p.length) out.push(p.charCodeAt(++i));
      else out.push(0x5c);
    } else if (ch === "*") {
      if (out[out.length - 1] !== STAR) out.push(STAR);
    } else if (ch === "?" && o.question) out.push(ONE);
    else out.push(p.charCodeAt(i));
  }
  return out;
}

/** Groups wildcard patterns (literals when `o` is undefined) by the cheapest test. */
function plan(patterns: readonly string[], ci: boolean, o?: Readonly<WildcardOptions>): Plan {
  const p: Plan = {
    lower: ci,
    all: false,
    exact: [],
    prefixes: [],
    suffixes: [],
    contains: [],
    globs: [],
    regexes: [],
  };
  for (const raw of patterns) {
    const s = ci ? raw.toLowerCase() : raw;
    if (o === undefined) {
      p.exact.push(s);
      continue;
    }
    const t = tokens(s, o);
    const text = (a: number, b: number) => String.fromCharCode(...t.slice(a, b));
    const stars = t.filter((x) => x === STAR).length;
    const ones = t.includes(ONE);
    if (ones) p.globs.push({ tokens: t, cp: true });
    else if (stars === 0) p.exact.push(text(0, t.length));
    else if (t.length === 1) p.all = true;
    else if (stars === 1 && t[t.length - 1] === STAR) p.prefixes.push(text(0, t.length - 1));
    else if (stars === 1 && t[0] === STAR) p.suffixes.push(text(1, t.length));
    else if (
      stars === 2 && t[0] === STAR && t[t.length - 1] === STAR && !t.slice(1, -1).includes(STAR)
    ) {
      p.contains.push(text(1, t.length - 1));
    } else p.globs.push({ tokens: t, cp: false });
  }
  return p;
}

function compareElementOp(
  cmp: CompareOp,
  value: Literal,
  ci: boolean,
  wildcard: boolean,
): ElementOp | null {
  if (cmp === "==" || cmp === "!=") {
    if (typeof value !== "string") return { kind: "eq", value };
    if (wildcard) return { kind: "match", plan: plan([value], ci, LEGACY_WILDCARD) };
    return ci ? { kind: "ciEq", value: value.toLowerCase() } : { kind: "eq", value };
  }
  if (typeof value === "boolean") return null;
  const lower = ci && typeof value === "string";
  return {
    kind: "order",
    cmp: cmp as "<" | "<=" | ">" | ">=",
    value: lower ? (value as string).toLowerCase() : value,
    lower,
  };
}

function flip(cmp: CompareOp): CompareOp {
  return cmp === "<" ? ">" : cmp === ">" ? "<" : cmp === "<=" ? ">=" : cmp === ">=" ? "<=" : cmp;
}

/** Whether a constant value, used as a condition, is true. */
/**
 * The values of the literal arguments `args`, each list standing for its
 * sole element (null when it has none or several), as the JS runtime reads
 * them; `what` (a call with computed arguments) is not compiled.
 */
function literalSoles(args: readonly IrExpr[], what: string): Value[] {
  return args.map((a) => {
    if (a.op !== "const") throw new WasmUnsupported(`${what} is not available in the wasm runtime`);
    let v: Value = a.value;
    while (Array.isArray(v)) v = v.length === 1 ? v[0] : null;
    return v;
  });
}

function constIsTrue(v: Value): boolean {
  return v === true || (Array.isArray(v) && v.some(constIsTrue));
}

/** Compiles conditions and value expressions of one dialect into functions of `ctx.m`. */
export class Generator {
  readonly #legacy: boolean;
  /** Helpers by their description, so equal tests share one function. */
  readonly #helpers = new Map<string, number>();

  constructor(readonly ctx: GenContext) {
    this.#legacy = ctx.dialect === "legacy";
  }

  /** A function `() → i32` true exactly when `ir` holds. */
  predicate(ir: IrExpr): number {
    const c = new Code([], [I32]);
    this.ctx.lib.burn(c);
    this.cond(c, ir);
    return this.ctx.m.func({ code: c });
  }

  /** A function `() → i32` returning the value of `ir` (0 when absent). */
  getter(ir: IrExpr): number {
    const c = new Code([], [I32]);
    this.ctx.lib.burn(c);
    this.value(c, ir);
    return this.ctx.m.func({ code: c });
  }

  /** Emits a condition: leaves 0 or 1. */
  cond(c: Code, ir: IrExpr): void {
    const lib = this.ctx.lib;
    switch (ir.op) {
      case "const":
        c.i32(constIsTrue(ir.value) ? 1 : 0);
        return;
      case "and":
      case "or": {
        const [first, ...rest] = ir.args;
        if (first === undefined) {
          c.i32(ir.op === "and" ? 1 : 0);
          return;
        }
        this.cond(c, first);
        if (rest.length === 0) return;
        const tail: IrExpr = { op: ir.op, args: rest };
        if (ir.op === "and") {
          c.if(I32);
          this.cond(c, tail);
          c.else().i32(0).end();
        } else {
          c.if(I32).i32(1).else();
          this.cond(c, tail);
          c.end();
        }
        return;
      }
      case "not":
        this.cond(c, ir.arg);
        c.eqz();
        return;
      case "compare":
        this.#compare(c, ir);
        return;
      case "in":
        this.#in(c, ir);
        return;
      case "match":
        if (ir.kind === "regex") {
          // One automaton for the whole list; it folds case itself (`regex~`).
          this.#element(c, ir.subject, {
            kind: "match",
            plan: { ...plan([], false), regexes: [regexTable(ir.patterns, ir.caseInsensitive)] },
          });
          return;
        }
        this.#element(c, ir.subject, {
          kind: "match",
          plan: plan(ir.patterns, ir.caseInsensitive, ELASTIC_WILDCARD),
        });
        return;
      case "lineage":
        // The process tree lives in the host: the module asks it about the current event.
        c.i32(this.ctx.lineage(ir, this.ctx.dialect)).call(this.ctx.lineageImport);
        return;
      default:
        this.value(c, ir);
        c.call(lib.isTrue);
    }
  }

  #compare(c: Code, ir: Extract<IrExpr, { op: "compare" }>): void {
    let { left, right, cmp } = ir;
    if (left.op === "const" && right.op !== "const") {
      [left, right] = [right, left];
      cmp = flip(cmp);
    }
    if (cmp === "!=") {
      this.#compare(c, { ...ir, left, right, cmp: "==" });
      c.eqz();
      return;
    }
    if (right.op === "const" && right.value === null) {
      if (cmp === "==") {
        this.value(c, left);
        c.call(this.ctx.lib.missing);
      } else c.i32(0);
      return;
    }
    if (right.op === "const" && !Array.isArray(right.value)) {
      const op = compareElementOp(cmp, right.value as Literal, ir.caseInsensitive, ir.wildcard);
      if (op === null) c.i32(0);
      else this.#element(c, left, op);
      return;
    }
    const pair = this.#pairHelper(cmp, ir.caseInsensitive);
    if (this.#legacy && cmp === "==") {
      // Python: None == None.
      const a = c.local(), b = c.local();
      this.value(c, left);
      c.set(a);
      this.value(c, right);
      c.set(b);
      c.get(a).call(this.ctx.lib.missing).if(I32);
      c.get(b).call(this.ctx.lib.missing);
      c.else().get(a).get(b).call(pair).end();
      return;
    }
    this.value(c, left);
    this.value(c, right);
    c.call(pair);
  }

  #in(c: Code, ir: Extract<IrExpr, { op: "in" }>): void {
    if (ir.negated) {
      this.#in(c, { ...ir, negated: false });
      c.eqz();
      return;
    }
    const constants: Scalar[] = [];
    const dynamic: IrExpr[] = [];
    for (const v of ir.values) {
      if (v.op === "const" && !Array.isArray(v.value)) constants.push(v.value);
      else dynamic.push(v);
    }
    const strings: string[] = [], numbers: number[] = [], bools: boolean[] = [];
    let hasNull = false;
    for (const k of constants) {
      if (k === null) hasNull = true;
      else if (typeof k === "string") strings.push(k);
      else if (typeof k === "number") numbers.push(k);
      else bools.push(k);
    }
    const op: ElementOp | null = strings.length + numbers.length + bools.length === 0 ? null : {
      kind: "set",
      strings: strings.length
        ? plan(strings, ir.caseInsensitive, ir.wildcard ? LEGACY_WILDCARD : undefined)
        : null,
      numbers,
      bools,
    };
    const nullMatches = this.#legacy && hasNull;
    if (dynamic.length === 0 && !nullMatches) {
      if (op === null) c.i32(0);
      else this.#element(c, ir.subject, op);
      return;
    }
    const lib = this.ctx.lib;
    const s = c.local();
    this.value(c, ir.subject);
    c.set(s);
    const eq = this.#pairHelper("==", ir.caseInsensitive);
    const parts: (() => void)[] = [];
    if (nullMatches) parts.push(() => c.get(s).call(lib.missing));
    if (op !== null) parts.push(() => c.get(s).call(this.#elementHelper(op)));
    for (const d of dynamic) {
      if (this.#legacy) {
        parts.push(() => {
          const x = c.local();
          this.value(c, d);
          c.set(x);
          c.get(s).call(lib.missing).get(x).call(lib.missing).and().if(I32).i32(1).else();
          c.get(s).get(x).call(eq).end();
        });
      } else {
        parts.push(() => {
          c.get(s);
          this.value(c, d);
          c.call(eq);
        });
      }
    }
    anyOf(c, parts);
  }

  /** `op` over the value of `subject`: any element passes. */
  #element(c: Code, subject: IrExpr, op: ElementOp): void {
    this.value(c, subject);
    c.call(this.#elementHelper(op));
  }

  /** A function `(p) → i32`: some element of value p (lists walked) passes `op`. */
  #elementHelper(op: ElementOp): number {
    const key = "el:" + JSON.stringify(op);
    const known = this.#helpers.get(key);
    if (known !== undefined) return known;
    const m = this.ctx.m, lib = this.ctx.lib;
    const f = m.reserve();
    this.#helpers.set(key, f);
    const c = new Code([I32], [I32]);
    const tag = c.local(), i = c.local(), n = c.local();
    lib.burn(c);
    c.get(0).eqz().if().i32(0).return().end();
    c.get(0).load(0).tee(tag).i32(TAG.LIST).eq().if();
    c.get(0).load(4).set(n);
    c.block().loop();
    c.get(i).get(n).geU().brIf(1);
    c.get(0).get(i).i32(2).shl().add().load(8).call(f).if().i32(1).return().end();
    c.get(i).i32(1).add().set(i).br(0);
    c.end().end();
    c.i32(0).return();
    c.end();
    this.#scalar(c, tag, op);
    m.define(f, { code: c });
    return f;
  }

  /** Emits the test of `op` on the non-list value in param 0 with tag in local `tag`. */
  #scalar(c: Code, tag: number, op: ElementOp): void {
    const lib = this.ctx.lib, pool = this.ctx.pool;
    const isTag = (t: number) => c.get(tag).i32(t).eq();
    switch (op.kind) {
      case "eq":
        if (typeof op.value === "number") {
          isTag(TAG.NUM).if(I32).get(0).loadF64(8).f64(op.value).f64Eq().else().i32(0).end();
        } else if (typeof op.value === "boolean") {
          isTag(TAG.BOOL).if(I32).get(0).load(4).i32(op.value ? 1 : 0).eq().else().i32(0).end();
        } else {
          isTag(TAG.STR).if(I32).get(0).i32(pool.value(op.value)).call(lib.streq).else().i32(0)
            .end();
        }
        return;
      case "ciEq":
        isTag(TAG.STR).if(I32).get(0).call(lib.lower).i32(pool.value(op.value)).call(lib.streq)
          .else().i32(0).end();
        return;
      case "order": {
        if (typeof op.value === "number") {
          isTag(TAG.NUM).if(I32).get(0).loadF64(8).f64(op.value);
          ({
            "<": () => c.f64Lt(),
            "<=": () => c.f64Le(),
            ">": () => c.f64Gt(),
            ">=": () => c.f64Ge(),
          })[op.cmp]();
          c.else().i32(0).end();
        } else {
          isTag(TAG.STR).if(I32).get(0);
          if (op.lower) c.call(lib.lower);
          c.i32(pool.value(op.value)).call(lib.strcmp).i32(0);
          ({ "<": () => c.ltS(), "<=": () => c.leS(), ">": () => c.gtS(), ">=": () => c.geS() })
            [op.cmp]();
          c.else().i32(0).end();
        }
        return;
      }
      case "set": {
        const strings = op.strings;
        isTag(TAG.STR).if(I32);
        if (strings) this.#plan(c, strings);
        else c.i32(0);
        c.else();
        anyOf(c, [
          ...op.numbers.map((x) => () => {
            isTag(TAG.NUM).if(I32).get(0).loadF64(8).f64(x).f64Eq().else().i32(0).end();
          }),
          ...op.bools.map((x) => () => {
            isTag(TAG.BOOL).if(I32).get(0).load(4).i32(x ? 1 : 0).eq().else().i32(0).end();
          }),
        ]);
        c.end();
        return;
      }
      case "match":
        isTag(TAG.STR).if(I32);
        this.#plan(c, op.plan);
        c.else().i32(0).end();
        return;
    }
  }

  /** Emits a plan's test on the string in param 0. */
  #plan(c: Code, p: Plan): void {
    if (p.all) {
      c.i32(1);
      return;
    }
    const lib = this.ctx.lib, pool = this.ctx.pool;
    const s = c.local();
    c.get(0);
    if (p.lower) c.call(lib.lower);
    c.set(s);
    anyOf(c, [
      ...p.exact.map((x) => () => c.get(s).i32(pool.value(x)).call(lib.streq)),
      ...p.prefixes.map((x) => () => c.get(s).i32(pool.value(x)).call(lib.starts)),
      ...p.suffixes.map((x) => () => c.get(s).i32(pool.value(x)).call(lib.ends)),
      ...p.contains.map((x) => () =>
        c.get(s).i32(pool.value(x)).i32(0).call(lib.indexOf).i32(0).geS()
      ),
      ...p.globs.map((g) => () => c.get(s).i32(pool.pattern(g.tokens, g.cp)).call(lib.glob)),
      ...p.regexes.map((t) => () => c.get(s).i32(pool.words(t)).call(lib.dfa)),
    ]);
  }

  /**
   * A function `(l, r) → i32`: some pair of present elements of l and r
   * passes `cmp` (equality, or ordering between numbers or strings).
   */
  #pairHelper(cmp: CompareOp, ci: boolean): number {
    const key = `pair:${cmp}:${ci}`;
    const known = this.#helpers.get(key);
    if (known !== undefined) return known;
    const m = this.ctx.m, lib = this.ctx.lib;
    const f = m.reserve();
    this.#helpers.set(key, f);
    const c = new Code([I32, I32], [I32]);
    const i = c.local(), n = c.local(), ta = c.local(), tb = c.local();
    lib.burn(c);
    c.get(0).eqz().get(1).eqz().or().if().i32(0).return().end();
    c.get(0).load(0).tee(ta).i32(TAG.NULL).eq().get(1).load(0).tee(tb).i32(TAG.NULL).eq().or()
      .if().i32(0).return().end();
    for (const [side, other, t] of [[0, 1, ta], [1, 0, tb]] as const) {
      c.get(t).i32(TAG.LIST).eq().if();
      c.get(side).load(4).set(n).i32(0).set(i);
      c.block().loop();
      c.get(i).get(n).geU().brIf(1);
      const elem = () => c.get(side).get(i).i32(2).shl().add().load(8);
      if (side === 0) {
        elem();
        c.get(other);
      } else {
        c.get(other);
        elem();
      }
      c.call(f).if().i32(1).return().end();
      c.get(i).i32(1).add().set(i).br(0);
      c.end().end();
      c.i32(0).return();
      c.end();
    }
    // Two scalars.
    const eq = cmp === "==" || cmp === "!=";
    c.get(ta).get(tb).ne().if().i32(0).return().end();
    c.get(ta).i32(TAG.NUM).eq().if();
    c.get(0).loadF64(8).get(1).loadF64(8);
    if (eq) c.f64Eq();
    else {({
        "<": () => c.f64Lt(),
        "<=": () => c.f64Le(),
        ">": () => c.f64Gt(),
        ">=": () => c.f64Ge(),
      })[cmp as "<"]();}
    c.return().end();
    if (eq) {
      c.get(ta).i32(TAG.BOOL).eq().if().get(0).load(4).get(1).load(4).eq().return().end();
    }
    c.get(ta).i32(TAG.STR).eq().if();
    c.get(0);
    if (ci) c.call(lib.lower);
    c.get(1);
    if (ci) c.call(lib.lower);
    if (eq) c.call(lib.streq);
    else {
      c.call(lib.strcmp).i32(0);
      ({ "<": () => c.ltS(), "<=": () => c.leS(), ">": () => c.gtS(), ">=": () => c.geS() })
        [cmp as "<"]();
    }
    c.return().end();
    c.i32(0);
    m.define(f, { code: c });
    return f;
  }

  /** Emits a value expression: leaves a pointer (0 when absent). */
  value(c: Code, ir: IrExpr): void {
    const lib = this.ctx.lib, pool = this.ctx.pool;
    switch (ir.op) {
      case "const":
        c.i32(pool.value(ir.value));
        return;
      case "field":
        c.i32(this.ctx.fieldTable + ir.id * 4).load(0);
        if (ir.index !== undefined) {
          // Legacy subscript: element `index` of a list; anything else is absent.
          const p = c.local();
          c.tee(p).if(I32);
          c.get(p).load(0).i32(TAG.LIST).eq().get(p).load(4).i32(ir.index).gtU().and().if(I32);
          c.get(p).i32(ir.index * 4).add().load(8).set(p);
          c.get(p).load(0).i32(TAG.OTHER).eq().if(I32).i32(0).else().get(p).end();
          c.else().i32(0).end();
          c.else().i32(0).end();
        }
        return;
      case "call":
        this.#call(c, ir);
        return;
      case "arith":
        this.#arith(c, ir.arith, ir.left, ir.right);
        return;
      case "negate": {
        const p = c.local();
        this.value(c, ir.arg);
        c.tee(p).if(I32);
        c.get(p).load(0).i32(TAG.NUM).eq().if(I32).get(p).loadF64(8).f64Neg().call(lib.numValue);
        c.else().i32(pool.value(null)).end();
        c.else().i32(pool.value(null)).end();
        return;
      }
      case "bound":
        throw new WasmUnsupported(
          "arraySearch/arrayCount (bound variables) are not available in the wasm runtime",
        );
      default:
        // A condition used as a value.
        this.cond(c, ir);
        c.if(I32).i32(pool.value(true)).else().i32(pool.value(false)).end();
    }
  }

  #call(c: Code, ir: Extract<IrExpr, { op: "call" }>): void {
    const spec = lookupFunction(ir.fn, this.ctx.dialect);
    const name = spec?.name ?? ir.fn;
    if (!CALLS.has(name)) {
      throw new WasmUnsupported(`function ${name}() is not available in the wasm runtime`);
    }
    if (name === "add" || name === "subtract" || name === "multiply" || name === "divide") {
      this.#arith(
        c,
        { add: "+", subtract: "-", multiply: "*", divide: "/" }[name] as "+",
        ir.args[0],
        ir.args[1],
      );
      return;
    }
    const lib = this.ctx.lib, pool = this.ctx.pool;
    const NULL = pool.value(null), TRUE = pool.value(true), FALSE = pool.value(false);
    const ci = ir.caseInsensitive;
    if (name === "cidrMatch") {
      this.#cidrMatch(c, ir.args);
      return;
    }
    const str = (arg: IrExpr, into: number) => this.#str(c, arg, into);
    const bool = () => c.if(I32).i32(TRUE).else().i32(FALSE).end();
    if (name === "safe") {
      // Nothing the module evaluates throws, so `safe(x)` is `x` (traps are rule errors).
      this.value(c, ir.args[0]);
      return;
    }
    if (name === "wildcard") {
      this.#wildcardCall(c, ir.args, ci);
      return;
    }
    if (name === "indexOf" || name === "substring") {
      if (this.#legacy) {
        throw new WasmUnsupported(
          `function ${name}() is not available in the wasm runtime (legacy dialect)`,
        );
      }
      if (name === "indexOf") this.#indexOfCall(c, ir.args, ci);
      else this.#substringCall(c, ir.args);
      return;
    }
    if (name === "length") {
      const s = c.local();
      if (this.#legacy) {
        // Lists count their elements; strings count code points.
        this.value(c, ir.args[0]);
        c.tee(s).eqz().if(I32).i32(NULL).else();
        c.get(s).load(0).i32(TAG.LIST).eq().if(I32).get(s).load(4).f64ConvertI32S()
          .call(lib.numValue).else();
        c.get(s).load(0).i32(TAG.STR).eq().if(I32);
        this.#codePoints(c, s);
        c.f64ConvertI32S().call(lib.numValue).else().i32(NULL).end();
        c.end().end();
        return;
      }
      str(ir.args[0], s);
      c.get(s).if(I32).get(s).load(4).f64ConvertI32S().call(lib.numValue).else().i32(NULL).end();
      return;
    }
    const s = c.local(), sub = c.local();
    str(ir.args[0], s);
    str(ir.args[1], sub);
    const nullResult = name === "stringContains" && this.#legacy ? FALSE : NULL;
    c.get(s).eqz().get(sub).eqz().or().if(I32).i32(nullResult).else();
    if (ci) {
      c.get(s).call(lib.lower).set(s).get(sub).call(lib.lower).set(sub);
    }
    if (name === "startsWith") c.get(s).get(sub).call(lib.starts);
    else if (name === "endsWith") c.get(s).get(sub).call(lib.ends);
    else {
      if (!this.#legacy) {
        // Elasticsearch: an empty source or substring never matches.
        c.get(s).load(4).eqz().get(sub).load(4).eqz().or().if(I32).i32(0).else();
      }
      c.get(s).get(sub).i32(0).call(lib.indexOf).i32(0).geS();
      if (!this.#legacy) c.end();
    }
    bool();
    c.end();
  }

  /**
   * `cidrMatch(ip, "block", …)` with literal blocks (the compiler requires
   * them), as `runtimes/js/calls.ts` runs it: the address stands for its
   * sole element; elastic answers null for a null address or block, legacy
   * false for a null address and ignores blocks without `/`.
   */
  #cidrMatch(c: Code, args: readonly IrExpr[]): void {
    const lib = this.ctx.lib, pool = this.ctx.pool;
    const legacy = this.#legacy;
    const NULL = pool.value(null), TRUE = pool.value(true), FALSE = pool.value(false);
    const words: number[] = [];
    let count = 0, nullBlock = false;
    for (const v of literalSoles(args.slice(1), "cidrMatch() with computed blocks")) {
      if (typeof v !== "string") {
        nullBlock = true;
        continue;
      }
      if (legacy && !v.includes("/")) continue;
      const cidr = parseCidr(v);
      if ("error" in cidr) continue;
      const p = cidr.family === 4 ? 96 + cidr.prefix : cidr.prefix;
      const mask = (i: number) => {
        const bits = Math.min(32, Math.max(0, p - 32 * i));
        return bits === 0 ? 0 : bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
      };
      words.push(cidr.family, mask(0), mask(1), mask(2), mask(3), ...cidr.network.words);
      count++;
    }
    const table = pool.words([count, ...words]);
    const ip = c.local();
    this.#str(c, args[0], ip);
    if (legacy) {
      c.get(ip).if(I32).get(ip).i32(table).i32(1).call(lib.cidr).else().i32(0).end();
      c.if(I32).i32(TRUE).else().i32(FALSE).end();
      return;
    }
    if (nullBlock) {
      c.i32(NULL);
      return;
    }
    c.get(ip).if(I32).get(ip).i32(table).i32(0).call(lib.cidr)
      .if(I32).i32(TRUE).else().i32(FALSE).end()
      .else().i32(NULL).end();
  }

  /** Emits: the string argument `arg` stands for into local `into` (0 when it is not one). */
  #str(c: Code, arg: IrExpr, into: number): void {
    this.value(c, arg);
    c.call(this.ctx.lib.sole).tee(into).if(I32).get(into).load(0).i32(TAG.STR).eq().if(I32).get(
      into,
    )
      .else().i32(0).end().else().i32(0).end().set(into);
  }

  /** Emits: the finite number argument `arg` stands for into f64 local `x`; leaves whether it is one. */
  #num(c: Code, arg: IrExpr, x: number): void {
    const p = c.local();
    this.value(c, arg);
    c.call(this.ctx.lib.sole).tee(p).if(I32).get(p).load(0).i32(TAG.NUM).eq().if(I32);
    c.get(p).loadF64(8).tee(x).get(x).f64Sub().f64(0).f64Eq();
    c.else().i32(0).end().else().i32(0).end();
  }

  /** Legacy `wildcard(s, "pattern", …)`: literal patterns, only `*` special; null subject → null. */
  #wildcardCall(c: Code, args: readonly IrExpr[], ci: boolean): void {
    const pool = this.ctx.pool;
    const patterns: string[] = [];
    let nullPattern = false;
    for (const v of literalSoles(args.slice(1), "wildcard() with computed patterns")) {
      if (typeof v === "string") patterns.push(v);
      else nullPattern = true;
    }
    const s = c.local();
    this.#str(c, args[0], s);
    if (nullPattern) {
      c.i32(pool.value(null));
      return;
    }
    const test = this.#elementHelper({ kind: "match", plan: plan(patterns, ci, LEGACY_WILDCARD) });
    c.get(s).if(I32).get(s).call(test).if(I32).i32(pool.value(true)).else().i32(pool.value(false))
      .end().else().i32(pool.value(null)).end();
  }

  /** Elasticsearch `indexOf(s, sub[, start])`: the first index at or after start, else null. */
  #indexOfCall(c: Code, args: readonly IrExpr[], ci: boolean): void {
    const lib = this.ctx.lib, NULL = this.ctx.pool.value(null);
    const s = c.local(), sub = c.local(), start = c.local(), at = c.local(), n = c.local(F64);
    this.#str(c, args[0], s);
    this.#str(c, args[1], sub);
    c.get(s).eqz().get(sub).eqz().or().if(I32).i32(NULL).else();
    if (args.length > 2) {
      this.#num(c, args[2], n);
      c.eqz().if(I32).i32(NULL).else();
      // start = max(0, trunc(n)); beyond the length: null.
      c.get(n).f64Trunc().get(s).load(4).f64ConvertI32S().f64Gt().if(I32).i32(NULL).else();
      c.get(n).f64(0).f64Lt().if(I32).i32(0).else().get(n).f64Trunc().i32TruncF64S().end().set(
        start,
      );
    }
    if (ci) c.get(s).call(lib.lower).set(s).get(sub).call(lib.lower).set(sub);
    c.get(s).get(sub).get(start).call(lib.indexOf).tee(at).i32(0).ltS().if(I32).i32(NULL)
      .else().get(at).f64ConvertI32S().call(lib.numValue).end();
    if (args.length > 2) c.end().end();
    c.end();
  }

  /** Elasticsearch `substring(s, start[, end])`: Python slice bounds over UTF-16 units. */
  #substringCall(c: Code, args: readonly IrExpr[]): void {
    const lib = this.ctx.lib, pool = this.ctx.pool, NULL = pool.value(null);
    const s = c.local(),
      out = c.local(),
      a = c.local(F64),
      b = c.local(F64),
      len = c.local(F64),
      n = c.local();
    this.#str(c, args[0], s);
    c.get(s).eqz().if(I32).i32(NULL).else();
    c.get(s).load(4).f64ConvertI32S().set(len);
    // No start (null) means the whole string.
    this.value(c, args[1]);
    c.call(lib.sole).eqz().if(I32).get(s).else();
    this.#num(c, args[1], a);
    c.eqz().if(I32).i32(NULL).else();
    c.get(a).f64Trunc().set(a).get(len).set(b);
    const endArg = args[2];
    const body = () => {
      // Negative bounds count from the end, then both are clamped to the length.
      for (const x of [a, b]) {
        c.get(x).f64(0).f64Lt().if().get(x).get(len).f64Add().set(x)
          .get(x).f64(0).f64Lt().if().f64(0).set(x).end().end();
        c.get(x).get(len).f64Gt().if().get(len).set(x).end();
      }
      c.get(a).get(b).f64Ge().if(I32).i32(pool.value("")).else();
      c.get(b).get(a).f64Sub().i32TruncF64S().set(n);
      c.get(n).i32(1).shl().i32(8).add().call(lib.alloc).tee(out).i32(TAG.STR).store(0);
      c.get(out).get(n).store(4);
      c.get(out).i32(8).add().get(s).i32(8).add().get(a).i32TruncF64S().i32(1).shl().add()
        .get(n).i32(1).shl().memoryCopy();
      c.get(out).end();
    };
    if (endArg !== undefined) {
      this.value(c, endArg);
      c.call(lib.sole).if(I32);
      this.#num(c, endArg, b);
      c.eqz().if(I32).i32(NULL).else().get(b).f64Trunc().set(b);
      body();
      c.end();
      c.else();
      body();
      c.end();
    } else body();
    c.end().end().end();
  }

  /** Emits the number of code points of the string at local `s` (i32). */
  #codePoints(c: Code, s: number): void {
    const i = c.local(), n = c.local();
    c.i32(0).set(n).i32(0).set(i);
    c.block().loop();
    c.get(i).get(s).load(4).geU().brIf(1);
    this.ctx.lib.burn(c);
    c.get(i).get(s).get(i).call(this.ctx.lib.cpLen).add().set(i);
    c.get(n).i32(1).add().set(n).br(0);
    c.end().end();
    c.get(n);
  }

  /** `a op b` through the dialect's arithmetic: numbers only, non-finite results null. */
  #arith(c: Code, op: "+" | "-" | "*" | "/" | "%", left: IrExpr, right: IrExpr): void {
    if (op === "%") throw new WasmUnsupported("modulo is not available in the wasm runtime");
    const lib = this.ctx.lib, NULL = this.ctx.pool.value(null);
    const a = c.local(F64), b = c.local(F64), r = c.local(F64), pa = c.local(), pb = c.local();
    const num = (ir: IrExpr, p: number, x: number) => {
      this.value(c, ir);
      c.call(lib.sole).tee(p).if(I32).get(p).load(0).i32(TAG.NUM).eq().if(I32);
      c.get(p).loadF64(8).tee(x).get(x).f64Sub().f64(0).f64Eq(); // finite
      c.else().i32(0).end().else().i32(0).end().set(p);
    };
    num(left, pa, a);
    num(right, pb, b);
    c.get(pa).get(pb).and().if(I32);
    const isInt = (x: number) => c.get(x).get(x).f64Trunc().f64Eq();
    if (op === "/") {
      c.get(b).f64(0).f64Eq().if(I32).i32(NULL).else();
      isInt(a);
      isInt(b);
      c.and().if(F64).get(a).get(b).f64Div();
      if (this.#legacy) c.f64Floor();
      else c.f64Trunc();
      c.else().get(a).get(b).f64Div().end().set(r);
    } else {
      c.get(a).get(b);
      if (op === "+") c.f64Add();
      else if (op === "-") c.f64Sub();
      else c.f64Mul();
      c.set(r);
    }
    // numResult: non-finite → null, -0 → 0.
    c.get(r).get(r).f64Sub().f64(0).f64Eq().if(I32);
    c.get(r).f64(0).f64Add().call(lib.numValue);
    c.else().i32(NULL).end();
    if (op === "/") c.end();
    c.else().i32(NULL).end();
  }
}

/** Emits a short-circuit `or` of the tests: leaves 1 as soon as one leaves 1, else 0. */
function anyOf(c: Code, tests: (() => void)[]): void {
  if (tests.length === 0) {
    c.i32(0);
    return;
  }
  c.block(I32);
  for (const t of tests) {
    c.i32(1);
    t();
    c.brIf(0).drop();
  }
  c.i32(0);
  c.end();
}
