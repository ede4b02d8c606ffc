/**
 * The process table: every live process with its entity id, parent chain
 * and leaders, fed by kernel records and bootstrapped from `/proc`.
 *
 * Entity ids must not depend on where the process was first seen: the id of
 * a process already running when the sensor starts (read from `/proc`) and
 * of one seen forking (kernel record) are the same function of host id, pid
 * and start time. `/proc/<pid>/stat` gives the start time in clock ticks
 * since boot, the kernel gives nanoseconds (`start_boottime`); both are
 * normalised to ticks (`CLK_TCK`, 100 on Linux) before hashing.
 *
 * Leaders follow Elastic Defend: the session leader is the process whose
 * pid is the session id, the group leader the one whose pid is the process
 * group id, the entry leader the first process of the session's ancestry
 * that entered the host (a child of init, sshd, login, a terminal emulator
 * or a container runtime). They are kept by entity id on each process, so
 * they survive the leader's exit and a double fork with `setsid`.
 *
 * Bounded: at most `capacity` processes; exited processes leave after a
 * grace period (so late events can still be enriched), and the least
 * recently active process is evicted when the table is full.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** Linux's USER_HZ: the unit of start times in `/proc/<pid>/stat`. */
export const CLK_TCK = 100;

const NS_PER_TICK = 1_000_000_000n / BigInt(CLK_TCK);

/** Processes whose children "enter" the host: their children are entry leaders. */
const ENTRY_PARENTS = new Set([
  "sshd",
  "login",
  "agetty",
  "getty",
  "systemd",
  "init",
  "containerd-shim",
  "containerd-shim-runc-v2",
  "runc",
  "crun",
  "conmon",
  "gnome-terminal-server",
  "konsole",
  "xterm",
  "tmux: server",
  "screen",
]);

/** What the table knows of one process. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Start time in clock ticks since boot (the `/proc` unit). */
  startTicks: number;
  entityId: string;
  parentEntityId?: string;
  name: string;
  executable?: string;
  args: string[];
  workingDirectory?: string;
  userId?: string;
  groupId?: string;
  realUserId?: string;
  sessionId: number;
  processGroupId: number;
  /** Has a controlling terminal (`interactive` in ECS). */
  interactive: boolean;
  sessionLeaderEntityId?: string;
  groupLeaderEntityId?: string;
  entryLeaderEntityId?: string;
  /** Exit code once the process ended. */
  exitCode?: number;
  /** Monotonic tick of the last update, for eviction. */
  touched: number;
  /** Set when the process ended: it leaves the table after the grace period. */
  endedAt?: number;
}

/** Options of {@link ProcessTable}. */
export interface ProcessTableOptions {
  /** Host identifier mixed into entity ids (`/etc/machine-id` by default). */
  hostId: string;
  /** Most processes kept (default 65,536). */
  capacity?: number;
  /** Updates an exited process stays for (default 4,096). */
  graceUpdates?: number;
}

/**
 * The entity id of process `pid` started at `startTicks` on `hostId`:
 * base64url of the first 15 bytes of SHA-256, 20 characters.
 *
 * @example
 * ```ts
 * entityId("3d1219c7", 1234, 56789); // same value from /proc and from a kernel record
 * ```
 */
export function entityId(hostId: string, pid: number, startTicks: number): string {
  return createHash("sha256").update(`${hostId}:${pid}:${startTicks}`).digest().subarray(0, 15)
    .toString(
      "base64url",
    );
}

/** Converts a kernel start time (ns since boot) to `/proc` clock ticks. */
export function ticksFromBootNs(ns: bigint): number {
  return Number(ns / NS_PER_TICK);
}

/** The fields of `/proc/<pid>/stat` the table uses. */
export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  pgrp: number;
  session: number;
  ttyNr: number;
  startTicks: number;
}

/**
 * Parses `/proc/<pid>/stat`. The command name is in parentheses and may
 * itself contain spaces and parentheses, so fields are counted from the
 * last `)`.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(" ");
  // rest[0] is the state (field 3); field n is rest[n - 3].
  const field = (n: number) => Number(rest[n - 3]);
  const stat = {
    pid,
    comm: text.slice(open + 1, close),
    ppid: field(4),
    pgrp: field(5),
    session: field(6),
    ttyNr: field(7),
    startTicks: field(22),
  };
  return Number.isFinite(stat.pid) && Number.isFinite(stat.startTicks) ? stat : undefined;
}

/** The process table. */
export class ProcessTable {
  readonly #byPid = new Map<number, ProcessInfo>();
  readonly #byEntity = new Map<string, ProcessInfo>();
  readonly #hostId: string;
  readonly #capacity: number;
  readonly #grace: number;
  readonly #ended: ProcessInfo[] = [];
  #clock = 0;
  /** Processes evicted because the table was full. */
  evicted = 0;

