/**
 * Elastic detection-rules TOML files (`[metadata]`, `[rule]`): loaded as
 * they are, mapped to Kestrel's rule metadata. Only EQL rules load; other
 * languages and rule types without a query are skipped with a note.
 * Elastic files carry many keys Kestrel has no use for; they are ignored.
 *
 * @module
 */
import type { Diagnostic } from "../../eql/errors.ts";
import type { SourceFile } from "./source_file.ts";
import { describe, type Entry, entryOf, type MapNode, type Node } from "./tree.ts";
import { checkAttackId, checkRuleId, FieldReader } from "./fields.ts";
import type { ReadOutcome } from "./spec.ts";
import { SEVERITIES } from "./kestrel_rule.ts";

/** True when a TOML tree has the shape of an Elastic detection rule (a `[rule]` table). */
export function isElasticRule(tree: Node): boolean {
  if (tree.kind !== "map") return false;
  return entryOf(tree, "rule")?.value.kind === "map";
}

/** Reads an Elastic detection rule from its located TOML tree. */
export function readElasticRule(
  file: SourceFile,
  tree: MapNode,
  diagnostics: Diagnostic[],
): ReadOutcome {
  const rule = entryOf(tree, "rule")!.value as MapNode;
  const reader = new FieldReader(file, diagnostics);
  const before = diagnostics.length;
  const get = (key: string) => entryOf(rule, key);

  const language = reader.string(get("language"));
  const type = reader.string(get("type"));
  const queryEntry = get("query");
  if (language !== undefined && language.toLowerCase() !== "eql") {
    return { kind: "skipped", reason: `language ${JSON.stringify(language)} is not EQL` };
  }
  const what = type === undefined ? "rule" : `rule type ${JSON.stringify(type)}`;
  if (!queryEntry) return { kind: "skipped", reason: `${what} has no EQL query` };
  // Without a language only `type = "eql"` says the query is EQL.
  if (language === undefined && type?.toLowerCase() !== "eql") {
    return { kind: "skipped", reason: `${what} does not declare language = "eql"` };
  }

  const idEntry = get("rule_id");
  const id = reader.string(idEntry, true);
  if (!idEntry) reader.error(rule.at, 'missing required key "rule_id" in [rule]');
  else if (id !== undefined) {
    const problem = checkRuleId(id);
    if (problem) reader.error(idEntry.keyAt, `"rule_id": ${problem}`);
  }
  const nameEntry = get("name");
  if (!nameEntry) reader.error(rule.at, 'missing required key "name" in [rule]');
  const name = reader.string(nameEntry, true);
  const query = reader.text(queryEntry);
  const authors = authorList(reader, get("author"));
  const mitre = readThreat(reader, get("threat"));
  const spec = {
    id: id ?? "",
    idAt: idEntry?.keyAt ?? rule.at,
    name: name ?? "",
    description: reader.string(get("description")) ?? "",
    version: reader.version(get("version")),
    author: authors,
    severity: reader.choice(get("severity"), SEVERITIES) ?? "medium",
    tags: reader.strings(get("tags")) ?? [],
    mitre,
    action: "alert" as const,
    dialect: "elastic" as const,
    enabled: true,
    falsePositives: reader.strings(get("false_positives")) ?? [],
    references: reader.strings(get("references")) ?? [],
    suppressions: [],
    file,
    format: "elastic-toml" as const,
  };
  if (!query || diagnostics.slice(before).some((d) => d.severity === "error")) {
    return { kind: "failed", id };
  }
  return { kind: "rule", spec: { ...spec, query } };
}

// Elastic writes `author = ["Elastic"]`; a plain string is accepted too.
function authorList(reader: FieldReader, e: Entry | undefined): string | undefined {
  if (!e) return undefined;
  if (e.value.kind === "scalar") return reader.string(e);
  return reader.strings(e)?.join(", ");
}

/**
 * Collects technique and sub-technique ids from `[[rule.threat]]` entries
 * whose framework is MITRE ATT&CK (tactics are implied by techniques).
 */
function readThreat(reader: FieldReader, e: Entry | undefined): string[] {
  if (!e) return [];
  if (e.value.kind !== "list") {
    reader.error(e.keyAt, `"threat" must be a list of tables, got ${describe(e.value)}`);
    return [];
  }
  const ids: string[] = [];
  const add = (node: Node | undefined) => {
    const idEntry = node?.kind === "map" ? entryOf(node, "id") : undefined;
    const id = reader.string(idEntry);
    if (id === undefined || ids.includes(id)) return;
    const problem = checkAttackId(id);
    if (problem) reader.error(idEntry!.keyAt, `"id": ${problem}`);
    else ids.push(id);
  };
  for (const threat of e.value.items) {
    if (threat.kind !== "map") continue;
    const framework = entryOf(threat, "framework")?.value;
    if (framework?.kind !== "scalar" || framework.value !== "MITRE ATT&CK") continue;
    const techniques = entryOf(threat, "technique")?.value;
    if (techniques?.kind !== "list") continue;
    for (const technique of techniques.items) {
      add(technique);
      const subs = technique.kind === "map" ? entryOf(technique, "subtechnique")?.value : undefined;
      if (subs?.kind === "list") subs.items.forEach(add);
    }
  }
  return ids;
}
