/**
 * Generates `docs/coverage.md`, the default ruleset's ATT&CK coverage
 * report: the same text `kestrel list --rules rules --format markdown`
 * prints.
 *
 * @module
 */
import { coverageMarkdown, readSimulationStatus } from "../cli/coverage.ts";
import { formatDiagnostics } from "../eql/errors.ts";
import { loadRules } from "../rules/loader/mod.ts";

/** The report of the rules in `root/rules` with the simulations in `root/tests/simulations`. */
export async function generateCoverage(root: string): Promise<string> {
  const result = await loadRules(`${root}rules`);
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(formatDiagnostics(errors));
  const m = result.manifest;
  const title = m?.name
    ? `ATT&CK coverage of ${m.name}${m.version ? ` ${m.version}` : ""}`
    : undefined;
  return coverageMarkdown(
    result.rules,
    await readSimulationStatus(`${root}tests/simulations`),
    { title, rulesPath: "rules" },
  );
}
