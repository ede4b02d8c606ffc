/**
 * The daemon's pieces in process: the alert ring (bound, filters, cursor
 * paging), the dedup window, RFC 3339 to nanoseconds, the `[alerts]` →
 * outputs mapping, and the engine's carry-over of sequence state.
 */
import assert from "node:assert/strict";
import { AlertRing, DedupWindow, outputsOptions, rfc3339Nanos } from "../../daemon/mod.ts";
import { ApiError, Histogram } from "../../http/mod.ts";
import { DEFAULT_CONFIG } from "../../config/mod.ts";
import { Engine, type Match, unchangedRules } from "../../engine/engine.ts";
import { FieldPaths, JsonEvent } from "../../engine/event.ts";
import { Schema } from "../../engine/schema.ts";
import { loadRulesFromSources } from "../../rules/loader/mod.ts";
import type { Alert } from "../../engine/alerts.ts";

function alert(n: number, severity = "high", rule = "r"): Alert {
  const ts = new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString();
  return {
    "@timestamp": ts,
    kestrel: {
      alert: { id: `a${n}`, kind: "event", degraded: false, action: "alert" },
      rule: { id: rule, name: rule, severity, tags: [] },
    },
    threat: [],
    events: [],
  };
}

const ns = (n: number) => BigInt(Date.UTC(2025, 0, 1) + n * 1000) * 1_000_000n;
const ids = (as: Alert[]) => as.map((a) => a.kestrel.alert.id);

Deno.test("alert ring: newest first, bounded, filters and cursor pages", () => {
  const ring = new AlertRing(5);
  for (let n = 1; n <= 7; n++) ring.push(alert(n, n % 2 ? "high" : "low", `r${n % 3}`), ns(n));
  assert.equal(ring.size, 5);
  assert.equal(ring.added, 7);
  assert.deepEqual(ids(ring.query({ limit: 10 }).alerts), ["a7", "a6", "a5", "a4", "a3"]);
  const p1 = ring.query({ limit: 2 });
  assert.deepEqual(ids(p1.alerts), ["a7", "a6"]);
  const p2 = ring.query({ limit: 2, cursor: p1.nextCursor });
  assert.deepEqual(ids(p2.alerts), ["a5", "a4"]);
  const p3 = ring.query({ limit: 2, cursor: p2.nextCursor });
  assert.deepEqual([ids(p3.alerts), p3.nextCursor], [["a3"], undefined]);
  assert.deepEqual(ids(ring.query({ limit: 10, severity: "low" }).alerts), ["a6", "a4"]);
  assert.deepEqual(ids(ring.query({ limit: 10, rule: "r1" }).alerts), ["a7", "a4"]);
  const since = new Date(Date.UTC(2025, 0, 1) + 5000).toISOString();
  assert.deepEqual(ids(ring.query({ limit: 10, since }).alerts), ["a7", "a6", "a5"]);
  // A cursor stays usable while the ring turns over.
  ring.push(alert(8), ns(8));
  ring.push(alert(9), ns(9));
  assert.deepEqual(ids(ring.query({ limit: 5, cursor: p1.nextCursor }).alerts), ["a5"]);
  for (const bad of ["x", "1.00000000", "zzzzzz.ffffffff", `9${p1.nextCursor}`]) {
    assert.throws(() => ring.query({ limit: 1, cursor: bad }), (e) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 400);
      return true;
    }, bad);
  }
  // Another ring (another daemon start) does not accept this one's cursors.
  assert.throws(() => new AlertRing(5).query({ limit: 1, cursor: p1.nextCursor }), ApiError);
});

