/**
 * `.klog` through the command line and the daemon: `kestrel convert`
 * round-trips NDJSON exactly; `replay`, `query` and `test` read a klog
 * (by extension or by its magic bytes) with the same results as the NDJSON;
 * recorded heartbeats resolve a trailing missing step in replay that the
 * NDJSON (which has no heartbeats) leaves open; a truncated log replays
 * its complete blocks with the truncation on stderr; another format
 * version is one clear line, exit 2; the daemon's `POST /api/v1/analyze`
 * takes a klog upload and a klog path.
 */
import assert from "node:assert/strict";
import { kestrel as runKestrel, ROOT } from "../cli/kestrel.ts";
import { toNanos } from "../../engine/event.ts";
import { Schema } from "../../engine/schema.ts";
import { KlogWriter } from "../../log/klog.ts";
import { FORMAT_MAJOR } from "../../log/klog_format.ts";
import { syntheticEvents } from "../../samples/synthetic.ts";
import { blockStartsOf, withRecords } from "./klog_craft.ts";
import { DaemonProcess, execEvent, rule, Workspace } from "../daemon/helpers.ts";

const CORPUS = new URL("../fixtures/rules/corpus/", import.meta.url).pathname;
const LINGER = new URL("./fixtures/rules/", import.meta.url).pathname;

const kestrel = (...args: string[]) => runKestrel(args);

/** Four bash execs as documents: pid n at second n of the day, n = 1 … 4. */
function bashExecs(): Record<string, unknown>[] {
  return [1, 2, 3, 4].map((s) => JSON.parse(execEvent(s, { name: "bash", pid: s })));
}

