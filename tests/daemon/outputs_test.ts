/**
 * Alert outputs through the real daemon: RFC 5424 syslog reaches a real
 * UDP and a real TCP listener; a webhook receiver that fails its first
 * requests, and one that is down across a daemon restart, ends with every
 * alert id delivered at least once; the alert file rotates by size and old
 * rotated files are deleted by retention.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { DaemonProcess, execEvent, poll, rule, Workspace } from "./helpers.ts";

type Json = Record<string, unknown>;

/** `n` exec events of "bash" from second `from`, pids from `from`. */
function bashLog(n: number, from = 0, pad = 0): string {
  const lines = [];
  for (let i = from; i < from + n; i++) {
    lines.push(execEvent(i, { name: "bash", pid: i, command_line: "x".repeat(pad) }));
  }
  return lines.join("\n") + "\n";
}

/** The ids of the alerts the daemon holds (newest first). */
async function ringIds(d: DaemonProcess): Promise<string[]> {
  const r = await d.get("/api/v1/alerts?limit=1000");
  return (r.body.alerts as Json[]).map((a) => ((a.kestrel as Json).alert as Json).id as string);
}

/** The alert id in a syslog message's structured data. */
function sdId(message: string): string {
  const m = /\[kestrel@32473 id="([0-9a-f]+)"/.exec(message);
  assert.ok(m, message);
  return m[1];
}

/** A UDP syslog listener on 127.0.0.1. */
async function udpListener(): Promise<{ port: number; messages: string[]; close: () => void }> {
  const socket = dgram.createSocket("udp4");
  const messages: string[] = [];
  socket.on("message", (msg: Uint8Array) => messages.push(new TextDecoder().decode(msg)));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { port: socket.address().port, messages, close: () => socket.close() };
}

/** A TCP syslog listener on 127.0.0.1 reading octet-counted frames (RFC 6587). */
function tcpListener(): { port: number; messages: string[]; close: () => Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const messages: string[] = [];
  const conns: Deno.Conn[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        let buf = new Uint8Array(0);
        for await (const chunk of conn.readable) {
          const next = new Uint8Array(buf.length + chunk.length);
          next.set(buf);
          next.set(chunk, buf.length);
          buf = next;
          for (;;) {
            const sp = buf.indexOf(0x20);
            if (sp < 0) break;
            const len = Number(new TextDecoder().decode(buf.subarray(0, sp)));
            if (buf.length < sp + 1 + len) break;
            messages.push(new TextDecoder().decode(buf.subarray(sp + 1, sp + 1 + len)));
            buf = buf.slice(sp + 1 + len);
          }
        }
      })().catch(() => {});
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    messages,
    close: async () => {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // Closed by the peer.
        }
      }
      await serving;
    },
  };
}

/** A webhook receiver answering 503 to its first `failFirst` requests. */
function webhookReceiver(failFirst: number, port = 0) {
  const delivered: string[] = [];
  let requests = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, onListen: () => {} },
    async (req) => {
      const body = await req.json();
      const key = req.headers.get("idempotency-key") ?? "";
      assert.equal(key, body.kestrel.alert.id);
      if (requests++ < failFirst) return new Response("busy", { status: 503 });
      delivered.push(key);
      return new Response(null, { status: 204 });
    },
  );
  return {
    port: server.addr.port,
    delivered,
    get requests() {
      return requests;
    },
    close: () => server.shutdown(),
  };
}