  /** An empty table; call {@link bootstrap} to load the running processes. */
  constructor(opts: ProcessTableOptions) {
    this.#hostId = opts.hostId;
    this.#capacity = opts.capacity ?? 65_536;
    this.#grace = opts.graceUpdates ?? 4_096;
  }

  /** Processes in the table. */
  get size(): number {
    return this.#byPid.size;
  }

  /** The live (or recently ended) process with `pid`. */
  byPid(pid: number): ProcessInfo | undefined {
    return this.#byPid.get(pid);
  }

  /** The process with `entityId`, while it is in the table. */
  byEntity(entityId: string): ProcessInfo | undefined {
    return this.#byEntity.get(entityId);
  }

  /** Parent entity of `entityId` (the lineage interface). */
  parentOf(entityId: string): string | undefined {
    return this.#byEntity.get(entityId)?.parentEntityId;
  }

  /**
   * Loads every process under `procRoot` (default `/proc`), parents first so
   * leaders resolve; replaces what the table had for those pids. Used at
   * start and to resynchronise after lost events.
   */
  async bootstrap(procRoot = "/proc"): Promise<number> {
    const stats: ProcStat[] = [];
    for await (const entry of Deno.readDir(procRoot)) {
      if (!/^\d+$/.test(entry.name)) continue;
      const text = await Deno.readTextFile(`${procRoot}/${entry.name}/stat`).catch(() => undefined);
      const stat = text === undefined ? undefined : parseProcStat(text);
      if (stat) stats.push(stat);
    }
    // Parents before children: start time orders them (a child starts after its parent).
    stats.sort((a, b) => a.startTicks - b.startTicks || a.pid - b.pid);
    for (const stat of stats) {
      const dir = `${procRoot}/${stat.pid}`;
      const [cmdline, exe, cwd, status] = await Promise.all([
        Deno.readTextFile(`${dir}/cmdline`).catch(() => ""),
        Deno.readLink(`${dir}/exe`).catch(() => undefined),
        Deno.readLink(`${dir}/cwd`).catch(() => undefined),
        Deno.readTextFile(`${dir}/status`).catch(() => ""),
      ]);
      const ids = (key: string) =>
        /^(\S+)\s+(\S+)\s+(\S+)/.exec(status.split(`\n${key}:\t`)[1] ?? "") ?? [];
      const uid = ids("Uid"), gid = ids("Gid");
      this.upsert({
        pid: stat.pid,
        ppid: stat.ppid,
        startTicks: stat.startTicks,
        name: stat.comm,
        executable: exe,
        args: cmdline.split("\0").filter((a, i, all) => a !== "" || i < all.length - 1),
        workingDirectory: cwd,
        realUserId: uid[1],
        userId: uid[2],
        groupId: gid[2],
        sessionId: stat.session,
        processGroupId: stat.pgrp,
        interactive: stat.ttyNr !== 0,
      });
    }
    return stats.length;
  }

