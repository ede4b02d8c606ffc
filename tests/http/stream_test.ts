/**
 * `GET /api/v1/alerts/stream` over a real connection: an alert published
 * after connecting arrives as `event: alert` with its id and JSON, filters
 * apply, heartbeats are comments, a disconnecting client is unsubscribed,
 * and shutting the server down ends open streams.
 */
import assert from "node:assert/strict";
import { createApp, startServer } from "../../http/mod.ts";
import { alert, FakeDaemon, getJson, GOOD_RULES, TOKEN, withServer } from "./fake_daemon.ts";

/** One SSE block: comment lines and fields, in order. */
interface Block {
  comments: string[];
  fields: [string, string][];
  raw: string;
}

/** Reads an SSE response block by block. */
class SseReader {
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";

  constructor(res: Response) {
    this.#reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next block, or undefined at the end of the stream. */
  async next(): Promise<Block | undefined> {
    for (;;) {
      const end = this.#buffer.indexOf("\n\n");
      if (end >= 0) {
        const raw = this.#buffer.slice(0, end + 2);
        this.#buffer = this.#buffer.slice(end + 2);
        const block: Block = { comments: [], fields: [], raw };
        for (const line of raw.slice(0, -2).split("\n")) {
          if (line.startsWith(":")) block.comments.push(line.slice(1).trim());
          else {
            const i = line.indexOf(":");
            block.fields.push([line.slice(0, i), line.slice(i + 1).replace(/^ /, "")]);
          }
        }
        return block;
      }
      const { done, value } = await this.#reader.read();
      if (done) return undefined;
      this.#buffer += value;
    }
  }

  /** The next block that is not a heartbeat. */
  async nextEvent(): Promise<Block | undefined> {
    for (;;) {
      const b = await this.next();
      if (b === undefined || b.fields.length > 0) return b;
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}

/** Opens the stream and waits for the `connected` comment (the subscription is then in place). */
async function connect(url: string): Promise<SseReader> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const sse = new SseReader(res);
  const first = await sse.next();
  assert.deepEqual(first?.comments, ["connected"]);
  return sse;
}

/** Waits (bounded) until `cond` holds; fails after `tries` turns of 10 ms. */
async function eventually(cond: () => boolean, what: string, tries = 500): Promise<void> {
  for (let i = 0; i < tries && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), what);
}

Deno.test("an alert published after connecting arrives as an SSE event", async () => {
  await withServer(async ({ url, daemon }) => {
    const sse = await connect(`${url}/api/v1/alerts/stream`);
    assert.equal(daemon.subscribers, 1);
    const a = alert("a1", "bash_exec", "high", "2025-03-01T10:00:00Z");
    daemon.publish(a);
    const b = await sse.nextEvent();
    assert.equal(b?.raw, `event: alert\ndata: ${JSON.stringify(a)}\nid: a1\n\n`);
    assert.deepEqual(b?.fields.map(([k]) => k), ["event", "data", "id"]);
    assert.deepEqual(JSON.parse(b!.fields[1][1]), a);

    // Later alerts follow in order.
    daemon.publish(alert("a2", "curl_exec", "low", "2025-03-01T10:00:01Z"));
    daemon.publish(alert("a3", "bash_exec", "high", "2025-03-01T10:00:02Z"));
    const ids = [];
    for (let i = 0; i < 2; i++) ids.push((await sse.nextEvent())?.fields[2][1]);
    assert.deepEqual(ids, ["a2", "a3"]);
    await sse.cancel();
    await eventually(
      () => daemon.subscribers === 0,
      "the client is unsubscribed when it goes away",
    );
  });
});

Deno.test("the stream applies severity and rule filters", async () => {
  await withServer(async ({ url, daemon }) => {
    const high = await connect(`${url}/api/v1/alerts/stream?severity=high`);
    const curl = await connect(`${url}/api/v1/alerts/stream?rule=curl_exec`);
    daemon.publish(alert("low1", "curl_exec", "low", "2025-03-01T10:00:00Z"));
    daemon.publish(alert("high1", "bash_exec", "high", "2025-03-01T10:00:01Z"));
    assert.equal((await high.nextEvent())?.fields[2][1], "high1");
    assert.equal((await curl.nextEvent())?.fields[2][1], "low1");
    await high.cancel();
    await curl.cancel();
  });
});

Deno.test("the stream rejects bad filters with 400", async () => {
  await withServer(async ({ url }) => {
    const r = await getJson(`${url}/api/v1/alerts/stream?limit=5`);
    assert.deepEqual([r.status, r.body], [400, {
      error: 'unknown query parameter "limit"; expected severity, rule',
    }]);
    const s = await getJson(`${url}/api/v1/alerts/stream?severity=bad`);
    assert.equal(s.status, 400);
  });
});

Deno.test("heartbeat comments keep an idle stream alive", async () => {
  await withServer(async ({ url }) => {
    const sse = await connect(`${url}/api/v1/alerts/stream`);
    const b = await sse.next();
    assert.deepEqual(b, { comments: ["heartbeat"], fields: [], raw: ": heartbeat\n\n" });
    await sse.cancel();
  }, { stream: { heartbeatMs: 5 } });
});

Deno.test("a client that does not keep up is disconnected instead of buffered", async () => {
  await withServer(async ({ url, daemon }) => {
    const sse = await connect(`${url}/api/v1/alerts/stream`);
    // More alerts than the stream may queue, published at once: the queue overflows.
    for (let i = 0; i < 50; i++) {
      daemon.publish(alert(`a${i}`, "bash_exec", "high", "2025-03-01T10:00:00Z"));
    }
    await eventually(() => daemon.subscribers === 0, "the slow client is dropped");
    // What had been queued was sent; then the stream ends.
    let events = 0;
    while ((await sse.nextEvent()) !== undefined) events++;
    assert.ok(events <= 3, `${events} events`);
  }, { stream: { maxQueued: 3 } });
});

Deno.test("shutting the server down ends open streams and completes", async () => {
  const daemon = new FakeDaemon(GOOD_RULES, "/nonexistent");
  const server = await startServer(createApp(daemon, { token: TOKEN }), "127.0.0.1:0");
  const sse = await connect(`${server.url}/api/v1/alerts/stream`);
  daemon.publish(alert("last", "bash_exec", "high", "2025-03-01T10:00:00Z"));
  await server.shutdown();
  // The alert raised before the shutdown was delivered, then the stream ended.
  assert.equal((await sse.nextEvent())?.fields[2][1], "last");
  assert.equal(await sse.nextEvent(), undefined);
  assert.equal(daemon.subscribers, 0);
  await server.finished;
});
