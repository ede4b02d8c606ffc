/**
 * The located document tree every rule-file format is parsed into.
 *
 * YAML, JSON and TOML all end up as maps, lists and scalars that remember
 * where they sit in the file, so one validator serves every format and every
 * error points at the offending key or value.
 *
 * @module
 */

/** A scalar value as the formats produce it (dates are kept as their text). */
export type Scalar = string | number | boolean | null;

/** A scalar with its position; strings also know where each character came from. */
export interface ScalarNode {
  kind: "scalar";
  /** Offset of the value's first character (its opening quote, if any). */
  at: number;
  value: Scalar;
  /**
   * For strings: the file offset of every UTF-16 unit of `value`, plus one
   * final entry for the end. Lets a query embedded in an escaped or indented
   * string map compiler positions back to the file.
   */
  offsets?: number[];
}

/** A list (YAML sequence, JSON/TOML array). */
export interface ListNode {
  kind: "list";
  at: number;
  items: Node[];
}

/** One key of a map, with the key's own position (where key errors point). */
export interface Entry {
  key: string;
  keyAt: number;
  value: Node;
}

/** A map (YAML mapping, JSON object, TOML table). Keys are unique. */
export interface MapNode {
  kind: "map";
  at: number;
  entries: Entry[];
}

/** Any node of a located document. */
export type Node = ScalarNode | ListNode | MapNode;

/** The entry for `key` in `map`, if present. */
export function entryOf(map: MapNode, key: string): Entry | undefined {
  return map.entries.find((e) => e.key === key);
}

/** A short description of a node's type for "expected …, got …" messages. */
export function describe(node: Node): string {
  if (node.kind === "map") return "a map";
  if (node.kind === "list") return "a list";
  const v = node.value;
  if (v === null) return "null";
  if (typeof v === "string") return "a string";
  if (typeof v === "number") return Number.isInteger(v) ? "an integer" : "a number";
  return "a boolean";
}

/** Builds the `offsets` of a string copied verbatim from `start` in the file. */
export function contiguousOffsets(start: number, length: number): number[] {
  const out = new Array<number>(length + 1);
  for (let i = 0; i <= length; i++) out[i] = start + i;
  return out;
}

/** The text of a string scalar with its offsets (every position pointing at `at` if unknown). */
export interface EmbeddedText {
  /** The string value (a query or an expression). */
  text: string;
  /** File offset of each UTF-16 unit of `text`, plus the end. */
  offsets: number[];
}

/** Extracts an {@link EmbeddedText} from a string scalar node. */
export function embeddedText(node: ScalarNode & { value: string }): EmbeddedText {
  const text = node.value;
  const offsets = node.offsets ?? new Array<number>(text.length + 1).fill(node.at);
  return { text, offsets };
}
