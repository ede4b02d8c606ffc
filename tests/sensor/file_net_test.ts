/**
 * File and network events from real workloads through the live sensor:
 * create, write, rename and unlink of a temporary file; TCP connects to a
 * loopback listener the test starts and to a closed port; a DNS query to a
 * loopback UDP responder the test starts. Field by field.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { bpfTest } from "../ffi/require_bpf.ts";
import { field, Live, pick, run, SENSOR_OBJECTS } from "./live.ts";
import { rulesFrom } from "./rules.ts";

const objects = { objects: SENSOR_OBJECTS };

bpfTest("create, write, rename and unlink of a temporary file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kestrel-file-" });
  // A rule on the directory: file events are collected, narrowed to it in the kernel.
  const live = await Live.start({
    rules: rulesFrom({ f: `file where startsWith(file.path, "${dir}/")` }),
  });
  try {
    assert.ok(live.sensor.interest!.pathTypes !== 0n);
    const sh = await run("/bin/sh", [
      "-c",
      "echo x > a.txt; echo y >> a.txt; mv a.txt b.txt; rm b.txt",
    ], { cwd: dir });
    assert.equal(sh.code, 0, sh.stderr);
    const inDir = () =>
      live.events.filter((e) => String(field(e, "file.path") ?? "").startsWith(`${dir}/`));
    await live.waitFor(
      "the deletion",
      () => inDir().find((e) => field(e, "event.action") === "deletion"),
    );
    const fields = [
      "event.category",
      "event.type",
      "event.action",
      "event.outcome",
      "file.path",
      "file.name",
      "file.extension",
      "file.directory",
      "file.Ext.original.path",
      "process.name",
    ];
    const got = inDir().map((e) => pick(e, fields));
    const expect = (
      type: string,
      action: string,
      name: string,
      proc: string,
      original?: string,
    ) => ({
      "event.category": ["file"],
      "event.type": [type],
      "event.action": action,
      "event.outcome": "success",
      "file.path": `${dir}/${name}`,
      "file.name": name,
      "file.extension": "txt",
      "file.directory": dir,
      "file.Ext.original.path": original,
      "process.name": proc,
    });
    assert.deepEqual(got, [
      expect("creation", "creation", "a.txt", "sh"),
      expect("change", "modification", "a.txt", "sh"),
      expect("change", "rename", "b.txt", "mv", `${dir}/a.txt`),
      expect("deletion", "deletion", "b.txt", "rm"),
    ]);
    const events = inDir();
    assert.equal(field(events[0], "process.pid"), sh.pid);
    assert.equal(field(events[2], "process.parent.pid"), sh.pid);
    assert.equal(field(events[3], "process.parent.pid"), sh.pid);
    // Every file event was an alert of the rule, none degraded.
    assert.deepEqual(
      live.alerts.filter((a) => a.rule === "f").map((
        a,
      ) => [field(a.events[0], "event.action"), a.degraded]),
      [["creation", false], ["modification", false], ["rename", false], ["deletion", false]],
    );
  } finally {
    await live.stop();
    await Deno.remove(dir, { recursive: true });
  }
}, objects);

bpfTest("TCP connects: accepted by a loopback listener, and refused", async () => {
  const live = await Live.start({
    rules: rulesFrom({ c: 'network where event.action == "connection_attempted"' }),
  });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const refusedPort = closed.addr.port;
  closed.close();
  try {
    const accepted = listener.accept();
    const ok = await run("/bin/bash", [
      "-c",
      `exec 3<>/dev/tcp/127.0.0.1/${listener.addr.port}`,
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const conn = await accepted;
    const clientPort = (conn.remoteAddr as Deno.NetAddr).port;
    conn.close();
    const refused = await run("/bin/bash", ["-c", `exec 3<>/dev/tcp/127.0.0.1/${refusedPort}`]);
    assert.notEqual(refused.code, 0);
    const fields = [
      "event.category",
      "event.type",
      "event.outcome",
      "network.transport",
      "network.type",
      "network.direction",
      "source.ip",
      "source.port",
      "destination.ip",
      "destination.port",
      "process.name",
    ];
    const a = await live.one("the accepted connect", {
      "process.pid": ok.pid,
      "event.action": "connection_attempted",
    });
    assert.deepEqual(pick(a, fields), {
      "event.category": ["network"],
      "event.type": ["start"],
      "event.outcome": "success",
      "network.transport": "tcp",
      "network.type": "ipv4",
      "network.direction": "egress",
      "source.ip": "127.0.0.1",
      "source.port": clientPort,
      "destination.ip": "127.0.0.1",
      "destination.port": listener.addr.port,
      "process.name": "bash",
    });
    const r = await live.one("the refused connect", {
      "process.pid": refused.pid,
      "event.action": "connection_attempted",
    });
    assert.deepEqual(pick(r, fields), {
      ...pick(a, fields),
      "event.outcome": "failure",
      "source.ip": undefined,
      "source.port": undefined,
      "destination.port": refusedPort,
    });
  } finally {
    listener.close();
    await live.stop();
  }
}, objects);

bpfTest("a TCP connect over IPv6 loopback", async () => {
  const live = await Live.start({
    rules: rulesFrom({ c: 'network where event.action == "connection_attempted"' }),
  });
  const listener = Deno.listen({ hostname: "::1", port: 0 });
  try {
    const accepted = listener.accept();
    const r = await run("/bin/bash", ["-c", `exec 3<>/dev/tcp/::1/${listener.addr.port}`]);
    assert.equal(r.code, 0, r.stderr);
    const conn = await accepted;
    const clientPort = (conn.remoteAddr as Deno.NetAddr).port;
    conn.close();
    const c = await live.one("the connect", {
      "process.pid": r.pid,
      "event.action": "connection_attempted",
    });
    assert.deepEqual(
      pick(c, [
        "event.outcome",
        "network.type",
        "network.transport",
        "source.ip",
        "source.port",
        "destination.ip",
        "destination.port",
      ]),
      {
        "event.outcome": "success",
        "network.type": "ipv6",
        "network.transport": "tcp",
        "source.ip": "::1",
        "source.port": clientPort,
        "destination.ip": "::1",
        "destination.port": listener.addr.port,
      },
    );
  } finally {
    listener.close();
    await live.stop();
  }
}, objects);

/** A DNS query for `name`, type A, class IN, with id `id`. */
function dnsQuery(id: number, name: string): Uint8Array {
  const labels = name.split(".").flatMap((l) => [l.length, ...new TextEncoder().encode(l)]);
  return new Uint8Array([
    id >> 8,
    id & 0xff,
    1,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    ...labels,
    0,
    0,
    1,
    0,
    1,
  ]);
}

