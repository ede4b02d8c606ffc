/**
 * The ECS mapping of kernel records (ARCHITECTURE §3): for each event type,
 * the fields its events carry and a small function reading each one from
 * the record or from the process table's view of the acting process and its
 * relatives. `RecordDecoder` turns these name-keyed tables into field-id
 * indexed arrays once per schema; events call the functions only when a
 * field is read, so an event pays for what rules look at.
 *
 * Decisions beyond the architecture table (extension fields are registered
 * in `schema.ts`, following Elastic Endpoint's `Ext` names where one exists):
 * - ids are strings; `process.user.id` is the effective uid,
 *   `process.real_user.id` the real one; top-level `user.id`/`group.id` are
 *   the effective ids and `user.Ext.real.id`/`group.Ext.real.id` the real
 *   ones, as Elastic Defend writes them (not on PAM events, whose `user.name`
 *   is the user authenticating, not the process's).
 * - `process.name` is the table's name: the base name of the path given to
 *   execve (what `comm` is cut from, uncut), else `comm`.
 * - `process.start` and the relatives' `start` come from the start time in
 *   clock ticks, as entity ids do, so they are equal whether a process was
 *   seen by the kernel or read from `/proc`.
 * - exec: `process.Ext.interpreter` (the `#!` interpreter), `process.Ext.stdin`
 *   / `process.Ext.stdout` (`tty`, `pipe`, `socket`, `file`, `other`; absent
 *   when the descriptor was closed), `process.previous.*` (the image before).
 * - exit: `process.exit_code` is the exit status, or 128 + the signal number
 *   for a process killed by a signal (the shell's `$?`: SIGKILL → 137).
 * - uid_change / gid_change: `process.saved_user.id` / `process.saved_group.id`
 *   after the call; the ids before it in `process.Ext.previous.*`.
 * - ptrace: `process.Ext.ptrace.{request, child_pid, addr, data}` (Elastic
 *   Endpoint) and `process.Ext.ptrace.child_entity_id` when the target is
 *   known. memfd_create: `process.Ext.memfd.*` (Elastic Endpoint).
 *   mmap/mprotect with PROT_EXEC: action `mprotect` for both, as the
 *   architecture table has it, with `process.Ext.mprotect.{addr, len, prot}`
 *   and the backing file in `file.*`. Module load: category `driver`, action
 *   `load`, `process.Ext.load_module.name`. BPF: `process.Ext.bpf.*`. Mount:
 *   `file.path` is the mount point, `file.Ext.mount.{source, fs_type}`.
 *   setxattr: `file.Ext.xattr.name`. prctl: action `prctl`,
 *   `process.Ext.prctl.{option, name}`.
 * - files: `file.mode` is four octal digits (`0755`, `4755`); a chown's
 *   unchanged owner or group (-1) is left out. link: `file.*` is the new
 *   name, `file.Ext.original.*` the existing file; symlink: `file.target_path`.
 * - network: `network.direction` is `egress` for connect and DNS, `ingress`
 *   for accept and listen, absent for bind (clients bind too). `event.outcome` is `success` for a
 *   result ≥ 0, `unknown` for a non-blocking connect in progress
 *   (-EINPROGRESS), else `failure`. DNS adds `dns.id`, `dns.question.class`,
 *   `network.protocol: dns`.
 * - PAM: `source.ip` from the remote host when it is an address, else
 *   `source.domain`; `source.user.name` the remote user;
 *   `process.Ext.pam.{service, tty}`.
 *
 * @module
 */
import type { Value } from "../eql/value.ts";
import { formatNanos } from "./event.ts";
import type { ContainerResolver } from "./container.ts";
import { parseDnsQuestion } from "./dns.ts";
import { CLK_TCK, type ProcessInfo, ticksFromBootNs } from "./procs.ts";
import {
  EVENT_TYPE_MAX,
  EventType,
  FdKind,
  KESTREL_BPF,
  KESTREL_CRED_CHANGE,
  KESTREL_DNS,
  KESTREL_EXEC,
  KESTREL_EXIT,
  KESTREL_FILE_ATTR,
  KESTREL_FILE_DELETE,
  KESTREL_FILE_OPEN,
  KESTREL_FILE_RENAME,
  KESTREL_FILE_SYMLINK,
  KESTREL_HDR,
  KESTREL_MEMFD,
  KESTREL_MMAP,
  KESTREL_MODULE,
  KESTREL_MOUNT,
  KESTREL_NET,
  KESTREL_PAM,
  KESTREL_PRCTL,
  KESTREL_PTRACE,
  KESTREL_SETID,
  KESTREL_XATTR,
} from "./record_layout.ts";
import {
  AF_INET,
  AF_INET6,
  baseName,
  descList,
  descString,
  dirName,
  extension,
  fixedString,
  idString,
  ipAddress,
} from "./record_read.ts";

