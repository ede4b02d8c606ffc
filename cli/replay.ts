/**
 * `kestrel replay`: runs a ruleset over a recorded event log. Alerts go to
 * stdout as NDJSON (ARCHITECTURE §7), statistics to stderr. The same log,
 * rules and version always give byte-identical output.
 *
 * @module
 */
import { formatDiagnostics } from "../eql/errors.ts";
import { Schema, type SchemaMode } from "../engine/schema.ts";
import { FieldPaths } from "../engine/event.ts";
import { Engine } from "../engine/engine.ts";
import { AlertWriter } from "../engine/alert_writer.ts";
import { loadRules } from "../rules/loader/mod.ts";
import { LostRecords } from "../log/klog.ts";
import { EVENT_FLAGS, eventFlags, openEvents, processBatch } from "./events.ts";
import { EXIT, oneOf, parseFlags, required, UsageError } from "./usage.ts";
import type { EngineRule } from "../engine/engine.ts";
import type { AlertRule } from "../engine/alert_writer.ts";
import { predicatesFor, RUNTIME_CHOICES } from "./runtime.ts";
import {
  checkPackageAgainst,
  PackageError,
  readPackage,
  type RulePackage,
} from "../runtimes/wasm/package.ts";

/** Reads and verifies a package; a bad one is a usage error naming the problem. */
async function openPackage(dir: string, schema: Schema): Promise<RulePackage> {
  try {
    return await readPackage(dir, schema);
  } catch (e) {
    if (e instanceof PackageError) throw new UsageError(`kestrel replay: ${e.message}`);
    throw e;
  }
}

const HELP = `Usage: kestrel replay --rules DIR --events FILE|- [options]
       kestrel replay --package DIR --events FILE|- [options]

Replays an event log (NDJSON, or .klog with its recorded heartbeats) through
the rules: alerts as NDJSON on stdout, statistics on stderr. NDJSON events
are processed in timestamp order, klog records in recorded order.

Options:
  --rules DIR                 rule directory or file (required)
  --events FILE|-             the event log (required)
  --package DIR               a rule package (kestrel compile): its rules and rules.wasm;
                              with --rules too, the rules must be those it was built from
  --runtime js|wasm           predicate runtime (default js, wasm with --package)
  --schema ecs|dynamic        field checking for the rules (default ecs)
  --timestamp-field FIELD     event time field (default @timestamp)
  --category-field FIELD      event category field (default event.category)
  --reorder-window DURATION   sort events this far out of order (e.g. 2s; default 0)
  -h, --help                  show this help`;

/** Runs `kestrel replay`; returns the exit code. */
export async function replayCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("replay", argv, {
    rules: { type: "string" },
    runtime: { type: "string" },
    package: { type: "string" },
    schema: { type: "string" },
    ...EVENT_FLAGS,
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const rulesPath = values.package === undefined
    ? required("replay", "--rules DIR", values.rules)
    : values.rules;
  const log = eventFlags("replay", values);
  const runtime = oneOf(
    "replay",
    "--runtime",
    values.runtime ?? (values.package ? "wasm" : "js"),
    RUNTIME_CHOICES,
  );
  const schemaMode = oneOf("replay", "--schema", values.schema ?? "ecs", [
    "ecs",
    "dynamic",
  ]) as SchemaMode;

  const schema = Schema.ecs();
  const pkg = values.package === undefined ? undefined : await openPackage(values.package, schema);
  let rules: (EngineRule & AlertRule)[] = pkg?.manifest.rules ?? [];
  if (rulesPath !== undefined) {
    const loaded = await loadRules(rulesPath, { schema, schemaMode });
    const errors = loaded.diagnostics.filter((d) => d.severity === "error");
    if (errors.length) {
      console.error(formatDiagnostics(errors));
      console.error(`kestrel replay: ${errors.length} rule error(s); nothing replayed`);
      return EXIT.failed;
    }
    const enabled = loaded.rules.filter((r) => r.enabled);
    if (pkg) {
      const problems = checkPackageAgainst(pkg, enabled);
      if (problems.length) {
        for (const p of problems) console.error(`kestrel replay: ${values.package}: ${p}`);
        console.error(
          "kestrel replay: the package does not match --rules; rebuild it with kestrel compile",
        );
        return EXIT.failed;
      }
    } else rules = enabled;
  }
  const { predicates, wasm } = predicatesFor("replay", runtime, rules, pkg);
  const writer = new AlertWriter(Deno.stdout);
  // A recording's lost records degrade the alerts they degraded live.
  const lost = new LostRecords();
  const engine = new Engine(rules, {
    schema,
    predicates,
    categoryField: log.categoryField,
    onMatch: (m) => writer.write(rules[m.rule], m, lost.degraded(m.events)),
  });
  const source = await openEvents(log.events, {
    paths: new FieldPaths(schema),
    timestampField: log.timestampField,
    reorderWindowNs: log.reorderWindowNs,
    command: "replay",
  });
  for await (const batch of source.batches) {
    processBatch(engine, batch, lost);
    await writer.flushIfFull();
  }
  await writer.flush();
  console.error(JSON.stringify({
    rules: rules.length,
    ...source.stats,
    alerts: writer.count,
    evaluations: engine.stats.evaluations,
    suppressed: engine.stats.suppressed,
    sequences: engine.sequenceStats(),
    ...(wasm ? { runtime: "wasm", ruleErrors: wasm.errors.length } : {}),
  }));
  return EXIT.ok;
}
