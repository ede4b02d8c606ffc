/**
 * The field schema registry: dotted field path → small dense integer id and
 * type. Predicates address fields by id; the EQL compiler type-checks
 * against {@link FieldInfo.type}.
 *
 * The registry holds every ECS field (from the generated table), the few
 * extension fields Kestrel events carry beyond core ECS, and, in dynamic
 * mode, fields admitted on first use. See ARCHITECTURE §3.
 *
 * @module
 */

import { ECS_FIELD_TABLE } from "./ecs_fields.generated.ts";

/**
 * How unknown fields are treated: `ecs` rejects non-ECS fields (rules on
 * run/validate/replay); `dynamic` admits them on first use (foreign logs).
 */
export type SchemaMode = "ecs" | "dynamic";

/** Value types the EQL compiler type-checks against. */
export type ValueType = "string" | "number" | "boolean" | "date" | "ip" | "object" | "unknown";

/** Where a registered field comes from. */
export type FieldOrigin = "ecs" | "extension" | "dynamic";

/** One registered field. Shared between registries, hence read-only. */
export interface FieldInfo {
  /** Small dense integer, 0..size-1, in registration order; stable for a given table. */
  readonly id: number;
  /** Dotted path, e.g. `process.parent.name`. */
  readonly name: string;
  /** The type the compiler checks against. */
  readonly type: ValueType;
  /** Raw ECS type (`keyword`, `long`, ...), or `dynamic` for admitted fields. */
  readonly ecsType: string;
  /** ECS normalization `array`: the field holds a list. */
  readonly array: boolean;
  /** The Linux sensor fills it (see {@link SENSOR_FIELDS}). */
  readonly populated: boolean;
  /** ECS table, Kestrel/Elastic Endpoint extension, or admitted in dynamic mode. */
  readonly origin: FieldOrigin;
}

/** An extension field: `[name, ecsType, array]`. */
export type ExtensionField = readonly [name: string, ecsType: string, array: boolean];

/**
 * Fields beyond core ECS that Kestrel events or alerts carry, following
 * Elastic Endpoint's `Ext` conventions so Elastic's Linux rules run
 * unchanged. Only fields Kestrel actually emits belong here; more come when
 * the sensor emits them. An entry that ECS itself later defines is ignored
 * (the ECS definition wins).
 */
