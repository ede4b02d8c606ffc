import assert from "node:assert/strict";
import { adviceFor, type BpfEnvironment, BpfError, bpfError } from "../../ffi/bpf_error.ts";
import { Errno, errnoName } from "../../ffi/errno.ts";
import { LibbpfUnavailable, openLibbpf, versionProblem } from "../../ffi/libbpf_lib.ts";

const rootEnv: BpfEnvironment = { root: true, btf: true, tracefs: true };
const tp = {
  op: "attach",
  what: 'attaching program "p"',
  section: "tp/syscalls/sys_enter_prctl",
} as const;

Deno.test("errno names: known, negative and unknown numbers", () => {
  assert.equal(errnoName(1), "EPERM");
  assert.equal(errnoName(-2), "ENOENT");
  assert.equal(errnoName(-524), "ENOTSUPP");
  assert.equal(errnoName(4242), "errno 4242");
});

Deno.test("advice: EPERM always means missing privileges", () => {
  for (const op of ["load", "attach", "map", "open"] as const) {
    assert.equal(
      adviceFor(-Errno.EPERM, { op, what: "x" }, rootEnv),
      "needs root or CAP_BPF + CAP_PERFMON",
    );
  }
});

Deno.test("advice: EACCES is privileges for a user, the verifier for root loading", () => {
  const user = { ...rootEnv, root: false };
  assert.equal(
    adviceFor(-Errno.EACCES, { op: "load", what: "x" }, user),
    "needs root or CAP_BPF + CAP_PERFMON",
  );
  assert.equal(
    adviceFor(-Errno.EACCES, { op: "load", what: "x" }, rootEnv),
    "rejected by the BPF verifier",
  );
});

Deno.test("advice: ENOENT on a tracepoint attach names tracefs when it is not mounted", () => {
  assert.equal(
    adviceFor(-Errno.ENOENT, tp, { ...rootEnv, tracefs: false }),
    "tracefs not mounted (mount -t tracefs tracefs /sys/kernel/tracing)",
  );
  assert.equal(
    adviceFor(-Errno.ENOENT, tp, rootEnv),
    "tracepoint syscalls/sys_enter_prctl does not exist in this kernel",
  );
  const uprobe = { op: "attach", what: "x", section: "uprobe" } as const;
  assert.equal(
    adviceFor(-Errno.ENOENT, uprobe, { ...rootEnv, tracefs: false }),
    "binary or function not found",
  );
});

Deno.test("advice: a load without kernel BTF says so", () => {
  assert.equal(
    adviceFor(-Errno.ESRCH, { op: "load", what: "x" }, { ...rootEnv, btf: false }),
    "kernel BTF (/sys/kernel/btf/vmlinux) missing",
  );
});

Deno.test("bpfError: what, advice and errno name; the verifier's tail only for load failures", () => {
  const e = bpfError(-Errno.EPERM, {
    op: "load",
    what: 'loading BPF object "process"',
    log: ["noise"],
  }, rootEnv);
  assert.ok(e instanceof BpfError);
  assert.equal(
    e.message,
    'loading BPF object "process": needs root or CAP_BPF + CAP_PERFMON (EPERM)',
  );
  assert.equal(e.errno, 1);
  assert.equal(e.code, "EPERM");
  const log = Array.from({ length: 30 }, (_, i) => `line ${i}`);
  const v = bpfError(-Errno.EACCES, { op: "load", what: 'loading program "p"', log }, rootEnv);
  const lines = v.message.split("\n");
  assert.equal(lines[0], 'loading program "p": rejected by the BPF verifier (EACCES)');
  assert.equal(lines.length, 21, "the last 20 lines of libbpf's log");
  assert.equal(lines[20], "line 29");
  assert.deepEqual(v.log, log);
  const unknown = bpfError(-Errno.EBUSY, { op: "map", what: "updating map m" }, rootEnv);
  assert.equal(unknown.message, "updating map m: failed (EBUSY)");
});

Deno.test("libbpf version check: 1.1 and later pass, older name what to install", () => {
  assert.equal(versionProblem({ major: 1, minor: 1 }), null);
  assert.equal(versionProblem({ major: 1, minor: 4 }), null);
  assert.equal(versionProblem({ major: 2, minor: 0 }), null);
  assert.equal(
    versionProblem({ major: 1, minor: 0 }),
    "libbpf.so.1 is version 1.0; Kestrel needs libbpf ≥ 1.1 (install libbpf1 ≥ 1.1)",
  );
  assert.match(versionProblem({ major: 0, minor: 8 })!, /version 0\.8/);
});

Deno.test("a missing libbpf gives the install hint", () => {
  assert.throws(
    () => openLibbpf("libbpf-kestrel-missing.so.1"),
    (e: unknown) =>
      e instanceof LibbpfUnavailable &&
      e.message.startsWith("libbpf-kestrel-missing.so.1 not found: install libbpf1 (≥ 1.1)"),
  );
});
