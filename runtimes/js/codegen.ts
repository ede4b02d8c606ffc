/**
 * IR compiled into JavaScript source, instantiated once per rule with
 * `new Function`.
 *
 * Conditions are two-valued in both dialects (see `mod.ts`), so each one
 * becomes a single boolean expression: `and`/`or` are short-circuit
 * `&&`/`||`, and `not`, `!=` and `not in` are `!` of the positive form.
 * Only the positive forms know about missing values and types: they are
 * false for a missing subject or an element of another type.
 *
 * Field reads are inlined as `ev.get(id)` into a temporary, and the common
 * element tests inline too (`t === "start"`, `===` chains for short `in`
 * lists, `typeof` guards), so V8 sees one small monomorphic function per
 * rule. Lists go through a loop helper generated for that test; constants
 * (sets, matchers, function implementations, run-time helpers) are bound as
 * `k0`, `k1`, … in the function's closure.
 *
 * This backend was measured against a closure tree over the same operators
 * (`bench/runtime_js_bench.ts`) and is the faster one, so it is the only
 * one kept.
 *
 * @module
 */
import type { IrEventQuery, IrExpr } from "../../eql/ir.ts";
import type { Scalar } from "../../eql/value.ts";
import type { Getter, Predicate, RuntimeContext } from "./types.ts";
import {
  boundValue,
  ciEq,
  countArray,
  elementAt,
  isMissing,
  scopeHops,
  searchArray,
  somePair,
  valueIsTrue,
} from "./values.ts";
import {
  compareOp,
  type ElementOp,
  flipOrder,
  inOp,
  type Literal,
  matchOp,
  pairTest,
} from "./operators.ts";
import { arithImpl, implOf, literalCidrMatch, specialOf } from "./calls.ts";
import { alternation, planMatcher, planSize, type StringPlan } from "./string_plan.ts";
import { lineageTest } from "./lineage.ts";

/** Compiles a condition into a generated predicate. */
export function generatedPredicate(ir: IrExpr, ctx: RuntimeContext): Predicate {
  return generatedEventQuery({ category: "any", predicate: ir }, ctx);
}

/** `category where predicate` as one generated function. */
export function generatedEventQuery(q: IrEventQuery, ctx: RuntimeContext): Predicate {
  const program = new Program(ctx);
  const main = new Body(false);
  const cond = new Gen(program, main, []).t(q.predicate);
  const test = q.category === "any"
    ? cond
    : `${program.constant(ctx.categoryMatcher(q.category))}(ev) && ${cond}`;
  return program.instantiate(
    `function predicate(ev) {${main.declarations()} return ${test}; }`,
  ) as Predicate;
}

/** Compiles a value expression (or a condition, as true/false) into a generated getter. */
export function generatedGetter(ir: IrExpr, ctx: RuntimeContext): Getter {
  const program = new Program(ctx);
  const main = new Body(false);
  const value = new Gen(program, main, []).v(ir);
  return program.instantiate(
    `function getter(ev) {${main.declarations()} return ${value}; }`,
  ) as Getter;
}

/** Run-time helpers the generated code calls, bound once per program by name. */
const RUNTIME = {
  boundValue,
  ciEq,
  countArray,
  elementAt,
  isMissing,
  searchArray,
  somePair,
  valueIsTrue,
};

/** One generated program: its constants (`k0`, `k1`, …) and hoisted helper functions. */
class Program {
  readonly #constants: unknown[] = [];
  readonly #names = new Map<unknown, string>();
  readonly #helpers: string[] = [];
  readonly #handles = new Map<IrExpr, string>();

  constructor(readonly ctx: RuntimeContext) {}

  /** The name under which `value` is available to the generated code. */
  constant(value: unknown): string {
    let name = this.#names.get(value);
    if (name === undefined) {
      name = `k${this.#constants.length}`;
      this.#constants.push(value);
      this.#names.set(value, name);
    }
    return name;
  }

  /** A run-time helper by name. */
  runtime(name: keyof typeof RUNTIME): string {
    return this.constant(RUNTIME[name]);
  }

