import assert from "node:assert/strict";
import dgram from "node:dgram";
import { type Alert, serializeAlert } from "../../engine/alerts.ts";
import {
  facilityCode,
  formatSyslog,
  octetFrame,
  type SyslogHeader,
  SyslogOutput,
  syslogSeverity,
} from "../../outputs/mod.ts";
import { alert, pair, quiet, waitFor } from "./helpers.ts";

const HEADER: SyslogHeader = {
  facility: 16,
  hostname: "sensor-1",
  appName: "kestrel",
  procId: "4242",
  msgId: "alert",
  sdId: "kestrel@32473",
};

/** RFC 5424: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG`. */
const RFC5424 =
  /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\[(?:[^\]"\\]|"(?:[^"\\]|\\.)*")*\]) (.*)$/s;

interface Parsed {
  pri: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  sd: string;
  msg: string;
}

function parse(message: string): Parsed {
  const m = RFC5424.exec(message);
  assert.ok(m, `not RFC 5424: ${message.slice(0, 200)}`);
  return {
    pri: Number(m[1]),
    timestamp: m[2],
    hostname: m[3],
    appName: m[4],
    procId: m[5],
    msgId: m[6],
    sd: m[7],
    msg: m[8],
  };
}

const decode = (b: Uint8Array) => new TextDecoder("utf-8", { fatal: true }).decode(b);

Deno.test("syslog: the RFC 5424 message of an alert, field by field", () => {
  const [a, line] = pair(1, "high");
  const text = decode(formatSyslog(a, line, HEADER, 8192));
  const id = a.kestrel.alert.id;
  assert.equal(
    text,
    `<131>1 2026-01-02T03:04:06.123456Z sensor-1 kestrel 4242 alert ` +
      `[kestrel@32473 id="${id}" rule="lnx_reverse_shell" severity="high" action="alert"] ${line}`,
  );
});

Deno.test("syslog: severity from the rule, facility by name or code", () => {
  assert.deepEqual(
    ["critical", "high", "medium", "low", "informational", "HIGH"].map(syslogSeverity),
    [2, 3, 4, 5, 6, 3],
  );
  assert.equal(facilityCode("local0"), 16);
  assert.equal(facilityCode("LOCAL7"), 23);
  assert.equal(facilityCode("daemon"), 3);
  assert.equal(facilityCode(4), 4);
  assert.throws(() => facilityCode("local9"), /unknown syslog facility "local9"/);
  assert.throws(() => facilityCode(24), /unknown syslog facility 24/);
  const [a, l] = pair(1, "critical");
  assert.ok(decode(formatSyslog(a, l, { ...HEADER, facility: 3 }, 8192)).startsWith("<26>1 "));
});

Deno.test("syslog: header fields are printable ASCII, SD values escaped", () => {
  const [a] = pair(1);
  const odd: Alert = {
    ...a,
    "@timestamp": "not a time",
    kestrel: { ...a.kestrel, rule: { ...a.kestrel.rule, id: 'r"1]\\x' } },
  };
  const text = decode(
    formatSyslog(odd, "{}", { ...HEADER, hostname: "my host", appName: "", sdId: "a=b" }, 8192),
  );
  assert.equal(
    text,
    `<131>1 - my_host - 4242 alert [a_b id="${a.kestrel.alert.id}" rule="r\\"1\\]\\\\x" ` +
      `severity="high" action="alert"] {}`,
  );
  assert.ok(parse(text));
});

Deno.test("syslog: an oversize alert is sent without its events, flagged truncated", () => {
  const big = alert(1, "medium", { message: "x".repeat(20_000) });
  const line = serializeAlert(big);
  const bytes = formatSyslog(big, line, HEADER, 8192);
  assert.ok(bytes.length <= 8192);
  const p = parse(decode(bytes));
  assert.equal(p.pri, 132);
  assert.ok(p.sd.endsWith(' truncated="true"]'), p.sd);
  const body = JSON.parse(p.msg);
  assert.deepEqual(body, { ...JSON.parse(line), events: [] });
  // Too long even so: cut on a character boundary.
  const wide = alert(2, "low", { message: "é".repeat(10) });
  const tiny = formatSyslog(wide, serializeAlert(wide), HEADER, 301);
  assert.ok(tiny.length <= 301 && tiny.length >= 299);
  decode(tiny); // Valid UTF-8.
});

Deno.test("syslog: octet-counting frame", () => {
  assert.equal(decode(octetFrame(new TextEncoder().encode("<131>1 é"))), "9 <131>1 é");
});

/** A UDP collector on loopback. */
async function udpCollector(): Promise<
  { port: number; messages: string[]; close(): Promise<void> }
> {
  const socket = dgram.createSocket("udp4");
  const messages: string[] = [];
  socket.on("message", (msg: Uint8Array) => messages.push(decode(msg)));
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  return {
    port: socket.address().port,
    messages,
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}

Deno.test("syslog over UDP: one datagram per alert at a real listener", async () => {
  const collector = await udpCollector();
  const out = new SyslogOutput({
    host: "127.0.0.1",
    port: collector.port,
    protocol: "udp",
    facility: "local3",
    appName: "kestrel-test",
    hostname: "sensor-1",
    log: quiet,
  });
  const sent = [pair(1, "critical"), pair(2, "high"), pair(3, "low")];
  for (const [a, l] of sent) out.send(a, l);
  await out.flush();
  await waitFor(() => collector.messages.length === 3, "three datagrams");
  const got = collector.messages.map(parse).sort((x, y) => x.msg.localeCompare(y.msg));
  assert.deepEqual(got.map((p) => p.pri), [19 * 8 + 2, 19 * 8 + 3, 19 * 8 + 5]);
  assert.deepEqual(got.map((p) => p.timestamp), [
    "2026-01-02T03:04:06.123456Z",
    "2026-01-02T03:04:07.123456Z",
    "2026-01-02T03:04:08.123456Z",
  ]);
  for (const [i, p] of got.entries()) {
    assert.equal(p.hostname, "sensor-1");
    assert.equal(p.appName, "kestrel-test");
    assert.equal(p.procId, String(Deno.pid));
    assert.equal(p.msgId, "alert");
    assert.ok(p.sd.includes(`id="${sent[i][0].kestrel.alert.id}"`));
    assert.deepEqual(JSON.parse(p.msg), JSON.parse(sent[i][1]));
    assert.equal(p.msg, sent[i][1]);
  }
  await out.close();
  assert.deepEqual(out.stats(), { sent: 3, failed: 0, queued: 0, dropped: 0 });
  await collector.close();
});

/** A TCP collector on loopback that parses octet-counted frames, connection by connection. */
class TcpCollector {
  readonly messages: string[] = [];
  readonly conns: Deno.TcpConn[] = [];
  /** Connections accepted so far. */
  accepted = 0;
  #listener: Deno.TcpListener;
  #tasks: Promise<void>[] = [];
  #accepting: Promise<void>;

  constructor(port = 0) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port });
    this.#accepting = this.#accept();
  }

  get port(): number {
    return this.#listener.addr.port;
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        this.accepted++;
        this.conns.push(conn);
        this.#tasks.push(this.#read(conn));
      }
    } catch {
      // Listener closed.
    }
  }

  async #read(conn: Deno.TcpConn): Promise<void> {
    let buf = new Uint8Array(0);
    const chunk = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await conn.read(chunk);
        if (n === null) break;
        const next = new Uint8Array(buf.length + n);
        next.set(buf);
        next.set(chunk.subarray(0, n), buf.length);
        buf = next;
        for (;;) {
          const sp = buf.indexOf(0x20);
          if (sp < 0) break;
          const len = Number(decode(buf.subarray(0, sp)));
          assert.ok(Number.isInteger(len) && len > 0, "octet count");
          if (buf.length < sp + 1 + len) break;
          this.messages.push(decode(buf.subarray(sp + 1, sp + 1 + len)));
          buf = buf.subarray(sp + 1 + len);
        }
      }
    } catch {
      // Closed by the test.
    }
  }

  /** Closes the current connections and waits until their readers are done (the listener stays). */
  async dropConnections(): Promise<void> {
    for (const c of this.conns.splice(0)) c.close();
    await Promise.all(this.#tasks);
  }

  async close(): Promise<void> {
    this.#listener.close();
    await this.dropConnections();
    await this.#accepting;
  }
}

