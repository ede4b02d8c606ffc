/**
 * The semantic pass: AST → IR with every rule of ARCHITECTURE §4 checked.
 *
 * Resolves fields against the schema (modes `ecs` / `dynamic`), substitutes
 * manifest globals, type-checks operators and function calls, enforces the
 * dialect's syntax, checks sequence structure, folds constants, and reports
 * every problem found (not only the first) as a located diagnostic.
 *
 * @module
 */
import type {
  EventQuery,
  Expr,
  FieldRef,
  Literal,
  Match,
  Pipe,
  Query,
  SequenceQuery,
  Step,
  TimeUnit,
} from "./ast.ts";
import type { Dialect, GlobalValue, LuaResolver } from "./compile.ts";
import { type Diagnostic, locate, type Severity, type SourceOrigin } from "./errors.ts";
import type { IrEventQuery, IrExpr, IrPipe, IrStep, RuleIR } from "./ir.ts";
import {
  type ArgType,
  type FunctionSpec,
  lookupFunction,
  LUA_REF,
  mustBeLiteral,
} from "./functions.ts";
import { translateLuceneRegex } from "./lucene_regex.ts";
import { foldExpr } from "./fold.ts";
import type { Value } from "./value.ts";
import type { Schema, SchemaMode, ValueType } from "../engine/schema.ts";

/** Event categories Kestrel knows: ECS `event.category` values plus `dns` as public rules use it. */
export const KNOWN_CATEGORIES: ReadonlySet<string> = new Set([
  "any",
  "api",
  "authentication",
  "configuration",
  "database",
  "dns",
  "driver",
  "email",
  "file",
  "host",
  "iam",
  "intrusion_detection",
  "library",
  "malware",
  "network",
  "package",
  "process",
  "registry",
  "session",
  "threat",
  "vulnerability",
  "web",
]);

/** Nanoseconds per time unit of `maxspan`. */
export const UNIT_NS: Readonly<Record<TimeUnit, number>> = {
  nanos: 1,
  micros: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
};

/** Pipes that can only answer at the end of the input (query mode), never on a live stream. */
export const WHOLE_STREAM_PIPES: ReadonlySet<string> = new Set([
  "tail",
  "count",
  "unique_count",
  "sort",
]);

/** Largest `runs` a step may ask for. */
export const MAX_RUNS = 100;

/** Inputs of the semantic pass. */
export interface AnalyzeOptions {
  dialect: Dialect;
  schema: Schema;
  schemaMode: SchemaMode;
  globals: Record<string, GlobalValue>;
  origin: SourceOrigin;
  /** Rules on an unbounded stream: reject pipes that need the whole stream. */
  streaming: boolean;
  /** Resolves `lua("module.fn", …)`; absent: no Lua modules are loaded. */
  lua?: LuaResolver;
  source: string;
}

/** What a checked expression produces besides its IR. */
interface Typed {
  ir: IrExpr;
  type: ValueType | "null";
  /** Short description for type errors (`string field user.id`, `number 0`). */
  what: string;
}

const UNKNOWN: ValueType = "unknown";

/**
 * Checks a parsed query and lowers it to IR. Diagnostics are appended to the
 * returned list; the IR is returned only when there is no error.
 */
export function analyzeQuery(
  q: Query,
  o: AnalyzeOptions,
): { ir?: RuleIR; diagnostics: Diagnostic[] } {
  const a = new Analyzer(o);
  const ir = a.query(q);
  return a.errors ? { diagnostics: a.diagnostics } : { ir, diagnostics: a.diagnostics };
}

/** Checks a bare boolean expression (suppression conditions) and lowers it to IR. */
export function analyzeExpression(
  e: Expr,
  o: AnalyzeOptions,
): { ir?: IrExpr; diagnostics: Diagnostic[] } {
  const a = new Analyzer(o);
  const ir = a.condition(e);
  return a.errors ? { diagnostics: a.diagnostics } : { ir, diagnostics: a.diagnostics };
}