  /** Adds a helper function built by `source(name)`; returns its name. */
  helper(source: (name: string) => string): string {
    // Reserve the slot first: building the source may add nested helpers.
    const i = this.#helpers.length;
    this.#helpers.push("");
    const name = `h${i}`;
    this.#helpers[i] = source(name);
    return name;
  }

  /** A lineage test, registered once per lineage node. */
  lineage(ir: Extract<IrExpr, { op: "lineage" }>): string {
    let name = this.#handles.get(ir);
    if (name === undefined) {
      name = this.constant(lineageTest(ir.relation, ir.query, this.ctx, generatedEventQuery));
      this.#handles.set(ir, name);
    }
    return name;
  }

  instantiate(main: string): unknown {
    const bindings = this.#constants.map((_, i) => `k${i} = k[${i}]`).join(", ");
    const source = `"use strict";\n${bindings ? `const ${bindings};\n` : ""}${
      this.#helpers.join("\n")
    }\nreturn ${main};`;
    return new Function("k", source)(this.#constants);
  }
}

/** One generated function body: its temporaries, and whether it has a binding environment. */
class Body {
  #temps = 0;

  constructor(readonly hasEnv: boolean) {}

  temp(): string {
    return `t${this.#temps++}`;
  }

  /** The `let` declaration of every temporary used. */
  declarations(): string {
    if (this.#temps === 0) return "";
    return ` let ${Array.from({ length: this.#temps }, (_, i) => `t${i}`).join(", ")};`;
  }

  get env(): string {
    return this.hasEnv ? "env" : "undefined";
  }
}

/** A JavaScript literal for a scalar (JSON would print `Infinity` as `null`). */
function lit(v: Literal | null): string {
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  return v === null ? "null" : JSON.stringify(v);
}

/**
 * `op` for a subject whose strings are lower-cased already, or null when
 * `op` does not fold case. Equal by construction: a folding test lower-cases
 * each string before the same comparison.
 */
function foldedOp(op: ElementOp): ElementOp | null {
  switch (op.kind) {
    case "ciEq":
      return { kind: "eq", value: op.value };
    case "order":
      return op.lower ? { ...op, lower: false } : null;
    case "set":
      return op.strings.lower ? { ...op, strings: { ...op.strings, lower: false } } : null;
    case "match":
      return op.plan.lower ? { kind: "match", plan: { ...op.plan, lower: false } } : null;
    default:
      return null;
  }
}

/** Lists of up to this many constants are inlined as `===` chains, longer ones use a `Set`. */
const INLINE_SET = 8;

/** String plans with up to this many tests are inlined, longer ones call a matcher. */
const INLINE_PLAN = 16;

class Gen {
  readonly #legacy: boolean;

  constructor(readonly p: Program, readonly body: Body, readonly scope: readonly string[]) {
    this.#legacy = p.ctx.dialect === "legacy";
  }

  /**
   * Source of a boolean expression true exactly when the condition `ir`
   * holds. The result is a literal, a call or parenthesised, so `!` and the
   * binary operators can be put around it as it is.
   */
  t(ir: IrExpr): string {
    switch (ir.op) {
      case "const":
        return String(valueIsTrue(ir.value));
      case "and":
        return `(${ir.args.map((a) => this.t(a)).join(" && ")})`;
      case "or":
        return `(${ir.args.map((a) => this.t(a)).join(" || ")})`;
      case "not":
        return `!${this.t(ir.arg)}`;
      case "compare":
        return this.compare(ir);
      case "in":
        return this.inList(ir);
      case "match":
        return this.element(ir.subject, matchOp(ir.kind, ir.patterns, ir.caseInsensitive));
      case "lineage":
        return `${this.p.lineage(ir)}(ev)`;
      default:
        return `${this.p.runtime("valueIsTrue")}(${this.v(ir)})`;
    }
  }

