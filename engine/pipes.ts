/**
 * Pipes over the match stream (`query` mode): `head`, `tail`, `count`,
 * `unique`, `unique_count`, `filter`, `sort`, chained in order.
 *
 * A match holds one event (event queries) or every step's event
 * (sequences, joins). Pipe keys and `filter` read from the FIRST event of
 * a match, as Endgame's engine does for unscoped fields. After `count` or
 * `unique_count`, later pipes can also read the fields `count` (and `key`
 * after a keyed `count`) — e.g. `| unique_count process.name | filter count
 * < 5`, the legacy idiom for rare values.
 *
 * @module
 */
import type { Event } from "./event.ts";
import type { IrExpr, IrPipe } from "../eql/ir.ts";
import type { Value } from "../eql/value.ts";

/** A query match: one event, or all steps of a sequence in order. */
export interface PipeMatch {
  readonly events: readonly Event[];
}

/** `unique_count` output: the first match of a key and how many matches had that key. */
export interface CountedMatch extends PipeMatch {
  readonly count: number;
}

/** `count` without keys: the number of matches. */
export interface CountTotal {
  readonly count: number;
}

/** `count k…`: one result per key tuple (missing values are `null`). */
export interface KeyCount {
  readonly key: Value[];
  readonly count: number;
}

/** What a pipe chain outputs; matches are told apart by their `events` member ({@link isMatch}). */
export type PipeOutput = PipeMatch | CountedMatch | CountTotal | KeyCount;

/** Compiles a value expression to a getter (the runtime provides it). */
export type GetterCompiler = (ir: IrExpr) => (ev: Event) => Value | undefined;

/** Compiles a boolean expression to a predicate (the runtime provides it). */
export type PredicateCompiler = (ir: IrExpr) => (ev: Event) => boolean;

/** Options of {@link PipeChain}. */
export interface PipeChainOptions {
  /**
   * Compare key strings case-insensitively (`unique`, `unique_count`,
   * `count`, `sort`), as legacy EQL does; `count` reports each key as first
   * seen. Pass true for the legacy dialect. Default false.
   */
  foldCase?: boolean;
  /**
   * Keys `unique` remembers at most; the oldest is forgotten first, so a
   * forgotten key passes again. Unlimited by default; the live engine sets
   * it to keep memory bounded.
   */
  uniqueCapacity?: number;
}

/** True for outputs that carry matched events (everything but `count` results). */
export function isMatch(o: PipeOutput): o is PipeMatch {
  return "events" in o;
}

/** One pipe. Stages pass outputs to `out`; a `done` stage takes no more input. */
interface Stage {
  readonly done: boolean;
  push(item: PipeOutput, out: PipeOutput[]): void;
  finish(out: PipeOutput[]): void;
}

/** Reads the event a stage keys or filters on from an item. */
type View = (item: PipeOutput) => Event;

/**
 * A chain of pipes. Feed matches in order with {@link push}; it returns
 * what is ready at once (head, unique, filter pass matches straight
 * through). {@link finish} returns the rest (tail, count, sort, …). Stop
 * reading input once {@link done} is true.
 */
export class PipeChain {
  readonly #stages: Stage[] = [];
  #finished = false;

  /** Builds the chain for `pipes`, compiling keys with `getter` and filters with `predicate`. */
  constructor(
    pipes: readonly IrPipe[],
    getter: GetterCompiler,
    predicate: PredicateCompiler,
    options: PipeChainOptions = {},
  ) {
    const fold = options.foldCase ?? false;
    let aggregated = false; // an earlier count/unique_count output reaches this pipe
    for (const p of pipes) {
      const view = aggregated ? overlayView(p) : firstEvent;
      switch (p.name) {
        case "head":
          this.#stages.push(new Head(p.count));
          break;
        case "tail":
          this.#stages.push(new Tail(p.count));
          break;
        case "filter": {
          const test = predicate(p.predicate);
          this.#stages.push(new Filter((item) => test(view(item))));
          break;
        }
        default: {
          const key = keyFunction(p.keys.map(getter), view);
          if (p.name === "count") this.#stages.push(new Count(p.keys.length > 0, key, fold));
          else if (p.name === "unique") {
            this.#stages.push(new Unique(key, fold, options.uniqueCapacity));
          } else if (p.name === "unique_count") this.#stages.push(new UniqueCount(key, fold));
          else this.#stages.push(new Sort(key, fold));
          aggregated ||= p.name === "count" || p.name === "unique_count";
        }
      }
    }
  }

  /** True when no further input can change the output (a `head` is full). */
  get done(): boolean {
    return this.#stages.some((s) => s.done);
  }

