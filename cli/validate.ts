/**
 * `kestrel validate`: loads every rule under a path and reports every error
 * and warning as `file:line:col: message` with the source line and a caret.
 *
 * @module
 */
import { formatDiagnostics } from "../eql/errors.ts";
import type { SchemaMode } from "../engine/schema.ts";
import { loadRules } from "../rules/loader/mod.ts";
import type { LoadResult } from "../rules/loader/mod.ts";
import { configCheck } from "../config/mod.ts";
import { EXIT, oneOf, parseFlags, required } from "./usage.ts";

const HELP = `Usage: kestrel validate --rules PATH [--schema ecs|dynamic] [--case-insensitive]
                        [--format text|json]
       kestrel validate --config FILE

Checks every rule file under PATH (a directory, walked recursively, or one file):
.eql, Kestrel YAML/JSON/TOML, Elastic detection-rules TOML and manifest.yaml.
Every problem is reported, not only the first. With --config, checks a
configuration file instead: unknown keys, wrong types and bad values are
errors, keys not implemented yet are warnings, each as file:line:col.

Options:
  --rules PATH          rule directory or file
  --config FILE         configuration file (config.toml) to check
  --schema ecs|dynamic  ecs (default): non-ECS fields are errors; dynamic: any field
  --case-insensitive    rules that name no dialect use the legacy (Endgame) dialect
  --format text|json    output format (default text)
  -h, --help            show this help

Exit status: 0 no errors (warnings allowed), 1 errors found, 2 bad usage.`;

/** Counts for the summary line. */
interface Summary {
  rules: number;
  errors: number;
  warnings: number;
  skipped: number;
}

/** Runs `kestrel validate`; returns the exit code. */
export async function validateCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("validate", argv, {
    rules: { type: "string" },
    schema: { type: "string" },
    "case-insensitive": { type: "boolean" },
    format: { type: "string" },
    config: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  // The configuration first, then the rules when both are given; the worse exit code wins.
  const configExit = values.config !== undefined
    ? await configCheck(["--config", values.config])
    : EXIT.ok;
  if (values.config !== undefined && values.rules === undefined) return configExit;
  const path = required("validate", "--rules PATH", values.rules);
  const schemaMode = oneOf("validate", "--schema", values.schema ?? "ecs", ["ecs", "dynamic"]);
  const format = oneOf("validate", "--format", values.format ?? "text", ["text", "json"]);

  const result = await loadRules(path, {
    schemaMode: schemaMode as SchemaMode,
    dialect: values["case-insensitive"] ? "legacy" : undefined,
  });
  const summary = summarize(result);
  if (format === "json") {
    console.log(JSON.stringify(
      {
        ok: summary.errors === 0,
        ...summary,
        loaded: result.rules.length,
        diagnostics: result.diagnostics,
        notes: result.notes,
      },
      null,
      2,
    ));
  } else {
    if (result.diagnostics.length) console.log(formatDiagnostics(result.diagnostics));
    for (const n of result.notes) console.log(`${n.file}: ${n.message}`);
    console.log(summaryLine(summary));
  }
  return Math.max(configExit, summary.errors === 0 ? EXIT.ok : EXIT.failed);
}

function summarize(result: LoadResult): Summary {
  return {
    rules: result.rules.length + result.rejected.length,
    errors: result.diagnostics.filter((d) => d.severity === "error").length,
    warnings: result.diagnostics.filter((d) => d.severity === "warning").length,
    skipped: result.notes.filter((n) => n.message.startsWith("skipped")).length,
  };
}

/** `validated 34 rules: 0 errors, 2 warnings, 1 skipped`. */
function summaryLine(s: Summary): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `validated ${plural(s.rules, "rule")}: ${plural(s.errors, "error")}, ${
    plural(s.warnings, "warning")
  }, ${s.skipped} skipped`;
}