/** `dir/rules/` with one rule that fires on every bash exec. */
async function writeBashRule(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/rules`);
  await Deno.writeTextFile(
    `${dir}/rules/bash.yaml`,
    rule("bash", 'process where process.name == "bash"'),
  );
}

/**
 * Writes `docs` as a klog at `path`, with a heartbeat after the indexes in
 * `beats`, and after the indexes in `lost` that many records lost between
 * that document and the next.
 */
async function writeKlog(
  path: string,
  docs: Record<string, unknown>[],
  beats = new Map<number, bigint>(),
  blockRecords = 4096,
  lost = new Map<number, bigint>(),
): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const w = new KlogWriter(file, { schema: Schema.ecs(), blockRecords });
  const at = (i: number) => toNanos(docs[i]["@timestamp"]) as bigint;
  docs.forEach((d, i) => {
    w.writeDoc(d, at(i));
    if (beats.has(i)) w.heartbeat(beats.get(i)!);
    if (lost.has(i)) w.drops(at(i) + 1n, at(i + 1), lost.get(i)!);
  });
  await w.flush();
  file.close();
}

Deno.test("convert: NDJSON → klog → NDJSON is exact; replay, query and test agree on both", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kestrel-klog-cli-" });
  try {
    const text = [...syntheticEvents(20_000, { seed: 3 })].map((d) => JSON.stringify(d)).join(
      "\n",
    ) + "\n";
    await Deno.writeTextFile(`${dir}/in.ndjson`, text);
    const c1 = await kestrel("convert", `${dir}/in.ndjson`, `${dir}/log.klog`);
    assert.equal(c1.code, 0, c1.stderr);
    assert.equal(JSON.parse(c1.stderr).written, 20_000);
    const c2 = await kestrel("convert", `${dir}/log.klog`, `${dir}/back.jsonl`);
    assert.equal(c2.code, 0, c2.stderr);
    assert.equal(await Deno.readTextFile(`${dir}/back.jsonl`), text);
    const size = (await Deno.stat(`${dir}/log.klog`)).size;
    assert.ok(size < text.length * 0.3, `${size} bytes vs ${text.length}`);

    // A klog under another name is recognised by its magic bytes.
    await Deno.copyFile(`${dir}/log.klog`, `${dir}/log.bin`);
    const nd = await kestrel("replay", "--rules", CORPUS, "--events", `${dir}/in.ndjson`);
    assert.equal(nd.code, 0, nd.stderr);
    assert.ok(nd.stdout.split("\n").length > 10, "the corpus should fire on the synthetic mix");
    for (const log of [`${dir}/log.klog`, `${dir}/log.bin`]) {
      const k = await kestrel("replay", "--rules", CORPUS, "--events", log);
      assert.equal(k.code, 0, k.stderr);
      assert.equal(k.stdout, nd.stdout, log);
    }
    const query = 'process where process.name == "curl"';
    const qn = await kestrel("query", "--eql", query, "--events", `${dir}/in.ndjson`);
    const qk = await kestrel("query", "--eql", query, "--events", `${dir}/log.klog`);
    assert.equal(qk.code, 0, qk.stderr);
    assert.ok(qn.stdout.length > 0);
    assert.equal(qk.stdout, qn.stdout);
    const id = "lnx_exec_from_tmp_shell_parent";
    const tn = await kestrel(
      "test",
      "--rules",
      CORPUS,
      "--rule",
      id,
      "--events",
      `${dir}/in.ndjson`,
    );
    const tk = await kestrel(
      "test",
      "--rules",
      CORPUS,
      "--rule",
      id,
      "--events",
      `${dir}/log.klog`,
    );
    assert.equal(tk.code, 0, tk.stderr);
    assert.equal(tk.stdout, tn.stdout);

    const same = await kestrel("convert", `${dir}/in.ndjson`, `${dir}/x.ndjson`);
    assert.equal(same.code, 2);
    assert.match(same.stderr, /both ndjson/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replay applies recorded heartbeats: a trailing missing step resolves without a later event", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kestrel-klog-hb-" });
  try {
    const exec = {
      "@timestamp": "2026-01-01T00:00:00Z",
      event: { category: ["process"], type: ["start"], action: "exec" },
      process: {
        entity_id: "e1",
        pid: 7,
        args: ["/bin/sh", "-c", "sleep 30", "kestrel-klog-linger"],
      },
    };
    const t0 = toNanos(exec["@timestamp"]) as bigint;
    await writeKlog(`${dir}/hb.klog`, [exec], new Map([[0, t0 + 1_000_000_000n]]));
    const k = await kestrel("replay", "--rules", LINGER, "--events", `${dir}/hb.klog`);
    assert.equal(k.code, 0, k.stderr);
    const alerts = k.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(alerts.map((a) => [a.kestrel.rule.id, a.kestrel.alert.kind]), [
      ["klog_test_lingering_exec", "sequence"],
    ]);
    assert.equal(JSON.parse(k.stderr.trim().split("\n").at(-1)!).heartbeats, 1);
    // NDJSON has no heartbeats: the same event alone leaves the sequence open.
    const c = await kestrel("convert", `${dir}/hb.klog`, `${dir}/hb.ndjson`);
    assert.equal(c.code, 0, c.stderr);
    const n = await kestrel("replay", "--rules", LINGER, "--events", `${dir}/hb.ndjson`);
    assert.equal(n.code, 0, n.stderr);
    assert.equal(n.stdout, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replay marks degraded the alerts that overlap recorded lost records, as live", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kestrel-klog-lost-" });
  try {
    // Learnt after event 1: records were lost between events 1 and 2 — event 1's alert
    // was already out (not degraded); event 2 is inside the interval.
    await writeKlog(`${dir}/lost.klog`, bashExecs(), new Map(), 4096, new Map([[0, 5n]]));
    await writeBashRule(dir);
    const r = await kestrel("replay", "--rules", `${dir}/rules`, "--events", `${dir}/lost.klog`);
    assert.equal(r.code, 0, r.stderr);
    const alerts = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(
      alerts.map((a) => [a.events[0].process.pid, a.kestrel.alert.degraded]),
      [[1, false], [2, true], [3, false], [4, false]],
    );
    assert.equal(JSON.parse(r.stderr.trim().split("\n").at(-1)!).lostIntervals, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("convert of a klog with recorded lost records: counted and warned into NDJSON, kept into klog", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kestrel-klog-convert-lost-" });
  try {
    const lost = new Map([[0, 5n], [1, 2n]]);
    await writeKlog(`${dir}/lost.klog`, bashExecs(), new Map(), 4096, lost);

    const c = await kestrel("convert", `${dir}/lost.klog`, `${dir}/out.ndjson`);
    assert.equal(c.code, 0, c.stderr);
    const lines = c.stderr.trim().split("\n");
    assert.deepEqual(lines.slice(0, -1), [
      `kestrel convert: ${dir}/lost.klog: 2 recorded interval(s) of lost records are not in ` +
      `${dir}/out.ndjson: NDJSON cannot carry them, so its replay cannot mark the alerts they ` +
      `overlap degraded`,
    ]);
    const sum = JSON.parse(lines.at(-1)!);
    assert.deepEqual([sum.written, sum.lost_intervals, sum.lost_intervals_written], [4, 2, 0]);
    assert.equal((await Deno.readTextFile(`${dir}/out.ndjson`)).trim().split("\n").length, 4);

    // Standard input to klog: the intervals are written, and replay marks
    // degraded the same alerts as on the original.
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}main.ts`, "convert", "-", `${dir}/copy.klog`],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const input = child.stdin.getWriter();
    await input.write(await Deno.readFile(`${dir}/lost.klog`));
    await input.close();
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const copied = JSON.parse(stderr.trim());
    assert.deepEqual([copied.lost_intervals, copied.lost_intervals_written], [2, 2]);
    await writeBashRule(dir);
    const degraded = async (path: string) => {
      const r = await kestrel("replay", "--rules", `${dir}/rules`, "--events", path);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split("\n").map((l) => JSON.parse(l).kestrel.alert.degraded);
    };
    const original = await degraded(`${dir}/lost.klog`);
    assert.deepEqual(original, [false, true, true, false]);
    assert.deepEqual(await degraded(`${dir}/copy.klog`), original);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replay of a truncated klog: the complete blocks' alerts, the truncation on stderr", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kestrel-klog-trunc-" });
  try {
    const docs = bashExecs();
    await writeKlog(`${dir}/full.klog`, docs, new Map(), 2);
    const bytes = await Deno.readFile(`${dir}/full.klog`);
    await Deno.writeFile(`${dir}/cut.klog`, bytes.subarray(0, bytes.length - 7));
    await writeBashRule(dir);
    const r = await kestrel("replay", "--rules", `${dir}/rules`, "--events", `${dir}/cut.klog`);
    assert.equal(r.code, 0, r.stderr);
    const pids = r.stdout.trim().split("\n").map((l) => JSON.parse(l).events[0].process.pid);
    assert.deepEqual(pids, [1, 2]);
    assert.match(
      r.stderr,
      new RegExp(
        `^${dir}/cut\\.klog: the log ends inside a block at byte \\d+ \\(\\d+ bytes of an unfinished block, as when the writer stopped mid-block\\): 1 complete block\\(s\\) read$`,
        "m",
      ),
    );
    // Another format version: one clear line, exit 2.
    const other = bytes.slice();
    other[8] = FORMAT_MAJOR + 1;
    await Deno.writeFile(`${dir}/v2.klog`, other);
    const v = await kestrel("replay", "--rules", `${dir}/rules`, "--events", `${dir}/v2.klog`);
    assert.equal(v.code, 2);
    assert.match(
      v.stderr,
      new RegExp(
        `^kestrel replay: ${dir}/v2\\.klog: klog format version ${
          FORMAT_MAJOR + 1
        }\\.0 cannot be read by kestrel [^\\n]+, which reads format version ${FORMAT_MAJOR}\\.x: use a newer kestrel\\n$`,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replay and query of a klog with a malformed record in an intact block: reported, later blocks read", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kestrel-klog-record-" });
  try {
    await writeKlog(`${dir}/full.klog`, bashExecs(), new Map(), 2);
    const bytes = await Deno.readFile(`${dir}/full.klog`);
    const [first] = blockStartsOf(bytes);
    // A heartbeat with no room for its time, CRC recomputed.
    await Deno.writeFile(`${dir}/bad.klog`, withRecords(bytes, first, [2, 0]));
    await writeBashRule(dir);
    const r = await kestrel("replay", "--rules", `${dir}/rules`, "--events", `${dir}/bad.klog`);
    assert.equal(r.code, 0, r.stderr);
    const pids = r.stdout.trim().split("\n").map((l) => JSON.parse(l).events[0].process.pid);
    assert.deepEqual(pids, [1, 2, 3, 4]);
    const problem = new RegExp(
      `^${dir}/bad\\.klog: block at byte ${first}: record 3 of 3 does not parse \\(bad varint\\): the rest of the block skipped$`,
      "m",
    );
    assert.match(r.stderr, problem);
    const q = await kestrel(
      "query",
      "--eql",
      'process where process.name == "bash"',
      "--events",
      `${dir}/bad.klog`,
    );
    assert.equal(q.code, 0, q.stderr);
    assert.equal(q.stdout.trim().split("\n").length, 4);
    assert.match(q.stderr, problem);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("analyze on the daemon: a klog upload (one with a malformed record too) and a klog under analyze_dirs", async () => {
  const ws = await Workspace.create("analyze-klog");
  let d: DaemonProcess | undefined;
  try {
    await ws.write("rules/bash.yaml", rule("bash", 'process where process.name == "bash"'));
    await ws.writeConfig();
    const docs = [1, 2, 3].map((s) =>
      JSON.parse(execEvent(s, { name: s === 2 ? "sh" : "bash", pid: s }))
    );
    await writeKlog(`${ws.logs}/events.klog`, docs);
    d = await DaemonProcess.start(["--config", ws.config]);
    const token = await d.token(ws.data);
    const post = async (type: string, body: BodyInit) => {
      const res = await fetch(`${d!.url}/api/v1/analyze`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": type },
        body,
      });
      return { status: res.status, body: await res.json() };
    };
    const pids = (body: { alerts: { events: { process: { pid: number } }[] }[] }) =>
      body.alerts.map((a) => a.events[0].process.pid);
    const bytes = await Deno.readFile(`${ws.logs}/events.klog`);
    for (const type of ["application/x-kestrel-klog", "application/octet-stream"]) {
      const up = await post(type, bytes);
      assert.equal(up.status, 200, JSON.stringify(up.body));
      assert.deepEqual(pids(up.body), [1, 3]);
      assert.equal(up.body.stats.events, 3);
    }
    // A record that does not parse in a block with a valid CRC: the block's
    // earlier records and the answer survive, the damage is counted.
    const malformed = await post(
      "application/x-kestrel-klog",
      withRecords(bytes, blockStartsOf(bytes)[0], [2, 0]),
    );
    assert.equal(malformed.status, 200, JSON.stringify(malformed.body));
    assert.deepEqual(pids(malformed.body), [1, 3]);
    assert.equal(malformed.body.stats.damagedBlocks, 1);
    const byPath = await post(
      "application/json",
      JSON.stringify({ path: `${ws.logs}/events.klog` }),
    );
    assert.equal(byPath.status, 200, JSON.stringify(byPath.body));
    assert.deepEqual(pids(byPath.body), [1, 3]);
    const bad = await post("application/octet-stream", new TextEncoder().encode("not a log"));
    assert.deepEqual([bad.status, bad.body], [400, {
      error: "not a .klog event log (it does not start with the klog magic bytes)",
    }]);
    assert.equal((await d.stop()).code, 0);
  } finally {
    await d?.kill();
    await ws.remove();
  }
});

Deno.test("kestrel run --replay FILE.klog: the recording's alerts, heartbeats applied, as replay", async () => {
  const ws = await Workspace.create("replay-klog");
  let d: DaemonProcess | undefined;
  try {
    await copyRules(LINGER, ws.rules);
    await ws.writeConfig();
    const exec = (s: number, pid: number, args: string[]) => ({
      ...JSON.parse(execEvent(s, { entity_id: `e${pid}`, pid, args })),
    });
    const docs = [exec(1, 10, ["/bin/sh", "-c", "sleep 30", "kestrel-klog-linger"])];
    // Only the recorded heartbeat resolves the sequence: no later event exists.
    await writeKlog(
      `${ws.logs}/rec.klog`,
      docs,
      new Map([[0, (toNanos(docs[0]["@timestamp"]) as bigint) + 1_000_000_000n]]),
    );
    const expected = await kestrel(
      "replay",
      "--rules",
      ws.rules,
      "--events",
      `${ws.logs}/rec.klog`,
    );
    assert.equal(expected.code, 0, expected.stderr);
    assert.equal(expected.stdout.trim().split("\n").length, 1);
    d = await DaemonProcess.start(["--config", ws.config, "--replay", `${ws.logs}/rec.klog`]);
    assert.ok(await d.stderr.until(/end of input after 1 event/), d.stderr.text);
    assert.equal((await d.stop()).code, 0, d.stderr.text);
    assert.equal(d.stdout.text, expected.stdout);
  } finally {
    await d?.kill();
    await ws.remove();
  }
});

async function copyRules(from: string, to: string): Promise<void> {
  for await (const e of Deno.readDir(from)) {
    if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}
