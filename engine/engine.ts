/**
 * The detection engine: events in, rule matches out.
 *
 * Wires the pieces: one pass of the rule index per event (by category and
 * literal prefilter) finds the candidate single-event rules, the sequence
 * steps that can match and the lineage subqueries worth evaluating; the
 * lineage tracker then sees the event before any rule; the candidate
 * rules' compiled predicates run in rule order; the sequence rules with an
 * open step get the event, and the watermark follows event time. Time is
 * only ever the events' own timestamps (or an explicit heartbeat), never
 * the wall clock, so the same input always gives the same matches in the
 * same order (ARCHITECTURE §2).
 *
 * @module
 */
import type { IrEventQuery, IrExpr, RuleIR } from "../eql/ir.ts";
import { isMatch, PipeChain } from "./pipes.ts";
import type { Dialect } from "../eql/compile.ts";
import type { Value } from "../eql/value.ts";
import type { Event } from "./event.ts";
import type { Schema } from "./schema.ts";
import { RuleIndex } from "./index.ts";
import { StepGate } from "./step_gate.ts";
import { findPrefilter, type Prefilter, prefilterCost } from "./prefilter.ts";
import { LineageTracker } from "./lineage.ts";
import type { Lineage } from "./lineage_api.ts";
import {
  type CompiledStep,
  makeKey,
  SequenceEngine,
  type SequenceMatch,
  type SequenceSpec,
} from "./nfa.ts";
import { DEFAULT_QUOTAS, type Quotas } from "./state.ts";
import {
  compileEventQuery,
  compileGetter,
  compilePredicate,
  type LuaHost,
  type Predicate,
  type RuntimeContext,
} from "../runtimes/js/mod.ts";

/** What the engine needs of a rule. `LoadedRule` from the loader satisfies it. */
export interface EngineRule {
  id: string;
  dialect: Dialect;
  ir: RuleIR;
  /** Conditions that silence a match when any matched event satisfies one. */
  suppressions?: readonly IrExpr[];
  /** Runs the rule's `lua()` predicates; the loader sets it for rules that call Lua. */
  lua?: LuaHost;
}

/** Where a predicate sits in the rule list, for runtimes that compile a whole ruleset ahead. */
export interface PredicateSite {
  /** Index of the rule in the engine's rule list. */
  rule: number;
  /** The event rule's query, a sequence step (`index` in `ir.steps`), `until`, or a suppression. */
  part: "query" | "step" | "until" | "suppression";
  index: number;
}

/** Compiles `category where predicate` at `site`; the JavaScript runtime unless told otherwise. */
export type PredicateCompiler = (
  q: IrEventQuery,
  ctx: RuntimeContext,
  site: PredicateSite,
) => Predicate;

/** One match of one rule. */
export interface Match {
  /** Index of the rule in the engine's rule list. */
  rule: number;
  kind: "event" | "sequence";
  /** Matched events in order: one for event rules, the steps' events for sequences. */
  events: Event[];
  /** The join-key tuple as text, for sequences with `by`. */
  entity?: string;
}

export { DEFAULT_QUOTAS, type Quotas } from "./state.ts";

/** Engine options. */
export interface EngineOptions {
  schema: Schema;
  /** Receives every match, in deterministic order. */
  onMatch: (m: Match) => void;
  quotas?: Quotas;
  /** Field holding the event category; `event.category` (ECS) by default, `event_type` for legacy logs. */
  categoryField?: string;
  /** Process entity and parent entity fields for legacy lineage. */
  entityField?: string;
  parentEntityField?: string;
  /**
   * Take over sequence state from the engine this one replaces (a reload,
   * ARCHITECTURE §2): the partial matches of the rules named in `keep` —
   * those whose id and text hash are unchanged, see {@link unchangedRules} —
   * and the event-time watermark. `from` gives its state up: use only the
   * new engine after. Lineage history and pipe state (`head`) start empty.
   */
  carryOver?: { from: Engine; keep: Iterable<string> };
  /** Compiles the rules' predicates (e.g. the Wasm runtime's); the JavaScript runtime by default. */
  predicates?: PredicateCompiler;
}