  /**
   * Adds or updates a process (from `/proc`, a fork or an exec record) and
   * resolves its entity id, parent and leaders. Returns the stored record.
   */
  upsert(p: {
    pid: number;
    ppid: number;
    startTicks: number;
    name: string;
    executable?: string;
    args?: string[];
    workingDirectory?: string;
    userId?: string;
    groupId?: string;
    realUserId?: string;
    sessionId: number;
    processGroupId: number;
    interactive: boolean;
  }): ProcessInfo {
    this.#expire();
    const id = entityId(this.#hostId, p.pid, p.startTicks);
    let info = this.#byEntity.get(id);
    const previous = this.#byPid.get(p.pid);
    if (previous && previous.entityId !== id) this.#remove(previous); // pid reused
    const parent = this.#byPid.get(p.ppid);
    if (!info) {
      info = {
        ...p,
        args: p.args ?? [],
        entityId: id,
        touched: 0,
      };
      this.#byEntity.set(id, info);
      this.#byPid.set(p.pid, info);
      if (this.#byPid.size > this.#capacity) this.#evict();
    } else {
      Object.assign(info, { ...p, args: p.args ?? info.args });
    }
    info.touched = ++this.#clock;
    info.parentEntityId = parent?.entityId ?? info.parentEntityId;
    this.#resolveLeaders(info, parent);
    return info;
  }

  /** A fork: the child inherits the parent's image, ids, session and leaders. */
  fork(pid: number, ppid: number, startTicks: number): ProcessInfo {
    const parent = this.#byPid.get(ppid);
    return this.upsert({
      pid,
      ppid,
      startTicks,
      name: parent?.name ?? "",
      executable: parent?.executable,
      args: parent?.args,
      workingDirectory: parent?.workingDirectory,
      userId: parent?.userId,
      groupId: parent?.groupId,
      realUserId: parent?.realUserId,
      sessionId: parent?.sessionId ?? 0,
      processGroupId: parent?.processGroupId ?? 0,
      interactive: parent?.interactive ?? false,
    });
  }

  /** `setsid`/`setpgid` moved `pid` to a new session or group: re-resolve its leaders. */
  changeIds(pid: number, sessionId: number, processGroupId: number): void {
    const info = this.#byPid.get(pid);
    if (!info) return;
    info.sessionId = sessionId;
    info.processGroupId = processGroupId;
    info.sessionLeaderEntityId = undefined;
    info.groupLeaderEntityId = undefined;
    info.entryLeaderEntityId = undefined;
    this.#resolveLeaders(info, this.#byPid.get(info.ppid));
  }

  /** The process exited: it stays for the grace period, then leaves. */
  exit(pid: number, exitCode: number): ProcessInfo | undefined {
    const info = this.#byPid.get(pid);
    if (!info) return undefined;
    info.exitCode = exitCode;
    info.endedAt = this.#clock;
    this.#ended.push(info);
    return info;
  }

  #resolveLeaders(info: ProcessInfo, parent: ProcessInfo | undefined): void {
    if (info.pid === info.sessionId) info.sessionLeaderEntityId = info.entityId;
    else if (!info.sessionLeaderEntityId) {
      info.sessionLeaderEntityId = this.#byPid.get(info.sessionId)?.entityId ??
        (parent?.sessionId === info.sessionId ? parent.sessionLeaderEntityId : undefined);
    }
    if (info.pid === info.processGroupId) info.groupLeaderEntityId = info.entityId;
    else if (!info.groupLeaderEntityId) {
      info.groupLeaderEntityId = this.#byPid.get(info.processGroupId)?.entityId ??
        (parent?.processGroupId === info.processGroupId ? parent.groupLeaderEntityId : undefined);
    }
    if (!info.entryLeaderEntityId) {
      // A process whose parent lets users or containers in is an entry leader;
      // everything below it inherits that entry leader.
      if (!parent || parent.pid <= 1 || ENTRY_PARENTS.has(parent.name)) {
        info.entryLeaderEntityId = info.entityId;
      } else {
        info.entryLeaderEntityId = parent.entryLeaderEntityId ?? parent.entityId;
      }
    }
  }

  #expire(): void {
    while (this.#ended.length && this.#clock - this.#ended[0].endedAt! >= this.#grace) {
      const info = this.#ended.shift()!;
      if (this.#byEntity.get(info.entityId) === info) this.#remove(info);
    }
  }

  /**
   * Evicts the oldest-inserted process not touched recently; a recently
   * touched one gets a second chance at the back (cheap approximate LRU, no
   * scan of the whole table).
   */
  #evict(): void {
    const recent = this.#clock - this.#capacity / 2;
    for (let tries = this.#byPid.size; tries > 0; tries--) {
      const oldest = this.#byPid.values().next();
      if (oldest.done) return;
      const info = oldest.value;
      this.#byPid.delete(info.pid);
      if (info.touched > recent && tries > 1) {
        this.#byPid.set(info.pid, info);
        continue;
      }
      this.#byEntity.delete(info.entityId);
      this.evicted++;
      return;
    }
  }

  #remove(info: ProcessInfo): void {
    if (this.#byPid.get(info.pid) === info) this.#byPid.delete(info.pid);
    this.#byEntity.delete(info.entityId);
  }
}

/** This host's id: `/etc/machine-id`, else the hostname. */
export async function hostId(): Promise<string> {
  const id = await Deno.readTextFile("/etc/machine-id").catch(() => "");
  return id.trim() || Deno.hostname();
}
