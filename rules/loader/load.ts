/**
 * {@link loadRulesFromSources}: rule files' texts → compiled rules and every
 * diagnostic. Pure: no file system, so REST validation, reloads and embedded
 * rules use it directly.
 *
 * @module
 */
import type { Diagnostic } from "../../eql/errors.ts";
import type { IrExpr } from "../../eql/ir.ts";
import { Schema } from "../../engine/schema.ts";
import { SourceFile } from "./source_file.ts";
import type { Node } from "./tree.ts";
import { parseYaml } from "./yaml_tree.ts";
import { parseJson } from "./json_tree.ts";
import { parseToml } from "./toml_tree.ts";
import { readEqlRule, readKestrelRule } from "./kestrel_rule.ts";
import { isElasticRule, readElasticRule } from "./elastic_rule.ts";
import { splitEqlFile } from "./eql_file.ts";
import { type ManifestRead, readManifest } from "./manifest.ts";
import { classify, type FileRole } from "./classify.ts";
import { compileCondition, type CompileContext, compileRule } from "./compile_rules.ts";
import type { ReadOutcome, RuleSpec } from "./spec.ts";
import type {
  LoadedRule,
  LoadNote,
  LoadOptions,
  LoadResult,
  RejectedRule,
  RuleSourceText,
} from "./types.ts";

/**
 * Loads rules from in-memory files, in the order given (callers sort them
 * for deterministic duplicate reports). Never throws for bad input: every
 * problem is a located diagnostic, and a rule with an error is left out of
 * `rules` (and listed in `rejected`).
 */
export function loadRulesFromSources(
  sources: readonly RuleSourceText[],
  options: LoadOptions = {},
): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const notes: LoadNote[] = [];
  const rejected: RejectedRule[] = [];
  const files = new Map(sources.map((s) => [s.path, new SourceFile(s.path, s.text)]));
  const roles = classify([...files.keys()]);

  const manifest = loadManifest(files, roles, diagnostics);

  // Read every rule file into a spec (metadata + located query).
  const specs: RuleSpec[] = [];
  for (const [path, file] of files) {
    let outcome: ReadOutcome | undefined;
    try {
      outcome = readFile(file, roles.get(path)!, files, diagnostics);
    } catch (e) {
      // A parser bug must cost one file, not the whole ruleset.
      const message = e instanceof Error ? e.message : String(e);
      diagnostics.push(file.error(0, `internal error while reading the file: ${message}`));
      outcome = { kind: "failed" };
    }
    if (!outcome) continue;
    if (outcome.kind === "skipped") {
      notes.push({ file: path, message: `skipped: ${outcome.reason}` });
    } else if (outcome.kind === "failed") rejected.push({ file: path, id: outcome.id });
    else specs.push(outcome.spec);
  }

  // Duplicate ids: the first occurrence wins, later ones are errors naming it.
  const firstById = new Map<string, RuleSpec>();
  const unique: RuleSpec[] = [];
  for (const spec of specs) {
    const first = firstById.get(spec.id);
    if (first) {
      const p = first.file.position(first.idAt);
      diagnostics.push(
        spec.file.error(
          spec.idAt,
          `duplicate rule id ${
            JSON.stringify(spec.id)
          } (first defined at ${first.file.path}:${p.line}:${p.col})`,
        ),
      );
      rejected.push({ file: spec.file.path, id: spec.id });
    } else {
      firstById.set(spec.id, spec);
      unique.push(spec);
    }
  }

  const ctx: CompileContext = {
    schema: options.schema ?? Schema.ecs(),
    schemaMode: options.schemaMode ?? "ecs",
    globals: manifest?.manifest.globals ?? {},
    dialect: options.dialect ?? "elastic",
    lua: options.luaModules,
  };
  const known = new Set([...firstById.keys(), ...rejected.flatMap((r) => (r.id ? [r.id] : []))]);
  const extra = compileManifestSuppressions(ctx, manifest, files, known, diagnostics);

  const rules: LoadedRule[] = [];
  for (const spec of unique) {
    const forRule = [...(extra.get("*") ?? []), ...(extra.get(spec.id) ?? [])];
    const rule = compileRule(ctx, spec, forRule, diagnostics);
    if (rule) rules.push(rule);
    else rejected.push({ file: spec.file.path, id: spec.id });
  }

  return {
    rules,
    diagnostics: sortDiagnostics(diagnostics, [...files.keys()]),
    notes,
    manifest: manifest?.manifest,
    rejected,
  };
}

