/**
 * `.eql` files: one query, optionally preceded by a block of `// key: value`
 * comment lines holding the rule's metadata as YAML.
 *
 * @module
 */
import type { EmbeddedText } from "./tree.ts";
import { contiguousOffsets } from "./tree.ts";

/** A `.eql` file split into its metadata comment block and its query. */
export interface EqlFileParts {
  /** The query: from its first non-blank character to the end, trailing blanks removed. */
  query?: EmbeddedText;
  /**
   * The leading comment block rewritten as YAML with the same offsets as the
   * file (each `//` replaced by two spaces, the query cut off), if there is one.
   */
  metadataYaml?: string;
}

/** Splits a `.eql` file's text; see {@link EqlFileParts}. */
export function splitEqlFile(text: string): EqlFileParts {
  let pos = 0;
  let yaml = "";
  let sawComment = false;
  while (pos < text.length) {
    const nl = text.indexOf("\n", pos);
    const end = nl < 0 ? text.length : nl + 1;
    const line = text.slice(pos, end);
    const trimmed = line.trimStart();
    if (trimmed.startsWith("//")) {
      // Same length, same columns: YAML positions are file positions.
      const lead = line.length - trimmed.length;
      yaml += line.slice(0, lead) + "  " + trimmed.slice(2);
      sawComment = true;
    } else if (trimmed.trim() === "") {
      yaml += line;
    } else break;
    pos = end;
  }
  const body = text.slice(pos).trimEnd();
  const parts: EqlFileParts = {};
  if (sawComment) parts.metadataYaml = yaml;
  if (body.trim() !== "") {
    const start = pos + (body.length - body.trimStart().length);
    const query = body.trimStart();
    parts.query = { text: query, offsets: contiguousOffsets(start, query.length) };
  }
  return parts;
}