Deno.test("syslog over TCP: octet-counted frames at a real listener; reconnects after a drop", async () => {
  const collector = new TcpCollector();
  const out = new SyslogOutput({
    host: "127.0.0.1",
    port: collector.port,
    protocol: "tcp",
    hostname: "sensor-1",
    backoffMs: 10,
    maxBackoffMs: 50,
    log: quiet,
  });
  const first = [pair(1, "medium"), pair(2, "high")];
  for (const [a, l] of first) out.send(a, l);
  await waitFor(() => collector.messages.length === 2, "two frames");
  const parsed = collector.messages.map(parse);
  assert.deepEqual(parsed.map((p) => p.pri), [16 * 8 + 4, 16 * 8 + 3]);
  assert.deepEqual(parsed.map((p) => p.msg), first.map(([, l]) => l));
  assert.deepEqual(parsed.map((p) => [p.hostname, p.appName, p.msgId]), [
    ["sensor-1", "kestrel", "alert"],
    ["sensor-1", "kestrel", "alert"],
  ]);

  // The collector drops the connection. Plain TCP has no acknowledgements, so what is
  // written while the close is under way is lost; the output notices, reconnects, and
  // everything sent on the new connection arrives.
  await collector.dropConnections();
  assert.equal(collector.accepted, 1);
  for (let n = 10; collector.accepted < 2; n++) {
    assert.ok(n < 10_000, "the output reconnects");
    const [a, l] = pair(n);
    out.send(a, l);
    await out.flush();
    await new Promise((r) => setTimeout(r, 5));
  }
  const before = collector.messages.length;
  const more = [pair(3), pair(4), pair(5)];
  for (const [a, l] of more) out.send(a, l);
  await waitFor(() => collector.messages.length >= before + 3, "alerts after the reconnect");
  assert.deepEqual(
    collector.messages.slice(before).map((m) => parse(m).msg),
    more.map(([, l]) => l),
  );
  await out.close();
  const s = out.stats();
  assert.equal(s.queued, 0);
  assert.equal(s.dropped, 0);
  assert.ok(s.sent >= 5, `sent ${s.sent}`);
  await collector.close();
});

