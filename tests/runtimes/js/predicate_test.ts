import assert from "node:assert/strict";
import { check, compile, type Doc, proc } from "./helpers.ts";

// Elastic dialect: two-valued. A test on a missing field, or on a value of
// another type, is false; `!=`, `not in` and `not` negate it, as the Query DSL
// `must_not` clauses Elasticsearch runs them as do.

const sh = proc({ name: "sh" });
const SH = proc({ name: "SH" });
const bash = proc({ name: "bash" });
const noName = proc({ pid: 1 }); // a process without a name
const nullName = proc({ name: null });
const empty: Doc = {};

Deno.test("elastic ==: case-sensitive; false on a missing or null field", () => {
  check('any where process.name == "sh"', [
    [sh, true],
    [SH, false],
    [bash, false],
    [noName, false],
    [
      nullName,
      false,
    ],
    [empty, false],
  ]);
  // `!=` and `not ==` are plain negations: both select an event without the field.
  check('any where process.name != "sh"', [
    [sh, false],
    [SH, true],
    [bash, true],
    [noName, true],
    [nullName, true],
    [empty, true],
  ]);
  check('any where not process.name == "sh"', [
    [sh, false],
    [bash, true],
    [noName, true],
    [nullName, true],
  ]);
  check('any where not process.name != "sh"', [[sh, true], [bash, false], [noName, false]]);
  check('any where not (process.name != "sh")', [[sh, true], [noName, false]]);
});

Deno.test("elastic == never treats * or ? as wildcards", () => {
  check('any where process.name == "b*"', [[bash, false], [proc({ name: "b*" }), true]]);
  check('any where process.name == "b?sh"', [[bash, false], [proc({ name: "b?sh" }), true]]);
});

Deno.test("elastic == null and != null test presence, two-valued", () => {
  check("any where process.name == null", [[sh, false], [noName, true], [nullName, true], [
    empty,
    true,
  ]]);
  check("any where process.name != null", [[sh, true], [noName, false], [nullName, false]]);
  check("any where not process.name == null", [[sh, true], [noName, false]]);
  check("any where null == process.name", [[sh, false], [noName, true]]);
  // Arrays: an empty list (or a list of nulls) is missing.
  check("any where process.args == null", [
    [proc({ args: [] }), true],
    [proc({ args: [null] }), true],
    [proc({ args: ["a"] }), false],
    [proc({ args: [null, "a"] }), false],
    [noName, true],
  ]);
  check("any where process.args != null", [[proc({ args: [] }), false], [
    proc({ args: ["a"] }),
    true,
  ]]);
});

Deno.test("elastic and/or/not are two-valued", () => {
  const q1 = 'any where process.name == "a" or process.pid == 1';
  check(q1, [[proc({ pid: 1 }), true], [proc({ pid: 2 }), false], [
    proc({ name: "a", pid: 2 }),
    true,
  ]]);
  // Without a name, `process.name != "a"` is true, so the `or` is.
  check('any where process.name != "a" or process.pid == 1', [
    [proc({ pid: 2 }), true],
    [proc({ name: "a", pid: 2 }), false],
  ]);
  // Without a name, `process.name == "a"` is false: the negated `or` holds unless pid is 1.
  check('any where not (process.name == "a" or process.pid == 1)', [
    [proc({ pid: 2 }), true],
    [proc({ pid: 1 }), false],
    [proc({ name: "b", pid: 2 }), true],
    [proc({ name: "b", pid: 1 }), false],
  ]);
  // Without a name the `and` is false whatever pid is, so its negation is true.
  check('any where not (process.name == "a" and process.pid == 1)', [
    [proc({ pid: 2 }), true],
    [proc({ pid: 1 }), true],
    [proc({ name: "a", pid: 1 }), false],
    [proc({ name: "b", pid: 1 }), true],
  ]);
  check('any where process.name == "a" and process.pid == 1', [[proc({ pid: 1 }), false]]);
  check('any where not not process.name == "a"', [[proc({ name: "a" }), true], [noName, false]]);
  check("any where true", [[empty, true]]);
  check("any where false", [[empty, false]]);
  // A null condition is false, and its negation true.
  check("any where null", [[empty, false]]);
  check("any where not null", [[empty, true]]);
});

