/**
 * Kernel records → events. {@link RecordDecoder} validates a record in the
 * ring buffer (header, version, size, every descriptor within the record),
 * updates the process table from it, and returns a {@link RecordEvent} that
 * reads its fields lazily: `get(id)` runs a small reader chosen by event
 * type and field id (tables built once per decoder, see `decode_fields.ts`
 * for the ECS mapping), and strings are decoded only when read.
 *
 * Lifetime: an event reads the ring buffer's memory, valid only until the
 * ring advances, and the process table, which later records change. Call
 * {@link RecordEvent.retain} to keep an event beyond the current call: it
 * copies the record bytes and snapshots the process records it refers to.
 * Each call returns a new event object (a few words; the bytes are not
 * copied), not a reused one: object identity, `seq` and `timestamp` stay
 * right even for a holder that forgot to retain, and only that holder's
 * lazily read fields could go stale.
 *
 * @module
 */
import type { Value } from "../eql/value.ts";
import { CLOCK_BOOTTIME, CLOCK_REALTIME, clockNs } from "../ffi/libc.ts";
import type { ContainerResolver } from "./container.ts";
import {
  EVENT_FIELDS,
  exitCode,
  type FieldReader,
  type MappingContext,
  type PreviousImage,
  type RecordView,
  Rel,
  type RelKind,
} from "./decode_fields.ts";
import type { Event } from "./event.ts";
import { entityId, type ProcessInfo, type ProcessTable, ticksFromBootNs } from "./procs.ts";
import {
  EVENT_TYPE_MAX,
  EVENT_TYPE_NAMES,
  EVENTS_VERSION,
  EventType,
  FdKind,
  KESTREL_CRED_CHANGE,
  KESTREL_EXEC,
  KESTREL_EXIT,
  KESTREL_HDR,
  KESTREL_PTRACE,
  KESTREL_SETID,
  RECORD_KINDS,
} from "./record_layout.ts";
import { baseName, descList, descString, fixedString, idString } from "./record_read.ts";
import type { Schema } from "./schema.ts";

/** Options of {@link RecordDecoder}. */
export interface DecoderOptions {
  /** The field registry rules were compiled against. */
  schema: Schema;
  /** The process table, updated by exec, fork, exit and id-change records. */
  procs: ProcessTable;
  /** `host.id` and `host.name`; `id` must be the host id `procs` hashes entity ids with. */
  host: { id: string; name: string };
  /** Epoch ns of boot: event `@timestamp` = bootEpochNs + the record's ktime ({@link bootEpochNs}). */
  bootEpochNs: bigint;
  /** Maps cgroup ids to `container.id` (`CgroupResolver`); without it there is no `container.id`. */
  containers?: ContainerResolver;
  /**
   * Inode of the initial pid namespace (`/proc/1/ns/pid`). Pids given to
   * syscalls (setpgid's, ptrace's target) are in the caller's namespace;
   * they are looked up in the table only for callers in this one.
   */
  initPidNs?: number;
}

/** What the decoder has seen. */
export interface DecoderStats {
  /** Records turned into events. */
  decoded: number;
  /** Well-formed records of types that are not events (the self-test's type 0, unknown types). */
  skipped: number;
  /** Records rejected: too short, wrong version, sizes or descriptors out of bounds. */
  malformed: number;
  /** Well-formed records by type name (`exec`, `net_dns`, …; `type_<n>` for unknown numbers). */
  readonly byType: Record<string, number>;
}

const H = KESTREL_HDR.off;
const HDR_SIZE = KESTREL_HDR.size;

/** What every event of one decoder shares: reader tables, the read cache, the table. */
class Shared {
  readonly procs: ProcessTable;
  readonly ctx: MappingContext;
  readonly initPidNs: number | undefined;
  /** Per event type: field id → reader. */
  readonly byId: (readonly (FieldReader | undefined)[] | undefined)[];
  /** Per event type: (path segments, reader) of every field, for `toJSON`. */
  readonly entries: (readonly (readonly [readonly string[], FieldReader])[] | undefined)[];
  /**
   * A read cache shared by the decoder's events: slot `id` holds the value
   * last read for field `id` and the stamp of the event it was read from.
   * Rules read the same fields many times per event; strings are decoded once.
   */
  readonly cacheStamp: Float64Array;
  readonly cacheValue: (Value | undefined)[];
  #stamps = 0;

