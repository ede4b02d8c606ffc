/**
 * Located diagnostics for invalid EQL: the exact line, column and message of
 * every syntax and semantic error the compiler reports, the formatted
 * `file:line:col: message` block with its caret, and the mapping of positions
 * through a {@link SourceOrigin} (a query embedded in a rule file).
 *
 * Syntax messages are derived from the grammar (what the parser tries at the
 * farthest position it reaches) and parse.ts's describeExpected/describeFound;
 * semantic messages from semantic.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { compileQuery, type Dialect, type GlobalValue } from "../../eql/compile.ts";
import { formatDiagnostic, type SourceOrigin } from "../../eql/errors.ts";
import { Schema } from "../../engine/schema.ts";

/** An expected error: 1-based line, 1-based column, exact message. */
type Expected = readonly [line: number, col: number, message: string];

/** One invalid query and every error it must produce, in order. */
interface Case {
  name: string;
  dialect: Dialect;
  query: string;
  errors: readonly Expected[];
}

const GLOBALS: Record<string, GlobalValue> = {
  HOME_NET: ["10.0.0.0/8", "192.168.0.0/16"],
  ROOT: "0",
};

const E: Dialect = "elastic";
const L: Dialect = "legacy";
const r = String.raw;

/** Compiles in the dialect's usual schema mode: `ecs` for elastic, `dynamic` for legacy. */
function compile(dialect: Dialect, query: string, origin?: SourceOrigin) {
  return compileQuery(query, {
    dialect,
    schema: Schema.ecs(),
    schemaMode: dialect === "elastic" ? "ecs" : "dynamic",
    globals: GLOBALS,
    origin,
  });
}

const UNKNOWN_FIELD = (name: string) =>
  `unknown field "${name}" (not in the ECS schema; use --schema dynamic for other logs)`;

const SYNTAX: readonly Case[] = [
  {
    name: "empty query",
    dialect: E,
    query: "",
    errors: [[
      1,
      1,
      'expected "join", "sample", "sequence", event category or expression, found end of query',
    ]],
  },
  {
    name: "missing where",
    dialect: E,
    query: 'process process.name == "a"',
    // Legacy EQL may omit `category where`, so `process` alone is also a condition.
    errors: [[1, 9, 'expected "where", found "process.name"']],
  },
  {
    name: "where without a condition",
    dialect: E,
    query: "process where",
    errors: [[1, 14, "expected expression, found end of query"]],
  },
  {
    name: "dangling comparison operator",
    dialect: E,
    query: "process where process.name ==",
    errors: [[1, 30, "expected expression, found end of query"]],
  },
  {
    name: "dangling and",
    dialect: E,
    query: 'process where process.name == "a" and',
    errors: [[1, 38, "expected expression, found end of query"]],
  },
  {
    name: "unterminated double-quoted string",
    dialect: E,
    query: 'process where process.name == "bash',
    errors: [[1, 31, 'unterminated string: missing closing "']],
  },
  {
    name: "unterminated single-quoted string",
    dialect: L,
    query: "process where process.name == 'bash",
    errors: [[1, 31, "unterminated string: missing closing '"]],
  },
  {
    name: "unclosed parenthesis",
    dialect: E,
    query: 'process where (process.name == "a"',
    errors: [[1, 35, 'expected ")" or operator, found end of query']],
  },
  {
    name: "extra closing parenthesis",
    dialect: E,
    query: 'process where process.name == "a")',
    errors: [[1, 34, 'expected "|", operator or end of query, found ")"']],
  },
  {
    name: "unclosed value list",
    dialect: E,
    query: 'process where process.name in ("a", "b"',
    errors: [[1, 40, 'expected ",", ")" or operator, found end of query']],
  },
  {
    name: "in without a list",
    dialect: E,
    query: 'process where process.name in "a"',
    errors: [[1, 31, 'expected "(" or global, found "\\""']],
  },
  {
    name: "missing function argument",
    dialect: E,
    query: "process where startsWith(, process.name)",
    errors: [[1, 26, 'expected ")" or expression, found ","']],
  },
  {
    name: "bad pipe name",
    dialect: E,
    query: "process where true | hed 5",
    errors: [[1, 22, 'expected pipe name, found "hed"']],
  },
  {
    name: "pipe without a name",
    dialect: E,
    query: 'process where process.name == "a" |',
    errors: [[1, 36, "expected pipe name, found end of query"]],
  },
  {
    name: "sequence without brackets",
    dialect: E,
    query: "sequence process where true",
    errors: [[1, 10, 'expected "!", "(", "[", "by" or "with", found "process"']],
  },
  {
    name: "unknown time unit",
    dialect: E,
    query: "sequence with maxspan=5x [process where true] [process where true]",
    errors: [[1, 24, 'expected time unit, found "x"']],
  },
  {
    name: "unclosed step bracket",
    dialect: E,
    query: "sequence [process where true [process where true]",
    errors: [[1, 30, 'expected "]" or operator, found "["']],
  },
  {
    name: "extra step bracket",
    dialect: E,
    query: "sequence [process where true]] [process where true]",
    errors: [[
      1,
      30,
      'expected "!", "[", "|", "by", "until", "with" or end of query, found "]"',
    ]],
  },
  {
    name: "until without a step",
    dialect: E,
    query: "sequence by host.id [process where true] [process where true] until",
    errors: [[1, 68, 'expected "[", found end of query']],
  },
  {
    name: "syntax error on line 2",
    dialect: E,
    query: 'process where process.name == "a"\n  | hed 1',
    errors: [[2, 5, 'expected pipe name, found "hed"']],
  },
  {
    name: "syntax error on line 3",
    dialect: E,
    query: 'sequence by host.id\n  [process where process.name == "a"\n  [process where true]',
    errors: [[3, 3, 'expected "]" or operator, found "["']],
  },
];

