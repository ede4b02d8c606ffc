/**
 * The ruleset manifest (`manifest.yaml` at the rules root): ruleset
 * identity, globals referenced from EQL as `$NAME`, and suppressions.
 *
 * @module
 */
import type { Diagnostic } from "../../eql/errors.ts";
import type { GlobalValue } from "../../eql/compile.ts";
import type { SourceFile } from "./source_file.ts";
import { describe, type EmbeddedText, type Entry, type Node } from "./tree.ts";
import { checkRuleId, FieldReader } from "./fields.ts";
import type { Manifest } from "./types.ts";

/** File names that make a file the manifest rather than a rule. */
export const MANIFEST_NAMES: readonly string[] = ["manifest.yaml", "manifest.yml"];

/** A manifest suppression with its located condition texts, for compilation. */
export interface SuppressionSource {
  ruleId: string;
  ruleIdAt: number;
  conditions: EmbeddedText[];
}

/** A manifest as read, with what the compile step needs beyond the public shape. */
export interface ManifestRead {
  manifest: Manifest;
  suppressions: SuppressionSource[];
}

const RULESET_KEYS = [
  "name",
  "version",
  "description",
  "author",
  "date",
  "categories",
  "globals",
  "suppressions",
];
const GLOBAL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads a manifest from its located YAML tree. Whatever could be read is
 * returned even when some keys have errors (reported in `diagnostics`), so
 * that one bad suppression does not turn every `$GLOBAL` into a second error.
 */
export function readManifest(
  file: SourceFile,
  tree: Node,
  diagnostics: Diagnostic[],
): ManifestRead | undefined {
  const reader = new FieldReader(file, diagnostics);
  if (tree.kind !== "map") {
    reader.error(tree.at, "the manifest must be a map with a `ruleset` key");
    return undefined;
  }
  const top = reader.entries(tree, ["ruleset"], ["ruleset"]);
  const rulesetEntry = top.get("ruleset");
  if (!rulesetEntry) return undefined;
  const ruleset = rulesetEntry.value;
  if (ruleset.kind !== "map") {
    reader.error(rulesetEntry.keyAt, `"ruleset" must be a map, got ${describe(ruleset)}`);
    return undefined;
  }
  const e = reader.entries(ruleset, RULESET_KEYS, [], "ruleset.");
  // `categories` is informational (the seed format lists rules per category); not checked.
  const manifest: Manifest = {
    file: file.path,
    name: reader.string(e.get("name")),
    version: reader.version(e.get("version")),
    description: reader.string(e.get("description")),
    author: reader.string(e.get("author")),
    date: dateText(reader, e.get("date")),
    globals: readGlobals(reader, e.get("globals")),
    suppressions: [],
  };
  const suppressions = readSuppressions(reader, e.get("suppressions"));
  manifest.suppressions = suppressions.map((s) => ({
    ruleId: s.ruleId,
    conditions: s.conditions.map((c) => c.text),
  }));
  return { manifest, suppressions };
}

// Dates may be written unquoted; YAML 1.2 keeps them as text, but accept numbers too.
function dateText(reader: FieldReader, e: Entry | undefined): string | undefined {
  if (e?.value.kind === "scalar" && typeof e.value.value === "number") return String(e.value.value);
  return reader.string(e);
}

function readGlobals(
  reader: FieldReader,
  e: Entry | undefined,
): Record<string, GlobalValue> {
  const globals: Record<string, GlobalValue> = {};
  if (!e) return globals;
  if (e.value.kind !== "map") {
    reader.error(e.keyAt, `"globals" must be a map of names to values, got ${describe(e.value)}`);
    return globals;
  }
  for (const g of e.value.entries) {
    if (!GLOBAL_NAME.test(g.key)) {
      reader.error(g.keyAt, `global name ${JSON.stringify(g.key)} must be letters, digits and _`);
      continue;
    }
    const v = g.value;
    if (v.kind === "scalar") {
      globals[g.key] = v.value;
    } else if (v.kind === "list" && v.items.every((i) => i.kind === "scalar")) {
      globals[g.key] = v.items.map((i) => (i.kind === "scalar" ? i.value : null));
    } else {
      reader.error(
        g.keyAt,
        `global ${JSON.stringify(g.key)} must be a scalar or a list of scalars, got ${
          v.kind === "list" ? "a nested list or map" : describe(v)
        }`,
      );
    }
  }
  return globals;
}

function readSuppressions(
  reader: FieldReader,
  e: Entry | undefined,
): SuppressionSource[] {
  if (!e) return [];
  if (e.value.kind !== "list") {
    reader.error(
      e.keyAt,
      `"suppressions" must be a list of {rule_id, conditions}, got ${describe(e.value)}`,
    );
    return [];
  }
  const out: SuppressionSource[] = [];
  e.value.items.forEach((item, i) => {
    if (item.kind !== "map") {
      reader.error(item.at, `"suppressions"[${i}] must be a map with rule_id and conditions`);
      return;
    }
    const s = reader.entries(
      item,
      ["rule_id", "conditions"],
      ["rule_id", "conditions"],
      `suppressions[${i}].`,
    );
    const idEntry = s.get("rule_id");
    const ruleId = reader.string(idEntry, true);
    if (ruleId !== undefined && ruleId !== "*") {
      const problem = checkRuleId(ruleId);
      if (problem) reader.error(idEntry!.keyAt, `"rule_id": ${problem}`);
    }
    const conditions = reader.texts(s.get("conditions"));
    if (ruleId !== undefined && conditions) {
      out.push({ ruleId, ruleIdAt: idEntry!.value.at, conditions });
    }
  });
  return out;
}