  constructor(opts: DecoderOptions) {
    const { schema, host, procs } = opts;
    this.procs = procs;
    this.initPidNs = opts.initPidNs;
    this.ctx = {
      hostName: host.name,
      hostId: host.id,
      bootEpochNs: opts.bootEpochNs,
      containers: opts.containers,
      entityId: (pid, ticks) => entityId(host.id, pid, ticks),
    };
    this.byId = [];
    this.entries = [];
    for (let t = 0; t < EVENT_TYPE_MAX; t++) {
      const fields = EVENT_FIELDS[t];
      if (fields === undefined) {
        this.byId.push(undefined);
        this.entries.push(undefined);
        continue;
      }
      const byId: (FieldReader | undefined)[] = new Array(schema.size).fill(undefined);
      const entries: [string[], FieldReader][] = [];
      for (const [name, read] of Object.entries(fields)) {
        if (read === undefined) continue;
        entries.push([name.split("."), read]);
        const info = schema.lookup(name);
        if (info !== undefined) byId[info.id] = read;
      }
      this.byId.push(byId);
      this.entries.push(entries);
    }
    this.cacheStamp = new Float64Array(schema.size);
    this.cacheValue = new Array(schema.size).fill(undefined);
  }

  nextStamp(): number {
    return ++this.#stamps;
  }

  /** The table's current record of `kind` for the live event `e`. */
  resolve(e: RecordEvent, kind: RelKind): ProcessInfo | undefined {
    const self = e.self;
    const procs = this.procs;
    switch (kind) {
      case Rel.SELF:
        return self;
      case Rel.PARENT: {
        const ppid = e.view.getUint32(e.at + H.ppid, true);
        const p = ppid === 0 ? undefined : procs.byPid(ppid);
        // Only the parent the header names: a reused pid is another process.
        return p !== undefined && p.startTicks === startTicksAt(e.view, e.at + H.parent_start_time)
          ? p
          : undefined;
      }
      case Rel.SESSION_LEADER:
        return leader(procs, self.sessionLeaderEntityId);
      case Rel.GROUP_LEADER:
        return leader(procs, self.groupLeaderEntityId);
      case Rel.ENTRY_LEADER:
        return leader(procs, self.entryLeaderEntityId);
      case Rel.TARGET: {
        if (e.type !== EventType.PTRACE || !this.inInitPidNs(e.view, e.at)) return undefined;
        return procs.byPid(e.view.getUint32(e.at + KESTREL_PTRACE.off.target_pid, true));
      }
    }
    return undefined;
  }

  /** True when the record's caller is in the initial pid namespace, so its pid arguments are global. */
  inInitPidNs(view: DataView, at: number): boolean {
    return this.initPidNs !== undefined && view.getUint32(at + H.pidns, true) === this.initPidNs;
  }
}

function leader(procs: ProcessTable, id: string | undefined): ProcessInfo | undefined {
  return id === undefined ? undefined : procs.byEntity(id);
}

/**
 * `ticksFromBootNs` of the u64 at `view[at]`, without a bigint: the two
 * halves combine exactly as long as the high one is below 2^30 (uptimes
 * under about 146 years); beyond that the bigint path gives the same value.
 */
function startTicksAt(view: DataView, at: number): number {
  const lo = view.getUint32(at, true), hi = view.getUint32(at + 4, true);
  if (hi >= 0x4000_0000) return ticksFromBootNs(view.getBigUint64(at, true));
  // hi·2^32 = hi·429·10^7 + hi·4,967,296; both terms and the sum stay below 2^53.
  return hi * 429 + Math.floor((hi * 4_967_296 + lo) / 10_000_000);
}

/** The snapshot slots, in {@link Rel} order. */
const REL_KINDS: readonly RelKind[] = [
  Rel.SELF,
  Rel.PARENT,
  Rel.SESSION_LEADER,
  Rel.GROUP_LEADER,
  Rel.ENTRY_LEADER,
  Rel.TARGET,
];

/** An event backed by a kernel record; fields are read on demand. */
export class RecordEvent implements Event, RecordView {
  /** Boot epoch + the record's ktime: ns since the epoch. */
  readonly timestamp: bigint;
  /** The decoder's running count of events, 1 for the first. */
  readonly seq: number;
  /** The bytes holding the record: ring memory, or the event's own copy once retained. */
  readonly view: DataView;
  /** Offset of the record in {@link view}. */
  readonly at: number;
  /** Record size in bytes (`hdr.size`). */
  readonly size: number;
  /** Kernel event type (`EventType`). */
  readonly type: number;
  /** The acting process's table record (a snapshot once retained). */
  readonly self: ProcessInfo;
  /** Exec: the image the process ran before. */
  readonly previous: PreviousImage | undefined;
  readonly #shared: Shared;
  readonly #stamp: number;
  /** Set once retained: the relatives as they were, and ownership of the bytes. */
  readonly #snapshot: readonly (ProcessInfo | undefined)[] | undefined;

