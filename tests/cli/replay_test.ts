/**
 * `kestrel replay`, `query` and `test` as real subprocesses over real files:
 * determinism, bad input, and the output contracts of ARCHITECTURE §6–§7.
 */
import assert from "node:assert/strict";
import { kestrel as runKestrel, ROOT } from "./kestrel.ts";
import { syntheticEvents } from "../../samples/synthetic.ts";
import { Schema } from "../../engine/schema.ts";
import { FieldPaths } from "../../engine/event.ts";
import { Engine } from "../../engine/engine.ts";
import { AlertWriter } from "../../engine/alert_writer.ts";
import { readNdjson } from "../../log/ndjson.ts";
import { loadRules } from "../../rules/loader/mod.ts";

const CORPUS = `${ROOT}tests/fixtures/rules/corpus`;

const kestrel = (args: string[], stdin?: string) => runKestrel(args, { stdin });

/** A synthetic log with some planted attack chains, written once per test run. */
async function writeLog(count: number): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".ndjson" });
  const lines: string[] = [];
  for (const ev of syntheticEvents(count, { seed: 7 })) lines.push(JSON.stringify(ev));
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

Deno.test("replay: the same log and rules give byte-identical alerts, and there are alerts", async () => {
  const log = await writeLog(20_000);
  try {
    const a = await kestrel(["replay", "--rules", CORPUS, "--events", log]);
    const b = await kestrel(["replay", "--rules", CORPUS, "--events", log]);
    assert.equal(a.code, 0, a.stderr);
    const alerts = a.stdout.trim().split("\n");
    assert.ok(alerts.length >= 20, `only ${alerts.length} alerts: the check would be vacuous`);
    assert.equal(a.stdout, b.stdout);
    const kinds = new Set(alerts.map((l) => JSON.parse(l).kestrel.alert.kind));
    assert.deepEqual([...kinds].sort(), ["event", "sequence"]);
    const stats = JSON.parse(a.stderr.trim().split("\n").at(-1)!);
    assert.equal(stats.events, 20_000);
    assert.equal(stats.alerts, alerts.length);
  } finally {
    await Deno.remove(log);
  }
});

Deno.test("replay: events one by one or in batches of any size give the same alerts", async () => {
  const text = [...syntheticEvents(5_000, { seed: 11 })].map((e) => JSON.stringify(e)).join("\n") +
    "\n";
  const schema = Schema.ecs();
  const { rules } = await loadRules(CORPUS, { schema });
  const run = async (chunk: number, oneByOne: boolean): Promise<string> => {
    const sink: Uint8Array[] = [];
    const writer = new AlertWriter({
      write: (p) => Promise.resolve(sink.push(p.slice()) && p.length),
    });
    const engine = new Engine(rules, { schema, onMatch: (m) => writer.write(rules[m.rule], m) });
    const bytes = new TextEncoder().encode(text);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += chunk) c.enqueue(bytes.subarray(i, i + chunk));
        c.close();
      },
    });
    for await (const batch of readNdjson(stream, { paths: new FieldPaths(schema) })) {
      if (oneByOne) { for (const ev of batch) engine.process(ev); }
      else batch.forEach((ev) => engine.process(ev));
      await writer.flushIfFull();
    }
    await writer.flush();
    return new TextDecoder().decode(new Uint8Array(sink.flatMap((p) => [...p])));
  };
  const reference = await run(1 << 20, true);
  assert.ok(reference.split("\n").length > 5);
  for (const chunk of [1, 7, 4096]) assert.equal(await run(chunk, chunk % 2 === 0), reference);
});

