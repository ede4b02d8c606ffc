/**
 * Finds where TOML keys and values sit in the text.
 *
 * smol-toml parses values but reports no positions, so this scanner walks
 * the same text once more, only far enough to record, for every key path
 * (table headers, dotted keys, array indices, array-of-tables elements),
 * where its key and value start and, for strings, the raw token. It runs on
 * text smol-toml already accepted; anything it does not understand ends the
 * scan early, leaving the remaining positions to their parents.
 *
 * @module
 */

/** A path into a TOML document: table keys and array indices. */
export type TomlPath = readonly (string | number)[];

/** How a string was written. */
export type TomlStringKind = "basic" | "literal" | "ml-basic" | "ml-literal";

/** What the scanner found for one path. */
export interface TomlSpot {
  /** Offset of the key (or the table header's last key). */
  keyAt?: number;
  /** Offset of the value's first character (the header's `[` for tables). */
  valueAt?: number;
  /** For strings: the raw text between the delimiters. */
  raw?: { start: number; end: number; kind: TomlStringKind };
}

/** The map key for a path. */
export function pathKey(path: TomlPath): string {
  return JSON.stringify(path);
}

/** Scans `text`; returns spots keyed by {@link pathKey}. */
export function scanToml(text: string): Map<string, TomlSpot> {
  const scanner = new Scanner(text);
  try {
    scanner.run();
  } catch {
    // Positions are best effort: keep whatever was found before the surprise.
  }
  return scanner.spots;
}

interface KeySegment {
  name: string;
  at: number;
}

class Scanner {
  pos = 0;
  readonly spots = new Map<string, TomlSpot>();
  // Element count of each array of tables, keyed by its resolved path.
  readonly arrays = new Map<string, number>();

  constructor(readonly text: string) {}

  run(): void {
    let table: TomlPath = [];
    for (;;) {
      this.trivia(true);
      if (this.pos >= this.text.length) return;
      if (this.text[this.pos] === "[") table = this.header();
      else this.keyValue(table);
    }
  }

  spot(path: TomlPath): TomlSpot {
    const k = pathKey(path);
    let s = this.spots.get(k);
    if (!s) {
      s = {};
      this.spots.set(k, s);
    }
    return s;
  }

