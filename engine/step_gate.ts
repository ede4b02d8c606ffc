/**
 * The sequence steps' index. Sequence rules have no single condition to
 * index, but each of their steps (and `until` and missing-event steps) has
 * a category and usually a literal prefilter. The gate runs the same
 * {@link RuleIndex} over the steps once per event, opens the steps that can
 * match, and lists the sequence rules that have an open step — so a step's
 * predicate only runs for events its literals admit, and a sequence rule is
 * not visited at all for events none of its steps can match. The engine
 * indexes its single-event rules and the steps together instead, and hands
 * the gate the steps that pass ({@link StepGate.open}): one index pass per
 * event for both.
 *
 * @module
 */
import type { Event } from "./event.ts";
import { type IndexEntry, RuleIndex } from "./index.ts";
import type { Prefilter } from "./prefilter.ts";

/** Per-event step gating for a fixed set of sequence rules. */
export class StepGate {
  readonly #entries: IndexEntry[] = [];
  readonly #specOf: number[] = [];
  #index: RuleIndex | undefined;
  #open = new Uint32Array(0);
  #epoch = 0;
  readonly #steps: number[] = [];
  /** The sequence rules (spec indexes, ascending) with an open step for the current event. */
  readonly specs: number[] = [];

  /** Registers a step of sequence rule `spec`; returns the step's id. */
  add(spec: number, category: string, prefilter: Prefilter | undefined): number {
    const id = this.#entries.length;
    this.#entries.push({ rule: id, categories: [category], prefilter });
    this.#specOf.push(spec);
    return id;
  }

  /** Completes registration: call once every step is registered. */
  seal(): void {
    this.#open = new Uint32Array(this.#entries.length);
  }

  /**
   * The registered steps as index entries (`rule` is the step id), for an
   * index shared with other rules that hands its candidates to {@link open}.
   */
  get entries(): readonly IndexEntry[] {
    return this.#entries;
  }

  /** Opens the steps that `ev` (of `categories`) can match and lists their rules in {@link specs}. */
  prepare(ev: Event, categories: readonly string[]): void {
    const epoch = ++this.#epoch;
    if (epoch === 0xffffffff) {
      this.#open.fill(0);
      this.#epoch = 1;
    }
    // Built on first use: an engine sharing its own index never needs this one.
    this.#index ??= new RuleIndex(this.#entries);
    this.#index.candidates(ev, categories, this.#steps);
    this.#fill(this.#steps, 0, this.#steps.length, 0);
  }

  /**
   * Like {@link prepare}, with the candidates found by a shared index:
   * opens step `ids[i] - offset` for every i in [`from`, `to`) (ids ascending).
   */
  open(ids: readonly number[], from: number, to: number, offset: number): void {
    const epoch = ++this.#epoch;
    if (epoch === 0xffffffff) {
      this.#open.fill(0);
      this.#epoch = 1;
    }
    this.#fill(ids, from, to, offset);
  }

  #fill(ids: readonly number[], from: number, to: number, offset: number): void {
    const specs = this.specs, open = this.#open, specOf = this.#specOf, epoch = this.#epoch;
    specs.length = 0;
    for (let i = from; i < to; i++) {
      const step = ids[i] - offset;
      open[step] = epoch;
      // Step ids are assigned rule by rule, so rules come out in order.
      const spec = specOf[step];
      if (specs.length === 0 || specs[specs.length - 1] !== spec) specs.push(spec);
    }
  }

  /** Whether step `id` is open for the current event. */
  isOpen(id: number): boolean {
    return this.#open[id] === this.#epoch;
  }
}
