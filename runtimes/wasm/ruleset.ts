/**
 * A ruleset's predicates as one WebAssembly module: every event rule's
 * query, every sequence step and `until`, and every suppression, at the
 * places the engine asks for them ({@link PredicateSite}).
 *
 * {@link compileWasmRules} builds the module (and reports rules it cannot
 * run, located at the rule); {@link WasmRuleset} instantiates a module —
 * freshly built or read from a rule package — and hands the engine its
 * predicates. A predicate that traps (fuel exhausted, memory limit) is a
 * rule error: that event does not match it, the error is counted, and the
 * first few of each rule are reported. A rule whose predicates trap
 * {@link DISABLE_AFTER_TRAPS} times in a row (no evaluation of it completing
 * in between) is disabled: its predicates answer false from then on. Both
 * depend only on the events, so replay stays deterministic, and one odd
 * event no longer switches a rule off for good.
 *
 * @module
 */
import type { IrEventQuery, IrExpr, RuleIR } from "../../eql/ir.ts";
import type { Dialect } from "../../eql/compile.ts";
import type { Event } from "../../engine/event.ts";
import type { PredicateCompiler, PredicateSite } from "../../engine/engine.ts";
import type { Predicate, RuntimeContext } from "../js/mod.ts";
import {
  buildModule,
  buildModuleWithLineage,
  fieldsOf,
  type WasmExpr,
  type WasmLineage,
} from "./module.ts";
import { WasmUnsupported } from "./codegen.ts";
import { WasmInstance, type WasmLimits, WasmTrap } from "./instance.ts";

/** What the Wasm compiler needs of a rule (the loader's `LoadedRule` satisfies it). */
export interface WasmRule {
  id: string;
  dialect: Dialect;
  ir: RuleIR;
  suppressions?: readonly IrExpr[];
  /** Where the rule was defined, for located errors. */
  source?: { file: string; line: number };
}

/** One predicate of the module: where it sits and which fields it reads. */
export interface WasmSite extends PredicateSite {
  /** Index for `pred_eval`. */
  predicate: number;
  /** Schema field ids the predicate reads (written into memory before it runs). */
  fields: number[];
}

/** The outcome of {@link compileWasmRules}. */
export interface WasmCompileResult {
  /** The module, when every rule compiled. */
  bytes?: Uint8Array;
  sites: WasmSite[];
  /** Lineage nodes; their subqueries are predicates after the sites'. */
  lineage: WasmLineage[];
  /** `file:line: rule ID: message` for each rule the module cannot run. */
  errors: string[];
}

/** Every predicate of `rules` in site order. */
function sitesOf(
  rules: readonly WasmRule[],
): { site: PredicateSite; q: IrEventQuery; dialect: Dialect }[] {
  const out: { site: PredicateSite; q: IrEventQuery; dialect: Dialect }[] = [];
  rules.forEach((r, rule) => {
    const dialect = r.dialect;
    if (r.ir.kind === "event" && r.ir.query) {
      out.push({ site: { rule, part: "query", index: 0 }, q: r.ir.query, dialect });
    } else {
      r.ir.steps.forEach((s, index) =>
        out.push({ site: { rule, part: "step", index }, q: s.query, dialect })
      );
      if (r.ir.until) {
        out.push({ site: { rule, part: "until", index: 0 }, q: r.ir.until.query, dialect });
      }
    }
    (r.suppressions ?? []).forEach((s, index) =>
      out.push({
        site: { rule, part: "suppression", index },
        q: { category: "any", predicate: s },
        dialect,
      })
    );
  });
  return out;
}

/**
 * The module holds each site's condition without its category: the engine
 * tests categories through its index and asks for `any`; a category it
 * does ask for is tested by the host (`ctx.categoryMatcher`) before the
 * module runs.
 */
function conditionOf(q: IrEventQuery): IrExpr {
  return q.predicate;
}

/**
 * Compiles the predicates of `rules` into one module. Rules using
 * constructs the module cannot run are reported, each located at its rule.
 */