  /** A comparison; `!=` is the negation of `==`. */
  private compare(ir: Extract<IrExpr, { op: "compare" }>): string {
    let { left, right, cmp } = ir;
    if (left.op === "const" && right.op !== "const") {
      [left, right] = [right, left];
      cmp = flipOrder(cmp);
    }
    if (cmp === "!=") return `!${this.compare({ ...ir, left, right, cmp: "==" })}`;
    if (right.op === "const" && right.value === null) {
      // `x == null` is a presence test; nothing is ordered against null.
      return cmp === "==" ? `${this.p.runtime("isMissing")}(${this.v(left)})` : "false";
    }
    if (right.op === "const" && !Array.isArray(right.value)) {
      const op = compareOp(cmp, right.value as Literal, ir.caseInsensitive, ir.wildcard);
      return op === null ? "false" : this.element(left, op);
    }
    const l = this.v(left), r = this.v(right);
    const some = this.p.runtime("somePair");
    const test = this.p.constant(pairTest(cmp, ir.caseInsensitive));
    if (this.#legacy && cmp === "==") {
      // Python: None == None.
      const a = this.body.temp(), b = this.body.temp(), missing = this.p.runtime("isMissing");
      return `(${a} = ${l}, ${b} = ${r}, ${missing}(${a}) ? ${missing}(${b}) : ${some}(${a}, ${b}, ${test}))`;
    }
    return `${some}(${l}, ${r}, ${test})`;
  }

  /** `in`; `not in` is its negation. */
  private inList(ir: Extract<IrExpr, { op: "in" }>): string {
    if (ir.negated) return `!${this.inList({ ...ir, negated: false })}`;
    const constants: Scalar[] = [];
    const dynamic: IrExpr[] = [];
    for (const v of ir.values) {
      if (v.op === "const" && !Array.isArray(v.value)) constants.push(v.value);
      else dynamic.push(v);
    }
    const { op, hasNull } = inOp(constants, ir.caseInsensitive, ir.wildcard);
    // A null in the list matches a missing subject in legacy (Python's None), nothing in elastic.
    const nullMatches = this.#legacy && hasNull;
    if (dynamic.length === 0 && !nullMatches) {
      return op === null ? "false" : this.element(ir.subject, op);
    }
    // The general form: the subject is read once into a temporary.
    const s = this.body.temp();
    const missing = this.p.runtime("isMissing");
    const some = this.p.runtime("somePair");
    const eq = this.p.constant(pairTest("==", ir.caseInsensitive));
    const parts: string[] = [];
    if (nullMatches) parts.push(`${missing}(${s})`);
    if (op !== null) parts.push(this.elementOf(s, op));
    for (const d of dynamic) {
      if (this.#legacy) {
        const x = this.body.temp();
        parts.push(
          `(${x} = ${
            this.v(d)
          }, ${missing}(${s}) && ${missing}(${x}) || ${some}(${s}, ${x}, ${eq}))`,
        );
      } else {
        parts.push(`${some}(${s}, ${this.v(d)}, ${eq})`);
      }
    }
    return `(${s} = ${this.v(ir.subject)}, ${parts.length ? parts.join(" || ") : "false"})`;
  }

  /** An element operator over the value of `subject`: any element passes. */
  private element(subject: IrExpr, op: ElementOp): string {
    const x = this.body.temp();
    const folded = subject.op === "field" && subject.index === undefined ? foldedOp(op) : null;
    if (folded !== null) {
      // A case-insensitive test on a field reads it lower-cased from the
      // event, which folds each field once for every rule that tests it;
      // an event without `getLower` takes the plain test.
      const lower = `ev.getLower(${(subject as { id: number }).id})`;
      const viaLower = folded.kind === "eq"
        ? `((${x} = ${lower}) === ${
          lit(folded.value)
        } || (typeof ${x} === "object" && ${x} !== null && ${this.arrayHelper(folded)}(${x})))`
        : `(${x} = ${lower}, ${this.elementOf(x, folded)})`;
      const plain = `(${x} = ${this.v(subject)}, ${this.elementOf(x, op)})`;
      return `(ev.getLower !== undefined ? ${viaLower} : ${plain})`;
    }
    if (op.kind === "eq") {
      // The hot case: one `===`, and a loop only for lists.
      return `((${x} = ${this.v(subject)}) === ${
        lit(op.value)
      } || (typeof ${x} === "object" && ${x} !== null && ${this.arrayHelper(op)}(${x})))`;
    }
    return `(${x} = ${this.v(subject)}, ${this.elementOf(x, op)})`;
  }

