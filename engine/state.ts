/**
 * The bounded state store behind the sequence engine (ARCHITECTURE §10:
 * state is bounded by the `[nfa]` quotas whatever the input).
 *
 * The store keeps partial matches per rule, per join key and per slot (a
 * sequence stage, or the single slot of a sample/join key). It knows nothing
 * of EQL semantics: the matchers in `nfa.ts` decide what to insert, advance
 * or retire, and the store enforces three quotas on every insertion — total,
 * per rule, per (rule, key) — by evicting the least-recently-used partial
 * match. A partial match is a small record with intrusive links (no per-match
 * `Map` or closure), so engine state stays well under 512 bytes per partial
 * match not counting the events it references.
 *
 * Each rule table also keeps its partial matches in event-time order of
 * their first event, so expiry by `maxspan` is a walk from the oldest.
 *
 * @module
 */
import type { Event } from "./event.ts";
import type { Value } from "../eql/value.ts";

/** Limits on live partial matches (`[nfa]` config keys). */
export interface Quotas {
  /** Live partial matches over all rules (`max_partial_matches`). */
  maxPartialMatches: number;
  /** Live partial matches of one rule (`lru_capacity`). */
  maxPerRule: number;
  /** Live partial matches of one (rule, key) (`max_matches_per_entity`). */
  maxPerEntity: number;
}

/** The defaults of the seeds' example config. */
export const DEFAULT_QUOTAS: Readonly<Quotas> = Object.freeze({
  maxPartialMatches: 100_000,
  maxPerRule: 10_000,
  maxPerEntity: 100,
});

/**
 * Encodes a tuple of join-key values as a stable, collision-free string.
 *
 * Each value is written as JSON (strings quoted and escaped, arrays in
 * brackets, element order kept) and values are separated by commas, so the
 * text parses back to exactly one tuple; non-finite numbers, which JSON
 * would print as `null`, are written `NaN`/`Infinity`/`-Infinity`. A missing
 * value (`undefined` or `null`) makes the key `null` — the event cannot join
 * — unless that key is optional (`?field`), in which case it joins as `null`.
 *
 * @example
 * ```ts
 * makeKey(["web-1", 42], [false, false]); // '"web-1",42'
 * makeKey([undefined], [false]);          // null
 * makeKey([undefined], [true]);           // 'null'
 * ```
 */
export function makeKey(
  values: readonly (Value | undefined)[],
  optional: readonly boolean[],
): string | null {
  // The common single-string key skips the general loop.
  if (values.length === 1 && typeof values[0] === "string") return quote(values[0]);
  let out = "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === undefined || v === null) {
      if (!optional[i]) return null;
      out += i === 0 ? "null" : ",null";
      continue;
    }
    out += i === 0 ? encodeValue(v) : "," + encodeValue(v);
  }
  return out;
}

function encodeValue(v: Value): string {
  if (typeof v === "string") return quote(v);
  // `String` prints every finite number as JSON does, and the others as NaN/Infinity.
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) {
    let s = "[";
    for (let i = 0; i < v.length; i++) s += (i === 0 ? "" : ",") + encodeValue(v[i]);
    return s + "]";
  }
  return JSON.stringify(v);
}

/**
 * `JSON.stringify` of a string, without the call for the usual string that
 * needs no escape (no quote, backslash, control character or surrogate).
 * Keys are made for every event a sequence step matches, so this is hot.
 */
function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) {
      return JSON.stringify(s);
    }
  }
  return '"' + s + '"';
}

/** Why a partial match left the store. */
export type Outcome = "completed" | "expired" | "evicted" | "cancelled" | "overwritten";

