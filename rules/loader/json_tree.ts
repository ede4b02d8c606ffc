/**
 * JSON text → located tree ({@link Node}).
 *
 * `JSON.parse` reports no positions for keys, so this is a small strict
 * JSON parser (RFC 8259) that records where every key and value starts and
 * where each character of a string came from.
 *
 * @module
 */
import type { Diagnostic } from "../../eql/errors.ts";
import type { SourceFile } from "./source_file.ts";
import type { Entry, Node, ScalarNode } from "./tree.ts";

/** The result of parsing a JSON file: a tree, or the first syntax error. */
export interface JsonParse {
  tree?: Node;
  diagnostics: Diagnostic[];
}

// Bounds recursion so deeply nested input gives an error, not a stack overflow.
const MAX_DEPTH = 256;

class JsonSyntaxError extends Error {
  constructor(readonly at: number, message: string) {
    super(message);
  }
}

/** Parses a JSON file into a located tree. */
export function parseJson(file: SourceFile): JsonParse {
  const parser = new Parser(file.text);
  try {
    const tree = parser.document();
    return { tree, diagnostics: [] };
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      return { diagnostics: [file.error(e.at, `JSON: ${e.message}`)] };
    }
    throw e;
  }
}

// Sticky, so matching starts at the current position without slicing the text.
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

class Parser {
  pos = 0;
  constructor(readonly text: string) {
    // A byte-order mark is not JSON but editors write it; skip it.
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  document(): Node {
    const node = this.value(0);
    this.ws();
    if (this.pos < this.text.length) this.fail("unexpected text after the JSON value");
    return node;
  }

  fail(message: string, at = this.pos): never {
    throw new JsonSyntaxError(at, message);
  }

  ws(): void {
    while (this.pos < this.text.length && " \t\r\n".includes(this.text[this.pos])) this.pos++;
  }

  value(depth: number): Node {
    if (depth > MAX_DEPTH) this.fail("nesting too deep");
    this.ws();
    const c = this.text[this.pos];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return this.string();
    if (c === "-" || (c >= "0" && c <= "9")) return this.number();
    for (const [word, value] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        const at = this.pos;
        this.pos += word.length;
        return { kind: "scalar", at, value };
      }
    }
    if (c === undefined) this.fail("unexpected end of input");
    return this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  object(depth: number): Node {
    const at = this.pos++;
    const entries: Entry[] = [];
    const seen = new Set<string>();
    this.ws();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return { kind: "map", at, entries };
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') this.fail("expected a string key");
      const keyAt = this.pos;
      const key = this.string().value as string;
      if (seen.has(key)) this.fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
      seen.add(key);
      this.ws();
      if (this.text[this.pos] !== ":") this.fail('expected ":"');
      this.pos++;
      entries.push({ key, keyAt, value: this.value(depth + 1) });
      this.ws();
      const c = this.text[this.pos];
      this.pos++;
      if (c === "}") return { kind: "map", at, entries };
      if (c !== ",") this.fail('expected "," or "}"', this.pos - 1);
    }
  }

  array(depth: number): Node {
    const at = this.pos++;
    const items: Node[] = [];
    this.ws();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return { kind: "list", at, items };
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.text[this.pos];
      this.pos++;
      if (c === "]") return { kind: "list", at, items };
      if (c !== ",") this.fail('expected "," or "]"', this.pos - 1);
    }
  }

  string(): ScalarNode {
    const at = this.pos++;
    let value = "";
    const offsets: number[] = [];
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail("unterminated string", at);
      if (c === '"') break;
      if (c < " ") this.fail("control character in string");
      if (c !== "\\") {
        value += c;
        offsets.push(this.pos++);
        continue;
      }
      const e = this.text[this.pos + 1];
      if (e === "u") {
        const hex = this.text.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) this.fail("bad \\u escape");
        value += String.fromCharCode(parseInt(hex, 16));
        offsets.push(this.pos);
        this.pos += 6;
        continue;
      }
      const decoded = ESCAPES[e];
      if (decoded === undefined) this.fail(`bad escape "\\${e ?? ""}"`);
      value += decoded;
      offsets.push(this.pos);
      this.pos += 2;
    }
    offsets.push(this.pos++);
    return { kind: "scalar", at, value, offsets };
  }

  number(): ScalarNode {
    const at = this.pos;
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(this.text);
    if (!m) this.fail("invalid number");
    this.pos += m[0].length;
    return { kind: "scalar", at, value: Number(m[0]) };
  }
}
