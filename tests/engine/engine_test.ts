/**
 * End-to-end semantics of the detection engine: real EQL text compiled with
 * the real compiler, JSON events, and hand-written expected matches written
 * as the matched events' sequence numbers (ARCHITECTURE §2, §4).
 *
 * Covers single-event operators in both dialects, missing fields, the
 * category index and prefilters; sequences (`by`, `maxspan`, `until`,
 * missing-event steps, `runs`), `sample`, legacy `join` and lineage;
 * suppressions; determinism under heartbeats; and bounded sequence state
 * under a flood of distinct entities.
 *
 * The bounded-state test forces a full GC before each heap measurement:
 * through the `gc` global when run with `--v8-flags=--expose-gc`, else by
 * setting that V8 flag at run time (`node:v8`); only if neither works does
 * it measure after a short settle.
 */
import assert from "node:assert/strict";
import {
  compileExpression,
  compileQuery,
  type Dialect,
  type GlobalValue,
} from "../../eql/compile.ts";
import { formatDiagnostics } from "../../eql/errors.ts";
import type { IrExpr } from "../../eql/ir.ts";
import { Engine, type EngineRule, type Quotas } from "../../engine/engine.ts";
import { FieldPaths, JsonEvent, toNanos } from "../../engine/event.ts";
import { Schema, type SchemaMode } from "../../engine/schema.ts";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

// ---------------------------------------------------------------------------
// Harness

/** 2026-01-02T03:04:05Z in epoch nanoseconds: the time origin of every test stream. */
const BASE = 1_767_323_045_000_000_000n;
const MS = 1_000_000n;

/** An `@timestamp` as an epoch-nanosecond numeric string, `ms` milliseconds (plus `ns`) after {@link BASE}. */
function t(ms: number, ns = 0n): string {
  return (BASE + BigInt(ms) * MS + ns).toString();
}

/** The same instant in nanoseconds, for heartbeats. */
function ns(ms: number, extra = 0n): bigint {
  return BASE + BigInt(ms) * MS + extra;
}

/** A rule as the tests write it: the query text, or the text with a dialect and suppressions. */
type RuleText = string | { query: string; dialect?: Dialect; suppressions?: string[] };

interface RigOptions {
  dialect?: Dialect;
  schemaMode?: SchemaMode;
  globals?: Record<string, GlobalValue>;
  quotas?: Quotas;
  categoryField?: string;
  entityField?: string;
  parentEntityField?: string;
}

/** One match as the tests compare it: the rule's index and the matched events' seq numbers. */
type Got = [rule: number, seqs: number[]];

/** Compiles `text`, failing the test with the formatted diagnostics on any error. */
function compileRule(id: string, text: RuleText, schema: Schema, o: RigOptions): EngineRule {
  const r = typeof text === "string" ? { query: text } : text;
  const dialect = r.dialect ?? o.dialect ?? "elastic";
  const opts = { schema, dialect, schemaMode: o.schemaMode ?? "ecs", globals: o.globals };
  const compiled = compileQuery(r.query, opts);
  if (!compiled.ir || compiled.diagnostics.some((d) => d.severity === "error")) {
    throw new Error(`${r.query}\n${formatDiagnostics(compiled.diagnostics)}`);
  }
  const suppressions: IrExpr[] = (r.suppressions ?? []).map((s) => {
    const e = compileExpression(s, opts);
    if (!e.ir) throw new Error(`${s}\n${formatDiagnostics(e.diagnostics)}`);
    return e.ir;
  });
  return { id, dialect, ir: compiled.ir, suppressions };
}

/**
 * An engine over `rules` fed JSON documents: each fed document gets the next
 * seq number (1, 2, …) and its `@timestamp`; matches are recorded as
 * {@link Got} in the order the engine reports them.
 */
class Rig {
  readonly engine: Engine;
  readonly matches: Got[] = [];
  readonly #paths: FieldPaths;
  #seq = 0;

  constructor(rules: RuleText[], o: RigOptions = {}) {
    const schema = Schema.ecs();
    const compiled = rules.map((r, i) => compileRule(`r${i}`, r, schema, o));
    this.#paths = new FieldPaths(schema);
    this.engine = new Engine(compiled, {
      schema,
      quotas: o.quotas,
      categoryField: o.categoryField,
      entityField: o.entityField,
      parentEntityField: o.parentEntityField,
      onMatch: (m) => this.matches.push([m.rule, m.events.map((e) => e.seq)]),
    });
  }

