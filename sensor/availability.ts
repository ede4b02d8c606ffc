/**
 * Whether this process can collect kernel events, decided before anything
 * is loaded so that an unprivileged or BPF-less start ends with one clear
 * sentence instead of a libbpf error from deep inside the load.
 *
 * @module
 */
import { type BpfFeatures, probeFeatures } from "../ffi/probe.ts";
import { VMLINUX_BTF } from "../ffi/kernel_env.ts";

/** The sensor cannot run here; the message says why and what to do. */
export class SensorUnavailable extends Error {
  /** Wraps a one-line reason. */
  constructor(message: string) {
    super(message);
    this.name = "SensorUnavailable";
  }
}

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

/** The effective capability set from `/proc/self/status` (0 when unreadable). */
export function effectiveCapabilities(status?: string): bigint {
  let text = status;
  if (text === undefined) {
    try {
      text = Deno.readTextFileSync("/proc/self/status");
    } catch {
      return 0n;
    }
  }
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(text);
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

/** True when `caps` allow loading tracing programs: CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN. */
export function capabilitiesAllowBpf(caps: bigint): boolean {
  const has = (c: bigint) => (caps >> c & 1n) === 1n;
  return has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON));
}

/**
 * The reason BPF collection cannot start, or null: libbpf missing or too
 * old, no kernel BTF, no ring buffer support, missing privileges.
 */
export function bpfProblem(features: BpfFeatures, caps = effectiveCapabilities()): string | null {
  if (features.libbpfError) return features.libbpfError;
  if (!capabilitiesAllowBpf(caps)) {
    let uid = "";
    try {
      uid = ` (running as uid ${Deno.uid()})`;
    } catch {
      // No uid on this platform.
    }
    return `needs root or CAP_BPF + CAP_PERFMON${uid}`;
  }
  if (!features.btf) {
    return `the kernel has no BTF (${VMLINUX_BTF} is missing): Kestrel needs a kernel built with CONFIG_DEBUG_INFO_BTF`;
  }
  if (!features.ringbuf) return "the kernel has no BPF ring buffer (Linux 5.8 or later needed)";
  return null;
}

/** One log line summarising the probed features. */
export function describeFeatures(f: BpfFeatures): string {
  const yn = (b: boolean) => b ? "yes" : "no";
  const load = (p: { loadable: boolean; error: string | null }) =>
    p.loadable ? "yes" : `no${p.error ? ` (${p.error})` : ""}`;
  return `BPF: libbpf ${f.libbpf ?? "missing"}, BTF ${yn(f.btf)}, ring buffer ${
    yn(f.ringbuf)
  }, uprobes ${yn(f.uprobes)}, LSM ${load(f.lsm)}, fentry ${load(f.fentry)}`;
}

/**
 * Throws {@link SensorUnavailable} when BPF collection cannot start here:
 * a cheap check before anything else starts (a daemon binds its port and
 * writes its token only when the sensor can run).
 */
export function checkBpfAvailable(): void {
  const problem = bpfProblem(probeFeatures());
  if (problem) throw new SensorUnavailable(problem);
}
