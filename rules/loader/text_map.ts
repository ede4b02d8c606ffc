/**
 * Where each character of a string value came from in its file.
 *
 * A query embedded in a rule file is rarely a verbatim slice: YAML block
 * scalars strip indentation, quoted strings carry escapes, folded scalars
 * turn line breaks into spaces. These functions rebuild, for a value the
 * format parser already decoded, the file offset of each of its characters,
 * so compiler positions can be mapped back exactly. Each returns `undefined`
 * when the raw text does not reproduce the value; callers then fall back to
 * the value's start.
 *
 * @module
 */

const SIMPLE_ESCAPES: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "'": "'",
  "/": "/",
  "\\": "\\",
  N: "\u0085",
  _: "\u00a0",
  L: "\u2028",
  P: "\u2029",
};

const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

/** The union of the JSON, TOML and YAML escapes starting at `raw[j]` (a backslash). */
function escapeAt(raw: string, j: number): { text: string; length: number } | undefined {
  const c = raw[j + 1];
  if (c === undefined) return undefined;
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return { text: simple, length: 2 };
  if (c === "u" && raw[j + 2] === "{") {
    const close = raw.indexOf("}", j + 3);
    if (close < 0) return undefined;
    const code = parseInt(raw.slice(j + 3, close), 16);
    if (!Number.isFinite(code) || code > 0x10ffff) return undefined;
    return { text: String.fromCodePoint(code), length: close + 1 - j };
  }
  const n = HEX_LENGTH[c];
  if (n === undefined) return undefined;
  const hex = raw.slice(j + 2, j + 2 + n);
  if (hex.length !== n || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  const code = parseInt(hex, 16);
  if (code > 0x10ffff) return undefined;
  return { text: String.fromCodePoint(code), length: 2 + n };
}

/** Offsets of a value that is exactly `raw` (TOML literal strings). */
export function verbatimOffsets(
  value: string,
  raw: string,
  rawStart: number,
): number[] | undefined {
  if (value !== raw) return undefined;
  const out = new Array<number>(value.length + 1);
  for (let i = 0; i <= value.length; i++) out[i] = rawStart + i;
  return out;
}

/**
 * Offsets of a value decoded from `raw` with backslash escapes (TOML basic
 * strings). A backslash at the end of a line (TOML's line-ending backslash)
 * swallows the following whitespace and line breaks.
 */
export function escapedOffsets(value: string, raw: string, rawStart: number): number[] | undefined {
  const out: number[] = [];
  let text = "";
  let j = 0;
  while (j < raw.length) {
    if (raw[j] !== "\\") {
      text += raw[j];
      out.push(rawStart + j);
      j++;
      continue;
    }
    const rest = /^\\[ \t]*\r?\n/.exec(raw.slice(j));
    if (rest) {
      j += rest[0].length;
      while (j < raw.length && /[ \t\r\n]/.test(raw[j])) j++;
      continue;
    }
    const e = escapeAt(raw, j);
    if (!e) return undefined;
    for (let k = 0; k < e.text.length; k++) out.push(rawStart + j);
    text += e.text;
    j += e.length;
  }
  if (text !== value) return undefined;
  out.push(rawStart + j);
  return out;
}

/**
 * Offsets of a YAML flow scalar (plain, single- or double-quoted) or folded
 * block scalar, by walking value and raw text together: raw indentation,
 * quotes and line breaks may be skipped, a raw line break may stand for a
 * folded space, and in double-quoted text escapes are decoded.
 */
export function foldedOffsets(
  value: string,
  raw: string,
  rawStart: number,
  style: { escapes: boolean; quote?: string },
): number[] | undefined {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < value.length) {
    if (j >= raw.length) return undefined;
    const r = raw[j];
    const c = value[i];
    if (style.escapes && r === "\\") {
      const e = escapeAt(raw, j);
      if (e && value.startsWith(e.text, i)) {
        for (let k = 0; k < e.text.length; k++) out.push(rawStart + j);
        i += e.text.length;
        j += e.length;
        continue;
      }
      // An escaped line break joins lines without adding a character.
      if (raw[j + 1] === "\n" || raw[j + 1] === "\r") {
        j++;
        continue;
      }
      return undefined;
    }
    if (r === c || (r === "\n" && c === " ")) {
      out.push(rawStart + j);
      i++;
      j++;
      continue;
    }
    if (r === " " || r === "\t" || r === "\r" || r === "\n" || r === style.quote) {
      j++;
      continue;
    }
    return undefined;
  }
  out.push(rawStart + j);
  return out;
}

/**
 * Offsets of a YAML literal block scalar (`|`): each content line is the raw
 * line without its first `indent` columns. `body` is the raw text after the
 * header line, starting at `bodyStart`; `indent` is the explicit indentation
 * or undefined to detect it from the first non-empty line, as YAML does.
 */
export function literalBlockOffsets(
  value: string,
  body: string,
  bodyStart: number,
  indent: number | undefined,
): number[] | undefined {
  const lines = body.split("\n");
  let n = indent;
  if (n === undefined) {
    const first = lines.find((l) => l.replace(/\r$/, "").trim() !== "");
    if (first === undefined) return value === "" ? [bodyStart] : undefined;
    n = first.length - first.trimStart().length;
  }
  let built = "";
  const out: number[] = [];
  let lineStart = bodyStart;
  for (let k = 0; k < lines.length && built.length <= value.length; k++) {
    const line = lines[k];
    const hasBreak = k < lines.length - 1;
    const content = line.replace(/\r$/, "");
    if (content.length > n) {
      for (let c = n; c < content.length; c++) out.push(lineStart + c);
      built += content.slice(n);
    }
    if (hasBreak) {
      out.push(lineStart + line.length);
      built += "\n";
    }
    lineStart += line.length + 1;
  }
  const end = bodyStart + body.length;
  if (built.startsWith(value)) {
    const offsets = out.slice(0, value.length);
    offsets.push(value.length < out.length ? out[value.length] : end);
    return offsets;
  }
  // Clip chomping adds a final line break the file may lack at its very end.
  if (value === built + "\n") return [...out, end, end];
  return undefined;
}