/** Which process a field describes: the acting one, a relative, or a ptrace target. */
export const Rel = {
  SELF: 0,
  PARENT: 1,
  SESSION_LEADER: 2,
  GROUP_LEADER: 3,
  ENTRY_LEADER: 4,
  TARGET: 5,
} as const;

/** One of {@link Rel}. */
export type RelKind = typeof Rel[keyof typeof Rel];

/** The image a process ran before an exec (`process.previous.*`). */
export interface PreviousImage {
  /** Its executable. */
  readonly executable?: string;
  /** Its arguments. */
  readonly args: readonly string[];
}

/** What a field reader sees of one event. */
export interface RecordView {
  /** The bytes: the ring buffer's memory, or the event's own copy once retained. */
  readonly view: DataView;
  /** Offset of the record's first byte in `view`. */
  readonly at: number;
  /** Event time, ns since the epoch. */
  readonly timestamp: bigint;
  /** The process table's record of the acting process or a relative (a snapshot once retained). */
  rel(kind: RelKind): ProcessInfo | undefined;
  /** Exec events: the image before the exec, when the table knew it. */
  readonly previous: PreviousImage | undefined;
}

/** What field readers need beyond the event. */
export interface MappingContext {
  /** `host.name`. */
  readonly hostName: string;
  /** `host.id`, also the host part of entity ids. */
  readonly hostId: string;
  /** Epoch ns of boot: event time = this + the record's boot-time ns. */
  readonly bootEpochNs: bigint;
  /** cgroup id → container id; without it events carry no `container.id`. */
  readonly containers?: ContainerResolver;
  /** The entity id of `pid` started at `startTicks` (the table's hash). */
  entityId(pid: number, startTicks: number): string;
}

/** Reads one field; `undefined` when the event does not have it. */
export type FieldReader = (r: RecordView, c: MappingContext) => Value | undefined;

/** Field name → reader; an `undefined` reader removes a common field for that type. */
export type FieldTable = Readonly<Record<string, FieldReader | undefined>>;

const H = KESTREL_HDR.off;
const NS_PER_TICK = BigInt(1_000_000_000 / CLK_TCK);

const u16 = (r: RecordView, off: number) => r.view.getUint16(r.at + off, true);
const u32 = (r: RecordView, off: number) => r.view.getUint32(r.at + off, true);
const i32 = (r: RecordView, off: number) => r.view.getInt32(r.at + off, true);
const u64 = (r: RecordView, off: number) => r.view.getBigUint64(r.at + off, true);
const str = (r: RecordView, desc: number) => descString(r.view, r.at, desc);

/** ISO time of a start time in ticks since boot. */
function startIso(ticks: number, c: MappingContext): string {
  return formatNanos(c.bootEpochNs + BigInt(ticks) * NS_PER_TICK);
}

function argsOf(p: ProcessInfo | undefined): string[] | undefined {
  return p !== undefined && p.args.length > 0 ? p.args : undefined;
}

function frozen(values: string[]): readonly string[] {
  return Object.freeze(values);
}

// ------------------------------------------------------------- process fields

