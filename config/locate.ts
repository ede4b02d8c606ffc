/**
 * Where each key of a TOML document is written, so that a message about
 * `alerts.syslog.port` can point at its line. A small scanner over text
 * that has already parsed: it follows table headers (`[a.b]`, `[[a]]`),
 * dotted and quoted keys, inline tables, and skips strings (multi-line
 * ones too), arrays and comments, so that text inside them is never taken
 * for a key.
 *
 * @module
 */

/** A 1-based line and column (UTF-16 code units, as editors count them). */
export interface LineCol {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
}

/** Where a key, or a table header, is written. */
export interface KeyPlace {
  /** The key (for a header, its `[`). */
  key: LineCol;
  /** The first character of the value; absent for a table header. */
  value?: LineCol;
}

const SEP = "\u0000";

/** The positions of every key and table header of a TOML text. */
export class KeyLocations {
  readonly #text: string;
  readonly #lineStarts: number[] = [0];
  readonly #places = new Map<string, { offset: number; key: number; value?: number }>();

  /** Scans `text`, which must be valid TOML (scanning stops quietly at anything unexpected). */
  constructor(text: string) {
    this.#text = text;
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.#lineStarts.push(i + 1);
    }
    try {
      new Scanner(text, (path, key, value) => {
        const id = path.join(SEP);
        if (!this.#places.has(id)) this.#places.set(id, { offset: key, key, value });
      }).document();
    } catch (e) {
      if (!(e instanceof StopScan)) throw e;
    }
  }

  /**
   * Where `path` is written: the key itself; else the first key or header
   * below it (a table made by `[a.b]` or `a.b = 1` has no line of its own);
   * else where its nearest written ancestor is; else line 1, column 1.
   */
  find(path: readonly string[]): KeyPlace {
    const exact = this.#places.get(path.join(SEP));
    if (exact) return this.#place(exact.key, exact.value);
    if (path.length > 0) {
      const prefix = path.join(SEP) + SEP;
      let best: { key: number; value?: number } | undefined;
      for (const [id, p] of this.#places) {
        if (id.startsWith(prefix) && (!best || p.key < best.key)) best = p;
      }
      if (best) return this.#place(best.key);
      return this.find(path.slice(0, -1));
    }
    return { key: { line: 1, col: 1 } };
  }

  /** The text of line `line` (1-based), without its line break. */
  lineText(line: number): string {
    const start = this.#lineStarts[line - 1] ?? this.#text.length;
    const end = this.#lineStarts[line] ?? this.#text.length + 1;
    return this.#text.slice(start, end - 1).replace(/\r$/, "");
  }

  #place(key: number, value?: number): KeyPlace {
    return { key: this.#at(key), value: value === undefined ? undefined : this.#at(value) };
  }

  #at(offset: number): LineCol {
    let lo = 0;
    let hi = this.#lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.#lineStarts[lo] + 1 };
  }
}

/** Thrown to end a scan at text the scanner does not understand. */
class StopScan extends Error {}

type Found = (path: string[], keyOffset: number, valueOffset?: number) => void;

const BARE = /[A-Za-z0-9_-]/;
const ESCAPES: Record<string, string> = {
  b: "\b",
  t: "\t",
  n: "\n",
  f: "\f",
  r: "\r",
  e: "\x1b",
  '"': '"',
  "\\": "\\",
};

/** A recursive scanner over valid TOML reporting key and header positions. */
class Scanner {
  #i = 0;
  constructor(readonly text: string, readonly found: Found) {}