  /** Used by {@link RecordDecoder}; not meant to be called directly. */
  constructor(
    shared: Shared,
    view: DataView,
    at: number,
    size: number,
    type: number,
    timestamp: bigint,
    seq: number,
    self: ProcessInfo,
    previous: PreviousImage | undefined,
    snapshot?: readonly (ProcessInfo | undefined)[],
  ) {
    this.#shared = shared;
    this.view = view;
    this.at = at;
    this.size = size;
    this.type = type;
    this.timestamp = timestamp;
    this.seq = seq;
    this.self = self;
    this.previous = previous;
    this.#snapshot = snapshot;
    this.#stamp = shared.nextStamp();
  }

  /** Field `id`, read from the record or the table on first use, then from the read cache. */
  get(id: number): Value | undefined {
    const s = this.#shared;
    const stamps = s.cacheStamp;
    if (id < stamps.length && stamps[id] === this.#stamp) return s.cacheValue[id];
    const read = s.byId[this.type]?.[id];
    const v = read === undefined ? undefined : read(this, s.ctx);
    if (id < stamps.length) {
      stamps[id] = this.#stamp;
      s.cacheValue[id] = v;
    }
    return v;
  }

  /** The acting process or a relative, from the table (or the snapshot once retained). */
  rel(kind: RelKind): ProcessInfo | undefined {
    const snap = this.#snapshot;
    return snap !== undefined ? snap[kind] : this.#shared.resolve(this, kind);
  }

  /** The full ECS document: nested objects, only the fields this event has. */
  toJSON(): Record<string, unknown> {
    const s = this.#shared;
    const doc: Record<string, unknown> = {};
    for (const [path, read] of s.entries[this.type] ?? []) {
      const v = read(this, s.ctx);
      if (v === undefined) continue;
      let o = doc;
      for (let i = 0; i < path.length - 1; i++) {
        o = (o[path[i]] ??= {}) as Record<string, unknown>;
      }
      o[path[path.length - 1]] = Array.isArray(v) ? v.slice() : v;
    }
    return doc;
  }

  /**
   * A copy that stays valid after the ring advances and the process table
   * changes: the record bytes copied into the event's own buffer, the
   * process records it refers to (self, parent, leaders, ptrace target)
   * copied as they are now. A retained event returns itself.
   */
  retain(): RecordEvent {
    if (this.#snapshot !== undefined) return this;
    const bytes = new Uint8Array(this.size);
    bytes.set(new Uint8Array(this.view.buffer, this.view.byteOffset + this.at, this.size));
    const snapshot = REL_KINDS.map((k) => {
      const p = this.rel(k);
      return p === undefined ? undefined : { ...p };
    });
    return new RecordEvent(
      this.#shared,
      new DataView(bytes.buffer),
      0,
      this.size,
      this.type,
      this.timestamp,
      this.seq,
      snapshot[Rel.SELF]!,
      this.previous,
      snapshot,
    );
  }
}

/** Decodes kernel records into events, keeping the process table current. */
export class RecordDecoder {
  /** Counters of what was decoded, skipped and rejected. */
  readonly stats: DecoderStats;
  readonly #shared: Shared;
  readonly #procs: ProcessTable;
  readonly #boot: bigint;
  readonly #counts = new Float64Array(EVENT_TYPE_MAX);
  readonly #unknown = new Map<number, number>();
  #seq = 0;

  /** A decoder for `opts.schema`, feeding `opts.procs`. */
  constructor(opts: DecoderOptions) {
    this.#shared = new Shared(opts);
    this.#procs = opts.procs;
    this.#boot = opts.bootEpochNs;
    const counts = this.#counts, unknown = this.#unknown;
    this.stats = {
      decoded: 0,
      skipped: 0,
      malformed: 0,
      get byType(): Record<string, number> {
        const out: Record<string, number> = {};
        counts.forEach((n, t) => {
          if (n > 0) out[EVENT_TYPE_NAMES[t]] = n;
        });
        for (const [t, n] of unknown) out[`type_${t}`] = n;
        return out;
      },
    };
  }

  /**
   * Decodes the record at `view[offset, offset + length)` (a zero-copy view
   * over the ring buffer, valid only until the ring advances). Updates the
   * process table first (exec → upsert with the new image, fork → fork,
   * exit → exit, setsid/setpgid → changeIds, set*id → the table's ids), then
   * returns the event, or `undefined` for record types that are not events
   * (counted in `skipped`). Never throws on malformed records: counts them
   * in `malformed` and returns `undefined`.
   */
  decode(view: DataView, offset: number, length: number): RecordEvent | undefined {
    const stats = this.stats;
    if (
      !(offset >= 0 && length >= HDR_SIZE && offset + length <= view.byteLength) ||
      view.getUint8(offset + H.version) !== EVENTS_VERSION
    ) {
      stats.malformed++;
      return undefined;
    }
    const type = view.getUint16(offset + H.type, true);
    const size = view.getUint32(offset + H.size, true);
    if (size < HDR_SIZE || size > length) {
      stats.malformed++;
      return undefined;
    }
    const kind = type < EVENT_TYPE_MAX ? RECORD_KINDS[type] : undefined;
    if (kind === undefined) {
      if (type < EVENT_TYPE_MAX) this.#counts[type]++;
      else this.#unknown.set(type, (this.#unknown.get(type) ?? 0) + 1);
      stats.skipped++;
      return undefined;
    }
    if (size < kind.layout.size || !descriptorsFit(view, offset, size, kind.descriptors)) {
      stats.malformed++;
      return undefined;
    }
    this.#counts[type]++;
    let previous: PreviousImage | undefined;
    let self: ProcessInfo;
    switch (type) {
      case EventType.EXEC: {
        const before = this.#known(view, offset);
        if (before !== undefined) previous = { executable: before.executable, args: before.args };
        self = this.#exec(view, offset, before);
        break;
      }
      case EventType.FORK:
        self = this.#known(view, offset) ?? this.#procs.fork(
          view.getUint32(offset + H.tgid, true),
          view.getUint32(offset + H.ppid, true),
          startTicksAt(view, offset + H.start_time),
        );
        self = this.#syncIds(view, offset, self);
        break;
      default:
        self = this.#ensure(view, offset);
        this.#apply(type, view, offset, self);
    }
    stats.decoded++;
    const ktime = view.getBigUint64(offset + H.ktime, true);
    return new RecordEvent(
      this.#shared,
      view,
      offset,
      size,
      type,
      this.#boot + ktime,
      ++this.#seq,
      self,
      previous,
    );
  }

  /** The table's record of the record's process, if it is this very process (same start). */
  #known(view: DataView, at: number): ProcessInfo | undefined {
    const p = this.#procs.byPid(view.getUint32(at + H.tgid, true));
    return p !== undefined && p.startTicks === startTicksAt(view, at + H.start_time)
      ? p
      : undefined;
  }