bpfTest("a DNS query to a loopback UDP responder: question name and type", async () => {
  // The responder answers with the query, flagged as a response.
  const responder = dgram.createSocket("udp4");
  responder.on("message", (msg, from) => {
    const reply = new Uint8Array(msg);
    reply[2] |= 0x80;
    responder.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => responder.bind(0, "127.0.0.1", resolve));
  const port = responder.address().port;
  const live = await Live.start({
    rules: rulesFrom({ d: 'network where event.action == "lookup_requested"' }),
    dnsPort: port,
  });
  try {
    const query = Array.from(dnsQuery(0x1234, "kestrel-test.example"));
    const client = `import dgram from "node:dgram";
const s = dgram.createSocket("udp4");
s.on("message", (m) => { console.log(m.length); s.close(); });
s.send(new Uint8Array(${JSON.stringify(query)}), ${port}, "127.0.0.1");`;
    const r = await run(Deno.execPath(), ["eval", "--no-config", client]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), String(query.length));
    const q = await live.one("the DNS query", {
      "process.pid": r.pid,
      "event.action": "lookup_requested",
    });
    assert.deepEqual(
      pick(q, [
        "event.category",
        "event.type",
        "event.outcome",
        "network.protocol",
        "network.transport",
        "network.type",
        "destination.ip",
        "destination.port",
        "dns.id",
        "dns.question.name",
        "dns.question.type",
        "dns.question.class",
        "process.name",
      ]),
      {
        "event.category": ["network"],
        "event.type": ["protocol"],
        "event.outcome": "success",
        "network.protocol": "dns",
        "network.transport": "udp",
        "network.type": "ipv4",
        "destination.ip": "127.0.0.1",
        "destination.port": port,
        "dns.id": String(0x1234),
        "dns.question.name": "kestrel-test.example",
        "dns.question.type": "A",
        "dns.question.class": "IN",
        "process.name": "deno",
      },
    );
  } finally {
    responder.close();
    await live.stop();
  }
}, objects);