/** What {@link unchangedRules} compares: a rule's id and text hash (the loader's `LoadedRule`). */
export interface HashedRule {
  id: string;
  hash: string;
}

/** Ids of the rules of `next` whose id and hash are also in `before`: their sequence state carries over. */
export function unchangedRules(
  before: readonly HashedRule[],
  next: readonly HashedRule[],
): string[] {
  const old = new Map(before.map((r) => [r.id, r.hash]));
  return next.filter((r) => old.get(r.id) === r.hash).map((r) => r.id);
}

/** Counters the engine keeps. */
export interface EngineStats {
  events: number;
  /** Single-event rule evaluations (after the index). */
  evaluations: number;
  matches: number;
  suppressed: number;
}

interface EventRule {
  rule: number;
  predicate: Predicate;
}

/** The engine over one immutable ruleset. */
export class Engine {
  readonly rules: readonly EngineRule[];
  readonly #opts: EngineOptions;
  readonly #categoryId: number;
  readonly #eventRules: (EventRule | undefined)[] = [];
  readonly #index: RuleIndex;
  /** Opens the sequence steps an event can match (spec indexes, not rule indexes). */
  readonly #gate = new StepGate();
  readonly #sequences: SequenceEngine | undefined;
  readonly #seqRuleOf: number[] = [];
  readonly #suppress: (Predicate[] | undefined)[] = [];
  /** Per-rule pipes (`head`, `unique`, `filter`), applied as matches stream. */
  readonly #pipes: (PipeChain | undefined)[] = [];
  readonly #lineage: LineageTracker | undefined;
  /** Lineage subqueries by handle, as registered, for the index to gate them. */
  readonly #subqueries: { query: IrEventQuery | undefined; dialect: Dialect }[] = [];
  /** Per handle: 1 when the index lets the subquery see the current event. */
  readonly #subqueryOpen: Uint8Array;
  readonly #candidates: number[] = [];
  /** Index ids from this one on are sequence steps (id − offset). */
  readonly #stepOffset: number;
  /** Index ids from this one on are lineage subqueries (id − offset is the handle). */
  readonly #subqueryOffset: number;
  #watermark = -1n;
  readonly stats: EngineStats = { events: 0, evaluations: 0, matches: 0, suppressed: 0 };