  /**
   * The record's process in the table: added from the header when the table
   * does not know it (a lost fork, a process older than the bootstrap), its
   * session and group brought up to date when they moved.
   */
  #ensure(view: DataView, at: number): ProcessInfo {
    const known = this.#known(view, at);
    if (known !== undefined) return this.#syncIds(view, at, known);
    return this.#procs.upsert({
      ...this.#headerIds(view, at),
      name: fixedString(view, at + H.comm, 16),
      interactive: false,
    });
  }

  #syncIds(view: DataView, at: number, p: ProcessInfo): ProcessInfo {
    const sid = view.getUint32(at + H.sid, true), pgid = view.getUint32(at + H.pgid, true);
    if (p.sessionId !== sid || p.processGroupId !== pgid) this.#procs.changeIds(p.pid, sid, pgid);
    return p;
  }

  #headerIds(view: DataView, at: number) {
    const u32 = (off: number) => view.getUint32(at + off, true);
    return {
      pid: u32(H.tgid),
      ppid: u32(H.ppid),
      startTicks: startTicksAt(view, at + H.start_time),
      userId: idString(u32(H.euid)),
      groupId: idString(u32(H.egid)),
      realUserId: idString(u32(H.uid)),
      sessionId: u32(H.sid),
      processGroupId: u32(H.pgid),
    };
  }

  /** Exec: the process now runs the record's image. */
  #exec(view: DataView, at: number, before: ProcessInfo | undefined): ProcessInfo {
    const E = KESTREL_EXEC.off;
    const filename = descString(view, at, E.filename);
    const exe = descString(view, at, E.exe);
    let tty = false;
    for (let fd = 0; fd < 3; fd++) tty ||= view.getUint8(at + E.stdio + 8 * fd) === FdKind.TTY;
    return this.#procs.upsert({
      ...this.#headerIds(view, at),
      // What comm is cut from: the base name of the path execve was given.
      name: (filename !== undefined ? baseName(filename) : "") ||
        fixedString(view, at + H.comm, 16),
      executable: exe ?? (filename?.startsWith("/") ? filename : undefined),
      args: descList(view, at, E.argv) ?? [],
      workingDirectory: descString(view, at, E.cwd),
      // The controlling terminal is inherited (the table's flag) or the stdio is a terminal.
      interactive: (before?.interactive ?? false) || tty,
    });
  }

  /** The table changes other record types carry. */
  #apply(type: number, view: DataView, at: number, self: ProcessInfo): void {
    switch (type) {
      case EventType.EXIT:
        this.#procs.exit(self.pid, exitCode(view.getInt32(at + KESTREL_EXIT.off.exit_code, true)));
        return;
      case EventType.SETSID:
        // A new session has no controlling terminal (ids were synced from the header).
        if (view.getInt32(at + KESTREL_SETID.off.result, true) >= 0) self.interactive = false;
        return;
      case EventType.SETPGID: {
        const S = KESTREL_SETID.off;
        const pid = view.getUint32(at + S.pid, true);
        if (view.getInt32(at + S.result, true) < 0 || pid === 0 || pid === self.pid) return;
        // Moved another process (a shell placing its child): only global pids can be looked up.
        const target = this.#shared.inInitPidNs(view, at) ? this.#procs.byPid(pid) : undefined;
        if (target === undefined) return;
        const pgid = view.getUint32(at + S.pgid, true) || pid;
        this.#procs.changeIds(pid, target.sessionId, pgid);
        return;
      }
      case EventType.UID_CHANGE:
      case EventType.GID_CHANGE: {
        const C = KESTREL_CRED_CHANGE.off;
        if (view.getInt32(at + C.result, true) < 0) return;
        const real = idString(view.getUint32(at + C.new_ids, true));
        const effective = idString(view.getUint32(at + C.new_ids + 4, true));
        if (type === EventType.UID_CHANGE) {
          self.realUserId = real;
          self.userId = effective;
        } else self.groupId = effective;
        return;
      }
    }
  }
}

