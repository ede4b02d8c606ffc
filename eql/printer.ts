/**
 * Prints an AST back as canonical EQL.
 *
 * The canonical form is what `kestrel list`, the tests and error messages
 * show: strings always double-quoted with minimal escapes, single spaces
 * around operators, parentheses only where precedence needs them, function
 * names in their reference spelling, and multi-step queries on one line per
 * step. Parsing the printed text gives back the same tree (positions and
 * string quoting style aside).
 *
 * @module
 */
import type { EventQuery, Expr, FieldRef, Literal, Pipe, Query, Span, Step } from "./ast.ts";
import { lookupFunction } from "./functions.ts";

// Binding strength, loosest first; a child printed where a tighter one is
// expected gets parentheses.
const OR = 1,
  AND = 2,
  NOT = 3,
  PREDICATE = 4,
  ADDITIVE = 5,
  MULTIPLICATIVE = 6,
  UNARY = 7,
  ATOM = 8;

const KEYWORDS = new Set([
  "and",
  "or",
  "not",
  "in",
  "like",
  "regex",
  "where",
  "by",
  "with",
  "until",
  "sequence",
  "sample",
  "join",
  "of",
  "true",
  "false",
  "null",
]);

const IDENTIFIER = /^[A-Za-z_@][A-Za-z0-9_@]*$/;

/**
 * Prints a whole query in canonical form.
 *
 * @example
 * ```ts
 * printQuery(parseQuery("process where  PROCESS.name=='x'").ast!);
 * // 'process where PROCESS.name == "x"'
 * ```
 */
export function printQuery(q: Query): string {
  const body = q.body;
  if (body.kind === "event") {
    return printEvent(body) + q.pipes.map((p) => " " + printPipe(p)).join("");
  }
  const lines: string[] = [];
  let head = body.kind;
  if (body.by.length) head += " by " + printList(body.by);
  if (body.kind === "sequence" && body.maxspan) head += " with maxspan=" + printSpan(body.maxspan);
  lines.push(head);
  for (const step of body.steps) lines.push("  " + printStep(step));
  if (body.kind !== "sample" && body.until) lines.push("until " + printStep(body.until));
  for (const p of q.pipes) lines.push(printPipe(p));
  return lines.join("\n");
}

/** Prints an expression in canonical form. */
export function printExpr(e: Expr): string {
  return expr(e, OR);
}

function printEvent(q: EventQuery): string {
  const category = IDENTIFIER.test(q.category) && !KEYWORDS.has(q.category)
    ? q.category
    : quote(q.category);
  return `${category} where ${printExpr(q.condition)}`;
}

function printStep(s: Step): string {
  let text = `${s.missing ? "!" : ""}[${printEvent(s.query)}]`;
  if (s.by.length) text += " by " + printList(s.by);
  if (s.runs !== undefined) text += ` with runs=${s.runs}`;
  return text;
}

function printSpan(s: Span): string {
  return `${s.value}${s.unit}`;
}

function printPipe(p: Pipe): string {
  return p.args.length ? `| ${p.name} ${printList(p.args)}` : `| ${p.name}`;
}

function printList(list: readonly Expr[]): string {
  return list.map(printExpr).join(", ");
}

function precedence(e: Expr): number {
  switch (e.kind) {
    case "logical":
      return e.op === "or" ? OR : AND;
    case "not":
      return NOT;
    case "compare":
    case "in":
    case "match":
      return PREDICATE;
    case "arith":
      return e.op === "+" || e.op === "-" ? ADDITIVE : MULTIPLICATIVE;
    case "negate":
      return UNARY;
    default:
      return ATOM;
  }
}

function expr(e: Expr, min: number): string {
  const text = bare(e);
  return precedence(e) < min ? `(${text})` : text;
}

function bare(e: Expr): string {
  switch (e.kind) {
    case "logical":
      return e.operands.map((o) => expr(o, e.op === "or" ? AND : NOT)).join(` ${e.op} `);
    case "not":
      return `not ${expr(e.operand, NOT)}`;
    case "compare":
      return `${expr(e.left, ADDITIVE)} ${e.op === "=" ? "==" : e.op} ${expr(e.right, ADDITIVE)}`;
    case "in":
      return `${expr(e.subject, ADDITIVE)} ${e.negated ? "not in" : "in"}${
        e.insensitive ? "~" : ""
      } (${printList(e.values)})`;
    case "match":
      return `${expr(e.subject, ADDITIVE)} ${e.op} ${
        e.list ? `(${printList(e.patterns)})` : expr(e.patterns[0], ADDITIVE)
      }`;
    case "arith": {
      const tight = e.op === "+" || e.op === "-" ? ADDITIVE : MULTIPLICATIVE;
      // Left-associative: the right operand needs parentheses at equal strength.
      return `${expr(e.left, tight)} ${e.op} ${expr(e.right, tight + 1)}`;
    }
    case "negate":
      return `-${expr(e.operand, UNARY)}`;
    case "call": {
      const name = (lookupFunction(e.name, "elastic") ?? lookupFunction(e.name, "legacy"))?.name ??
        e.name;
      return `${name}${e.insensitive ? "~" : ""}(${printList(e.args)})`;
    }
    case "lineage":
      return `${e.relation} of [${printEvent(e.query)}]`;
    case "global":
      return `$${e.name}`;
    case "field":
      return printField(e);
    default:
      return printLiteral(e);
  }
}

/** Prints a field reference, backquoting segments that are not plain identifiers. */
export function printField(f: FieldRef): string {
  const segments = f.path.map((name, i) => {
    const plain = IDENTIFIER.test(name) && !(i === 0 && KEYWORDS.has(name));
    const text = plain ? name : "`" + name.replaceAll("`", "``") + "`";
    const index = f.index?.[i];
    return index === undefined ? text : `${text}[${index}]`;
  });
  return (f.optional ? "?" : "") + segments.join(".");
}

function printLiteral(l: Literal): string {
  switch (l.kind) {
    case "string":
      return quote(l.value);
    case "number": {
      // Integers print in full (never `1e+23`), so they parse back as integers.
      const text = l.integer && Number.isInteger(l.value)
        ? BigInt(l.value).toString()
        : String(l.value);
      // Keep a decimal written as `2.0` a decimal, so the type survives a round trip.
      return !l.integer && /^-?[0-9]+$/.test(text) ? text + ".0" : text;
    }
    case "boolean":
      return String(l.value);
    case "null":
      return "null";
  }
}

/** Quotes a string as an EQL double-quoted literal with minimal escapes. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += `\\u{${c.toString(16)}}`;
    else out += ch;
  }
  return out + '"';
}