class Analyzer {
  readonly diagnostics: Diagnostic[] = [];
  errors = 0;
  private readonly fields = new Set<number>();
  private readonly categories = new Set<string>();
  private readonly warned = new Set<string>();
  /** Variables bound by legacy arraySearch/arrayCount, innermost last. */
  private readonly bound: string[] = [];

  constructor(private readonly o: AnalyzeOptions) {}

  private report(at: number, severity: Severity, message: string): void {
    if (severity === "error") this.errors++;
    this.diagnostics.push(locate(this.o.origin, this.o.source, at, severity, message));
  }

  private error(at: number, message: string): void {
    this.report(at, "error", message);
  }

  private warnOnce(at: number, message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.report(at, "warning", message);
  }

  private get legacy(): boolean {
    return this.o.dialect === "legacy";
  }

  private onlyIn(dialect: Dialect, at: number, what: string): boolean {
    if (this.o.dialect === dialect) return true;
    this.error(at, `${what} is only available in the ${dialect} dialect`);
    return false;
  }

  // ------------------------------------------------------------- queries

  query(q: Query): RuleIR {
    const body = q.body;
    const ir: RuleIR = {
      kind: body.kind,
      dialect: this.o.dialect,
      steps: [],
      pipes: [],
      fields: [],
      categories: [],
    };
    if (body.kind === "event") {
      ir.query = this.eventQuery(body);
    } else {
      if (body.kind === "join") this.onlyIn("legacy", body.at, "join");
      if (body.kind === "sample") this.onlyIn("elastic", body.at, "sample");
      const shared = body.by.map((k) => this.key(k));
      const word = body.kind;
      // `[q] with runs=3` stands for three steps, so one step with runs ≥ 2 is a valid sequence.
      const count = body.steps.reduce((n, s) => n + Math.max(1, s.runs ?? 1), 0);
      if (count < 2) this.error(body.at, `a ${word} needs at least 2 steps, found ${count}`);
      ir.steps = body.steps.map((s) => this.step(s, shared));
      if (body.kind === "sequence") this.sequenceChecks(body);
      if (body.kind !== "sample" && body.until) ir.until = this.step(body.until, shared);
      this.keyArity(body.by.length, body.steps, body.kind !== "sample" ? body.until : undefined);
      if (body.kind === "sequence" && body.maxspan) {
        ir.maxspanNs = body.maxspan.value * UNIT_NS[body.maxspan.unit];
        if (!(ir.maxspanNs > 0)) this.error(body.maxspan.at, "maxspan must be greater than zero");
        else if (!this.legacy && !Number.isInteger(body.maxspan.value)) {
          this.error(body.maxspan.at, "maxspan must be a whole number of time units");
        }
      }
    }
    ir.pipes = q.pipes.map((p) => this.pipe(p)).filter((p): p is IrPipe => p !== undefined);
    ir.fields = [...this.fields].sort((a, b) => a - b);
    ir.categories = [...this.categories].sort();
    return ir;
  }

  private sequenceChecks(body: SequenceQuery): void {
    const missing = body.steps.filter((s) => s.missing);
    if (missing.length && !this.legacy) {
      if (missing.length === body.steps.length) {
        this.error(body.at, "a sequence needs at least one step that is not a missing-event step");
      }
      if (!body.maxspan) this.error(missing[0].at, "missing-event steps ![…] need `with maxspan`");
    } else if (missing.length) {
      this.error(
        missing[0].at,
        "missing-event steps ![…] are only available in the elastic dialect",
      );
    }
  }

  /** Every step (and until) must have as many join keys as the first step. */
  private keyArity(shared: number, steps: readonly Step[], until?: Step): void {
    const expected = shared + (steps[0]?.by.length ?? 0);
    const check = (s: Step, name: string) => {
      const n = shared + s.by.length;
      if (n !== expected) {
        this.error(
          s.at,
          `${name} has ${n} join key${n === 1 ? "" : "s"}, but step 1 has ${expected}`,
        );
      }
    };
    steps.forEach((s, i) => check(s, `step ${i + 1}`));
    if (until) check(until, "until");
  }

