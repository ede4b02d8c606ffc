/**
 * The sequence engine: `sequence`, `sample` and `join` rules over a stream
 * of events, in event time (ARCHITECTURE §2, §4).
 *
 * Steps arrive compiled ({@link CompiledStep}): this module only sees "does
 * the event match" and "what is its join key", so it runs the same whatever
 * runtime evaluates predicates. State lives in a bounded {@link StateStore}.
 *
 * Sequence semantics follow Elasticsearch EQL:
 * - At most one pending sequence per (rule, key, stage). An event matching
 *   step k advances the sequence waiting at stage k for its key to stage
 *   k+1, overwriting whatever waited there; an event matching step 0 starts a
 *   new sequence, overwriting the one waiting at stage 1. Stages are visited
 *   from the last to the first, so one event never advances the same sequence
 *   twice, but it may advance one sequence and start another.
 * - `maxspan` is inclusive in event time: a sequence completes only if
 *   `last - first <= maxspan`. Expired partial matches are dropped lazily
 *   when touched and by the watermark sweep ({@link SequenceEngine.advanceWatermark}).
 * - Forbidding conditions are evaluated before steps: an `until` event for
 *   key K cancels every pending sequence of K (all of which started with an
 *   earlier event), and never the one the same event starts.
 * - Missing-event steps `![q]` (they require `maxspan`):
 *   - middle, between normal steps i and i+1: a q event with the same key
 *     cancels the sequence waiting for step i+1. Like `until`, it is checked
 *     before the event's own steps, so an event matching both q and step i+1
 *     cancels rather than completes; one matching q and step i advances into
 *     the (now empty) stage.
 *   - trailing, after the last normal step: a sequence that matched every
 *     normal step waits (one per key, like any stage) and is emitted once the
 *     watermark is past `first + maxspan` with no q event for its key since
 *     its last normal event. A q event cancels it; one arriving after the
 *     window (before the watermark caught up) resolves it as a match instead.
 *   - leading, before step 0: a sequence does not start if a q event with
 *     the same key was seen at most `maxspan` before its first event (the
 *     event itself does not count). The last q time per key is remembered,
 *     bounded by the per-rule quota and forgotten once older than `maxspan`
 *     behind the watermark.
 * - A key with a missing value (`null` from {@link CompiledStep.key}) never
 *   joins; optional `?field` keys encode as null and do join.
 * - Rules without `maxspan` keep partial matches until completed, cancelled
 *   or evicted by quota.
 *
 * `sample` and the legacy `join` keep, per key, the first event matching each
 * step in any order (no time order, no `maxspan`); an event fills every empty
 * step it matches, in step order, as the reference EQL engine does. When all
 * steps are filled the match is emitted (events in step order) and the key
 * cleared. `until` clears a key.
 *
 * @module
 */
import type { Event } from "./event.ts";
import {
  emptyStats,
  type PartialMatch,
  type Quotas,
  type RuleStats,
  type RuleTable,
  Sightings,
  StateStore,
} from "./state.ts";

export { DEFAULT_QUOTAS, makeKey } from "./state.ts";
export type { Quotas, RuleStats } from "./state.ts";

/** A step as the engine evaluates it. */
export interface CompiledStep {
  /** The step's event query (category + condition). */
  matches(ev: Event): boolean;
  /** The join-key tuple as a string ({@link makeKey}); null when a key value is missing. */
  key(ev: Event): string | null;
  /** `![…]`: a missing-event step. */
  missing: boolean;
}

/** One sequence, sample or join rule. */
export interface SequenceSpec {
  /** Rule id (unique in a ruleset). */
  ruleId: string;
  /** `join` is the legacy form of `sample` with `until`. */
  kind: "sequence" | "sample" | "join";
  /** Steps with runs already expanded: a step with runs=N appears N times ({@link expandRuns}). */
  steps: CompiledStep[];
  /** `until [...]`: cancels pending matches of its key. */
  until?: CompiledStep;
  /** `with maxspan=…` in nanoseconds. */
  maxspanNs?: bigint;
}