Deno.test("syslog over TCP: alerts queue while the collector is down and arrive when it is up", async () => {
  // Find a free port, then leave it closed.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const logged: string[] = [];
  const out = new SyslogOutput({
    host: "127.0.0.1",
    port,
    protocol: "tcp",
    backoffMs: 10,
    maxBackoffMs: 50,
    maxQueued: 3,
    log: (m) => logged.push(m),
  });
  const sent = [pair(1), pair(2), pair(3), pair(4)];
  for (const [a, l] of sent) out.send(a, l);
  await out.flush(); // Returns while the collector is unreachable.
  assert.deepEqual(out.stats(), { sent: 0, failed: 0, queued: 3, dropped: 1 });
  assert.ok(logged.some((m) => m.includes("unreachable")), logged.join("\n"));
  const collector = new TcpCollector(port);
  await waitFor(() => collector.messages.length === 3, "queued alerts delivered");
  assert.deepEqual(collector.messages.map((m) => parse(m).msg), sent.slice(0, 3).map(([, l]) => l));
  await out.close();
  assert.deepEqual(out.stats(), { sent: 3, failed: 0, queued: 0, dropped: 1 });
  await collector.close();
});

Deno.test("syslog: close while the collector is down counts what is left as dropped", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const out = new SyslogOutput({ host: "127.0.0.1", port, protocol: "tcp", log: quiet });
  const [a, l] = pair(1);
  out.send(a, l);
  out.send(a, l);
  await out.close();
  out.send(a, l);
  assert.deepEqual(out.stats(), { sent: 0, failed: 0, queued: 0, dropped: 3 });
});

Deno.test("syslog: bad options are refused, naming them", () => {
  assert.throws(
    () => new SyslogOutput({ host: "127.0.0.1", port: 0, log: quiet }),
    /syslog port must be 1-65535, not 0/,
  );
  assert.throws(
    // @ts-expect-error: a protocol the type does not allow, as a config file could say.
    () => new SyslogOutput({ host: "127.0.0.1", port: 514, protocol: "tls", log: quiet }),
    /syslog protocol must be udp or tcp, not "tls"/,
  );
  assert.throws(
    () => new SyslogOutput({ host: "127.0.0.1", port: 514, facility: "local8", log: quiet }),
    /unknown syslog facility "local8"/,
  );
});