/** True when every descriptor of the record lies within its `size` bytes. */
function descriptorsFit(
  view: DataView,
  at: number,
  size: number,
  descriptors: readonly (readonly [number, boolean])[],
): boolean {
  for (let i = 0; i < descriptors.length; i++) {
    const d = at + descriptors[i][0];
    const len = view.getUint16(d + 2, true);
    if (len !== 0 && view.getUint16(d, true) + len > size) return false;
  }
  return true;
}

/**
 * The epoch time of boot in ns, to place the kernel's `CLOCK_BOOTTIME`
 * stamps (`bpf_ktime_get_boot_ns`) on the wall clock: `CLOCK_REALTIME −
 * CLOCK_BOOTTIME`, read through libc with the wall clock read on both sides
 * of the boot clock (the tightest of five tries is kept): precise to about
 * a microsecond. Without FFI (no `--allow-ffi`, no libc), falls back to the
 * wall clock minus `/proc/uptime`, which has 10 ms resolution. Computed
 * once, it does not follow later steps of the wall clock (NTP, settimeofday):
 * call it again to re-anchor.
 */
export function bootEpochNs(): bigint {
  try {
    let best = 0n, bestGap = -1n;
    for (let i = 0; i < 5; i++) {
      const r0 = clockNs(CLOCK_REALTIME);
      const boot = clockNs(CLOCK_BOOTTIME);
      const r1 = clockNs(CLOCK_REALTIME);
      if (bestGap < 0n || r1 - r0 < bestGap) {
        bestGap = r1 - r0;
        best = (r0 + r1) / 2n - boot;
      }
    }
    return best;
  } catch {
    // No FFI permission or no libc: the coarser /proc path below.
  }
  const [secs, frac = ""] = Deno.readTextFileSync("/proc/uptime").split(" ")[0].split(".");
  const uptimeNs = BigInt(secs) * 1_000_000_000n + BigInt(frac.padEnd(9, "0").slice(0, 9));
  return BigInt(Date.now()) * 1_000_000n - uptimeNs;
}