  private step(s: Step, shared: IrExpr[]): IrStep {
    if (s.runs !== undefined) {
      if (this.onlyIn("elastic", s.runsAt ?? s.at, "`with runs`")) {
        if (!Number.isInteger(s.runs) || s.runs < 1 || s.runs > MAX_RUNS) {
          this.error(
            s.runsAt ?? s.at,
            `runs must be an integer from 1 to ${MAX_RUNS}, found ${s.runs}`,
          );
        }
        if (s.missing) this.error(s.runsAt ?? s.at, "a missing-event step cannot have runs");
      }
    }
    return {
      query: this.eventQuery(s.query),
      keys: [...shared, ...s.by.map((k) => this.key(k))],
      runs: s.runs ?? 1,
      missing: s.missing,
    };
  }

  private key(k: Expr): IrExpr {
    const t = this.expr(k);
    if (t.type === "boolean" && k.kind !== "field") {
      this.error(k.at, "a join key must be a field or value, not a condition");
    }
    if (t.ir.op === "const") this.error(k.at, "a join key must not be a constant");
    return t.ir;
  }

  private eventQuery(q: EventQuery): IrEventQuery {
    if (q.implicit && !this.legacy) {
      this.error(q.at, "expected `category where` before the condition (e.g. `any where …`)");
    }
    this.categories.add(q.category);
    if (this.o.schemaMode === "ecs" && !KNOWN_CATEGORIES.has(q.category)) {
      this.warnOnce(q.categoryAt, `unknown event category "${q.category}"`);
    }
    return { category: q.category, predicate: this.condition(q.condition) };
  }

  /** A boolean condition. */
  condition(e: Expr): IrExpr {
    const t = this.expr(e);
    this.needBoolean(e, t);
    return t.ir;
  }

  private needBoolean(e: Expr, t: Typed): void {
    if (t.type !== "boolean" && t.type !== UNKNOWN && t.type !== "null") {
      this.error(e.at, `expected a condition, found ${t.what}`);
    }
  }

  private pipe(p: Pipe): IrPipe | undefined {
    if (this.o.streaming && WHOLE_STREAM_PIPES.has(p.name)) {
      this.error(
        p.at,
        `pipe "${p.name}" needs the whole event stream, so a rule cannot use it ` +
          `(rules may use head, unique and filter; "${p.name}" works with kestrel query)`,
      );
      return undefined;
    }
    if (
      p.name !== "head" && p.name !== "tail" && !this.onlyIn("legacy", p.at, `pipe "${p.name}"`)
    ) {
      return undefined;
    }
    switch (p.name) {
      case "head":
      case "tail": {
        // Legacy EQL defaults the count to 50.
        if (this.legacy && p.args.length === 0) return { name: p.name, count: 50 };
        const arg = p.args[0];
        if (p.args.length !== 1 || arg.kind !== "number" || !arg.integer || arg.value < 1) {
          this.error(arg?.at ?? p.at, `pipe "${p.name}" needs one positive integer`);
          return undefined;
        }
        return { name: p.name, count: arg.value };
      }
      case "filter": {
        if (p.args.length !== 1) {
          this.error(p.at, `pipe "filter" needs one condition`);
          return undefined;
        }
        return { name: "filter", predicate: this.condition(p.args[0]) };
      }
      default: {
        if (p.name !== "count" && p.args.length === 0) {
          this.error(p.at, `pipe "${p.name}" needs at least one field`);
        }
        return { name: p.name, keys: p.args.map((a) => this.expr(a).ir) };
      }
    }
  }

  // ---------------------------------------------------------- expressions

