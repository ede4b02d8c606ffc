import assert from "node:assert/strict";
import { check, compile, context, type Doc, ir, schemaFor } from "./helpers.ts";
import type { Value } from "../../../eql/value.ts";
import type { Event } from "../../../engine/event.ts";
import { FieldPaths, readPath } from "../../../engine/event.ts";
import { compileEventQuery } from "../../../runtimes/js/mod.ts";

// Legacy dialect: Endgame EQL, two-valued, missing values compare like None.

const L = { dialect: "legacy" } as const;
const sh = { process_name: "sh" };
const SH = { process_name: "SH" };
const bash = { process_name: "bash" };
const none: Doc = {};
const nul = { process_name: null };

Deno.test("legacy ==/!= compare strings case-insensitively; None is never equal", () => {
  check('any where process_name == "sh"', [[sh, true], [SH, true], [bash, false], [none, false], [
    nul,
    false,
  ]], L);
  check('any where process_name != "sh"', [[sh, false], [SH, false], [bash, true], [none, true], [
    nul,
    true,
  ]], L);
  check('any where not process_name == "sh"', [[sh, false], [bash, true], [none, true]], L);
  check("any where process_name = 'SH'", [[sh, true]], L);
  check('any where "SH" == process_name', [[sh, true], [none, false]], L);
  check('any where process_name == "\u0130x"', [[{ process_name: "i\u0307x" }, true], [
    { process_name: "\u0130X" },
    true,
  ], [{ process_name: "ix" }, false]], L);
});

Deno.test("legacy == null and != null", () => {
  check("any where process_name == null", [[sh, false], [none, true], [nul, true], [
    { process_name: [] },
    true,
  ]], L);
  check("any where process_name != null", [[sh, true], [none, false], [nul, false]], L);
  check("any where not process_name == null", [[sh, true], [none, false]], L);
});

Deno.test("legacy logic is two-valued", () => {
  check('any where not (process_name == "a" and pid == 1)', [[{ pid: 1 }, true], [
    { process_name: "a", pid: 1 },
    false,
  ]], L);
  check('any where not (process_name == "a" or pid == 1)', [[{ pid: 2 }, true], [
    { pid: 1 },
    false,
  ]], L);
  check('any where process_name != "a" or pid == 1', [[{ pid: 2 }, true]], L);
});

Deno.test("legacy == with * is a case-insensitive wildcard; ? and \\ are literal", () => {
  check('any where process_name == "*SH"', [[bash, true], [sh, true], [
    { process_name: "bash.exe" },
    false,
  ], [none, false]], L);
  check('any where process_name != "*SH"', [[bash, false], [{ process_name: "x" }, true], [
    none,
    true,
  ]], L);
  check('any where process_name == "b?sh"', [[bash, false], [{ process_name: "B?SH" }, true]], L);
  check("any where path == 'C:\\\\*'", [[{ path: "c:\\windows" }, true], [
    { path: "c:/windows" },
    false,
  ]], L);
  // A star on the left side is a plain character.
  check('any where "*sh" == process_name', [[bash, false], [{ process_name: "*SH" }, true]], L);
});

Deno.test("legacy in: case-insensitive, with wildcards; None matches only null", () => {
  check('any where process_name in ("SH", "ba*")', [[sh, true], [bash, true], [
    { process_name: "zsh" },
    false,
  ], [none, false]], L);
  check('any where process_name not in ("SH", "ba*")', [[sh, false], [
    { process_name: "zsh" },
    true,
  ], [none, true]], L);
  check('any where process_name in (null, "a")', [[none, true], [nul, true], [
    { process_name: "A" },
    true,
  ], [sh, false]], L);
  check('any where process_name in ("b?sh")', [[bash, false], [{ process_name: "b?sh" }, true]], L);
  check("any where pid in (1, 2)", [[{ pid: 1 }, true], [{ pid: "1" }, false]], L);
  check("any where pid not in (1, 2)", [[{ pid: "1" }, true], [{ pid: 3 }, true], [
    { pid: 2 },
    false,
  ]], L);
  check('any where process_name in (parent_name, "x")', [
    [{ process_name: "SH", parent_name: "sh" }, true],
    [{ process_name: "bash", parent_name: "sh" }, false],
    [{}, true],
  ], L);
});