/** Fields every relative carries, read from its table record. */
function relativeFields(prefix: string, rel: RelKind): Record<string, FieldReader> {
  const p = (r: RecordView) => r.rel(rel);
  return {
    [`${prefix}.entity_id`]: (r) => p(r)?.entityId,
    [`${prefix}.pid`]: (r) => p(r)?.pid,
    [`${prefix}.name`]: (r) => p(r)?.name || undefined,
    [`${prefix}.executable`]: (r) => p(r)?.executable,
    [`${prefix}.args`]: (r) => argsOf(p(r)),
    [`${prefix}.args_count`]: (r) => argsOf(p(r))?.length,
    [`${prefix}.command_line`]: (r) => argsOf(p(r))?.join(" "),
    [`${prefix}.working_directory`]: (r) => p(r)?.workingDirectory,
    [`${prefix}.start`]: (r, c) => {
      const info = p(r);
      return info === undefined ? undefined : startIso(info.startTicks, c);
    },
    [`${prefix}.interactive`]: (r) => p(r)?.interactive,
    [`${prefix}.user.id`]: (r) => p(r)?.userId,
    [`${prefix}.group.id`]: (r) => p(r)?.groupId,
    [`${prefix}.real_user.id`]: (r) => p(r)?.realUserId,
  };
}

const self = (r: RecordView) => r.rel(Rel.SELF);
const parentTicks = (r: RecordView) => ticksFromBootNs(u64(r, H.parent_start_time));

/** Fields of every event: time, host, the acting process, its relatives, user, container. */
const COMMON: FieldTable = {
  "@timestamp": (r) => formatNanos(r.timestamp),
  "host.os.type": () => "linux",
  "host.name": (_, c) => c.hostName,
  "host.id": (_, c) => c.hostId,
  "event.kind": () => "event",
  ...relativeFields("process", Rel.SELF),
  // The header is authoritative for the acting process: it is the kernel's view now.
  "process.pid": (r) => u32(r, H.tgid),
  "process.name": (r) => self(r)?.name || fixedString(r.view, r.at + H.comm, 16),
  "process.start": (r, c) => startIso(ticksFromBootNs(u64(r, H.start_time)), c),
  "process.user.id": (r) => idString(u32(r, H.euid)),
  "process.group.id": (r) => idString(u32(r, H.egid)),
  "process.real_user.id": (r) => idString(u32(r, H.uid)),
  "process.real_group.id": (r) => idString(u32(r, H.gid)),
  ...relativeFields("process.parent", Rel.PARENT),
  // The parent from the header (the kernel's real_parent), known even when the table is not.
  "process.parent.pid": (r) => u32(r, H.ppid) || undefined,
  "process.parent.entity_id": (r, c) => {
    const ppid = u32(r, H.ppid);
    if (ppid === 0) return undefined;
    return r.rel(Rel.PARENT)?.entityId ?? c.entityId(ppid, parentTicks(r));
  },
  "process.parent.start": (r, c) => u32(r, H.ppid) ? startIso(parentTicks(r), c) : undefined,
  ...relativeFields("process.session_leader", Rel.SESSION_LEADER),
  ...relativeFields("process.group_leader", Rel.GROUP_LEADER),
  ...relativeFields("process.entry_leader", Rel.ENTRY_LEADER),
  // Leaders' pids are the session and group ids by definition, and their entity ids stay
  // known to the process after the leader itself has left the table.
  "process.session_leader.pid": (r) => u32(r, H.sid) || undefined,
  "process.session_leader.entity_id": (r) => self(r)?.sessionLeaderEntityId,
  "process.group_leader.pid": (r) => u32(r, H.pgid) || undefined,
  "process.group_leader.entity_id": (r) => self(r)?.groupLeaderEntityId,
  "process.entry_leader.entity_id": (r) => self(r)?.entryLeaderEntityId,
  "user.id": (r) => idString(u32(r, H.euid)),
  "user.Ext.real.id": (r) => idString(u32(r, H.uid)),
  "group.id": (r) => idString(u32(r, H.egid)),
  "group.Ext.real.id": (r) => idString(u32(r, H.gid)),
  "container.id": (r, c) => c.containers?.containerId(u64(r, H.cgroup_id)),
};

// ------------------------------------------------------------- event kinds

function kind(category: string, type: string, action: string): FieldTable {
  const cat = frozen([category]), typ = frozen([type]);
  return {
    "event.category": () => cat as string[],
    "event.type": () => typ as string[],
    "event.action": () => action,
  };
}

const EINPROGRESS = 115;

/** `event.outcome` from a result field at `off`. */
function outcome(off: number): FieldTable {
  return { "event.outcome": (r) => (i32(r, off) >= 0 ? "success" : "failure") };
}

