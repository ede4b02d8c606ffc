/**
 * Continuous recording: files rotate by size, the oldest go beyond
 * `maxFiles` and past `retentionDays`, every file reads back on its own
 * and together they hold every event in order; an open block is written
 * once it is old enough (crash safety); `kestrel record` records live
 * kernel events and heartbeats (real BPF).
 */
import assert from "node:assert/strict";
import { toNanos } from "../../engine/event.ts";
import { Schema } from "../../engine/schema.ts";
import { openKlog } from "../../log/klog.ts";
import { KlogRecorder } from "../../log/klog_recorder.ts";
import { syntheticEvents } from "../../samples/synthetic.ts";
import { bpfTest } from "../ffi/require_bpf.ts";
import { run, SENSOR_OBJECTS } from "../sensor/live.ts";
import { Collector } from "../daemon/helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** A JSON event as the recorder takes it. */
function event(doc: Record<string, unknown>) {
  return {
    timestamp: toNanos(doc["@timestamp"]) as bigint,
    seq: 0,
    get: () => undefined,
    toJSON: () => doc,
  };
}

async function readAll(path: string): Promise<{ docs: string[]; problems: string[] }> {
  const problems: string[] = [];
  const file = await Deno.open(path);
  const log = await openKlog(file.readable, {
    schema: Schema.ecs(),
    onProblem: (p) => problems.push(p.message),
  });
  const docs: string[] = [];
  for await (const b of log.batches) for (const ev of b) docs.push(JSON.stringify(ev.toJSON()));
  return { docs, problems };
}

Deno.test("recordings rotate by size; count and age bound them; every file reads", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kestrel-rec-" });
  try {
    // Older recordings: one past the retention age, one foreign file that is never touched.
    await Deno.writeTextFile(`${dir}/kestrel-20000101T000000.000Z.klog`, "old");
    await Deno.utime(`${dir}/kestrel-20000101T000000.000Z.klog`, 0, 0);
    await Deno.writeTextFile(`${dir}/notes.txt`, "keep");
    const lines: string[] = [];
    const rec = await KlogRecorder.open({
      dir,
      maxFileBytes: 200_000,
      maxFiles: 3,
      retentionDays: 30,
      schema: Schema.ecs(),
      log: (l) => lines.push(l),
    });
    const docs = [...syntheticEvents(30_000, { seed: 9 })];
    for (let i = 0; i < docs.length; i++) {
      rec.write(event(docs[i]));
      if (i % 500 === 499) {
        rec.heartbeat(toNanos(docs[i]["@timestamp"]) as bigint);
        await rec.tick();
      }
    }
    await rec.close();
    assert.ok(rec.files > 3, `only ${rec.files} file(s)`);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    const klogs = names.filter((n) => n.endsWith(".klog"));
    assert.equal(klogs.length, 3, String(names));
    assert.ok(names.includes("notes.txt"));
    assert.ok(!names.includes("kestrel-20000101T000000.000Z.klog"));
    assert.ok(lines.some((l) => /kestrel-20000101T000000.000Z\.klog deleted \(age\)/.test(l)));
    assert.ok(lines.some((l) => /deleted \(count\)/.test(l)));
    // The kept files are the newest, consecutive, and end with the last event.
    const read: string[] = [];
    for (const n of klogs) {
      const r = await readAll(`${dir}/${n}`);
      assert.deepEqual(r.problems, [], n);
      assert.ok(r.docs.length > 0, n);
      read.push(...r.docs);
    }
    const expected = docs.slice(docs.length - read.length).map((d) => JSON.stringify(d));
    assert.deepEqual(read, expected);
    for (const n of klogs) assert.equal((await Deno.stat(`${dir}/${n}`)).mode! & 0o777, 0o640);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an open block is written once it is old enough: a crash loses at most that long", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kestrel-rec-" });
  try {
    const rec = await KlogRecorder.open({
      file: `${dir}/one.klog`,
      maxBlockAgeMs: 50,
      schema: Schema.ecs(),
    });
    const docs = [...syntheticEvents(10, { seed: 2 })];
    for (const d of docs) rec.write(event(d));
    await rec.tick();
    // Not old enough yet: only the header is on disk.
    assert.deepEqual((await readAll(`${dir}/one.klog`)).docs, []);
    await new Promise((r) => setTimeout(r, 80));
    await rec.tick();
    // Read while the recorder still runs, as after a crash.
    assert.deepEqual((await readAll(`${dir}/one.klog`)).docs, docs.map((d) => JSON.stringify(d)));
    await rec.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

bpfTest("kestrel record: live events to a klog, for --duration", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kestrel-record-" });
  try {
    const out = `${dir}/live.klog`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "record", "--out", out, "--duration", "4s"],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Collector(child.stderr);
    // Attached once it says so (the duration counts from there).
    assert.ok(await stderr.until(/recording to .* for 4s/), stderr.text);
    const marker = `kestrel-record-${crypto.randomUUID().slice(0, 8)}`;
    const sh = await run("/bin/sh", ["-c", ":", marker]);
    const status = await child.status;
    await stderr.done;
    await child.stdout.cancel();
    assert.equal(status.code, 0, stderr.text);
    const summary = JSON.parse(stderr.text.trim().split("\n").at(-1)!);
    assert.ok(summary.events > 0, stderr.text);
    const r = await readAll(out);
    assert.deepEqual(r.problems, []);
    assert.equal(r.docs.length, summary.events);
    const exec = r.docs.map((d) => JSON.parse(d)).filter((d) =>
      d.event?.action === "exec" && d.process?.pid === sh.pid
    );
    assert.equal(exec.length, 1);
    assert.deepEqual(exec[0].process.args, ["/bin/sh", "-c", ":", marker]);
    const q = await run(Deno.execPath(), [
      "run",
      "-A",
      MAIN,
      "query",
      "--eql",
      `process where process.args == "${marker}"`,
      "--events",
      out,
    ]);
    assert.equal(q.code, 0, q.stderr);
    assert.ok(q.stdout.includes(marker));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}, { objects: SENSOR_OBJECTS });