Deno.test("legacy ordering: None and mixed types are false; strings fold case", () => {
  check("any where pid > 5", [[{ pid: 6 }, true], [{ pid: 5 }, false], [none, false], [
    { pid: "6" },
    false,
  ]], L);
  check("any where not pid > 5", [[{ pid: 5 }, true], [none, true], [{ pid: "6" }, true]], L);
  check("any where pid <= 5", [[{ pid: 5 }, true], [{ pid: 6 }, false]], L);
  check("any where pid >= 5", [[{ pid: 5 }, true], [{ pid: 4 }, false]], L);
  check("any where pid < 5", [[{ pid: 4 }, true], [{ pid: 5 }, false]], L);
  // "a" > "Z" in code units, but "a" < "z" folded.
  check('any where process_name > "Z"', [[{ process_name: "a" }, false]], L);
  check('any where process_name < "B"', [[{ process_name: "a" }, true], [
    { process_name: "c" },
    false,
  ]], L);
  check("any where pid < ppid", [[{ pid: 1, ppid: 2 }, true], [{ pid: 1 }, false]], L);
  check("any where not pid < ppid", [[{ pid: 1 }, true]], L);
});

Deno.test("legacy comparisons between two fields: None equals None", () => {
  check("any where process_name == parent_name", [
    [{ process_name: "SH", parent_name: "sh" }, true],
    [{ process_name: "sh", parent_name: "bash" }, false],
    [{ process_name: "sh" }, false],
    [{}, true],
  ], L);
  check("any where process_name != parent_name", [
    [{ process_name: "sh", parent_name: "bash" }, true],
    [{ process_name: "sh" }, true],
    [{}, false],
  ], L);
});

Deno.test("legacy numbers and strings never convert", () => {
  check('any where pid == "5"', [[{ pid: 5 }, false], [{ pid: "5" }, true]], L);
  check('any where pid != "5"', [[{ pid: 5 }, true], [{ pid: "5" }, false]], L);
});

Deno.test("legacy arrays: any element; != and not in when none; empty is missing", () => {
  const args = { args: ["/bin/sh", "-c", "id"] };
  const empty = { args: [] };
  check('any where args == "-C"', [[args, true], [{ args: ["-x"] }, false], [empty, false]], L);
  check('any where args != "-c"', [[args, false], [{ args: ["-x"] }, true], [empty, true]], L);
  check('any where args == "/BIN/*"', [[args, true], [empty, false]], L);
  check('any where args in ("-c", "-e")', [[args, true], [empty, false]], L);
  check('any where args not in ("-c", "-e")', [[args, false], [{ args: ["-x"] }, true], [
    empty,
    true,
  ]], L);
  check("any where args == null", [[empty, true], [args, false]], L);
  check('any where args > "-d"', [[args, true], [{ args: ["-a"] }, false]], L);
});

Deno.test("legacy field subscripts", () => {
  const args = { args: ["/bin/sh", "-c", "id"] };
  check('any where args[0] == "/BIN/SH"', [[args, true], [{ args: [] }, false], [none, false]], L);
  check('any where args[2] == "id"', [[args, true]], L);
  check("any where args[5] == null", [[args, true]], L);
  check('any where args[5] != "x"', [[args, true]], L);
  check('any where process.args[1] == "-c"', [[{ process: { args: ["sh", "-C"] } }, true]], L);
  check("any where args[0] == null", [[{ args: "sh" }, true]], L);
});