/** Counters of one rule. `created = active + completed + expired + evicted + cancelled + overwritten`. */
export interface RuleStats {
  /** Live partial matches. */
  active: number;
  /** Partial matches started (a sequence's first step, a sample/join key's first event). */
  created: number;
  /** Partial matches that became matches. */
  completed: number;
  /** Dropped because `maxspan` passed. */
  expired: number;
  /** Dropped to respect a quota. */
  evicted: number;
  /** Dropped by `until` or by a missing-event step. */
  cancelled: number;
  /** Replaced by a newer partial match at the same (key, stage). */
  overwritten: number;
  /** Sequences not started because a leading missing-event step was seen within `maxspan`. */
  blocked: number;
  /** Keys whose last leading missing-event time is remembered. */
  sightings: number;
  /** Remembered sightings dropped to respect the per-rule quota. */
  sightingsEvicted: number;
}

/** A new zeroed {@link RuleStats}. */
export function emptyStats(): RuleStats {
  return {
    active: 0,
    created: 0,
    completed: 0,
    expired: 0,
    evicted: 0,
    cancelled: 0,
    overwritten: 0,
    blocked: 0,
    sightings: 0,
    sightingsEvicted: 0,
  };
}

/**
 * One partial match: the events matched so far and its place in the store.
 * Matchers read and write `events` and `count`; the links belong to the store.
 */
export class PartialMatch {
  /** Slot within its key: a sequence stage minus one, or 0. */
  slot: number;
  /** How many of `events` are filled. */
  count: number;
  /** Matched events by position (fixed length; unfilled positions are holes). */
  readonly events: Event[];
  /** The (rule, key) it belongs to. */
  entity: Entity;
  /** Store-wide LRU list. */
  gPrev: PartialMatch | null = null;
  /** Store-wide LRU list. */
  gNext: PartialMatch | null = null;
  /** Per-rule LRU list. */
  rPrev: PartialMatch | null = null;
  /** Per-rule LRU list. */
  rNext: PartialMatch | null = null;
  /** Per-rule list in event-time order of the first event. */
  tPrev: PartialMatch | null = null;
  /** Per-rule list in event-time order of the first event. */
  tNext: PartialMatch | null = null;

  /** Builds a record; only the store creates them. */
  constructor(entity: Entity, slot: number, events: Event[], count: number) {
    this.entity = entity;
    this.slot = slot;
    this.events = events;
    this.count = count;
  }

  /** Time of the first event (sequences always fill position 0 first). */
  get first(): bigint {
    return this.events[0].timestamp;
  }
}

/** The partial matches of one (rule, key), by slot. */
export class Entity {
  /** The encoded join key (see {@link makeKey}). */
  readonly key: string;
  /** The owning rule table. */
  readonly table: RuleTable;
  /** Partial match per slot. */
  readonly slots: (PartialMatch | undefined)[];
  /** Filled slots. */
  count = 0;

  /** Empty entity with `slots` slots. */
  constructor(table: RuleTable, key: string, slots: number) {
    this.table = table;
    this.key = key;
    this.slots = new Array(slots);
  }
}

/** The state of one rule: its keys, lists and counters. */
export class RuleTable {
  /** Rule id. */
  readonly id: string;
  /** Slots per key. */
  readonly slots: number;
  /** Keep the event-time list sorted (rules with `maxspan`). */
  readonly timed: boolean;
  /** Live keys. */
  readonly entities: Map<string, Entity> = new Map();
  /**
   * Occupied slots per slot index over all keys: a matcher skips a stage
   * whose previous slot is empty everywhere without computing its key.
   */
  readonly occupied: Int32Array;
  /** Counters. */
  readonly stats: RuleStats = emptyStats();
  /** Least recently used partial match of this rule. */
  lruHead: PartialMatch | null = null;
  /** Most recently used partial match of this rule. */
  lruTail: PartialMatch | null = null;
  /** Partial match with the oldest first event (for `timed` rules). */
  timeHead: PartialMatch | null = null;
  /** Partial match with the newest first event. */
  timeTail: PartialMatch | null = null;

  /** An empty table; create through {@link StateStore.addRule}. */
  constructor(id: string, slots: number, timed: boolean) {
    this.id = id;
    this.slots = slots;
    this.timed = timed;
    this.occupied = new Int32Array(slots);
  }
}

