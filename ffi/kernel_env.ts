/**
 * Facts about the running kernel that BPF depends on, read from the file
 * system: kernel BTF, where tracefs is mounted, the active LSMs.
 *
 * @module
 */

/** Where the kernel publishes its own BTF (needed by CO-RE and tp_btf/fentry/LSM programs). */
export const VMLINUX_BTF = "/sys/kernel/btf/vmlinux";

/** The command that mounts tracefs where libbpf looks for it. */
export const MOUNT_TRACEFS = "mount -t tracefs tracefs /sys/kernel/tracing";

/** True when `path` exists (a link counts when its target does). */
export function pathExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** True when the kernel exposes its BTF. */
export function btfPresent(): boolean {
  return pathExists(VMLINUX_BTF);
}

/** Mount points by file system type, from /proc/mounts (empty when unreadable). */
export function mountsOf(fsType: string, mounts = readMounts()): string[] {
  const out: string[] = [];
  for (const line of mounts.split("\n")) {
    const [, dir, type] = line.split(" ");
    // /proc/mounts escapes spaces in paths as \040.
    if (type === fsType) out.push(dir.replace(/\\040/g, " "));
  }
  return out;
}

function readMounts(): string {
  try {
    return Deno.readTextFileSync("/proc/mounts");
  } catch {
    return "";
  }
}

/**
 * The tracefs directory libbpf reads tracepoint ids from, or null when it is
 * not reachable. libbpf looks at /sys/kernel/debug/tracing (debugfs) first,
 * then /sys/kernel/tracing.
 */
export function tracefsPath(): string | null {
  for (const dir of ["/sys/kernel/debug/tracing", "/sys/kernel/tracing"]) {
    if (pathExists(`${dir}/events`)) return dir;
  }
  return null;
}

/**
 * The active LSMs from securityfs (`/sys/kernel/security/lsm`), or null when
 * securityfs is not mounted or not readable.
 */
export function activeLsms(): string[] | null {
  try {
    return Deno.readTextFileSync("/sys/kernel/security/lsm").trim().split(",").filter(Boolean);
  } catch {
    return null;
  }
}

/** True when the kernel has the perf-event uprobe PMU that libbpf attaches uprobes through. */
export function uprobePmuPresent(): boolean {
  return pathExists("/sys/bus/event_source/devices/uprobe/type");
}

/** True when the process runs as root (the usual way to hold CAP_BPF + CAP_PERFMON). */
export function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    // Without --allow-sys: the effective uid is the second Uid field.
    try {
      return /^Uid:\s+\d+\s+0\s/m.test(Deno.readTextFileSync("/proc/self/status"));
    } catch {
      return false;
    }
  }
}
