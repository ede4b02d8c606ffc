/**
 * Lucene regular expressions (Elasticsearch `regex` / `regex~`) translated to
 * JavaScript RegExps.
 *
 * Elasticsearch builds these patterns with all optional Lucene syntax enabled
 * and matches them against the WHOLE string. This module parses the Lucene
 * grammar (so that every quirk matches Lucene, not JavaScript) and emits an
 * anchored `^(?:…)$` source for a RegExp with the `u` flag:
 *
 * - `.` is any code point (`[^]`), as Lucene works on code points;
 * - `\d \D \s \S \w \W` are the ASCII classes Lucene defines (`\s` is only
 *   space, tab, newline and carriage return); any other backslashed letter is
 *   an error, any other backslashed character is literal;
 * - `"…"` is a literal string; `^`, `$`, `}` and `]` are ordinary characters;
 * - `#` (empty language) → `(?!)`, `@` (any string) → `[^]*`, `<n-m>`
 *   (numeric interval) → an alternation of digit ranges;
 * - `~` (complement) and `&` (intersection) have no RegExp equivalent in
 *   general. They are translated with look-aheads when they sit at the end of
 *   the pattern (the last element of a top-level alternative, recursively);
 *   elsewhere a located error is returned;
 * - `<name>` (named automaton) is an error: Elasticsearch defines none.
 *
 * Case-insensitive matching (`regex~`) folds literal characters only, like
 * Lucene's case-insensitive flag: character classes and ranges keep their
 * case.
 *
 * @module
 */

/** A failed translation: a message and the UTF-16 offset in the pattern it concerns. */
export interface RegexError {
  error: string;
  offset: number;
}

/** Thrown by {@link compileLuceneRegex} for a pattern that cannot be translated. */
export class LuceneRegexError extends Error {
  /** UTF-16 offset in the pattern. */
  readonly offset: number;

  /** Wraps a {@link RegexError}. */
  constructor(error: RegexError) {
    super(error.error);
    this.name = "LuceneRegexError";
    this.offset = error.offset;
  }
}

type ClassItem = { lo: number; hi: number } | { pre: string };

type Node =
  | { k: "union"; alts: Node[] }
  | { k: "inter"; parts: Node[]; at: number }
  | { k: "concat"; items: Node[] }
  | { k: "repeat"; node: Node; min: number; max: number }
  | { k: "compl"; node: Node; at: number }
  | { k: "class"; negate: boolean; items: ClassItem[] }
  | { k: "char"; cp: number }
  | { k: "str"; text: string }
  | { k: "any" }
  | { k: "none" }
  | { k: "all" }
  | { k: "pre"; c: string }
  | { k: "interval"; min: number; max: number; digits: number };

/** Internal control flow for parse/emit failures. */
class Fail {
  constructor(readonly error: string, readonly offset: number) {}
}

// Groups and complements recurse; bound the depth so hostile patterns get an
// error instead of a stack overflow.
const MAX_DEPTH = 200;
const INT_MAX = 2147483647;

/** Recursive-descent parser mirroring Lucene's RegExp grammar. */
class Parser {
  pos = 0;
  depth = 0;

  constructor(readonly s: string) {}

  more(): boolean {
    return this.pos < this.s.length;
  }