  /** An element operator over a value already in variable `x`: any element passes. */
  private elementOf(x: string, op: ElementOp): string {
    return `(typeof ${x} === "object" ? ${x} !== null && ${this.arrayHelper(op)}(${x}) : ${
      this.scalar(x, op)
    })`;
  }

  /** A helper looping over a list (nested lists walked, nulls skipped): whether any element passes. */
  private arrayHelper(op: ElementOp): string {
    const inner = new Body(false);
    const test = this.scalar("e", op, inner);
    return this.p.helper((h) =>
      `function ${h}(a) {${inner.declarations()} for (let i = 0; i < a.length; i++) { const e = a[i]; ` +
      `if (e === undefined || e === null) continue; ` +
      `if (typeof e === "object") { if (Array.isArray(e) && ${h}(e)) return true; } ` +
      `else if (${test}) return true; } return false; }`
    );
  }

  /**
   * An element operator over one non-list value in variable `x`; false for a
   * value of another type. `body` provides temporaries.
   */
  private scalar(x: string, op: ElementOp, body: Body = this.body): string {
    switch (op.kind) {
      case "eq":
        return `(${x} === ${lit(op.value)})`;
      case "ciEq":
        return `(typeof ${x} === "string" && ${this.p.runtime("ciEq")}(${x}, ${lit(op.value)}))`;
      case "order": {
        const subject = op.lower ? `${x}.toLowerCase()` : x;
        return `(typeof ${x} === "${typeof op.value}" && ${subject} ${op.cmp} ${lit(op.value)})`;
      }
      case "set": {
        const strings = op.strings.all || planSize(op.strings) > 0
          ? this.plan(x, op.strings, body)
          : null;
        const others = op.others.size === 0 ? null : this.oneOf(x, [...op.others]);
        if (others === null) {
          return strings === null ? "false" : `(typeof ${x} === "string" && ${strings})`;
        }
        if (strings === null) return others;
        return `(typeof ${x} === "string" ? ${strings} : ${others})`;
      }
      case "match":
        return `(typeof ${x} === "string" && ${this.plan(x, op.plan, body)})`;
    }
  }

  /** `x` equals one of `values`: an `===` chain when short, else a `Set` lookup. */
  private oneOf(x: string, values: readonly Literal[]): string {
    if (values.length <= INLINE_SET) {
      return `(${values.map((v) => `${x} === ${lit(v)}`).join(" || ")})`;
    }
    return `${this.p.constant(new Set(values))}.has(${x})`;
  }

  /** A string plan over the string in variable `x`, inlined as `||` chains when short. */
  private plan(x: string, plan: StringPlan, body: Body): string {
    if (plan.all) return "true";
    // The literals cost one test (a chain or a Set); every pattern one more.
    const tests = planSize(plan) - plan.exact.length + (plan.exact.length ? 1 : 0);
    if (tests > INLINE_PLAN) return `${this.p.constant(planMatcher(plan))}(${x})`;
    let y = x, lower = "";
    if (plan.lower) {
      y = body.temp();
      lower = `${y} = ${x}.toLowerCase(), `;
    }
    const terms: string[] = [];
    if (plan.exact.length) terms.push(this.oneOf(y, plan.exact));
    if (plan.prefixes.length > 1) {
      terms.push(`${this.p.constant(alternation(plan.prefixes, "prefix"))}.test(${y})`);
    } else if (plan.prefixes.length === 1) terms.push(`${y}.startsWith(${lit(plan.prefixes[0])})`);
    for (const p of plan.suffixes) terms.push(`${y}.endsWith(${lit(p)})`);
    if (plan.contains.length > 1) {
      terms.push(`${this.p.constant(alternation(plan.contains, "contains"))}.test(${y})`);
    } else if (plan.contains.length === 1) terms.push(`${y}.includes(${lit(plan.contains[0])})`);
    for (const m of plan.others) terms.push(`${this.p.constant(m)}(${y})`);
    return terms.length ? `(${lower}${terms.join(" || ")})` : "false";
  }

