/**
 * The detection engine: events in, rule matches out.
 *
 * Wires the pieces: the lineage tracker sees every event first; the rule
 * index picks candidate single-event rules (by category and literal
 * prefilter), whose compiled predicates run in rule order; every event is
 * offered to the sequence engine, whose watermark follows event time. Time
 * is only ever the events' own timestamps (or an explicit heartbeat), never
 * the wall clock, so the same input always gives the same matches in the
 * same order (ARCHITECTURE §2).
 *
 * @module
 */
import type { IrExpr, RuleIR } from "../eql/ir.ts";
import { isMatch, PipeChain } from "./pipes.ts";
import type { Dialect } from "../eql/compile.ts";
import type { Value } from "../eql/value.ts";
import type { Event } from "./event.ts";
import type { Schema } from "./schema.ts";
import { RuleIndex } from "./index.ts";
import { StepGate } from "./step_gate.ts";
import { findPrefilter, type Prefilter, prefilterCost } from "./prefilter.ts";
import { LineageTracker } from "./lineage.ts";
import {
  type CompiledStep,
  makeKey,
  SequenceEngine,
  type SequenceMatch,
  type SequenceSpec,
} from "./nfa.ts";
import {
  compileEventQuery,
  compileGetter,
  compilePredicate,
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
}

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

/** Sequence state quotas (`[nfa]` in the config). */
export interface Quotas {
  /** Total partial matches across all rules. */
  maxPartialMatches: number;
  /** Partial matches per rule. */
  maxPerRule: number;
  /** Partial matches per (rule, key). */
  maxPerEntity: number;
}

/** The seeds' defaults for {@link Quotas}. */
export const DEFAULT_QUOTAS: Readonly<Quotas> = Object.freeze({
  maxPartialMatches: 100_000,
  maxPerRule: 10_000,
  maxPerEntity: 100,
});

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
  readonly #candidates: number[] = [];
  readonly #categories: string[] = [];
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
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i];
      const ctx = this.#context(r.dialect);
      this.#suppress[i] = r.suppressions?.length
        ? r.suppressions.map((s) => compilePredicate(s, ctx))
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
        const predicate = compileEventQuery({
          category: "any",
          predicate: orderConjuncts(ir.query.predicate, fieldName, prefilter),
        }, ctx);
        this.#eventRules[i] = { rule: i, predicate };
        entries.push({ rule: i, categories: [ir.query.category], prefilter });
      } else {
        this.#seqRuleOf.push(i);
        specs.push(sequenceSpec(r, ctx, (id) => schema.byId(id).name, this.#gate, specs.length));
      }
    }
    this.#index = new RuleIndex(entries);
    this.#gate.seal();
    if (specs.length) {
      this.#sequences = new SequenceEngine(
        specs,
        opts.quotas ?? DEFAULT_QUOTAS,
        (m) => this.#onSequence(m),
      );
    }
  }

  #context(dialect: Dialect): RuntimeContext {
    return {
      dialect,
      categoryMatcher: (category) => this.#categoryMatcher(category),
      lineage: this.#lineage,
    };
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
    this.stats.events++;
    this.#lineage?.observe(ev);
    const categories = this.#categoriesOf(ev);
    const candidates = this.#candidates;
    this.#index.candidates(ev, categories, candidates);
    for (let i = 0; i < candidates.length; i++) {
      const er = this.#eventRules[candidates[i]]!;
      this.stats.evaluations++;
      if (er.predicate(ev)) this.#emit({ rule: er.rule, kind: "event", events: [ev] });
    }
    if (this.#sequences) {
      // Only sequences with a step (or until) of the event's category can react to it.
      this.#gate.prepare(ev, categories);
      this.#sequences.process(ev, this.#gate.specs);
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

  #categoriesOf(ev: Event): readonly string[] {
    const out = this.#categories;
    out.length = 0;
    const v = ev.get(this.#categoryId);
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) { for (const x of v) if (typeof x === "string") out.push(x); }
    return out;
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
): SequenceSpec {
  const ir = r.ir;
  const wildcards = r.dialect === "legacy" ? "*" : "*?";
  const step = (s: RuleIR["steps"][number]): CompiledStep => {
    const prefilter = findPrefilter(s.query.predicate, wildcards, fieldName);
    const id = gate.add(spec, s.query.category, prefilter);
    // The gate has checked the category (and the prefilter literal) already.
    const predicate = compileEventQuery({
      category: "any",
      predicate: orderConjuncts(s.query.predicate, fieldName, prefilter),
    }, ctx);
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
  for (const s of ir.steps) {
    const compiled = step(s);
    for (let n = 0; n < s.runs; n++) steps.push(compiled);
  }
  return {
    ruleId: r.id,
    kind: ir.kind === "event" ? "sequence" : ir.kind,
    steps,
    until: ir.until ? step(ir.until) : undefined,
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
