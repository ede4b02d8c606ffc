/**
 * Legacy lineage (`descendant of`, `child of`, `event of`) from the event
 * stream itself.
 *
 * {@link LineageTracker} learns parent links from events that carry both a
 * process entity id and a parent entity id, and remembers which processes
 * matched each registered lineage subquery. Memory is bounded: the process
 * table is an LRU with a capacity, and a process leaves it when its end
 * event has been seen.
 *
 * A process that matched is remembered by its descendants as well: when a
 * parent link is first recorded, the child copies the handles its parent and
 * ancestors had matched by then. So a process stays a child or descendant
 * of a matched ancestor after that ancestor (or an intermediate one, as in a
 * double fork) has ended and left the table — as Endgame's engine behaves.
 * A match an ancestor makes after the link was recorded is found by walking
 * the parent links through the table instead.
 *
 * @module
 */
import type { Event } from "./event.ts";
import type { Lineage } from "./lineage_api.ts";
import type { Schema } from "./schema.ts";
import type { Value } from "../eql/value.ts";

/**
 * Parent lookup by process entity id. The tracker implements it from the
 * stream; the live process tree can implement it from `/proc` and kernel
 * events and be passed in as {@link LineageOptions.relations}.
 */
export interface ProcessRelations {
  /** The parent's entity id, if known. */
  parentOf(entityId: string): string | undefined;
}

/** Entity fields of Endgame-style (legacy EQL) logs. */
export const LEGACY_LINEAGE_FIELDS: Readonly<{ entityField: string; parentEntityField: string }> =
  Object.freeze({ entityField: "unique_pid", parentEntityField: "unique_ppid" });

/** Options of {@link LineageTracker}. */
export interface LineageOptions {
  /** Field registry the events are read through; fields it lacks are admitted (type `unknown`). */
  schema: Schema;
  /** Process entity id field; `process.entity_id` by default. */
  entityField?: string;
  /** Parent entity id field; `process.parent.entity_id` by default. */
  parentEntityField?: string;
  /**
   * Also recognise legacy process ends (`event_type == "process"` and
   * `subtype == "terminate"`). Default: true when the entity field is not
   * an ECS field (a legacy log). Ignored when {@link isEnd} is given.
   */
  legacy?: boolean;
  /** Detects process end events; {@link processEndDetector} by default. */
  isEnd?: (ev: Event) => boolean;
  /** Process table capacity (least recently seen processes are evicted); 65,536 by default. */
  capacity?: number;
  /** How many ancestors `descendant of` walks at most; 64 by default. */
  maxDepth?: number;
  /** Parent links from elsewhere (the live process tree), consulted when the stream has none. */
  relations?: ProcessRelations;
}

const EMPTY: readonly number[] = Object.freeze([]);

/** One process in the table. */
class Proc {
  /** Parent entity id, once an event carried it. */
  parent: string | undefined = undefined;
  /** Handles whose subquery matched an event of this process (sorted). */
  matched: readonly number[] = EMPTY;
  /** The parent's `matched` when the link was recorded (`child of` outlives the parent). */
  parentMatched: readonly number[] = EMPTY;
  /** Every ancestor's `matched` when the link was recorded (`descendant of` outlives them). */
  ancestorMatched: readonly number[] = EMPTY;
  /** Tracker clock when an event of this process was last seen (for eviction). */
  seen = 0;
}

/**
 * Tracks process lineage from the event stream for legacy lineage
 * predicates. The engine calls {@link observe} for every event before it
 * evaluates rules on that event.
 */
export class LineageTracker implements Lineage, ProcessRelations {
  readonly #entityId: number;
  readonly #parentId: number;
  readonly #isEnd: (ev: Event) => boolean;
  readonly #capacity: number;
  readonly #maxDepth: number;
  readonly #relations: ProcessRelations | undefined;
  readonly #subqueries: ((ev: Event) => boolean)[] = [];
  /** Entity id → process; Map order is recency (least recently seen first). */
  readonly #table = new Map<string, Proc>();
  /** Processes whose end event was the last one seen; removed on the next event. */
  readonly #ended: string[] = [];
  #clock = 0;
  #evicted = 0;

