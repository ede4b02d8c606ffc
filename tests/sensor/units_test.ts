/**
 * The sensor's pieces that need no kernel: drop intervals and degraded
 * spans, the availability check, kernel map layouts, event lines, and the
 * ring buffer size flag.
 */
import assert from "node:assert/strict";
import { DropTracker } from "../../sensor/drops.ts";
import {
  bpfProblem,
  capabilitiesAllowBpf,
  effectiveCapabilities,
} from "../../sensor/availability.ts";
import { decodeConfig, encodeConfig, encodePrefix } from "../../sensor/kernel_maps.ts";
import { eventLine } from "../../sensor/event_log.ts";
import { parseBytes } from "../../cli/run.ts";
import type { BpfFeatures } from "../../ffi/probe.ts";
import type { Event } from "../../engine/event.ts";

Deno.test("drop intervals: a grown counter marks the time since the last check", () => {
  const counts = new Map<number, bigint>([[17, 5n], [18, 0n]]);
  const drops = new DropTracker((t) => counts.get(t) ?? 0n, [17, 18], 1000n);
  assert.equal(drops.check(2000n), 0n); // what was lost before the tracker started does not count
  counts.set(18, 3n);
  assert.equal(drops.check(3000n), 3n);
  counts.set(17, 6n);
  assert.equal(drops.check(4000n), 1n);
  assert.equal(drops.check(5000n), 0n);
  assert.deepEqual(drops.intervals(), [
    { from: 2000n, to: 3000n, count: 3n },
    { from: 3000n, to: 4000n, count: 1n },
  ]);
  assert.equal(drops.total, 4n);
  // Spans touching an interval are degraded; spans wholly outside are not.
  assert.equal(drops.overlaps(2500n, 2500n), true);
  assert.equal(drops.overlaps(1000n, 2000n), true); // ends where the interval starts
  assert.equal(drops.overlaps(100n, 1999n), false);
  assert.equal(drops.overlaps(4001n, 9000n), false);
  assert.equal(drops.overlaps(1000n, 9000n), true); // a sequence spanning the drops
});

Deno.test("drop intervals: a type added later starts from its current count", () => {
  const counts = new Map<number, bigint>([[26, 100n]]);
  const drops = new DropTracker((t) => counts.get(t) ?? 0n, [], 0n);
  drops.setTypes([26]);
  assert.equal(drops.check(10n), 0n);
  counts.set(26, 101n);
  assert.equal(drops.check(20n), 1n);
});

const FEATURES: BpfFeatures = {
  libbpf: "1.1",
  libbpfError: null,
  btf: true,
  tracefs: null,
  lsm: { active: false, lsms: [], loadable: false, error: "EPERM" },
  fentry: { loadable: false, error: "EPERM" },
  uprobes: true,
  sendSignal: true,
  ringbuf: true,
};
const BPF_CAPS = (1n << 38n) | (1n << 39n);

Deno.test("availability: libbpf, privileges, BTF and ring buffers, each with its own sentence", () => {
  assert.equal(bpfProblem(FEATURES, BPF_CAPS), null);
  assert.equal(bpfProblem(FEATURES, 1n << 21n), null); // CAP_SYS_ADMIN
  assert.match(bpfProblem(FEATURES, 1n << 39n)!, /^needs root or CAP_BPF \+ CAP_PERFMON/);
  assert.match(
    bpfProblem({ ...FEATURES, btf: false }, BPF_CAPS)!,
    /no BTF .*CONFIG_DEBUG_INFO_BTF/,
  );
  assert.match(bpfProblem({ ...FEATURES, ringbuf: false }, BPF_CAPS)!, /no BPF ring buffer/);
  assert.equal(
    bpfProblem({ ...FEATURES, libbpf: null, libbpfError: "libbpf.so.1 not found" }, 0n),
    "libbpf.so.1 not found",
  );
  assert.equal(effectiveCapabilities("Name:\tx\nCapEff:\t000001ffffffffff\n"), 0x1ffffffffffn);
  assert.equal(capabilitiesAllowBpf(0x1ffffffffffn), true);
  assert.equal(capabilitiesAllowBpf(0n), false);
});

Deno.test("kestrel_config and kestrel_prefix layouts", () => {
  const c = {
    selfTgid: 4242,
    flags: 1,
    pathTypes: 1n << 18n,
    openFlagsMask: 0,
    nprefixes: 2,
    dnsPort: 5353,
    wakeupBytes: 65536,
  };
  const bytes = encodeConfig(c);
  assert.equal(bytes.length, 32);
  assert.deepEqual(decodeConfig(bytes), c);
  const dv = new DataView(bytes.buffer);
  assert.equal(dv.getUint32(0, true), 4242);
  assert.equal(dv.getBigUint64(8, true), 1n << 18n);
  assert.equal(dv.getUint32(28, true), 65536);
  const p = encodePrefix(1n << 17n, new TextEncoder().encode("/etc/"));
  assert.equal(p.length, 80);
  const pv = new DataView(p.buffer);
  assert.equal(pv.getBigUint64(0, true), 1n << 17n);
  assert.equal(pv.getUint32(8, true), 5);
  assert.equal(new TextDecoder().decode(p.subarray(16, 21)), "/etc/");
  assert.ok(p.subarray(21).every((b) => b === 0));
  assert.throws(() => encodePrefix(1n, new Uint8Array(65)), RangeError);
});

function fakeEvent(doc: Record<string, unknown>, timestamp: bigint): Event {
  return { timestamp, seq: 1, get: () => undefined, toJSON: () => doc };
}

Deno.test("event lines: @timestamp first when missing, bigints as integers", () => {
  assert.equal(
    eventLine(fakeEvent({ a: 1 }, 1_700_000_000_123_456_789n)),
    '{"@timestamp":"2023-11-14T22:13:20.123456789Z","a":1}',
  );
  assert.equal(
    eventLine(fakeEvent({ "@timestamp": "x", n: 2n ** 64n - 1n }, 0n)),
    '{"@timestamp":"x","n":18446744073709551615}',
  );
});

Deno.test("--ringbuf-size takes bytes or K/M/G, powers of 2 only", () => {
  assert.equal(parseBytes("--ringbuf-size", "65536"), 65536);
  assert.equal(parseBytes("--ringbuf-size", "64K"), 65536);
  assert.equal(parseBytes("--ringbuf-size", "8M"), 8 << 20);
  assert.equal(parseBytes("--ringbuf-size", "1G"), 1 << 30);
  assert.throws(() => parseBytes("--ringbuf-size", "3000"), /power of 2/);
  assert.throws(() => parseBytes("--ringbuf-size", "2K"), /between 4096/);
  assert.throws(() => parseBytes("--ringbuf-size", "lots"), /byte count/);
});