  private expr(e: Expr): Typed {
    switch (e.kind) {
      case "string":
      case "number":
      case "boolean":
      case "null":
        return this.literal(e);
      case "field":
        return this.field(e);
      case "global": {
        const v = this.global(e.name, e.at);
        if (Array.isArray(v)) {
          this.error(e.at, `global $${e.name} is a list; use it where a list is expected`);
          return { ir: { op: "const", value: null }, type: "null", what: `$${e.name}` };
        }
        return constant(v ?? null, `$${e.name}`);
      }
      case "logical": {
        const args = e.operands.map((o) => {
          const t = this.expr(o);
          this.needBoolean(o, t);
          return t.ir;
        });
        return this.fold({ op: e.op, args }, "boolean", `${e.op} expression`);
      }
      case "not": {
        const t = this.expr(e.operand);
        this.needBoolean(e.operand, t);
        return this.fold({ op: "not", arg: t.ir }, "boolean", "not expression");
      }
      case "compare": {
        if (e.op === "=" && !this.legacy) this.error(e.at, "use == for equality, not =");
        const cmp = e.op === "=" ? "==" : e.op;
        const l = this.expr(e.left), r = this.expr(e.right);
        const ordering = cmp !== "==" && cmp !== "!=";
        this.comparable(e.at, l, r, ordering);
        const wildcard = this.legacy && !ordering && r.ir.op === "const" &&
          typeof r.ir.value === "string" &&
          r.ir.value.includes("*");
        return this.fold(
          { op: "compare", cmp, left: l.ir, right: r.ir, caseInsensitive: this.legacy, wildcard },
          "boolean",
          "comparison",
        );
      }
      case "in":
        return this.inExpr(e);
      case "match":
        return this.match(e);
      case "arith": {
        const l = this.expr(e.left), r = this.expr(e.right);
        for (const [t, node] of [[l, e.left], [r, e.right]] as const) {
          if (!isNumeric(t.type)) {
            this.error(node.at, `operator ${e.op} needs numbers, found ${t.what}`);
          }
        }
        return this.fold(
          { op: "arith", arith: e.op, left: l.ir, right: r.ir },
          "number",
          "arithmetic",
        );
      }
      case "negate": {
        const t = this.expr(e.operand);
        if (!isNumeric(t.type)) {
          this.error(e.operand.at, `unary minus needs a number, found ${t.what}`);
        }
        return this.fold({ op: "negate", arg: t.ir }, "number", "arithmetic");
      }
      case "call":
        return this.call(e);
      case "lineage": {
        this.onlyIn("legacy", e.at, `"${e.relation} of"`);
        return {
          ir: { op: "lineage", relation: e.relation, query: this.eventQuery(e.query) },
          type: "boolean",
          what: "lineage",
        };
      }
    }
  }

  private literal(l: Literal): Typed {
    if (l.kind === "string") {
      if (!this.legacy && (l.style === "single" || l.style === "raw")) {
        this.error(
          l.at,
          l.style === "single"
            ? "single-quoted strings are only valid in the legacy dialect; use double quotes"
            : '?"raw" strings are only valid in the legacy dialect; use """raw"""',
        );
      }
      if (this.legacy && l.style === "triple") {
        this.error(l.at, '"""raw""" strings are only valid in the elastic dialect');
      }
      const bad = (l as { badEscape?: { at: number; message: string } }).badEscape;
      if (bad && !this.legacy) this.error(bad.at, bad.message);
      return constant(l.value, JSON.stringify(l.value));
    }
    if (l.kind === "null") return constant(null, "null");
    return constant(l.value, String(l.value));
  }

