/**
 * `kestrel list`: the rules under a path as a table, JSON or Markdown.
 *
 * @module
 */
import { posix } from "node:path";
import { formatDiagnostics } from "../eql/errors.ts";
import { loadRules, ruleMetadata } from "../rules/loader/mod.ts";
import type { LoadedRule } from "../rules/loader/mod.ts";
import { coverageMarkdown, readSimulationStatus } from "./coverage.ts";
import { EXIT, oneOf, parseFlags, required } from "./usage.ts";

const HELP = `Usage: kestrel list --rules PATH [--format table|json|markdown] [--simulations DIR]

Lists the rules under PATH: id, severity, kind (event, sequence, sample, join),
ATT&CK ids and name. Rules with errors are left out; their errors go to stderr
and the exit status is 1 (run kestrel validate for details).

--format markdown writes the ATT&CK coverage report (docs/coverage.md for the
default ruleset): rules per tactic (the folder a rule is in), tactics x
techniques, and each rule's kind and whether a simulation proves it.

Options:
  --rules PATH                     rule directory or file (required)
  --format table|json|markdown     output format (default table)
  --simulations DIR                simulation scripts (DIR/scripts/<rule-id>.sh) and
                                   DIR/unsimulated.yaml (default: PATH/../tests/simulations)
  -h, --help                       show this help`;

const COLUMNS = ["ID", "SEVERITY", "KIND", "MITRE", "NAME"] as const;

/** Runs `kestrel list`; returns the exit code. */
export async function listCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("list", argv, {
    rules: { type: "string" },
    format: { type: "string" },
    simulations: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const path = required("list", "--rules PATH", values.rules);
  const format = oneOf("list", "--format", values.format ?? "table", ["table", "json", "markdown"]);
  const result = await loadRules(path);
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) console.error(formatDiagnostics(errors));

  if (format === "json") {
    const rows = result.rules.map((r) => ({ ...ruleMetadata(r), kind: r.ir.kind }));
    console.log(JSON.stringify(rows, null, 2));
  } else if (format === "markdown") {
    const sims = await readSimulationStatus(
      values.simulations ?? posix.join(path, "..", "tests", "simulations"),
    );
    const m = result.manifest;
    const title = m?.name
      ? `ATT&CK coverage of ${m.name}${m.version ? ` ${m.version}` : ""}`
      : undefined;
    // The report ends with a newline of its own.
    await Deno.stdout.write(
      new TextEncoder().encode(coverageMarkdown(result.rules, sims, { title, rulesPath: path })),
    );
  } else {
    console.log(textTable(result.rules.map(cells)));
  }
  return errors.length ? EXIT.failed : EXIT.ok;
}

function cells(r: LoadedRule): string[] {
  return [r.id, r.severity, r.ir.kind, r.mitre.join(","), r.name];
}

/** Space-aligned columns; the last column is not padded. */
function textTable(rows: string[][]): string {
  const all = [[...COLUMNS], ...rows];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  "))
    .join("\n");
}