/** An event of a partial match with its position in {@link SequenceSpec.steps}. */
export interface PartialMatchEvent {
  /** Index in {@link SequenceSpec.steps}. */
  step: number;
  /** The matched event. */
  event: Event;
}

/** A pending partial match, for inspection (`kestrel test`, debugging). */
export interface PendingMatch {
  /** The encoded join key. */
  key: string;
  /** Normal steps matched (sequences), or steps filled (sample/join). */
  stage: number;
  /** The events so far. */
  events: PartialMatchEvent[];
}

/** A completed match. */
export interface SequenceMatch {
  /** The matching rule. */
  ruleId: string;
  /** Index of the rule's spec in the engine's `specs`. */
  spec: number;
  /** The encoded join key. */
  key: string;
  /** Matched events in step order (missing steps contribute none). */
  events: Event[];
  /** Earliest event time of the match (ns). */
  start: bigint;
  /** Latest event time of the match (ns). */
  end: bigint;
}

/** Counters of the whole engine, and per rule. */
export interface EngineStats extends RuleStats {
  /** Counters by rule id. */
  rules: Record<string, RuleStats>;
}

/**
 * Repeats each step `runs[i]` times (`with runs=N`), keeping the same
 * object so an event's match and key are evaluated once per distinct step.
 */
export function expandRuns<T>(steps: readonly T[], runs: readonly number[]): T[] {
  const out: T[] = [];
  steps.forEach((s, i) => {
    for (let r = 0; r < (runs[i] ?? 1); r++) out.push(s);
  });
  return out;
}

/** What the engine needs from a matcher of one rule. */
interface Matcher {
  readonly spec: SequenceSpec;
  readonly table: RuleTable;
  readonly sightings: Sightings | undefined;
  process(ev: Event): void;
  /** Expires or resolves state whose window closed before `wm`. */
  sweep(wm: bigint): void;
  /** Earliest time after which {@link sweep} has work, if any. */
  deadline(): bigint | undefined;
  pending(): PendingMatch[];
}

type Emit = (m: SequenceMatch) => void;
type Notify = (deadline: bigint) => void;

/** Matches one `sequence` rule. */
class SequenceMatcher implements Matcher {
  readonly spec: SequenceSpec;
  readonly #index: number;
  readonly table: RuleTable;
  readonly sightings: Sightings | undefined;
  readonly #store: StateStore;
  readonly #emit: Emit;
  readonly #notify: Notify;
  readonly #span: bigint | undefined;
  /** Normal steps, and their positions in `spec.steps`. */
  readonly #normal: CompiledStep[];
  readonly #positions: number[];
  /** Per normal step: index of the first normal step with the same object (runs). */
  readonly #alias: number[];
  /** Per-event memo of normal-step results: 1 match, 2 no match; valid when its stamp is current. */
  readonly #memo: Uint8Array;
  readonly #memoStamp: Uint32Array;
  #stamp = 0;
  /** Some normal step has missing steps before it or a trailing one after it. */
  readonly #hasGaps: boolean;
  readonly #keys: (string | null)[];
  readonly #leading: CompiledStep[];
  /** gaps[g]: missing steps before normal step g (1 ≤ g < n); gaps[n]: trailing. */
  readonly #gaps: CompiledStep[][];
  readonly #trailing: boolean;
  /** The stage-n slot used by sequences waiting out a trailing missing step. */
  readonly #terminal: number;

