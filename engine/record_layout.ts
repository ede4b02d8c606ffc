/**
 * The kernel record layouts of `ebpf/events.h`, mirrored for the decoder:
 * event type numbers, and for each record struct its size and the offset
 * and size of every member (padding left out). `events.h` pins each offset
 * with `_Static_assert`; the layout test compares this table with the
 * compiled objects' debug information, so a change on either side that is
 * not made on the other fails a test instead of decoding garbage.
 *
 * All integers are little endian. A record is the 112-byte header, the
 * fixed part of its type, then variable data that the fixed part points at
 * with descriptors: `kestrel_str` {u16 off, u16 len} or `kestrel_path`
 * {u16 off, u16 len, u16 base_len, u16 flags}, offsets from the record start.
 *
 * @module
 */

/** The layout version this decoder reads (`KESTREL_EVENTS_VERSION`, header byte 2). */
export const EVENTS_VERSION = 1;

/** No record is larger (`KESTREL_RECORD_MAX`). */
export const RECORD_MAX = 24576;

/** `enum kestrel_event_type`. */
export const EventType = {
  NONE: 0,
  EXEC: 1,
  FORK: 2,
  EXIT: 3,
  SETSID: 4,
  SETPGID: 5,
  UID_CHANGE: 6,
  GID_CHANGE: 7,
  PTRACE: 8,
  PRCTL: 9,
  MEMFD_CREATE: 10,
  MMAP_EXEC: 11,
  MPROTECT_EXEC: 12,
  MODULE_LOAD: 13,
  BPF_PROG_LOAD: 14,
  MOUNT: 15,
  SETXATTR: 16,
  FILE_CREATE: 17,
  FILE_MODIFY: 18,
  FILE_OPEN: 19,
  FILE_DELETE: 20,
  FILE_RENAME: 21,
  FILE_CHMOD: 22,
  FILE_CHOWN: 23,
  FILE_LINK: 24,
  FILE_SYMLINK: 25,
  NET_CONNECT: 26,
  NET_ACCEPT: 27,
  NET_BIND: 28,
  NET_LISTEN: 29,
  NET_DNS: 30,
  AUTH_PAM: 31,
} as const;

/** Event types are below this (`KESTREL_EV_MAX`). */
export const EVENT_TYPE_MAX = 32;

/** Lower-case name of each event type, by number (`exec`, `net_dns`, …), for statistics. */
export const EVENT_TYPE_NAMES: readonly string[] = Object.freeze(
  Object.entries(EventType).sort((a, b) => a[1] - b[1]).map(([name]) => name.toLowerCase()),
);

/** `enum kestrel_fd_kind`: what an stdio descriptor was at exec. */
export const FdKind = {
  NONE: 0,
  TTY: 1,
  CHAR: 2,
  PIPE: 3,
  SOCKET: 4,
  FILE: 5,
  DIR: 6,
  OTHER: 7,
} as const;

/** `kestrel_path.flags`. */
export const PathFlag = { JOINED: 0x1, FROM_FD: 0x2, BASE_TRUNC: 0x4 } as const;

/** One struct member: byte offset and size. */
export type Member = readonly [offset: number, size: number];

/** A struct: its name in `events.h` (without `struct`), size, and members by name. */
export interface StructLayout<M extends Record<string, Member> = Record<string, Member>> {
  /** Name in `events.h`, e.g. `kestrel_hdr`. */
  readonly name: string;
  /** `sizeof`. */
  readonly size: number;
  /** Every member but `_pad*`, by name. */
  readonly members: Readonly<M>;
  /** Offsets alone, for the decoder's reads. */
  readonly off: { readonly [K in keyof M]: number };
}

function layout<M extends Record<string, Member>>(
  name: string,
  size: number,
  members: M,
): StructLayout<M> {
  const off = {} as { [K in keyof M]: number };
  for (const key of Object.keys(members) as (keyof M)[]) off[key] = members[key][0];
  return Object.freeze({
    name,
    size,
    members: Object.freeze(members),
    off: Object.freeze(off),
  });
}

/** `struct kestrel_str`: a variable-length item. */
export const KESTREL_STR = layout("kestrel_str", 4, { off: [0, 2], len: [2, 2] });

/** `struct kestrel_path`: a path, made absolute in kernel (`base_len` = prefix added). */
export const KESTREL_PATH = layout("kestrel_path", 8, {
  off: [0, 2],
  len: [2, 2],
  base_len: [4, 2],
  flags: [6, 2],
});