Deno.test("arraySearch and arrayCount bind a variable per element", () => {
  const procs = {
    procs: [{ name: "bash", pid: 1 }, { name: "SH", pid: 2 }, { name: "zsh", pid: 3 }],
  };
  check('any where arraySearch(procs, p, p.name == "sh")', [
    [procs, true],
    [
      { procs: [{ name: "x" }] },
      false,
    ],
    [{ procs: [] }, false],
    [none, false],
    [{ procs: "sh" }, false],
  ], L);
  check('any where not arraySearch(procs, p, p.name == "sh")', [[none, true], [procs, false]], L);
  check('any where arrayCount(procs, p, p.name == "*sh") == 3', [[procs, true]], L);
  check("any where arrayCount(procs, p, p.pid > 1) == 2", [[procs, true]], L);
  check("any where arrayCount(procs, p, p.pid > 1) == 0", [[none, true], [
    { procs: [{ pid: 1 }] },
    true,
  ]], L);
  // Scalars bound directly.
  check('any where arraySearch(args, a, a == "-c")', [[{ args: ["sh", "-C"] }, true], [
    { args: ["sh"] },
    false,
  ]], L);
  // Sub-fields of nested objects, written nested or flat-dotted.
  check('any where arraySearch(procs, p, p.parent.name == "init")', [
    [{ procs: [{ parent: { name: "INIT" } }] }, true],
    [{ procs: [{ "parent.name": "init" }] }, true],
    [{ procs: [{ parent: { name: "x" } }] }, false],
  ], L);
  // Nested binds; the inner condition reads the outer variable.
  const groups = {
    groups: [
      { name: "wheel", members: ["alice", "root"] },
      { name: "staff", members: ["bob"] },
    ],
  };
  check('any where arraySearch(groups, g, arraySearch(g.members, m, m == "ROOT"))', [[
    groups,
    true,
  ], [{ groups: [{ members: ["bob"] }] }, false]], L);
  check(
    'any where arraySearch(groups, g, arraySearch(g.members, m, g.name == "staff" and m == "bob"))',
    [
      [groups, true],
      [{ groups: [{ name: "wheel", members: ["bob"] }] }, false],
    ],
    L,
  );
  check("any where arraySearch(groups, g, arrayCount(g.members, m, m != g.name) == 2)", [[
    groups,
    true,
  ]], L);
  // The same name bound twice: the inner binding shadows the outer one.
  check('any where arraySearch(outer, x, arraySearch(x.inner, x, x == "deep"))', [
    [{ outer: [{ inner: ["deep"] }] }, true],
    [{ outer: [{ inner: ["shallow"] }] }, false],
  ], L);
});

/** An event whose field `throwsOn` throws when read. */
class ThrowingEvent implements Event {
  readonly timestamp = 0n;
  readonly seq = 0;
  constructor(
    readonly doc: Record<string, unknown>,
    readonly paths: FieldPaths,
    readonly throwsOn: number,
  ) {}
  get(id: number): Value | undefined {
    if (id === this.throwsOn) throw new Error("unreadable field");
    return readPath(this.doc, this.paths.path(id)) as Value | undefined;
  }
  toJSON(): Record<string, unknown> {
    return this.doc;
  }
}

Deno.test("safe() turns any error into null", () => {
  const schema = schemaFor(L);
  const paths = new FieldPaths(schema);
  const q = ir('any where safe(process_name == "x") == null', L);
  const bad = schema.lookup("process_name")!.id;
  const p = compileEventQuery(q, context(L));
  assert.equal(p(new ThrowingEvent({ process_name: "x" }, paths, bad)), true);
  assert.equal(p(new ThrowingEvent({ process_name: "x" }, paths, -1)), false);
  const q2 = ir('any where safe(process_name == "x")', L);
  const p2 = compileEventQuery(q2, context(L));
  assert.equal(p2(new ThrowingEvent({ process_name: "x" }, paths, bad)), false);
  assert.equal(p2(new ThrowingEvent({ process_name: "x" }, paths, -1)), true);
  // Without safe() the error reaches the caller.
  const p3 = compileEventQuery(ir('any where process_name == "x"', L), context(L));
  assert.throws(() => p3(new ThrowingEvent({}, paths, bad)), /unreadable field/);
  check("any where safe(length(process_name)) == 4", [[bash, true], [none, false]], L);
});

Deno.test("legacy bare conditions and boolean fields", () => {
  check("any where flag", [[{ flag: true }, true], [{ flag: false }, false], [none, false]], L);
  check("any where not flag", [[{ flag: false }, true], [none, true], [{ flag: true }, false]], L);
});

Deno.test("legacy queries compile for the legacy dialect only", () => {
  const p = compile('process where process_name == "sh"', L);
  assert.equal(p({ event: { category: "process" }, process_name: "SH" }), true);
  assert.equal(p({ event: { category: "file" }, process_name: "SH" }), false);
});

Deno.test("legacy in with a long list of wildcards", () => {
  const list = Array.from({ length: 20 }, (_, i) => `"*tool${i}"`).join(", ");
  check(`any where process_name in (${list}, "exact", 7)`, [
    [{ process_name: "/usr/bin/TOOL19" }, true],
    [{ process_name: "EXACT" }, true],
    [{ process_name: "tool19x" }, false],
    [{ process_name: 7 }, true],
    [none, false],
  ], L);
  check(`any where process_name not in (${list})`, [[{ process_name: "x" }, true], [
    { process_name: "mytool3" },
    false,
  ], [none, true]], L);
});