  /** Source of an expression evaluating to the value of `ir`. */
  v(ir: IrExpr): string {
    switch (ir.op) {
      case "const":
        return Array.isArray(ir.value) ? this.p.constant(ir.value) : lit(ir.value);
      case "field":
        return ir.index === undefined
          ? `ev.get(${ir.id})`
          : `${this.p.runtime("elementAt")}(ev.get(${ir.id}), ${ir.index})`;
      case "bound":
        return `${this.p.runtime("boundValue")}(${this.body.env}, ${
          scopeHops(this.scope, ir.name)
        }, ${this.p.constant(ir.path)})`;
      case "call":
        return this.call(ir);
      case "arith":
        return this.callImpl(arithImpl(ir.arith, this.p.ctx.dialect), [ir.left, ir.right], false);
      case "negate": {
        const x = this.body.temp();
        return `(typeof (${x} = ${this.v(ir.arg)}) === "number" ? -${x} : null)`;
      }
      default:
        // A condition used as a value: true or false.
        return this.t(ir);
    }
  }

  private call(ir: Extract<IrExpr, { op: "call" }>): string {
    const dialect = this.p.ctx.dialect;
    const special = specialOf(ir.fn, dialect);
    if (special === "safe") {
      const inner = new Body(true);
      const value = new Gen(this.p, inner, this.scope).v(ir.args[0]);
      const h = this.p.helper((h) =>
        `function ${h}(ev, env) {${inner.declarations()} try { return ${value}; } catch { return null; } }`
      );
      return `${h}(ev, ${this.body.env})`;
    }
    if (special === "bind") {
      const [arrayIr, nameIr, condIr] = ir.args;
      const name = nameIr.op === "const" ? String(nameIr.value) : "";
      const inner = new Body(true);
      const cond = new Gen(this.p, inner, [...this.scope, name]).t(condIr);
      const h = this.p.helper((h) =>
        `function ${h}(ev, env) {${inner.declarations()} return ${cond}; }`
      );
      const walk = this.p.runtime(ir.fn === "arrayCount" ? "countArray" : "searchArray");
      return `${walk}(${this.v(arrayIr)}, ${h}, ev, ${this.body.env})`;
    }
    if (special === "lua") {
      const lua = this.p.ctx.lua;
      const [ref, ...args] = ir.args;
      if (lua === undefined || ref.op !== "const" || typeof ref.value !== "string") {
        throw new Error("lua() predicates need the rule's Lua modules, and none were given");
      }
      const fn = lua.bind(ref.value, this.p.ctx.rule ?? "<query>");
      return this.callImpl(fn, args, false);
    }
    const cidr = literalCidrMatch(ir.fn, ir.args, dialect);
    if (cidr !== undefined) return `${this.p.constant(cidr)}(${this.v(ir.args[0])})`;
    return this.callImpl(implOf(ir.fn, dialect), ir.args, ir.caseInsensitive);
  }

  /**
   * Fills an argument buffer owned by this call site and calls `impl`: no
   * array per event. Safe because the table's functions never keep their
   * argument array, and a call site cannot re-enter itself while its
   * arguments are being filled.
   */
  private callImpl(impl: unknown, args: readonly IrExpr[], ci: boolean): string {
    const buf = this.p.constant(new Array(args.length).fill(null));
    const fills = args.map((a, i) => `${buf}[${i}] = (${this.v(a)}) ?? null`);
    return `(${[...fills, `${this.p.constant(impl)}(${buf}, ${ci})`].join(", ")})`;
  }
}