/** `struct kestrel_stdio`: one of fd 0–2 at exec. */
export const KESTREL_STDIO = layout("kestrel_stdio", 8, {
  kind: [0, 1],
  family: [2, 2],
  rdev: [4, 4],
});

/** `struct kestrel_hdr`: the common header of every record. */
export const KESTREL_HDR = layout("kestrel_hdr", 112, {
  type: [0, 2],
  version: [2, 1],
  level: [3, 1],
  size: [4, 4],
  ktime: [8, 8],
  start_time: [16, 8],
  parent_start_time: [24, 8],
  cgroup_id: [32, 8],
  tgid: [40, 4],
  tid: [44, 4],
  ppid: [48, 4],
  uid: [52, 4],
  gid: [56, 4],
  euid: [60, 4],
  egid: [64, 4],
  sid: [68, 4],
  pgid: [72, 4],
  mntns: [76, 4],
  pidns: [80, 4],
  auid: [84, 4],
  comm: [88, 16],
  trunc: [104, 4],
  flags: [108, 4],
});

const HDR: Member = [0, 112];

/** EXEC. */
export const KESTREL_EXEC = layout("kestrel_exec", 200, {
  hdr: HDR,
  exe_ino: [112, 8],
  exe_dev: [120, 4],
  exe_nlink: [124, 4],
  exe_mode: [128, 2],
  exe_uid: [132, 4],
  argc: [136, 4],
  envc: [140, 4],
  exec_id: [144, 4],
  old_tid: [148, 4],
  stdio: [152, 24],
  filename: [176, 4],
  exe: [180, 4],
  interp: [184, 4],
  cwd: [188, 4],
  argv: [192, 4],
  env: [196, 4],
});

/** FORK: the header describes the child. */
export const KESTREL_FORK = layout("kestrel_fork", 120, { hdr: HDR, parent_tid: [112, 4] });

/** EXIT. */
export const KESTREL_EXIT = layout("kestrel_exit", 120, { hdr: HDR, exit_code: [112, 4] });

/** SETSID, SETPGID. */
export const KESTREL_SETID = layout("kestrel_setid", 128, {
  hdr: HDR,
  result: [112, 4],
  pid: [116, 4],
  pgid: [120, 4],
});

/** UID_CHANGE, GID_CHANGE: ids are real, effective, saved, fs. */
export const KESTREL_CRED_CHANGE = layout("kestrel_cred_change", 168, {
  hdr: HDR,
  result: [112, 4],
  syscall: [116, 4],
  args: [120, 12],
  old_ids: [132, 16],
  new_ids: [148, 16],
});

/** PTRACE. */
export const KESTREL_PTRACE = layout("kestrel_ptrace", 144, {
  hdr: HDR,
  result: [112, 4],
  request: [116, 4],
  target_pid: [120, 4],
  addr: [128, 8],
  data: [136, 8],
});

/** PRCTL. */
export const KESTREL_PRCTL = layout("kestrel_prctl", 144, {
  hdr: HDR,
  result: [112, 4],
  option: [116, 4],
  arg2: [120, 8],
  arg3: [128, 8],
  name: [136, 4],
});

/** MEMFD_CREATE. */
export const KESTREL_MEMFD = layout("kestrel_memfd", 128, {
  hdr: HDR,
  result: [112, 4],
  flags: [116, 4],
  name: [120, 4],
});

/** MMAP_EXEC, MPROTECT_EXEC. */
export const KESTREL_MMAP = layout("kestrel_mmap", 168, {
  hdr: HDR,
  addr: [112, 8],
  len: [120, 8],
  result: [128, 4],
  prot: [132, 4],
  mmap_flags: [136, 4],
  fd: [140, 4],
  file_ino: [144, 8],
  file_dev: [152, 4],
  file_nlink: [156, 4],
  file_mode: [160, 2],
  path: [164, 4],
});

/** MODULE_LOAD. */
export const KESTREL_MODULE = layout("kestrel_module", 152, {
  hdr: HDR,
  result: [112, 4],
  syscall: [116, 4],
  fd: [120, 4],
  flags: [124, 4],
  image_len: [128, 8],
  name: [136, 4],
  path: [140, 4],
  args: [144, 4],
});