/** A TCP port that was free a moment ago (nothing listens on it now). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

const bashRule = rule("bash", 'process where process.name == "bash"');

Deno.test("syslog over UDP and TCP, and a webhook failing its first requests, get every alert", async () => {
  const udp = await udpListener();
  const tcp = tcpListener();
  const hook = webhookReceiver(3);
  const wsA = await Workspace.create("out-udp");
  const wsB = await Workspace.create("out-tcp");
  let a: DaemonProcess | undefined, b: DaemonProcess | undefined;
  try {
    const K = 20;
    for (const ws of [wsA, wsB]) {
      await ws.write("rules/bash.yaml", bashRule);
      await ws.write("logs/events.ndjson", bashLog(K));
    }
    await wsA.writeConfig({
      alerts: [
        'outputs = ["syslog", "webhook"]',
        "[alerts.syslog]",
        `host = "127.0.0.1"\nport = ${udp.port}\nprotocol = "udp"\nfacility = "local3"`,
        "[alerts.webhook]",
        `url = "http://127.0.0.1:${hook.port}/hook"\ntimeout_ms = 2000`,
      ].join("\n"),
    });
    await wsB.writeConfig({
      alerts: [
        'outputs = ["syslog"]',
        "[alerts.syslog]",
        `host = "127.0.0.1"\nport = ${tcp.port}\nprotocol = "tcp"`,
      ].join("\n"),
    });
    a = await DaemonProcess.start([
      "--config",
      wsA.config,
      "--replay",
      `${wsA.logs}/events.ndjson`,
    ]);
    b = await DaemonProcess.start([
      "--config",
      wsB.config,
      "--replay",
      `${wsB.logs}/events.ndjson`,
    ]);
    await a.waitMetric("kestrel_alerts_total", K);
    await b.waitMetric("kestrel_alerts_total", K);
    const idsA = new Set(await ringIds(a)), idsB = new Set(await ringIds(b));
    assert.equal(idsA.size, K);
    // The same log and rules give the same alert ids in both daemons.
    assert.deepEqual(idsB, idsA);

    await poll("UDP syslog", () => udp.messages.length >= K ? true : undefined);
    await poll("TCP syslog", () => tcp.messages.length >= K ? true : undefined);
    await poll("webhook", () => new Set(hook.delivered).size >= K ? true : undefined);
    assert.equal((await a.stop()).code, 0, a.stderr.text);
    assert.equal((await b.stop()).code, 0, b.stderr.text);

    assert.deepEqual(new Set(udp.messages.map(sdId)), idsA);
    assert.deepEqual(new Set(tcp.messages.map(sdId)), idsB);
    // local3 (19) × 8 + err (3, severity high).
    assert.ok(udp.messages.every((m) => m.startsWith("<155>1 ")), udp.messages[0]);
    assert.ok(tcp.messages.every((m) => m.startsWith("<131>1 ")), tcp.messages[0]);
    assert.deepEqual(new Set(hook.delivered), idsA);
    assert.ok(hook.requests >= K + 3);
  } finally {
    await a?.kill();
    await b?.kill();
    udp.close();
    await tcp.close();
    await hook.close();
    await wsA.remove();
    await wsB.remove();
  }
});

Deno.test("a webhook receiver down across a daemon restart still gets every alert id", async () => {
  const ws = await Workspace.create("out-restart");
  const port = freePort();
  let d: DaemonProcess | undefined;
  let hook: ReturnType<typeof webhookReceiver> | undefined;
  try {
    await ws.write("rules/bash.yaml", bashRule);
    await ws.write("logs/first.ndjson", bashLog(10));
    await ws.write("logs/second.ndjson", bashLog(5, 100));
    await ws.writeConfig({
      alerts: [
        'outputs = ["webhook"]',
        "[alerts.webhook]",
        `url = "http://127.0.0.1:${port}/hook"\ntimeout_ms = 2000`,
      ].join("\n"),
    });
    // First run: nobody listens; the alerts wait, and go to the disk queue at exit.
    d = await DaemonProcess.start(["--config", ws.config, "--replay", `${ws.logs}/first.ndjson`]);
    await d.waitMetric("kestrel_alerts_total", 10);
    const first = await ringIds(d);
    assert.equal(await d.metric("kestrel_output_queue_depth"), 10);
    assert.equal((await d.stop()).code, 0, d.stderr.text);
    const queued = [...Deno.readDirSync(`${ws.data}/webhook-queue`)];
    assert.ok(queued.length > 0, "nothing in the disk queue");

    // The receiver is back (failing twice); the second run sends the queue, then its own.
    hook = webhookReceiver(2, port);
    d = await DaemonProcess.start(["--config", ws.config, "--replay", `${ws.logs}/second.ndjson`]);
    await d.waitMetric("kestrel_alerts_total", 5);
    const second = await ringIds(d);
    await poll("webhook", () => new Set(hook!.delivered).size >= 15 ? true : undefined);
    assert.equal((await d.stop()).code, 0, d.stderr.text);
    const delivered = [...new Set(hook.delivered)];
    assert.deepEqual(new Set(delivered), new Set([...first, ...second]));
    // The queue from the first run goes out first, in order.
    assert.deepEqual(delivered.slice(0, 10), [...first].reverse());
  } finally {
    await d?.kill();
    await hook?.close();
    await ws.remove();
  }
});

Deno.test("the alert file rotates by size; retention deletes old rotated files", async () => {
  const ws = await Workspace.create("out-file");
  let d: DaemonProcess | undefined;
  try {
    await ws.write("rules/bash.yaml", bashRule);
    const N = 2500;
    await ws.write("logs/events.ndjson", bashLog(N, 0, 600));
    await Deno.mkdir(`${ws.dir}/alerts`);
    const day = (msAgo: number) =>
      new Date(Date.now() - msAgo).toISOString().slice(0, 10).replaceAll("-", "");
    const old = `alerts-${day(40 * 86_400_000)}-000000-0.ndjson`;
    const recent = `alerts-${day(86_400_000)}-000000-0.ndjson`;
    await ws.write(`alerts/${old}`, "{}\n");
    await ws.write(`alerts/${recent}`, "{}\n");
    await ws.writeConfig({
      alerts: [
        'outputs = ["file"]',
        `file_path = "${ws.dir}/alerts/alerts.ndjson"`,
        'rotation = "size"',
        "max_file_size_mb = 1",
        "retention_days = 30",
      ].join("\n"),
    });
    d = await DaemonProcess.start(["--config", ws.config, "--replay", `${ws.logs}/events.ndjson`]);
    await d.waitMetric("kestrel_alerts_total", N);
    assert.equal((await d.stop()).code, 0, d.stderr.text);

    const names = [...Deno.readDirSync(`${ws.dir}/alerts`)].map((e) => e.name).sort();
    assert.ok(!names.includes(old), names.join(" "));
    assert.ok(names.includes(recent));
    const written = names.filter((n) => n !== recent);
    assert.ok(written.length >= 3, `expected rotations: ${written.join(" ")}`);
    const ids = new Set<string>();
    for (const n of written) {
      const text = await Deno.readTextFile(`${ws.dir}/alerts/${n}`);
      assert.ok(text.length <= 1 << 20, `${n} is ${text.length} bytes`);
      for (const line of text.split("\n").filter((l) => l !== "")) {
        ids.add(JSON.parse(line).kestrel.alert.id);
      }
    }
    assert.equal(ids.size, N);
  } finally {
    await d?.kill();
    await ws.remove();
  }
});
