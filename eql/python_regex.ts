/**
 * Python regular expressions, as legacy EQL's `match` and `matchLite` take
 * them, translated once into equivalent JavaScript RegExp sources.
 *
 * @module
 */
import type { RegexError } from "./lucene_regex.ts";

const PY_WORD = "\\p{L}\\p{N}_";
const PY_SPACE =
  "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_BOUNDARY = `(?:(?<=[${PY_WORD}])(?![${PY_WORD}])|(?<![${PY_WORD}])(?=[${PY_WORD}]))`;
const PY_NON_BOUNDARY = `(?:(?<=[${PY_WORD}])(?=[${PY_WORD}])|(?<![${PY_WORD}])(?![${PY_WORD}]))`;
const PY_SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7 };

function hexEscape(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function pyLitOut(cp: number): string {
  if (cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff)) return hexEscape(cp);
  const ch = String.fromCodePoint(cp);
  return "^$\\.*+?()[]{}|/".includes(ch) ? "\\" + ch : ch;
}

function pyLitIn(cp: number): string {
  if (cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff)) return hexEscape(cp);
  const ch = String.fromCodePoint(cp);
  return "\\]-^[".includes(ch) ? "\\" + ch : ch;
}

class PyFail {
  constructor(readonly error: string, readonly offset: number) {}
}

/** A class member: one code point, or a class fragment (`inner`) / standalone atom (`outer`). */
type PyClassAtom = { cp: number } | { inner: string } | { outer: string };

/** What the last emitted item was, for Python's quantifier rules. */
type PyLast = "none" | "atom" | "quant" | "assert";

// Anchors whose translation depends on a global `(?m)` that may come later.
const CARET = Symbol("caret");
const DOLLAR = Symbol("dollar");

/**
 * Translates a Python `re` pattern (as used by Endgame's `match`, with
 * `re.UNICODE | re.DOTALL`) into a JS RegExp source and flags that behave
 * like `re.match`: anchored at the start only.
 *
 * Supported: the usual syntax, `(?P<name>…)`, `(?P=name)`, look-arounds,
 * `(?#…)`, inline flags `i m s u L` (global or scoped), Unicode `\d \w \s \b`,
 * `\A \Z`, Python's `$` (end, or before a final newline), octal and
 * `\x \u \U` escapes. Unsupported constructs (verbose or ASCII mode,
 * conditionals, atomic groups, possessive quantifiers, `\N{…}`) are errors.
 *
 * @example
 * ```ts
 * translatePythonRegex("[a-z]+\\d", false); // { source: "^(?:[a-z]+\\p{Nd})", flags: "su" }
 * translatePythonRegex("a)", false);        // { error: "unbalanced parenthesis", offset: 1 }
 * ```
 */
export function translatePythonRegex(
  pattern: string,
  caseInsensitive: boolean,
): { source: string; flags: string } | RegexError {
  try {
    return translatePython(pattern, caseInsensitive);
  } catch (e) {
    if (e instanceof PyFail) return { error: e.error, offset: e.offset };
    throw e;
  }
}