/** The file fields of the path descriptor at `desc`, under `prefix` (`file` or `file.Ext.original`). */
function fileFields(desc: number, prefix = "file"): Record<string, FieldReader> {
  const fields: Record<string, FieldReader> = {
    [`${prefix}.path`]: (r) => str(r, desc),
    [`${prefix}.name`]: (r) => {
      const p = str(r, desc);
      return p === undefined ? undefined : baseName(p) || undefined;
    },
    [`${prefix}.extension`]: (r) => {
      const p = str(r, desc);
      return p === undefined ? undefined : extension(p);
    },
  };
  if (prefix === "file") {
    fields["file.directory"] = (r) => {
      const p = str(r, desc);
      return p === undefined ? undefined : dirName(p);
    };
  }
  return fields;
}

const FD_KIND_NAMES: readonly (string | undefined)[] = (() => {
  const names: (string | undefined)[] = new Array(8).fill("other");
  names[FdKind.NONE] = undefined;
  names[FdKind.TTY] = "tty";
  names[FdKind.PIPE] = "pipe";
  names[FdKind.SOCKET] = "socket";
  names[FdKind.FILE] = "file";
  return names;
})();

function stdio(fd: number): FieldReader {
  return (r) => {
    const k = r.view.getUint8(r.at + KESTREL_EXEC.off.stdio + fd * 8);
    return k < FD_KIND_NAMES.length ? FD_KIND_NAMES[k] : "other";
  };
}

/** The exit status as a shell reports it: the code, or 128 + the terminating signal. */
export function exitCode(waitStatus: number): number {
  const signal = waitStatus & 0x7f;
  return signal === 0 ? (waitStatus >> 8) & 0xff : 128 + signal;
}