  private field(f: FieldRef): Typed {
    const name = f.path.join(".");
    if (f.path.some((segment) => segment === "")) {
      this.error(f.at, "a field name cannot be empty");
      return { ir: { op: "const", value: null }, type: UNKNOWN, what: "empty field" };
    }
    const bound = this.bound.lastIndexOf(f.path[0]);
    if (bound >= 0) {
      return {
        ir: { op: "bound", name: f.path[0], path: f.path.slice(1) },
        type: UNKNOWN,
        what: name,
      };
    }
    if (f.optional && !this.onlyIn("elastic", f.at, "optional field ?" + name)) {
      return { ir: { op: "const", value: null }, type: UNKNOWN, what: name };
    }
    let index: number | undefined;
    if (f.index) {
      const last = f.index.length - 1;
      if (f.index.some((i, n) => i !== undefined && n !== last)) {
        this.error(f.at, "an array subscript is only supported on the last segment of a field");
      }
      index = f.index[last];
      if (index !== undefined) this.onlyIn("legacy", f.at, "array subscript");
    }
    let info = this.o.schema.lookup(name);
    if (!info) {
      if (this.o.schemaMode === "dynamic" || f.optional) {
        info = this.o.schema.admit(name, UNKNOWN);
      } else if (this.o.schema.isObjectPrefix(name)) {
        this.error(f.at, `"${name}" is an object, not a field`);
        return { ir: { op: "const", value: null }, type: UNKNOWN, what: name };
      } else {
        this.error(
          f.at,
          `unknown field "${name}" (not in the ECS schema; use --schema dynamic for other logs)`,
        );
        return { ir: { op: "const", value: null }, type: UNKNOWN, what: name };
      }
    } else if (info.type === "object") {
      this.error(f.at, `"${name}" is an object, not a field`);
    } else if (this.o.schemaMode === "ecs" && !info.populated && info.origin !== "dynamic") {
      this.warnOnce(f.at, `field "${name}" is never populated by the Linux sensor`);
    }
    this.fields.add(info.id);
    const type = info.type;
    return {
      ir: {
        op: "field",
        id: info.id,
        name,
        type,
        array: info.array && index === undefined,
        optional: f.optional,
        ...(index !== undefined ? { index } : {}),
      },
      type,
      what: `${type === UNKNOWN ? "" : type + " "}field ${name}`,
    };
  }

  private global(name: string, at: number): GlobalValue | undefined {
    if (!Object.hasOwn(this.o.globals, name)) {
      this.error(at, `unknown global $${name}`);
      return undefined;
    }
    return this.o.globals[name];
  }

  /** A list position: globals holding lists are spread into it. */
  private list(items: readonly Expr[]): { t: Typed; at: number }[] {
    const out: { t: Typed; at: number }[] = [];
    for (const item of items) {
      if (item.kind === "global") {
        const v = this.global(item.name, item.at);
        if (v === undefined) continue;
        for (const x of Array.isArray(v) ? v : [v]) {
          out.push({ t: constant(x, `$${item.name}`), at: item.at });
        }
      } else {
        out.push({ t: this.expr(item), at: item.at });
      }
    }
    return out;
  }

  private inExpr(e: Expr & { kind: "in" }): Typed {
    const s = this.expr(e.subject);
    if (e.insensitive) {
      this.onlyIn("elastic", e.at, "in~");
      if (!isStringy(s.type)) this.error(e.subject.at, `in~ needs a string, found ${s.what}`);
    }
    const values = this.list(e.values);
    if (values.length === 0) this.error(e.at, "in needs at least one value");
    for (const v of values) this.comparable(v.at, s, v.t, false);
    const wildcard = this.legacy &&
      values.some((v) =>
        v.t.ir.op === "const" && typeof v.t.ir.value === "string" && v.t.ir.value.includes("*")
      );
    return this.fold(
      {
        op: "in",
        subject: s.ir,
        values: values.map((v) => v.t.ir),
        negated: e.negated,
        caseInsensitive: e.insensitive || this.legacy,
        wildcard,
      },
      "boolean",
      "in expression",
    );
  }