  /** Processes `docs` in order. */
  feed(...docs: Record<string, unknown>[]): this {
    for (const doc of docs) {
      const ts = toNanos(doc["@timestamp"]);
      if (typeof ts !== "bigint") throw new Error(`bad @timestamp in ${JSON.stringify(doc)}`);
      this.engine.process(new JsonEvent(doc, ts, ++this.#seq, this.#paths));
    }
    return this;
  }

  /** A live heartbeat at `ns`. */
  heartbeat(at: bigint): this {
    this.engine.advanceWatermark(at);
    return this;
  }

  /** Matches of rule `rule`, as seq lists in order. */
  of(rule: number): number[][] {
    return this.matches.filter(([r]) => r === rule).map(([, s]) => s);
  }

  /** Sequence engine counters (the rig's rules include a sequence). */
  get seqStats() {
    const s = this.engine.sequenceStats();
    assert.ok(s, "no sequence rules");
    return s;
  }
}

/** A process event at `ms`; `fields` are flat dotted ECS keys. */
function proc(ms: number, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { "@timestamp": t(ms), "event.category": "process", ...fields };
}

/** An event of `category` at `ms`. */
function evt(category: string, ms: number, fields: Record<string, unknown> = {}) {
  return { "@timestamp": t(ms), "event.category": category, ...fields };
}

// ---------------------------------------------------------------------------
// Single-event rules

Deno.test("event rules: elastic operators and their case behaviour", () => {
  const rig = new Rig([
    'process where process.name == "Bash"', // 0: case-sensitive, exact
    'process where process.name : "bash"', // 1: case-insensitive equality
    'process where process.name : "ba*"', // 2: case-insensitive wildcard
    'process where process.name like "ba*"', // 3: case-sensitive wildcard
    'process where process.name like~ "BA*"', // 4: case-insensitive wildcard
    'process where process.name regex "ba.h"', // 5: case-sensitive regex
    'process where process.name regex~ "BA.H"', // 6: case-insensitive regex
    'process where process.name == "ba*"', // 7: `==` never wildcards
    'process where process.name in ("bash", "zsh")', // 8: case-sensitive set
    'process where process.name in~ ("BASH")', // 9: case-insensitive set
    'process where process.name : ("zsh", "BA?H")', // 10: list form, `?` wildcard
    'process where process.name regex "bas"', // 11: regex matches the whole string
    'process where process.name like ("z*", "*SH")', // 12: list form, case-sensitive
  ]);
  rig.feed(
    proc(1, { "process.name": "bash" }), // 1
    proc(2, { "process.name": "Bash" }), // 2
    proc(3, { "process.name": "BASH" }), // 3
    proc(4, { "process.name": "ba*" }), // 4
    proc(5, { "process.name": "bas" }), // 5
  );
  const want: number[][] = [
    [2],
    [1, 2, 3],
    [1, 2, 3, 4, 5],
    [1, 4, 5],
    [1, 2, 3, 4, 5],
    [1],
    [1, 2, 3],
    [4],
    [1],
    [1, 2, 3],
    [1, 2, 3],
    [5],
    [3],
  ];
  want.forEach((seqs, rule) => assert.deepEqual(rig.of(rule).flat(), seqs, `rule ${rule}`));
});

Deno.test("event rules: legacy == is case-insensitive with * wildcards, and so are != and in", () => {
  const rig = new Rig([
    'process where process.name == "BASH"', // 0
    'process where process.name == "b*h"', // 1
    'process where process.name in ("ZSH", "BaS")', // 2
    'process where process.name != "bash"', // 3
    "process where process.name == 'ba*'", // 4: single-quoted string
    'process where process.name == "?ash"', // 5: `?` is no wildcard in legacy
    'process where process.name != "*H"', // 6: negated wildcard
  ], { dialect: "legacy" });
  rig.feed(
    proc(1, { "process.name": "bash" }), // 1
    proc(2, { "process.name": "Bash" }), // 2
    proc(3, { "process.name": "BASH" }), // 3
    proc(4, { "process.name": "ba*" }), // 4
    proc(5, { "process.name": "bas" }), // 5
    proc(6, { "process.name": "?ash" }), // 6
  );
  const want: number[][] = [
    [1, 2, 3],
    [1, 2, 3],
    [5],
    [4, 5, 6],
    [1, 2, 3, 4, 5],
    [6],
    [4, 5],
  ];
  want.forEach((seqs, rule) => assert.deepEqual(rig.of(rule).flat(), seqs, `rule ${rule}`));
});

Deno.test("event rules: a predicate on an array field holds if any element matches", () => {
  const rig = new Rig([
    'process where process.args == "-c"', // 0
    'process where process.args : "-c"', // 1
    'process where process.args in ("id", "whoami")', // 2
    'process where process.args != "-c"', // 3: plain negation of rule 0
    'process where process.args like~ "I*"', // 4
  ]);
  rig.feed(
    proc(1, { "process.args": ["bash", "-c", "id"] }), // 1
    proc(2, { "process.args": ["sh", "-C", "ID"] }), // 2
    proc(3, { "process.args": [] }), // 3
    proc(4, {}), // 4: no args
  );
  const want: number[][] = [[1], [1, 2], [1], [2, 3, 4], [1, 2]];
  want.forEach((seqs, rule) => assert.deepEqual(rig.of(rule).flat(), seqs, `rule ${rule}`));
});

Deno.test("event rules: missing fields are false in comparisons and true under !=, not in, not", () => {
  const rig = new Rig([
    'process where process.name != "bash"', // 0
    'process where process.name not in ("bash", "sh")', // 1
    'process where not process.name == "bash"', // 2
    "process where process.name == null", // 3
    "process where process.name != null", // 4
    "process where length(process.name) > 3", // 5: null in, false out
    "process where not length(process.name) > 3", // 6
    'process where process.name : "*"', // 7: a wildcard needs a value
    'process where process.name == "bash" or user.id == "0"', // 8
  ]);
  rig.feed(
    proc(1, { "process.name": "bash", "user.id": "0" }), // 1
    proc(2, { "user.id": "0" }), // 2: no name
    proc(3, { "process.name": "zsh" }), // 3: no user
  );
  const want: number[][] = [
    [2, 3],
    [2, 3],
    [2, 3],
    [2],
    [1, 3],
    [1],
    [2, 3],
    [1, 3],
    [1, 2],
  ];
  want.forEach((seqs, rule) => assert.deepEqual(rig.of(rule).flat(), seqs, `rule ${rule}`));
});

Deno.test("event rules: legacy missing fields under != on a foreign log", () => {
  const rig = new Rig([
    'process where process_name != "cmd.exe"', // 0
    'process where process_name == "CMD.EXE"', // 1
  ], { dialect: "legacy", schemaMode: "dynamic", categoryField: "event_type" });
  rig.feed(
    { "@timestamp": t(1), event_type: "process", process_name: "cmd.exe" }, // 1
    { "@timestamp": t(2), event_type: "process" }, // 2: no name
    { "@timestamp": t(3), event_type: "file", process_name: "cmd.exe" }, // 3: other category
    { "@timestamp": t(4), event_type: "process", process_name: "Cmd.Exe" }, // 4
  );
  assert.deepEqual(rig.matches, [[1, [1]], [0, [2]], [1, [4]]]);
});

Deno.test("event rules: cidrMatch against a $HOME_NET global", () => {
  const rig = new Rig([
    "network where cidrMatch(destination.ip, $HOME_NET)", // 0
    "network where not cidrMatch(destination.ip, $HOME_NET)", // 1
    'network where cidrmatch(destination.ip, "8.8.8.0/24")', // 2: lower-case name
  ], { globals: { HOME_NET: ["10.0.0.0/8", "192.168.0.0/16"] } });
  const net = (ms: number, ip?: string) =>
    evt("network", ms, ip === undefined ? {} : { "destination.ip": ip });
  rig.feed(
    net(1, "10.2.3.4"), // 1
    net(2, "192.168.1.1"), // 2
    net(3, "8.8.8.8"), // 3
    net(4), // 4: no destination
    net(5, "192.169.0.1"), // 5: just outside 192.168/16
    net(6, "10.255.255.255"), // 6: last address of 10/8
  );
  assert.deepEqual(rig.of(0).flat(), [1, 2, 6]);
  assert.deepEqual(rig.of(1).flat(), [3, 4, 5]);
  assert.deepEqual(rig.of(2).flat(), [3]);
});

Deno.test("event rules: the category index offers a rule only events of its category", () => {
  const rig = new Rig([
    'file where file.name == "x"', // 0
    'process where file.name == "x"', // 1
    'any where process.name == "x"', // 2
    "network where true", // 3
  ]);
  rig.feed(
    evt("process", 1, { "file.name": "x", "process.name": "x" }), // 1
    evt("file", 2, { "file.name": "x", "process.name": "x" }), // 2
    {
      "@timestamp": t(3),
      event: { category: ["file", "process"] },
      file: { name: "x" },
      process: { name: "x" },
    }, // 3
    evt("network", 4, { "file.name": "x" }), // 4
    { "@timestamp": t(5), "file.name": "x", "process.name": "x" }, // 5: no category
  );
  assert.deepEqual(rig.matches, [
    [1, [1]],
    [2, [1]],
    [0, [2]],
    [2, [2]],
    [0, [3]],
    [1, [3]],
    [2, [3]],
    [3, [4]],
    [2, [5]],
  ]);

  // A rule is not even evaluated on events of another category.
  const only = new Rig(["file where true"]);
  only.feed(proc(1), proc(2), evt("network", 3), evt("file", 4), proc(5));
  assert.deepEqual(only.matches, [[0, [4]]]);
  assert.equal(only.engine.stats.evaluations, 1);
  const any = new Rig(["any where true"]);
  any.feed(proc(1), evt("file", 2), { "@timestamp": t(3) });
  assert.deepEqual(any.matches, [[0, [1]], [0, [2]], [0, [3]]]);
  assert.equal(any.engine.stats.evaluations, 3);
});

Deno.test("event rules: prefiltered rules fire for the right events, in rule order", () => {
  const rig = new Rig([
    'process where process.name in ("curl", "wget")', // 0
    'process where process.executable : "/tmp/*"', // 1
  ]);
  rig.feed(
    proc(1, { "process.name": "curl", "process.executable": "/usr/bin/curl" }), // 1
    proc(2, { "process.name": "bash", "process.executable": "/tmp/x" }), // 2
    proc(3, { "process.name": "wget", "process.executable": "/tmp/wget" }), // 3: both
    proc(4, { "process.name": "Curl", "process.executable": "/TMP/y" }), // 4
    proc(5, { "process.name": "sh", "process.executable": "/usr/bin/sh" }), // 5
    proc(6), // 6
    proc(7, { "process.name": "curl-x", "process.executable": "/tmpx/a" }), // 7
  );
  assert.deepEqual(rig.matches, [[0, [1]], [1, [2]], [0, [3]], [1, [3]], [1, [4]]]);

  // Rule order, not prefilter kind, decides the order of alerts on one event.
  const swapped = new Rig([
    'process where process.executable : "/tmp/*"',
    'process where process.name in ("curl", "wget")',
  ]);
  swapped.feed(proc(1, { "process.name": "wget", "process.executable": "/tmp/wget" }));
  assert.deepEqual(swapped.matches, [[0, [1]], [1, [1]]]);
});

Deno.test("event rules: an `or` testing one field in every branch prefilters on the union", () => {
  const rig = new Rig([
    'process where (process.name == "nft" and process.args == "flush") or process.name : ("UFW", "ipt*")', // 0
    // A folded capital sigma would not be a prefix of the folded name: no prefilter here.
    'process where process.name like "ΑΣ*" or process.name : "x*"', // 1
  ]);
  rig.feed(
    proc(1, { "process.name": "nft", "process.args": ["flush"] }), // 1
    proc(2, { "process.name": "nft" }), // 2
    proc(3, { "process.name": "Ufw" }), // 3
    proc(4, { "process.name": "IPTables" }), // 4
    proc(5, { "process.name": "ΑΣΒ" }), // 5
    proc(6, { "process.name": "bash" }), // 6
  );
  assert.deepEqual(rig.matches, [[0, [1]], [0, [3]], [0, [4]], [1, [5]]]);
  // Rule 0 is evaluated for events 1–4 only, rule 1 for all six.
  assert.equal(rig.engine.stats.evaluations, 10);
});

Deno.test("event rules: startsWith prefilters on its literal", () => {
  const rig = new Rig([
    'file where startsWith~(file.path, "/etc/Cron") or file.path : "/var/spool/cron/*"',
  ]);
  rig.feed(
    evt("file", 1, { "file.path": "/ETC/cron.d/x" }), // 1
    evt("file", 2, { "file.path": ["/etc/crontab"] }), // 2: a list of one
    evt("file", 3, { "file.path": "/var/spool/cron/root" }), // 3
    evt("file", 4, { "file.path": "/etc/passwd" }), // 4
  );
  assert.deepEqual(rig.matches, [[0, [1]], [0, [2]], [0, [3]]]);
  assert.equal(rig.engine.stats.evaluations, 3);
});

Deno.test("event rules: an `any` rule naming categories in every branch is indexed per branch", () => {
  const rig = new Rig([
    'any where (event.category == "file" and file.name == "a") or ' +
    '(event.category in ("process", "network") and process.name == "b")',
  ]);
  rig.feed(
    evt("file", 1, { "file.name": "a" }), // 1
    evt("file", 2, { "file.name": "b", "process.name": "b" }), // 2
    evt("process", 3, { "process.name": "b" }), // 3
    evt("network", 4, { "process.name": "b" }), // 4
    evt("dns", 5, { "process.name": "b", "file.name": "a" }), // 5
    evt("process", 6, { "process.name": "c" }), // 6
  );
  assert.deepEqual(rig.matches, [[0, [1]], [0, [3]], [0, [4]]]);
  // Only the events that match reach the predicate.
  assert.equal(rig.engine.stats.evaluations, 3);
});

// ---------------------------------------------------------------------------
// Sequences

const A = 'process where process.name == "a"';
const B = 'process where process.name == "b"';
const C = 'process where process.name == "c"';
const X = 'process where process.name == "x"';

/** A process event named `name` on host `host` at `ms`. */
function p(ms: number, host: string, name: string, extra: Record<string, unknown> = {}) {
  return proc(ms, { "host.id": host, "process.name": name, ...extra });
}

Deno.test("sequence: by host.id, two steps", () => {
  const rig = new Rig([`sequence by host.id with maxspan=1m [${A}] [${B}]`]);
  rig.feed(
    p(0, "h1", "a"), // 1
    p(1000, "h2", "a"), // 2
    p(2000, "h2", "b"), // 3 → [2, 3]
    p(3000, "h1", "c"), // 4
    p(4000, "h1", "b"), // 5 → [1, 5]
    p(5000, "h1", "b"), // 6: nothing pending for h1 any more
    p(6000, "h3", "b"), // 7: h3 never started
  );
  assert.deepEqual(rig.of(0), [[2, 3], [1, 5]]);
  assert.equal(rig.seqStats.completed, 2);
  assert.equal(rig.seqStats.active, 0);
});

Deno.test("sequence: three steps across categories, and maxspan expiry", () => {
  const rig = new Rig([
    `sequence by host.id with maxspan=10s [${A}] [file where file.name == "f"] [network where destination.port == 443]`,
  ]);
  const f = (ms: number, host: string) => evt("file", ms, { "host.id": host, "file.name": "f" });
  const n = (ms: number, host: string) =>
    evt("network", ms, { "host.id": host, "destination.port": 443 });
  rig.feed(
    p(0, "h1", "a"), // 1
    n(1000, "h1"), // 2: step 3 before step 2
    f(2000, "h1"), // 3
    f(3000, "h2"), // 4: h2 has not started
    n(4000, "h1"), // 5 → [1, 3, 5]
    n(5000, "h1"), // 6
    p(20_000, "h2", "a"), // 7
    f(21_000, "h2"), // 8
    n(31_000, "h2"), // 9: 11 s after step 1
  );
  assert.deepEqual(rig.of(0), [[1, 3, 5]]);
  assert.equal(rig.seqStats.expired, 1);
});

Deno.test("sequence: per-step by keys, alone and with a sequence-wide by", () => {
  const rig = new Rig([
    'sequence with maxspan=1m [process where event.type == "start"] by process.entity_id [network where true] by process.entity_id',
    'sequence by host.id with maxspan=1m [process where event.type == "start"] by process.entity_id [network where true] by process.entity_id',
  ]);
  const start = (ms: number, host: string, id: string) =>
    proc(ms, { "host.id": host, "event.type": "start", "process.entity_id": id });
  const conn = (ms: number, host: string, id: string) =>
    evt("network", ms, { "host.id": host, "process.entity_id": id });
  rig.feed(
    start(0, "h1", "P1"), // 1
    start(1000, "h1", "P2"), // 2
    conn(2000, "h1", "P2"), // 3
    conn(3000, "h1", "P3"), // 4
    conn(4000, "h1", "P1"), // 5
    start(5000, "h1", "P9"), // 6
    conn(6000, "h2", "P9"), // 7: same process id, other host
    conn(7000, "h1", "P9"), // 8
  );
  assert.deepEqual(rig.matches, [
    [0, [2, 3]],
    [1, [2, 3]],
    [0, [1, 5]],
    [1, [1, 5]],
    [0, [6, 7]],
    [1, [6, 8]],
  ]);
});

Deno.test("sequence: one event may advance one sequence and start another, never advance one twice", () => {
  const rig = new Rig([
    'sequence by host.id with maxspan=1m [process where process.name : "a*"] [process where process.name : "*b"] [process where true]',
  ]);
  rig.feed(
    p(0, "h1", "ab"), // 1: starts [1]
    p(1000, "h1", "ab"), // 2: [1] → [1, 2]; starts [2]
    p(2000, "h1", "x"), // 3: [1, 2] → [1, 2, 3]
    p(3000, "h1", "zb"), // 4: [2] → [2, 4]
    p(4000, "h1", "ab"), // 5: [2, 4] → [2, 4, 5]; starts [5]
  );
  assert.deepEqual(rig.of(0), [[1, 2, 3], [2, 4, 5]]);
  assert.equal(rig.seqStats.active, 1);

  // A lone event matching every step of a two-step sequence does not match it alone.
  const two = new Rig(["sequence by host.id [process where true] [process where true]"]);
  two.feed(p(0, "h1", "a"));
  assert.deepEqual(two.matches, []);
  two.feed(p(1, "h1", "b"));
  assert.deepEqual(two.matches, [[0, [1, 2]]]);
});

Deno.test("sequence: a newer partial match overwrites the older one at the same stage", () => {
  const rig = new Rig([`sequence by host.id with maxspan=1m [${A}] [${B}]`]);
  rig.feed(
    p(0, "h1", "a"), // 1
    p(1000, "h1", "a"), // 2: replaces [1]
    p(2000, "h1", "b"), // 3 → [2, 3]
    p(3000, "h1", "b"), // 4
  );
  assert.deepEqual(rig.of(0), [[2, 3]]);
  assert.equal(rig.seqStats.overwritten, 1);

  // At a middle stage too.
  const three = new Rig([`sequence by host.id with maxspan=1m [${A}] [${B}] [${C}]`]);
  three.feed(
    p(0, "h1", "a"), // 1
    p(1000, "h1", "b"), // 2: [1, 2] at stage 2
    p(2000, "h1", "a"), // 3
    p(3000, "h1", "b"), // 4: [3, 4] replaces [1, 2]
    p(4000, "h1", "c"), // 5 → [3, 4, 5]
    p(5000, "h1", "c"), // 6
  );
  assert.deepEqual(three.of(0), [[3, 4, 5]]);
  assert.equal(three.seqStats.overwritten, 1);
});

Deno.test("sequence: a missing by value never joins; an optional ?field joins on null", () => {
  const events = [
    p(0, "h1", "a"), // 1: no user.id
    p(1000, "h1", "b"), // 2: no user.id
    p(2000, "h1", "a", { "user.id": "0" }), // 3
    p(3000, "h1", "b"), // 4: no user.id
    p(4000, "h1", "b", { "user.id": "0" }), // 5
  ];
  const strict = new Rig([`sequence by user.id with maxspan=1m [${A}] [${B}]`]).feed(...events);
  assert.deepEqual(strict.of(0), [[3, 5]]);
  const optional = new Rig([`sequence by ?user.id with maxspan=1m [${A}] [${B}]`]).feed(...events);
  assert.deepEqual(optional.of(0), [[1, 2], [3, 5]]);
});

Deno.test("sequence: maxspan is inclusive to the nanosecond", () => {
  const rig = new Rig([`sequence by host.id with maxspan=5s [${A}] [${B}]`]);
  rig.feed(
    { ...p(0, "h1", "a"), "@timestamp": t(0) }, // 1
    { ...p(0, "h1", "b"), "@timestamp": t(5000) }, // 2: exactly 5 s later → [1, 2]
    { ...p(0, "h2", "a"), "@timestamp": t(10_000) }, // 3
    { ...p(0, "h2", "b"), "@timestamp": t(15_000, 1n) }, // 4: 5 s + 1 ns later
    // The same with ISO timestamps carrying nine fraction digits.
    { ...p(0, "h3", "a"), "@timestamp": "2026-01-02T03:04:30.000000007Z" }, // 5
    { ...p(0, "h3", "b"), "@timestamp": "2026-01-02T03:04:35.000000007Z" }, // 6 → [5, 6]
    { ...p(0, "h4", "a"), "@timestamp": "2026-01-02T03:04:40.123456789Z" }, // 7
    { ...p(0, "h4", "b"), "@timestamp": "2026-01-02T03:04:45.123456790Z" }, // 8: 1 ns late
    // The watermark reaching exactly first + maxspan does not expire the partial match.
    { ...p(0, "h5", "a"), "@timestamp": t(50_000) }, // 9
    { ...p(0, "h9", "x"), "@timestamp": t(55_000) }, // 10: another host moves time
    { ...p(0, "h5", "b"), "@timestamp": t(55_000) }, // 11 → [9, 11]
  );
  assert.deepEqual(rig.of(0), [[1, 2], [5, 6], [9, 11]]);
  assert.equal(rig.seqStats.expired, 2);
});

Deno.test("sequence: until cancels only sequences that started before it", () => {
  const rig = new Rig([
    `sequence by host.id with maxspan=1m [${A}] [${B}] until [process where process.name == "stop" or user.id == "0"]`,
  ]);
  rig.feed(
    p(0, "h1", "stop"), // 1: before the first step: no effect
    p(1000, "h1", "a"), // 2
    p(2000, "h1", "b"), // 3 → [2, 3]
    p(3000, "h2", "a"), // 4
    p(4000, "h2", "stop"), // 5: cancels [4]
    p(5000, "h2", "b"), // 6
    p(6000, "h3", "a"), // 7
    p(7000, "h4", "stop"), // 8: other host
    p(8000, "h3", "b"), // 9 → [7, 9]
    p(9000, "h5", "a", { "user.id": "0" }), // 10: both until and step 1: starts
    p(10_000, "h5", "b"), // 11 → [10, 11]
  );
  assert.deepEqual(rig.of(0), [[2, 3], [7, 9], [10, 11]]);
  assert.equal(rig.seqStats.cancelled, 1);
});

Deno.test("sequence: a leading missing-event step blocks starts within maxspan", () => {
  const rig = new Rig([`sequence by host.id with maxspan=10s ![${X}] [${A}] [${B}]`]);
  rig.feed(
    p(0, "h1", "x"), // 1
    p(5000, "h1", "a"), // 2: x 5 s before: blocked
    p(6000, "h1", "b"), // 3
    p(7000, "h2", "a"), // 4
    p(8000, "h2", "b"), // 5 → [4, 5]
    p(20_000, "h1", "a"), // 6: x is 20 s old
    p(21_000, "h1", "b"), // 7 → [6, 7]
    p(22_000, "h3", "x"), // 8
    p(32_000, "h3", "a"), // 9: exactly maxspan after x: still blocked
    p(33_000, "h3", "b"), // 10
  );
  assert.deepEqual(rig.of(0), [[4, 5], [6, 7]]);
  assert.equal(rig.seqStats.blocked, 2);
});

Deno.test("sequence: a middle missing-event step cancels only between its neighbours", () => {
  const rig = new Rig([`sequence by host.id with maxspan=10s [${A}] ![${X}] [${B}]`]);
  rig.feed(
    p(0, "h1", "a"), // 1
    p(1000, "h1", "x"), // 2: cancels [1]
    p(2000, "h1", "b"), // 3
    p(3000, "h2", "a"), // 4
    p(4000, "h2", "b"), // 5 → [4, 5]
    p(5000, "h3", "x"), // 6: before the first step
    p(6000, "h3", "a"), // 7
    p(7000, "h3", "b"), // 8 → [7, 8]
    p(8000, "h4", "a"), // 9
    p(9000, "h4", "b"), // 10 → [9, 10]
    p(10_000, "h4", "x"), // 11: after the sequence
    p(11_000, "h5", "a"), // 12
    p(12_000, "h6", "x"), // 13: another host
    p(13_000, "h5", "b"), // 14 → [12, 14]
  );
  assert.deepEqual(rig.of(0), [[4, 5], [7, 8], [9, 10], [12, 14]]);
});

Deno.test("sequence: a trailing missing-event step resolves once the window has passed", () => {
  const rig = new Rig([`sequence by host.id with maxspan=10s [${A}] [${B}] ![${X}]`]);
  rig.feed(
    p(0, "h1", "a"), // 1
    p(1000, "h1", "b"), // 2: waits until the window closes
    p(2000, "h2", "a"), // 3
    p(3000, "h2", "b"), // 4
    p(4000, "h2", "x"), // 5: cancels h2
  );
  assert.deepEqual(rig.matches, []);
  rig.heartbeat(ns(9000));
  assert.deepEqual(rig.matches, []);
  rig.heartbeat(ns(10_000)); // exactly first + maxspan: the window is still open
  assert.deepEqual(rig.matches, []);
  rig.heartbeat(ns(10_000, 1n));
  assert.deepEqual(rig.of(0), [[1, 2]]);
  rig.heartbeat(ns(11_000));
  assert.deepEqual(rig.of(0), [[1, 2]]);

  rig.feed(
    p(20_000, "h3", "a"), // 6
    p(21_000, "h3", "b"), // 7
    p(31_000, "h3", "x"), // 8: after the window, before any heartbeat: a match
  );
  assert.deepEqual(rig.of(0), [[1, 2], [6, 7]]);
  rig.feed(
    p(40_000, "h4", "a"), // 9
    p(41_000, "h4", "b"), // 10
    p(50_000, "h4", "x"), // 11: exactly at the end of the window: cancels
  );
  rig.heartbeat(ns(100_000));
  assert.deepEqual(rig.of(0), [[1, 2], [6, 7]]);
  assert.equal(rig.seqStats.cancelled, 2);
  assert.equal(rig.seqStats.active, 0);
});

Deno.test("sequence: with runs=3 repeats a step", () => {
  const rig = new Rig([`sequence by host.id with maxspan=1m [${A}] with runs=3 [${B}]`]);
  rig.feed(
    p(0, "h1", "a"), // 1
    p(1000, "h1", "a"), // 2
    p(2000, "h1", "b"), // 3: only two a's so far
    p(3000, "h1", "a"), // 4
    p(4000, "h1", "b"), // 5 → [1, 2, 4, 5]
    p(5000, "h1", "b"), // 6
    p(6000, "h2", "a"), // 7
    p(7000, "h2", "a"), // 8
    p(8000, "h2", "a"), // 9
    p(9000, "h2", "b"), // 10 → [7, 8, 9, 10]
  );
  assert.deepEqual(rig.of(0), [[1, 2, 4, 5], [7, 8, 9, 10]]);
});

Deno.test("sequence: 1,000 interleaved entities each complete exactly once", () => {
  const rig = new Rig([`sequence by host.id with maxspan=1h [${A}] [${B}] [${C}]`]);
  const N = 1000;
  let ms = 0;
  for (let i = 0; i < N; i++) rig.feed(p(ms++, `host-${i}`, "a")); // seq i + 1
  for (let i = N - 1; i >= 0; i--) rig.feed(p(ms++, `host-${i}`, "b")); // seq 2000 - i
  for (let i = 0; i < N; i++) rig.feed(p(ms++, `host-${i}`, "c")); // seq 2001 + i
  for (let i = 0; i < N; i++) rig.feed(p(ms++, `host-${i}`, "c")); // nothing left to complete
  const got = rig.of(0);
  assert.equal(got.length, N);
  assert.deepEqual(got[0], [1, 2000, 2001]);
  assert.deepEqual(got[1], [2, 1999, 2002]);
  assert.deepEqual(got[500], [501, 1500, 2501]);
  assert.deepEqual(got[999], [1000, 1001, 3000]);
  assert.equal(new Set(got.map((m) => m[0])).size, N);
  assert.equal(rig.seqStats.completed, N);
  assert.equal(rig.seqStats.active, 0);
});

Deno.test("sample by: the first event per step and key, in any order", () => {
  const rig = new Rig([`sample by host.id [${A}] [network where true]`]);
  const n = (ms: number, host: string) => evt("network", ms, { "host.id": host });
  rig.feed(
    n(0, "h1"), // 1: step 2 for h1
    p(1000, "h2", "a"), // 2: step 1 for h2
    n(2000, "h1"), // 3: step 2 already filled
    p(3000, "h1", "a"), // 4 → [4, 1]
    n(4000, "h2"), // 5 → [2, 5]
    p(5000, "h1", "a"), // 6: a new sample for h1
    n(6000, "h3"), // 7
  );
  assert.deepEqual(rig.of(0), [[4, 1], [2, 5]]);
});

Deno.test("legacy join by … until: any order per key; until clears the key", () => {
  const rig = new Rig([
    'join by unique_pid [process where subtype == "create"] [file where file_name == "*.txt"] until [process where subtype == "terminate"]',
  ], { dialect: "legacy", schemaMode: "dynamic", categoryField: "event_type" });
  const pr = (ms: number, pid: number, subtype: string) => ({
    "@timestamp": t(ms),
    event_type: "process",
    subtype,
    unique_pid: pid,
  });
  const fi = (ms: number, pid: number, name: string) => ({
    "@timestamp": t(ms),
    event_type: "file",
    file_name: name,
    unique_pid: pid,
  });
  rig.feed(
    pr(1, 1, "create"), // 1
    fi(2, 2, "a.txt"), // 2
    fi(3, 1, "b.TXT"), // 3 → [1, 3]
    pr(4, 2, "terminate"), // 4: clears pid 2
    pr(5, 2, "create"), // 5
    pr(6, 3, "create"), // 6
    fi(7, 3, "c.doc"), // 7
    fi(8, 3, "d.txt"), // 8 → [6, 8]
    fi(9, 2, "e.txt"), // 9 → [5, 9]
    fi(10, 4, "f.txt"), // 10
    pr(11, 4, "create"), // 11 → [11, 10]
  );
  assert.deepEqual(rig.of(0), [[1, 3], [6, 8], [5, 9], [11, 10]]);
});

Deno.test("legacy lineage: descendant of, child of, event of over ECS process events", () => {
  const rig = new Rig([
    'process where descendant of [process where process.name == "sshd"]', // 0
    'process where child of [process where process.name == "bash"]', // 1
    'network where event of [process where process.name == "curl"]', // 2
    'process where process.name == "sh" and not descendant of [process where process.name == "cron"]', // 3
  ], { dialect: "legacy" });
  const start = (ms: number, id: string, parent: string, name: string) => ({
    "@timestamp": t(ms),
    event: { category: ["process"], type: ["start"] },
    process: { entity_id: id, name, parent: { entity_id: parent } },
  });
  const conn = (ms: number, id: string) => ({
    "@timestamp": t(ms),
    event: { category: ["network"], type: ["start"] },
    process: { entity_id: id },
  });
  rig.feed(
    start(1, "A", "init", "sshd"), // 1
    start(2, "B", "A", "bash"), // 2: under sshd
    start(3, "C", "B", "curl"), // 3: under sshd, child of bash
    conn(4, "C"), // 4: curl's connection
    start(5, "D", "C", "sh"), // 5: under sshd, not cron
    start(6, "E", "init", "cron"), // 6
    start(7, "F", "E", "sh"), // 7: under cron
    conn(8, "F"), // 8
    start(9, "G", "F", "SH"), // 9: under cron
    conn(10, "A"), // 10
  );
  assert.deepEqual(rig.matches, [[0, [2]], [0, [3]], [1, [3]], [2, [4]], [0, [5]], [3, [5]]]);
});

Deno.test("legacy lineage: legacy field names with entityField, parentEntityField, categoryField", () => {
  const rig = new Rig([
    'process where descendant of [process where process_name == "explorer.exe"]', // 0
    'network where child of [process where process_name == "powershell.exe"]', // 1
    'file where event of [process where process_name == "cmd.exe"]', // 2
  ], {
    dialect: "legacy",
    schemaMode: "dynamic",
    categoryField: "event_type",
    entityField: "unique_pid",
    parentEntityField: "unique_ppid",
  });
  const pr = (ms: number, pid: number, ppid: number, name: string, subtype = "create") => ({
    "@timestamp": t(ms),
    event_type: "process",
    subtype,
    unique_pid: pid,
    unique_ppid: ppid,
    process_name: name,
  });
  const other = (ms: number, type: string, pid: number) => ({
    "@timestamp": t(ms),
    event_type: type,
    unique_pid: pid,
  });
  rig.feed(
    pr(1, 100, 1, "explorer.exe"), // 1
    pr(2, 200, 100, "Cmd.EXE"), // 2: under explorer
    pr(3, 300, 200, "powershell.exe"), // 3: under explorer
    pr(4, 400, 300, "whoami.exe"), // 4: under explorer
    other(5, "network", 400), // 5: a child of powershell
    other(6, "file", 200), // 6: cmd.exe's file event
    pr(7, 200, 100, "Cmd.EXE", "terminate"), // 7: cmd.exe ends, still under explorer
    pr(8, 500, 999, "notepad.exe"), // 8: unrelated
    other(9, "network", 300), // 9: powershell's own parent is cmd.exe
    other(10, "file", 300), // 10: not cmd.exe
  );
  assert.deepEqual(rig.matches, [[0, [2]], [0, [3]], [0, [4]], [1, [5]], [2, [6]], [0, [7]]]);
});

// ---------------------------------------------------------------------------
// Suppressions

Deno.test("suppressions: a match any of whose events satisfies a suppression is dropped and counted", () => {
  const rig = new Rig([
    {
      query: 'process where process.name == "curl"',
      suppressions: ['process.parent.name == "apt"'],
    },
    {
      query:
        'sequence by host.id with maxspan=1m [process where process.name == "tar"] [network where true]',
      suppressions: ['user.name == "backup"', 'process.name == "never"'],
    },
  ]);
  rig.feed(
    p(0, "h1", "curl", { "process.parent.name": "bash" }), // 1 → match
    p(1000, "h1", "curl", { "process.parent.name": "apt" }), // 2: suppressed
    p(2000, "h1", "curl", { "process.parent.name": "APT" }), // 3: `==` is case-sensitive → match
    p(3000, "h1", "tar", { "user.name": "backup" }), // 4
    evt("network", 4000, { "host.id": "h1" }), // 5: [4, 5] suppressed by its first event
    p(5000, "h2", "tar", { "user.name": "root" }), // 6
    evt("network", 6000, { "host.id": "h2" }), // 7 → [6, 7]
  );
  assert.deepEqual(rig.matches, [[0, [1]], [0, [3]], [1, [6, 7]]]);
  assert.equal(rig.engine.stats.suppressed, 2);
  assert.equal(rig.engine.stats.matches, 3);
});

// ---------------------------------------------------------------------------
// Determinism

/** Seeded linear congruential generator: the same stream on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * A mixed stream: times are multiples of 100 ms and strictly increasing, so
 * with a maxspan of 2,050 ms every deadline falls 50 ms past a multiple of
 * 100 ms and never within 10 ms after an event's time.
 */
function mixedStream(count: number): Record<string, unknown>[] {
  const rnd = lcg(42);
  const names = ["a", "b", "c", "x", "curl", "sh"];
  const out: Record<string, unknown>[] = [];
  let ms = 0;
  for (let i = 0; i < count; i++) {
    ms += 100 * (1 + Math.floor(rnd() * 3));
    const host = `h${Math.floor(rnd() * 5)}`;
    out.push(
      rnd() < 0.25
        ? evt("network", ms, { "host.id": host })
        : p(ms, host, names[Math.floor(rnd() * names.length)]),
    );
  }
  return out;
}

const MIXED_RULES = [
  'process where process.name == "curl"',
  `sequence by host.id with maxspan=2050ms [${A}] [${B}] [network where true]`,
  `sequence by host.id with maxspan=2050ms [${A}] [${B}] ![${X}]`,
  `sample by host.id [${C}] [network where true]`,
  `sequence by host.id with maxspan=2050ms ![${X}] [${C}] [network where true]`,
];

Deno.test("determinism: the same events through fresh engines give the same matches", () => {
  const docs = mixedStream(3000);
  const run = () => {
    const rig = new Rig(MIXED_RULES);
    rig.feed(...docs);
    rig.heartbeat(ns(10_000_000));
    return rig.matches;
  };
  const first = run();
  // Not vacuous: every rule matched.
  for (let r = 0; r < MIXED_RULES.length; r++) {
    assert.ok(first.some(([rule]) => rule === r), `rule ${r} never matched`);
  }
  assert.deepEqual(run(), first);
});

Deno.test("determinism: heartbeats that pass no deadline do not change the matches", () => {
  const docs = mixedStream(3000);
  const plain = new Rig(MIXED_RULES);
  plain.feed(...docs);
  const beating = new Rig(MIXED_RULES);
  for (const doc of docs) {
    beating.feed(doc);
    const at = BigInt(doc["@timestamp"] as string);
    beating.heartbeat(at - 5n * MS); // in the past: ignored
    beating.heartbeat(at); // the current watermark
    beating.heartbeat(at + 10n * MS); // before the next event and any deadline
  }
  assert.ok(plain.matches.length > 50, `only ${plain.matches.length} matches`);
  assert.deepEqual(beating.matches, plain.matches);
  // Both resolve the remaining trailing sequences alike.
  plain.heartbeat(ns(10_000_000));
  beating.heartbeat(ns(10_000_000));
  assert.deepEqual(beating.matches, plain.matches);
});

// ---------------------------------------------------------------------------
// Bounded state

/**
 * A function forcing a full garbage collection: the `gc` global that
 * `--v8-flags=--expose-gc` exposes, else the same flag set at run time
 * through `node:v8` (it applies to contexts created afterwards), else none.
 */
function findGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    return typeof gc === "function" ? () => gc() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * heapUsed after a forced GC when one is available, else after a short
 * settle. Without a forced GC, garbage promoted to the old generation can
 * stay counted until V8's next major collection.
 */
async function settledHeap(gc: (() => void) | undefined): Promise<number> {
  if (gc) {
    gc();
    gc();
  } else {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return Deno.memoryUsage().heapUsed;
}

Deno.test("bounded state: 1,000,000 distinct entities stay within the quotas and a flat heap", async () => {
  const gc = findGc();
  const schema = Schema.ecs();
  const compiled = compileQuery(`sequence by host.id with maxspan=1h [${A}] [${B}]`, { schema });
  assert.ok(compiled.ir, formatDiagnostics(compiled.diagnostics));
  let matches = 0;
  const engine = new Engine([{ id: "seq", dialect: "elastic", ir: compiled.ir }], {
    schema,
    quotas: { maxPartialMatches: 1000, maxPerRule: 1000, maxPerEntity: 2 },
    onMatch: () => matches++,
  });
  const paths = new FieldPaths(schema);
  const N = 1_000_000;
  let seq = 0;
  let heapAt100k = 0;
  let maxActive = 0;
  for (let i = 0; i < N; i++) {
    const ts = BASE + BigInt(i) * 1000n; // 1 µs apart: 1 s in all, far inside maxspan
    const host = { id: `host-${i}` };
    engine.process(
      new JsonEvent(
        { event: { category: "process" }, host, process: { name: "a" } },
        ts,
        ++seq,
        paths,
      ),
    );
    // Every 10,000th entity completes straight away.
    if (i % 10_000 === 0) {
      engine.process(
        new JsonEvent(
          { event: { category: "process" }, host, process: { name: "b" } },
          ts,
          ++seq,
          paths,
        ),
      );
    }
    if ((i + 1) % 10_000 === 0) {
      const active = engine.sequenceStats()!.active;
      maxActive = Math.max(maxActive, active);
      assert.ok(active <= 1000, `${active} partial matches after ${i + 1} entities`);
    }
    if (i + 1 === 100_000) heapAt100k = await settledHeap(gc);
  }
  const heapAt1M = await settledHeap(gc);
  const s = engine.sequenceStats()!;
  assert.equal(maxActive, 1000);
  assert.equal(s.created, N);
  assert.equal(s.completed, 100);
  assert.equal(matches, 100);
  assert.equal(s.active, 1000);
  assert.equal(s.expired, 0);
  assert.equal(s.evicted, N - 1000 - 100);
  assert.equal(
    s.evicted,
    s.created - s.active - s.completed - s.expired - s.cancelled - s.overwritten,
  );
  const growthMb = (heapAt1M - heapAt100k) / 2 ** 20;
  assert.ok(
    growthMb < 64,
    `heap grew ${growthMb.toFixed(1)} MB from 100k to 1M entities (gc ${
      gc ? "forced" : "not exposed"
    })`,
  );
});
