import assert from "node:assert/strict";
import { StdoutOutput } from "../../outputs/mod.ts";
import { pair, quiet, waitFor } from "./helpers.ts";

/** A byte sink that keeps what it is given. */
class Capture {
  chunks: Uint8Array[] = [];
  write(p: Uint8Array): Promise<number> {
    this.chunks.push(p.slice());
    return Promise.resolve(p.length);
  }
  get text(): string {
    return this.chunks.map((c) => new TextDecoder().decode(c)).join("");
  }
}

Deno.test("stdout: lines are buffered until flush, then written in one write", async () => {
  const sink = new Capture();
  const out = new StdoutOutput({ sink, flushIntervalMs: 600_000, log: quiet });
  const sent = [pair(1), pair(2), pair(3)];
  for (const [a, l] of sent) out.send(a, l);
  assert.equal(sink.chunks.length, 0);
  assert.deepEqual(out.stats(), { sent: 0, failed: 0, queued: 3, dropped: 0 });
  await out.flush();
  assert.equal(sink.chunks.length, 1);
  assert.equal(sink.text, sent.map(([, l]) => l + "\n").join(""));
  assert.deepEqual(out.stats(), { sent: 3, failed: 0, queued: 0, dropped: 0 });
  await out.close();
});

Deno.test("stdout: a full buffer is written without flush; the interval writes the rest", async () => {
  const sink = new Capture();
  const [a, line] = pair(1);
  const out = new StdoutOutput({
    sink,
    bufferBytes: line.length * 2,
    flushIntervalMs: 5,
    log: quiet,
  });
  out.send(a, line);
  out.send(a, line); // Reaches the threshold.
  out.send(a, line);
  await waitFor(() => out.stats().sent === 3, "three lines written");
  assert.equal(sink.text, `${line}\n${line}\n${line}\n`);
  await out.close();
});

Deno.test("stdout: write errors count as failed; sends after close are dropped", async () => {
  const logged: string[] = [];
  const out = new StdoutOutput({
    sink: { write: () => Promise.reject(new Error("EPIPE")) },
    flushIntervalMs: 600_000,
    log: (l) => logged.push(l),
  });
  const [a, l] = pair(1);
  out.send(a, l);
  out.send(a, l);
  await out.close();
  out.send(a, l);
  assert.deepEqual(out.stats(), { sent: 0, failed: 2, queued: 0, dropped: 1 });
  assert.deepEqual(logged, ["kestrel: stdout output: 2 alert(s) not written: EPIPE"]);
});

Deno.test("stdout: the queue is bounded while writes are slow", async () => {
  let release = (): void => {};
  const gate = new Promise<void>((r) => release = r);
  const out = new StdoutOutput({
    sink: { write: async (p) => (await gate, p.length) },
    bufferBytes: 1,
    maxQueued: 3,
    log: quiet,
  });
  const [a, l] = pair(1);
  for (let i = 0; i < 5; i++) out.send(a, l);
  assert.deepEqual(out.stats(), { sent: 0, failed: 0, queued: 3, dropped: 2 });
  release();
  await out.close();
  assert.deepEqual(out.stats(), { sent: 3, failed: 0, queued: 0, dropped: 2 });
});
