import assert from "node:assert/strict";
import { WebhookOutput } from "../../outputs/mod.ts";
import { listDir, pair, quiet, tempDir, waitFor } from "./helpers.ts";

const MIB = 1024 * 1024;

interface Received {
  key: string | null;
  auth: string | null;
  type: string | null;
  /** `kestrel.alert.id` of the body. */
  id: string;
  body: string;
  status: number;
}

/** An HTTP receiver on loopback that answers `status(request number, alert id)`. */
class Receiver {
  readonly requests: Received[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;

  constructor(port = 0, status: (n: number, id: string) => number = () => 200) {
    this.#server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, async (req) => {
      const body = await req.text();
      const id = JSON.parse(body).kestrel.alert.id;
      const code = status(this.requests.length + 1, id);
      this.requests.push({
        key: req.headers.get("idempotency-key"),
        auth: req.headers.get("authorization"),
        type: req.headers.get("content-type"),
        id,
        body,
        status: code,
      });
      return new Response(code === 200 ? "ok" : "no", { status: code });
    });
  }

  get port(): number {
    return this.#server.addr.port;
  }

  /** Alert ids answered 200, in the order of their first delivery. */
  get delivered(): string[] {
    return [...new Set(this.requests.filter((r) => r.status === 200).map((r) => r.id))];
  }

  stop(): Promise<void> {
    return this.#server.shutdown();
  }
}

