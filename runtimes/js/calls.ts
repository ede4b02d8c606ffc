/**
 * Function calls at run time: the implementations come from the EQL
 * function table (`eql/functions.ts`), the same ones constant folding uses,
 * so a rule behaves the same folded or not.
 *
 * One call is specialised: `cidrMatch` with literal blocks (always the case,
 * the compiler requires literals) parses its blocks once here instead of
 * joining them into a cache key on every event. It keeps the table's
 * semantics: the address argument stands for its sole element when it is a
 * one-element list, else for null; elastic answers null for a null address
 * or block, legacy false for a null address and ignores blocks without `/`.
 *
 * @module
 */
import type { Dialect } from "../../eql/compile.ts";
import type { ArithOp } from "../../eql/ast.ts";
import type { IrExpr } from "../../eql/ir.ts";
import type { Value } from "../../eql/value.ts";
import { compileCidrs } from "../../eql/cidr.ts";
import { lookupFunction } from "../../eql/functions.ts";
import { soleScalar } from "./values.ts";

/** A function implementation from the table. */
export type Impl = (args: readonly Value[], caseInsensitive: boolean) => Value;

/** Arithmetic operators evaluate through the dialect's functions (Java vs Python division). */
const ARITH_FUNCTIONS: Readonly<Record<ArithOp, string>> = {
  "+": "add",
  "-": "subtract",
  "*": "multiply",
  "/": "divide",
  "%": "modulo",
};

/** The implementation of function `name` in `dialect`; throws when there is none. */
export function implOf(name: string, dialect: Dialect): Impl {
  const spec = lookupFunction(name, dialect);
  if (spec?.impl === undefined) {
    throw new Error(`function ${name} has no run-time implementation in the ${dialect} dialect`);
  }
  return spec.impl;
}

/** The implementation behind an arithmetic operator. */
export function arithImpl(op: ArithOp, dialect: Dialect): Impl {
  return implOf(ARITH_FUNCTIONS[op], dialect);
}

/** The table's special handling of a call: `bind` (arraySearch/arrayCount), `safe`, `lua`, or none. */
export function specialOf(name: string, dialect: Dialect): "bind" | "safe" | "lua" | undefined {
  return lookupFunction(name, dialect)?.special;
}

/**
 * `cidrMatch(ip, "block", …)` with its blocks parsed once: a function of the
 * address value, or undefined when this is not such a call.
 */
export function literalCidrMatch(
  fn: string,
  args: readonly IrExpr[],
  dialect: Dialect,
): ((ip: Value | undefined) => Value) | undefined {
  if (fn !== "cidrMatch" || args.length < 2) return undefined;
  const legacy = dialect === "legacy";
  const blocks: string[] = [];
  let nullBlock = false;
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (a.op !== "const") return undefined;
    const s = soleScalar(a.value);
    if (typeof s === "string") {
      if (!legacy || s.includes("/")) blocks.push(s);
    } else {
      nullBlock = true;
    }
  }
  const test = compileCidrs(blocks, { mapped: legacy ? "separate" : "unify" });
  if (legacy) {
    return (v) => {
      const ip = soleScalar(v);
      return typeof ip === "string" && test(ip);
    };
  }
  return (v) => {
    const ip = soleScalar(v);
    if (typeof ip !== "string" || nullBlock) return null;
    return test(ip);
  };
}