Deno.test("dedup window: event time, per rule and entity, bounded", () => {
  const s = (n: number) => BigInt(n) * 1_000_000_000n;
  const d = new DedupWindow(10);
  assert.equal(d.admit("r", "e", s(100)), true);
  assert.equal(d.admit("r", "e", s(109)), false);
  assert.equal(d.admit("r", "f", s(109)), true);
  assert.equal(d.admit("q", "e", s(109)), true);
  assert.equal(d.admit("r", "e", s(95)), false); // slightly out of order: still within
  assert.equal(d.admit("r", "e", s(110)), true);
  assert.equal(d.suppressed, 2);
  assert.equal(new DedupWindow(0).admit("r", "e", 1n), true);
  assert.equal(new DedupWindow(0).enabled, false);
  const small = new DedupWindow(1000, 3);
  for (let i = 0; i < 10; i++) small.admit("r", `e${i}`, s(i));
  assert.equal(small.size, 3);
  // Keys whose window passed are forgotten as time moves on.
  const aging = new DedupWindow(1);
  for (let i = 0; i < 100; i++) aging.admit("r", `e${i}`, s(i * 10));
  assert.ok(aging.size < 10, String(aging.size));
});

Deno.test("rfc3339Nanos: full precision and offsets", () => {
  assert.equal(rfc3339Nanos("1970-01-01T00:00:00Z"), 0n);
  assert.equal(rfc3339Nanos("1970-01-01T00:00:01.000000001Z"), 1_000_000_001n);
  assert.equal(rfc3339Nanos("1970-01-01T01:00:00+01:00"), 0n);
  assert.equal(rfc3339Nanos("1969-12-31T23:30:00.5-00:30"), 500_000_000n);
  assert.throws(() => rfc3339Nanos("yesterday"), RangeError);
});

Deno.test("outputsOptions maps every [alerts] key to the outputs' options", () => {
  const o = outputsOptions(DEFAULT_CONFIG.alerts);
  assert.deepEqual(o, {
    outputs: ["stdout"],
    file: {
      path: "/var/log/kestrel/alerts.ndjson",
      rotation: "daily",
      retentionDays: 90,
      maxFileSizeMb: 100,
    },
    syslog: {
      host: "localhost",
      port: 514,
      protocol: "udp",
      facility: "local0",
      appName: "kestrel",
    },
    webhook: {
      url: "",
      token: "",
      timeoutMs: 5000,
      maxRetries: 5,
      queueDir: "/var/lib/kestrel/webhook-queue",
      maxQueueMb: 256,
    },
  });
});

Deno.test("engine carry-over: unchanged sequence rules keep their partial matches", () => {
  const schema = Schema.ecs();
  const seq = (id: string, maxspan: string) => ({
    path: `${id}.yaml`,
    text: `id: ${id}\nname: ${id}\nseverity: low\neql: >-\n  sequence by process.entity_id ` +
      `with maxspan=${maxspan} [process where process.name == "a"] ` +
      `[process where process.name == "b"]\n`,
  });
  const load = (files: { path: string; text: string }[]) => {
    const r = loadRulesFromSources(files, { schema });
    assert.deepEqual(r.diagnostics, []);
    return r.rules;
  };
  const before = load([seq("kept", "1m"), seq("changed", "1m")]);
  const after = load([seq("kept", "1m"), seq("changed", "2m"), seq("new", "1m")]);
  assert.deepEqual(unchangedRules(before, after), ["kept"]);

  const paths = new FieldPaths(schema);
  const ev = (s: number, name: string) =>
    new JsonEvent(
      {
        "@timestamp": new Date(s * 1000).toISOString(),
        event: { category: "process" },
        process: { name, entity_id: "p" },
      },
      BigInt(s) * 1_000_000_000n,
      s,
      paths,
    );
  const matches: string[] = [];
  const onMatch = (rules: typeof before) => (m: Match) => matches.push(rules[m.rule].id);
  const old = new Engine(before, { schema, onMatch: onMatch(before) });
  old.process(ev(1, "a"));
  assert.equal(old.sequenceStats()!.active, 2);
  const next = new Engine(after, {
    schema,
    onMatch: onMatch(after),
    carryOver: { from: old, keep: unchangedRules(before, after) },
  });
  assert.equal(next.sequenceStats()!.active, 1);
  next.process(ev(2, "b"));
  assert.deepEqual(matches, ["kept"]);
});

Deno.test("histogram: a batch's mean observed once per event", () => {
  const h = new Histogram([0.001, 0.01]);
  h.observe(0.005, 100);
  h.observe(0.0001);
  assert.deepEqual(h.snapshot(), { bounds: [0.001, 0.01], counts: [1, 100, 0], sum: 0.5001 });
});