function translatePython(pattern: string, caseInsensitive: boolean) {
  const out: (string | typeof CARET | typeof DOLLAR)[] = [];
  const open: { at: number; group: number; assert: boolean }[] = [];
  const closed = new Set<number>();
  const names = new Map<string, number>();
  let groups = 0;
  let flagI = caseInsensitive;
  let flagM = false;
  let last: PyLast = "none";
  let i = 0;

  const isHex = (s: string) => /^[0-9a-fA-F]+$/.test(s);
  const fixedHex = (at: number, start: number, count: number): number => {
    const digits = pattern.slice(start, start + count);
    if (digits.length !== count || !isHex(digits)) {
      throw new PyFail("incomplete escape", at);
    }
    const cp = parseInt(digits, 16);
    if (cp > 0x10ffff) throw new PyFail("bad escape: code point out of range", at);
    return cp;
  };

  /** Escapes shared by both contexts; returns [code point, length] or null. */
  const commonEscape = (at: number): [number, number] | null => {
    const c = pattern[at + 1];
    if (c in PY_SIMPLE_ESCAPES) return [PY_SIMPLE_ESCAPES[c], 2];
    if (c === "x") return [fixedHex(at, at + 2, 2), 4];
    if (c === "u") return [fixedHex(at, at + 2, 4), 6];
    if (c === "U") return [fixedHex(at, at + 2, 8), 10];
    if (c === "N") throw new PyFail("\\N{…} escapes are not supported", at);
    return null;
  };

  /** Up to three octal digits after the backslash at `at` (the first is known to be one). */
  const octal = (at: number): [number, number] => {
    let len = 1;
    while (len < 3 && /[0-7]/.test(pattern[at + 1 + len] ?? "")) len++;
    const cp = parseInt(pattern.slice(at + 1, at + 1 + len), 8);
    if (cp > 0o377) throw new PyFail("octal escape value outside of range 0-0o377", at);
    return [cp, len + 1];
  };

  const classAtom = (): PyClassAtom => {
    const at = i;
    if (pattern[at] !== "\\") {
      const cp = pattern.codePointAt(at)!;
      i += cp > 0xffff ? 2 : 1;
      return { cp };
    }
    const c = pattern[at + 1];
    if (c === undefined) throw new PyFail("bad escape (end of pattern)", at);
    const shorthand: Record<string, PyClassAtom> = {
      d: { inner: "\\p{Nd}" },
      D: { inner: "\\P{Nd}" },
      w: { inner: PY_WORD },
      W: { outer: `[^${PY_WORD}]` },
      s: { inner: PY_SPACE },
      S: { outer: `[^${PY_SPACE}]` },
    };
    if (c in shorthand) {
      i += 2;
      return shorthand[c];
    }
    if (c === "b") {
      i += 2;
      return { cp: 8 };
    }
    const common = commonEscape(at);
    if (common) {
      i += common[1];
      return { cp: common[0] };
    }
    if (/[0-7]/.test(c)) {
      const [cp, len] = octal(at);
      i += len;
      return { cp };
    }
    if (/[89a-zA-Z]/.test(c)) throw new PyFail(`bad escape \\${c}`, at);
    const cp = pattern.codePointAt(at + 1)!;
    i += 1 + (cp > 0xffff ? 2 : 1);
    return { cp };
  };

  const parseClass = (): string => {
    const start = i;
    i++;
    const negate = pattern[i] === "^";
    if (negate) i++;
    let inner = "";
    const outer: string[] = [];
    let first = true;
    for (;;) {
      if (i >= pattern.length) throw new PyFail("unterminated character set", start);
      if (pattern[i] === "]" && !first) {
        i++;
        break;
      }
      first = false;
      const rangeAt = i;
      const lo = classAtom();
      if (pattern[i] === "-" && i + 1 < pattern.length && pattern[i + 1] !== "]") {
        i++;
        const hi = classAtom();
        if (!("cp" in lo) || !("cp" in hi) || lo.cp > hi.cp) {
          throw new PyFail("bad character range", rangeAt);
        }
        inner += `${pyLitIn(lo.cp)}-${pyLitIn(hi.cp)}`;
      } else if ("cp" in lo) inner += pyLitIn(lo.cp);
      else if ("inner" in lo) inner += lo.inner;
      else outer.push(lo.outer);
    }
    if (outer.length === 0) return negate ? `[^${inner}]` : `[${inner}]`;
    const alts = inner ? [`[${inner}]`, ...outer] : outer;
    const any = alts.length === 1 ? alts[0] : `(?:${alts.join("|")})`;
    return negate ? `(?:(?!${any})[^])` : any;
  };

  const escape = (): void => {
    const at = i;
    const c = pattern[at + 1];
    if (c === undefined) throw new PyFail("bad escape (end of pattern)", at);
    const anchors: Record<string, string> = {
      A: "(?<![^])",
      Z: "(?![^])",
      b: PY_BOUNDARY,
      B: PY_NON_BOUNDARY,
    };
    const classes: Record<string, string> = {
      d: "\\p{Nd}",
      D: "\\P{Nd}",
      w: `[${PY_WORD}]`,
      W: `[^${PY_WORD}]`,
      s: `[${PY_SPACE}]`,
      S: `[^${PY_SPACE}]`,
    };
    if (c in anchors) {
      out.push(anchors[c]);
      last = "none";
      i += 2;
      return;
    }
    last = "atom";
    if (c in classes) {
      out.push(classes[c]);
      i += 2;
      return;
    }
    const common = commonEscape(at);
    if (common) {
      out.push(pyLitOut(common[0]));
      i += common[1];
      return;
    }
    if (c === "0") {
      const [cp, len] = octal(at);
      out.push(pyLitOut(cp));
      i += len;
      return;
    }
    if (/[1-9]/.test(c)) {
      // Python: three octal digits make an octal escape, else a group number.
      const d = pattern.slice(at + 1, at + 4);
      if (/^[0-7]{3}$/.test(d)) {
        const [cp] = octal(at);
        out.push(pyLitOut(cp));
        i += 4;
        return;
      }
      const ref = /^[0-9]{1,2}/.exec(pattern.slice(at + 1))![0];
      const group = Number(ref);
      if (group > groups) throw new PyFail(`invalid group reference ${group}`, at);
      if (!closed.has(group)) throw new PyFail("cannot refer to an open group", at);
      out.push(`(?:\\${group})`);
      i += 1 + ref.length;
      return;
    }
    if (/[a-zA-Z]/.test(c)) throw new PyFail(`bad escape \\${c}`, at);
    const cp = pattern.codePointAt(at + 1)!;
    out.push(pyLitOut(cp));
    i += 1 + (cp > 0xffff ? 2 : 1);
  };

  const quantifier = (text: string, length: number): void => {
    if (last === "none") throw new PyFail("nothing to repeat", i);
    if (last === "quant") throw new PyFail("multiple repeat", i);
    if (last === "assert") throw new PyFail("a look-around assertion cannot be repeated", i);
    i += length;
    let lazy = "";
    if (pattern[i] === "?") {
      lazy = "?";
      i++;
    } else if (pattern[i] === "+") {
      throw new PyFail("possessive quantifiers are not supported", i);
    }
    out.push(text + lazy);
    last = "quant";
  };

  const group = (): void => {
    const at = i;
    if (pattern[at + 1] !== "?") {
      groups++;
      open.push({ at, group: groups, assert: false });
      out.push("(");
      i++;
      last = "none";
      return;
    }
    const c = pattern[at + 2];
    const pushGroup = (js: string, length: number, assert = false, number = 0) => {
      open.push({ at, group: number, assert });
      out.push(js);
      i += length;
      last = "none";
    };
    if (c === ":") return pushGroup("(?:", 3);
    if (c === "=" || c === "!") return pushGroup(`(?${c}`, 3, true);
    if (c === "<" && (pattern[at + 3] === "=" || pattern[at + 3] === "!")) {
      return pushGroup(`(?<${pattern[at + 3]}`, 4, true);
    }
    if (c === "P" && pattern[at + 3] === "<") {
      const end = pattern.indexOf(">", at + 4);
      const name = end === -1 ? "" : pattern.slice(at + 4, end);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new PyFail("bad group name", at);
      if (names.has(name)) throw new PyFail(`redefinition of group name '${name}'`, at);
      groups++;
      names.set(name, groups);
      return pushGroup(`(?<${name}>`, end + 1 - at, false, groups);
    }
    if (c === "P" && pattern[at + 3] === "=") {
      const end = pattern.indexOf(")", at + 4);
      const name = end === -1 ? "" : pattern.slice(at + 4, end);
      const number = names.get(name);
      if (number === undefined) throw new PyFail(`unknown group name '${name}'`, at);
      if (!closed.has(number)) throw new PyFail("cannot refer to an open group", at);
      out.push(`\\k<${name}>`);
      i = end + 1;
      last = "atom";
      return;
    }
    if (c === "#") {
      const end = pattern.indexOf(")", at + 3);
      if (end === -1) throw new PyFail("missing ), unterminated comment", at);
      i = end + 1;
      return;
    }
    const m = /^([aiLmsux]*)(?:-([imsx]*))?([:)])/.exec(pattern.slice(at + 2));
    if (!m || (m[1] === "" && m[2] === undefined)) {
      throw new PyFail(`unknown extension ?${c ?? ""}`, at);
    }
    const [whole, on, off = "", end] = m;
    if (/[ax]/.test(on + off)) {
      throw new PyFail("verbose (x) and ASCII (a) modes are not supported", at);
    }
    if (end === ")") {
      if (m[2] !== undefined) throw new PyFail("missing :", at);
      // Global flags: applied to the whole pattern (pre-3.11 Python allowed them anywhere).
      if (on.includes("i")) flagI = true;
      if (on.includes("m")) flagM = true;
      i = at + 2 + whole.length;
      return;
    }
    // Scoped flags map onto RegExp modifiers; `s` is always on, `u`/`L` are moot,
    // and a scoped `m` is not honoured (anchors follow the global flag).
    const jsOn = on.replace(/[msuL]/g, "");
    const jsOff = off.replace(/[m]/g, "");
    const js = jsOn || jsOff ? `(?${jsOn}${jsOff ? "-" + jsOff : ""}:` : "(?:";
    pushGroup(js, 2 + whole.length);
  };

  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "\\") escape();
    else if (c === "[") {
      out.push(parseClass());
      last = "atom";
    } else if (c === "(") group();
    else if (c === ")") {
      const g = open.pop();
      if (!g) throw new PyFail("unbalanced parenthesis", i);
      if (g.group) closed.add(g.group);
      out.push(")");
      i++;
      last = g.assert ? "assert" : "atom";
    } else if (c === "|") {
      out.push("|");
      i++;
      last = "none";
    } else if (c === "^" || c === "$") {
      out.push(c === "^" ? CARET : DOLLAR);
      i++;
      last = "none";
    } else if (c === "*" || c === "+" || c === "?") quantifier(c, 1);
    else if (c === "{") {
      const q = /^\{([0-9]*)(?:(,)([0-9]*))?\}/.exec(pattern.slice(i));
      if (!q || q[0] === "{}") {
        out.push("\\{");
        i++;
        last = "atom";
      } else {
        const min = q[1] === "" ? 0 : Number(q[1]);
        const max = q[2] ? (q[3] === "" ? Infinity : Number(q[3])) : min;
        if (max < min) throw new PyFail("min repeat greater than max repeat", i);
        quantifier(max === Infinity ? `{${min},}` : `{${min},${max}}`, q[0].length);
      }
    } else if (c === ".") {
      out.push(".");
      i++;
      last = "atom";
    } else {
      const cp = pattern.codePointAt(i)!;
      out.push(pyLitOut(cp));
      i += cp > 0xffff ? 2 : 1;
      last = "atom";
    }
  }
  if (open.length) throw new PyFail("missing ), unterminated subpattern", open[open.length - 1].at);

  // Python anchors: `^` is the start (or after any \n with `m`); `$` is the end
  // or before a final \n (before any \n with `m`). Only \n counts, unlike JS.
  const anchor = (p: string | typeof CARET | typeof DOLLAR): string => {
    if (p === CARET) return flagM ? "(?<![^\\n])" : "(?<![^])";
    if (p === DOLLAR) return flagM ? "(?=\\n|(?![^]))" : "(?=\\n?(?![^]))";
    return p;
  };
  const body = out.map(anchor).join("");
  const flags = "su" + (flagI ? "i" : "");
  const source = `^(?:${body})`;
  try {
    new RegExp(source, flags);
  } catch (e) {
    throw new PyFail(`unsupported regular expression: ${(e as Error).message}`, 0);
  }
  return { source, flags };
}
