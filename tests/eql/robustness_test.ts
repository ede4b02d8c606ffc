/**
 * Robustness of the EQL compiler against hostile or broken input: seeded
 * mutation fuzzing (the compiler must return, never throw, and every error it
 * reports must be located inside the text), very deep nesting (a located
 * error, never a stack overflow) and very large queries.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  compileQuery,
  type CompileResult,
  type Dialect,
  type GlobalValue,
} from "../../eql/compile.ts";
import { MAX_NESTING } from "../../eql/parse.ts";
import { Schema } from "../../engine/schema.ts";
import { prng as mulberry32 } from "../../samples/synthetic.ts";

const GLOBALS: Record<string, GlobalValue> = {
  HOME_NET: ["10.0.0.0/8", "192.168.0.0/16"],
  SHELLS: ["bash", "sh"],
  ROOT: "0",
};

/** Valid seed queries of both dialects. */
const SEEDS: readonly [Dialect, string][] = [
  ["elastic", 'process where process.name == "bash"'],
  ["elastic", 'process where process.name : ("bash", "sh*") and process.pid > 1'],
  ["elastic", 'process where process.name like~ "BA*" or process.name regex "z.*"'],
  ["elastic", 'process where user.id in ("0", $ROOT) and not process.interactive'],
  ["elastic", "process where process.pid - (process.parent.pid - 1) * 2 % 3 > -1"],
  ["elastic", 'process where startsWith~(process.name, "ba") and length(process.name) > 2'],
  [
    "elastic",
    "network where cidrMatch(destination.ip, $HOME_NET) and destination.port in (22, 23)",
  ],
  ["elastic", 'file where file.path : """/tmp/*""" and ?file.extension == "sh"'],
  ["elastic", 'process where process.name == "a\\tb" and `process`.`name` != "\\u{1F600}"'],
  ["elastic", 'any where event.type == "start" | head 5'],
  [
    "elastic",
    'sequence by host.id with maxspan=5m [process where process.name == "a"] by process.pid [process where true] by process.pid',
  ],
  [
    "elastic",
    "sequence with maxspan=1m ![process where true] [file where true] until [process where false]",
  ],
  ["elastic", "sequence [process where true] with runs=2 [network where true] | tail 3"],
  ["elastic", "sample by host.id [process where true] [network where true]"],
  [
    "elastic",
    'sequence by process.entity_id\n  [process where event.type == "start"]\n  [process where event.type == "end"]',
  ],
  ["elastic", 'process where /* c */ process.args : "-c" // x'],
  ["elastic", 'process where substring(process.name, 0, 2) == "ba"'],
  ["elastic", 'process where concat(process.name, "-", string(process.pid)) == "a-1"'],
  ["elastic", 'process where between(process.command_line, "a", "b") in~ ("X")'],
  ["elastic", 'process where indexOf(process.name, "a") >= 0 and modulo(process.pid, 2) == 0'],
  ["legacy", "process where process.name == '*sh'"],
  ["legacy", 'process where process.name = ?"C:\\x" or user.name in ("root", "*admin")'],
  ["legacy", "join by host.id [process where true] [file where true] until [process where false]"],
  ["legacy", 'process where descendant of [process where process.name == "sshd"]'],
  ["legacy", "process where child of [process where true] and event of [file where true]"],
  ["legacy", "process where true | count process.name | sort process.name"],
  ["legacy", "process where true | unique process.name, host.name | head"],
  ["legacy", "process where true | unique_count user.name | filter process.pid > 1"],
  ["legacy", 'process where arrayContains(process.args, "-c", "-e")'],
  ["legacy", 'process where arraySearch(process.args, a, a == "-*")'],
  ["legacy", 'process where arrayCount(process.args, s, s == "x") > 1'],
  ["legacy", "process where match(process.command_line, ?'.*curl.*')"],
  ["legacy", "process where matchLite(process.name, ?'b.*') and safe(length(process.name)) > 1"],
  ["legacy", 'process where wildcard(process.name, "*sh", "py*")'],
  ["legacy", "process where process.args[0] == 'sh' and process.args[1] == '-c'"],
  ["legacy", "sequence by process.pid with maxspan=1.5h [process where true] [file where true]"],
  ["legacy", "custom where my.field == 1 and other.field != 'x'"],
  ["legacy", "network where destination.ip in $HOME_NET"],
  ["legacy", "process where process.pid % 2 == 0 and process.name == 'a'"],
  ["legacy", "'process' where process.name in ('a', \"b\")"],
];