  /** Compiles `rules` for execution. Throws if a rule cannot run (use the loader's validation first). */
  constructor(rules: readonly EngineRule[], opts: EngineOptions) {
    this.rules = rules;
    this.#opts = opts;
    const schema = opts.schema;
    // A category field no rule names (a legacy log's event_type) is still read.
    const categoryField = opts.categoryField ?? "event.category";
    this.#categoryId = (schema.lookup(categoryField) ?? schema.admit(categoryField, "unknown")).id;
    const usesLineage = rules.some((r) => JSON.stringify(r.ir).includes('"op":"lineage"'));
    if (usesLineage) {
      this.#lineage = new LineageTracker({
        schema,
        entityField: opts.entityField ?? "process.entity_id",
        parentEntityField: opts.parentEntityField ?? "process.parent.entity_id",
      });
    }
    const entries = [];
    const specs: SequenceSpec[] = [];
    const compile: PredicateCompiler = opts.predicates ?? ((q, ctx) => compileEventQuery(q, ctx));
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i];
      const ctx = { ...this.#context(r.dialect), rule: r.id, lua: r.lua };
      this.#suppress[i] = r.suppressions?.length
        ? r.suppressions.map((s, index) =>
          compile({ category: "any", predicate: s }, ctx, { rule: i, part: "suppression", index })
        )
        : undefined;
      const ir = r.ir;
      if (ir.pipes.length) {
        this.#pipes[i] = new PipeChain(
          ir.pipes,
          (e) => compileGetter(e, ctx),
          (e) => compilePredicate(e, ctx),
          { foldCase: r.dialect === "legacy" },
        );
      }
      if (ir.kind === "event" && ir.query) {
        const fieldName = (id: number) => schema.byId(id).name;
        const prefilter = findPrefilter(
          ir.query.predicate,
          r.dialect === "legacy" ? "*" : "*?",
          fieldName,
        );
        // The index only offers a rule for events of its category, so the
        // predicate need not test the category again.
        const predicate = compile(
          {
            category: "any",
            predicate: orderConjuncts(ir.query.predicate, fieldName, prefilter),
          },
          ctx,
          { rule: i, part: "query", index: 0 },
        );
        this.#eventRules[i] = { rule: i, predicate };
        const branches = ir.query.category === "any"
          ? this.#categoryBranches(ir.query.predicate)
          : undefined;
        if (branches === undefined) {
          entries.push({ rule: i, categories: [ir.query.category], prefilter });
        } else {
          // `any where (event.category == "file" and …) or (… "process" …)`:
          // one entry per branch, under the branch's categories.
          const wildcards = r.dialect === "legacy" ? "*" : "*?";
          for (const b of branches) {
            const p = findPrefilter(b.predicate, wildcards, fieldName);
            entries.push({ rule: i, categories: b.categories, prefilter: p });
          }
        }
      } else {
        this.#seqRuleOf.push(i);
        specs.push(
          sequenceSpec(
            r,
            ctx,
            (id) => schema.byId(id).name,
            this.#gate,
            specs.length,
            (q, site) => compile(q, ctx, { rule: i, ...site }),
          ),
        );
      }
    }
    // One index over event rules, sequence steps and lineage subqueries:
    // one pass per event finds all three. Ids are laid out in that order,
    // so the sorted candidates list event rules (in rule order) first.
    this.#stepOffset = rules.length;
    for (const e of this.#gate.entries) {
      entries.push({ ...e, rule: this.#stepOffset + e.rule });
    }
    this.#subqueryOffset = this.#stepOffset + this.#gate.entries.length;
    this.#subqueries.forEach(({ query, dialect }, h) => {
      const rule = this.#subqueryOffset + h;
      // A subquery registered without its query is offered every event.
      if (query === undefined) entries.push({ rule, categories: ["any"] });
      else {
        const fieldName = (id: number) => schema.byId(id).name;
        const wildcards = dialect === "legacy" ? "*" : "*?";
        const prefilter = findPrefilter(query.predicate, wildcards, fieldName);
        entries.push({ rule, categories: [query.category], prefilter });
      }
    });
    this.#subqueryOpen = new Uint8Array(this.#subqueries.length);
    this.#index = new RuleIndex(entries);
    this.#gate.seal();
    const previous = opts.carryOver;
    if (specs.length) {
      const quotas = opts.quotas ?? DEFAULT_QUOTAS;
      const onMatch = (m: SequenceMatch) => this.#onSequence(m);
      const from = previous === undefined ? undefined : previous.from.#sequences;
      this.#sequences = from !== undefined
        ? from.carryOver(specs, previous!.keep, { quotas, onMatch })
        : new SequenceEngine(specs, quotas, onMatch);
    }
    if (previous !== undefined) this.#watermark = previous.from.#watermark;
  }

  #context(dialect: Dialect): RuntimeContext {
    const tracker = this.#lineage;
    // Subqueries are registered with the tracker and remembered here, so
    // the index can tell the tracker which ones an event can match.
    const lineage: Lineage | undefined = tracker && {
      register: (matches, query) => {
        const h = tracker.register(matches);
        this.#subqueries[h] = { query, dialect };
        return h;
      },
      test: (handle, relation, ev) => tracker.test(handle, relation, ev),
    };
    return { dialect, categoryMatcher: (category) => this.#categoryMatcher(category), lineage };
  }

  /**
   * The branches of an `or` each of which requires the category field to
   * equal one of some literals (case-sensitively), with those categories;
   * undefined unless every branch does.
   */
  #categoryBranches(
    predicate: IrExpr,
  ): { categories: string[]; predicate: IrExpr }[] | undefined {
    if (predicate.op !== "or") return undefined;
    const out = [];
    for (const branch of predicate.args) {
      const conjuncts = branch.op === "and" ? branch.args : [branch];
      let categories: string[] | undefined;
      for (const c of conjuncts) {
        categories ??= this.#categoryLiterals(c);
      }
      if (categories === undefined) return undefined;
      out.push({ categories, predicate: branch });
    }
    return out;
  }

  /** The literals of `category == "x"` or `category in ("x", "y")`, case-sensitive forms only. */
  #categoryLiterals(c: IrExpr): string[] | undefined {
    const isCategory = (e: IrExpr) =>
      e.op === "field" && e.id === this.#categoryId && e.index === undefined;
    const texts = (es: readonly IrExpr[]) => {
      const out: string[] = [];
      for (const e of es) {
        if (e.op !== "const" || typeof e.value !== "string") return undefined;
        out.push(e.value);
      }
      return out.length ? out : undefined;
    };
    if (c.op === "compare") {
      if (c.cmp !== "==" || c.caseInsensitive || c.wildcard || !isCategory(c.left)) {
        return undefined;
      }
      return texts([c.right]);
    }
    if (c.op === "in") {
      if (c.negated || c.caseInsensitive || c.wildcard || !isCategory(c.subject)) return undefined;
      return texts(c.values);
    }
    return undefined;
  }

  #categoryMatcher(category: string): (ev: Event) => boolean {
    if (category === "any") return () => true;
    const id = this.#categoryId;
    return (ev) => {
      const v = ev.get(id);
      return v === category || (Array.isArray(v) && v.includes(category));
    };
  }

  /** Runs one event through every rule. Events must come in timestamp order (the readers ensure it). */
  process(ev: Event): void {
    const stats = this.stats;
    stats.events++;
    // The index only reads fields, so it may run before the lineage tracker
    // learns from the event; rules are evaluated after both.
    const candidates = this.#candidates;
    this.#index.candidatesFor(ev, ev.get(this.#categoryId), candidates);
    let end = candidates.length;
    const lineage = this.#lineage;
    if (lineage !== undefined) {
      const open = this.#subqueryOpen, offset = this.#subqueryOffset;
      if (open.length === this.#subqueries.length) {
        // Subquery ids come last: take them off the end.
        for (let h = 0; h < open.length; h++) open[h] = 0; // a builtin call costs more for a few
        while (end > 0 && candidates[end - 1] >= offset) open[candidates[--end] - offset] = 1;
        lineage.observe(ev, open);
      } else {
        // Registered after the index was built (not by this engine): evaluate them all.
        while (end > 0 && candidates[end - 1] >= offset) end--;
        lineage.observe(ev);
      }
    }
    const eventRules = this.#eventRules, stepOffset = this.#stepOffset;
    let i = 0;
    for (; i < end; i++) {
      const id = candidates[i];
      if (id >= stepOffset) break;
      const er = eventRules[id]!;
      stats.evaluations++;
      if (er.predicate(ev)) this.#emit({ rule: er.rule, kind: "event", events: [ev] });
    }
    const sequences = this.#sequences;
    if (sequences !== undefined) {
      // Only sequences with a step (or until) the index let through can react to the event.
      this.#gate.open(candidates, i, end, stepOffset);
      sequences.process(ev, this.#gate.specs);
      this.advanceWatermark(ev.timestamp);
    }
  }

  /** Advances event time without an event (a live heartbeat): expires and resolves sequences. */
  advanceWatermark(ns: bigint): void {
    if (ns <= this.#watermark) return;
    this.#watermark = ns;
    this.#sequences?.advanceWatermark(ns);
  }

  /** Sequence engine counters, when the ruleset has sequences. */
  sequenceStats(): ReturnType<SequenceEngine["stats"]> | undefined {
    return this.#sequences?.stats();
  }

  #onSequence(m: SequenceMatch): void {
    const rule = this.#seqRuleOf[m.spec];
    this.#emit({ rule, kind: "sequence", events: m.events, entity: m.key || undefined });
  }

  #emit(m: Match): void {
    const suppress = this.#suppress[m.rule];
    if (suppress && m.events.some((ev) => suppress.some((p) => p(ev)))) {
      this.stats.suppressed++;
      return;
    }
    const pipes = this.#pipes[m.rule];
    if (pipes === undefined) {
      this.stats.matches++;
      this.#opts.onMatch(m);
      return;
    }
    if (pipes.done) return;
    // Rules only have streaming pipes (the compiler rejects the others), so
    // what passes comes out at once and every output is a match.
    for (const out of pipes.push({ events: m.events })) {
      if (!isMatch(out)) continue;
      this.stats.matches++;
      this.#opts.onMatch({ ...m, events: [...out.events] });
    }
  }
}