Deno.test("elastic `:` is case-insensitive wildcard equality on strings", () => {
  check('any where process.name : "SH"', [[sh, true], [SH, true], [bash, false], [noName, false]]);
  check('any where process.executable : "/usr/bin/*SH"', [
    [proc({ executable: "/usr/bin/bash" }), true],
    [proc({ executable: "/USR/BIN/ZSH" }), true],
    [proc({ executable: "/usr/local/bin/bash" }), false],
  ]);
  check('any where process.name : "b?sh"', [[bash, true], [proc({ name: "bsh" }), false], [
    proc({ name: "B\u{1F600}SH" }),
    true,
  ]]);
  check('any where process.name : ("x", "*AS*", "zsh")', [[bash, true], [
    proc({ name: "zsh" }),
    true,
  ], [sh, false]]);
  check('any where not process.name : "sh"', [[sh, false], [bash, true], [noName, true]]);
  // Strings only: a number in the field does not match, so `not` holds.
  check('any where user.name : "0"', [[{ user: { name: 0 } }, false], [
    { user: { name: "0" } },
    true,
  ]]);
  check('any where not user.name : "0"', [[{ user: { name: 0 } }, true], [
    { user: { name: "0" } },
    false,
  ]]);
});

Deno.test("elastic wildcards keep backslashes literal", () => {
  // The EQL string "C:\\Windows\\*" is the pattern C:\Windows\* : a backslash, then a star.
  check('any where process.executable : "C:\\\\Windows\\\\*"', [
    [proc({ executable: "C:\\Windows\\system32\\cmd.exe" }), true],
    [proc({ executable: "c:\\windows\\x" }), true],
    [proc({ executable: "C:/Windows/x" }), false],
  ]);
  check('any where process.name like "a\\\\*"', [
    [proc({ name: "a\\" }), true],
    [proc({ name: "a\\bc" }), true],
    [proc({ name: "a*" }), false],
  ]);
});

Deno.test("elastic like is case-sensitive, like~ case-insensitive", () => {
  check('any where process.name like "ba*"', [[bash, true], [proc({ name: "BASH" }), false], [
    noName,
    false,
  ]]);
  check('any where process.name like~ "ba*"', [[bash, true], [proc({ name: "BASH" }), true]]);
  check('any where process.name like ("z*", "?ash")', [
    [bash, true],
    [proc({ name: "zsh" }), true],
    [
      sh,
      false,
    ],
  ]);
  check('any where process.name like~ ("Z*", "SH")', [[proc({ name: "zsh" }), true], [sh, true], [
    bash,
    false,
  ]]);
  check('any where not process.name like "ba*"', [[bash, false], [sh, true], [noName, true]]);
});

Deno.test("elastic regex matches the whole string; regex~ folds literals", () => {
  check('any where process.name regex "ba.h"', [[bash, true], [proc({ name: "xbash" }), false], [
    proc({ name: "BASH" }),
    false,
  ], [noName, false]]);
  check('any where process.name regex~ "BA.H"', [[bash, true], [proc({ name: "BASH" }), true]]);
  check('any where process.name regex ("z.*", "[bd]ash")', [
    [bash, true],
    [
      proc({ name: "dash" }),
      true,
    ],
    [proc({ name: "zsh" }), true],
    [sh, false],
  ]);
  check('any where not process.name regex "ba.h"', [[bash, false], [sh, true], [noName, true]]);
});