// Out-of-order first events are placed by walking back at most this far;
// beyond it they are appended (and expire lazily when touched).
const MAX_ORDER_WALK = 32;

/** All partial matches of a ruleset, under quotas. */
export class StateStore {
  /** Quotas in force (each at least 1). */
  readonly quotas: Readonly<Quotas>;
  #active = 0;
  #head: PartialMatch | null = null;
  #tail: PartialMatch | null = null;

  /** An empty store under `quotas`. */
  constructor(quotas: Quotas) {
    this.quotas = Object.freeze({
      maxPartialMatches: Math.max(1, Math.floor(quotas.maxPartialMatches)),
      maxPerRule: Math.max(1, Math.floor(quotas.maxPerRule)),
      maxPerEntity: Math.max(1, Math.floor(quotas.maxPerEntity)),
    });
  }

  /** Live partial matches in the whole store. */
  get active(): number {
    return this.#active;
  }

  /** A table for a rule with `slots` slots per key. */
  addRule(id: string, slots: number, timed: boolean): RuleTable {
    return new RuleTable(id, slots, timed);
  }

  /**
   * Stores a new partial match in `slot` of `key`, evicting as quotas
   * require. The slot must be empty (retire its occupant first).
   */
  insert(
    table: RuleTable,
    key: string,
    slot: number,
    events: Event[],
    count: number,
  ): PartialMatch {
    this.#makeRoom(table, table.entities.get(key));
    // Eviction may have emptied and removed the entity: look it up again.
    let entity = table.entities.get(key);
    if (entity === undefined) {
      entity = new Entity(table, key, table.slots);
      table.entities.set(key, entity);
    }
    const p = new PartialMatch(entity, slot, events, count);
    setSlot(entity, slot, p);
    entity.count++;
    table.stats.active++;
    table.stats.created++;
    this.#active++;
    this.#linkTail(p);
    this.#linkTime(table, p);
    return p;
  }

  /** Moves `p` to an empty `slot` of its key and marks it recently used. */
  move(p: PartialMatch, slot: number): void {
    setSlot(p.entity, p.slot, undefined);
    setSlot(p.entity, slot, p);
    p.slot = slot;
    this.touch(p);
  }

  /** Marks `p` as most recently used. */
  touch(p: PartialMatch): void {
    if (this.#tail !== p) {
      this.#unlinkGlobal(p);
      this.#linkGlobalTail(p);
    }
    if (p.entity.table.lruTail !== p) {
      this.#unlinkRule(p);
      this.#linkRuleTail(p);
    }
  }

  /** Removes `p` and counts why. */
  retire(p: PartialMatch, outcome: Outcome): void {
    this.#remove(p);
    p.entity.table.stats[outcome]++;
  }

  /** Partial matches of `table`, least recently used first. */
  *byRecency(table: RuleTable): Generator<PartialMatch> {
    for (let p = table.lruHead; p !== null;) {
      const next = p.rNext;
      yield p;
      p = next;
    }
  }

  /**
   * Takes over the partial matches of `from` (a table of another store) into
   * `into`, keeping their order and counters; quotas of this store apply, so
   * a smaller store evicts. `from` is left empty.
   */
  adopt(source: StateStore, from: RuleTable, into: RuleTable): void {
    const byTime: PartialMatch[] = [];
    for (let p = from.timeHead; p !== null; p = p.tNext) byTime.push(p);
    const byUse = [...source.byRecency(from)];
    for (const p of byUse) source.#remove(p);
    const carried = { ...from.stats, active: 0 };
    Object.assign(into.stats, carried);
    const copies = new Map<PartialMatch, PartialMatch>();
    for (const p of byTime) {
      const q = this.insert(into, p.entity.key, p.slot, p.events, p.count);
      into.stats.created--; // already counted in the carried counters
      copies.set(p, q);
    }
    // Insertion followed event time; restore least-recently-used order.
    for (const p of byUse) {
      const q = copies.get(p);
      if (q !== undefined && q.entity.slots[q.slot] === q) this.touch(q);
    }
  }

