/**
 * Kestrel rule files (YAML, JSON, TOML) and `.eql` metadata: the located
 * tree of one file → a {@link RuleSpec}.
 *
 * @module
 */
import type { Diagnostic } from "../../eql/errors.ts";
import type { SourceFile } from "./source_file.ts";
import type { MapNode, Node } from "./tree.ts";
import { checkAttackId, checkRuleId, FieldReader } from "./fields.ts";
import type { EmbeddedText } from "./tree.ts";
import type { ReadOutcome, RuleSpec } from "./spec.ts";
import type { RuleAction, RuleFormat, RuleSeverity } from "./types.ts";

/** Severities accepted in rule files (case-insensitive). */
export const SEVERITIES: readonly RuleSeverity[] = ["low", "medium", "high", "critical"];
/** Actions accepted in rule files. */
export const ACTIONS: readonly RuleAction[] = ["alert", "block", "kill"];
/** Dialects accepted in rule files. */
export const DIALECTS = ["elastic", "legacy"] as const;

/** Every key of a Kestrel rule file. */
export const RULE_KEYS = [
  "id",
  "name",
  "description",
  "version",
  "author",
  "severity",
  "tags",
  "mitre",
  "eql",
  "dialect",
  "action",
  "suppressions",
  "false_positives",
  "references",
  "enabled",
] as const;

/** Metadata read from a map: everything of a spec except the query and its file. */
type Metadata = Omit<RuleSpec, "query" | "file" | "format" | "idAt" | "id" | "name"> & {
  id?: string;
  idAt?: number;
  name?: string;
};

/**
 * Reads the metadata keys shared by Kestrel rule files and `.eql` metadata;
 * undefined when any key had an error (all are reported).
 */
function readMetadata(
  reader: FieldReader,
  map: MapNode,
  allowed: readonly string[],
  required: readonly string[],
): Metadata | undefined {
  const before = reader.diagnostics.length;
  const e = reader.entries(map, allowed, required);
  const idEntry = e.get("id");
  const id = reader.string(idEntry, true);
  if (id !== undefined) {
    const problem = checkRuleId(id);
    if (problem) reader.error(idEntry!.keyAt, `"id": ${problem}`);
  }
  const suppressions = reader.texts(e.get("suppressions")) ?? [];
  const meta: Metadata = {
    id,
    idAt: idEntry?.keyAt,
    name: reader.string(e.get("name"), true),
    description: reader.string(e.get("description")) ?? "",
    version: reader.version(e.get("version")),
    author: reader.string(e.get("author")),
    severity: reader.choice(e.get("severity"), SEVERITIES) ?? "medium",
    tags: reader.strings(e.get("tags")) ?? [],
    mitre: reader.strings(e.get("mitre"), checkAttackId) ?? [],
    action: reader.choice(e.get("action"), ACTIONS) ?? "alert",
    dialect: reader.choice(e.get("dialect"), DIALECTS),
    enabled: reader.boolean(e.get("enabled")) ?? true,
    falsePositives: reader.strings(e.get("false_positives")) ?? [],
    references: reader.strings(e.get("references")) ?? [],
    suppressions: suppressions.map((text) => ({ text, file: reader.file })),
  };
  return reader.diagnostics.slice(before).some((d) => d.severity === "error") ? undefined : meta;
}

/** Reads a Kestrel rule (`.yaml`, `.yml`, `.json`, `.toml`) from its located tree. */
export function readKestrelRule(
  file: SourceFile,
  tree: Node,
  format: RuleFormat,
  diagnostics: Diagnostic[],
): ReadOutcome {
  const reader = new FieldReader(file, diagnostics);
  if (tree.kind !== "map") {
    reader.error(tree.at, "a rule file must hold a map of keys (id, name, eql, …)");
    return { kind: "failed" };
  }
  const idGuess = stringValue(tree, "id");
  const meta = readMetadata(reader, tree, RULE_KEYS, ["id", "name", "eql"]);
  const eqlEntry = tree.entries.find((x) => x.key === "eql");
  const query = eqlEntry ? reader.text(eqlEntry) : undefined;
  if (!meta || !query || meta.id === undefined || meta.name === undefined) {
    return { kind: "failed", id: idGuess };
  }
  return {
    kind: "rule",
    spec: {
      ...meta,
      id: meta.id,
      idAt: meta.idAt ?? tree.at,
      name: meta.name,
      query,
      file,
      format,
    },
  };
}

/** Keys allowed in `.eql` metadata: the rule keys except the query itself. */
const EQL_METADATA_KEYS = RULE_KEYS.filter((k) => k !== "eql");

/**
 * Builds the spec of a `.eql` rule: `id` comes from the file name; metadata,
 * if any, from a sibling YAML file or the leading comment block (`meta`,
 * parsed from `metaFile`).
 */
export function readEqlRule(
  file: SourceFile,
  id: string,
  query: EmbeddedText,
  meta: { tree: Node; file: SourceFile } | undefined,
  diagnostics: Diagnostic[],
): ReadOutcome {
  const idProblem = checkRuleId(id);
  if (idProblem) {
    diagnostics.push(file.error(0, `file name gives the rule id: ${idProblem}`));
    return { kind: "failed" };
  }
  let metadata: Metadata | undefined = {
    description: "",
    severity: "medium",
    tags: [],
    mitre: [],
    action: "alert",
    enabled: true,
    falsePositives: [],
    references: [],
    suppressions: [],
  };
  if (meta) {
    const reader = new FieldReader(meta.file, diagnostics);
    if (meta.tree.kind !== "map") {
      reader.error(meta.tree.at, "rule metadata must be a map of keys (name, severity, …)");
      return { kind: "failed", id };
    }
    metadata = readMetadata(reader, meta.tree, EQL_METADATA_KEYS, []);
    if (metadata?.id !== undefined && metadata.id !== id) {
      reader.error(
        metadata.idAt ?? meta.tree.at,
        `"id" ${JSON.stringify(metadata.id)} differs from the id the file name gives (${
          JSON.stringify(id)
        })`,
      );
      return { kind: "failed", id };
    }
  }
  if (!metadata) return { kind: "failed", id };
  return {
    kind: "rule",
    spec: {
      ...metadata,
      id,
      idAt: 0,
      name: metadata.name ?? id,
      query,
      file,
      format: "eql",
    },
  };
}

function stringValue(map: MapNode, key: string): string | undefined {
  const v = map.entries.find((e) => e.key === key)?.value;
  return v?.kind === "scalar" && typeof v.value === "string" ? v.value : undefined;
}