Deno.test("elastic in, in~ and not in", () => {
  check('any where process.name in ("sh", "bash")', [[sh, true], [SH, false], [bash, true], [
    proc({ name: "zsh" }),
    false,
  ], [noName, false]]);
  check('any where process.name in~ ("SH", "Bash")', [[sh, true], [SH, true], [bash, true], [
    proc({ name: "zsh" }),
    false,
  ]]);
  check('any where process.name not in ("sh", "bash")', [
    [sh, false],
    [SH, true],
    [
      proc({ name: "zsh" }),
      true,
    ],
    [noName, true],
    [nullName, true],
  ]);
  check('any where not process.name in ("sh")', [[sh, false], [bash, true], [noName, true]]);
  check("any where process.pid in (1, 2)", [[proc({ pid: 2 }), true], [proc({ pid: 3 }), false], [
    proc({ pid: "2" }),
    false,
  ]]);
  // A string equals no listed number, so `not in` holds for it.
  check("any where process.pid not in (1, 2)", [
    [proc({ pid: 3 }), true],
    [proc({ pid: 2 }), false],
    [proc({ pid: "3" }), true],
    [proc({ pid: "2" }), true],
  ]);
});

Deno.test("elastic in with null in the list: the null matches nothing", () => {
  check('any where process.name in ("a", null)', [
    [proc({ name: "a" }), true],
    [bash, false],
    [noName, false],
    [nullName, false],
  ]);
  check('any where process.name not in ("a", null)', [
    [proc({ name: "a" }), false],
    [bash, true],
    [noName, true],
  ]);
});

Deno.test("elastic in with computed values", () => {
  const q = 'any where process.name in (process.parent.name, "x")';
  check(q, [
    [proc({ name: "sh", parent: { name: "sh" } }), true],
    [proc({ name: "x", parent: { name: "sh" } }), true],
    [proc({ name: "bash", parent: { name: "sh" } }), false],
    [proc({ name: "bash" }), false],
  ]);
  check('any where process.name not in (process.parent.name, "x")', [
    [proc({ name: "bash", parent: { name: "sh" } }), true],
    [proc({ name: "sh", parent: { name: "sh" } }), false],
    [proc({ name: "x", parent: { name: "sh" } }), false],
    // Without a parent, "bash" equals nothing listed.
    [proc({ name: "bash" }), true],
  ]);
});

Deno.test("elastic in with a large list", () => {
  const names = Array.from({ length: 2000 }, (_, i) => `tool${i}`);
  const list = names.map((n) => JSON.stringify(n)).join(", ");
  check(`any where process.name in (${list})`, [
    [proc({ name: "tool0" }), true],
    [proc({ name: "tool1999" }), true],
    [proc({ name: "tool2000" }), false],
    [proc({ name: "TOOL5" }), false],
  ]);
  check(`any where process.name in~ (${list})`, [[proc({ name: "TOOL5" }), true], [
    proc({ name: "tool" }),
    false,
  ]]);
  check(`any where process.name : (${list})`, [[proc({ name: "Tool77" }), true]]);
});

Deno.test("elastic ordering: numbers with numbers, strings with strings", () => {
  check("any where process.pid > 5", [[proc({ pid: 6 }), true], [proc({ pid: 5 }), false], [
    empty,
    false,
  ]]);
  check("any where process.pid >= 5", [[proc({ pid: 5 }), true], [proc({ pid: 4.5 }), false]]);
  check("any where process.pid < 5", [[proc({ pid: -1 }), true], [proc({ pid: 5 }), false]]);
  check("any where process.pid <= 5", [[proc({ pid: 5 }), true], [proc({ pid: 6 }), false]]);
  check("any where not process.pid > 5", [[proc({ pid: 1 }), true], [proc({ pid: 6 }), false], [
    empty,
    true,
  ]]);
  // A numeric string is not a number: `>` is false, so `not` holds.
  check("any where process.pid > 5", [[proc({ pid: "10" }), false]]);
  check("any where not process.pid > 5", [[proc({ pid: "10" }), true]]);
  check("any where 5 < process.pid", [[proc({ pid: 6 }), true], [proc({ pid: 5 }), false]]);
  // Strings order by UTF-16 code units, case-sensitively.
  check('any where process.name < "m"', [[bash, true], [sh, false], [proc({ name: "Z" }), true]]);
  check('any where process.name > "Z"', [[bash, true], [proc({ name: "A" }), false]]);
  check('any where process.name >= "sh"', [[sh, true], [bash, false]]);
});

