/**
 * Constant folding over IR: a node whose operands are all constants is
 * replaced by its value, and `and`/`or` drop constant operands that do not
 * decide the result. Evaluation uses the same function library as the
 * runtimes, so a folded rule behaves exactly like the unfolded one.
 *
 * @module
 */
import type { IrExpr } from "./ir.ts";
import type { Dialect } from "./compile.ts";
import type { Scalar, Value } from "./value.ts";
import { lookupFunction } from "./functions.ts";
import { compileWildcard, LEGACY_WILDCARD } from "./wildcard.ts";
import { compileLuceneRegex } from "./lucene_regex.ts";

const ARITH_FUNCTIONS = {
  "+": "add",
  "-": "subtract",
  "*": "multiply",
  "/": "divide",
  "%": "modulo",
} as const;

/**
 * Folds one node whose children are already folded.
 *
 * @example
 * ```ts
 * foldExpr({ op: "arith", arith: "+", left: { op: "const", value: 1 }, right: { op: "const", value: 2 } }, "elastic");
 * // { op: "const", value: 3 }
 * ```
 */
export function foldExpr(ir: IrExpr, dialect: Dialect): IrExpr {
  switch (ir.op) {
    case "and":
    case "or":
      return foldLogical(ir.op, ir.args);
    case "not": {
      const v = constOf(ir.arg);
      if (v === undefined) return ir;
      // Conditions are two-valued: a null condition is false, so its negation is true.
      return { op: "const", value: v !== true };
    }
    case "compare": {
      const l = scalarOf(ir.left), r = scalarOf(ir.right);
      if (l === undefined || r === undefined || l === null || r === null) return ir;
      if (typeof l !== typeof r) return ir;
      return { op: "const", value: compareScalars(ir.cmp, l, r, ir.caseInsensitive, ir.wildcard) };
    }
    case "in": {
      const s = scalarOf(ir.subject);
      if (s === undefined || s === null) return ir;
      const values = ir.values.map(scalarOf);
      if (values.some((v) => v === undefined)) return ir;
      const hit = values.some((v) =>
        v !== null && v !== undefined && typeof v === typeof s &&
        compareScalars("==", s, v, ir.caseInsensitive, ir.wildcard)
      );
      return { op: "const", value: hit !== ir.negated };
    }
    case "match": {
      const s = scalarOf(ir.subject);
      if (typeof s !== "string") return ir;
      const hit = ir.patterns.some((p) =>
        ir.kind === "regex"
          ? compileLuceneRegex(p, ir.caseInsensitive).test(s)
          : compileWildcard(p, ir.caseInsensitive)(s)
      );
      return { op: "const", value: hit };
    }
    case "arith":
      return callConst(ARITH_FUNCTIONS[ir.arith], [ir.left, ir.right], false, dialect) ?? ir;
    case "negate": {
      const v = constOf(ir.arg);
      if (v === undefined) return ir;
      return { op: "const", value: typeof v === "number" ? -v : null };
    }
    case "call":
      return callConst(ir.fn, ir.args, ir.caseInsensitive, dialect) ?? ir;
    default:
      return ir;
  }
}

function foldLogical(op: "and" | "or", args: IrExpr[]): IrExpr {
  // `x and true` is x; `x and false` is false (and dually for or); a null condition is false.
  const decisive = op === "or";
  const kept: IrExpr[] = [];
  for (const a of args) {
    const c = constOf(a);
    const v = c === null ? false : c;
    if (v === decisive) return { op: "const", value: decisive };
    if (v === !decisive) continue;
    kept.push(a);
  }
  if (kept.length === 0) return { op: "const", value: !decisive };
  return kept.length === 1 ? kept[0] : { op, args: kept };
}

function callConst(
  fn: string,
  args: IrExpr[],
  caseInsensitive: boolean,
  dialect: Dialect,
): IrExpr | undefined {
  const spec = lookupFunction(fn, dialect);
  if (!spec?.impl) return undefined;
  const values: Value[] = [];
  for (const a of args) {
    const v = constOf(a);
    if (v === undefined) return undefined;
    values.push(v);
  }
  try {
    return { op: "const", value: spec.impl(values, caseInsensitive) };
  } catch {
    // An error at run time stays an error at run time; do not fold it away.
    return undefined;
  }
}

function constOf(ir: IrExpr): Value | undefined {
  return ir.op === "const" ? ir.value : undefined;
}

function scalarOf(ir: IrExpr): Scalar | undefined {
  return ir.op === "const" && !Array.isArray(ir.value) ? ir.value : undefined;
}

/** Compares two non-null scalars of the same type with EQL semantics. */
export function compareScalars(
  cmp: string,
  l: Scalar,
  r: Scalar,
  caseInsensitive: boolean,
  wildcard: boolean,
): boolean {
  if (typeof l === "string" && typeof r === "string") {
    if (wildcard && (cmp === "==" || cmp === "!=")) {
      return compileWildcard(r, caseInsensitive, LEGACY_WILDCARD)(l) === (cmp === "==");
    }
    if (caseInsensitive) {
      l = l.toLowerCase();
      r = r.toLowerCase();
    }
  }
  switch (cmp) {
    case "==":
      return l === r;
    case "!=":
      return l !== r;
    case "<":
      return l! < r!;
    case "<=":
      return l! <= r!;
    case ">":
      return l! > r!;
    default:
      return l! >= r!;
  }
}