/** Turns a sequence/sample/join rule into the sequence engine's input, expanding `runs`. */
function sequenceSpec(
  r: EngineRule,
  ctx: RuntimeContext,
  fieldName: (id: number) => string,
  gate: StepGate,
  spec: number,
  compile: (q: IrEventQuery, site: Omit<PredicateSite, "rule">) => Predicate,
): SequenceSpec {
  const ir = r.ir;
  const wildcards = r.dialect === "legacy" ? "*" : "*?";
  const step = (s: RuleIR["steps"][number], site: Omit<PredicateSite, "rule">): CompiledStep => {
    const prefilter = findPrefilter(s.query.predicate, wildcards, fieldName);
    const id = gate.add(spec, s.query.category, prefilter);
    // The gate has checked the category (and the prefilter literal) already.
    const predicate = compile({
      category: "any",
      predicate: orderConjuncts(s.query.predicate, fieldName, prefilter),
    }, site);
    const matches = (ev: Event) => gate.isOpen(id) && predicate(ev);
    const getters = s.keys.map((k) => compileGetter(k, ctx));
    const optional = s.keys.map((k) => k.op === "field" && k.optional);
    // One scratch array per step: keys are computed one at a time.
    const values: (Value | undefined)[] = new Array(getters.length);
    return {
      matches,
      key: (ev) => {
        for (let i = 0; i < getters.length; i++) values[i] = getters[i](ev);
        return makeKey(values, optional);
      },
      missing: s.missing,
    };
  };
  const steps: CompiledStep[] = [];
  for (const [index, s] of ir.steps.entries()) {
    const compiled = step(s, { part: "step", index });
    for (let n = 0; n < s.runs; n++) steps.push(compiled);
  }
  return {
    ruleId: r.id,
    kind: ir.kind === "event" ? "sequence" : ir.kind,
    steps,
    until: ir.until ? step(ir.until, { part: "until", index: 0 }) : undefined,
    maxspanNs: ir.maxspanNs !== undefined ? BigInt(ir.maxspanNs) : undefined,
  };
}

/**
 * Orders the conjuncts of a top-level `and` so most events fail early:
 * literal tests on selective fields first (cheapest and most selective
 * first), then the rest, and last the conjunct the index already checked
 * (`indexed`), which is almost always true for the events it lets through.
 * Conditions have no side effects and are two-valued, so the order of
 * conjuncts does not change the result.
 */
function orderConjuncts(
  predicate: IrExpr,
  fieldName: (id: number) => string,
  indexed?: Prefilter,
): IrExpr {
  if (predicate.op !== "and") return predicate;
  const rank = (a: IrExpr): number => {
    const p = findPrefilter(a, "*?", fieldName);
    if (!p) return 1e6;
    if (indexed && p.fieldId === indexed.fieldId) return 2e6;
    return prefilterCost(p, fieldName);
  };
  const ranked = predicate.args.map((a, i) => ({ a, i, r: rank(a) }));
  ranked.sort((x, y) => x.r - y.r || x.i - y.i);
  return { op: "and", args: ranked.map((x) => x.a) };
}