export const EXTENSION_FIELDS: readonly ExtensionField[] = Object.freeze(
  [
    // rename: the file's path before the rename (Elastic Endpoint extension).
    ["file.Ext.original.path", "keyword", false],
    ["file.Ext.original.name", "keyword", false],
    ["file.Ext.original.extension", "keyword", false],
    // Real (not effective) ids, as Elastic Endpoint reports them for setuid/setgid checks.
    ["user.Ext.real.id", "keyword", false],
    ["group.Ext.real.id", "keyword", false],
    ["process.Ext.load_module.taint_flags", "keyword", false],
    // Auditbeat/auditd fields that Elastic's public Linux rules test.
    ["auditd.data.syscall", "keyword", false],
    ["auditd.data.a0", "keyword", false],
    ["auditd.data.a1", "keyword", false],
    ["auditd.data.a2", "keyword", false],
    ["auditd.data.class", "keyword", false],
    ["auditd.data.socket.family", "keyword", false],
    ["auditd.result", "keyword", false],
    // Integration fields used by Elastic's cross-platform rules, so those compile unchanged.
    ["kubernetes.audit.stage", "keyword", false],
    ["kubernetes.audit.verb", "keyword", false],
    ["kubernetes.audit.objectRef.resource", "keyword", false],
    ["kubernetes.audit.objectRef.subresource", "keyword", false],
    ["kubernetes.audit.user.extra.authentication.kubernetes.io/pod-name", "keyword", true],
    ["kubernetes.audit.annotations.authorization_k8s_io/decision", "keyword", false],
    ["aws.cloudtrail.user_identity.type", "keyword", false],
    ["kibana.alert.risk_score", "float", false],
    ["kibana.alert.rule.name", "keyword", false],
    ["kibana.alert.rule.rule_id", "keyword", false],
    // Set on alerts whose sequence span overlaps a ring-buffer drop.
    ["kestrel.alert.degraded", "boolean", false],
    // Live events (engine/decode_fields.ts). Appended here, after the older entries, so
    // their ids do not move. Elastic Endpoint names where it has one: memfd, ptrace,
    // mprotect, load_module.
    ["process.Ext.memfd.name", "keyword", false],
    ["process.Ext.memfd.flags", "long", false],
    ["process.Ext.memfd.flag_cloexec", "boolean", false],
    ["process.Ext.memfd.flag_allow_seal", "boolean", false],
    ["process.Ext.memfd.flag_hugetlb", "boolean", false],
    ["process.Ext.memfd.flag_noexec_seal", "boolean", false],
    ["process.Ext.memfd.flag_exec", "boolean", false],
    ["process.Ext.ptrace.request", "long", false],
    ["process.Ext.ptrace.child_pid", "long", false],
    ["process.Ext.ptrace.addr", "long", false],
    ["process.Ext.ptrace.data", "long", false],
    ["process.Ext.mprotect.addr", "long", false],
    ["process.Ext.mprotect.len", "long", false],
    ["process.Ext.mprotect.prot", "long", false],
    ["process.Ext.load_module.name", "keyword", false],
    // Kestrel's own, where Elastic Endpoint has no field: exec details (the #! interpreter;
    // what stdin/stdout were: tty, pipe, socket, file, other), the ids before a set*id
    // call, the ptrace target's entity, prctl, BPF program loads, PAM, mount, xattr.
    ["process.Ext.interpreter", "keyword", false],
    ["process.Ext.stdin", "keyword", false],
    ["process.Ext.stdout", "keyword", false],
    ["process.Ext.previous.user.id", "keyword", false],
    ["process.Ext.previous.real_user.id", "keyword", false],
    ["process.Ext.previous.saved_user.id", "keyword", false],
    ["process.Ext.previous.group.id", "keyword", false],
    ["process.Ext.previous.real_group.id", "keyword", false],
    ["process.Ext.previous.saved_group.id", "keyword", false],
    ["process.Ext.ptrace.child_entity_id", "keyword", false],
    ["process.Ext.prctl.option", "long", false],
    ["process.Ext.prctl.name", "keyword", false],
    ["process.Ext.bpf.prog_name", "keyword", false],
    ["process.Ext.bpf.prog_type", "long", false],
    ["process.Ext.pam.service", "keyword", false],
    ["process.Ext.pam.tty", "keyword", false],
    ["file.Ext.mount.source", "keyword", false],
    ["file.Ext.mount.fs_type", "keyword", false],
    ["file.Ext.xattr.name", "keyword", false],
  ] as const,
);

/** What the sensor reports for the acting process and, where known, its relatives (§3). */
const PROCESS_FIELDS = [
  "pid",
  "entity_id",
  "name",
  "executable",
  "args",
  "args_count",
  "command_line",
  "working_directory",
  "start",
  "interactive",
  "user.id",
  "group.id",
  "real_user.id",
] as const;

/** The relatives the process tree fills in. */
const PROCESS_RELATIVES = ["parent", "session_leader", "group_leader", "entry_leader"] as const;

/**
 * Fields the Linux sensor populates (ARCHITECTURE §3): exact names, or
 * prefixes written `prefix.*` that cover every registered field below them.
 * Only registered fields are marked; a rule naming a field outside this list
 * compiles with a warning in `ecs` mode.
 */