  /** Feeds one match; returns the outputs it releases now, in order. */
  push(match: PipeMatch): PipeOutput[] {
    if (this.#finished) throw new Error("PipeChain.push after finish");
    return this.#run([match], 0);
  }

  /** Ends the input; returns the remaining outputs, in order. Call once. */
  finish(): PipeOutput[] {
    if (this.#finished) return [];
    this.#finished = true;
    const result: PipeOutput[] = [];
    // Stage i flushes into stages i+1… before they flush in turn.
    for (let i = 0; i < this.#stages.length; i++) {
      const flushed: PipeOutput[] = [];
      this.#stages[i].finish(flushed);
      for (const o of this.#run(flushed, i + 1)) result.push(o);
    }
    return result;
  }

  #run(items: PipeOutput[], from: number): PipeOutput[] {
    const stages = this.#stages;
    for (let i = from; i < stages.length && items.length > 0; i++) {
      const next: PipeOutput[] = [];
      for (const item of items) {
        if (stages[i].done) break;
        stages[i].push(item, next);
      }
      items = next;
    }
    return items;
  }
}

class Head implements Stage {
  #left: number;
  constructor(count: number) {
    this.#left = count;
  }
  get done(): boolean {
    return this.#left <= 0;
  }
  push(item: PipeOutput, out: PipeOutput[]): void {
    if (this.#left <= 0) return;
    this.#left--;
    out.push(item);
  }
  finish(): void {}
}

/** Keeps the last N items in a ring buffer. */
class Tail implements Stage {
  readonly done = false;
  readonly #ring: PipeOutput[] = [];
  readonly #size: number;
  #next = 0;
  constructor(count: number) {
    this.#size = count;
  }
  push(item: PipeOutput): void {
    if (this.#size <= 0) return;
    if (this.#ring.length < this.#size) this.#ring.push(item);
    else this.#ring[this.#next] = item;
    this.#next = (this.#next + 1) % this.#size;
  }
  finish(out: PipeOutput[]): void {
    const ring = this.#ring;
    // Once full, the oldest item sits where the next write would go.
    const start = ring.length < this.#size ? 0 : this.#next;
    for (let i = 0; i < ring.length; i++) out.push(ring[(start + i) % ring.length]);
  }
}

class Filter implements Stage {
  readonly done = false;
  readonly #test: (item: PipeOutput) => boolean;
  constructor(test: (item: PipeOutput) => boolean) {
    this.#test = test;
  }
  push(item: PipeOutput, out: PipeOutput[]): void {
    if (this.#test(item)) out.push(item);
  }
  finish(): void {}
}

class Count implements Stage {
  readonly done = false;
  readonly #keyed: boolean;
  readonly #key: (item: PipeOutput) => Value[];
  readonly #fold: boolean;
  readonly #groups = new Map<string, { key: Value[]; count: number }>();
  #total = 0;
  constructor(keyed: boolean, key: (item: PipeOutput) => Value[], fold: boolean) {
    this.#keyed = keyed;
    this.#key = key;
    this.#fold = fold;
  }
  push(item: PipeOutput): void {
    const n = weight(item);
    this.#total += n;
    if (!this.#keyed) return;
    const key = this.#key(item);
    const id = keyId(key, this.#fold);
    const g = this.#groups.get(id);
    if (g === undefined) this.#groups.set(id, { key, count: n }); // keeps the first-seen spelling
    else g.count += n;
  }
  finish(out: PipeOutput[]): void {
    if (!this.#keyed) {
      out.push({ count: this.#total });
      return;
    }
    // Endgame's order: ascending count (rare values first), then key.
    const groups = [...this.#groups.values()].sort((a, b) =>
      a.count - b.count || compareKeys(a.key, b.key, this.#fold)
    );
    for (const g of groups) out.push({ key: g.key, count: g.count });
  }
}

/** Passes the first item of each key; remembers keys in insertion order for the capacity. */
class Unique implements Stage {
  readonly done = false;
  readonly #key: (item: PipeOutput) => Value[];
  readonly #fold: boolean;
  readonly #capacity: number;
  readonly #seen = new Set<string>();
  constructor(key: (item: PipeOutput) => Value[], fold: boolean, capacity = Infinity) {
    this.#key = key;
    this.#fold = fold;
    this.#capacity = Math.max(1, capacity);
  }
  push(item: PipeOutput, out: PipeOutput[]): void {
    const id = keyId(this.#key(item), this.#fold);
    if (this.#seen.has(id)) return;
    this.#seen.add(id);
    if (this.#seen.size > this.#capacity) this.#seen.delete(this.#seen.values().next().value!);
    out.push(item);
  }
  finish(): void {}
}

/** The first item of each key, with the number of items that had the key, at the end. */
class UniqueCount implements Stage {
  readonly done = false;
  readonly #key: (item: PipeOutput) => Value[];
  readonly #fold: boolean;
  readonly #firsts = new Map<string, { item: PipeOutput; count: number }>();
  constructor(key: (item: PipeOutput) => Value[], fold: boolean) {
    this.#key = key;
    this.#fold = fold;
  }
  push(item: PipeOutput): void {
    const id = keyId(this.#key(item), this.#fold);
    const first = this.#firsts.get(id);
    if (first === undefined) this.#firsts.set(id, { item, count: weight(item) });
    else first.count += weight(item);
  }
  finish(out: PipeOutput[]): void {
    for (const { item, count } of this.#firsts.values()) out.push({ ...item, count });
  }
}

/** Stable sort by key tuple at the end; nulls first. */
class Sort implements Stage {
  readonly done = false;
  readonly #key: (item: PipeOutput) => Value[];
  readonly #fold: boolean;
  readonly #items: { key: Value[]; item: PipeOutput }[] = [];
  constructor(key: (item: PipeOutput) => Value[], fold: boolean) {
    this.#key = key;
    this.#fold = fold;
  }
  push(item: PipeOutput): void {
    this.#items.push({ key: this.#key(item), item });
  }
  finish(out: PipeOutput[]): void {
    // Array.prototype.sort is stable, so equal keys keep their input order.
    this.#items.sort((a, b) => compareKeys(a.key, b.key, this.#fold));
    for (const { item } of this.#items) out.push(item);
  }
}

/** How many matches an item stands for: aggregated items carry their count. */
function weight(item: PipeOutput): number {
  return "count" in item ? item.count : 1;
}

function keyFunction(
  getters: ((ev: Event) => Value | undefined)[],
  view: View,
): (item: PipeOutput) => Value[] {
  return (item) => {
    const ev = view(item);
    return getters.map((g) => g(ev) ?? null);
  };
}

/** A key tuple's identity: its JSON, strings case-folded when asked. */
function keyId(key: Value[], fold: boolean): string {
  return JSON.stringify(fold ? key.map(foldValue) : key);
}

function foldValue(v: Value): Value {
  if (typeof v === "string") return v.toLowerCase();
  return Array.isArray(v) ? v.map(foldValue) : v;
}

/** Total order on values: null < booleans < numbers < strings < lists (element-wise). */
function compareValues(a: Value, b: Value, fold: boolean): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (Array.isArray(a) && Array.isArray(b)) return compareKeys(a, b, fold);
  if (typeof a === "string" && typeof b === "string" && fold) {
    return compareRaw(a.toLowerCase(), b.toLowerCase());
  }
  return compareRaw(a as string | number | boolean | null, b as string | number | boolean | null);
}

function compareRaw<T>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function rank(v: Value): number {
  if (v === null) return 0;
  switch (typeof v) {
    case "boolean":
      return 1;
    case "number":
      return 2;
    case "string":
      return 3;
    default:
      return 4;
  }
}

function compareKeys(a: readonly Value[], b: readonly Value[], fold: boolean): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i], b[i], fold);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

const EMPTY_EVENT: Event = {
  timestamp: 0n,
  seq: 0,
  get: () => undefined,
  toJSON: () => ({}),
};

/** Matches are read through their first event. */
function firstEvent(item: PipeOutput): Event {
  return "events" in item && item.events.length > 0 ? item.events[0] : EMPTY_EVENT;
}

/**
 * For pipes after `count`/`unique_count`: the first event (if any) overlaid
 * with the item's `count` and `key`, under whatever field ids this pipe's
 * expressions gave those names.
 */
function overlayView(pipe: IrPipe): View {
  const ids = new Map<number, "count" | "key">();
  const exprs = pipe.name === "filter" ? [pipe.predicate] : "keys" in pipe ? pipe.keys : [];
  for (const e of exprs) collectFieldIds(e, ids);
  if (ids.size === 0) return firstEvent;
  return (item) => {
    const base = firstEvent(item);
    const values = new Map<number, Value>();
    for (const [id, name] of ids) {
      if (name === "count" && "count" in item) values.set(id, item.count);
      if (name === "key" && "key" in item) {
        values.set(id, item.key.length === 1 ? item.key[0] : item.key);
      }
    }
    return {
      timestamp: base.timestamp,
      seq: base.seq,
      get: (id) => values.has(id) ? values.get(id) : base.get(id),
      toJSON: () => base.toJSON(),
    };
  };
}

/** Finds the fields named `count` or `key` in an expression. */
function collectFieldIds(e: IrExpr, ids: Map<number, "count" | "key">): void {
  switch (e.op) {
    case "field":
      if (e.name === "count" || e.name === "key") ids.set(e.id, e.name);
      return;
    case "and":
    case "or":
    case "call":
      for (const a of e.args) collectFieldIds(a, ids);
      return;
    case "not":
    case "negate":
      collectFieldIds(e.arg, ids);
      return;
    case "compare":
    case "arith":
      collectFieldIds(e.left, ids);
      collectFieldIds(e.right, ids);
      return;
    case "in":
      collectFieldIds(e.subject, ids);
      for (const v of e.values) collectFieldIds(v, ids);
      return;
    case "match":
      collectFieldIds(e.subject, ids);
      return;
    default:
      return;
  }
}
