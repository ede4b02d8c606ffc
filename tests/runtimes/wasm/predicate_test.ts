/**
 * The Wasm runtime against the JavaScript runtime on hand-picked edge
 * cases, operator by operator, in both dialects: every expression of the
 * table is evaluated on every document by both runtimes, and they must
 * agree (and each expression must be true somewhere and false somewhere,
 * so the table tests something).
 *
 * @module
 */
import assert from "node:assert/strict";
import { compileExpression, compileQuery, type Dialect } from "../../../eql/compile.ts";
import { Schema } from "../../../engine/schema.ts";
import { FieldPaths, JsonEvent } from "../../../engine/event.ts";
import { compileGetter, compilePredicate } from "../../../runtimes/js/mod.ts";
import { buildModule, fieldsOf } from "../../../runtimes/wasm/module.ts";
import { WasmInstance } from "../../../runtimes/wasm/instance.ts";

const E: Dialect = "elastic", L: Dialect = "legacy";

/** Compares both runtimes on every (expression, document) pair. */
function agree(exprs: readonly [Dialect, string][], docs: readonly Record<string, unknown>[]) {
  const schema = Schema.ecs();
  const paths = new FieldPaths(schema);
  const compiled = exprs.map(([dialect, text]) => {
    const r = compileExpression(text, { schema, dialect });
    assert.ok(r.ir, `${text}: ${JSON.stringify(r.diagnostics)}`);
    return { dialect, text, ir: r.ir };
  });
  const bytes = buildModule(compiled.map((c) => ({ ir: c.ir, dialect: c.dialect })), [], {
    memoryLimitMb: 16,
  });
  const wasm = new WasmInstance(bytes, { fuelLimit: 1_000_000, memoryLimitMb: 16 });
  const seen = compiled.map(() => new Set<boolean>());
  docs.forEach((doc, k) => {
    const ev = new JsonEvent(doc, 0n, k, paths);
    compiled.forEach((c, i) => {
      const js = compilePredicate(c.ir, { dialect: c.dialect, categoryMatcher: () => () => true })(
        ev,
      );
      const w = wasm.eval(i, ev, fieldsOf(c.ir));
      assert.equal(w, js, `${c.dialect} ${c.text} on ${JSON.stringify(doc)}`);
      seen[i].add(js);
    });
  });
  compiled.forEach((c, i) => assert.equal(seen[i].size, 2, `${c.text} is constant on the table`));
}

const IPS = [
  "10.1.2.3",
  "010.1.2.3",
  "1.2.3",
  "256.1.1.1",
  "1.2.3.4.5",
  "127.0.0.1",
  "192.168.7.7",
  "::1",
  "::",
  ":::",
  "::ffff:10.0.0.1",
  "::ffff:192.168.1.1",
  "fe80::1%eth0",
  "fe80::1%",
  "1:2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7:8:9",
  "1::2::3",
  "a:b",
  "2001:db8::",
  "2001:DB8::42",
  "1:2:3:4:5:6:1.2.3.4",
  "1:2:3:4:5:6:7:1.2.3.4",
  "fc00::1:2",
  "",
  "abc",
  "10.0.0.1 ",
];

Deno.test("wasm: cidrMatch parses addresses like the js runtime, in both dialects", () => {
  agree([
    [E, 'cidrMatch(source.ip, "10.0.0.0/8", "192.168.0.0/16")'],
    [E, 'cidrMatch(source.ip, "::1/128", "fc00::/7", "2001:db8::/32")'],
    [E, 'cidrMatch(source.ip, "::ffff:10.0.0.0/104")'],
    [E, 'not cidrMatch(source.ip, "127.0.0.0/8", "::1")'],
    [L, 'cidrMatch(source.ip, "10.0.0.0/8", "::ffff:192.168.0.0/112")'],
    [L, 'cidrMatch(source.ip, "2001:db8::/32", "127.0.0.1/32")'],
  ], [
    ...IPS.map((ip) => ({ source: { ip } })),
    { source: { ip: ["10.9.9.9"] } },
    { source: { ip: ["10.9.9.9", "11.0.0.1"] } },
    { source: { ip: null } },
    { source: { ip: 10 } },
    {},
  ]);
});

Deno.test("wasm: strings, case folding, wildcards and lists agree with the js runtime", () => {
  agree([
    [E, 'process.name == "bash"'],
    [E, 'process.name : "BA*"'],
    [E, 'process.name : "?ash"'],
    [E, 'process.name like "b*h"'],
    [E, 'process.name like~ "*SH"'],
    [E, 'process.name : ("*a*s*", "z*")'],
    [E, 'process.name in ("sh", "bash")'],
    [E, 'process.name in~ ("SH", "BASH")'],
    [E, 'process.name != "bash"'],
    [E, "process.name == null"],
    [E, 'process.name > "b"'],
    [E, 'process.name < "Σ"'],
    [E, 'startsWith~(process.name, "BA")'],
    [E, 'endsWith(process.name, "sh")'],
    [E, 'stringContains~(process.name, "AS")'],
    [E, "length(process.name) == 4"],
    [E, 'process.name : "σ*"'],
    [E, 'process.name : "*ς"'],
    [E, 'process.name : "i̇*"'],
    [E, "process.args_count + 1 > 3"],
    [E, "process.args_count / 2 == 1"],
    [E, "-process.args_count < -2"],
    [L, 'process.name == "BASH"'],
    [L, 'process.name == "b*H"'],
    [L, 'process.name in ("SH", "*ash")'],
    [L, "process.name == process.parent.name"],
    [L, "process.name in (process.parent.name, null)"],
    [L, "length(process.name) == 4"],
    [L, "process.args_count / 2 == 1"],
  ], [
    { process: { name: "bash", args_count: 3, parent: { name: "BASH" } } },
    { process: { name: "BASH", args_count: 2 } },
    { process: { name: "Bash", args_count: 1.5 } },
    { process: { name: "ΑΣ" } },
    { process: { name: "σς" } },
    { process: { name: "ΣΑ", parent: { name: "σα" } } },
    { process: { name: "İash" } },
    { process: { name: "😀ash" } },
    { process: { name: "sh", args_count: 4 } },
    { process: { name: ["x", ["bash"]], parent: { name: ["BASH"] } } },
    { process: { name: [null, "zed"] } },
    { process: { name: [] } },
    { process: { name: [{}] } },
    { process: { name: null } },
    { process: { name: 5 } },
    { process: { name: true } },
    {},
  ]);
});

