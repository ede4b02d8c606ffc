/**
 * Killing one process instance, never another that reused its pid.
 *
 * The target is named by pid and process entity id (a hash of host, pid and
 * start time, `./procs.ts`). A pidfd is opened first — it names one process
 * instance for good — and only then is `/proc/<pid>/stat` read and the
 * entity recomputed: if the pid already belongs to another process the
 * entities differ and nothing is sent; if they agree, the pidfd is the
 * process that was checked, and `pidfd_send_signal` can only reach it
 * (ESRCH once it is gone).
 *
 * Limit: start times in `/proc/<pid>/stat` are clock ticks (10 ms at
 * USER_HZ 100), so a successor that got the pid within the same tick as the
 * target started is not told apart. Reaching a pid again takes a wrap of the
 * pid space (or a write to `ns_last_pid`), which takes longer than that.
 *
 * @module
 */
import { closeFd, pidfdOpen, pidfdSendSignal, SIGKILL, SyscallError } from "../ffi/pidfd.ts";
import { entityId, parseProcStat } from "./procs.ts";

/** The process to kill, as a match names it. */
export interface KillTarget {
  pid: number;
  /** `process.entity_id` of the matched event. */
  entityId: string;
}

/** The outcome: killed, or why not. */
export type KillResult = { ok: true } | { ok: false; error: string };

/** Options of {@link killProcess}. */
export interface KillOptions {
  /** This host's id, as entity ids are computed with it. */
  hostId: string;
  /** Pids never signalled (pid 1, the sensor, its ancestors). */
  protect: ReadonlySet<number>;
  /** Signal to send (default SIGKILL). */
  signal?: number;
  /** `/proc` (tests may point elsewhere). */
  procRoot?: string;
}

/** Kills `target` if it is still the process the match saw (see the module documentation). */
export function killProcess(target: KillTarget, opts: KillOptions): KillResult {
  const { pid } = target;
  if (!Number.isInteger(pid) || pid <= 0) return { ok: false, error: `no valid pid (${pid})` };
  if (opts.protect.has(pid)) {
    return { ok: false, error: `pid ${pid} is protected (pid 1, the sensor or its ancestor)` };
  }
  let fd: number;
  try {
    fd = pidfdOpen(pid);
  } catch (e) {
    if (e instanceof SyscallError && e.errno === 3) {
      return { ok: false, error: `process ${pid} has already exited` };
    }
    return { ok: false, error: (e as Error).message };
  }
  try {
    let text: string;
    try {
      text = Deno.readTextFileSync(`${opts.procRoot ?? "/proc"}/${pid}/stat`);
    } catch {
      return { ok: false, error: `process ${pid} has already exited` };
    }
    const stat = parseProcStat(text);
    if (stat === undefined) return { ok: false, error: `cannot read /proc/${pid}/stat` };
    const now = entityId(opts.hostId, pid, stat.startTicks);
    if (now !== target.entityId) {
      return {
        ok: false,
        error:
          `pid ${pid} now belongs to another process (entity ${now}, not ${target.entityId}): not signalled`,
      };
    }
    try {
      pidfdSendSignal(fd, opts.signal ?? SIGKILL);
    } catch (e) {
      if (e instanceof SyscallError && e.errno === 3) {
        return { ok: false, error: `process ${pid} has already exited` };
      }
      return { ok: false, error: (e as Error).message };
    }
    return { ok: true };
  } finally {
    closeFd(fd);
  }
}
