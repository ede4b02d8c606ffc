/**
 * Errors from libbpf calls: a negative errno turned into a message a user can
 * act on, naming the object, program or map and the errno.
 *
 * @module
 */
import { Errno, errnoName } from "./errno.ts";
import { MOUNT_TRACEFS, VMLINUX_BTF } from "./kernel_env.ts";

/** What failed, for choosing the advice. */
export type BpfOperation = "open" | "load" | "attach" | "map" | "probe";

/** What was being done when a libbpf call failed. */
export interface BpfErrorContext {
  /** The kind of operation. */
  op: BpfOperation;
  /** Human description, e.g. `loading BPF object "process"`. */
  what: string;
  /** The program's ELF section (`tp/syscalls/…`, `uprobe`, …), for attach errors. */
  section?: string;
  /** The verifier's log of the program that failed to load. */
  log?: string[];
}

/** The state of the machine that changes the advice for an errno. */
export interface BpfEnvironment {
  /** Running as root. */
  root: boolean;
  /** /sys/kernel/btf/vmlinux exists. */
  btf: boolean;
  /** tracefs is reachable where libbpf looks. */
  tracefs: boolean;
}

const PRIVILEGE = "needs root or CAP_BPF + CAP_PERFMON";

/** A failed libbpf call: `errno` is positive, `code` its name (`EPERM`). */
export class BpfError extends Error {
  /** Positive errno. */
  readonly errno: number;
  /** errno name, e.g. `ENOENT`. */
  readonly code: string;
  /** The verifier's log, for a program that failed to load. */
  readonly log: string[];

  /** `err` may be negative (libbpf's convention) or positive. */
  constructor(message: string, err: number, log: string[] = []) {
    super(message);
    this.name = "BpfError";
    this.errno = Math.abs(err);
    this.code = errnoName(err);
    this.log = log;
  }
}

function isTracepoint(section: string | undefined): boolean {
  return section !== undefined && /^(tp|tracepoint)\//.test(section);
}

function isUprobe(section: string | undefined): boolean {
  return section !== undefined && /^u(ret)?probe/.test(section);
}

/** The advice for `err` in this context, or null when there is nothing better than the errno. */
export function adviceFor(err: number, ctx: BpfErrorContext, env: BpfEnvironment): string | null {
  const n = Math.abs(err);
  if (n === Errno.EPERM) return PRIVILEGE;
  if (n === Errno.EACCES) {
    // As root, EACCES from a program load is the verifier rejecting it.
    if (env.root && ctx.op === "load") return "rejected by the BPF verifier";
    return PRIVILEGE;
  }
  if (!env.btf && (ctx.op === "load" || ctx.op === "probe")) {
    return `kernel BTF (${VMLINUX_BTF}) missing`;
  }
  if (n === Errno.ENOENT || n === Errno.ESRCH) {
    if (ctx.op === "attach" && isTracepoint(ctx.section)) {
      return env.tracefs
        ? `tracepoint ${ctx.section!.replace(/^[a-z]+\//, "")} does not exist in this kernel`
        : `tracefs not mounted (${MOUNT_TRACEFS})`;
    }
    if (ctx.op === "attach" && isUprobe(ctx.section)) return "binary or function not found";
    if (ctx.op === "load") return "a kernel type, function or map the program needs is missing";
  }
  if (n === Errno.E2BIG && ctx.op === "load") {
    return "a program is too large or complex for this kernel";
  }
  if (n === Errno.ENOTSUPP || n === Errno.EOPNOTSUPP) {
    return "not supported by this kernel";
  }
  return null;
}

const LOG_LINES = 20;

/** Builds the error: `WHAT: ADVICE (ERRNO)`, then the tail of the verifier's log when there is one. */
export function bpfError(err: number, ctx: BpfErrorContext, env: BpfEnvironment): BpfError {
  const advice = adviceFor(err, ctx, env);
  let message = `${ctx.what}: ${advice ?? "failed"} (${errnoName(err)})`;
  const log = ctx.log ?? [];
  // The verifier's verdict is at the end of its log; privilege errors need no log.
  if (log.length > 0 && advice !== PRIVILEGE && ctx.op === "load") {
    message += "\n" + log.slice(-LOG_LINES).join("\n");
  }
  return new BpfError(message, err, log);
}
