/**
 * What this kernel lets Kestrel do, probed at start and reported in the log
 * and in `/api/v1/health`: BTF, tracefs, LSM and fentry programs (loaded for
 * real: a kernel may support them and still refuse them), uprobes,
 * `bpf_send_signal` and ring buffer maps.
 *
 * @module
 */
import { errnoName } from "./errno.ts";
import { activeLsms, btfPresent, tracefsPath, uprobePmuPresent } from "./kernel_env.ts";
import { libc } from "./libc.ts";
import { cstr, type Libbpf, libbpfLoaded } from "./libbpf_lib.ts";

/** Whether a kind of program loads, and the errno name when it does not. */
export interface LoadProbe {
  /** The trivial program loaded. */
  loadable: boolean;
  /** errno name of the failure (`EPERM`), or a reason such as `no BTF`; null when loadable. */
  error: string | null;
}

/** The probe's result: a plain JSON-able object. */
export interface BpfFeatures {
  /** libbpf version ("1.1"), or null when it cannot be loaded. */
  libbpf: string | null;
  /** Why libbpf is unusable, when it is. */
  libbpfError: string | null;
  /** /sys/kernel/btf/vmlinux exists. */
  btf: boolean;
  /** Where tracefs is reachable, or null (tracepoint programs cannot attach). */
  tracefs: string | null;
  /** LSM BPF: `active` from securityfs (null when securityfs is not readable), `lsms` the list. */
  lsm: LoadProbe & { active: boolean | null; lsms: string[] | null };
  /** fentry (BPF trampoline) programs. */
  fentry: LoadProbe;
  /** The uprobe PMU exists. */
  uprobes: boolean;
  /** `bpf_send_signal` is available to tracing programs. */
  sendSignal: boolean;
  /** `BPF_MAP_TYPE_RINGBUF` is supported. */
  ringbuf: boolean;
}

const BPF_PROG_TYPE_TRACEPOINT = 5;
const BPF_PROG_TYPE_TRACING = 26;
const BPF_PROG_TYPE_LSM = 29;
const BPF_TRACE_FENTRY = 24;
const BPF_LSM_MAC = 27;
const BPF_MAP_TYPE_RINGBUF = 27;
const BPF_FUNC_SEND_SIGNAL = 109;
const LOAD_OPTS_SIZE = 104; // sizeof(struct bpf_prog_load_opts) in libbpf 1.1

// r0 = 0; exit
const RETURN_ZERO = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

/** Loads `return 0` as a program of `progType` attached to the kernel function `target`. */
function probeLoad(
  lib: Libbpf,
  progType: number,
  attachType: number,
  target: string,
): LoadProbe {
  if (!btfPresent()) return { loadable: false, error: "no BTF" };
  const btfId = lib.libbpf_find_vmlinux_btf_id(cstr(target), attachType);
  if (btfId < 0) return { loadable: false, error: `${target}: ${errnoName(btfId)}` };
  const opts = new Uint8Array(LOAD_OPTS_SIZE);
  const dv = new DataView(opts.buffer);
  dv.setBigUint64(0, BigInt(LOAD_OPTS_SIZE), true); // sz
  dv.setUint32(12, attachType, true); // expected_attach_type
  dv.setUint32(32, btfId, true); // attach_btf_id
  const fd = lib.bpf_prog_load(progType, cstr("kestrel_probe"), cstr("GPL"), RETURN_ZERO, 2n, opts);
  if (fd < 0) return { loadable: false, error: errnoName(fd) };
  libc().close(fd);
  return { loadable: true, error: null };
}

function supported(result: number): boolean {
  return result === 1;
}

/** Probes the kernel; never throws (an unusable libbpf is reported in the result). */
export function probeFeatures(): BpfFeatures {
  const lsms = activeLsms();
  const features: BpfFeatures = {
    libbpf: null,
    libbpfError: null,
    btf: btfPresent(),
    tracefs: tracefsPath(),
    lsm: { active: lsms ? lsms.includes("bpf") : null, lsms, loadable: false, error: null },
    fentry: { loadable: false, error: null },
    uprobes: uprobePmuPresent(),
    sendSignal: false,
    ringbuf: false,
  };
  let lib: Libbpf;
  try {
    const loaded = libbpfLoaded();
    lib = loaded.symbols;
    features.libbpf = `${loaded.version.major}.${loaded.version.minor}`;
  } catch (e) {
    features.libbpfError = (e as Error).message;
    features.lsm.error = features.fentry.error = "libbpf unavailable";
    return features;
  }
  Object.assign(features.lsm, probeLoad(lib, BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "file_open"));
  features.fentry = probeLoad(lib, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, "vfs_read");
  features.sendSignal = supported(
    lib.libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_SEND_SIGNAL, null),
  );
  features.ringbuf = supported(lib.libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, null));
  return features;
}