Deno.test("elastic comparisons between two fields", () => {
  const q = "any where process.name == process.parent.name";
  check(q, [
    [proc({ name: "sh", parent: { name: "sh" } }), true],
    [proc({ name: "sh", parent: { name: "SH" } }), false],
    [proc({ name: "sh" }), false],
    [proc({ parent: { name: "sh" } }), false],
  ]);
  check("any where process.name != process.parent.name", [
    [proc({ name: "sh", parent: { name: "SH" } }), true],
    [proc({ name: "sh", parent: { name: "sh" } }), false],
    [proc({ name: "sh" }), true],
    [empty, true],
  ]);
  check("any where process.pid < process.parent.pid", [
    [proc({ pid: 1, parent: { pid: 2 } }), true],
    [proc({ pid: 3, parent: { pid: 2 } }), false],
    [proc({ pid: 3, parent: { pid: "2" } }), false],
  ]);
  check("any where not process.pid < process.parent.pid", [
    [proc({ pid: 3, parent: { pid: 2 } }), true],
    [proc({ pid: 1, parent: { pid: 2 } }), false],
    [proc({ pid: 3, parent: { pid: "2" } }), true],
    [proc({ pid: 3 }), true],
  ]);
  check('any where "sh" == process.name', [[sh, true], [bash, false]]);
});

Deno.test("elastic numbers and strings never convert", () => {
  check('any where user.id == "0"', [[{ user: { id: "0" } }, true], [{ user: { id: 0 } }, false]]);
  check('any where user.id != "0"', [
    [{ user: { id: "1" } }, true],
    [{ user: { id: "0" } }, false],
    [{ user: { id: 0 } }, true],
  ]);
  check("any where process.pid == 1", [[proc({ pid: 1 }), true], [proc({ pid: "1" }), false], [
    proc({ pid: 1.0 }),
    true,
  ]]);
  check("any where process.pid != 1", [
    [proc({ pid: 2 }), true],
    [proc({ pid: 1 }), false],
    [proc({ pid: "2" }), true],
    [proc({ pid: "1" }), true],
  ]);
});

Deno.test("elastic booleans", () => {
  check("any where process.interactive == true", [[proc({ interactive: true }), true], [
    proc({ interactive: false }),
    false,
  ], [proc({ interactive: "true" }), false]]);
  check("any where process.interactive", [[proc({ interactive: true }), true], [
    proc({ interactive: false }),
    false,
  ], [noName, false]]);
  // Only `true` holds as a condition; `not` of a missing or non-boolean value is true.
  check("any where not process.interactive", [
    [proc({ interactive: false }), true],
    [proc({ interactive: true }), false],
    [proc({ interactive: "true" }), true],
    [noName, true],
  ]);
  check("any where process.interactive != false", [
    [proc({ interactive: true }), true],
    [proc({ interactive: false }), false],
    [noName, true],
  ]);
});

Deno.test("arrays match when any element does; != and not in when none does", () => {
  const args = proc({ args: ["/bin/sh", "-c", "id"] });
  const other = proc({ args: ["/bin/sh", "-x"] });
  const none = proc({ args: [] });
  check('any where process.args == "-c"', [[args, true], [other, false], [none, false]]);
  check('any where process.args != "-c"', [[args, false], [other, true], [none, true]]);
  check('any where not process.args == "-c"', [[args, false], [other, true], [none, true]]);
  check('any where process.args : "-C"', [[args, true], [other, false], [none, false]]);
  check('any where not process.args : "-C"', [[args, false], [other, true], [none, true]]);
  check('any where process.args in ("-c", "-e")', [[args, true], [other, false], [none, false]]);
  check('any where process.args not in ("-c", "-e")', [[args, false], [other, true], [
    none,
    true,
  ]]);
  check('any where process.args like "/bin/*"', [[args, true], [proc({ args: ["x"] }), false]]);
  check('any where process.args regex "-[cx]"', [[args, true], [other, true], [
    proc({ args: ["-e"] }),
    false,
  ]]);
  check('any where process.args > "-d"', [[args, true], [proc({ args: ["-a", "-b"] }), false]]);
  check('any where not process.args > "-d"', [[proc({ args: ["-a", "-b"] }), true], [
    args,
    false,
  ], [none, true]]);
  // Null elements are ignored, as Elasticsearch does not index them.
  check('any where process.args != "-c"', [
    [proc({ args: [null, "-x"] }), true],
    [proc({ args: [null, "-c"] }), false],
    [proc({ args: [null] }), true],
  ]);
  // Nested lists are flattened.
  check('any where process.args == "-c"', [[proc({ args: [["a", ["-c"]]] }), true]]);
});

