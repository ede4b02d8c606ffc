import assert from "node:assert/strict";
import { FileOutput } from "../../outputs/mod.ts";
import { listDir, pair, quiet, tempDir } from "./helpers.ts";

const MIB = 1024 * 1024;
const JAN2 = Date.UTC(2026, 0, 2, 3, 4, 5); // 2026-01-02T03:04:05Z

async function lines(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path);
  assert.ok(text.endsWith("\n"), `${path} ends with a newline`);
  return text.slice(0, -1).split("\n");
}

Deno.test("file: alerts are appended as NDJSON; fsync and close leave every line", async () => {
  const dir = await tempDir("file");
  const path = `${dir}/sub/alerts.json`;
  const out = new FileOutput({ path, clock: () => JAN2, log: quiet });
  const sent = [pair(1), pair(2), pair(3)];
  for (const [a, l] of sent) out.send(a, l);
  await out.close();
  assert.deepEqual(await lines(path), sent.map(([, l]) => l));
  assert.deepEqual(out.stats(), { sent: 3, failed: 0, queued: 0, dropped: 0 });
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("file: rotation by size keeps whole lines and names files by start time", async () => {
  const dir = await tempDir("file");
  const path = `${dir}/alerts.json`;
  const sent = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => pair(n));
  const lineBytes = sent[0][1].length + 1;
  assert.ok(sent.every(([, l]) => l.length + 1 === lineBytes), "equal-length lines");
  // Room for three lines, not four.
  const out = new FileOutput({
    path,
    maxFileSizeMb: (3 * lineBytes + 10) / MIB,
    rotation: "size",
    clock: () => JAN2,
    log: quiet,
  });
  for (const [a, l] of sent) out.send(a, l);
  await out.close();
  assert.deepEqual(await listDir(dir), [
    "alerts-20260102-030405-0.json",
    "alerts-20260102-030405-1.json",
    "alerts.json",
  ]);
  const text = sent.map(([, l]) => l);
  assert.deepEqual(await lines(`${dir}/alerts-20260102-030405-0.json`), text.slice(0, 3));
  assert.deepEqual(await lines(`${dir}/alerts-20260102-030405-1.json`), text.slice(3, 6));
  assert.deepEqual(await lines(path), text.slice(6));
  assert.equal(out.stats().sent, 8);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("file: a line larger than the limit gets a file of its own", async () => {
  const dir = await tempDir("file");
  const path = `${dir}/alerts.json`;
  const out = new FileOutput({ path, maxFileSizeMb: 100 / MIB, clock: () => JAN2, log: quiet });
  const [a1, l1] = pair(1);
  const [a2, l2] = pair(2);
  out.send(a1, l1);
  out.send(a2, l2);
  await out.close();
  assert.deepEqual(await listDir(dir), ["alerts-20260102-030405-0.json", "alerts.json"]);
  assert.deepEqual(await lines(`${dir}/alerts-20260102-030405-0.json`), [l1]);
  assert.deepEqual(await lines(path), [l2]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("file: daily rotation at the UTC date change (injected clock)", async () => {
  const dir = await tempDir("file");
  const path = `${dir}/alerts.json`;
  let now = Date.UTC(2026, 0, 2, 23, 59, 58);
  const out = new FileOutput({ path, rotation: "daily", clock: () => now, log: quiet });
  const [a1, l1] = pair(1);
  const [a2, l2] = pair(2);
  const [a3, l3] = pair(3);
  out.send(a1, l1);
  await out.flush();
  now = Date.UTC(2026, 0, 2, 23, 59, 59); // Same date: same file.
  out.send(a2, l2);
  await out.flush();
  now = Date.UTC(2026, 0, 3, 0, 0, 1);
  out.send(a3, l3);
  await out.close();
  assert.deepEqual(await listDir(dir), ["alerts-20260102-235958-0.json", "alerts.json"]);
  assert.deepEqual(await lines(`${dir}/alerts-20260102-235958-0.json`), [l1, l2]);
  assert.deepEqual(await lines(path), [l3]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("file: hourly rotation, and none by time in size mode", async () => {
  for (const rotation of ["hourly", "size"] as const) {
    const dir = await tempDir("file");
    const path = `${dir}/alerts.ndjson`;
    let now = Date.UTC(2026, 0, 2, 3, 59, 0);
    const out = new FileOutput({ path, rotation, clock: () => now, log: quiet });
    const [a1, l1] = pair(1);
    const [a2, l2] = pair(2);
    out.send(a1, l1);
    await out.flush();
    now = Date.UTC(2026, 0, 2, 4, 0, 0);
    out.send(a2, l2);
    await out.close();
    if (rotation === "hourly") {
      assert.deepEqual(await listDir(dir), ["alerts-20260102-035900-0.ndjson", "alerts.ndjson"]);
      assert.deepEqual(await lines(`${dir}/alerts-20260102-035900-0.ndjson`), [l1]);
      assert.deepEqual(await lines(path), [l2]);
    } else {
      assert.deepEqual(await listDir(dir), ["alerts.ndjson"]);
      assert.deepEqual(await lines(path), [l1, l2]);
    }
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file: retention deletes rotated files dated before the window, and nothing else", async () => {
  const dir = await tempDir("file");
  const path = `${dir}/alerts.json`;
  for (
    const name of [
      "alerts-20251001-000000-0.json", // 93 days before 2026-01-02: deleted at open
      "alerts-20251226-235959-0.json", // 7 days before: deleted at open
      "alerts-20251227-000000-0.json", // 6 days before: kept until the clock moves on
      "alerts-20260101-120000-3.json",
      "notes-20251001-000000-0.json", // not this output's
      "alerts-20251001-000000-0.json.gz", // not a rotated name
      "alerts-2025-10-01.json",
    ]
  ) await Deno.writeTextFile(`${dir}/${name}`, "{}\n");
  let now = JAN2;
  const out = new FileOutput({
    path,
    rotation: "daily",
    retentionDays: 6,
    clock: () => now,
    log: quiet,
  });
  await out.flush(); // Waits for the work done at open.
  assert.deepEqual(await listDir(dir), [
    "alerts-2025-10-01.json",
    "alerts-20251001-000000-0.json.gz",
    "alerts-20251227-000000-0.json",
    "alerts-20260101-120000-3.json",
    "notes-20251001-000000-0.json",
  ]);
  // The date changes: the active file rotates and the window moves.
  const [a1, l1] = pair(1);
  const [a2, l2] = pair(2);
  out.send(a1, l1);
  await out.flush();
  now = Date.UTC(2026, 0, 8, 0, 0, 0); // Window starts 2026-01-02.
  out.send(a2, l2);
  await out.close();
  assert.deepEqual(await listDir(dir), [
    "alerts-2025-10-01.json",
    "alerts-20251001-000000-0.json.gz",
    "alerts-20260102-030405-0.json",
    "alerts.json",
    "notes-20251001-000000-0.json",
  ]);
  assert.deepEqual(await lines(`${dir}/alerts-20260102-030405-0.json`), [l1]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("file: a file left by an earlier run is rotated at open, named by its mtime", async () => {
  const dir = await tempDir("file");
  const path = `${dir}/alerts.json`;
  await Deno.writeTextFile(path, "old\n");
  const mtime = new Date(Date.UTC(2026, 0, 1, 10, 0, 0));
  await Deno.utime(path, mtime, mtime);
  // An existing rotated file with that name takes the next number.
  await Deno.writeTextFile(`${dir}/alerts-20260101-100000-0.json`, "older\n");
  const out = new FileOutput({ path, clock: () => JAN2, log: quiet });
  const [a, l] = pair(1);
  out.send(a, l);
  await out.close();
  assert.deepEqual(await listDir(dir), [
    "alerts-20260101-100000-0.json",
    "alerts-20260101-100000-1.json",
    "alerts.json",
  ]);
  assert.equal(await Deno.readTextFile(`${dir}/alerts-20260101-100000-1.json`), "old\n");
  assert.deepEqual(await lines(path), [l]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("file: stats count drops over the queue bound and after close, failures on write errors", async () => {
  const dir = await tempDir("file");
  const out = new FileOutput({
    path: `${dir}/alerts.json`,
    maxQueued: 2,
    clock: () => JAN2,
    log: quiet,
  });
  const [a, l] = pair(1);
  for (let i = 0; i < 5; i++) out.send(a, l); // The writer has not started: two fit.
  await out.close();
  out.send(a, l);
  assert.deepEqual(out.stats(), { sent: 2, failed: 0, queued: 0, dropped: 4 });

  // The path is a directory: every write fails and is counted.
  await Deno.mkdir(`${dir}/blocked.json`);
  const logged: string[] = [];
  const bad = new FileOutput({ path: `${dir}/blocked.json`, log: (m) => logged.push(m) });
  bad.send(a, l);
  bad.send(a, l);
  await bad.close();
  assert.deepEqual(bad.stats(), { sent: 0, failed: 2, queued: 0, dropped: 0 });
  assert.ok(logged.some((m) => m.includes("2 alert(s) not written")), logged.join("\n"));
  await Deno.remove(dir, { recursive: true });
});
