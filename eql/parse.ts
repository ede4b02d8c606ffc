/**
 * Parsing: query text → AST, with every failure turned into a located
 * diagnostic that names what was expected and what was found.
 *
 * @module
 */
import { parse as peggyParse, type PeggyExpectation, SyntaxError } from "./parser.generated.js";
import type { Expr, Query } from "./ast.ts";
import { type Diagnostic, locate, type SourceOrigin } from "./errors.ts";

/** Deepest bracket nesting accepted; deeper queries get a located error instead of a stack overflow. */
export const MAX_NESTING = 100;

/** Deepest expression tree accepted (long arithmetic chains nest without brackets). */
export const MAX_DEPTH = 500;

/** The result of {@link parseQuery}: `ast` is present exactly when there is no error. */
export interface ParseResult {
  ast?: Query;
  diagnostics: Diagnostic[];
}

/**
 * Parses an EQL query (either dialect's syntax) into its AST.
 *
 * @example
 * ```ts
 * const { ast } = parseQuery('process where process.name == "sh"');
 * ast?.body.kind; // "event"
 * ```
 */
export function parseQuery(
  source: string,
  origin: SourceOrigin = { file: "<query>" },
): ParseResult {
  return run<Query>(source, origin, "Start");
}

/** The result of {@link parseExpression}. */
export interface ExpressionParseResult {
  ast?: Expr;
  diagnostics: Diagnostic[];
}

/** Parses a bare expression (no `category where`), as suppression conditions are written. */
export function parseExpression(
  source: string,
  origin: SourceOrigin = { file: "<expression>" },
): ExpressionParseResult {
  return run<Expr>(source, origin, "ExpressionStart");
}

function run<T extends object>(
  source: string,
  origin: SourceOrigin,
  startRule: string,
): { ast?: T; diagnostics: Diagnostic[] } {
  const fail = (offset: number, message: string) => ({
    diagnostics: [locate(origin, source, offset, "error", message)],
  });
  const deep = findExcessNesting(source);
  if (deep >= 0) return fail(deep, `brackets nested deeper than ${MAX_NESTING} levels`);
  let ast: T;
  try {
    ast = peggyParse(source, { startRule }) as unknown as T;
  } catch (e) {
    if (e instanceof SyntaxError) {
      const offset = e.location.start.offset;
      const message = e.expected === null
        ? e.message
        : `expected ${describeExpected(e.expected)}, found ${describeFound(source, offset)}`;
      return fail(offset, message);
    }
    // Recursion in the generated parser (e.g. thousands of `not`) ends here.
    if (e instanceof RangeError) return fail(0, "query is too deeply nested");
    throw e;
  }
  const tooDeep = findExcessDepth(ast);
  if (tooDeep >= 0) return fail(tooDeep, `expression nested deeper than ${MAX_DEPTH} levels`);
  return { ast, diagnostics: [] };
}

/** Returns the offset of the first bracket past {@link MAX_NESTING}, or -1; skips strings and comments. */
function findExcessNesting(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "(" || c === "[") {
      if (++depth > MAX_NESTING) return i;
    } else if (c === ")" || c === "]") {
      depth--;
    } else if (c === '"' || c === "'" || c === "`") {
      if (c === '"' && s.startsWith('"""', i)) {
        const end = s.indexOf('"""', i + 3);
        i = end < 0 ? s.length : end + 2;
        continue;
      }
      for (i++; i < s.length && s[i] !== c && s[i] !== "\n"; i++) {
        if (s[i] === "\\" && c !== "`") i++;
      }
    } else if (c === "/" && s[i + 1] === "/") {
      while (i < s.length && s[i] !== "\n") i++;
    } else if (c === "/" && s[i + 1] === "*") {
      const end = s.indexOf("*/", i + 2);
      i = end < 0 ? s.length : end + 1;
    }
  }
  return -1;
}

/** Returns the offset of a node deeper than {@link MAX_DEPTH}, or -1 (iterative, so it cannot overflow). */
function findExcessDepth(root: object): number {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > MAX_DEPTH) return (node as Expr).at ?? 0;
    for (const v of Object.values(node)) {
      if (v !== null && typeof v === "object") stack.push([v, depth + 1]);
    }
  }
  return -1;
}

const EXPRESSION_START = new Set([
  '"("',
  '"-"',
  '"not"',
  '"child"',
  '"descendant"',
  '"event"',
  '"true"',
  '"false"',
  '"null"',
  "number",
  "string",
  "identifier",
  "field",
  "global",
]);

const OPERATORS = new Set([
  '"and"',
  '"or"',
  '"in"',
  '"not"',
  '"like"',
  '"regex"',
  '":"',
  '"~"',
  "operator",
  "comparison operator",
]);

/** Turns peggy's expectation list into a short readable phrase. */
function describeExpected(expected: readonly PeggyExpectation[]): string {
  let items = new Set<string>();
  for (const e of expected) {
    if (e.type === "literal") items.add(JSON.stringify(e.text));
    else if (e.type === "end") items.add("end of query");
    else if (e.type === "other") items.add(e.description ?? "?");
    else if (e.type === "any") items.add("any character");
    else items.add("character");
  }
  // Long lists of every token that may start an expression or continue one
  // read better as the grammatical category.
  const collapse = (group: Set<string>, name: string, min: number) => {
    const hits = [...items].filter((i) => group.has(i));
    if (hits.length >= min) items = new Set([...items].filter((i) => !group.has(i)).concat(name));
  };
  // After `category`, "where" is what the author meant; the other options only blur it.
  if (items.has('"where"')) items = new Set(['"where"']);
  collapse(EXPRESSION_START, "expression", 4);
  collapse(OPERATORS, "operator", 2);
  const list = [...items].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return list.length <= 1 ? list.join("") : `${list.slice(0, -1).join(", ")} or ${list.at(-1)}`;
}

/** Orders literals first, then categories, with "end of query" last. */
function rank(item: string): number {
  if (item === "end of query") return 2;
  return item.startsWith('"') ? 0 : 1;
}

/** The token at `offset`, quoted, for "found …". */
function describeFound(source: string, offset: number): string {
  if (offset >= source.length) return "end of query";
  const word = /^[A-Za-z0-9_@.]+/.exec(source.slice(offset, offset + 64));
  const token = word ? word[0] : String.fromCodePoint(source.codePointAt(offset)!);
  return JSON.stringify(token);
}
