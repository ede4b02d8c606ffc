/**
 * `kestrel compile`: compiles a rules directory into a rule package — the
 * predicates of every enabled rule as one WebAssembly module (`rules.wasm`)
 * and `manifest.json` with the rules, their versions and hashes, and the
 * Host ABI version (runtimes/wasm/package.ts).
 *
 * @module
 */
import { formatDiagnostics } from "../eql/errors.ts";
import { Schema, type SchemaMode } from "../engine/schema.ts";
import { loadRules } from "../rules/loader/mod.ts";
import { buildPackage, writePackage } from "../runtimes/wasm/package.ts";
import { WasmCompileError } from "../runtimes/wasm/mod.ts";
import { DEFAULT_WASM_LIMITS } from "./runtime.ts";
import { EXIT, oneOf, parseFlags, required, UsageError } from "./usage.ts";

const HELP = `Usage: kestrel compile --rules DIR --output DIR [options]

Compiles the enabled rules under DIR into a rule package: rules.wasm (every
predicate, WebAssembly, Host ABI v1) and manifest.json (rule ids, versions,
hashes). Run it with kestrel replay --package DIR.

Options:
  --rules DIR              rule directory or file (required)
  --output DIR             package directory, created if needed (required)
  --schema ecs|dynamic     field checking for the rules (default ecs)
  --memory-limit-mb N      the module's memory limit (default ${DEFAULT_WASM_LIMITS.memoryLimitMb})
  -h, --help               show this help

Exit status: 0 package written, 1 rule errors, 2 bad usage.`;

/** Runs `kestrel compile`; returns the exit code. */
export async function compileCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("compile", argv, {
    rules: { type: "string" },
    output: { type: "string" },
    schema: { type: "string" },
    "memory-limit-mb": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const rulesPath = required("compile", "--rules DIR", values.rules);
  const output = required("compile", "--output DIR", values.output);
  const schemaMode = oneOf("compile", "--schema", values.schema ?? "ecs", [
    "ecs",
    "dynamic",
  ]) as SchemaMode;
  const memoryLimitMb = Number(values["memory-limit-mb"] ?? DEFAULT_WASM_LIMITS.memoryLimitMb);
  if (!Number.isInteger(memoryLimitMb) || memoryLimitMb < 1) {
    throw new UsageError("kestrel compile: --memory-limit-mb takes a positive whole number");
  }
  const schema = Schema.ecs();
  const loaded = await loadRules(rulesPath, { schema, schemaMode });
  const errors = loaded.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) {
    console.error(formatDiagnostics(errors));
    console.error(`kestrel compile: ${errors.length} rule error(s); no package written`);
    return EXIT.failed;
  }
  const rules = loaded.rules.filter((r) => r.enabled);
  let pkg;
  try {
    pkg = buildPackage(rules, schema, {
      memoryLimitMb,
      ruleset: loaded.manifest && { name: loaded.manifest.name, version: loaded.manifest.version },
    });
  } catch (e) {
    if (!(e instanceof WasmCompileError)) throw e;
    console.error(e.errors.join("\n"));
    console.error(
      `kestrel compile: ${e.errors.length} rule(s) cannot run in the wasm runtime; no package written`,
    );
    return EXIT.failed;
  }
  await writePackage(output, pkg);
  console.error(
    `kestrel compile: ${rules.length} rules, ${pkg.manifest.sites.length} predicates, ` +
      `${pkg.wasm.length} bytes of wasm → ${output}`,
  );
  return EXIT.ok;
}