  private match(e: Match): Typed {
    if (!this.onlyIn("elastic", e.at, `operator ${e.op}`)) {
      return { ir: { op: "const", value: false }, type: "boolean", what: "match" };
    }
    const s = this.expr(e.subject);
    if (!isStringy(s.type)) {
      this.error(e.subject.at, `operator ${e.op} needs a string, found ${s.what}`);
    }
    const patterns: string[] = [];
    const regex = e.op.startsWith("regex");
    for (const p of this.list(e.patterns)) {
      if (p.t.ir.op !== "const" || typeof p.t.ir.value !== "string") {
        this.error(p.at, `operator ${e.op} needs string literal patterns, found ${p.t.what}`);
        continue;
      }
      const problem = regex ? translateLuceneRegex(p.t.ir.value) : null;
      if (problem && "error" in problem) {
        // +1 skips the opening quote; exact for patterns written without escapes.
        this.error(
          p.at + 1 + problem.offset,
          `invalid ${regex ? "regular expression" : "pattern"}: ${problem.error}`,
        );
      }
      patterns.push(p.t.ir.value);
    }
    return this.fold(
      {
        op: "match",
        kind: regex ? "regex" : "wildcard",
        caseInsensitive: e.op === ":" || e.op.endsWith("~"),
        subject: s.ir,
        patterns,
      },
      "boolean",
      "match",
    );
  }

  private call(e: Expr & { kind: "call" }): Typed {
    const spec = lookupFunction(e.name, this.o.dialect);
    const fail: Typed = { ir: { op: "const", value: null }, type: UNKNOWN, what: `${e.name}()` };
    if (!spec) {
      const other = lookupFunction(e.name, this.legacy ? "elastic" : "legacy");
      this.error(
        e.at,
        other
          ? `function ${other.name} is only available in the ${
            this.legacy ? "elastic" : "legacy"
          } dialect`
          : `unknown function ${e.name}`,
      );
      e.args.forEach((a) => this.expr(a));
      return fail;
    }
    if (e.insensitive && (!spec.insensitiveVariant || this.legacy)) {
      this.error(e.at, `function ${spec.name} has no case-insensitive (~) variant`);
    }
    if (spec.special === "bind") return this.bindCall(e, spec);
    const args = this.list(e.args);
    if (args.length < spec.minArgs || args.length > spec.maxArgs) {
      this.error(e.at, `function ${spec.name} takes ${arity(spec)}, found ${args.length}`);
      return fail;
    }
    args.forEach((a, i) => {
      const want: ArgType = i < spec.params.length ? spec.params[i] : spec.rest ?? "any";
      if (!argFits(want, a.t.type)) {
        this.error(
          a.at,
          `argument ${i + 1} of ${spec.name} must be ${article(want)}, found ${a.t.what}`,
        );
      }
      if (mustBeLiteral(spec, i)) {
        if (a.t.ir.op !== "const") {
          this.error(a.at, `argument ${i + 1} of ${spec.name} must be a literal`);
        } else {
          const problem = spec.checkLiteral?.(a.t.ir.value, i);
          if (problem) {
            this.error(
              a.at + (problem.offset !== undefined ? 1 + problem.offset : 0),
              problem.error,
            );
          }
        }
      }
    });
    if (spec.special === "lua" && args[0]) this.luaRef(args[0]);
    const type: ValueType = spec.returns === "any" ? UNKNOWN : spec.returns;
    return this.fold(
      {
        op: "call",
        fn: spec.name,
        caseInsensitive: e.insensitive || this.legacy,
        args: args.map((a) => a.t.ir),
      },
      type,
      `${spec.name}()`,
    );
  }

  /** `lua("module.fn", …)`: the module and function must be loaded (a bad literal is reported already). */
  private luaRef(a: { t: Typed; at: number }): void {
    const ref = a.t.ir.op === "const" ? a.t.ir.value : null;
    const m = typeof ref === "string" ? LUA_REF.exec(ref) : null;
    if (!m) return;
    const problem = this.o.lua
      ? this.o.lua.resolve(m[1], m[2])
      : `lua(${JSON.stringify(ref)}): no Lua modules are loaded here`;
    if (problem) this.error(a.at, problem);
  }