export const SENSOR_FIELDS: readonly string[] = Object.freeze([
  // Every live event.
  "@timestamp",
  "host.os.type",
  "host.name",
  "host.id",
  "event.category",
  "event.type",
  "event.action",
  "event.outcome",
  "event.kind",
  "event.id",
  // The acting process and its relatives.
  ...PROCESS_FIELDS.map((f) => `process.${f}`),
  "process.exit_code",
  "process.end",
  "process.env_vars",
  "process.real_group.id",
  "process.saved_user.id",
  "process.saved_group.id",
  "process.previous.executable",
  "process.previous.args",
  "process.previous.args_count",
  "process.Ext.interpreter",
  "process.Ext.stdin",
  "process.Ext.stdout",
  "process.Ext.previous.*",
  "process.Ext.ptrace.*",
  "process.Ext.prctl.*",
  "process.Ext.memfd.*",
  "process.Ext.mprotect.*",
  "process.Ext.load_module.name",
  "process.Ext.bpf.*",
  "process.Ext.pam.*",
  ...PROCESS_RELATIVES.flatMap((r) => PROCESS_FIELDS.map((f) => `process.${r}.${f}`)),
  // Users and groups (also authentication events).
  "user.id",
  "user.name",
  "user.Ext.real.id",
  "group.id",
  "group.name",
  "group.Ext.real.id",
  // File events.
  "file.path",
  "file.name",
  "file.extension",
  "file.directory",
  "file.mode",
  "file.uid",
  "file.gid",
  "file.owner",
  "file.inode",
  "file.Ext.original.*",
  "file.Ext.mount.*",
  "file.Ext.xattr.*",
  "file.target_path",
  // Network and DNS events.
  "source.ip",
  "source.port",
  "source.domain",
  "source.user.name",
  "destination.ip",
  "destination.port",
  "network.transport",
  "network.direction",
  "network.type",
  "network.protocol",
  "dns.id",
  "dns.question.name",
  "dns.question.type",
  "dns.question.class",
  // Container context.
  "container.id",
]);

const STRING_TYPES = [
  "keyword",
  "constant_keyword",
  "wildcard",
  "match_only_text",
  "text",
  "version",
];
const NUMBER_TYPES = [
  "long",
  "integer",
  "short",
  "byte",
  "unsigned_long",
  "float",
  "double",
  "half_float",
  "scaled_float",
];
const OBJECT_TYPES = ["object", "flattened", "nested", "geo_point"];

const VALUE_TYPES: ReadonlyMap<string, ValueType> = new Map<string, ValueType>([
  ...STRING_TYPES.map((t): [string, ValueType] => [t, "string"]),
  ...NUMBER_TYPES.map((t): [string, ValueType] => [t, "number"]),
  ...OBJECT_TYPES.map((t): [string, ValueType] => [t, "object"]),
  ["boolean", "boolean"],
  ["date", "date"],
  ["ip", "ip"],
]);

/** Maps a raw ECS type (`keyword`, `long`, ...) to the compiler's value type; `unknown` if unmapped. */
export function ecsValueType(ecsType: string): ValueType {
  return VALUE_TYPES.get(ecsType) ?? "unknown";
}

/** The immutable ECS + extension part of every registry, built once per process. */
interface BaseTable {
  readonly byId: readonly FieldInfo[];
  readonly byName: ReadonlyMap<string, FieldInfo>;
}

let baseTable: BaseTable | undefined;
let basePrefixes: ReadonlySet<string> | undefined;

/**
 * Parses the generated table once; later registries share the frozen
 * result. One `indexOf` pass without intermediate arrays, because this runs
 * at every start (budget: a few milliseconds).
 */
function base(): BaseTable {
  if (baseTable !== undefined) return baseTable;
  const isPopulated = sensorMatcher();
  const byId: FieldInfo[] = [];
  const byName = new Map<string, FieldInfo>();
  const add = (name: string, ecsType: string, array: boolean, origin: FieldOrigin): void => {
    const info: FieldInfo = Object.freeze({
      id: byId.length,
      name,
      type: ecsValueType(ecsType),
      ecsType,
      array,
      populated: isPopulated(name),
      origin,
    });
    byId.push(info);
    byName.set(name, info);
  };

  const table = ECS_FIELD_TABLE;
  for (let i = 0; i < table.length;) {
    let end = table.indexOf("\n", i);
    if (end < 0) end = table.length;
    const tab1 = table.indexOf("\t", i);
    const tab2 = tab1 < 0 ? -1 : table.indexOf("\t", tab1 + 1);
    if (tab1 < 0 || tab2 < 0 || tab2 + 2 !== end) {
      throw new Error(`corrupt ECS field table line: ${JSON.stringify(table.slice(i, end))}`);
    }
    add(table.slice(i, tab1), table.slice(tab1 + 1, tab2), table[tab2 + 1] === "1", "ecs");
    i = end + 1;
  }
  for (const [name, ecsType, array] of EXTENSION_FIELDS) {
    if (!byName.has(name)) add(name, ecsType, array, "extension");
  }
  baseTable = { byId: Object.freeze(byId), byName };
  return baseTable;
}