/** BPF_PROG_LOAD. */
export const KESTREL_BPF = layout("kestrel_bpf", 152, {
  hdr: HDR,
  result: [112, 4],
  cmd: [116, 4],
  prog_type: [120, 4],
  expected_attach_type: [124, 4],
  insn_cnt: [128, 4],
  prog_flags: [132, 4],
  prog_name: [136, 16],
});

/** MOUNT. */
export const KESTREL_MOUNT = layout("kestrel_mount", 144, {
  hdr: HDR,
  result: [112, 4],
  flags: [120, 8],
  source: [128, 4],
  fstype: [132, 4],
  target: [136, 8],
});

/** SETXATTR. */
export const KESTREL_XATTR = layout("kestrel_xattr", 144, {
  hdr: HDR,
  result: [112, 4],
  syscall: [116, 4],
  fd: [120, 4],
  flags: [124, 4],
  size: [128, 4],
  name: [132, 4],
  path: [136, 8],
});

/** FILE_CREATE, FILE_MODIFY, FILE_OPEN. */
export const KESTREL_FILE_OPEN = layout("kestrel_file_open", 160, {
  hdr: HDR,
  result: [112, 4],
  syscall: [116, 4],
  dirfd: [120, 4],
  open_flags: [124, 4],
  mode: [128, 4],
  f_mode: [132, 4],
  ino: [136, 8],
  dev: [144, 4],
  path: [152, 8],
});

/** FILE_DELETE. */
export const KESTREL_FILE_DELETE = layout("kestrel_file_delete", 136, {
  hdr: HDR,
  result: [112, 4],
  syscall: [116, 4],
  dirfd: [120, 4],
  flags: [124, 4],
  path: [128, 8],
});

/** FILE_RENAME, FILE_LINK: old → new. */
export const KESTREL_FILE_RENAME = layout("kestrel_file_rename", 152, {
  hdr: HDR,
  result: [112, 4],
  syscall: [116, 4],
  olddirfd: [120, 4],
  newdirfd: [124, 4],
  flags: [128, 4],
  oldpath: [136, 8],
  newpath: [144, 8],
});

/** FILE_CHMOD, FILE_CHOWN. */
export const KESTREL_FILE_ATTR = layout("kestrel_file_attr", 152, {
  hdr: HDR,
  result: [112, 4],
  syscall: [116, 4],
  dirfd: [120, 4],
  mode: [124, 4],
  uid: [128, 4],
  gid: [132, 4],
  flags: [136, 4],
  path: [144, 8],
});

/** FILE_SYMLINK. */
export const KESTREL_FILE_SYMLINK = layout("kestrel_file_symlink", 144, {
  hdr: HDR,
  result: [112, 4],
  syscall: [116, 4],
  newdirfd: [120, 4],
  target: [128, 4],
  linkpath: [136, 8],
});

/** NET_CONNECT, NET_ACCEPT, NET_BIND, NET_LISTEN. */
export const KESTREL_NET = layout("kestrel_net", 176, {
  hdr: HDR,
  result: [112, 4],
  syscall: [116, 4],
  fd: [120, 4],
  family: [124, 2],
  type: [126, 2],
  protocol: [128, 2],
  sport: [130, 2],
  dport: [132, 2],
  saddr: [136, 16],
  daddr: [152, 16],
  backlog: [168, 4],
});

/** NET_DNS. */
export const KESTREL_DNS = layout("kestrel_dns", 160, {
  hdr: HDR,
  result: [112, 4],
  syscall: [116, 4],
  fd: [120, 4],
  family: [124, 2],
  dport: [126, 2],
  daddr: [128, 16],
  sport: [144, 2],
  payload_len: [148, 4],
  payload: [152, 4],
});

/** AUTH_PAM. */
export const KESTREL_PAM = layout("kestrel_pam", 152, {
  hdr: HDR,
  result: [112, 4],
  flags: [116, 4],
  pamh: [120, 8],
  service: [128, 4],
  user: [132, 4],
  rhost: [136, 4],
  tty: [140, 4],
  ruser: [144, 4],
});