  /** Legacy arraySearch/arrayCount(array, var, condition): the condition sees `var` bound to each element. */
  private bindCall(e: Expr & { kind: "call" }, spec: FunctionSpec): Typed {
    if (e.args.length !== 3) {
      this.error(e.at, `function ${spec.name} takes 3 arguments, found ${e.args.length}`);
      return { ir: { op: "const", value: null }, type: UNKNOWN, what: spec.name };
    }
    const [arr, variable, cond] = e.args;
    const array = this.expr(arr);
    if (variable.kind !== "field" || variable.path.length !== 1 || variable.optional) {
      this.error(variable.at, `argument 2 of ${spec.name} must be a variable name`);
      return { ir: { op: "const", value: null }, type: UNKNOWN, what: spec.name };
    }
    this.bound.push(variable.path[0]);
    const c = this.condition(cond);
    this.bound.pop();
    return {
      ir: {
        op: "call",
        fn: spec.name,
        caseInsensitive: true,
        args: [array.ir, { op: "const", value: variable.path[0] }, c],
      },
      type: spec.returns === "any" ? UNKNOWN : spec.returns,
      what: `${spec.name}()`,
    };
  }

  /** Reports comparisons between values of incompatible types. */
  private comparable(at: number, l: Typed, r: Typed, ordering: boolean): void {
    if (ordering) {
      for (const t of [l, r]) {
        if (t.type === "boolean" || t.type === "null") {
          this.error(at, `cannot order ${t.what}`);
          return;
        }
      }
    }
    if (!compatible(l.type, r.type)) this.error(at, `cannot compare ${l.what} with ${r.what}`);
  }

  /** Folds a node whose operands are all constants; otherwise returns it as is. */
  private fold(ir: IrExpr, type: ValueType, what: string): Typed {
    const folded = foldExpr(ir, this.o.dialect);
    if (folded.op === "const") return constant(folded.value, what, type);
    return { ir: folded, type, what };
  }
}

function constant(value: Value, what: string, type?: ValueType): Typed {
  return {
    ir: { op: "const", value },
    type: type ?? typeOf(value),
    what: value === null ? "null" : `${typeOf(value)} ${what}`,
  };
}

function typeOf(v: Value): ValueType | "null" {
  if (v === null) return "null";
  if (Array.isArray(v)) return UNKNOWN;
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  return "boolean";
}

function isNumeric(t: ValueType | "null"): boolean {
  return t === "number" || t === UNKNOWN || t === "null" || t === "date";
}

function isStringy(t: ValueType | "null"): boolean {
  return t === "string" || t === "ip" || t === UNKNOWN || t === "null" || t === "date";
}

/** Which value types may be compared with each other. */
function compatible(a: ValueType | "null", b: ValueType | "null"): boolean {
  if (a === b || a === UNKNOWN || b === UNKNOWN || a === "null" || b === "null") return true;
  const pair = new Set([a, b]);
  // IPs and dates are written as strings; dates also as epoch numbers.
  return (pair.has("string") && (pair.has("ip") || pair.has("date"))) ||
    (pair.has("number") && pair.has("date"));
}

function argFits(want: ArgType, got: ValueType | "null"): boolean {
  if (got === UNKNOWN || got === "null" || want === "any" || want === "expression") return true;
  if (want === "ip") return got === "ip" || got === "string";
  if (want === "string") return got === "string" || got === "ip" || got === "date";
  if (want === "number") return got === "number" || got === "date";
  return got === want;
}

function article(t: ArgType): string {
  return t === "ip" ? "an ip" : t === "any" ? "a value" : `a ${t}`;
}

function arity(spec: FunctionSpec): string {
  const n = (k: number) => `${k} argument${k === 1 ? "" : "s"}`;
  if (spec.maxArgs === Infinity) return `at least ${n(spec.minArgs)}`;
  if (spec.minArgs === spec.maxArgs) return n(spec.minArgs);
  return `${spec.minArgs} to ${n(spec.maxArgs)}`;
}