/**
 * Every proper dotted prefix of an ECS or extension field (`process`,
 * `process.parent`, ...), built on first use: only the compiler's error
 * path needs it, so it stays off the start-up path.
 */
function baseObjectPrefixes(): ReadonlySet<string> {
  if (basePrefixes !== undefined) return basePrefixes;
  const prefixes = new Set<string>();
  for (const info of base().byId) addPrefixes(prefixes, info.name);
  basePrefixes = prefixes;
  return prefixes;
}

/** Turns {@link SENSOR_FIELDS} into a predicate over field names. */
function sensorMatcher(): (name: string) => boolean {
  const exact = new Set<string>();
  const under: string[] = [];
  for (const entry of SENSOR_FIELDS) {
    if (entry.endsWith(".*")) under.push(entry.slice(0, -1)); // keep the dot: "file.Ext.original."
    else exact.add(entry);
  }
  return (name) => {
    if (exact.has(name)) return true;
    for (const prefix of under) if (name.startsWith(prefix)) return true;
    return false;
  };
}

/** Records every proper dotted prefix of `name`. */
function addPrefixes(prefixes: Set<string>, name: string): void {
  for (let dot = name.indexOf("."); dot > 0; dot = name.indexOf(".", dot + 1)) {
    prefixes.add(name.slice(0, dot));
  }
}

/**
 * A field registry. {@link Schema.ecs} returns a fresh registry; fields
 * admitted into one (dynamic mode) are invisible to others. ECS and
 * extension fields have the same ids in every registry.
 */
export class Schema {
  readonly #base: BaseTable;
  readonly #dynamic: FieldInfo[] = [];
  readonly #dynamicByName = new Map<string, FieldInfo>();
  readonly #dynamicPrefixes = new Set<string>();

  private constructor(table: BaseTable) {
    this.#base = table;
  }

  /** A new registry holding all ECS fields and the Kestrel/Elastic Endpoint extension fields. */
  static ecs(): Schema {
    return new Schema(base());
  }

  /** The field registered under `name`, if any. */
  lookup(name: string): FieldInfo | undefined {
    return this.#base.byName.get(name) ?? this.#dynamicByName.get(name);
  }

  /** The field with id `id`; throws `RangeError` for an id this registry never assigned. */
  byId(id: number): FieldInfo {
    const baseIds = this.#base.byId;
    const info = Number.isInteger(id) && id >= 0
      ? (id < baseIds.length ? baseIds[id] : this.#dynamic[id - baseIds.length])
      : undefined;
    if (info === undefined) throw new RangeError(`no field with id ${id} (size ${this.size})`);
    return info;
  }

  /**
   * Dynamic mode: returns the field `name`, registering it first (origin
   * `dynamic`, typed `type`) when unknown. A known field keeps its type.
   */
  admit(name: string, type: ValueType): FieldInfo {
    const known = this.lookup(name);
    if (known !== undefined) return known;
    if (name === "") throw new TypeError("a field name cannot be empty");
    const info: FieldInfo = Object.freeze({
      id: this.size,
      name,
      type,
      ecsType: "dynamic",
      array: false,
      populated: false, // foreign-log fields: the sensor never fills them
      origin: "dynamic",
    });
    this.#dynamic.push(info);
    this.#dynamicByName.set(name, info);
    addPrefixes(this.#dynamicPrefixes, name);
    return info;
  }

  /** Number of registered fields; ids are `0..size-1`. */
  get size(): number {
    return this.#base.byId.length + this.#dynamic.length;
  }

  /** Every registered field, in id order. */
  *fields(): IterableIterator<FieldInfo> {
    yield* this.#base.byId;
    yield* this.#dynamic;
  }

  /**
   * True if `name` is an object holding known fields (e.g. `process.parent`),
   * so the compiler can say "`name` is an object, not a field". False for
   * leaf fields, including those with ECS multi-fields below them
   * (`process.command_line` has `process.command_line.text` but is a string).
   */
  isObjectPrefix(name: string): boolean {
    if (!baseObjectPrefixes().has(name) && !this.#dynamicPrefixes.has(name)) return false;
    const field = this.lookup(name);
    return field === undefined || field.type === "object";
  }
}