Deno.test("numeric arrays: ordering and equality per element", () => {
  const o = { dynamic: true };
  check("any where nums > 5", [[{ nums: [1, 7] }, true], [{ nums: [1, 2] }, false], [
    { nums: [] },
    false,
  ]], o);
  check("any where not nums > 5", [[{ nums: [1, 7] }, false], [{ nums: [1, 2] }, true], [
    { nums: [] },
    true,
  ]], o);
  check("any where nums == 2", [[{ nums: [1, 2] }, true], [{ nums: [1, "2"] }, false]], o);
  // A string element never equals a number: `!=` holds when no element equals.
  check("any where nums != 3", [
    [{ nums: [1, 2] }, true],
    [{ nums: [1, "3"] }, true],
    [{ nums: [1, 3] }, false],
  ], o);
});

Deno.test("nested, flat-dotted and mixed JSON read the same", () => {
  const p = compile('any where process.parent.name == "sshd"');
  assert.equal(p({ process: { parent: { name: "sshd" } } }), true);
  assert.equal(p({ "process.parent.name": "sshd" }), true);
  assert.equal(p({ process: { "parent.name": "sshd" } }), true);
  assert.equal(p({ "process.parent": { name: "sshd" } }), true);
  assert.equal(p({ "process.parent.name": "init" }), false);
  // An object where a value is expected reads as absent.
  assert.equal(
    compile("any where process.parent.name == null")({
      process: { parent: { name: { x: 1 } } },
    }),
    true,
  );
});

Deno.test("event category selects before the condition", () => {
  const q = 'process where process.name == "sh"';
  check(q, [
    [{ event: { category: "process" }, ...sh }, true],
    [{ event: { category: ["network", "process"] }, ...sh }, true],
    [{ event: { category: "file" }, ...sh }, false],
    [sh, false],
  ]);
  check("process where true", [[{ event: { category: "process" } }, true], [{}, false]]);
});

Deno.test("optional fields are null when absent", () => {
  check("any where ?process.custom_thing == null", [[{}, true], [
    { process: { custom_thing: 1 } },
    false,
  ]]);
  check('any where ?process.custom_thing != "x"', [
    [{}, true],
    [{ process: { custom_thing: "y" } }, true],
    [{ process: { custom_thing: "x" } }, false],
  ]);
});

Deno.test("arithmetic and negation", () => {
  check("any where process.pid + 1 == 3", [[proc({ pid: 2 }), true], [empty, false]]);
  // Without a pid the difference is null, which is not 3.
  check("any where process.pid - 1 != 3", [
    [proc({ pid: 2 }), true],
    [proc({ pid: 4 }), false],
    [empty, true],
  ]);
  check("any where process.pid * 2 == 8", [[proc({ pid: 4 }), true]]);
  // Elasticsearch: integer division truncates; % takes the dividend's sign.
  check("any where process.pid / 2 == -2", [[proc({ pid: -5 }), true]]);
  check("any where process.pid % 3 == -2", [[proc({ pid: -5 }), true]]);
  check("any where process.pid / 0 == null", [[proc({ pid: 5 }), true]]);
  check("any where -process.pid == -4", [[proc({ pid: 4 }), true], [proc({ pid: "4" }), false]]);
  check("any where -process.pid == null", [[proc({ pid: "4" }), true], [empty, true]]);
});