/** Tokens the fuzzer inserts: keywords, operators, brackets, quotes, numbers, fields. */
const VOCABULARY: readonly string[] = [
  "process",
  "where",
  "sequence",
  "sample",
  "join",
  "by",
  "with",
  "maxspan",
  "=",
  "5m",
  "runs",
  "until",
  "and",
  "or",
  "not",
  "in",
  "in~",
  "like",
  "like~",
  "regex",
  "regex~",
  ":",
  "==",
  "!=",
  "<",
  "<=",
  ">",
  ">=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "(",
  ")",
  "[",
  "]",
  "![",
  ",",
  "|",
  "head",
  "tail",
  "count",
  "unique",
  "unique_count",
  "filter",
  "sort",
  "descendant",
  "child",
  "event",
  "of",
  "true",
  "false",
  "null",
  '"',
  "'",
  '"""',
  "?",
  "`",
  "``",
  "$",
  "$HOME_NET",
  "$NOPE",
  "~",
  "0",
  "1",
  "-1",
  "2.5",
  "101",
  "1e3",
  '"x"',
  "'y'",
  '"a*"',
  '"\\q"',
  '"ab("',
  '?"r"',
  "process.name",
  "process.pid",
  "user.id",
  "process.args",
  "process.args[0]",
  "host.id",
  "process.parent",
  "destination.ip",
  "?file.path",
  "unknown.field",
  "length",
  "startsWith~",
  "cidrMatch",
  "arraySearch",
  "a",
  "\n",
  "\t",
  "//",
  "/*",
  "*/",
  " ",
];

/** Crude tokenizer: splits on whitespace and punctuation, keeping every delimiter. */
function tokenize(source: string): string[] {
  return source.split(/(\s+|[()[\],|!=<>:~+\-*/%"'`?$])/).filter((t) => t !== "");
}

/** Builds one mutant of `tokens` with 1 to 3 random edits. */
function mutate(tokens: readonly string[], rand: () => number): string {
  const out = [...tokens];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const edits = 1 + Math.floor(rand() * 3);
  for (let n = 0; n < edits; n++) {
    const at = Math.floor(rand() * (out.length + 1));
    const op = rand();
    if (op < 0.3 && out.length > 0) {
      out.splice(Math.min(at, out.length - 1), 1); // delete
    } else if (op < 0.65) {
      out.splice(at, 0, pick(VOCABULARY)); // insert
    } else if (op < 0.85 && out.length > 1) {
      const i = Math.min(at, out.length - 1), j = Math.floor(rand() * out.length); // swap
      [out[i], out[j]] = [out[j], out[i]];
    } else if (out.length > 0) {
      out[Math.min(at, out.length - 1)] = pick(VOCABULARY); // replace
    }
  }
  return out.join("");
}

/** Compiles and asserts that the compiler returned instead of throwing. */
function compileSafely(
  source: string,
  dialect: Dialect,
  schemaMode: "ecs" | "dynamic",
): CompileResult {
  try {
    return compileQuery(source, { dialect, schema: Schema.ecs(), schemaMode, globals: GLOBALS });
  } catch (e) {
    assert.fail(
      `compileQuery threw for ${JSON.stringify(source)} (${dialect}, ${schemaMode}): ${
        e instanceof Error ? e.stack : e
      }`,
    );
  }
}

/** Every diagnostic is located inside `source` and has a message. */
function assertLocated(source: string, result: CompileResult): void {
  for (const d of result.diagnostics) {
    const problem = locationProblem(source, d);
    assert.equal(problem, null, `${problem} at ${d.line}:${d.col} (${d.message})`);
  }
}

/** The error diagnostics of a result. */
const errorsOf = (r: CompileResult) => r.diagnostics.filter((d) => d.severity === "error");

Deno.test("robustness: every seed query compiles", () => {
  assert.ok(SEEDS.length >= 40);
  for (const [dialect, q] of SEEDS) {
    const r = compileSafely(q, dialect, dialect === "elastic" ? "ecs" : "dynamic");
    assert.deepStrictEqual(errorsOf(r).map((d) => `${d.line}:${d.col}: ${d.message}`), [], q);
  }
});

/** Why a diagnostic is not properly located, or null when it is. */
function locationProblem(source: string, d: CompileResult["diagnostics"][number]): string | null {
  const lines = source.split("\n");
  if (!Number.isInteger(d.line) || d.line < 1 || d.line > lines.length) return "bad line";
  if (!Number.isInteger(d.col) || d.col < 1 || d.col > lines[d.line - 1].length + 1) {
    return "bad column";
  }
  if (typeof d.message !== "string" || d.message.length === 0) return "empty message";
  return null;
}

Deno.test("robustness: 6,000 seeded mutants never throw and every error is located", () => {
  const rand = mulberry32(0x6b657374); // "kest"
  const tokenized = SEEDS.map(([d, q]) => [d, tokenize(q)] as const);
  let failed = 0, succeeded = 0;
  // Problems grouped by kind, with the first few mutants that show each.
  const problems = new Map<string, string[]>();
  const note = (kind: string, example: string) => {
    const list = problems.get(kind) ?? [];
    if (list.length < 3) list.push(example);
    problems.set(kind, list);
  };
  const MUTANTS = 6000;
  for (let i = 0; i < MUTANTS; i++) {
    const [seedDialect, tokens] = tokenized[i % tokenized.length];
    const source = mutate(tokens, rand);
    // Mostly the seed's dialect, sometimes the other one; both schema modes.
    const dialect: Dialect = rand() < 0.8
      ? seedDialect
      : seedDialect === "elastic"
      ? "legacy"
      : "elastic";
    const schemaMode = rand() < 0.5 ? "ecs" : "dynamic";
    const example = `${dialect}/${schemaMode} ${JSON.stringify(source)}`;
    let result: CompileResult;
    try {
      result = compileQuery(source, {
        dialect,
        schema: Schema.ecs(),
        schemaMode,
        globals: GLOBALS,
      });
    } catch (e) {
      note(`throws ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, example);
      continue;
    }
    for (const d of result.diagnostics) {
      const problem = locationProblem(source, d);
      if (problem) note(`${problem}: ${d.message}`, `${example} at ${d.line}:${d.col}`);
    }
    if (errorsOf(result).length > 0) {
      failed++;
      if (result.ir !== undefined) note("IR despite errors", example);
    } else {
      succeeded++;
      if (result.ir === undefined) note("no IR and no error", example);
    }
  }
  const report = [...problems].map(([kind, xs]) => `${kind}\n    ${xs.join("\n    ")}`);
  assert.deepStrictEqual(report, [], `problems found:\n${report.join("\n")}`);
  // Neither outcome may be vacuous.
  assert.ok(failed >= MUTANTS / 10, `only ${failed} mutants failed`);
  assert.ok(succeeded >= MUTANTS / 20, `only ${succeeded} mutants compiled`);
});

Deno.test("robustness: an empty backquoted field name is an error, not a crash", () => {
  for (const schemaMode of ["ecs", "dynamic"] as const) {
    for (const q of ["process where `` == 1", "process where ?`` == 1"]) {
      const result = compileSafely(q, "elastic", schemaMode);
      assertLocated(q, result);
      assert.ok(errorsOf(result).length > 0, `${q} (${schemaMode}) should be rejected`);
    }
  }
});

const N = 10_000;

Deno.test("robustness: 10,000 nested parentheses give a located error", () => {
  const q = "process where " + "(".repeat(N) + "process.pid == 1" + ")".repeat(N);
  const result = compileSafely(q, "elastic", "ecs");
  // The first bracket past the limit: offset 14 + MAX_NESTING.
  assert.equal(MAX_NESTING, 100);
  assert.deepStrictEqual(
    result.diagnostics.map((d) => [d.severity, d.line, d.col, d.message]),
    [["error", 1, 115, "brackets nested deeper than 100 levels"]],
  );
});

Deno.test("robustness: 10,000 nested step brackets give a located error", () => {
  const q = "sequence " + "[".repeat(N) + "process where true" + "]".repeat(N) +
    " [file where true]";
  const result = compileSafely(q, "elastic", "ecs");
  assert.deepStrictEqual(
    result.diagnostics.map((d) => [d.severity, d.line, d.col, d.message]),
    [["error", 1, 110, "brackets nested deeper than 100 levels"]],
  );
});

/** Deep chains: a located nesting error or a result, never a throw. */
function assertDeepChainHandled(q: string): void {
  const result = compileSafely(q, "elastic", "ecs");
  assertLocated(q, result);
  const errors = errorsOf(result);
  if (errors.length === 0) {
    assert.ok(result.ir);
    return;
  }
  assert.equal(errors.length, 1, errors.map((d) => d.message).join("; "));
  assert.ok(
    [
      "query is too deeply nested",
      "expression nested deeper than 500 levels",
    ].includes(errors[0].message),
    errors[0].message,
  );
}

Deno.test("robustness: 10,000 chained `not` never overflow the stack", () => {
  assertDeepChainHandled("process where " + "not ".repeat(N) + "process.interactive");
});

Deno.test("robustness: 10,000 chained unary minus never overflow the stack", () => {
  assertDeepChainHandled("process where " + "-".repeat(N) + "process.pid == 1");
});

Deno.test("robustness: an arithmetic chain of 10,000 terms never overflows the stack", () => {
  assertDeepChainHandled("process where process.pid == " + Array(N).fill("1").join(" + "));
});

Deno.test("robustness: an `or` chain of 10,000 terms compiles", () => {
  const terms = Array.from({ length: N }, (_, i) => `process.pid == ${i}`);
  const result = compileSafely("process where " + terms.join(" or "), "elastic", "ecs");
  assert.deepStrictEqual(errorsOf(result), []);
  assert.ok(result.ir);
});

Deno.test("robustness: a 1 MB query of `or` terms compiles or fails located, without throwing", () => {
  const parts: string[] = [];
  let size = "process where ".length;
  for (let i = 0; size < 1_000_000; i++) {
    const term = i % 2 === 0 ? `process.name == "n${i}"` : `process.pid == ${i}`;
    parts.push(term);
    size += term.length + 4;
  }
  const q = "process where " + parts.join(" or ");
  assert.ok(q.length >= 1_000_000);
  const result = compileSafely(q, "elastic", "ecs");
  assertLocated(q, result);
  assert.deepStrictEqual(errorsOf(result), []);
  assert.ok(result.ir);
});

Deno.test("robustness: a 1 MB query with an error at its end reports it there", () => {
  const term = "process.pid == 1 or ";
  const count = Math.ceil(1_000_000 / term.length);
  const q = "process where " + term.repeat(count) + "user.id == 0";
  const result = compileSafely(q, "elastic", "ecs");
  const errors = errorsOf(result);
  assert.deepStrictEqual(
    errors.map((d) => [d.line, d.col, d.message]),
    [[1, 15 + term.length * count, "cannot compare string field user.id with number 0"]],
  );
});
