/**
 * Shared decision for tests that need real BPF: they run when this process
 * can load BPF programs (root, kernel BTF, libbpf, the clang-built objects
 * they name); otherwise they are skipped with the reason printed once, or,
 * with `KESTREL_REQUIRE_BPF=1` (CI), they fail with that reason.
 *
 * ```ts
 * bpfTest("loads the self-test", ({ objects }) => { … objects.selftest … }, { objects: ["selftest"] });
 * ```
 *
 * @module
 */
import { btfPresent, isRoot, MOUNT_TRACEFS, tracefsPath } from "../../ffi/kernel_env.ts";
import { openLibbpf } from "../../ffi/libbpf_lib.ts";

/** What a BPF test receives. */
export interface BpfContext {
  /** The ELF bytes of each requested `ebpf/build/NAME.bpf.o`, by NAME. */
  objects: Record<string, Uint8Array>;
  /** The test's context, for steps. */
  t: Deno.TestContext;
}

/** Either ready, or the reason BPF tests cannot run here. */
export type BpfStatus = { ok: true; objects: Record<string, Uint8Array> } | {
  ok: false;
  reason: string;
};

const buildDir = new URL("../../ebpf/build/", import.meta.url);

/** True when CI demands that BPF tests run (`KESTREL_REQUIRE_BPF=1`). */
export function bpfRequired(): boolean {
  return Deno.env.get("KESTREL_REQUIRE_BPF") === "1";
}

let machine: string | null | undefined;

/** The reason this machine cannot run BPF tests, or null (mounts tracefs when it is missing). */
function machineProblem(): string | null {
  if (machine !== undefined) return machine;
  machine = null;
  if (!isRoot()) machine = "not running as root (BPF needs root or CAP_BPF + CAP_PERFMON)";
  else if (!btfPresent()) machine = "kernel BTF (/sys/kernel/btf/vmlinux) missing";
  else {
    try {
      openLibbpf();
    } catch (e) {
      machine = (e as Error).message;
    }
  }
  if (machine === null && tracefsPath() === null) {
    const [cmd, ...args] = MOUNT_TRACEFS.split(" ");
    const out = new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync();
    if (!out.success || tracefsPath() === null) {
      machine = `tracefs not mounted and \`${MOUNT_TRACEFS}\` failed`;
    }
  }
  return machine;
}

/** Whether BPF tests needing `objects` can run, with their bytes when they can. */
export function bpfStatus(objects: string[] = []): BpfStatus {
  const problem = machineProblem();
  if (problem) return { ok: false, reason: problem };
  const bytes: Record<string, Uint8Array> = {};
  for (const name of objects) {
    try {
      bytes[name] = Deno.readFileSync(new URL(`${name}.bpf.o`, buildDir));
    } catch {
      return { ok: false, reason: `ebpf/build/${name}.bpf.o is missing (run \`deno task bpf\`)` };
    }
  }
  return { ok: true, objects: bytes };
}

const reported = new Set<string>();

/**
 * Registers a test that needs BPF and the named objects. Skipped (reason on
 * stderr, once per reason) when BPF is unavailable, failing instead when
 * `KESTREL_REQUIRE_BPF=1`.
 */
export function bpfTest(
  name: string,
  fn: (ctx: BpfContext) => void | Promise<void>,
  options: { objects?: string[] } = {},
): void {
  const status = bpfStatus(options.objects);
  if (status.ok) {
    Deno.test(name, (t) => fn({ objects: status.objects, t }));
    return;
  }
  if (bpfRequired()) {
    Deno.test(name, () => {
      throw new Error(`KESTREL_REQUIRE_BPF=1 but BPF is unavailable: ${status.reason}`);
    });
    return;
  }
  if (!reported.has(status.reason)) {
    reported.add(status.reason);
    console.error(
      `BPF tests skipped: ${status.reason} (KESTREL_REQUIRE_BPF=1 makes this a failure)`,
    );
  }
  Deno.test({ name: `${name} (skipped: ${status.reason})`, ignore: true, fn() {} });
}