Deno.test("pattern lists: every shape, regex characters taken literally", () => {
  const exe = (e: unknown) => proc({ executable: e });
  const q =
    'any where process.executable : ("/usr/bin/c++*", "/opt/a.b*", "*|SH*", "*(deleted)", "/exact/(x)")';
  check(q, [
    [exe("/usr/bin/c++-12"), true],
    [exe("/usr/bin/cxx"), false],
    [exe("/opt/a.b/run"), true],
    [exe("/opt/aXb/run"), false],
    [exe("curl x |sh -"), true],
    [exe("curl x | sh"), false],
    [exe("/memfd:x (deleted)"), true],
    [exe("/exact/(X)"), true],
    [exe("/exact/(x)/y"), false],
  ]);
  check('any where process.name : "*"', [[proc({ name: "" }), true], [proc({ name: "x" }), true], [
    proc({ pid: 1 }),
    false,
  ]]);
  check('any where not process.name : "*"', [[proc({ name: "x" }), false], [
    proc({ pid: 1 }),
    true,
  ]]);
  check('any where process.name like ""', [[proc({ name: "" }), true], [
    proc({ name: "x" }),
    false,
  ]]);
  check('any where process.name like "?"', [[proc({ name: "x" }), true], [
    proc({ name: "" }),
    false,
  ]]);
  // Long lists go through one matcher instead of inline tests.
  const prefixes = Array.from({ length: 20 }, (_, i) => `"/p${i}/*"`).join(", ");
  check(`any where process.executable : (${prefixes}, "*.SO", "*lib*")`, [
    [exe("/P19/x"), true],
    [exe("/p2x"), false],
    [exe("/usr/x.so"), true],
    [exe("/usr/LIBexec"), true],
    [exe("/usr/bin"), false],
  ]);
  check(`any where not process.executable : (${prefixes})`, [[exe("/p1/x"), false], [
    exe("/q/x"),
    true,
  ]]);
});

Deno.test("long lists of numbers and mixed constants", () => {
  const ports = Array.from({ length: 30 }, (_, i) => 8000 + i).join(", ");
  check(`any where destination.port in (${ports})`, [[{ destination: { port: 8029 } }, true], [
    { destination: { port: 8030 } },
    false,
  ], [{ destination: { port: "8001" } }, false]]);
  check(`any where destination.port not in (${ports})`, [
    [{ destination: { port: 80 } }, true],
    [{ destination: { port: 8001 } }, false],
    [{ destination: { port: "8001" } }, true],
  ]);
  check('any where x in (1, "1", true)', [
    [{ x: 1 }, true],
    [{ x: "1" }, true],
    [{ x: true }, true],
    [
      { x: 2 },
      false,
    ],
  ], { dynamic: true });
  check('any where x not in (1, "1", true)', [
    [{ x: 2 }, true],
    [{ x: 1 }, false],
    [{ x: "1" }, false],
    [{ x: false }, true],
    [{}, true],
  ], { dynamic: true });
});

Deno.test("elastic negations select events without the field, as public rules expect", () => {
  // Elastic's rules exclude known parents this way; an event without a parent must match.
  check('any where not process.parent.executable in ("/a")', [
    [proc({ name: "sh" }), true],
    [proc({ parent: { name: "init" } }), true],
    [proc({ parent: { executable: "/a" } }), false],
    [proc({ parent: { executable: "/b" } }), true],
  ]);
  check('any where process.name != "a"', [[noName, true], [empty, true], [
    proc({ name: "a" }),
    false,
  ]]);
  check("any where not process.pid > 5", [
    [proc({ name: "sh" }), true],
    [empty, true],
    [proc({ pid: 6 }), false],
  ]);
  // On a list, `!=` holds when no element equals.
  check('any where process.args != "x"', [
    [proc({ args: ["x", "y"] }), false],
    [proc({ args: ["y"] }), true],
  ]);
});
