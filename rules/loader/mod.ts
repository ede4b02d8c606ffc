/**
 * Rule loading: every supported rule format → compiled rules, with every
 * problem reported as a located diagnostic (ARCHITECTURE §5).
 *
 * - `.eql`: one query; id from the file name; metadata in a sibling
 *   `.yaml`/`.yml` or a leading block of `// key: value` comment lines.
 * - Kestrel rule files `.yaml`/`.yml`, `.json`, `.toml`.
 * - Elastic detection-rules TOML (`[metadata]`, `[rule]`), EQL ones only;
 *   other languages are skipped with a note.
 * - `manifest.yaml`: ruleset identity, globals (`$NAME`), suppressions.
 *
 * @example
 * ```ts
 * const { rules, diagnostics } = await loadRules("rules/");
 * for (const d of diagnostics) console.error(formatDiagnostic(d));
 * ```
 *
 * @module
 */
export { loadRules, readRuleSources } from "./fs.ts";
export type { ReadSources } from "./fs.ts";
export { loadRulesFromSources } from "./load.ts";
export { RULE_EXTENSIONS } from "./classify.ts";
export { ruleHash } from "./hash.ts";
export { ruleMetadata } from "./metadata.ts";
export type {
  LoadedRule,
  LoadNote,
  LoadOptions,
  LoadResult,
  Manifest,
  ManifestSuppression,
  RejectedRule,
  RuleAction,
  RuleFormat,
  RuleMetadata,
  RuleOrigin,
  RuleSeverity,
  RuleSourceText,
} from "./types.ts";