/** A loopback port nothing listens on (found by binding and letting go). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

const FAST = { backoffMs: 5, maxBackoffMs: 25, timeoutMs: 10_000 };

Deno.test("webhook: a receiver failing its first requests gets every alert, with its idempotency key", async () => {
  const rx = new Receiver(0, (n) => n <= 3 ? 500 : 200);
  const queueDir = await tempDir("webhook");
  const out = new WebhookOutput({
    url: `http://127.0.0.1:${rx.port}/hook`,
    token: "s3cret",
    queueDir,
    maxRetries: 2,
    log: quiet,
    ...FAST,
  });
  const sent = [1, 2, 3, 4, 5].map((n) => pair(n));
  for (const [a, l] of sent) out.send(a, l);
  const ids = sent.map(([a]) => a.kestrel.alert.id);
  await waitFor(() => rx.delivered.length === 5, "five alerts delivered");
  assert.deepEqual(rx.delivered, ids);
  assert.equal(rx.requests.length, 8);
  assert.deepEqual(rx.requests.slice(0, 4).map((r) => [r.id, r.status]), [
    [ids[0], 500],
    [ids[0], 500],
    [ids[0], 500],
    [ids[0], 200],
  ]);
  for (const r of rx.requests) {
    assert.equal(r.key, r.id);
    assert.equal(r.auth, "Bearer s3cret");
    assert.equal(r.type, "application/json");
  }
  assert.deepEqual(rx.requests.slice(3).map((r) => r.body), sent.map(([, l]) => l));
  await out.close();
  assert.deepEqual(out.stats(), {
    sent: 5,
    failed: 0,
    queued: 0,
    dropped: 0,
    retries: 3,
    spilled: 0,
    onDisk: 0,
  });
  assert.deepEqual(await listDir(queueDir), []);
  await rx.stop();
  await Deno.remove(queueDir, { recursive: true });
});

Deno.test("webhook: an alert refused (4xx) maxRetries+1 times is counted failed; the next goes on", async () => {
  const [a1, l1] = pair(1);
  const [a2, l2] = pair(2);
  const rx = new Receiver(0, (_n, id) => id === a1.kestrel.alert.id ? 400 : 200);
  const queueDir = await tempDir("webhook");
  const logged: string[] = [];
  const out = new WebhookOutput({
    url: `http://127.0.0.1:${rx.port}/`,
    queueDir,
    maxRetries: 2,
    log: (m) => logged.push(m),
    ...FAST,
  });
  out.send(a1, l1);
  out.send(a2, l2);
  await waitFor(() => rx.delivered.length === 1, "the second alert delivered");
  assert.deepEqual(rx.requests.map((r) => [r.id, r.status]), [
    [a1.kestrel.alert.id, 400],
    [a1.kestrel.alert.id, 400],
    [a1.kestrel.alert.id, 400],
    [a2.kestrel.alert.id, 200],
  ]);
  assert.ok(rx.requests.every((r) => r.auth === null), "no token, no Authorization");
  await out.close();
  const s = out.stats();
  assert.deepEqual([s.sent, s.failed, s.queued, s.dropped, s.retries], [1, 1, 0, 0, 2]);
  assert.ok(
    logged.includes(`kestrel: webhook output: alert ${a1.kestrel.alert.id} refused 3 times`),
  );
  await rx.stop();
  await Deno.remove(queueDir, { recursive: true });
});

Deno.test("webhook: receiver down across an output restart: the queue spills, persists and replays in order", async () => {
  const port = freePort();
  const queueDir = await tempDir("webhook");
  const url = `http://127.0.0.1:${port}/alerts`;
  const options = { url, token: "t0k", queueDir, memoryQueue: 4, log: quiet, ...FAST };
  const sent = Array.from({ length: 13 }, (_, n) => pair(n));
  const ids = sent.map(([a]) => a.kestrel.alert.id);

  // First run: the receiver is down.
  const first = new WebhookOutput(options);
  for (const [a, l] of sent.slice(0, 10)) first.send(a, l);
  await waitFor(() => first.stats().retries >= 2, "delivery attempts failing");
  await first.flush(); // Returns: the receiver is unavailable.
  await first.close();
  const s1 = first.stats();
  assert.deepEqual([s1.sent, s1.failed, s1.queued, s1.onDisk, s1.dropped], [0, 0, 10, 10, 0]);
  const segments = await listDir(queueDir);
  assert.ok(
    segments.length > 0 && segments.every((n) => /^\d{16}\.ndjson$/.test(n)),
    `${segments}`,
  );

  // Second run on the same queue directory, the receiver back up.
  const rx = new Receiver(port);
  const second = new WebhookOutput(options);
  for (const [a, l] of sent.slice(10)) second.send(a, l);
  await waitFor(() => rx.delivered.length === 13, "every alert delivered");
  assert.deepEqual(rx.delivered, ids); // Nothing lost, and the queued alerts first, in order.
  assert.ok(rx.requests.every((r) => r.key === r.id && r.auth === "Bearer t0k"));
  await second.close();
  const s2 = second.stats();
  assert.deepEqual([s2.sent, s2.failed, s2.queued, s2.dropped], [13, 0, 0, 0]);
  assert.deepEqual(await listDir(queueDir), []);
  await rx.stop();
  await Deno.remove(queueDir, { recursive: true });
});

Deno.test("webhook: a full memory queue spills its oldest alerts to disk; all arrive in order", async () => {
  const port = freePort();
  const queueDir = await tempDir("webhook");
  const out = new WebhookOutput({
    url: `http://127.0.0.1:${port}/`,
    queueDir,
    memoryQueue: 2,
    log: quiet,
    ...FAST,
  });
  const sent = Array.from({ length: 9 }, (_, n) => pair(n));
  for (const [a, l] of sent) out.send(a, l);
  await waitFor(() => out.stats().retries >= 1 && out.stats().onDisk > 0, "spilled while down");
  assert.equal(out.stats().queued, 9);
  const rx = new Receiver(port);
  await waitFor(() => rx.delivered.length === 9, "every alert delivered");
  assert.deepEqual(rx.delivered, sent.map(([a]) => a.kestrel.alert.id));
  await out.close();
  const s = out.stats();
  assert.deepEqual([s.sent, s.queued, s.dropped, s.onDisk], [9, 0, 0, 0]);
  assert.ok(s.spilled >= 6, `spilled ${s.spilled}`);
  await rx.stop();
  await Deno.remove(queueDir, { recursive: true });
});

Deno.test("webhook: past max_queue_mb the disk queue drops alerts, counts and reports them", async () => {
  const port = freePort();
  const queueDir = await tempDir("webhook");
  const sent = Array.from({ length: 10 }, (_, n) => pair(n));
  const lineBytes = sent[0][1].length + 1;
  assert.ok(sent.every(([, l]) => l.length + 1 === lineBytes), "equal-length lines");
  const logged: string[] = [];
  const options = {
    url: `http://127.0.0.1:${port}/`,
    queueDir,
    memoryQueue: 2,
    maxQueueMb: (2 * lineBytes + 50) / MIB, // Room for two alerts.
    log: (m: string) => logged.push(m),
    ...FAST,
  };
  const out = new WebhookOutput(options);
  // All sent before the disk queue opens: alerts 0-7 spill one by one, 8 and 9 stay in memory.
  for (const [a, l] of sent) out.send(a, l);
  await waitFor(() => out.stats().retries >= 1, "delivery attempts failing");
  await out.close();
  const s = out.stats();
  assert.deepEqual([s.sent, s.queued, s.onDisk, s.dropped], [0, 2, 2, 8]);
  assert.ok(logged.some((m) => /alert\(s\) dropped: disk queue full/.test(m)), logged.join("\n"));

  const rx = new Receiver(port);
  const again = new WebhookOutput(options);
  await waitFor(() => rx.delivered.length === 2, "the two kept alerts delivered");
  assert.deepEqual(rx.delivered, [sent[0][0].kestrel.alert.id, sent[1][0].kestrel.alert.id]);
  await again.close();
  await rx.stop();
  await Deno.remove(queueDir, { recursive: true });
});

Deno.test("webhook: bad URLs are refused, naming them", () => {
  assert.throws(
    () => new WebhookOutput({ url: "not a url", queueDir: "unused", log: quiet }),
    /webhook url is not a URL: "not a url"/,
  );
  assert.throws(
    () => new WebhookOutput({ url: "ftp://x/", queueDir: "unused", log: quiet }),
    /webhook url must be http or https: "ftp:\/\/x\/"/,
  );
});

Deno.test("webhook: an alert in flight at close goes back in front of the spilled ones", async () => {
  const port = freePort();
  const queueDir = await tempDir("webhook");
  const options = {
    url: `http://127.0.0.1:${port}/`,
    queueDir,
    memoryQueue: 2,
    log: quiet,
    ...FAST,
  };
  const sent = Array.from({ length: 4 }, (_, n) => pair(n));
  const out = new WebhookOutput(options);
  out.send(...sent[0]);
  await waitFor(() => out.stats().retries >= 1, "alert 0 in flight, failing");
  for (const [a, l] of sent.slice(1)) out.send(a, l); // Alert 1 spills to disk; 2 and 3 stay.
  await waitFor(() => out.stats().onDisk === 1, "alert 1 on disk");
  await out.close();
  assert.equal(out.stats().onDisk, 4);

  const rx = new Receiver(port);
  const again = new WebhookOutput(options);
  await waitFor(() => rx.delivered.length === 4, "every alert delivered");
  assert.deepEqual(rx.delivered, sent.map(([a]) => a.kestrel.alert.id));
  await again.close();
  await rx.stop();
  await Deno.remove(queueDir, { recursive: true });
});