  constructor(spec: SequenceSpec, index: number, store: StateStore, emit: Emit, notify: Notify) {
    this.spec = spec;
    this.#index = index;
    this.#store = store;
    this.#emit = emit;
    this.#notify = notify;
    this.#span = spec.maxspanNs;
    this.#normal = [];
    this.#positions = [];
    this.#leading = [];
    this.#gaps = [[]];
    spec.steps.forEach((s, i) => {
      if (!s.missing) {
        this.#normal.push(s);
        this.#positions.push(i);
        this.#gaps.push([]);
      } else if (this.#normal.length === 0) this.#leading.push(s);
      else this.#gaps[this.#normal.length].push(s);
    });
    const n = this.#normal.length;
    if (n === 0) {
      throw new RangeError(`rule ${spec.ruleId}: a sequence needs a step that is not missing`);
    }
    this.#trailing = this.#gaps[n].length > 0;
    const hasMissing = this.#trailing || this.#leading.length > 0 ||
      this.#gaps.some((g) => g.length > 0);
    if (hasMissing && this.#span === undefined) {
      throw new RangeError(`rule ${spec.ruleId}: missing-event steps need maxspan`);
    }
    this.#alias = this.#normal.map((s) => this.#normal.indexOf(s));
    this.#memo = new Uint8Array(n);
    this.#memoStamp = new Uint32Array(n);
    this.#hasGaps = this.#gaps.some((g) => g.length > 0);
    this.#keys = new Array(n).fill(null);
    this.#terminal = n - 1;
    // Slots hold stages 1..n-1, plus stage n when a trailing step must be waited out.
    this.table = store.addRule(spec.ruleId, this.#trailing ? n : n - 1, this.#span !== undefined);
    this.sightings = this.#leading.length > 0
      ? new Sightings(store.quotas.maxPerRule, this.table.stats)
      : undefined;
  }

  process(ev: Event): void {
    const now = ev.timestamp;
    const n = this.#normal.length;
    const entities = this.table.entities;
    // Conditions are pure, so one that could only touch an empty slot is not evaluated.
    const occupied = this.table.occupied;
    // A new stamp invalidates the memo without clearing it.
    if (++this.#stamp === 0xffffffff) {
      this.#memoStamp.fill(0);
      this.#stamp = 1;
    }

    // 1. Forbidding conditions first: until, then middle and trailing missing steps.
    const until = this.spec.until;
    if (until !== undefined && entities.size > 0 && until.matches(ev)) {
      const k = until.key(ev);
      const entity = k === null ? undefined : entities.get(k);
      if (entity !== undefined) {
        for (const p of entity.slots) if (p !== undefined) this.#retire(p, now, "cancelled");
      }
    }
    for (let g = 1; g <= n && this.#hasGaps; g++) {
      const gap = this.#gaps[g];
      for (let j = 0; j < gap.length && occupied[g - 1] > 0; j++) {
        if (!gap[j].matches(ev)) continue;
        const k = gap[j].key(ev);
        const p = k === null ? undefined : entities.get(k)?.slots[g - 1];
        if (p !== undefined) this.#retire(p, now, "cancelled");
      }
    }

    // 2. Advance, from the last stage to the first.
    for (let s = n - 1; s >= 1; s--) {
      if (occupied[s - 1] === 0) continue;
      const k = this.#match(s, ev);
      if (k === null) continue;
      const entity = entities.get(k);
      const p = entity?.slots[s - 1];
      if (p === undefined) continue;
      if (this.#span !== undefined && now - p.first > this.#span) {
        this.#store.retire(p, "expired");
        continue;
      }
      p.events[s] = ev;
      p.count = s + 1;
      if (s === n - 1 && !this.#trailing) {
        this.#store.retire(p, "completed");
        this.#report(entity!.key, p.events);
      } else {
        const occupant = entity!.slots[s];
        if (occupant !== undefined) this.#retire(occupant, now, "overwritten");
        this.#store.move(p, s);
      }
    }

    // 3. Start.
    const k = this.#match(0, ev);
    if (k !== null) this.#start(k, ev);

    // 4. Remember leading missing steps, after the start so an event never blocks itself.
    if (this.sightings !== undefined) {
      for (const q of this.#leading) {
        if (!q.matches(ev)) continue;
        const key = q.key(ev);
        if (key === null) continue;
        const empty = this.sightings.oldest() === undefined;
        this.sightings.note(key, now);
        if (empty) this.#notify(now + this.#span!);
      }
    }
  }

  #start(k: string, ev: Event): void {
    const now = ev.timestamp;
    const span = this.#span;
    if (this.sightings !== undefined) {
      const seen = this.sightings.get(k);
      if (seen !== undefined && now - seen <= span!) {
        this.table.stats.blocked++;
        return;
      }
    }
    const n = this.#normal.length;
    const events = new Array<Event>(n);
    events[0] = ev;
    if (n === 1 && !this.#trailing) {
      // A one-step sequence: matched as soon as started.
      this.table.stats.created++;
      this.table.stats.completed++;
      this.#report(k, events);
      return;
    }
    const occupant = this.table.entities.get(k)?.slots[0];
    if (occupant !== undefined) this.#retire(occupant, now, "overwritten");
    const p = this.#store.insert(this.table, k, 0, events, 1);
    if (span !== undefined && this.table.timeHead === p) this.#notify(now + span);
  }

  /** The key of `ev` if it matches normal step `s`, else null (memoised per event across runs). */
  #match(s: number, ev: Event): string | null {
    const a = this.#alias[s];
    if (this.#memoStamp[a] === this.#stamp) return this.#memo[a] === 1 ? this.#keys[a] : null;
    this.#memoStamp[a] = this.#stamp;
    const step = this.#normal[a];
    if (!step.matches(ev)) {
      this.#memo[a] = 2;
      return null;
    }
    this.#memo[a] = 1;
    return this.#keys[a] = step.key(ev);
  }

  /**
   * Drops `p` for `outcome` at event time `now` — unless its window already
   * closed: then a sequence waiting out a trailing missing step is a match,
   * and any other one has expired.
   */
  #retire(p: PartialMatch, now: bigint, outcome: "cancelled" | "overwritten"): void {
    if (this.#span !== undefined && now - p.first > this.#span) this.#close(p);
    else this.#store.retire(p, outcome);
  }

  /** Retires `p` whose window has closed. */
  #close(p: PartialMatch): void {
    if (this.#trailing && p.slot === this.#terminal) {
      this.#store.retire(p, "completed");
      this.#report(p.entity.key, p.events);
    } else this.#store.retire(p, "expired");
  }