/** Octal `file.mode` text: permission and set-id bits, four digits. */
export function modeString(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

const EXEC = KESTREL_EXEC.off;
const EXEC_FIELDS: FieldTable = {
  ...kind("process", "start", "exec"),
  "process.env_vars": (r) => descList(r.view, r.at, EXEC.env),
  "process.Ext.interpreter": (r) => str(r, EXEC.interp),
  "process.Ext.stdin": stdio(0),
  "process.Ext.stdout": stdio(1),
  "process.previous.executable": (r) => r.previous?.executable,
  "process.previous.args": (r) => {
    const args = r.previous?.args;
    return args !== undefined && args.length > 0 ? args as string[] : undefined;
  },
  "process.previous.args_count": (r) => r.previous?.args.length || undefined,
};

const EXIT_FIELDS: FieldTable = {
  ...kind("process", "end", "end"),
  "process.exit_code": (r) => exitCode(i32(r, KESTREL_EXIT.off.exit_code)),
  "process.end": (r) => formatNanos(r.timestamp),
};

const CRED = KESTREL_CRED_CHANGE.off;
const oldId = (i: number): FieldReader => (r) => idString(u32(r, CRED.old_ids + 4 * i));
const newId = (i: number): FieldReader => (r) => idString(u32(r, CRED.new_ids + 4 * i));

const UID_FIELDS: FieldTable = {
  ...kind("process", "change", "uid_change"),
  ...outcome(CRED.result),
  "process.saved_user.id": newId(2),
  "process.Ext.previous.real_user.id": oldId(0),
  "process.Ext.previous.user.id": oldId(1),
  "process.Ext.previous.saved_user.id": oldId(2),
};

const GID_FIELDS: FieldTable = {
  ...kind("process", "change", "gid_change"),
  ...outcome(CRED.result),
  "process.saved_group.id": newId(2),
  "process.Ext.previous.real_group.id": oldId(0),
  "process.Ext.previous.group.id": oldId(1),
  "process.Ext.previous.saved_group.id": oldId(2),
};

const PT = KESTREL_PTRACE.off;
const PTRACE_FIELDS: FieldTable = {
  ...kind("process", "access", "ptrace"),
  ...outcome(PT.result),
  "process.Ext.ptrace.request": (r) => u32(r, PT.request),
  "process.Ext.ptrace.child_pid": (r) => u32(r, PT.target_pid),
  "process.Ext.ptrace.child_entity_id": (r) => r.rel(Rel.TARGET)?.entityId,
  "process.Ext.ptrace.addr": (r) => Number(u64(r, PT.addr)),
  "process.Ext.ptrace.data": (r) => Number(u64(r, PT.data)),
};

const PRCTL = KESTREL_PRCTL.off;
const PRCTL_FIELDS: FieldTable = {
  ...kind("process", "change", "prctl"),
  ...outcome(PRCTL.result),
  "process.Ext.prctl.option": (r) => u32(r, PRCTL.option),
  "process.Ext.prctl.name": (r) => str(r, PRCTL.name),
};

const MEMFD = KESTREL_MEMFD.off;
const memfdFlag = (bit: number): FieldReader => (r) => (u32(r, MEMFD.flags) & bit) !== 0;
const MEMFD_FIELDS: FieldTable = {
  ...kind("process", "change", "memfd_create"),
  ...outcome(MEMFD.result),
  "process.Ext.memfd.name": (r) => str(r, MEMFD.name),
  "process.Ext.memfd.flags": (r) => u32(r, MEMFD.flags),
  "process.Ext.memfd.flag_cloexec": memfdFlag(0x1),
  "process.Ext.memfd.flag_allow_seal": memfdFlag(0x2),
  "process.Ext.memfd.flag_hugetlb": memfdFlag(0x4),
  "process.Ext.memfd.flag_noexec_seal": memfdFlag(0x8),
  "process.Ext.memfd.flag_exec": memfdFlag(0x10),
};

const MMAP = KESTREL_MMAP.off;
const MMAP_FIELDS: FieldTable = {
  ...kind("process", "change", "mprotect"),
  ...outcome(MMAP.result),
  "process.Ext.mprotect.addr": (r) => Number(u64(r, MMAP.addr)),
  "process.Ext.mprotect.len": (r) => Number(u64(r, MMAP.len)),
  "process.Ext.mprotect.prot": (r) => u32(r, MMAP.prot),
  ...fileFields(MMAP.path),
  "file.inode": (r) => {
    const ino = u64(r, MMAP.file_ino);
    return ino === 0n ? undefined : ino.toString();
  },
};

const MOD = KESTREL_MODULE.off;
const MODULE_FIELDS: FieldTable = {
  ...kind("driver", "start", "load"),
  ...outcome(MOD.result),
  "process.Ext.load_module.name": (r) => {
    const name = str(r, MOD.name);
    if (name !== undefined) return name;
    const path = str(r, MOD.path);
    return path === undefined ? undefined : baseName(path).replace(/\.ko(\.[^.]*)?$/, "");
  },
  ...fileFields(MOD.path),
};

const BPF = KESTREL_BPF.off;
const BPF_FIELDS: FieldTable = {
  ...kind("process", "change", "bpf_load"),
  ...outcome(BPF.result),
  "process.Ext.bpf.prog_name": (r) => fixedString(r.view, r.at + BPF.prog_name, 16) || undefined,
  "process.Ext.bpf.prog_type": (r) => u32(r, BPF.prog_type),
};

const MOUNT = KESTREL_MOUNT.off;
const MOUNT_FIELDS: FieldTable = {
  ...kind("file", "change", "mount"),
  ...outcome(MOUNT.result),
  ...fileFields(MOUNT.target),
  "file.extension": undefined,
  "file.Ext.mount.source": (r) => str(r, MOUNT.source),
  "file.Ext.mount.fs_type": (r) => str(r, MOUNT.fstype),
};

const XATTR = KESTREL_XATTR.off;
const XATTR_FIELDS: FieldTable = {
  ...kind("file", "change", "setxattr"),
  ...outcome(XATTR.result),
  ...fileFields(XATTR.path),
  "file.Ext.xattr.name": (r) => str(r, XATTR.name),
};

const OPEN = KESTREL_FILE_OPEN.off;
function openFields(type: string, action: string): FieldTable {
  return {
    ...kind("file", type, action),
    ...outcome(OPEN.result),
    ...fileFields(OPEN.path),
    "file.inode": (r) => {
      const ino = u64(r, OPEN.ino);
      return ino === 0n ? undefined : ino.toString();
    },
  };
}

const DEL = KESTREL_FILE_DELETE.off;
const REN = KESTREL_FILE_RENAME.off;
const ATTR = KESTREL_FILE_ATTR.off;
const SYM = KESTREL_FILE_SYMLINK.off;
const NO_ID = 0xffff_ffff;

const CHOWN_FIELDS: FieldTable = {
  ...kind("file", "change", "attributes_modification"),
  ...outcome(ATTR.result),
  ...fileFields(ATTR.path),
  "file.uid": (r) => {
    const uid = u32(r, ATTR.uid);
    return uid === NO_ID ? undefined : idString(uid);
  },
  "file.gid": (r) => {
    const gid = u32(r, ATTR.gid);
    return gid === NO_ID ? undefined : idString(gid);
  },
};

const NET = KESTREL_NET.off;

/** `network.transport` from the socket's protocol, else its type. */
function transport(protocol: number, sockType: number): string | undefined {
  switch (protocol) {
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 1:
      return "icmp";
    case 58:
      return "ipv6-icmp";
    case 132:
      return "sctp";
  }
  if (protocol === 0) return sockType === 1 ? "tcp" : sockType === 2 ? "udp" : undefined;
  return undefined;
}

function networkType(family: number): string | undefined {
  return family === AF_INET ? "ipv4" : family === AF_INET6 ? "ipv6" : undefined;
}

function netFields(
  action: string,
  direction: string | undefined,
  destination: boolean,
): FieldTable {
  const family = (r: RecordView) => u16(r, NET.family);
  const fields: Record<string, FieldReader | undefined> = {
    ...kind("network", "start", action),
    "event.outcome": (r) => {
      const res = i32(r, NET.result);
      return res >= 0 ? "success" : res === -EINPROGRESS ? "unknown" : "failure";
    },
    "network.transport": (r) => transport(u16(r, NET.protocol), u16(r, NET.type)),
    "network.type": (r) => networkType(family(r)),
    // A connect that failed early has no local port yet: then no source at all.
    "source.ip": (r) =>
      destination && u16(r, NET.sport) === 0
        ? undefined
        : ipAddress(r.view, r.at + NET.saddr, family(r)),
    "source.port": (r) => u16(r, NET.sport) || undefined,
  };
  if (direction !== undefined) fields["network.direction"] = () => direction;
  if (destination) {
    fields["destination.ip"] = (r) => ipAddress(r.view, r.at + NET.daddr, family(r));
    fields["destination.port"] = (r) => u16(r, NET.dport);
  }
  return fields;
}

const DNS = KESTREL_DNS.off;
const question = (r: RecordView) => {
  const len = u16(r, DNS.payload + 2);
  const off = u16(r, DNS.payload);
  if (len === 0 || r.at + off + len > r.view.byteLength) return undefined;
  return parseDnsQuestion(new Uint8Array(r.view.buffer, r.view.byteOffset + r.at + off, len));
};
const DNS_FIELDS: FieldTable = {
  ...kind("network", "protocol", "lookup_requested"),
  ...outcome(DNS.result),
  "network.transport": () => "udp",
  "network.protocol": () => "dns",
  "network.type": (r) => networkType(u16(r, DNS.family)),
  "network.direction": () => "egress",
  "destination.ip": (r) => ipAddress(r.view, r.at + DNS.daddr, u16(r, DNS.family)),
  "destination.port": (r) => u16(r, DNS.dport),
  "source.port": (r) => u16(r, DNS.sport) || undefined,
  "dns.id": (r) => {
    const q = question(r);
    return q === undefined ? undefined : String(q.id);
  },
  "dns.question.name": (r) => question(r)?.name,
  "dns.question.type": (r) => question(r)?.type,
  "dns.question.class": (r) => question(r)?.class,
};

const PAM = KESTREL_PAM.off;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const isIp = (s: string) => IPV4.test(s) || (s.includes(":") && /^[0-9a-fA-F:.]+$/.test(s));
const PAM_FIELDS: FieldTable = {
  ...kind("authentication", "start", "log_on"),
  // PAM_SUCCESS is 0; PAM's error codes are positive.
  "event.outcome": (r) => (i32(r, PAM.result) === 0 ? "success" : "failure"),
  // The user authenticating, not the process's user: no ids then.
  "user.id": undefined,
  "user.Ext.real.id": undefined,
  "group.id": undefined,
  "group.Ext.real.id": undefined,
  "user.name": (r) => str(r, PAM.user),
  "source.ip": (r) => {
    const host = str(r, PAM.rhost);
    return host !== undefined && isIp(host) ? host : undefined;
  },
  "source.domain": (r) => {
    const host = str(r, PAM.rhost);
    return host !== undefined && !isIp(host) ? host : undefined;
  },
  "source.user.name": (r) => str(r, PAM.ruser),
  "process.Ext.pam.service": (r) => str(r, PAM.service),
  "process.Ext.pam.tty": (r) => str(r, PAM.tty),
};

/** The fields of each event type, by number (common fields included); `undefined`: not an event. */
export const EVENT_FIELDS: readonly (FieldTable | undefined)[] = (() => {
  const T = EventType;
  const own: (FieldTable | undefined)[] = new Array(EVENT_TYPE_MAX).fill(undefined);
  own[T.EXEC] = EXEC_FIELDS;
  own[T.FORK] = kind("process", "start", "fork");
  own[T.EXIT] = EXIT_FIELDS;
  own[T.SETSID] = {
    ...kind("process", "change", "session_id_change"),
    ...outcome(KESTREL_SETID.off.result),
  };
  own[T.SETPGID] = {
    ...kind("process", "change", "group_id_change"),
    ...outcome(KESTREL_SETID.off.result),
  };
  own[T.UID_CHANGE] = UID_FIELDS;
  own[T.GID_CHANGE] = GID_FIELDS;
  own[T.PTRACE] = PTRACE_FIELDS;
  own[T.PRCTL] = PRCTL_FIELDS;
  own[T.MEMFD_CREATE] = MEMFD_FIELDS;
  own[T.MMAP_EXEC] = own[T.MPROTECT_EXEC] = MMAP_FIELDS;
  own[T.MODULE_LOAD] = MODULE_FIELDS;
  own[T.BPF_PROG_LOAD] = BPF_FIELDS;
  own[T.MOUNT] = MOUNT_FIELDS;
  own[T.SETXATTR] = XATTR_FIELDS;
  own[T.FILE_CREATE] = openFields("creation", "creation");
  own[T.FILE_MODIFY] = openFields("change", "modification");
  own[T.FILE_OPEN] = openFields("access", "open");
  own[T.FILE_DELETE] = {
    ...kind("file", "deletion", "deletion"),
    ...outcome(DEL.result),
    ...fileFields(DEL.path),
  };
  own[T.FILE_RENAME] = {
    ...kind("file", "change", "rename"),
    ...outcome(REN.result),
    ...fileFields(REN.newpath),
    ...fileFields(REN.oldpath, "file.Ext.original"),
  };
  own[T.FILE_LINK] = {
    ...kind("file", "creation", "link"),
    ...outcome(REN.result),
    ...fileFields(REN.newpath),
    ...fileFields(REN.oldpath, "file.Ext.original"),
  };
  own[T.FILE_CHMOD] = {
    ...kind("file", "change", "attributes_modification"),
    ...outcome(ATTR.result),
    ...fileFields(ATTR.path),
    "file.mode": (r) => modeString(u32(r, ATTR.mode)),
  };
  own[T.FILE_CHOWN] = CHOWN_FIELDS;
  own[T.FILE_SYMLINK] = {
    ...kind("file", "creation", "symlink"),
    ...outcome(SYM.result),
    ...fileFields(SYM.linkpath),
    "file.target_path": (r) => str(r, SYM.target),
  };
  own[T.NET_CONNECT] = netFields("connection_attempted", "egress", true);
  own[T.NET_ACCEPT] = netFields("connection_accepted", "ingress", true);
  own[T.NET_BIND] = netFields("bind", undefined, false);
  own[T.NET_LISTEN] = netFields("listen", "ingress", false);
  own[T.NET_DNS] = DNS_FIELDS;
  own[T.AUTH_PAM] = PAM_FIELDS;
  return Object.freeze(
    own.map((t) => t === undefined ? undefined : Object.freeze({ ...COMMON, ...t })),
  );
})();