  trivia(newlines: boolean): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === " " || c === "\t") this.pos++;
      else if (newlines && (c === "\n" || c === "\r")) this.pos++;
      else if (c === "#") {
        while (this.pos < t.length && t[this.pos] !== "\n") this.pos++;
      } else return;
    }
  }

  expect(s: string): void {
    if (!this.text.startsWith(s, this.pos)) throw new Error(`expected ${s}`);
    this.pos += s.length;
  }

  header(): TomlPath {
    const start = this.pos;
    const isArray = this.text.startsWith("[[", this.pos);
    this.pos += isArray ? 2 : 1;
    const segments = this.keys();
    this.trivia(false);
    this.expect(isArray ? "]]" : "]");
    const path: (string | number)[] = [];
    segments.forEach((seg, i) => {
      path.push(seg.name);
      const last = i === segments.length - 1;
      const count = this.arrays.get(pathKey(path));
      if (last && isArray) {
        const n = count ?? 0;
        this.arrays.set(pathKey(path), n + 1);
        const arr = this.spot(path);
        arr.keyAt ??= seg.at;
        arr.valueAt ??= start;
        path.push(n);
      } else if (count !== undefined) {
        // A sub-table of an array of tables belongs to its latest element.
        path.push(count - 1);
      }
      const s = this.spot(path);
      s.keyAt ??= seg.at;
      if (last) s.valueAt = start;
    });
    return path;
  }

  keys(): KeySegment[] {
    const out: KeySegment[] = [];
    for (;;) {
      this.trivia(false);
      const at = this.pos;
      const c = this.text[this.pos];
      let name: string;
      if (c === '"') {
        const raw = this.basicString();
        name = JSON.parse(`"${this.text.slice(raw.start, raw.end)}"`);
      } else if (c === "'") {
        const raw = this.literalString();
        name = this.text.slice(raw.start, raw.end);
      } else {
        const m = /[A-Za-z0-9_-]+/y;
        m.lastIndex = this.pos;
        const found = m.exec(this.text);
        if (!found) throw new Error("expected a key");
        name = found[0];
        this.pos += name.length;
      }
      out.push({ name, at });
      this.trivia(false);
      if (this.text[this.pos] !== ".") return out;
      this.pos++;
    }
  }

  keyValue(table: TomlPath): void {
    const segments = this.keys();
    this.trivia(false);
    this.expect("=");
    const path = [...table];
    for (const seg of segments) {
      path.push(seg.name);
      this.spot(path).keyAt ??= seg.at;
    }
    this.value(path, 0);
  }

  value(path: TomlPath, depth: number): void {
    if (depth > 128) throw new Error("too deep");
    this.trivia(false);
    const t = this.text;
    const s = this.spot(path);
    s.valueAt = this.pos;
    if (t.startsWith('"""', this.pos)) s.raw = this.multiline('"""', "ml-basic");
    else if (t.startsWith("'''", this.pos)) s.raw = this.multiline("'''", "ml-literal");
    else if (t[this.pos] === '"') s.raw = { ...this.basicString(), kind: "basic" };
    else if (t[this.pos] === "'") s.raw = { ...this.literalString(), kind: "literal" };
    else if (t[this.pos] === "[") this.array(path, depth);
    else if (t[this.pos] === "{") this.inlineTable(path);
    else {
      const m = /[^,\]}\r\n#]+/y;
      m.lastIndex = this.pos;
      const found = m.exec(t);
      if (!found) throw new Error("expected a value");
      this.pos += found[0].length;
    }
  }

  array(path: TomlPath, depth: number): void {
    this.pos++;
    for (let i = 0;; i++) {
      this.trivia(true);
      if (this.text[this.pos] === "]") {
        this.pos++;
        return;
      }
      this.value([...path, i], depth + 1);
      this.trivia(true);
      if (this.text[this.pos] === ",") this.pos++;
      else if (this.text[this.pos] !== "]") throw new Error("expected , or ]");
    }
  }

  inlineTable(path: TomlPath): void {
    this.pos++;
    for (;;) {
      this.trivia(true);
      if (this.text[this.pos] === "}") {
        this.pos++;
        return;
      }
      this.keyValue(path);
      this.trivia(true);
      if (this.text[this.pos] === ",") this.pos++;
      else if (this.text[this.pos] !== "}") throw new Error("expected , or }");
    }
  }

  basicString(): { start: number; end: number } {
    const start = ++this.pos;
    while (this.pos < this.text.length && this.text[this.pos] !== '"') {
      this.pos += this.text[this.pos] === "\\" ? 2 : 1;
    }
    this.expect('"');
    return { start, end: this.pos - 1 };
  }

  literalString(): { start: number; end: number } {
    const start = ++this.pos;
    const end = this.text.indexOf("'", start);
    if (end < 0) throw new Error("unterminated string");
    this.pos = end + 1;
    return { start, end };
  }

  multiline(
    delim: string,
    kind: TomlStringKind,
  ): { start: number; end: number; kind: TomlStringKind } {
    const start = this.pos + 3;
    let j = start;
    for (;;) {
      if (j >= this.text.length) throw new Error("unterminated string");
      if (kind === "ml-basic" && this.text[j] === "\\") j += 2;
      else if (this.text.startsWith(delim, j)) break;
      else j++;
    }
    // Up to two quotes may sit right before the closing delimiter, inside the string.
    let extra = 0;
    while (extra < 2 && this.text[j + 3 + extra] === delim[0]) extra++;
    this.pos = j + 3 + extra;
    return { start, end: j + extra, kind };
  }
}
