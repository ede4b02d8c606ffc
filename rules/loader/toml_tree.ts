/**
 * TOML text → located tree ({@link Node}): values from smol-toml, positions
 * from {@link scanToml}.
 *
 * @module
 */
import { parse, TomlError } from "smol-toml";
import type { Diagnostic } from "../../eql/errors.ts";
import type { SourceFile } from "./source_file.ts";
import type { Node } from "./tree.ts";
import { pathKey, scanToml, type TomlPath, type TomlSpot } from "./toml_scan.ts";
import { escapedOffsets, verbatimOffsets } from "./text_map.ts";

/** The result of parsing a TOML file: a tree unless the file has a syntax error. */
export interface TomlParse {
  tree?: Node;
  diagnostics: Diagnostic[];
}

/** Parses a TOML file into a located tree. */
export function parseToml(file: SourceFile): TomlParse {
  let value: unknown;
  try {
    value = parse(file.text);
  } catch (e) {
    if (e instanceof TomlError) {
      // smol-toml appends a source excerpt to the message; keep the first line.
      const message = e.message.split("\n")[0].replace(/^Invalid TOML document:\s*/, "");
      const at = file.offsetOf(e.line, e.column);
      return { diagnostics: [file.error(at, `TOML: ${message}`)] };
    }
    throw e;
  }
  const builder = new Builder(file, scanToml(file.text));
  return { tree: builder.node(value, [], 0), diagnostics: [] };
}

class Builder {
  constructor(readonly file: SourceFile, readonly spots: Map<string, TomlSpot>) {}

  node(value: unknown, path: TomlPath, fallbackAt: number): Node {
    const spot = this.spots.get(pathKey(path));
    const at = spot?.valueAt ?? spot?.keyAt ?? fallbackAt;
    if (Array.isArray(value)) {
      return { kind: "list", at, items: value.map((v, i) => this.node(v, [...path, i], at)) };
    }
    // smol-toml returns TomlDate (a Date) for dates and times; keep their TOML text.
    if (value instanceof Date) return { kind: "scalar", at, value: value.toISOString() };
    if (typeof value === "object" && value !== null) {
      const entries = Object.entries(value).map(([key, v]) => {
        const child = [...path, key];
        const keyAt = this.spots.get(pathKey(child))?.keyAt ?? at;
        return { key, keyAt, value: this.node(v, child, at) };
      });
      return { kind: "map", at, entries };
    }
    if (typeof value === "string") {
      return { kind: "scalar", at, value, offsets: spot ? this.offsets(value, spot) : undefined };
    }
    if (typeof value === "bigint") return { kind: "scalar", at, value: Number(value) };
    if (typeof value === "number" || typeof value === "boolean") {
      return { kind: "scalar", at, value };
    }
    return { kind: "scalar", at, value: null };
  }

  offsets(value: string, spot: TomlSpot): number[] | undefined {
    const raw = spot.raw;
    if (!raw) return undefined;
    let start = raw.start;
    const text = this.file.text;
    // A line break right after an opening `"""` or `'''` is not part of the string.
    if (raw.kind === "ml-basic" || raw.kind === "ml-literal") {
      if (text.startsWith("\r\n", start)) start += 2;
      else if (text[start] === "\n") start += 1;
    }
    const body = text.slice(start, raw.end);
    return raw.kind === "literal" || raw.kind === "ml-literal"
      ? verbatimOffsets(value, body, start)
      : escapedOffsets(value, body, start);
  }
}
