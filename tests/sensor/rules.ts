/**
 * Builds loaded rules from EQL text for the sensor tests.
 *
 * @module
 */
import { Schema } from "../../engine/schema.ts";
import { type LoadedRule, loadRulesFromSources } from "../../rules/loader/mod.ts";

/** Compiles `queries` (rule id → EQL, Elastic dialect) against `schema`; throws on any error. */
export function rulesFrom(
  queries: Record<string, string>,
  schema: Schema = Schema.ecs(),
): LoadedRule[] {
  const sources = Object.entries(queries).map(([id, eql]) => ({
    path: `rules/${id}.yaml`,
    text: `id: ${id}\nname: ${id}\nseverity: low\neql: |\n${
      eql.split("\n").map((l) => `  ${l}`).join("\n")
    }\n`,
  }));
  const loaded = loadRulesFromSources(sources, { schema });
  const errors = loaded.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(errors.map((d) => d.message).join("\n"));
  return loaded.rules;
}