  document(): void {
    let table: string[] = [];
    const t = this.text;
    while (this.#i < t.length) {
      this.#blank();
      const c = t[this.#i];
      if (c === undefined) break;
      if (c === "\n" || c === "\r") {
        this.#i++;
      } else if (c === "#") {
        this.#toEol();
      } else if (c === "[") {
        const at = this.#i;
        const double = t[this.#i + 1] === "[";
        this.#i += double ? 2 : 1;
        table = this.#keyPath();
        this.#expect("]");
        if (double) this.#expect("]");
        this.found(table, at);
        this.#toEol();
      } else {
        this.#keyValue(table);
        this.#blank();
        if (t[this.#i] === "#") this.#toEol();
      }
    }
  }

  /** `key = value` under `table`. */
  #keyValue(table: string[]): void {
    const at = this.#i;
    const path = [...table, ...this.#keyPath()];
    this.#expect("=");
    this.#blank();
    this.found(path, at, this.#i);
    this.#value(path);
  }

  /** A dotted key: bare, "basic" or 'literal' parts separated by dots. */
  #keyPath(): string[] {
    const parts: string[] = [];
    const t = this.text;
    for (;;) {
      this.#blank();
      const c = t[this.#i];
      if (c === '"') parts.push(this.#basic());
      else if (c === "'") parts.push(this.#literal());
      else {
        const start = this.#i;
        while (this.#i < t.length && BARE.test(t[this.#i])) this.#i++;
        if (this.#i === start) throw new StopScan();
        parts.push(t.slice(start, this.#i));
      }
      this.#blank();
      if (t[this.#i] !== ".") return parts;
      this.#i++;
    }
  }

  #value(path: string[]): void {
    const t = this.text;
    const c = t[this.#i];
    if (c === '"') {
      if (t.startsWith('"""', this.#i)) this.#multiline('"""');
      else this.#basic();
    } else if (c === "'") {
      if (t.startsWith("'''", this.#i)) this.#multiline("'''");
      else this.#literal();
    } else if (c === "[") {
      this.#i++;
      for (;;) {
        this.#space();
        if (t[this.#i] === "]") break;
        this.#value(path);
        this.#space();
        if (t[this.#i] === ",") this.#i++;
        else if (t[this.#i] !== "]") throw new StopScan();
      }
      this.#i++;
    } else if (c === "{") {
      this.#i++;
      for (;;) {
        this.#space();
        if (t[this.#i] === "}") break;
        this.#keyValue(path);
        this.#space();
        if (t[this.#i] === ",") this.#i++;
        else if (t[this.#i] !== "}") throw new StopScan();
      }
      this.#i++;
    } else {
      // Numbers, booleans, dates (which may contain a space): up to a delimiter.
      const start = this.#i;
      while (this.#i < t.length && !",]}#\r\n".includes(t[this.#i])) this.#i++;
      if (this.#i === start) throw new StopScan();
    }
  }

  /** A "basic" string; returns its value. */
  #basic(): string {
    const t = this.text;
    let out = "";
    this.#i++;
    while (this.#i < t.length && t[this.#i] !== '"') {
      if (t[this.#i] === "\\") {
        const e = t[this.#i + 1];
        if (e === "u" || e === "U") {
          const n = e === "u" ? 4 : 8;
          out += String.fromCodePoint(parseInt(t.slice(this.#i + 2, this.#i + 2 + n), 16));
          this.#i += 2 + n;
        } else {
          out += ESCAPES[e] ?? e;
          this.#i += 2;
        }
      } else {
        out += t[this.#i++];
      }
    }
    if (t[this.#i] !== '"') throw new StopScan();
    this.#i++;
    return out;
  }

  /** A 'literal' string; returns its value. */
  #literal(): string {
    const end = this.text.indexOf("'", this.#i + 1);
    if (end < 0) throw new StopScan();
    const s = this.text.slice(this.#i + 1, end);
    this.#i = end + 1;
    return s;
  }

  /** A multi-line string opened by `quote` (three quotes); up to two more quotes may close it. */
  #multiline(quote: string): void {
    const t = this.text;
    this.#i += 3;
    while (this.#i < t.length) {
      if (quote === '"""' && t[this.#i] === "\\") {
        this.#i += 2;
      } else if (t.startsWith(quote, this.#i)) {
        this.#i += 3;
        for (let extra = 0; extra < 2 && t[this.#i] === quote[0]; extra++) this.#i++;
        return;
      } else {
        this.#i++;
      }
    }
    throw new StopScan();
  }

  #expect(c: string): void {
    this.#blank();
    if (this.text[this.#i] !== c) throw new StopScan();
    this.#i++;
  }

  /** Spaces and tabs. */
  #blank(): void {
    while (this.text[this.#i] === " " || this.text[this.#i] === "\t") this.#i++;
  }

  /** Spaces, tabs, line breaks and comments (inside arrays and inline tables). */
  #space(): void {
    for (;;) {
      const c = this.text[this.#i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") this.#i++;
      else if (c === "#") this.#toEol();
      else return;
    }
  }

  #toEol(): void {
    const nl = this.text.indexOf("\n", this.#i);
    this.#i = nl < 0 ? this.text.length : nl;
  }
}