  /** A tracker reading entity ids through `opts.schema`. */
  constructor(opts: LineageOptions) {
    const schema = opts.schema;
    const entityField = opts.entityField ?? "process.entity_id";
    this.#entityId = fieldId(schema, entityField);
    this.#parentId = fieldId(schema, opts.parentEntityField ?? "process.parent.entity_id");
    const legacy = opts.legacy ?? schema.lookup(entityField)?.origin !== "ecs";
    this.#isEnd = opts.isEnd ?? processEndDetector(schema, { legacy });
    this.#capacity = Math.max(1, opts.capacity ?? 65_536);
    this.#maxDepth = Math.max(1, opts.maxDepth ?? 64);
    this.#relations = opts.relations;
  }

  /** Registers a lineage subquery; the handle is its index. */
  register(matches: (ev: Event) => boolean): number {
    this.#subqueries.push(matches);
    return this.#subqueries.length - 1;
  }

  /**
   * Learns from `ev`: its parent link, which subqueries its process
   * matches, and whether the process ended. An ended process leaves the
   * table when the next event arrives, so rules can still relate the end
   * event itself to its ancestors.
   *
   * `open`, when given, says which subqueries can match `ev` at all (an
   * index over their categories and literals found so): subquery `h` is
   * only evaluated if `open[h]` is 1. Without it every subquery is.
   */
  observe(ev: Event, open?: Uint8Array): void {
    if (this.#ended.length) this.#removeEnded();
    const id = entityOf(ev, this.#entityId);
    if (id === undefined) return;
    const proc = this.#touch(id);
    const parent = entityOf(ev, this.#parentId);
    if (parent !== undefined && parent !== id && parent !== proc.parent) this.#link(proc, parent);
    const subqueries = this.#subqueries;
    for (let h = 0; h < subqueries.length; h++) {
      if (open !== undefined && open[h] !== 1) continue;
      if (!proc.matched.includes(h) && subqueries[h](ev)) {
        proc.matched = withHandle(proc.matched, h);
      }
    }
    if (this.#isEnd(ev)) this.#ended.push(id);
  }

  /** Whether `ev`'s process (`event`), its parent (`child`) or an ancestor (`descendant`) matched `handle`. */
  test(handle: number, relation: "descendant" | "child" | "event", ev: Event): boolean {
    const id = entityOf(ev, this.#entityId);
    if (id === undefined) return false;
    const proc = this.#table.get(id);
    if (relation === "event") return proc !== undefined && proc.matched.includes(handle);
    // The event's own parent field wins over a link learnt earlier.
    const parent = entityOf(ev, this.#parentId) ?? this.parentOf(id);
    if (parent === undefined) return false;
    if (relation === "child") {
      if (proc !== undefined && proc.parent === parent && proc.parentMatched.includes(handle)) {
        return true;
      }
      return this.#table.get(parent)?.matched.includes(handle) ?? false;
    }
    if (proc !== undefined && proc.ancestorMatched.includes(handle)) return true;
    // Bounded walk: a cycle in bad data costs at most maxDepth steps.
    let cur: string | undefined = parent;
    for (let depth = 0; cur !== undefined && depth < this.#maxDepth; depth++) {
      const p = this.#table.get(cur);
      if (p !== undefined && (p.matched.includes(handle) || p.ancestorMatched.includes(handle))) {
        return true;
      }
      cur = p?.parent ?? this.#relations?.parentOf(cur);
    }
    return false;
  }

  /** The parent of `entityId`: from the stream, else from the external relations. */
  parentOf(entityId: string): string | undefined {
    return this.#table.get(entityId)?.parent ?? this.#relations?.parentOf(entityId);
  }

  /** Processes in the table. */
  get size(): number {
    return this.#table.size;
  }

  /** Processes evicted because the table was full. */
  get evicted(): number {
    return this.#evicted;
  }

  #touch(id: string): Proc {
    const table = this.#table;
    let proc = table.get(id);
    if (proc === undefined) {
      proc = new Proc();
      table.set(id, proc);
      if (table.size > this.#capacity) this.#evictOldest();
    }
    // A clock stamp instead of re-inserting into the Map on every event.
    proc.seen = ++this.#clock;
    return proc;
  }

  /**
   * Evicts the oldest-inserted process that was not seen recently; one seen
   * in the newer half of the clock window gets a second chance (re-inserted
   * at the back), which approximates least-recently-seen at a fraction of the
   * cost of exact LRU.
   */
  #evictOldest(): void {
    const table = this.#table;
    const recent = this.#clock - this.#capacity / 2;
    for (let tries = table.size; tries > 0; tries--) {
      const oldest = table.entries().next();
      if (oldest.done) return;
      const [key, proc] = oldest.value;
      table.delete(key);
      if (proc.seen > recent && tries > 1) {
        table.set(key, proc);
        continue;
      }
      this.#evicted++;
      return;
    }
  }

  #link(proc: Proc, parent: string): void {
    proc.parent = parent;
    const pp = this.#table.get(parent);
    proc.parentMatched = pp?.matched ?? EMPTY;
    if (pp !== undefined) {
      // Lineage history accumulates: a re-parented process keeps what it inherited before.
      proc.ancestorMatched = union(proc.ancestorMatched, union(pp.matched, pp.ancestorMatched));
    }
  }

  #removeEnded(): void {
    for (const id of this.#ended) this.#table.delete(id);
    this.#ended.length = 0;
  }
}

/**
 * The default process end detector: ECS `event.type` holds `end`; with
 * `legacy`, also `event_type == "process"` and `subtype == "terminate"`
 * (case-insensitively, as legacy EQL compares). Without `legacy`, the legacy
 * test applies only if `schema` already knows both fields.
 */
export function processEndDetector(
  schema: Schema,
  opts: { legacy?: boolean } = {},
): (ev: Event) => boolean {
  const typeId = schema.lookup("event.type")?.id;
  const legacyId = (name: string) => opts.legacy ? fieldId(schema, name) : schema.lookup(name)?.id;
  const eventTypeId = legacyId("event_type");
  const subtypeId = legacyId("subtype");
  const hasLegacy = eventTypeId !== undefined && subtypeId !== undefined;
  return (ev) => {
    if (typeId !== undefined && holds(ev.get(typeId), "end")) return true;
    return hasLegacy && equalsFolded(ev.get(eventTypeId), "process") &&
      equalsFolded(ev.get(subtypeId), "terminate");
  };
}

/** The id of field `name`, admitting it (type `unknown`) if the schema lacks it. */
function fieldId(schema: Schema, name: string): number {
  return (schema.lookup(name) ?? schema.admit(name, "unknown")).id;
}

/** An entity id as text: strings as they are, numbers (legacy `unique_pid`) in decimal. */
function entityOf(ev: Event, id: number): string | undefined {
  const v = ev.get(id);
  if (typeof v === "string") return v === "" ? undefined : v;
  if (typeof v === "number") return String(v);
  return undefined;
}

function holds(v: Value | undefined, want: string): boolean {
  return v === want || (Array.isArray(v) && v.includes(want));
}

function equalsFolded(v: Value | undefined, want: string): boolean {
  return typeof v === "string" && v.toLowerCase() === want;
}

/** `list` plus handle `h`, as a new sorted array. */
function withHandle(list: readonly number[], h: number): readonly number[] {
  return union(list, [h]);
}

/** Sorted union of two sorted handle lists; returns an input unchanged when it already covers both. */
function union(a: readonly number[], b: readonly number[]): readonly number[] {
  if (b.length === 0 || b.every((h) => a.includes(h))) return a;
  if (a.length === 0) return b;
  return Object.freeze([...new Set([...a, ...b])].sort((x, y) => x - y));
}