  match(c: string): boolean {
    if (this.s[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  next(): number {
    if (!this.more()) throw new Fail("unexpected end of pattern", this.pos);
    const cp = this.s.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  enter(at: number): void {
    if (++this.depth > MAX_DEPTH) throw new Fail("pattern is nested too deeply", at);
  }

  union(): Node {
    const alts = [this.inter()];
    while (this.match("|")) alts.push(this.inter());
    return alts.length === 1 ? alts[0] : { k: "union", alts };
  }

  inter(): Node {
    const parts = [this.concat()];
    const at = this.pos;
    while (this.match("&")) parts.push(this.concat());
    return parts.length === 1 ? parts[0] : { k: "inter", parts, at };
  }

  concat(): Node {
    // Like Lucene, the first element is always parsed: a leading `|`, `)` or
    // `*` is a literal character there.
    const items = [this.repeat()];
    while (this.more() && !")|&".includes(this.s[this.pos])) items.push(this.repeat());
    return items.length === 1 ? items[0] : { k: "concat", items };
  }

  repeat(): Node {
    let node = this.compl();
    for (;;) {
      const c = this.s[this.pos];
      if (c === "?") node = { k: "repeat", node, min: 0, max: 1 };
      else if (c === "*") node = { k: "repeat", node, min: 0, max: Infinity };
      else if (c === "+") node = { k: "repeat", node, min: 1, max: Infinity };
      else if (c === "{") {
        this.pos++;
        const min = this.integer();
        let max = min;
        if (this.match(",")) max = /[0-9]/.test(this.s[this.pos] ?? "") ? this.integer() : Infinity;
        if (!this.match("}")) throw new Fail("expected '}' to close the repeat count", this.pos);
        node = { k: "repeat", node, min, max };
        continue;
      } else return node;
      this.pos++;
    }
  }

  integer(): number {
    const start = this.pos;
    while (/[0-9]/.test(this.s[this.pos] ?? "")) this.pos++;
    if (start === this.pos) throw new Fail("expected a number in the repeat count", this.pos);
    const n = Number(this.s.slice(start, this.pos));
    if (n > INT_MAX) throw new Fail("repeat count is out of range", start);
    return n;
  }

  compl(): Node {
    if (this.s[this.pos] !== "~") return this.classExp();
    const at = this.pos++;
    this.enter(at);
    const node = this.compl();
    this.depth--;
    return { k: "compl", node, at };
  }

  classExp(): Node {
    if (this.s[this.pos] !== "[") return this.simple();
    const open = this.pos++;
    const negate = this.match("^");
    const items = [this.classItem()];
    while (this.more() && this.s[this.pos] !== "]") items.push(this.classItem());
    if (!this.match("]")) throw new Fail("unterminated character class: expected ']'", open);
    return { k: "class", negate, items };
  }

  classItem(): ClassItem {
    const pre = this.predefined();
    if (pre) return pre.k === "pre" ? { pre: pre.c } : { lo: pre.cp, hi: pre.cp };
    const at = this.pos;
    const lo = this.charExp();
    if (!this.match("-")) return { lo, hi: lo };
    const hi = this.charExp();
    if (lo > hi) throw new Fail("invalid character range: start is after end", at);
    return { lo, hi };
  }

  /** `\d`-style classes and `\\`; consumes a lone backslash otherwise (Lucene does too). */
  predefined(): { k: "pre"; c: string } | { k: "char"; cp: number } | null {
    if (this.s[this.pos] !== "\\") return null;
    const at = this.pos++;
    const c = this.s[this.pos] ?? "";
    if (c !== "" && "dDsSwW".includes(c)) {
      this.pos++;
      return { k: "pre", c };
    }
    if (c === "\\") {
      this.pos++;
      return { k: "char", cp: 0x5c };
    }
    if (/[a-zA-Z]/.test(c)) {
      throw new Fail(
        `invalid escape '\\${c}': Lucene only knows the classes \\d \\D \\s \\S \\w \\W`,
        at,
      );
    }
    return null;
  }

  charExp(): number {
    this.match("\\");
    return this.next();
  }

  simple(): Node {
    const c = this.s[this.pos];
    if (c === ".") return this.pos++, { k: "any" };
    if (c === "#") return this.pos++, { k: "none" };
    if (c === "@") return this.pos++, { k: "all" };
    if (c === '"') {
      const open = this.pos;
      const end = this.s.indexOf('"', open + 1);
      if (end === -1) throw new Fail("unterminated quoted string: expected '\"'", open);
      this.pos = end + 1;
      return { k: "str", text: this.s.slice(open + 1, end) };
    }
    if (c === "(") {
      const open = this.pos++;
      if (this.match(")")) return { k: "str", text: "" };
      this.enter(open);
      const node = this.union();
      this.depth--;
      if (!this.match(")")) throw new Fail("unbalanced parenthesis: '(' is never closed", open);
      return node;
    }
    if (c === "<") return this.interval();
    const pre = this.predefined();
    if (pre) return pre;
    return { k: "char", cp: this.charExp() };
  }

  interval(): Node {
    const open = this.pos;
    const end = this.s.indexOf(">", open + 1);
    if (end === -1) throw new Fail("unterminated numeric interval: expected '>'", open);
    const body = this.s.slice(open + 1, end);
    this.pos = end + 1;
    if (!body.includes("-")) {
      throw new Fail(`named automaton <${body}> is not supported`, open);
    }
    const m = /^([0-9]+)-([0-9]+)$/.exec(body);
    if (!m) throw new Fail("invalid numeric interval: expected <min-max>", open);
    let min = Number(m[1]);
    let max = Number(m[2]);
    if (min > INT_MAX || max > INT_MAX) throw new Fail("numeric interval is out of range", open);
    const digits = m[1].length === m[2].length ? m[1].length : 0;
    if (min > max) [min, max] = [max, min];
    return { k: "interval", min, max, digits };
  }
}

const OUTSIDE_SPECIAL = "^$\\.*+?()[]{}|/";
const INSIDE_SPECIAL = "\\]-^[";

function needsHexEscape(cp: number): boolean {
  return cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff) || cp === 0x2028 ||
    cp === 0x2029;
}

/** A code point as a JS `u` RegExp atom outside a class. */
function litOut(cp: number): string {
  if (needsHexEscape(cp)) return `\\u{${cp.toString(16)}}`;
  const ch = String.fromCodePoint(cp);
  return OUTSIDE_SPECIAL.includes(ch) ? "\\" + ch : ch;
}

/** A code point inside a JS `u` RegExp class. */
function litIn(cp: number): string {
  if (needsHexEscape(cp)) return `\\u{${cp.toString(16)}}`;
  const ch = String.fromCodePoint(cp);
  return INSIDE_SPECIAL.includes(ch) ? "\\" + ch : ch;
}

/** A literal code point, with its simple lower/upper-case forms when folding. */
function literal(cp: number, fold: boolean): string {
  if (!fold) return litOut(cp);
  const ch = String.fromCodePoint(cp);
  const variants = new Set<number>([cp]);
  for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
    const vcp = v.codePointAt(0)!;
    if (v.length === String.fromCodePoint(vcp).length) variants.add(vcp);
  }
  if (variants.size === 1) return litOut(cp);
  return `[${[...variants].map(litIn).join("")}]`;
}

const PRE_OUT: Record<string, string> = {
  d: "[0-9]",
  D: "[^0-9]",
  s: "[ \\t\\n\\r]",
  S: "[^ \\t\\n\\r]",
  w: "[a-zA-Z_0-9]",
  W: "[^a-zA-Z_0-9]",
};
const PRE_IN: Record<string, string> = { d: "0-9", s: " \\t\\n\\r", w: "a-zA-Z_0-9" };

function emitClass(negate: boolean, items: ClassItem[]): string {
  let inner = "";
  const extras: string[] = [];
  for (const item of items) {
    if ("pre" in item) {
      if (item.pre in PRE_IN) inner += PRE_IN[item.pre];
      else extras.push(PRE_OUT[item.pre]); // negated classes cannot nest in a `u` class
    } else if (item.lo === item.hi) inner += litIn(item.lo);
    else inner += `${litIn(item.lo)}-${litIn(item.hi)}`;
  }
  if (extras.length === 0) return negate ? `[^${inner}]` : `[${inner}]`;
  const alts = inner ? [`[${inner}]`, ...extras] : extras;
  const any = alts.length === 1 ? alts[0] : `(?:${alts.join("|")})`;
  return negate ? `(?:(?!${any})[^])` : any;
}

/** Regex for the same-length digit strings from `lo` to `hi` inclusive. */
function fixedRange(lo: string, hi: string): string {
  if (lo === hi) return lo;
  const digit = (a: number, b: number) => a === b ? String(a) : `[${a}-${b}]`;
  if (lo.length === 1) return digit(+lo, +hi);
  const rest = lo.length - 1;
  if (lo[0] === hi[0]) return `${lo[0]}(?:${fixedRange(lo.slice(1), hi.slice(1))})`;
  const loRestMin = /^0*$/.test(lo.slice(1));
  const hiRestMax = /^9*$/.test(hi.slice(1));
  let first = +lo[0];
  let last = +hi[0];
  const alts: string[] = [];
  if (!loRestMin) {
    alts.push(`${lo[0]}(?:${fixedRange(lo.slice(1), "9".repeat(rest))})`);
    first++;
  }
  if (!hiRestMax) last--;
  if (first <= last) alts.push(`${digit(first, last)}[0-9]{${rest}}`);
  if (!hiRestMax) alts.push(`${hi[0]}(?:${fixedRange("0".repeat(rest), hi.slice(1))})`);
  return alts.join("|");
}

/** Lucene's decimal interval: fixed width when both bounds were written with equal length. */
function intervalSource(min: number, max: number, digits: number): string {
  if (digits > 0) {
    return fixedRange(String(min).padStart(digits, "0"), String(max).padStart(digits, "0"));
  }
  const lo = String(min);
  const hi = String(max);
  const alts: string[] = [];
  for (let len = lo.length; len <= hi.length; len++) {
    const a = len === lo.length ? lo : "1" + "0".repeat(len - 1);
    const b = len === hi.length ? hi : "9".repeat(len);
    alts.push(fixedRange(a, b));
  }
  // Without a fixed width, Lucene accepts any number of leading zeros.
  return `0*(?:${alts.join("|")})`;
}

function quantifier(min: number, max: number): string {
  if (min === 0 && max === 1) return "?";
  if (min === 0 && max === Infinity) return "*";
  if (min === 1 && max === Infinity) return "+";
  if (max === Infinity) return `{${min},}`;
  return min === max ? `{${min}}` : `{${min},${max}}`;
}

/**
 * Emits JS source for `n`. `tail` is true when whatever `n` matches must run
 * to the end of the subject: only there can complement and intersection be
 * expressed with look-aheads.
 */
function emit(n: Node, tail: boolean, fold: boolean): string {
  switch (n.k) {
    case "union":
      return `(?:${n.alts.map((a) => emit(a, tail, fold)).join("|")})`;
    case "inter": {
      if (!tail) {
        throw new Fail("intersection '&' can only be translated at the end of a pattern", n.at);
      }
      const last = n.parts.length - 1;
      const guards = n.parts.slice(0, last).map((p) => `(?=(?:${emit(p, true, fold)})$)`);
      return `${guards.join("")}(?:${emit(n.parts[last], true, fold)})`;
    }
    case "concat":
      return n.items.map((it, i) => emit(it, tail && i === n.items.length - 1, fold)).join("");
    case "repeat":
      // min > max is Lucene's empty language; JS would reject `{3,2}`.
      if (n.min > n.max) return "(?!)";
      return `(?:${emit(n.node, false, fold)})${quantifier(n.min, n.max)}`;
    case "compl":
      if (!tail) {
        throw new Fail("complement '~' can only be translated at the end of a pattern", n.at);
      }
      return `(?!(?:${emit(n.node, true, fold)})$)[^]*`;
    case "class":
      return emitClass(n.negate, n.items);
    case "char":
      return literal(n.cp, fold);
    case "str": {
      let out = "";
      for (const ch of n.text) out += literal(ch.codePointAt(0)!, fold);
      return n.text === "" ? "(?:)" : out;
    }
    case "any":
      return "[^]";
    case "none":
      return "(?!)";
    case "all":
      return "[^]*";
    case "pre":
      return PRE_OUT[n.c];
    case "interval":
      return `(?:${intervalSource(n.min, n.max, n.digits)})`;
  }
}

/**
 * Translates a Lucene regular expression into the source of an equivalent
 * anchored JavaScript RegExp, to be compiled with the `u` flag.
 *
 * @example
 * ```ts
 * translateLuceneRegex("ab+c");      // { source: "^(?:a(?:b)+c)$" }
 * translateLuceneRegex("<1-12>");    // numeric interval as digit ranges
 * translateLuceneRegex("(ab");       // { error: "unbalanced parenthesis: …", offset: 0 }
 * translateLuceneRegex("~(a)b");     // { error: "complement '~' …", offset: 0 }
 * ```
 */
export function translateLuceneRegex(
  pattern: string,
  caseInsensitive = false,
): { source: string } | RegexError {
  try {
    if (pattern === "") return { source: "^(?:)$" };
    const parser = new Parser(pattern);
    const ast = parser.union();
    if (parser.more()) {
      throw new Fail("unbalanced parenthesis: unexpected ')'", parser.pos);
    }
    return { source: `^(?:${emit(ast, true, caseInsensitive)})$` };
  } catch (e) {
    if (e instanceof Fail) return { error: e.error, offset: e.offset };
    throw e;
  }
}

/** A parsed Lucene regular expression (the tree the translation works on). */
export type LuceneNode = Node;

/** One item of a character class: a code point range or a predefined class (`\\d`…). */
export type LuceneClassItem = ClassItem;

/**
 * Parses a Lucene regular expression into its tree, for back ends other
 * than JavaScript RegExps (the WebAssembly runtime builds automata from it).
 */
export function parseLuceneRegex(pattern: string): LuceneNode | RegexError {
  try {
    if (pattern === "") return { k: "str", text: "" };
    const parser = new Parser(pattern);
    const ast = parser.union();
    if (parser.more()) throw new Fail("unbalanced parenthesis: unexpected ')'", parser.pos);
    return ast;
  } catch (e) {
    if (e instanceof Fail) return { error: e.error, offset: e.offset };
    throw e;
  }
}

/**
 * Compiles a Lucene regular expression into a RegExp that tests whole strings.
 * Throws {@link LuceneRegexError} when the pattern is invalid or untranslatable;
 * use {@link translateLuceneRegex} to validate without throwing.
 *
 * @example
 * ```ts
 * compileLuceneRegex("cmd\\.exe|pwsh", true).test("CMD.exe"); // true
 * ```
 */
export function compileLuceneRegex(pattern: string, caseInsensitive: boolean): RegExp {
  const result = translateLuceneRegex(pattern, caseInsensitive);
  if ("error" in result) throw new LuceneRegexError(result);
  return new RegExp(result.source, "u");
}