export function compileWasmRules(
  rules: readonly WasmRule[],
  options: { memoryLimitMb: number },
): WasmCompileResult {
  const all = sitesOf(rules);
  const sites: WasmSite[] = [];
  const exprs: WasmExpr[] = [];
  for (const { site, q, dialect } of all) {
    const ir = conditionOf(q);
    sites.push({ ...site, predicate: exprs.length, fields: fieldsOf(ir) });
    exprs.push({ ir, dialect });
  }
  try {
    const built = buildModuleWithLineage(exprs, [], options);
    return { bytes: built.bytes, sites, lineage: built.lineage, errors: [] };
  } catch (e) {
    if (!(e instanceof WasmUnsupported)) throw e;
  }
  // Some rule cannot run: compile each on its own so every error names its rule.
  const errors: string[] = [];
  const bad = new Set<number>();
  for (const { site, q, dialect } of all) {
    if (bad.has(site.rule)) continue;
    try {
      buildModule([{ ir: conditionOf(q), dialect }], [], options);
    } catch (e) {
      if (!(e instanceof WasmUnsupported)) throw e;
      bad.add(site.rule);
      const r = rules[site.rule];
      const where = r.source ? `${r.source.file}:${r.source.line}: ` : "";
      errors.push(`${where}rule ${r.id}: ${e.message}`);
    }
  }
  return { sites: [], lineage: [], errors };
}

/** Consecutive traps of a rule's predicates after which the rule is disabled. */
export const DISABLE_AFTER_TRAPS = 8;

/** Traps reported per rule; later ones are counted, and the disabling is always reported. */
export const REPORTED_TRAPS_PER_RULE = 3;

/** Receives rule errors (traps) as they happen. */
export type RuleErrorHandler = (ruleId: string, message: string) => void;

/** A rule module instantiated for an engine. */
export class WasmRuleset {
  readonly #instance: WasmInstance;
  readonly #sites = new Map<string, WasmSite>();
  readonly #ruleIds: readonly string[];
  readonly #disabled = new Set<number>();
  /** Per rule: traps in a row, and traps in all. */
  readonly #inARow = new Map<number, number>();
  readonly #traps = new Map<number, number>();
  readonly #onError: RuleErrorHandler;
  /** Rule errors reported so far (see {@link REPORTED_TRAPS_PER_RULE}), as `rule id: message`. */
  readonly errors: string[] = [];
  /** Every trap so far, reported or not. */
  trapCount = 0;

  readonly #lineage: readonly WasmLineage[];
  /** Per lineage node, the tracker's handle once registered. */
  readonly #handles: (number | undefined)[] = [];
  #tracker: RuntimeContext["lineage"];

