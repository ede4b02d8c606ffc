/**
 * `kestrel query`: runs one EQL query over an event log and prints the
 * matches, after the query's pipes, one JSON object per line
 * (`{"events": [...]}`) or as a table.
 *
 * @module
 */
import { compileQuery, type Dialect } from "../eql/compile.ts";
import { formatDiagnostics } from "../eql/errors.ts";
import { Schema, type SchemaMode } from "../engine/schema.ts";
import { FieldPaths, formatNanos } from "../engine/event.ts";
import { Engine, type Match } from "../engine/engine.ts";
import { isMatch, PipeChain, type PipeOutput } from "../engine/pipes.ts";
import { compileGetter, compilePredicate } from "../runtimes/js/mod.ts";
import { prepareLua } from "../rules/loader/lua.ts";
import { predicatesFor, RUNTIME_CHOICES } from "./runtime.ts";
import { EVENT_FLAGS, eventFlags, openEvents, processBatch } from "./events.ts";
import { EXIT, oneOf, parseFlags, required } from "./usage.ts";

const HELP = `Usage: kestrel query --eql QUERY --events FILE|- [options]

Runs one EQL query over an NDJSON event log (one JSON event per line; - for
standard input) and prints each match after the query's pipes.

Options:
  --eql QUERY                 the query (required)
  --events FILE|-             the event log (required)
  --format ndjson|table       {"events": [...]} per line (default), or a table
  --case-insensitive          legacy (Endgame) dialect
  --schema ecs|dynamic        field checking (default dynamic: any field name)
  --runtime js|wasm           predicate runtime (default js)
  --lua DIR                   Lua modules for lua("module.fn", …) (module.lua files)
  --timestamp-field FIELD     event time field (default @timestamp; ISO, epoch s/ms/us/ns)
  --category-field FIELD      event category field (default event.category)
  --reorder-window DURATION   sort events this far out of order (e.g. 2s; default 0)
  -h, --help                  show this help`;

/** Runs `kestrel query`; returns the exit code. */
export async function queryCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("query", argv, {
    eql: { type: "string" },
    format: { type: "string" },
    "case-insensitive": { type: "boolean" },
    schema: { type: "string" },
    runtime: { type: "string" },
    lua: { type: "string" },
    ...EVENT_FLAGS,
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const eql = required("query", "--eql QUERY", values.eql);
  const lua = await prepareLua(undefined, [eql], { modulesDir: values.lua });
  if (lua.diagnostics.length) {
    console.error(formatDiagnostics(lua.diagnostics));
    return EXIT.failed;
  }
  const log = eventFlags("query", values);
  const format = oneOf("query", "--format", values.format ?? "ndjson", ["ndjson", "table"]);
  const schemaMode = oneOf("query", "--schema", values.schema ?? "dynamic", [
    "ecs",
    "dynamic",
  ]) as SchemaMode;
  const dialect: Dialect = values["case-insensitive"] ? "legacy" : "elastic";
  const runtime = oneOf("query", "--runtime", values.runtime ?? "js", RUNTIME_CHOICES);

  const schema = Schema.ecs();
  const compiled = compileQuery(eql, {
    schema,
    schemaMode,
    dialect,
    origin: { file: "<query>" },
    lua: lua.host,
  });
  if (compiled.diagnostics.length) console.error(formatDiagnostics(compiled.diagnostics));
  if (!compiled.ir) return EXIT.failed;
  const ir = compiled.ir;

  const ctx = {
    dialect,
    categoryMatcher: () => () => true,
    lua: lua.host,
    rule: "query",
  };
  // Legacy EQL groups pipe keys case-insensitively, as its comparisons are.
  const chain = new PipeChain(
    ir.pipes,
    (e) => compileGetter(e, ctx),
    (e) => compilePredicate(e, ctx),
    {
      foldCase: dialect === "legacy",
    },
  );
  const print = format === "table"
    ? printTable()
    : (o: PipeOutput) => console.log(JSON.stringify(toJson(o)));
  const rules = [{ id: "query", dialect, ir: { ...ir, pipes: [] }, lua: lua.host }];
  const engine = new Engine(rules, {
    schema,
    predicates: predicatesFor("query", runtime, rules).predicates,
    categoryField: log.categoryField,
    onMatch: (m: Match) => {
      for (const out of chain.push({ events: m.events })) print(out);
    },
  });
  const source = await openEvents(log.events, {
    paths: new FieldPaths(schema),
    timestampField: log.timestampField,
    reorderWindowNs: log.reorderWindowNs,
    command: "query",
  });
  for await (const batch of source.batches) {
    processBatch(engine, batch);
    if (chain.done) break;
  }
  for (const out of chain.finish()) print(out);
  return EXIT.ok;
}

function toJson(o: PipeOutput): unknown {
  if (!isMatch(o)) return o;
  const events = o.events.map((e) => e.toJSON());
  return "count" in o ? { events, count: o.count } : { events };
}

/** Table output: one row per matched event, matches separated by their number. */
function printTable(): (o: PipeOutput) => void {
  let n = 0;
  return (o) => {
    n++;
    if (!isMatch(o)) {
      console.log(`${n}\t${JSON.stringify(o)}`);
      return;
    }
    for (const ev of o.events) {
      const doc = ev.toJSON();
      console.log(`${n}\t${formatNanos(ev.timestamp)}\t${JSON.stringify(doc)}`);
    }
  };
}