  #report(key: string, events: Event[]): void {
    this.#emit({
      ruleId: this.spec.ruleId,
      spec: this.#index,
      key,
      events,
      start: events[0].timestamp,
      end: events[events.length - 1].timestamp,
    });
  }

  sweep(wm: bigint): void {
    const span = this.#span;
    if (span === undefined) return;
    for (let p = this.table.timeHead; p !== null && wm - p.first > span; p = this.table.timeHead) {
      this.#close(p);
    }
    this.sightings?.forgetBefore(wm - span);
  }

  deadline(): bigint | undefined {
    const span = this.#span;
    if (span === undefined) return undefined;
    const head = this.table.timeHead;
    const seen = this.sightings?.oldest();
    const t = head === null ? seen : seen === undefined || head.first < seen ? head.first : seen;
    return t === undefined ? undefined : t + span;
  }

  pending(): PendingMatch[] {
    const out: PendingMatch[] = [];
    for (const p of this.#store.byRecency(this.table)) {
      const events: PartialMatchEvent[] = [];
      for (let i = 0; i < p.count; i++) {
        events.push({ step: this.#positions[i], event: p.events[i] });
      }
      out.push({ key: p.entity.key, stage: p.count, events });
    }
    return out;
  }
}

/** Matches one `sample` or `join` rule: the first event per step and key, in any order. */
class SampleMatcher implements Matcher {
  readonly spec: SequenceSpec;
  readonly #index: number;
  readonly table: RuleTable;
  readonly sightings = undefined;
  readonly #store: StateStore;
  readonly #emit: Emit;

  constructor(spec: SequenceSpec, index: number, store: StateStore, emit: Emit) {
    if (spec.steps.length === 0 || spec.steps.some((s) => s.missing)) {
      throw new RangeError(`rule ${spec.ruleId}: a ${spec.kind} needs steps, none of them missing`);
    }
    this.spec = spec;
    this.#index = index;
    this.#store = store;
    this.#emit = emit;
    this.table = store.addRule(spec.ruleId, 1, false);
  }

  process(ev: Event): void {
    const { steps, until } = this.spec;
    const entities = this.table.entities;
    if (until !== undefined && entities.size > 0 && until.matches(ev)) {
      const k = until.key(ev);
      const p = k === null ? undefined : entities.get(k)?.slots[0];
      if (p !== undefined) this.#store.retire(p, "cancelled");
    }
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (!step.matches(ev)) continue;
      const k = step.key(ev);
      if (k === null) continue;
      let p = entities.get(k)?.slots[0];
      if (p === undefined) {
        p = this.#store.insert(this.table, k, 0, new Array<Event>(steps.length), 0);
      } else if (p.events[i] !== undefined) continue;
      else this.#store.touch(p);
      p.events[i] = ev;
      if (++p.count < steps.length) continue;
      this.#store.retire(p, "completed");
      let start = ev.timestamp;
      let end = ev.timestamp;
      for (const e of p.events) {
        if (e.timestamp < start) start = e.timestamp;
        if (e.timestamp > end) end = e.timestamp;
      }
      this.#emit({
        ruleId: this.spec.ruleId,
        spec: this.#index,
        key: k,
        events: p.events,
        start,
        end,
      });
    }
  }

  sweep(): void {}

  deadline(): undefined {
    return undefined;
  }

  pending(): PendingMatch[] {
    const out: PendingMatch[] = [];
    for (const p of this.#store.byRecency(this.table)) {
      const events: PartialMatchEvent[] = [];
      p.events.forEach((event, step) => {
        if (event !== undefined) events.push({ step, event });
      });
      out.push({ key: p.entity.key, stage: p.count, events });
    }
    return out;
  }
}