function loadManifest(
  files: Map<string, SourceFile>,
  roles: Map<string, FileRole>,
  diagnostics: Diagnostic[],
): ManifestRead | undefined {
  const paths = [...roles].filter(([, r]) => r.kind === "manifest").map(([p]) => p);
  for (const extra of paths.slice(1)) {
    diagnostics.push(
      files.get(extra)!.error(0, `only one manifest per ruleset (the first is ${paths[0]})`),
    );
  }
  if (paths.length === 0) return undefined;
  const file = files.get(paths[0])!;
  const parsed = parseYaml(file);
  diagnostics.push(...parsed.diagnostics);
  return parsed.tree ? readManifest(file, parsed.tree, diagnostics) : undefined;
}

// Compiles the manifest's suppressions once each, grouped by rule id (`*` for all).
function compileManifestSuppressions(
  ctx: CompileContext,
  manifest: ManifestRead | undefined,
  files: Map<string, SourceFile>,
  known: Set<string>,
  diagnostics: Diagnostic[],
): Map<string, IrExpr[]> {
  const byRule = new Map<string, IrExpr[]>();
  if (!manifest) return byRule;
  const file = files.get(manifest.manifest.file)!;
  for (const s of manifest.suppressions) {
    if (s.ruleId !== "*" && !known.has(s.ruleId)) {
      diagnostics.push(
        file.diagnostic(
          "warning",
          s.ruleIdAt,
          `suppression for unknown rule ${JSON.stringify(s.ruleId)}`,
        ),
      );
    }
    const list = byRule.get(s.ruleId) ?? [];
    for (const c of s.conditions) {
      const ir = compileCondition(ctx, file, c, ctx.dialect, diagnostics);
      if (ir) list.push(ir);
    }
    byRule.set(s.ruleId, list);
  }
  return byRule;
}

/** Reads one file according to its role; undefined for files that are not rules. */
function readFile(
  file: SourceFile,
  role: FileRole,
  files: Map<string, SourceFile>,
  diagnostics: Diagnostic[],
): ReadOutcome | undefined {
  switch (role.kind) {
    case "manifest":
    case "eql-metadata":
    case "ignored":
      return undefined;
    case "eql":
      return readEql(file, role.metadata ? files.get(role.metadata) : undefined, diagnostics);
    case "yaml":
    case "json": {
      const parsed = role.kind === "yaml" ? parseYaml(file) : parseJson(file);
      diagnostics.push(...parsed.diagnostics);
      if (!parsed.tree) return { kind: "failed" };
      return readKestrelRule(file, parsed.tree, role.kind, diagnostics);
    }
    case "toml": {
      const parsed = parseToml(file);
      diagnostics.push(...parsed.diagnostics);
      if (!parsed.tree) return { kind: "failed" };
      if (isElasticRule(parsed.tree) && parsed.tree.kind === "map") {
        return readElasticRule(file, parsed.tree, diagnostics);
      }
      return readKestrelRule(file, parsed.tree, "toml", diagnostics);
    }
  }
}

function readEql(
  file: SourceFile,
  sibling: SourceFile | undefined,
  diagnostics: Diagnostic[],
): ReadOutcome {
  const id = file.path.replace(/^.*\//, "").replace(/\.eql$/i, "");
  const parts = splitEqlFile(file.text);
  let meta: { tree: Node; file: SourceFile } | undefined;
  if (sibling) {
    // A sibling metadata file wins; the comment block is then only a comment.
    const parsed = parseYaml(sibling);
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.tree) return { kind: "failed", id };
    meta = { tree: parsed.tree, file: sibling };
  } else if (parts.metadataYaml !== undefined) {
    const parsed = parseYaml(file, parts.metadataYaml);
    diagnostics.push(
      ...parsed.diagnostics.map((d) => ({
        ...d,
        message: `${d.message} (in the leading "// key: value" metadata comments)`,
      })),
    );
    if (!parsed.tree) return { kind: "failed", id };
    meta = { tree: parsed.tree, file };
  }
  if (!parts.query) {
    diagnostics.push(file.error(file.text.length, "the file holds no EQL query"));
    return { kind: "failed", id };
  }
  return readEqlRule(file, id, parts.query, meta, diagnostics);
}

/** Orders diagnostics by file (input order), then line and column; stable otherwise. */
function sortDiagnostics(diagnostics: Diagnostic[], order: string[]): Diagnostic[] {
  const rank = new Map(order.map((p, i) => [p, i]));
  return diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) =>
      (rank.get(a.d.file) ?? order.length) - (rank.get(b.d.file) ?? order.length) ||
      a.d.line - b.d.line || a.d.col - b.d.col || a.i - b.i
    )
    .map((x) => x.d);
}