const SEMANTIC: readonly Case[] = [
  // --------------------------------------------------------- fields and types
  {
    name: "unknown field",
    dialect: E,
    query: 'process where process.nme == "bash"',
    errors: [[1, 15, UNKNOWN_FIELD("process.nme")]],
  },
  {
    name: "object used as a field",
    dialect: E,
    query: 'process where process.parent == "bash"',
    errors: [[1, 15, '"process.parent" is an object, not a field']],
  },
  {
    name: "string field compared with a number",
    dialect: E,
    query: "process where user.id == 0",
    errors: [[1, 15, "cannot compare string field user.id with number 0"]],
  },
  {
    name: "arithmetic on a string",
    dialect: E,
    query: "process where process.name + 1 > 2",
    errors: [[1, 15, "operator + needs numbers, found string field process.name"]],
  },
  {
    name: "unary minus on a string",
    dialect: E,
    query: "process where -process.name == 1",
    errors: [[1, 16, "unary minus needs a number, found string field process.name"]],
  },
  {
    name: "ordering a boolean",
    dialect: E,
    query: "process where process.interactive > true",
    errors: [[1, 15, "cannot order boolean field process.interactive"]],
  },
  {
    name: "condition that is not boolean",
    dialect: E,
    query: "process where process.name",
    errors: [[1, 15, "expected a condition, found string field process.name"]],
  },
  {
    name: "several errors in one query, in order",
    dialect: E,
    query: 'process where process.nme == "a" and user.id == 0',
    errors: [
      [1, 15, UNKNOWN_FIELD("process.nme")],
      [1, 38, "cannot compare string field user.id with number 0"],
    ],
  },
  {
    name: "semantic error on line 3",
    dialect: E,
    query:
      'sequence with maxspan=1m\n  [process where process.name == "a"]\n  [process where user.id == 0]',
    errors: [[3, 18, "cannot compare string field user.id with number 0"]],
  },
  // ----------------------------------------------------- pattern operators
  {
    name: "colon on a number field",
    dialect: E,
    query: 'process where process.pid : "1*"',
    errors: [[1, 15, "operator : needs a string, found number field process.pid"]],
  },
  {
    name: "non-literal pattern",
    dialect: E,
    query: "process where process.name : process.parent.name",
    errors: [[
      1,
      30,
      "operator : needs string literal patterns, found string field process.parent.name",
    ]],
  },
  {
    name: "invalid regex: unbalanced parenthesis",
    dialect: E,
    query: 'process where process.name regex "ab(c"',
    errors: [[1, 37, "invalid regular expression: unbalanced parenthesis: '(' is never closed"]],
  },
  {
    name: "invalid regex: unknown escape",
    dialect: E,
    query: r`process where process.name regex~ "\\q"`,
    errors: [[
      1,
      36,
      r`invalid regular expression: invalid escape '\q': Lucene only knows the classes \d \D \s \S \w \W`,
    ]],
  },
  {
    name: "in~ on a number field",
    dialect: E,
    query: "process where process.pid in~ (1)",
    errors: [[1, 15, "in~ needs a string, found number field process.pid"]],
  },
  // ------------------------------------------------------------ functions
  {
    name: "unknown function",
    dialect: E,
    query: "process where frobnicate(process.name)",
    errors: [[1, 15, "unknown function frobnicate"]],
  },
  {
    name: "legacy function in elastic",
    dialect: E,
    query: 'process where arrayContains(process.args, "-c")',
    errors: [[1, 15, "function arrayContains is only available in the legacy dialect"]],
  },
  {
    name: "legacy wildcard() in elastic",
    dialect: E,
    query: 'process where wildcard(process.name, "*sh")',
    errors: [[1, 15, "function wildcard is only available in the legacy dialect"]],
  },
  {
    name: "too many arguments",
    dialect: E,
    query: "process where length(process.name, 1) > 0",
    errors: [[1, 15, "function length takes 1 argument, found 2"]],
  },
  {
    name: "too few arguments (range)",
    dialect: E,
    query: 'process where substring(process.name) == "a"',
    errors: [[1, 15, "function substring takes 2 to 3 arguments, found 1"]],
  },
  {
    name: "too few arguments (variadic)",
    dialect: E,
    query: 'process where concat() == "a"',
    errors: [[1, 15, "function concat takes at least 1 argument, found 0"]],
  },
  {
    name: "bound-variable function with 2 arguments",
    dialect: L,
    query: "process where arraySearch(process.args, a)",
    errors: [[1, 15, "function arraySearch takes 3 arguments, found 2"]],
  },
  {
    name: "bound variable that is not a name",
    dialect: L,
    query: 'process where arraySearch(process.args, "x", true)',
    errors: [[1, 41, "argument 2 of arraySearch must be a variable name"]],
  },
  {
    name: "wrong argument type: number for string",
    dialect: E,
    query: 'process where startsWith(process.pid, "1")',
    errors: [[
      1,
      26,
      "argument 1 of startsWith must be a string, found number field process.pid",
    ]],
  },
  {
    name: "wrong argument type: string for number",
    dialect: E,
    query: "process where add(process.name, 1) == 2",
    errors: [[1, 19, "argument 1 of add must be a number, found string field process.name"]],
  },
  {
    name: "wrong argument type: number for ip",
    dialect: E,
    query: 'network where cidrMatch(process.pid, "10.0.0.0/8")',
    errors: [[1, 25, "argument 1 of cidrMatch must be an ip, found number field process.pid"]],
  },
  {
    name: "wrong argument type: string literal for boolean",
    dialect: E,
    query: 'process where between(process.name, "a", "b", "yes") == "x"',
    errors: [[1, 47, 'argument 4 of between must be a boolean, found string "yes"']],
  },
  {
    name: "non-literal where a literal is required",
    dialect: E,
    query: "network where cidrMatch(destination.ip, source.ip)",
    errors: [[1, 41, "argument 2 of cidrMatch must be a literal"]],
  },
  {
    name: "~ on a function without a variant",
    dialect: E,
    query: "process where length~(process.name) > 1",
    errors: [[1, 15, "function length has no case-insensitive (~) variant"]],
  },
  {
    name: "~ in the legacy dialect",
    dialect: L,
    query: 'process where startsWith~(process.name, "a")',
    errors: [[1, 15, "function startsWith has no case-insensitive (~) variant"]],
  },
  // ------------------------------------------------------------ sequences
  {
    name: "sequence with one step",
    dialect: E,
    query: "sequence [process where true]",
    errors: [[1, 1, "a sequence needs at least 2 steps, found 1"]],
  },
  {
    name: "sequence of missing steps only",
    dialect: E,
    query: "sequence with maxspan=1m ![process where true] ![file where true]",
    errors: [[1, 1, "a sequence needs at least one step that is not a missing-event step"]],
  },
  {
    name: "missing step without maxspan",
    dialect: E,
    query: "sequence [process where true] ![file where true]",
    errors: [[1, 31, "missing-event steps ![…] need `with maxspan`"]],
  },
  {
    name: "unequal join keys across steps",
    dialect: E,
    query: "sequence [process where true] by process.pid [file where true]",
    errors: [[1, 46, "step 2 has 0 join keys, but step 1 has 1"]],
  },
  {
    name: "unequal join keys on until",
    dialect: E,
    query:
      "sequence by host.id [process where true] [file where true] until [process where true] by process.pid",
    errors: [[1, 66, "until has 2 join keys, but step 1 has 1"]],
  },
  {
    name: "runs=0",
    dialect: E,
    query: "sequence [process where true] with runs=0 [file where true]",
    errors: [[1, 41, "runs must be an integer from 1 to 100, found 0"]],
  },
  {
    name: "runs=101",
    dialect: E,
    query: "sequence [process where true] with runs=101 [file where true]",
    errors: [[1, 41, "runs must be an integer from 1 to 100, found 101"]],
  },
  {
    name: "runs on a missing step",
    dialect: E,
    query: "sequence with maxspan=1m [process where true] ![file where true] with runs=2",
    errors: [[1, 76, "a missing-event step cannot have runs"]],
  },
  {
    name: "maxspan=0",
    dialect: E,
    query: "sequence with maxspan=0s [process where true] [file where true]",
    errors: [[1, 23, "maxspan must be greater than zero"]],
  },
  {
    name: "fractional maxspan in elastic",
    dialect: E,
    query: "sequence with maxspan=1.5s [process where true] [file where true]",
    errors: [[1, 23, "maxspan must be a whole number of time units"]],
  },
  {
    name: "constant join key",
    dialect: E,
    query: 'sequence by "x" [process where true] [file where true]',
    errors: [[1, 13, "a join key must not be a constant"]],
  },
  // -------------------------------------------------------------- globals
  {
    name: "unknown global",
    dialect: E,
    query: "process where user.id == $NOPE",
    errors: [[1, 26, "unknown global $NOPE"]],
  },
  {
    name: "list global in a scalar position",
    dialect: E,
    query: "process where user.id == $HOME_NET",
    errors: [[1, 26, "global $HOME_NET is a list; use it where a list is expected"]],
  },
  {
    name: "unknown global as the only list value",
    dialect: E,
    query: "process where user.id in ($NOPE)",
    // Diagnostics are ordered by position.
    errors: [[1, 15, "in needs at least one value"], [1, 27, "unknown global $NOPE"]],
  },
  // ------------------------------------------------- dialect: strings
  {
    name: "single-quoted string in elastic",
    dialect: E,
    query: "process where process.name == 'bash'",
    errors: [[
      1,
      31,
      "single-quoted strings are only valid in the legacy dialect; use double quotes",
    ]],
  },
  {
    name: '?"raw" string in elastic',
    dialect: E,
    query: 'process where process.name == ?"bash"',
    errors: [[
      1,
      31,
      '?"raw" strings are only valid in the legacy dialect; use """raw"""',
    ]],
  },
  {
    name: '"""raw""" string in legacy',
    dialect: L,
    query: 'process where process.name == """bash"""',
    errors: [[1, 31, '"""raw""" strings are only valid in the elastic dialect']],
  },
  {
    name: "bad escape in elastic",
    dialect: E,
    query: r`process where process.name == "a\qb"`,
    errors: [[1, 33, r`invalid escape sequence \q`]],
  },
  {
    name: "surrogate unicode escape in elastic",
    dialect: E,
    query: r`process where process.name == "\u{D800}"`,
    errors: [[1, 32, r`invalid unicode escape \u{D800}`]],
  },
  // ---------------------------------------- dialect: legacy syntax in elastic
  {
    name: "condition without a category in elastic",
    dialect: E,
    query: 'process.name == "bash"',
    errors: [[1, 1, "expected `category where` before the condition (e.g. `any where …`)"]],
  },
  {
    name: "= in elastic",
    dialect: E,
    query: 'process where process.name = "bash"',
    errors: [[1, 15, "use == for equality, not ="]],
  },
  {
    name: "join in elastic",
    dialect: E,
    query: "join by host.id [process where true] [file where true]",
    errors: [[1, 1, "join is only available in the legacy dialect"]],
  },
  {
    name: "lineage in elastic",
    dialect: E,
    query: 'process where descendant of [process where process.name == "sshd"]',
    errors: [[1, 15, '"descendant of" is only available in the legacy dialect']],
  },
  {
    name: "count pipe in elastic",
    dialect: E,
    query: "process where true | count",
    errors: [[1, 20, 'pipe "count" is only available in the legacy dialect']],
  },
  {
    name: "unique pipe in elastic",
    dialect: E,
    query: "process where true | unique process.name",
    errors: [[1, 20, 'pipe "unique" is only available in the legacy dialect']],
  },
  {
    name: "filter and sort pipes in elastic",
    dialect: E,
    query: "process where true | filter process.pid > 1 | sort process.name",
    errors: [
      [1, 20, 'pipe "filter" is only available in the legacy dialect'],
      [1, 45, 'pipe "sort" is only available in the legacy dialect'],
    ],
  },
  {
    name: "array subscript in elastic",
    dialect: E,
    query: 'process where process.args[0] == "-c"',
    errors: [[1, 15, "array subscript is only available in the legacy dialect"]],
  },
  // ---------------------------------------- dialect: elastic syntax in legacy
  {
    name: "sample in legacy",
    dialect: L,
    query: "sample by host.id [process where true] [file where true]",
    errors: [[1, 1, "sample is only available in the elastic dialect"]],
  },
  {
    name: ": in legacy",
    dialect: L,
    query: 'process where process.name : "bash"',
    errors: [[1, 15, "operator : is only available in the elastic dialect"]],
  },
  {
    name: "like in legacy",
    dialect: L,
    query: 'process where process.name like "ba*"',
    errors: [[1, 15, "operator like is only available in the elastic dialect"]],
  },
  {
    name: "regex~ in legacy",
    dialect: L,
    query: 'process where process.name regex~ "ba.*"',
    errors: [[1, 15, "operator regex~ is only available in the elastic dialect"]],
  },
  {
    name: "in~ in legacy",
    dialect: L,
    query: 'process where process.name in~ ("bash")',
    errors: [[1, 15, "in~ is only available in the elastic dialect"]],
  },
  {
    name: "?field in legacy",
    dialect: L,
    query: 'process where ?process.name == "bash"',
    errors: [[1, 15, "optional field ?process.name is only available in the elastic dialect"]],
  },
  {
    name: "with runs in legacy",
    dialect: L,
    query: "sequence [process where true] with runs=2 [file where true]",
    errors: [[1, 41, "`with runs` is only available in the elastic dialect"]],
  },
  {
    name: "missing step in legacy",
    dialect: L,
    query: "sequence with maxspan=1m [process where true] ![file where true]",
    errors: [[1, 47, "missing-event steps ![…] are only available in the elastic dialect"]],
  },
  // ---------------------------------------------------------------- pipes
  {
    name: "head without a count in elastic",
    dialect: E,
    query: "process where true | head",
    errors: [[1, 20, 'pipe "head" needs one positive integer']],
  },
  {
    name: "head 0",
    dialect: E,
    query: "process where true | head 0",
    errors: [[1, 27, 'pipe "head" needs one positive integer']],
  },
  {
    name: "tail with a decimal",
    dialect: E,
    query: "process where true | tail 2.5",
    errors: [[1, 27, 'pipe "tail" needs one positive integer']],
  },
  {
    name: "unique without fields in legacy",
    dialect: L,
    query: "process where true | unique",
    errors: [[1, 20, 'pipe "unique" needs at least one field']],
  },
  {
    name: "filter with a non-condition in legacy",
    dialect: L,
    query: "process where true | filter process.name",
    errors: [[1, 29, "expected a condition, found string field process.name"]],
  },
];