/** Every record struct (and the descriptor structs), for the layout test. */
export const RECORD_STRUCTS: readonly StructLayout[] = Object.freeze([
  KESTREL_STR,
  KESTREL_PATH,
  KESTREL_STDIO,
  KESTREL_HDR,
  KESTREL_EXEC,
  KESTREL_FORK,
  KESTREL_EXIT,
  KESTREL_SETID,
  KESTREL_CRED_CHANGE,
  KESTREL_PTRACE,
  KESTREL_PRCTL,
  KESTREL_MEMFD,
  KESTREL_MMAP,
  KESTREL_MODULE,
  KESTREL_BPF,
  KESTREL_MOUNT,
  KESTREL_XATTR,
  KESTREL_FILE_OPEN,
  KESTREL_FILE_DELETE,
  KESTREL_FILE_RENAME,
  KESTREL_FILE_ATTR,
  KESTREL_FILE_SYMLINK,
  KESTREL_NET,
  KESTREL_DNS,
  KESTREL_PAM,
]);

/** What the decoder needs to validate a record of one type. */
export interface RecordKind {
  /** The fixed part (header included). */
  readonly layout: StructLayout;
  /**
   * Offsets of the descriptors d0, d1, … in order (bit i of `hdr.trunc` is
   * d_i), with whether each is a `kestrel_path` (else a `kestrel_str`).
   */
  readonly descriptors: readonly (readonly [offset: number, isPath: boolean])[];
}

function kind(l: StructLayout, ...names: string[]): RecordKind {
  const descriptors = names.map((n): readonly [number, boolean] => {
    const m = l.members[n];
    if (m === undefined) throw new Error(`${l.name} has no member ${n}`);
    return [m[0], m[1] === KESTREL_PATH.size];
  });
  return Object.freeze({ layout: l, descriptors: Object.freeze(descriptors) });
}

/** The record kind of each event type, by number; undefined for NONE and unknown numbers. */
export const RECORD_KINDS: readonly (RecordKind | undefined)[] = (() => {
  const exec = kind(KESTREL_EXEC, "filename", "exe", "interp", "cwd", "argv", "env");
  const setid = kind(KESTREL_SETID);
  const cred = kind(KESTREL_CRED_CHANGE);
  const mmap = kind(KESTREL_MMAP, "path");
  const open = kind(KESTREL_FILE_OPEN, "path");
  const rename = kind(KESTREL_FILE_RENAME, "oldpath", "newpath");
  const attr = kind(KESTREL_FILE_ATTR, "path");
  const net = kind(KESTREL_NET);
  const kinds: (RecordKind | undefined)[] = new Array(EVENT_TYPE_MAX).fill(undefined);
  const T = EventType;
  kinds[T.EXEC] = exec;
  kinds[T.FORK] = kind(KESTREL_FORK);
  kinds[T.EXIT] = kind(KESTREL_EXIT);
  kinds[T.SETSID] = kinds[T.SETPGID] = setid;
  kinds[T.UID_CHANGE] = kinds[T.GID_CHANGE] = cred;
  kinds[T.PTRACE] = kind(KESTREL_PTRACE);
  kinds[T.PRCTL] = kind(KESTREL_PRCTL, "name");
  kinds[T.MEMFD_CREATE] = kind(KESTREL_MEMFD, "name");
  kinds[T.MMAP_EXEC] = kinds[T.MPROTECT_EXEC] = mmap;
  kinds[T.MODULE_LOAD] = kind(KESTREL_MODULE, "name", "path", "args");
  kinds[T.BPF_PROG_LOAD] = kind(KESTREL_BPF);
  kinds[T.MOUNT] = kind(KESTREL_MOUNT, "source", "fstype", "target");
  kinds[T.SETXATTR] = kind(KESTREL_XATTR, "name", "path");
  kinds[T.FILE_CREATE] = kinds[T.FILE_MODIFY] = kinds[T.FILE_OPEN] = open;
  kinds[T.FILE_DELETE] = kind(KESTREL_FILE_DELETE, "path");
  kinds[T.FILE_RENAME] = kinds[T.FILE_LINK] = rename;
  kinds[T.FILE_CHMOD] = kinds[T.FILE_CHOWN] = attr;
  kinds[T.FILE_SYMLINK] = kind(KESTREL_FILE_SYMLINK, "target", "linkpath");
  kinds[T.NET_CONNECT] =
    kinds[T.NET_ACCEPT] =
    kinds[T.NET_BIND] =
    kinds[T.NET_LISTEN] =
      net;
  kinds[T.NET_DNS] = kind(KESTREL_DNS, "payload");
  kinds[T.AUTH_PAM] = kind(KESTREL_PAM, "service", "user", "rhost", "tty", "ruser");
  return Object.freeze(kinds);
})();