Deno.test("replay: malformed lines and missing timestamps are reported with line numbers, counted and skipped", async () => {
  const good = (ts: string, name: string) =>
    JSON.stringify({
      "@timestamp": ts,
      event: { category: ["process"], type: ["start"], action: "exec" },
      process: { name, executable: `/dev/shm/${name}`, pid: 1, entity_id: name, args: [name] },
      host: { id: "h" },
    });
  const input = [
    good("2026-01-01T00:00:00Z", "a"),
    "{not json",
    JSON.stringify({ event: { category: "process" } }),
    "[1, 2]",
    JSON.stringify({ "@timestamp": "yesterday" }),
    good("2026-01-01T00:00:01Z", "b"),
  ].join("\n");
  const r = await kestrel(["replay", "--rules", CORPUS, "--events", "-"], input);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^<stdin>:2: malformed JSON/m);
  assert.match(r.stderr, /^<stdin>:3: .*timestamp/m);
  assert.match(r.stderr, /^<stdin>:4: /m);
  assert.match(r.stderr, /^<stdin>:5: .*timestamp/m);
  const stats = JSON.parse(r.stderr.trim().split("\n").at(-1)!);
  assert.equal(stats.lines, 6);
  assert.equal(stats.events, 2);
  assert.equal(stats.malformed, 1);
  assert.equal(stats.notObject, 1);
  assert.equal(stats.noTimestamp, 2);
  // Both good events still alert (execution from /dev/shm), the last one after the bad lines.
  const ids = r.stdout.trim().split("\n").map((l) => JSON.parse(l)).filter((a) =>
    a.kestrel.rule.id === "lnx_exec_from_dev_shm"
  ).map((a) => a.events[0].process.name);
  assert.deepEqual(ids, ["a", "b"]);
});

Deno.test("replay: a ruleset with errors replays nothing and exits 1 with located errors", async () => {
  const r = await kestrel([
    "replay",
    "--rules",
    `${ROOT}tests/fixtures/rules/invalid`,
    "--events",
    "-",
  ], "");
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /unknown_key\.yaml:5:1: /);
  assert.match(r.stderr, /nothing replayed/);
});

const EVENTS = [
  { t: "2026-01-01T00:00:00Z", cat: "process", name: "curl", host: "h1" },
  { t: "2026-01-01T00:00:01Z", cat: "network", name: "curl", host: "h1" },
  { t: "2026-01-01T00:00:02Z", cat: "process", name: "CURL", host: "h2" },
  { t: "2026-01-01T00:00:09Z", cat: "network", name: "curl", host: "h2" },
].map((e) =>
  JSON.stringify({
    "@timestamp": e.t,
    event: { category: e.cat },
    process: { name: e.name },
    host: { id: e.host },
  })
).join("\n") + "\n";

Deno.test("query: one JSON object per match with the matched events in order", async () => {
  const r = await kestrel([
    "query",
    "--eql",
    'sequence by host.id with maxspan=5s [process where process.name : "curl"] [network where true]',
    "--events",
    "-",
  ], EVENTS);
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  // h2's network event comes 7 s after its process event: outside maxspan.
  assert.equal(out.length, 1);
  assert.deepEqual(out[0].events.map((e: { "@timestamp": string }) => e["@timestamp"]), [
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:01Z",
  ]);
});

Deno.test("query: pipes, the legacy dialect and a bad query", async () => {
  const count = await kestrel([
    "query",
    "--case-insensitive",
    "--eql",
    'process where process.name == "curl" | count process.name',
    "--events",
    "-",
  ], EVENTS);
  assert.equal(count.code, 0, count.stderr);
  assert.deepEqual(JSON.parse(count.stdout), { key: ["curl"], count: 2 });
  const head = await kestrel(
    ["query", "--eql", "any where true | head 2", "--events", "-"],
    EVENTS,
  );
  assert.equal(head.stdout.trim().split("\n").length, 2);
  const bad = await kestrel(
    ["query", "--eql", "process where process.name ==", "--events", "-"],
    EVENTS,
  );
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^<query>:1:30: expected expression, found end of query$/m);
});

Deno.test("test: names the first failing condition for events the rule does not match", async () => {
  const r = await kestrel([
    "test",
    "--rules",
    CORPUS,
    "--rule",
    "lnx_exec_from_dev_shm",
    "--events",
    "-",
  ], EVENTS);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 5);
  assert.match(lines[0], /^line 1: no match: .+ is not true$/);
  assert.match(lines[1], /^line 2: no match: category is "network", the rule needs process$/);
  assert.equal(lines[4], "lnx_exec_from_dev_shm: 0 matches");
});
