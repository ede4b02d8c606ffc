/**
 * YAML text → located tree ({@link Node}), with located parse errors.
 *
 * @module
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument } from "yaml";
import type { CST, Document } from "yaml";
import type { Diagnostic } from "../../eql/errors.ts";
import type { SourceFile } from "./source_file.ts";
import type { Entry, Node, Scalar, ScalarNode } from "./tree.ts";
import { foldedOffsets, literalBlockOffsets } from "./text_map.ts";

/** The result of parsing a YAML file: a tree unless the file has errors. */
export interface YamlParse {
  tree?: Node;
  diagnostics: Diagnostic[];
}

// Aliases can point back up the tree; a depth bound keeps hostile files finite.
const MAX_DEPTH = 64;

/**
 * Parses `text` (by default the whole file) as one YAML document. `text` may
 * be a prefix-preserving rewrite of the file (same offsets), as used for the
 * comment-block metadata of `.eql` files.
 */
export function parseYaml(file: SourceFile, text: string = file.text): YamlParse {
  const doc = parseDocument(text, {
    keepSourceTokens: true,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) diagnostics.push(file.error(e.pos[0], yamlMessage(e.message)));
  for (const w of doc.warnings) {
    diagnostics.push(file.diagnostic("warning", w.pos[0], yamlMessage(w.message)));
  }
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics };
  const converter = new Converter(file, text, doc, diagnostics);
  const tree = converter.node(doc.contents, 0, 0);
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics };
  return { tree, diagnostics };
}

// The yaml package's messages sometimes end with a source excerpt; keep the first line.
function yamlMessage(message: string): string {
  return `YAML: ${message.split("\n")[0].replace(/\s+at line \d+, column \d+:?$/, "")}`;
}

class Converter {
  constructor(
    readonly file: SourceFile,
    readonly text: string,
    readonly doc: Document.Parsed,
    readonly diagnostics: Diagnostic[],
  ) {}

  node(value: unknown, fallbackAt: number, depth: number): Node {
    if (depth > MAX_DEPTH) {
      this.diagnostics.push(this.file.error(fallbackAt, "YAML: nesting too deep"));
      return { kind: "scalar", at: fallbackAt, value: null };
    }
    if (isAlias(value)) {
      return this.node(value.resolve(this.doc), value.range?.[0] ?? fallbackAt, depth + 1);
    }
    if (isMap(value)) {
      const at = value.range?.[0] ?? fallbackAt;
      const entries: Entry[] = [];
      for (const pair of value.items) {
        const key = pair.key;
        const keyAt = isScalar(key) ? key.range?.[0] ?? at : at;
        if (!isScalar(key)) {
          this.diagnostics.push(this.file.error(keyAt, "YAML: keys must be plain scalars"));
          continue;
        }
        const keyEnd = key.range?.[1] ?? keyAt;
        entries.push({
          key: String(key.value),
          keyAt,
          value: this.node(pair.value, keyEnd, depth + 1),
        });
      }
      return { kind: "map", at, entries };
    }
    if (isSeq(value)) {
      const at = value.range?.[0] ?? fallbackAt;
      return {
        kind: "list",
        at,
        items: value.items.map((item) => this.node(item, at, depth + 1)),
      };
    }
    if (isScalar(value)) return this.scalar(value, fallbackAt);
    // An empty value (`key:` with nothing after it) is null.
    return { kind: "scalar", at: fallbackAt, value: null };
  }

  scalar(
    node: {
      value: unknown;
      range?: [number, number, number] | null;
      type?: string;
      srcToken?: CST.Token;
    },
    fallbackAt: number,
  ): ScalarNode {
    const at = node.range?.[0] ?? fallbackAt;
    const raw = node.value;
    let value: Scalar;
    if (raw === null || typeof raw === "string" || typeof raw === "boolean") value = raw;
    else if (typeof raw === "number") value = raw;
    else if (typeof raw === "bigint") value = Number(raw);
    else value = String(raw);
    if (typeof value !== "string" || !node.range) return { kind: "scalar", at, value };
    const offsets = this.stringOffsets(value, node.type, node.range, node.srcToken);
    return { kind: "scalar", at, value, offsets };
  }

  stringOffsets(
    value: string,
    type: string | undefined,
    range: [number, number, number],
    token: CST.Token | undefined,
  ): number[] | undefined {
    const [start, end] = range;
    switch (type) {
      case "PLAIN":
        return foldedOffsets(value, this.text.slice(start, end), start, { escapes: false });
      case "QUOTE_SINGLE":
        return foldedOffsets(value, this.text.slice(start + 1, end - 1), start + 1, {
          escapes: false,
          quote: "'",
        });
      case "QUOTE_DOUBLE":
        return foldedOffsets(value, this.text.slice(start + 1, end - 1), start + 1, {
          escapes: true,
        });
      case "BLOCK_LITERAL":
      case "BLOCK_FOLDED":
        return token?.type === "block-scalar" ? this.blockOffsets(value, type, token) : undefined;
      default:
        return undefined;
    }
  }

  blockOffsets(value: string, type: string, token: CST.BlockScalar): number[] | undefined {
    // The body starts after the header's line break (the last of the props).
    let bodyStart = token.offset;
    let header = "";
    for (const p of token.props) {
      if (p.type === "block-scalar-header") header = p.source;
      if ("offset" in p && "source" in p) bodyStart = p.offset + p.source.length;
    }
    const digit = /[1-9]/.exec(header);
    if (type === "BLOCK_LITERAL") {
      const indent = digit ? token.indent + Number(digit[0]) : undefined;
      return literalBlockOffsets(value, token.source, bodyStart, indent);
    }
    return foldedOffsets(value, token.source, bodyStart, { escapes: false });
  }
}