  #makeRoom(table: RuleTable, entity: Entity | undefined): void {
    const q = this.quotas;
    if (entity !== undefined && entity.count >= q.maxPerEntity) {
      this.retire(oldestOf(entity), "evicted");
    }
    if (table.stats.active >= q.maxPerRule && table.lruHead !== null) {
      this.retire(table.lruHead, "evicted");
    }
    if (this.#active >= q.maxPartialMatches && this.#head !== null) {
      this.retire(this.#head, "evicted");
    }
  }

  #remove(p: PartialMatch): void {
    const entity = p.entity;
    const table = entity.table;
    if (entity.slots[p.slot] === p) setSlot(entity, p.slot, undefined);
    if (--entity.count === 0) table.entities.delete(entity.key);
    table.stats.active--;
    this.#active--;
    this.#unlinkGlobal(p);
    this.#unlinkRule(p);
    // Time list.
    if (p.tPrev !== null) p.tPrev.tNext = p.tNext;
    else table.timeHead = p.tNext;
    if (p.tNext !== null) p.tNext.tPrev = p.tPrev;
    else table.timeTail = p.tPrev;
    p.tPrev = p.tNext = null;
  }

  #linkTail(p: PartialMatch): void {
    this.#linkGlobalTail(p);
    this.#linkRuleTail(p);
  }

  #linkGlobalTail(p: PartialMatch): void {
    p.gPrev = this.#tail;
    p.gNext = null;
    if (this.#tail !== null) this.#tail.gNext = p;
    else this.#head = p;
    this.#tail = p;
  }

  #unlinkGlobal(p: PartialMatch): void {
    if (p.gPrev !== null) p.gPrev.gNext = p.gNext;
    else this.#head = p.gNext;
    if (p.gNext !== null) p.gNext.gPrev = p.gPrev;
    else this.#tail = p.gPrev;
    p.gPrev = p.gNext = null;
  }

  #linkRuleTail(p: PartialMatch): void {
    const t = p.entity.table;
    p.rPrev = t.lruTail;
    p.rNext = null;
    if (t.lruTail !== null) t.lruTail.rNext = p;
    else t.lruHead = p;
    t.lruTail = p;
  }

  #unlinkRule(p: PartialMatch): void {
    const t = p.entity.table;
    if (p.rPrev !== null) p.rPrev.rNext = p.rNext;
    else t.lruHead = p.rNext;
    if (p.rNext !== null) p.rNext.rPrev = p.rPrev;
    else t.lruTail = p.rPrev;
    p.rPrev = p.rNext = null;
  }

  #linkTime(t: RuleTable, p: PartialMatch): void {
    // Walk back over newer first events (input slightly out of order).
    let after = t.timeTail;
    if (t.timed) {
      const first = p.first;
      for (let i = 0; i < MAX_ORDER_WALK && after !== null && after.first > first; i++) {
        after = after.tPrev;
      }
      if (after !== null && after.first > first) after = t.timeTail; // too far out of order: append
    }
    p.tPrev = after;
    p.tNext = after === null ? t.timeHead : after.tNext;
    if (p.tNext !== null) p.tNext.tPrev = p;
    else t.timeTail = p;
    if (after !== null) after.tNext = p;
    else t.timeHead = p;
  }
}

/** Puts `p` (or nothing) in `slot` of `entity`, keeping the table's occupancy counts. */
function setSlot(entity: Entity, slot: number, p: PartialMatch | undefined): void {
  const slots = entity.slots;
  const was = slots[slot] !== undefined, is = p !== undefined;
  slots[slot] = p;
  if (was !== is) entity.table.occupied[slot] += is ? 1 : -1;
}

