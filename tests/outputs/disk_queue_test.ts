import assert from "node:assert/strict";
import { DiskQueue } from "../../outputs/disk_queue.ts";
import { listDir, tempDir } from "./helpers.ts";

Deno.test("disk queue: FIFO across segments; acknowledged segments are deleted", async () => {
  const dir = await tempDir("dq");
  const q = await DiskQueue.open(`${dir}/q`, 1024);
  assert.equal(await q.append(["a", "b"]), 2);
  assert.equal(await q.append(["c"]), 1);
  assert.deepEqual(await listDir(`${dir}/q`), [
    "0000000000000001.ndjson",
    "0000000000000002.ndjson",
  ]);
  assert.equal(q.count, 3);
  assert.equal(q.bytes, 6);
  const seen: string[] = [];
  for (let line = await q.peek(); line !== undefined; line = await q.peek()) {
    seen.push(line);
    await q.ack();
  }
  assert.deepEqual(seen, ["a", "b", "c"]);
  assert.equal(q.count, 0);
  assert.deepEqual(await listDir(`${dir}/q`), []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("disk queue: persist writes back progress and a prefix; a reopened queue resumes", async () => {
  const dir = await tempDir("dq");
  const q = await DiskQueue.open(dir, 1024);
  await q.append(["a", "b", "c"]);
  await q.append(["d"]);
  assert.equal(await q.peek(), "a");
  await q.ack();
  await q.persist(["z"]);
  await Deno.writeTextFile(`${dir}/0000000000000009.ndjson.tmp`, "torn"); // A crash's leftover.
  await Deno.writeTextFile(`${dir}/README`, "not a segment");
  const r = await DiskQueue.open(dir, 1024);
  assert.equal(r.count, 4);
  const seen: string[] = [];
  for (let line = await r.peek(); line !== undefined; line = await r.peek()) {
    seen.push(line);
    await r.ack();
  }
  assert.deepEqual(seen, ["z", "b", "c", "d"]);
  assert.deepEqual(await listDir(dir), ["README"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("disk queue: append keeps what fits under the cap", async () => {
  const dir = await tempDir("dq");
  const q = await DiskQueue.open(dir, 10);
  assert.equal(await q.append(["1234", "5678", "9"]), 2); // 5 + 5 bytes
  assert.equal(await q.append(["x"]), 0);
  assert.equal(q.count, 2);
  assert.equal(q.bytes, 10);
  await Deno.remove(dir, { recursive: true });
});
