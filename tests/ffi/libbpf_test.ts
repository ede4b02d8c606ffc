import assert from "node:assert/strict";
import { counterId, COUNTERS_MAP, readCounter, readCounters } from "../../ffi/counters.ts";
import { BPF_NOEXIST, BpfError, BpfObject, possibleCpus } from "../../ffi/libbpf.ts";
import { libc } from "../../ffi/libc.ts";
import { libbpfLoaded } from "../../ffi/libbpf_lib.ts";
import { RingBuffer } from "../../ffi/ringbuf.ts";
import {
  decodeSelftest,
  SELFTEST_PROGRAMS,
  SELFTEST_UPROBE_VALUE,
  type SelftestRecord,
  trigger,
} from "../../ffi/selftest.ts";
import { bpfRequired, bpfTest } from "./require_bpf.ts";

const objects = ["selftest"];

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

function u64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}

function readU64(b: Uint8Array): bigint {
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}

bpfTest("libbpf: the loaded library is 1.1 or later", () => {
  const { major, minor } = libbpfLoaded().version;
  assert.ok(major > 1 || (major === 1 && minor >= 1), `libbpf ${major}.${minor}`);
}, { objects });

bpfTest(
  "BpfObject: programs and maps of the self-test object, before and after load",
  ({ objects }) => {
    const obj = BpfObject.openMem(objects.selftest, "selftest");
    assert.deepEqual(obj.programs(), ["selftest_prctl", "selftest_uprobe"]);
    const events = obj.map("selftest_events");
    assert.equal(events.type, 27); // BPF_MAP_TYPE_RINGBUF
    assert.equal(events.maxEntries, 1 << 20);
    const counters = obj.map(COUNTERS_MAP);
    assert.equal(counters.type, 6); // BPF_MAP_TYPE_PERCPU_ARRAY
    assert.equal(counters.keySize, 4);
    assert.equal(counters.valueSize, 8);
    assert.equal(counters.maxEntries, 5); // event type 0's four kinds, then "discarded"
    assert.throws(
      () => events.fd,
      /map "selftest_events" has no file descriptor yet: call load\(\) first/,
    );
    assert.throws(() => obj.attach(SELFTEST_PROGRAMS.prctl), /call load\(\) first/);
    obj.load();
    assert.equal(obj.loaded, true);
    assert.ok(obj.mapFd("selftest_events") > 0);
    assert.throws(
      () => obj.map("nope"),
      (e: unknown) =>
        e instanceof BpfError && e.message === 'no map "nope" in BPF object "selftest" (ENOENT)',
    );
    obj.close();
    obj.close(); // idempotent
    assert.throws(() => events.fd, /BPF object "selftest" is closed/);
  },
  { objects },
);

bpfTest("BpfObject: attaching a missing program names the ones there are", ({ objects }) => {
  using obj = BpfObject.openMem(objects.selftest, "selftest");
  obj.load();
  assert.throws(
    () => obj.attach("selftest_missing"),
    (e: unknown) =>
      e instanceof BpfError && e.code === "ENOENT" &&
      e.message ===
        'attaching program "selftest_missing": no such program in BPF object "selftest" (it has: selftest_prctl, selftest_uprobe) (ENOENT)',
  );
}, { objects });

bpfTest("BpfObject: a program with autoload off is not loaded and cannot attach", ({ objects }) => {
  using obj = BpfObject.openMem(objects.selftest, "selftest");
  obj.setAutoload(SELFTEST_PROGRAMS.uprobe, false);
  obj.load();
  assert.throws(
    () => obj.attachUprobe(SELFTEST_PROGRAMS.uprobe, "/bin/true", "main"),
    /attaching program "selftest_uprobe": it was not loaded \(autoload is off\)/,
  );
  const link = obj.attach(SELFTEST_PROGRAMS.prctl);
  assert.equal(link.attached, true);
  assert.deepEqual(obj.links(), [link]);
}, { objects });