Deno.test("errors: the tables hold at least 45 distinct invalid queries", () => {
  const all = [...SYNTAX, ...SEMANTIC];
  assert.ok(all.length >= 45, `only ${all.length} cases`);
  assert.equal(new Set(all.map((c) => `${c.dialect}\0${c.query}`)).size, all.length);
  assert.equal(new Set(all.map((c) => c.name)).size, all.length, "case names are unique");
});

for (const c of [...SYNTAX, ...SEMANTIC]) {
  Deno.test(`errors [${c.dialect}] ${c.name}`, () => {
    const result = compile(c.dialect, c.query);
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    assert.deepStrictEqual(
      errors.map((d) => [d.line, d.col, d.message]),
      c.errors.map((e) => [...e]),
    );
    assert.equal(result.ir, undefined, "no IR when there are errors");
    for (const d of errors) {
      assert.equal(d.file, "<query>");
      assert.equal(d.sourceLine, c.query.split("\n")[d.line - 1]);
    }
  });
}

Deno.test("errors: an unknown category is a warning in ecs mode, not an error", () => {
  const result = compile(E, "proces where true");
  assert.deepStrictEqual(
    result.diagnostics.map((d) => [d.severity, d.line, d.col, d.message]),
    [["warning", 1, 1, 'unknown event category "proces"']],
  );
  assert.ok(result.ir);
});

