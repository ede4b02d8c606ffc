/**
 * A loaded rule's metadata without its compiled forms, for listings and APIs.
 *
 * @module
 */
import type { LoadedRule, RuleMetadata } from "./types.ts";

/** Copies everything of `rule` except `ast`, `ir` and the compiled suppressions. */
export function ruleMetadata(rule: LoadedRule): RuleMetadata {
  const { ast: _ast, ir: _ir, suppressions: _suppressions, ...meta } = rule;
  return meta;
}
