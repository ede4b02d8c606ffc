import assert from "node:assert/strict";
import { type BpfFeatures, probeFeatures } from "../../ffi/probe.ts";
import { bpfTest } from "./require_bpf.ts";

function assertLoadProbe(p: { loadable: boolean; error: string | null }): void {
  assert.equal(typeof p.loadable, "boolean");
  if (p.loadable) assert.equal(p.error, null);
  else assert.match(p.error!, /^(E[A-Z0-9]+|errno \d+|no BTF|libbpf unavailable|\w+: E[A-Z]+)$/);
}

Deno.test("probeFeatures: a plain JSON object of the documented shape, whatever the machine", () => {
  const f: BpfFeatures = probeFeatures();
  assert.deepEqual(Object.keys(f).sort(), [
    "btf",
    "fentry",
    "libbpf",
    "libbpfError",
    "lsm",
    "ringbuf",
    "sendSignal",
    "tracefs",
    "uprobes",
  ]);
  assert.deepEqual(JSON.parse(JSON.stringify(f)), f);
  assert.equal(typeof f.btf, "boolean");
  assert.ok(f.tracefs === null || f.tracefs.startsWith("/sys/kernel/"));
  assert.ok(f.lsm.active === null || typeof f.lsm.active === "boolean");
  assert.ok(f.lsm.lsms === null || Array.isArray(f.lsm.lsms));
  assertLoadProbe(f.lsm);
  assertLoadProbe(f.fentry);
  assert.equal(typeof f.uprobes, "boolean");
  assert.equal(typeof f.sendSignal, "boolean");
  assert.equal(typeof f.ringbuf, "boolean");
  if (f.libbpf === null) assert.match(f.libbpfError!, /install libbpf1/);
  else assert.match(f.libbpf, /^\d+\.\d+$/);
});

bpfTest("probeFeatures: on a BPF-capable machine, the basics are there", () => {
  const f = probeFeatures();
  assert.equal(f.btf, true);
  assert.notEqual(f.tracefs, null);
  assert.equal(f.ringbuf, true);
  assert.equal(f.sendSignal, true);
  assert.equal(f.uprobes, true);
  assert.equal(f.libbpfError, null);
  // LSM and fentry may be refused (this project's machines answer EPERM): an errno name then.
  for (const p of [f.lsm, f.fentry]) {
    assert.ok(p.loadable || /^E[A-Z]+$/.test(p.error ?? ""), p.error ?? "");
  }
});