  /**
   * Instantiates `bytes` whose predicates sit at `sites` of the rules
   * `ruleIds` (in engine order), with lineage nodes `lineage`.
   */
  constructor(
    bytes: Uint8Array,
    sites: readonly WasmSite[],
    lineage: readonly WasmLineage[],
    ruleIds: readonly string[],
    limits: WasmLimits,
    onError: RuleErrorHandler = () => {},
  ) {
    this.#instance = new WasmInstance(bytes, limits);
    if (this.#instance.predicates !== sites.length + lineage.length) {
      throw new Error(
        `the rule module has ${this.#instance.predicates} predicates, its manifest ${
          sites.length + lineage.length
        }`,
      );
    }
    this.#lineage = lineage;
    this.#instance.onLineage = (node, ev) => {
      const handle = this.#handles[node];
      const tracker = this.#tracker;
      return handle !== undefined && tracker !== undefined &&
        tracker.test(handle, lineage[node].relation, ev);
    };
    for (const s of sites) this.#sites.set(key(s), s);
    this.#ruleIds = ruleIds;
    this.#onError = onError;
  }

  /** Builds and instantiates the module for `rules`; throws with every located error. */
  static compile(
    rules: readonly WasmRule[],
    limits: WasmLimits,
    onError?: RuleErrorHandler,
  ): WasmRuleset {
    const r = compileWasmRules(rules, limits);
    if (!r.bytes) throw new WasmCompileError(r.errors);
    return new WasmRuleset(r.bytes, r.sites, r.lineage, rules.map((x) => x.id), limits, onError);
  }

  /** Whether rule `index` was disabled by rule errors. */
  isDisabled(rule: number): boolean {
    return this.#disabled.has(rule);
  }

  /** Counts a trap of rule `rule`, reports it unless too many were, and disables the rule at the limit. */
  #trapped(rule: number, e: WasmTrap): void {
    this.trapCount++;
    const inARow = (this.#inARow.get(rule) ?? 0) + 1;
    const total = (this.#traps.get(rule) ?? 0) + 1;
    this.#inARow.set(rule, inARow);
    this.#traps.set(rule, total);
    const id = this.#ruleIds[rule] ?? String(rule);
    let message: string;
    if (inARow >= DISABLE_AFTER_TRAPS) {
      this.#disabled.add(rule);
      message = `${e.message}; the rule is disabled after ${inARow} traps in a row`;
    } else if (total <= REPORTED_TRAPS_PER_RULE) {
      message = `${e.message}; the predicate is false for this event (the rule is disabled after ` +
        `${DISABLE_AFTER_TRAPS} traps in a row)`;
      if (total === REPORTED_TRAPS_PER_RULE) message += "; further traps are counted, not reported";
    } else {
      return;
    }
    this.errors.push(`${id}: ${message}`);
    this.#onError(id, message);
  }

  /** The engine's predicate compiler: the module's predicate for each site. */
  readonly predicates: PredicateCompiler = (q, ctx, site) => {
    const s = this.#sites.get(key(site));
    if (s === undefined) {
      throw new Error(
        `the rule module has no predicate for rule ${site.rule} ${site.part} ${site.index}`,
      );
    }
    this.#registerLineage(s.predicate, ctx, s.rule);
    return this.#predicate(s.predicate, s.fields, s.rule, q.category, ctx);
  };

  /** Registers the lineage subqueries inside predicate `owner` (and theirs) with the tracker. */
  #registerLineage(owner: number, ctx: RuntimeContext, rule: number): void {
    for (const node of this.#lineage) {
      if (node.owner !== owner || this.#handles[node.node] !== undefined) continue;
      if (ctx.lineage === undefined) {
        throw new Error(
          `"${node.relation} of [...]" needs process lineage, but no lineage tracker was provided to the runtime`,
        );
      }
      this.#tracker = ctx.lineage;
      const sub = node.query;
      this.#registerLineage(node.predicate, ctx, rule);
      const matches = this.#predicate(
        node.predicate,
        fieldsOf(sub.predicate),
        rule,
        sub.category,
        ctx,
      );
      this.#handles[node.node] = ctx.lineage.register(matches, sub);
    }
  }

  #predicate(
    predicate: number,
    fields: readonly number[],
    rule: number,
    category: string,
    ctx: RuntimeContext,
  ): Predicate {
    const instance = this.#instance, disabled = this.#disabled, inARow = this.#inARow;
    const test = (ev: Event): boolean => {
      if (disabled.has(rule)) return false;
      let result: boolean;
      try {
        result = instance.eval(predicate, ev, fields);
      } catch (e) {
        if (!(e instanceof WasmTrap)) throw e;
        this.#trapped(rule, e);
        return false;
      }
      if (inARow.size !== 0) inARow.delete(rule);
      return result;
    };
    if (category === "any") return test;
    const inCategory = ctx.categoryMatcher(category);
    return (ev) => inCategory(ev) && test(ev);
  }
}

function key(s: PredicateSite): string {
  return `${s.rule}:${s.part}:${s.index}`;
}

/** Rules the Wasm runtime cannot run; `errors` are located messages. */
export class WasmCompileError extends Error {
  override name = "WasmCompileError";
  constructor(readonly errors: string[]) {
    super(errors.join("\n"));
  }
}