Deno.test("wasm: Lucene regexes run as automata with the js runtime's results", () => {
  agree([
    [E, 'dns.question.name regex "[a-z0-9-]{4,8}[.].+"'],
    [E, 'dns.question.name regex~ "ab+c"'],
    [E, 'dns.question.name regex ("x.*", ".*\\\\d\\\\d")'],
    [E, 'dns.question.name regex "[^a-z]*"'],
    [E, 'dns.question.name regex "(ab|cd)?e{2}"'],
    [E, 'dns.question.name regex ".σ."'],
    [E, 'dns.question.name regex~ "σ.*"'],
    [E, 'dns.question.name regex "\\\\w+@\\\\S+"'],
    [E, 'dns.question.name regex "@"'],
    [E, 'dns.question.name regex ""'],
  ], [
    { dns: { question: { name: "abcd.example" } } },
    { dns: { question: { name: "abc.example" } } },
    { dns: { question: { name: "ABBC" } } },
    { dns: { question: { name: "abbbc" } } },
    { dns: { question: { name: "x12" } } },
    { dns: { question: { name: "Y42" } } },
    { dns: { question: { name: "ABC" } } },
    { dns: { question: { name: "cdee" } } },
    { dns: { question: { name: "ee" } } },
    { dns: { question: { name: "😀σ😀" } } },
    { dns: { question: { name: "Σx" } } },
    { dns: { question: { name: "me@host" } } },
    { dns: { question: { name: "" } } },
    { dns: { question: { name: ["zz", "ab-cd.x"] } } },
    { dns: { question: { name: 7 } } },
    {},
  ]);
});

Deno.test("wasm: pred_capture returns the values of key expressions as the js getters do", () => {
  const schema = Schema.ecs();
  const paths = new FieldPaths(schema);
  const texts = [
    "process.name",
    "process.args",
    "process.pid + 1",
    "-process.pid",
    "length(process.name)",
  ];
  // Key expressions as a sequence's `by` clause compiles them.
  const irs = texts.map((t) => {
    const r = compileQuery(`sequence by ${t} [process where true] [process where true]`, {
      schema,
    });
    assert.ok(r.ir, JSON.stringify(r.diagnostics));
    return r.ir.steps[0].keys[0];
  });
  const bytes = buildModule([], irs.map((ir) => ({ ir, dialect: E })), { memoryLimitMb: 16 });
  const wasm = new WasmInstance(bytes, { fuelLimit: 100_000, memoryLimitMb: 16 });
  const docs = [
    { process: { name: "sh", pid: 41, args: ["sh", "-c", "id"] } },
    { process: { name: "Σσ", pid: -2.5, args: [] } },
    { process: { name: null } },
    {},
  ];
  docs.forEach((doc, k) => {
    const ev = new JsonEvent(doc, 0n, k, paths);
    irs.forEach((ir, i) => {
      const js = compileGetter(ir, { dialect: E, categoryMatcher: () => () => true })(ev);
      assert.deepEqual(
        wasm.capture(i, ev, fieldsOf(ir)),
        js,
        `${texts[i]} on ${JSON.stringify(doc)}`,
      );
    });
  });
});

Deno.test("wasm: wildcard(), safe(), indexOf() and substring() agree with the js runtime", () => {
  agree([
    [L, 'wildcard(process.name, "B*SH", "*zsh")'],
    [L, 'wildcard(process.name, "?ash") == false'],
    [L, 'safe(process.name) == "bash"'],
    [E, 'indexOf(process.name, "a") == 1'],
    [E, 'indexOf~(process.name, "A", 2) == null'],
    [E, 'indexOf(process.name, "s", -3) > 1'],
    [E, 'indexOf(process.name, "", 4) == 4'],
    [E, 'substring(process.name, 1) == "ash"'],
    [E, 'substring(process.name, -2) == "sh"'],
    [E, 'substring(process.name, 0, -1) : "ba*"'],
    [E, 'substring(process.name, 1, 2) == "a"'],
    [E, 'substring(process.name, 3, 1) == ""'],
    [E, "substring(process.name, null) == process.name"],
    [E, 'substring(process.name, 1.9, process.args_count) == "as"'],
  ], [
    { process: { name: "bash", args_count: 3 } },
    { process: { name: "BASH", args_count: -1 } },
    { process: { name: "zsh", args_count: 2 } },
    { process: { name: "İash" } },
    { process: { name: "😀ash" } },
    { process: { name: ["bash"] } },
    { process: { name: ["bash", "x"] } },
    { process: { name: "" } },
    { process: { name: 12 } },
    {},
  ]);
});
