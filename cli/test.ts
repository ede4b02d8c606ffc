/**
 * `kestrel test`: shows, event by event, whether one rule matches, and for
 * the events it does not match, the first condition that failed — the
 * category, or the first top-level conjunct of the condition that is not
 * true. Sequence rules show which steps each event satisfies, then the
 * sequences that completed.
 *
 * @module
 */
import { compileExpression } from "../eql/compile.ts";
import type { EventQuery, Query } from "../eql/ast.ts";
import { printExpr } from "../eql/printer.ts";
import { formatDiagnostics } from "../eql/errors.ts";
import { Schema } from "../engine/schema.ts";
import { type Event, FieldPaths } from "../engine/event.ts";
import { Engine } from "../engine/engine.ts";
import { compilePredicate, type Predicate, type RuntimeContext } from "../runtimes/js/mod.ts";
import { type LoadedRule, loadRules } from "../rules/loader/mod.ts";
import { EVENT_FLAGS, eventFlags, openEvents } from "./events.ts";
import { EXIT, parseFlags, required } from "./usage.ts";

const HELP = `Usage: kestrel test --rules DIR --rule ID --events FILE|- [options]

Shows which events rule ID matches and, for each other event, the first
condition that failed.

Options:
  --rules DIR                 rule directory or file (required)
  --rule ID                   the rule to test (required)
  --events FILE|-             NDJSON event log (required)
  --timestamp-field FIELD     event time field (default @timestamp)
  --category-field FIELD      event category field (default event.category)
  --reorder-window DURATION   sort events this far out of order (e.g. 2s; default 0)
  -h, --help                  show this help`;

/** One explained condition: the text shown and its compiled predicate. */
interface Check {
  text: string;
  test: Predicate;
}

/** Runs `kestrel test`; returns the exit code. */
export async function testCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("test", argv, {
    rules: { type: "string" },
    rule: { type: "string" },
    ...EVENT_FLAGS,
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const rulesPath = required("test", "--rules DIR", values.rules);
  const ruleId = required("test", "--rule ID", values.rule);
  const log = eventFlags("test", values);

  const schema = Schema.ecs();
  const loaded = await loadRules(rulesPath, { schema });
  const rule = loaded.rules.find((r) => r.id === ruleId);
  if (!rule) {
    const errors = loaded.diagnostics.filter((d) => d.severity === "error");
    if (errors.length) console.error(formatDiagnostics(errors));
    console.error(`kestrel test: no valid rule with id "${ruleId}" under ${rulesPath}`);
    return EXIT.failed;
  }
  const categoryField = log.categoryField ?? "event.category";
  const explainers = stepExplainers(rule, schema, categoryField, loaded.manifest?.globals ?? {});
  const matched: string[] = [];
  const engine = new Engine([rule], {
    schema,
    categoryField,
    onMatch: (m) => matched.push(m.events.map((e) => `line ${e.seq}`).join(", ")),
  });
  const source = await openEvents(log.events, {
    paths: new FieldPaths(schema),
    timestampField: log.timestampField,
    reorderWindowNs: log.reorderWindowNs,
    command: "test",
  });
  const single = rule.ir.kind === "event";
  for await (const batch of source.batches) {
    for (const ev of batch) {
      const before = matched.length;
      engine.process(ev);
      if (single) {
        console.log(
          matched.length > before
            ? `line ${ev.seq}: match`
            : `line ${ev.seq}: no match: ${explainers[0](ev)}`,
        );
      } else {
        const steps = explainers.map((explain, i) => ({ i, why: explain(ev) })).filter((s) =>
          s.why === ""
        );
        console.log(
          `line ${ev.seq}: ${
            steps.length
              ? "satisfies step " + steps.map((s) => s.i + 1).join(", ")
              : "satisfies no step"
          }`,
        );
      }
    }
    if (batch.watermarkNs !== undefined) engine.advanceWatermark(batch.watermarkNs);
  }
  if (!single) {
    for (const m of matched) console.log(`sequence matched: ${m}`);
  }
  console.log(`${rule.id}: ${matched.length} match${matched.length === 1 ? "" : "es"}`);
  return EXIT.ok;
}

/**
 * For each event query of the rule (one, or one per step), a function that
 * returns "" when the event satisfies it, else the first failing condition.
 */
function stepExplainers(
  rule: LoadedRule,
  schema: Schema,
  categoryField: string,
  globals: Record<string, import("../eql/compile.ts").GlobalValue>,
): ((ev: Event) => string)[] {
  const categoryId = schema.lookup(categoryField)?.id;
  const ctx: RuntimeContext = { dialect: rule.dialect, categoryMatcher: () => () => true };
  const queries = eventQueries(rule.ast);
  return queries.map((q) => {
    const conjuncts = q.condition.kind === "logical" && q.condition.op === "and"
      ? q.condition.operands
      : [q.condition];
    const checks: Check[] = conjuncts.map((c) => {
      const text = printExpr(c);
      const compiled = compileExpression(text, {
        schema,
        dialect: rule.dialect,
        schemaMode: "dynamic",
        globals,
      });
      return { text, test: compiled.ir ? compilePredicate(compiled.ir, ctx) : () => false };
    });
    return (ev: Event) => {
      if (q.category !== "any" && categoryId !== undefined) {
        const v = ev.get(categoryId);
        if (v !== q.category && !(Array.isArray(v) && v.includes(q.category))) {
          return `category is ${JSON.stringify(v ?? null)}, the rule needs ${q.category}`;
        }
      }
      const failed = checks.find((c) => !c.test(ev));
      return failed ? `${failed.text} is not true` : "";
    };
  });
}

function eventQueries(ast: Query): EventQuery[] {
  const body = ast.body;
  return body.kind === "event" ? [body] : body.steps.map((s) => s.query);
}
