/**
 * Kernel verdict records (sensor/enforce_verdict.ts): decoding the
 * `enforce_verdict` layout of ebpf/enforce.h, the alert event built from
 * one, and IPv6 address text.
 */
import assert from "node:assert/strict";
import { parseIp } from "../../engine/actions.ts";
import { FieldPaths } from "../../engine/event.ts";
import { Schema } from "../../engine/schema.ts";
import { ipv6Text } from "../../engine/record_read.ts";
import { decodeVerdict, VERDICT_BYTES, verdictEvent } from "../../sensor/enforce_verdict.ts";

function record(fill: (dv: DataView, bytes: Uint8Array) => void): DataView {
  const bytes = new Uint8Array(8 + VERDICT_BYTES);
  const dv = new DataView(bytes.buffer, 8);
  fill(dv, bytes.subarray(8));
  return new DataView(bytes.buffer);
}

Deno.test("decodeVerdict: an exec blocked, at the offsets of enforce.h", () => {
  const view = record((dv, b) => {
    dv.setBigUint64(0, 5_000_000_000n, true); // ktime
    dv.setBigUint64(8, 1_000_000_000n, true); // start
    dv.setUint32(16, 1, true); // exec
    dv.setUint32(20, 1, true); // blocked
    dv.setUint32(24, 2, true); // rule
    dv.setUint32(28, 7, true); // generation
    dv.setUint32(36, 4242, true); // tgid
    dv.setUint32(40, 4243, true); // tid
    dv.setUint32(44, 99, true); // ppid
    dv.setUint32(48, 1000, true); // uid
    dv.setUint32(52, (254 << 20) | 1, true); // dev
    dv.setBigUint64(56, 123456n, true); // ino
    b.set(new TextEncoder().encode("blocked"), 88);
    b.set(new TextEncoder().encode("/tmp/link"), 104);
  });
  const v = decodeVerdict(view, 8, VERDICT_BYTES, 10n)!;
  assert.deepEqual(v, {
    kind: "exec",
    action: "blocked",
    timeNs: 5_000_000_010n,
    startBootNs: 1_000_000_000n,
    rule: 2,
    generation: 7,
    tgid: 4242,
    tid: 4243,
    ppid: 99,
    uid: 1000,
    dev: (254 << 20) | 1,
    ino: 123456n,
    family: 0,
    port: 0,
    comm: "blocked",
    filename: "/tmp/link",
  });
  assert.equal(decodeVerdict(view, 8, VERDICT_BYTES - 1, 0n), undefined);
  v.path = "/tmp/real";
  const doc = verdictEvent(v, { id: "h", name: "n" }, new FieldPaths(Schema.ecs())).toJSON();
  assert.deepEqual(doc.event, {
    kind: "event",
    category: ["process"],
    type: ["start"],
    action: "exec",
  });
  assert.equal((doc.process as Record<string, unknown>).executable, "/tmp/real");
  assert.equal((doc.file as Record<string, unknown>).path, "/tmp/link");
  assert.equal(typeof (doc.process as Record<string, unknown>).entity_id, "string");
});

Deno.test("decodeVerdict: a rate-limited connect names the destination and the reason", () => {
  const view = record((dv, b) => {
    dv.setUint32(16, 5, true); // connect4
    dv.setUint32(20, 3, true); // rate limited
    dv.setUint32(36, 1, true);
    dv.setUint16(64, 2, true);
    dv.setUint16(66, 8080, true);
    b.set([10, 1, 2, 3], 72);
  });
  const v = decodeVerdict(view, 8, VERDICT_BYTES, 0n)!;
  assert.deepEqual([v.kind, v.action, v.address, v.port], ["connect4", "failed", "10.1.2.3", 8080]);
  assert.match(v.error!, /block_rate_limit/);
  const doc = verdictEvent(v, { id: "h", name: "n" }, new FieldPaths(Schema.ecs())).toJSON();
  assert.deepEqual(doc.destination, { ip: "10.1.2.3", port: 8080 });
});

Deno.test("ipv6Text: verdict addresses print in RFC 5952 form", () => {
  assert.equal(ipv6Text([0, 0, 0, 0, 0, 0, 0, 1]), "::1");
  assert.equal(ipv6Text([0, 0, 0, 0, 0, 0, 0, 0]), "::");
  assert.equal(ipv6Text([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), "2001:db8::1:0:0:1");
  assert.equal(ipv6Text([0x2001, 0xdb8, 1, 2, 3, 4, 5, 6]), "2001:db8:1:2:3:4:5:6");
  assert.equal(ipv6Text([1, 0, 2, 3, 4, 5, 6, 7]), "1:0:2:3:4:5:6:7");
  // Every text parses back to the same groups.
  const g = [0xfe80, 0, 0, 0, 0xabc, 0, 0, 1];
  const bytes = parseIp(ipv6Text(g))!.bytes;
  assert.deepEqual(Array.from({ length: 8 }, (_, i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]), g);
});