Deno.test("errors: formatted diagnostic with source line and caret", () => {
  const query = "process where user.id == 0";
  const [d] = compile(E, query).diagnostics;
  assert.equal(
    formatDiagnostic(d),
    [
      "<query>:1:15: cannot compare string field user.id with number 0",
      "  process where user.id == 0",
      "                ^",
    ].join("\n"),
  );
  assert.equal(
    formatDiagnostic(d, false),
    "<query>:1:15: cannot compare string field user.id with number 0",
  );
});

Deno.test("errors: formatted syntax error on line 2 keeps a tab in the caret line", () => {
  const query = "process where\n\tprocess.name ==";
  const [d] = compile(E, query, { file: "rule.eql" }).diagnostics;
  assert.equal(
    formatDiagnostic(d),
    [
      "rule.eql:2:17: expected expression, found end of query",
      "  \tprocess.name ==",
      "  \t               ^",
    ].join("\n"),
  );
});

Deno.test("errors: positions map through the query's origin in its file", () => {
  const fileText = [
    "id: r1",
    "name: Root shell",
    "severity: high",
    "tags: [linux]",
    'eql:  process where process.nme == "sh"',
    "      and user.id == 0",
    "",
  ].join("\n");
  const query = 'process where process.nme == "sh"\n  and user.id == 0';
  const origin: SourceOrigin = { file: "r.yaml", fileText, line: 5, col: 7, indent: 4 };
  const result = compile(E, query, origin);
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  assert.deepStrictEqual(
    errors.map((d) => [d.file, d.line, d.col, d.message, d.sourceLine]),
    [
      ["r.yaml", 5, 21, UNKNOWN_FIELD("process.nme"), 'eql:  process where process.nme == "sh"'],
      [
        "r.yaml",
        6,
        11,
        "cannot compare string field user.id with number 0",
        "      and user.id == 0",
      ],
    ],
  );
  assert.equal(
    formatDiagnostic(errors[1]),
    [
      "r.yaml:6:11: cannot compare string field user.id with number 0",
      "        and user.id == 0",
      "            ^",
    ].join("\n"),
  );
});

Deno.test("errors: a syntax error maps through the origin too", () => {
  const fileText = "id: r2\neql:  process where process.name ==\n";
  const query = "process where process.name ==";
  const result = compile(E, query, { file: "r2.yaml", fileText, line: 2, col: 7, indent: 4 });
  assert.deepStrictEqual(
    result.diagnostics.map((d) => [d.file, d.line, d.col, d.message, d.sourceLine]),
    [[
      "r2.yaml",
      2,
      36,
      "expected expression, found end of query",
      "eql:  process where process.name ==",
    ]],
  );
});