bpfTest("BpfMap: update, lookup and delete with byte keys and values", ({ objects }) => {
  using obj = BpfObject.openMem(objects.selftest, "selftest");
  obj.load();
  const tids = obj.map("selftest_tids");
  assert.equal(tids.lookup(u32(1234)), null);
  tids.update(u32(1234), u64(77n));
  assert.equal(readU64(tids.lookup(u32(1234))!), 77n);
  assert.throws(
    () => tids.update(u32(1234), u64(1n), BPF_NOEXIST),
    (e: unknown) =>
      e instanceof BpfError && e.code === "EEXIST" &&
      /updating map "selftest_tids"/.test(e.message),
  );
  const into = new Uint8Array(8);
  assert.equal(tids.lookup(u32(1234), into), into);
  assert.equal(tids.delete(u32(1234)), true);
  assert.equal(tids.delete(u32(1234)), false);
  assert.throws(() => tids.lookup(new Uint8Array(8)), /key is 8 bytes, the map's are 4/);
  assert.throws(() => tids.update(u32(1), new Uint8Array(4)), /value is 4 bytes, expected 8/);
}, { objects });

bpfTest("counters: per-CPU values, one per possible CPU, summed", ({ objects }) => {
  using obj = BpfObject.openMem(objects.selftest, "selftest");
  obj.load();
  const map = obj.map(COUNTERS_MAP);
  assert.equal(counterId(0, "dropped"), 2);
  assert.equal(counterId(3, "filtered"), 13);
  const perCpu = map.lookupPerCpu(u32(counterId(0, "produced")))!;
  assert.equal(perCpu.length, possibleCpus());
  assert.ok(perCpu.every((v) => v.length === 8 && readU64(v) === 0n));
  // Writing a per-CPU map takes every CPU's value at once.
  const values = new Uint8Array(8 * possibleCpus());
  for (let cpu = 0; cpu < possibleCpus(); cpu++) {
    new DataView(values.buffer).setBigUint64(cpu * 8, BigInt(cpu + 1), true);
  }
  map.update(u32(counterId(0, "dropped")), values);
  const n = BigInt(possibleCpus());
  assert.equal(readCounter(map, counterId(0, "dropped")), (n * (n + 1n)) / 2n);
  assert.deepEqual(readCounters(map, 1), [{
    produced: 0n,
    filtered: 0n,
    dropped: (n * (n + 1n)) / 2n,
    truncated: 0n,
  }]);
  assert.throws(() => obj.map("selftest_tids").lookupPerCpu(u32(0)), /not a per-CPU map/);
}, { objects });

/** The path of the libc this process runs, from its memory map. */
function libcPath(): string {
  const maps = Deno.readTextFileSync("/proc/self/maps");
  const m = /\s(\/\S*\/libc(?:\.so\.6|-[\d.]+\.so))$/m.exec(maps);
  if (!m) throw new Error("libc not found in /proc/self/maps");
  return m[1];
}

bpfTest(
  "uprobes: attach by function name, records from this thread only, detach on destroy",
  ({ objects }) => {
    using obj = BpfObject.openMem(objects.selftest, "selftest");
    obj.map("selftest_events").setMaxEntries(16384);
    obj.load();
    obj.map("selftest_tids").update(u32(libc().gettid()), u64(0n));
    const getsid = Deno.dlopen(libcPath(), { getsid: { parameters: ["i32"], result: "i32" } });
    try {
      const link = obj.attachUprobe(SELFTEST_PROGRAMS.uprobe, libcPath(), "getsid");
      for (let i = 0; i < 3; i++) getsid.symbols.getsid(0);
      link.destroy();
      assert.equal(link.attached, false);
      assert.deepEqual(obj.links(), []);
      getsid.symbols.getsid(0); // detached: no record
      const ret = obj.attachUprobe(SELFTEST_PROGRAMS.uprobe, libcPath(), "getsid", {
        retprobe: true,
      });
      getsid.symbols.getsid(0);
      ret.destroy();
    } finally {
      getsid.close();
    }
    const records: SelftestRecord[] = [];
    using ring = RingBuffer.open(obj.mapFd("selftest_events"), 16384);
    ring.consume((view, offset, length) => records.push(decodeSelftest(view, offset, length)));
    assert.deepEqual(
      records,
      [0n, 1n, 2n, 3n].map((seq) => ({
        seq,
        pid: Deno.pid,
        value: SELFTEST_UPROBE_VALUE,
        str: "uprobe",
      })),
    );
  },
  { objects },
);

bpfTest("uprobes: a missing function or binary is reported as such", ({ objects }) => {
  using obj = BpfObject.openMem(objects.selftest, "selftest");
  obj.load();
  assert.throws(
    () => obj.attachUprobe(SELFTEST_PROGRAMS.uprobe, libcPath(), "kestrel_no_such_function"),
    (e: unknown) =>
      e instanceof BpfError && e.code === "ENOENT" &&
      e.message ===
        `attaching program "selftest_uprobe" to ${libcPath()}:kestrel_no_such_function: binary or function not found (ENOENT)`,
  );
  assert.throws(
    () => obj.attachUprobe(SELFTEST_PROGRAMS.uprobe, "/nonexistent/kestrel", 0x1000),
    /to \/nonexistent\/kestrel:4096: binary or function not found \(ENOENT\)/,
  );
}, { objects });

bpfTest("loading as an unprivileged user fails with the privileges message", async () => {
  const setpriv = await new Deno.Command("sh", {
    args: ["-c", "command -v setpriv"],
    stdout: "piped",
  })
    .output();
  if (!setpriv.success) {
    if (bpfRequired()) throw new Error("setpriv (util-linux) is needed for this test");
    console.error("skipping the unprivileged load: setpriv not found");
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "kestrel-unpriv-" });
  try {
    await Deno.chmod(dir, 0o777);
    const object = `${dir}/selftest.bpf.o`;
    await Deno.copyFile(new URL("../../ebpf/build/selftest.bpf.o", import.meta.url), object);
    await Deno.chmod(object, 0o644);
    const script = new URL("unprivileged_load.ts", import.meta.url).pathname;
    const out = await new Deno.Command("setpriv", {
      args: [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
        Deno.execPath(),
        "run",
        "--no-config",
        "--no-lock",
        "--allow-read",
        "--allow-ffi",
        script,
        object,
      ],
      env: { DENO_DIR: `${dir}/deno`, HOME: dir, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout).trim();
    const stderr = new TextDecoder().decode(out.stderr);
    if (
      /NotCapable|PermissionDenied|Permission denied \(os error 13\)/.test(stderr) && stdout === ""
    ) {
      // The checkout is not readable by nobody: nothing to conclude.
      console.error("skipping the unprivileged load: the checkout is not readable by uid 65534");
      return;
    }
    assert.equal(
      stdout,
      'loading BPF object "selftest": needs root or CAP_BPF + CAP_PERFMON (EPERM)',
      stderr,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}, { objects });

Deno.test("the selftest trigger is harmless without the program", () => {
  trigger(1n); // prctl with an unknown option: EINVAL, no effect
});
