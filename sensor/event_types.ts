/**
 * The kernel record types (`enum kestrel_event_type` in `ebpf/events.h`)
 * and the ECS `event.category`, `event.type` and `event.action` each one
 * becomes, taken from the decoder's mapping so the two cannot disagree.
 * Interest pushdown reasons about rules with this table: a record type is
 * submitted by the kernel only when some rule could match an event with
 * these values.
 *
 * @module
 */
import {
  EVENT_FIELDS,
  type FieldTable,
  type MappingContext,
  type RecordView,
} from "../engine/decode_fields.ts";
import { EVENT_TYPE_MAX, EVENT_TYPE_NAMES, EventType } from "../engine/record_layout.ts";

/** Record type numbers, as in `ebpf/events.h`. */
export { EventType };

/** Size of the `kestrel_interest` map: record types are below it. */
export const EVENT_TYPE_COUNT = EVENT_TYPE_MAX;

/** What the events of one record type look like to a rule. */
export interface EventTypeInfo {
  /** Record type number. */
  type: number;
  /** Lower-case name, for statistics (`file_create`). */
  name: string;
  /** Values of `event.category` (an event may have several); undefined when not fixed per type. */
  categories: readonly string[] | undefined;
  /** Values of `event.type`; undefined when not fixed per type. */
  types: readonly string[] | undefined;
  /** The value of `event.action`; undefined when not fixed per type. */
  action: string | undefined;
}

/** Throws on any use: a reader that needs the record gives no per-type constant. */
const NO_RECORD = new Proxy({}, {
  get() {
    throw new Error("not a constant");
  },
}) as unknown as RecordView & MappingContext;

/** The values of `field` every event of a type has, read from the decoder's own mapping. */
function constantStrings(table: FieldTable, field: string): string[] | undefined {
  try {
    const v = table[field]?.(NO_RECORD, NO_RECORD);
    if (typeof v === "string") return [v];
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  } catch {
    // Depends on the record: unknown per type.
  }
  return undefined;
}

/** Every record type, index = type number (index 0 is unused). */
export const EVENT_TYPES: readonly (EventTypeInfo | undefined)[] = EVENT_FIELDS.map(
  (table, type) =>
    table === undefined ? undefined : {
      type,
      name: EVENT_TYPE_NAMES[type],
      categories: constantStrings(table, "event.category"),
      types: constantStrings(table, "event.type"),
      action: constantStrings(table, "event.action")?.[0],
    },
);

/**
 * Types the sensor always collects, whatever the rules: the process table
 * is built from them (forks, execs, exits, session and group changes).
 */
export const ALWAYS_COLLECTED: readonly number[] = [
  EventType.EXEC,
  EventType.FORK,
  EventType.EXIT,
  EventType.SETSID,
  EventType.SETPGID,
];

/**
 * Types collected only when a rule asks for them by name (`event.action`
 * or `event.type` pinned to their value), not merely because a rule could
 * match them: read-only opens are by far the most frequent file activity
 * and no public rule needs them unasked.
 */
export const OPT_IN: readonly number[] = [EventType.FILE_OPEN];

/** Types whose kernel programs apply the path prefix filter (`path_types`). */
export const PATH_FILTERED: readonly number[] = [
  EventType.FILE_CREATE,
  EventType.FILE_MODIFY,
  EventType.FILE_OPEN,
  EventType.FILE_DELETE,
  EventType.FILE_RENAME,
  EventType.FILE_CHMOD,
  EventType.FILE_CHOWN,
  EventType.FILE_LINK,
  EventType.FILE_SYMLINK,
];

/** The name of record type `type` (`type_42` for an unknown one). */
export function eventTypeName(type: number): string {
  return EVENT_TYPE_NAMES[type] ?? `type_${type}`;
}
