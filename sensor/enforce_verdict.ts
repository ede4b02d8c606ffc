/**
 * The kernel's enforcement decisions (`struct enforce_verdict`,
 * `ebpf/enforce.h`) as data, and the event an alert about one carries.
 *
 * @module
 */
import type { AlertAction } from "../engine/alerts.ts";
import { type Event, type FieldPaths, formatNanos, JsonEvent } from "../engine/event.ts";
import { entityId, ticksFromBootNs } from "../engine/procs.ts";
import { ipv6Text } from "../engine/record_read.ts";

/** What the kernel was deciding about. */
export type VerdictKind = "exec" | "exec_lsm" | "mmap" | "mmap_lsm" | "connect4" | "connect6";

const KINDS: Record<number, VerdictKind> = {
  1: "exec",
  2: "exec_lsm",
  3: "mmap",
  4: "mmap_lsm",
  5: "connect4",
  6: "connect6",
};

/** Bytes of one record (104 fixed + 256 filename). */
export const VERDICT_BYTES = 360;

/** One decoded decision. */
export interface Verdict {
  kind: VerdictKind;
  /**
   * `blocked`, `would_block` or `failed` (with `error`); `killed` for a
   * file found by its content hash after it started; `watch`: an exec for
   * user space to hash, nothing decided yet.
   */
  action: Extract<AlertAction, "blocked" | "would_block" | "failed" | "killed"> | "watch";
  /** Why nothing was done, for `failed`. */
  error?: string;
  /** Epoch ns of the decision. */
  timeNs: bigint;
  /** Start of the acting process, boot ns (0 for connects). */
  startBootNs: bigint;
  rule: number;
  generation: number;
  tgid: number;
  tid: number;
  ppid: number;
  uid: number;
  ino: bigint;
  dev: number;
  family: number;
  port: number;
  /** Destination address text, for connects. */
  address?: string;
  comm: string;
  /** What execve was given, or the mapped file's name. */
  filename: string;
  /** The rule's path of the file (filled in by the enforcer). */
  path?: string;
}

const decoder = new TextDecoder();

function cString(view: DataView, offset: number, max: number): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, max);
  const end = bytes.indexOf(0);
  return decoder.decode(bytes.subarray(0, end < 0 ? max : end));
}

/** Decodes one `enforce_verdict` record; undefined when it is too short or of an unknown kind. */
export function decodeVerdict(
  view: DataView,
  offset: number,
  length: number,
  bootEpochNs: bigint,
): Verdict | undefined {
  if (length < VERDICT_BYTES) return undefined;
  const u32 = (o: number) => view.getUint32(offset + o, true);
  const kind = KINDS[u32(16)];
  if (kind === undefined) return undefined;
  const code = u32(20);
  const rateLimited = code === 3, signalFailed = code === 4, protectedPid = code === 5;
  const action = code === 1
    ? "blocked"
    : code === 2
    ? "would_block"
    : code === 6
    ? "watch"
    : "failed";
  const tgid = u32(36);
  const err = view.getInt32(offset + 32, true);
  const error = rateLimited
    ? "[security] block_rate_limit reached: let through"
    : signalFailed
    ? `bpf_send_signal failed (${err})`
    : protectedPid
    ? `pid ${tgid} is protected (pid 1, the sensor or its ancestor): let through`
    : code === 1 || code === 2 || code === 6
    ? undefined
    : `unknown verdict ${code}`;
  const family = view.getUint16(offset + 64, true);
  const port = view.getUint16(offset + 66, true);
  let address: string | undefined;
  if (family === 2) {
    address = Array.from({ length: 4 }, (_, i) => view.getUint8(offset + 72 + i)).join(".");
  } else if (family === 10) {
    const groups = Array.from({ length: 8 }, (_, i) => view.getUint16(offset + 72 + 2 * i, false));
    address = ipv6Text(groups);
  }
  return {
    kind,
    action,
    ...(error !== undefined ? { error } : {}),
    timeNs: bootEpochNs + view.getBigUint64(offset, true),
    startBootNs: view.getBigUint64(offset + 8, true),
    rule: u32(24),
    generation: u32(28),
    tgid,
    tid: u32(40),
    ppid: u32(44),
    uid: u32(48),
    dev: u32(52),
    ino: view.getBigUint64(offset + 56, true),
    family,
    port,
    ...(address !== undefined ? { address } : {}),
    comm: cString(view, offset + 88, 16),
    filename: cString(view, offset + 104, 256),
  };
}

/** The process start, in boot ns, of a live pid (from `/proc/<pid>/stat`), for connects. */
function startTicksOf(pid: number): number | undefined {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const n = Number(rest[22 - 3]);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The ECS event an alert about `v` carries. Execs: `process.*` of the
 * process that ran the file (`process.executable` is the blocked file as
 * the rule names it, `file.path` what execve was given); executable
 * mappings (`ld.so /path/to/binary`): category process, action
 * `mprotect`, the mapped file in `file.*`; connections: `destination.*`.
 */
export function verdictEvent(
  v: Verdict,
  host: { id: string; name: string },
  paths: FieldPaths,
): Event {
  const ticks = v.startBootNs > 0n ? ticksFromBootNs(v.startBootNs) : startTicksOf(v.tgid);
  const process: Record<string, unknown> = {
    pid: v.tgid,
    ...(ticks !== undefined ? { entity_id: entityId(host.id, v.tgid, ticks) } : {}),
    name: v.comm,
    thread: { id: v.tid },
    ...(v.ppid ? { parent: { pid: v.ppid } } : {}),
  };
  const base = {
    "@timestamp": formatNanos(v.timeNs),
    host: { id: host.id, name: host.name, os: { type: "linux" } },
    user: { id: String(v.uid) },
  };
  let doc: Record<string, unknown>;
  if (v.kind === "connect4" || v.kind === "connect6") {
    doc = {
      ...base,
      event: {
        kind: "event",
        category: ["network"],
        type: ["start"],
        action: "connection_attempted",
      },
      process,
      destination: { ip: v.address, port: v.port },
      network: { type: v.family === 2 ? "ipv4" : "ipv6", direction: "egress" },
    };
  } else {
    const exec = v.kind === "exec" || v.kind === "exec_lsm";
    const file = {
      ...(exec ? { path: v.filename } : { name: v.filename }),
      inode: String(v.ino),
      device: String(v.dev),
    };
    if (exec && v.path !== undefined) process.executable = v.path;
    doc = {
      ...base,
      event: {
        kind: "event",
        category: ["process"],
        type: exec ? ["start"] : ["change"],
        action: exec ? "exec" : "mprotect",
      },
      process,
      file: !exec && v.path !== undefined ? { ...file, path: v.path } : file,
    };
  }
  return new JsonEvent(doc, v.timeNs, 0, paths);
}