/**
 * The partial match of `entity` touched longest ago. Records are touched
 * exactly when an event is added, so that is the one whose latest event is
 * oldest (ties: the earlier stage). Only reached when a rule has more stages
 * than `maxPerEntity`, so a scan of the key's slots is fine.
 */
function oldestOf(entity: Entity): PartialMatch {
  let best: PartialMatch | undefined;
  let bestTime = 0n;
  for (const p of entity.slots) {
    if (p === undefined) continue;
    const last = latest(p);
    if (best === undefined || last < bestTime) {
      best = p;
      bestTime = last;
    }
  }
  return best!;
}

function latest(p: PartialMatch): bigint {
  let t: bigint | undefined;
  for (const ev of p.events) {
    if (ev !== undefined && (t === undefined || ev.timestamp > t)) t = ev.timestamp;
  }
  return t ?? 0n;
}

/** One remembered sighting, linked in update order. */
class Sighting {
  readonly key: string;
  time: bigint;
  prev: Sighting | null = null;
  next: Sighting | null = null;

  constructor(key: string, time: bigint) {
    this.key = key;
    this.time = time;
  }
}

/**
 * The last time a leading missing-event step was seen, per key, bounded:
 * the least recently updated key is dropped beyond `capacity`. Keys are
 * kept in update order (a list beside the map, so an update moves a record
 * instead of deleting and re-adding a map entry): the first is the oldest
 * sighting (for event-time-ordered input).
 */
export class Sightings {
  readonly #last = new Map<string, Sighting>();
  readonly #capacity: number;
  readonly #stats: RuleStats;
  /** Least recently updated. */
  #head: Sighting | null = null;
  /** Most recently updated. */
  #tail: Sighting | null = null;

  /** Remembers at most `capacity` keys, counting into `stats`. */
  constructor(capacity: number, stats: RuleStats) {
    this.#capacity = Math.max(1, capacity);
    this.#stats = stats;
  }

  /** Records a sighting for `key` at `ns`. */
  note(key: string, ns: bigint): void {
    const last = this.#last;
    const prev = last.get(key);
    if (prev !== undefined) {
      if (ns > prev.time) prev.time = ns; // keep the latest time on out-of-order input
      if (prev !== this.#tail) {
        this.#unlink(prev);
        this.#append(prev);
      }
      this.#stats.sightings = last.size;
      return;
    }
    if (last.size >= this.#capacity) {
      const oldest = this.#head!;
      this.#unlink(oldest);
      last.delete(oldest.key);
      this.#stats.sightingsEvicted++;
    }
    const s = new Sighting(key, ns);
    last.set(key, s);
    this.#append(s);
    this.#stats.sightings = last.size;
  }

  /** Last sighting for `key`, if remembered. */
  get(key: string): bigint | undefined {
    return this.#last.get(key)?.time;
  }

  /** Time of the oldest remembered sighting. */
  oldest(): bigint | undefined {
    return this.#head?.time;
  }

  /** Forgets sightings older than `cutoff` (they can block nothing any more). */
  forgetBefore(cutoff: bigint): void {
    for (let s = this.#head; s !== null && s.time < cutoff; s = this.#head) {
      this.#unlink(s);
      this.#last.delete(s.key);
    }
    this.#stats.sightings = this.#last.size;
  }

  /** Entries, oldest first (for carry-over). */
  *entries(): IterableIterator<[string, bigint]> {
    for (let s = this.#head; s !== null;) {
      const next = s.next;
      yield [s.key, s.time];
      s = next;
    }
  }

  #append(s: Sighting): void {
    s.prev = this.#tail;
    s.next = null;
    if (this.#tail !== null) this.#tail.next = s;
    else this.#head = s;
    this.#tail = s;
  }

  #unlink(s: Sighting): void {
    if (s.prev !== null) s.prev.next = s.next;
    else this.#head = s.next;
    if (s.next !== null) s.next.prev = s.prev;
    else this.#tail = s.prev;
    s.prev = s.next = null;
  }
}