/** Options of {@link SequenceEngine.carryOver}. */
export interface CarryOverOptions {
  /** Quotas of the new engine (default: this engine's). */
  quotas?: Quotas;
  /** Match callback of the new engine (default: this engine's). */
  onMatch?: (m: SequenceMatch) => void;
}

/**
 * Holds the state of all sequence, sample and join rules of a ruleset and
 * matches events against them.
 *
 * @example
 * ```ts
 * const engine = new SequenceEngine(specs, DEFAULT_QUOTAS, (m) => alerts.push(m));
 * for (const ev of events) {
 *   engine.advanceWatermark(ev.timestamp);
 *   engine.process(ev);
 * }
 * ```
 */
export class SequenceEngine {
  readonly #specs: SequenceSpec[];
  readonly #quotas: Quotas;
  readonly #onMatch: (m: SequenceMatch) => void;
  readonly #store: StateStore;
  readonly #matchers: Matcher[];
  readonly #timed: Matcher[];
  readonly #byId = new Map<string, Matcher>();
  #watermark: bigint | undefined;
  /** No sweep has work before this time (conservative: may be early, never late). */
  #nextDeadline: bigint | undefined;

  /** An engine for `specs` under `quotas`, reporting matches to `onMatch`. */
  constructor(specs: SequenceSpec[], quotas: Quotas, onMatch: (m: SequenceMatch) => void) {
    this.#specs = specs;
    this.#quotas = quotas;
    this.#onMatch = onMatch;
    this.#store = new StateStore(quotas);
    const notify: Notify = (d) => {
      if (this.#nextDeadline === undefined || d < this.#nextDeadline) this.#nextDeadline = d;
    };
    this.#matchers = specs.map((spec, i) => {
      if (this.#byId.has(spec.ruleId)) throw new RangeError(`duplicate rule id ${spec.ruleId}`);
      const m = spec.kind === "sequence"
        ? new SequenceMatcher(spec, i, this.#store, onMatch, notify)
        : new SampleMatcher(spec, i, this.#store, onMatch);
      this.#byId.set(spec.ruleId, m);
      return m;
    });
    this.#timed = this.#matchers.filter((m) =>
      m.spec.kind === "sequence" && m.spec.maxspanNs !== undefined
    );
  }

  /** The quotas in force. */
  get quotas(): Readonly<Quotas> {
    return this.#store.quotas;
  }

  /** The event-time watermark, once any time was seen. */
  get watermark(): bigint | undefined {
    return this.#watermark;
  }

  /**
   * Evaluates `ev` against every rule, or only the spec indexes in
   * `candidates` (those the engine's index chose for the event's type).
   */
  process(ev: Event, candidates?: readonly number[]): void {
    const matchers = this.#matchers;
    if (candidates === undefined) {
      for (let i = 0; i < matchers.length; i++) matchers[i].process(ev);
    } else {
      for (let i = 0; i < candidates.length; i++) matchers[candidates[i]].process(ev);
    }
  }

  /**
   * Moves event time to `ns` (with each event's time, and from the live
   * heartbeat): partial matches whose `maxspan` window ended before `ns`
   * expire, and sequences waiting out a trailing missing step resolve as
   * matches. Time never moves back: an earlier `ns` is ignored.
   */
  advanceWatermark(ns: bigint): void {
    if (this.#watermark !== undefined && ns <= this.#watermark) return;
    this.#watermark = ns;
    if (this.#nextDeadline === undefined || ns <= this.#nextDeadline) return;
    let next: bigint | undefined;
    for (const m of this.#timed) {
      m.sweep(ns);
      const d = m.deadline();
      if (d !== undefined && (next === undefined || d < next)) next = d;
    }
    this.#nextDeadline = next;
  }

  /** Counters, in total and per rule id. */
  stats(): EngineStats {
    const total: EngineStats = { ...emptyStats(), rules: {} };
    for (const m of this.#matchers) {
      const s = { ...m.table.stats };
      total.rules[m.spec.ruleId] = s;
      for (const k of Object.keys(s) as (keyof RuleStats)[]) total[k] += s[k];
    }
    return total;
  }

  /** The pending partial matches of `ruleId`, least recently used first. */
  pending(ruleId: string): PendingMatch[] {
    return this.#byId.get(ruleId)?.pending() ?? [];
  }

  /**
   * Builds an engine for `specs` (a reloaded ruleset) that takes over the
   * state of the rules named in `keep` — those whose id and text hash are
   * unchanged (ARCHITECTURE §2) — with their counters and the watermark.
   * A kept rule whose new spec has a different shape starts empty. This
   * engine gives up the state it hands over; use only the new one after.
   */
  carryOver(
    specs: SequenceSpec[],
    keep: Iterable<string>,
    options: CarryOverOptions = {},
  ): SequenceEngine {
    const next = new SequenceEngine(
      specs,
      options.quotas ?? this.#quotas,
      options.onMatch ?? this.#onMatch,
    );
    for (const id of keep) {
      const from = this.#byId.get(id);
      const into = next.#byId.get(id);
      if (from === undefined || into === undefined) continue;
      if (!sameShape(from.spec, into.spec) || from.table.slots !== into.table.slots) continue;
      next.#store.adopt(this.#store, from.table, into.table);
      if (from.sightings !== undefined && into.sightings !== undefined) {
        for (const [k, t] of from.sightings.entries()) into.sightings.note(k, t);
      }
      const d = into.deadline();
      if (d !== undefined && (next.#nextDeadline === undefined || d < next.#nextDeadline)) {
        next.#nextDeadline = d;
      }
    }
    next.#watermark = this.#watermark;
    return next;
  }

  /** The specs this engine was built from. */
  get specs(): readonly SequenceSpec[] {
    return this.#specs;
  }
}

/** Same kind, step layout and window: partial matches mean the same thing. */
function sameShape(a: SequenceSpec, b: SequenceSpec): boolean {
  return a.kind === b.kind && a.maxspanNs === b.maxspanNs &&
    (a.until === undefined) === (b.until === undefined) &&
    a.steps.length === b.steps.length && a.steps.every((s, i) => s.missing === b.steps[i].missing);
}
