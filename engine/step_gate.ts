/**
 * The sequence steps' index. Sequence rules have no single condition to
 * index, but each of their steps (and `until` and missing-event steps) has
 * a category and usually a literal prefilter. The gate runs the same
 * {@link RuleIndex} over the steps once per event, opens the steps that can
 * match, and lists the sequence rules that have an open step — so a step's
 * predicate only runs for events its literals admit, and a sequence rule is
 * not visited at all for events none of its steps can match.
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

  /** Builds the index once every step is registered. */
  seal(): void {
    this.#index = new RuleIndex(this.#entries);
    this.#open = new Uint32Array(this.#entries.length);
  }

  /** Opens the steps that `ev` (of `categories`) can match and lists their rules in {@link specs}. */
  prepare(ev: Event, categories: readonly string[]): void {
    const epoch = ++this.#epoch;
    if (epoch === 0xffffffff) {
      this.#open.fill(0);
      this.#epoch = 1;
    }
    this.#index!.candidates(ev, categories, this.#steps);
    const specs = this.specs;
    specs.length = 0;
    for (const step of this.#steps) {
      this.#open[step] = this.#epoch;
      // Step ids are assigned rule by rule, so rules come out in order.
      const spec = this.#specOf[step];
      if (specs.length === 0 || specs[specs.length - 1] !== spec) specs.push(spec);
    }
  }

  /** Whether step `id` is open for the current event. */
  isOpen(id: number): boolean {
    return this.#open[id] === this.#epoch;
  }
}
