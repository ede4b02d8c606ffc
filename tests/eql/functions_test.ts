import assert from "node:assert/strict";
import { FUNCTIONS, lookupFunction, mustBeLiteral } from "../../eql/functions.ts";
import type { Dialect } from "../../eql/compile.ts";
import type { Value } from "../../eql/value.ts";

function call(dialect: Dialect, name: string, args: Value[], caseInsensitive: boolean): Value {
  const spec = lookupFunction(name, dialect);
  assert.ok(spec, `${name} exists in ${dialect}`);
  assert.ok(spec.impl, `${name} has an implementation`);
  return spec.impl(args, caseInsensitive);
}

/** Elasticsearch, case-sensitive. */
const es = (name: string, ...args: Value[]) => call("elastic", name, args, false);
/** Elasticsearch `name~(...)`. */
const esi = (name: string, ...args: Value[]) => call("elastic", name, args, true);
/** Endgame: the runtime always calls with caseInsensitive=true. */
const lg = (name: string, ...args: Value[]) => call("legacy", name, args, true);

// ---------------------------------------------------------------------------
// The table

Deno.test("each dialect has exactly its reference functions, plus Kestrel's lua()", () => {
  // lua("module.fn", …) is Kestrel's one extension, in both dialects.
  const extensions = FUNCTIONS.filter((f) => f.special === "lua");
  assert.deepEqual(extensions.map((f) => [f.name, f.dialects]), [["lua", ["elastic", "legacy"]]]);
  const names = (d: Dialect) =>
    FUNCTIONS.filter((f) => f.dialects.includes(d) && f.special !== "lua").map((f) => f.name)
      .sort();
  assert.deepEqual(names("elastic"), [
    "add",
    "between",
    "cidrMatch",
    "concat",
    "divide",
    "endsWith",
    "indexOf",
    "length",
    "modulo",
    "multiply",
    "number",
    "startsWith",
    "string",
    "stringContains",
    "substring",
    "subtract",
  ]);
  assert.deepEqual(names("legacy"), [
    "add",
    "arrayContains",
    "arrayCount",
    "arraySearch",
    "between",
    "cidrMatch",
    "concat",
    "divide",
    "endsWith",
    "indexOf",
    "length",
    "match",
    "matchLite",
    "modulo",
    "multiply",
    "number",
    "safe",
    "startsWith",
    "string",
    "stringContains",
    "substring",
    "subtract",
    "wildcard",
  ]);
});

Deno.test("only between, endsWith, indexOf, startsWith and stringContains have a ~ variant", () => {
  const variants = FUNCTIONS.filter((f) => f.dialects.includes("elastic") && f.insensitiveVariant)
    .map((f) => f.name).sort();
  assert.deepEqual(variants, ["between", "endsWith", "indexOf", "startsWith", "stringContains"]);
});

Deno.test("lookupFunction is case-insensitive and dialect-aware", () => {
  assert.equal(lookupFunction("cidrmatch", "elastic")?.name, "cidrMatch");
  assert.equal(lookupFunction("CIDRMATCH", "legacy")?.name, "cidrMatch");
  assert.equal(lookupFunction("StartsWith", "elastic")?.name, "startsWith");
  assert.equal(lookupFunction("wildcard", "elastic"), undefined);
  assert.equal(lookupFunction("safe", "elastic"), undefined);
  assert.equal(lookupFunction("arraySearch", "legacy")?.special, "bind");
  assert.equal(lookupFunction("arrayCount", "legacy")?.special, "bind");
  assert.equal(lookupFunction("safe", "legacy")?.special, "safe");
  assert.equal(lookupFunction("unique_count", "legacy"), undefined);
  assert.equal(lookupFunction("nope", "elastic"), undefined);
  // Different entries where the dialects' semantics differ.
  assert.notEqual(lookupFunction("divide", "elastic"), lookupFunction("divide", "legacy"));
  assert.equal(lookupFunction("add", "elastic"), lookupFunction("add", "legacy"));
});

Deno.test("every entry has an implementation unless special, and sane arities", () => {
  for (const f of FUNCTIONS) {
    assert.equal(f.impl === undefined, f.special !== undefined, f.name);
    assert.ok(f.minArgs <= f.maxArgs, f.name);
    assert.ok(f.params.length <= f.maxArgs, f.name);
    assert.equal(f.maxArgs === Infinity, f.rest !== undefined, f.name);
  }
  assert.equal(lookupFunction("cidrMatch", "elastic")?.maxArgs, Infinity);
  assert.equal(lookupFunction("between", "elastic")?.maxArgs, 4);
  assert.equal(lookupFunction("arraySearch", "legacy")?.params[2], "expression");
});

Deno.test("literal argument positions", () => {
  const cidr = lookupFunction("cidrMatch", "elastic")!;
  assert.equal(mustBeLiteral(cidr, 0), false);
  assert.equal(mustBeLiteral(cidr, 1), true);
  assert.equal(mustBeLiteral(cidr, 5), true);
  const match = lookupFunction("match", "legacy")!;
  assert.equal(mustBeLiteral(match, 0), false);
  assert.equal(mustBeLiteral(match, 2), true);
  assert.equal(mustBeLiteral(lookupFunction("wildcard", "legacy")!, 3), true);
  assert.equal(mustBeLiteral(lookupFunction("number", "elastic")!, 1), true);
  assert.equal(mustBeLiteral(lookupFunction("number", "legacy")!, 1), false);
  assert.equal(mustBeLiteral(lookupFunction("between", "elastic")!, 3), false);
  assert.equal(mustBeLiteral(lookupFunction("startsWith", "elastic")!, 1), false);
});

Deno.test("checkLiteral validates CIDRs, regexes, patterns and bases", () => {
  const esCidr = lookupFunction("cidrMatch", "elastic")!.checkLiteral!;
  assert.equal(esCidr("10.0.0.0/8", 1), null);
  assert.equal(esCidr("10.0.0.1", 1), null);
  assert.equal(esCidr(null, 1), null);
  assert.match(esCidr("10.0.0.0/40", 1)!.error, /out of range/);
  assert.match(esCidr(42, 1)!.error, /string/);
  const lgCidr = lookupFunction("cidrMatch", "legacy")!.checkLiteral!;
  assert.equal(lgCidr("fe80::/10", 1), null);
  assert.match(lgCidr("10.0.0.1", 1)!.error, /CIDR block/);
  const match = lookupFunction("match", "legacy")!.checkLiteral!;
  assert.equal(match("[a-z]+", 1), null);
  assert.deepEqual(match("ab(c", 1), {
    error: "invalid regular expression: missing ), unterminated subpattern",
    offset: 2,
  });
  const wildcard = lookupFunction("wildcard", "legacy")!.checkLiteral!;
  assert.equal(wildcard("*.exe", 1), null);
  assert.match(wildcard(true, 1)!.error, /string/);
  const base = lookupFunction("number", "elastic")!.checkLiteral!;
  assert.equal(base(16, 1), null);
  assert.equal(base(null, 1), null);
  assert.match(base(37, 1)!.error, /2 to 36/);
  assert.match(base(1.5, 1)!.error, /2 to 36/);
});

// ---------------------------------------------------------------------------
// Arithmetic

Deno.test("add", () => {
  assert.equal(es("add", 4, 5), 9);
  assert.equal(es("add", 4, 0.5), 4.5);
  assert.equal(es("add", 0.5, 0.25), 0.75);
  assert.equal(es("add", 4, -2), 2);
  assert.equal(es("add", -2, -2), -4);
  assert.equal(es("add", null, 4), null);
  assert.equal(es("add", 4, null), null);
  assert.equal(es("add", "4", 5), null);
  assert.equal(es("add", true, 1), null);
  assert.equal(es("add", [4], 5), 9);
  assert.equal(es("add", [4, 5], 5), null);
  assert.equal(lg("add", 1, 2), 3);
  assert.equal(lg("add", null, 2), null);
});

Deno.test("subtract", () => {
  assert.equal(es("subtract", 10, 2), 8);
  assert.equal(es("subtract", 10.5, 0.5), 10);
  assert.equal(es("subtract", -2, 4), -6);
  assert.equal(es("subtract", -2, -4), 2);
  assert.equal(es("subtract", 15, 10), 5);
  assert.equal(es("subtract", null, 2), null);
  assert.equal(es("subtract", 2, null), null);
  assert.equal(lg("subtract", 2, 5), -3);
});

Deno.test("multiply", () => {
  assert.equal(es("multiply", 2, 2), 4);
  assert.equal(es("multiply", 0.5, 2), 1);
  assert.equal(es("multiply", 0.25, 2), 0.5);
  assert.equal(es("multiply", -2, 2), -4);
  assert.equal(es("multiply", -2, -2), 4);
  assert.equal(es("multiply", null, 2), null);
  assert.equal(es("multiply", 2, null), null);
  assert.equal(es("multiply", -0.5, 0), 0);
  assert.ok(Object.is(es("multiply", -0.5, 0), 0), "no negative zero");
  assert.equal(lg("multiply", 3, 3), 9);
});

Deno.test("divide (elastic): integer division truncates", () => {
  assert.equal(es("divide", 4, 2), 2);
  assert.equal(es("divide", 4, 3), 1);
  assert.equal(es("divide", 4, 3.5), 4 / 3.5);
  assert.equal(es("divide", 4, 0.5), 8);
  assert.equal(es("divide", 0.5, 4), 0.125);
  assert.equal(es("divide", 0.5, 0.25), 2);
  assert.equal(es("divide", 4, -2), -2);
  assert.equal(es("divide", -4, -2), 2);
  assert.equal(es("divide", 12, 4), 3);
  assert.equal(es("divide", -7, 2), -3); // Java long division
  assert.equal(es("divide", null, 4), null);
  assert.equal(es("divide", 4, null), null);
});

Deno.test("divide: by zero is null in both dialects", () => {
  assert.equal(es("divide", 4, 0), null);
  assert.equal(es("divide", 0.5, 0), null);
  assert.equal(es("divide", 0, 0), null);
  assert.equal(lg("divide", 4, 0), null);
  assert.equal(lg("divide", 4.5, 0), null);
});

Deno.test("divide (legacy): integer division floors, like Python //", () => {
  assert.equal(lg("divide", 7, 2), 3);
  assert.equal(lg("divide", -7, 2), -4);
  assert.equal(lg("divide", 7, 2.5), 2.8);
  assert.equal(lg("divide", null, 2), null);
});

Deno.test("modulo (elastic): the remainder takes the dividend's sign", () => {
  assert.equal(es("modulo", 10, 6), 4);
  assert.equal(es("modulo", 10, 5), 0);
  assert.equal(es("modulo", 10, 0.5), 0);
  assert.equal(es("modulo", 10, -6), 4);
  assert.equal(es("modulo", -10, -6), -4);
  assert.equal(es("modulo", -10, 6), -4);
  assert.equal(es("modulo", 106, 10), 6);
  assert.equal(es("modulo", 10.5, 3), 1.5);
  assert.ok(Object.is(es("modulo", -10, 5), 0), "no negative zero");
  assert.equal(es("modulo", null, 5), null);
  assert.equal(es("modulo", 7, null), null);
  assert.equal(es("modulo", 7, 0), null);
});

Deno.test("modulo (legacy): the remainder takes the divisor's sign, like Python %", () => {
  assert.equal(lg("modulo", 10, 6), 4);
  assert.equal(lg("modulo", -10, 6), 2);
  assert.equal(lg("modulo", 10, -6), -2);
  assert.equal(lg("modulo", -10, -6), -4);
  assert.equal(lg("modulo", -7.5, 2), 0.5);
  assert.equal(lg("modulo", 7, 0), null);
  assert.equal(lg("modulo", null, 3), null);
});

// ---------------------------------------------------------------------------
// Strings, elastic

const PATH = "C:\\Windows\\System32\\cmd.exe";

Deno.test("between (elastic)", () => {
  assert.equal(es("between", PATH, "System32\\", ".exe"), "cmd");
  assert.equal(es("between", PATH, "system32\\", ".exe"), "");
  assert.equal(es("between", PATH, "workspace\\", ".exe"), "");
  assert.equal(es("between", PATH, "\\", "\\", false), "Windows");
  assert.equal(es("between", PATH, "\\", "\\", true), "Windows\\System32");
  assert.equal(es("between", "", "System32\\", ".exe"), "");
  assert.equal(es("between", "", "", ""), "");
  assert.equal(es("between", null, "System32\\", ".exe"), null);
  assert.equal(es("between", PATH, null, ".exe"), null);
  assert.equal(es("between", PATH, "\\", null), null);
  assert.equal(es("between", PATH, "\\", "\\", null), null);
  // Found left, missing right.
  assert.equal(es("between", PATH, "Windows", ".dll"), "");
  // An empty left or right returns the source unchanged.
  assert.equal(es("between", PATH, "", ".exe"), PATH);
  assert.equal(es("between", PATH, "\\", ""), PATH);
  // Greedy: the right text must come after the left one.
  assert.equal(es("between", "a.b-c", "-", ".", true), "");
});

Deno.test("between~ (elastic)", () => {
  assert.equal(esi("between", PATH, "system32\\", ".exe"), "cmd");
  assert.equal(esi("between", PATH, "SYSTEM32\\", ".EXE"), "cmd");
  assert.equal(esi("between", "A-Ü-b-Ü-c", "ü", "ü", true), "-b-");
});

Deno.test("cidrMatch (elastic)", () => {
  const ip = "192.168.152.12";
  assert.equal(es("cidrMatch", ip, "192.168.0.0/16"), true);
  assert.equal(es("cidrMatch", ip, "192.168.0.0/16", "10.0.0.0/8"), true);
  assert.equal(es("cidrMatch", ip, "10.0.0.0/8"), false);
  assert.equal(es("cidrMatch", ip, "10.0.0.0/8", "10.128.0.0/9"), false);
  assert.equal(es("cidrMatch", null, "10.0.0.0/8"), null);
  assert.equal(es("cidrMatch", ip, null), null);
  assert.equal(es("cidrMatch", ip, "10.0.0.0/8", null), null);
  assert.equal(es("cidrMatch", "fe80::1", "fe80::/10"), true);
  assert.equal(es("cidrMatch", "::ffff:192.168.1.1", "192.168.0.0/16"), true);
  assert.equal(es("cidrMatch", ip, "192.168.152.12"), true);
  assert.equal(es("cidrMatch", "not-an-ip", "0.0.0.0/0"), false);
  assert.equal(es("cidrMatch", ["10.1.1.1"], "10.0.0.0/8"), true);
  assert.equal(es("cidrMatch", 42, "10.0.0.0/8"), null);
});

Deno.test("concat", () => {
  assert.equal(es("concat", "process is ", "regsvr32.exe"), "process is regsvr32.exe");
  assert.equal(es("concat", "regsvr32.exe", " ", 42), "regsvr32.exe 42");
  assert.equal(es("concat", "regsvr32.exe", " ", 42.5), "regsvr32.exe 42.5");
  assert.equal(es("concat", "regsvr32.exe", " ", true), "regsvr32.exe true");
  assert.equal(es("concat", "regsvr32.exe"), "regsvr32.exe");
  assert.equal(es("concat", "a", false, -1), "afalse-1");
  assert.equal(es("concat", null, "regsvr32.exe"), null);
  assert.equal(es("concat", "regsvr32.exe", null), null);
  assert.equal(es("concat", null), null);
  assert.equal(es("concat", ""), "");
  assert.equal(es("concat", ["a"], "b"), "ab");
  assert.equal(es("concat", ["a", "c"], "b"), null);
  assert.equal(
    lg("concat", "Process ", "x.exe", " executed with pid ", 4),
    "Process x.exe executed with pid 4",
  );
  assert.equal(lg("concat", "a", null), null);
});

Deno.test("endsWith and endsWith~", () => {
  assert.equal(es("endsWith", "regsvr32.exe", ".exe"), true);
  assert.equal(es("endsWith", "regsvr32.exe", ".EXE"), false);
  assert.equal(es("endsWith", "regsvr32.exe", ".dll"), false);
  assert.equal(es("endsWith", "", ""), true);
  assert.equal(es("endsWith", "ntdll.dll", "regsvr32.exe"), false);
  assert.equal(esi("endsWith", "regsvr32.exe", ".EXE"), true);
  assert.equal(es("endsWith", "regsvr32.exe", null), null);
  assert.equal(es("endsWith", "", null), null);
  assert.equal(es("endsWith", null, ".exe"), null);
  assert.equal(es("endsWith", null, null), null);
  assert.equal(lg("endsWith", "REGSVR32.EXE", ".exe"), true);
  assert.equal(lg("endsWith", null, ".exe"), null);
});

Deno.test("startsWith and startsWith~", () => {
  assert.equal(es("startsWith", "regsvr32.exe", "regsvr32"), true);
  assert.equal(es("startsWith", "regsvr32.exe", "Regsvr32"), false);
  assert.equal(es("startsWith", "regsvr32.exe", "explorer"), false);
  assert.equal(es("startsWith", "", ""), true);
  assert.equal(es("startsWith", "explorer.exe", "regsvr32"), false);
  assert.equal(esi("startsWith", "regsvr32.exe", "Regsvr32"), true);
  assert.equal(es("startsWith", "regsvr32.exe", null), null);
  assert.equal(es("startsWith", "", null), null);
  assert.equal(es("startsWith", null, "regsvr32"), null);
  assert.equal(es("startsWith", null, null), null);
  assert.equal(lg("startsWith", "Regsvr32.exe", "REGSVR"), true);
  assert.equal(lg("startsWith", 42, "4"), null);
});

Deno.test("indexOf (elastic)", () => {
  const domain = "subdomain.example.com";
  assert.equal(es("indexOf", domain, "d"), 3);
  assert.equal(es("indexOf", domain, "D"), null);
  assert.equal(es("indexOf", domain, "."), 9);
  assert.equal(es("indexOf", domain, ".", 9), 9);
  assert.equal(es("indexOf", domain, ".", 10), 17);
  assert.equal(es("indexOf", domain, ".", -6), 9);
  assert.equal(es("indexOf", "", ""), 0);
  assert.equal(es("indexOf", domain, ""), 0);
  assert.equal(es("indexOf", domain, "", 9), 9);
  assert.equal(es("indexOf", domain, "", 10), 10);
  assert.equal(es("indexOf", domain, "", -6), 0);
  assert.equal(es("indexOf", domain, "", 21), 21);
  assert.equal(es("indexOf", domain, "z"), null);
  assert.equal(es("indexOf", domain, "z", 9), null);
  assert.equal(es("indexOf", domain, ".", 30), null);
  assert.equal(es("indexOf", domain, "", 30), null);
  assert.equal(es("indexOf", null, ".", 9), null);
  assert.equal(es("indexOf", domain, null, 9), null);
  assert.equal(es("indexOf", domain, ".", null), null);
});

Deno.test("indexOf~ (elastic)", () => {
  // The reference's example says 4, but "D" folds to the "d" at position 3.
  assert.equal(esi("indexOf", "subdomain.example.com", "D"), 3);
  assert.equal(esi("indexOf", "SUBDOMAIN", "main", 2), 5);
});

Deno.test("length (elastic)", () => {
  assert.equal(es("length", "explorer.exe"), 12);
  assert.equal(es("length", "start explorer.exe"), 18);
  assert.equal(es("length", ""), 0);
  assert.equal(es("length", null), null);
  assert.equal(es("length", "é😀"), 3); // UTF-16 units, like Java
  assert.equal(es("length", 42), null);
  assert.equal(es("length", ["abc"]), 3);
  assert.equal(es("length", ["abc", "de"]), null);
});

Deno.test("number (elastic)", () => {
  assert.equal(es("number", "1337"), 1337);
  assert.equal(es("number", "42.5"), 42.5);
  assert.equal(es("number", "deadbeef", 16), 3735928559);
  assert.equal(es("number", "0xdeadbeef"), 3735928559);
  assert.equal(es("number", "0xdeadbeef", 16), 3735928559);
  assert.equal(es("number", "+1337"), 1337);
  assert.equal(es("number", "-1337"), -1337);
  assert.equal(es("number", "  1337  "), 1337);
  assert.equal(es("number", null), null);
  assert.equal(es("number", null, 16), null);
  assert.equal(es("number", "0xdeadbeef", null), 3735928559);
  assert.equal(es("number", "1337", null), 1337);
  assert.equal(es("number", "1010", 2), 10);
  assert.equal(es("number", "-ff", 16), -255);
  assert.equal(es("number", "1e3"), 1000);
  assert.equal(es("number", ".5"), 0.5);
  assert.equal(es("number", "7", 8), 7);
});

Deno.test("number (elastic): invalid input is null", () => {
  assert.equal(es("number", ""), null);
  assert.equal(es("number", "abc"), null);
  assert.equal(es("number", "12abc"), null);
  assert.equal(es("number", "1 2"), null);
  assert.equal(es("number", "0x1g"), null);
  assert.equal(es("number", "0xff", 10), null);
  assert.equal(es("number", "19", 8), null);
  assert.equal(es("number", "12", 37), null);
  assert.equal(es("number", "12", 1), null);
  assert.equal(es("number", "1.5", 16), null);
  assert.equal(es("number", "NaN"), null);
  assert.equal(es("number", "Infinity"), null);
  assert.equal(es("number", "1_000"), null);
  assert.equal(es("number", 42), null);
  assert.equal(es("number", "12", "16"), null);
});

Deno.test("string", () => {
  assert.equal(es("string", 42), "42");
  assert.equal(es("string", 42.5), "42.5");
  assert.equal(es("string", "regsvr32.exe"), "regsvr32.exe");
  assert.equal(es("string", true), "true");
  assert.equal(es("string", false), "false");
  assert.equal(es("string", null), null);
  assert.equal(es("string", -0), "0");
  assert.equal(es("string", ["x"]), "x");
  assert.equal(es("string", ["x", "y"]), null);
  assert.equal(lg("string", true), "true");
  assert.equal(lg("string", 7), "7");
  assert.equal(lg("string", null), null);
});

Deno.test("stringContains (elastic)", () => {
  const cmd = "start regsvr32.exe";
  assert.equal(es("stringContains", cmd, "regsvr32"), true);
  assert.equal(es("stringContains", cmd, "Regsvr32"), false);
  assert.equal(es("stringContains", cmd, "start "), true);
  assert.equal(es("stringContains", cmd, "explorer"), false);
  assert.equal(es("stringContains", "", ""), false);
  assert.equal(es("stringContains", cmd, ""), false);
  assert.equal(es("stringContains", null, "regsvr32"), null);
  assert.equal(es("stringContains", cmd, null), null);
  // The reference prints `false` here, but the `~` variant is case-insensitive.
  assert.equal(esi("stringContains", cmd, "Regsvr32"), true);
  assert.equal(esi("stringContains", "ÉCOLE", "école"), true);
});

Deno.test("substring (elastic)", () => {
  const s = "start regsvr32.exe";
  assert.equal(es("substring", s, 6), "regsvr32.exe");
  assert.equal(es("substring", s, 0, 5), "start");
  assert.equal(es("substring", s, 6, 14), "regsvr32");
  assert.equal(es("substring", s, -4), ".exe");
  assert.equal(es("substring", s, -4, -1), ".ex");
  assert.equal(es("substring", s, 10, 5), "");
  assert.equal(es("substring", s, 100), "");
  assert.equal(es("substring", s, -100, 5), "start");
  assert.equal(es("substring", s, 0, 100), s);
  assert.equal(es("substring", "", 2), "");
  assert.equal(es("substring", null, 2), null);
  assert.equal(es("substring", s, null), s);
  assert.equal(es("substring", s, 6, null), "regsvr32.exe");
  assert.equal(es("substring", s, "6"), null);
});

// ---------------------------------------------------------------------------
// Legacy (Endgame) functions

Deno.test("arrayContains (legacy)", () => {
  const arr = ["value1", "value2", "value3"];
  assert.equal(lg("arrayContains", arr, "value2"), true);
  assert.equal(lg("arrayContains", arr, "value4"), false);
  assert.equal(lg("arrayContains", arr, "value3", "value4"), true);
  assert.equal(lg("arrayContains", arr, "VALUE1"), true);
  assert.equal(call("legacy", "arrayContains", [arr, "VALUE1"], false), false);
  assert.equal(lg("arrayContains", [1, 2, 3], 2), true);
  assert.equal(lg("arrayContains", [1, 2, 3], "2"), false);
  assert.equal(lg("arrayContains", [null, "a"], null), true);
  assert.equal(lg("arrayContains", [], "a"), false);
  assert.equal(lg("arrayContains", null, "a"), null);
  assert.equal(lg("arrayContains", "Value", "value"), true); // a scalar acts as a one-element array
});

Deno.test("between (legacy)", () => {
  const s = "welcome to event query language";
  assert.equal(lg("between", s, " ", " "), "to");
  assert.equal(lg("between", s, " ", " ", true), "to event query");
  assert.equal(lg("between", s, " ", " ", false), "to");
  assert.equal(lg("between", PATH, "SYSTEM32\\", ".EXE"), "cmd");
  assert.equal(call("legacy", "between", [PATH, "SYSTEM32\\", ".EXE"], false), null);
  assert.equal(lg("between", PATH, "nowhere", ".exe"), null);
  assert.equal(lg("between", PATH, "Windows", ".dll"), null);
  assert.equal(lg("between", "abc", "", ""), "");
  assert.equal(lg("between", "abc", "", "", true), "abc");
  assert.equal(lg("between", "a.b-c", "-", ".", true), null);
  assert.equal(lg("between", null, "a", "b"), null);
  assert.equal(lg("between", "ab", null, "b"), null);
});

Deno.test("cidrMatch (legacy)", () => {
  assert.equal(lg("cidrMatch", "192.168.152.12", "10.0.0.0/8", "192.168.0.0/16"), true);
  assert.equal(lg("cidrMatch", "192.168.152.12", "10.0.0.0/8"), false);
  assert.equal(lg("cidrMatch", "2001:db8::1", "2001:db8::/32"), true);
  assert.equal(lg("cidrMatch", null, "10.0.0.0/8"), false);
  assert.equal(lg("cidrMatch", "garbage", "10.0.0.0/8"), false);
  assert.equal(lg("cidrMatch", "::ffff:10.0.0.1", "10.0.0.0/8"), false);
  assert.equal(lg("cidrMatch", "10.0.0.1", "10.0.0.0/8", null), true);
});

Deno.test("indexOf (legacy)", () => {
  const s = "some-subdomain.another-subdomain.com";
  assert.equal(lg("indexOf", s, "."), 14);
  assert.equal(lg("indexOf", s, ".", 14), 14);
  assert.equal(lg("indexOf", s, ".", 15), 32);
  assert.equal(lg("indexOf", s, "SUB"), 5);
  assert.equal(lg("indexOf", s, "z"), null);
  assert.equal(lg("indexOf", s, ".", null), 14);
  // Python slicing: a negative start counts from the end.
  assert.equal(lg("indexOf", "subdomain.example.com", ".", -6), 17);
  assert.equal(lg("indexOf", "abc", "a", -10), 0);
  assert.equal(lg("indexOf", "abc", "", 3), 3);
  assert.equal(lg("indexOf", "abc", "", 4), null);
  // Positions count code points, as Python strings do.
  assert.equal(lg("indexOf", "😀a😀b", "b"), 3);
  assert.equal(lg("indexOf", "😀a😀a", "a", 2), 3);
  assert.equal(lg("indexOf", null, "a"), null);
  assert.equal(lg("indexOf", "a", null), null);
});

Deno.test("length (legacy): strings count code points, arrays their elements", () => {
  assert.equal(lg("length", "explorer.exe"), 12);
  assert.equal(lg("length", "é😀"), 2);
  assert.equal(lg("length", ""), 0);
  assert.equal(lg("length", ["a", "b", "c"]), 3);
  assert.equal(lg("length", []), 0);
  assert.equal(lg("length", null), null);
  assert.equal(lg("length", 5), null);
});

Deno.test("match and matchLite (legacy)", () => {
  for (const name of ["match", "matchLite"]) {
    assert.equal(lg(name, "event query language", "[a-z]+ [a-z]+ [a-z]"), true);
    assert.equal(lg(name, "event query language", "^query"), false);
    assert.equal(lg(name, "EVENT", "event"), true);
    assert.equal(call("legacy", name, ["EVENT", "event"], false), false);
    assert.equal(lg(name, "cmd.exe", "powershell", "cmd\\.exe"), true);
    assert.equal(lg(name, "ab", "a$"), false);
    assert.equal(lg(name, "a\n", "a$"), true);
    assert.equal(lg(name, "line1\nline2", ".*line2"), true);
    assert.equal(lg(name, "x٣", "x\\d"), true);
    assert.equal(lg(name, null, "a"), null);
    assert.equal(lg(name, ["abc"], "a"), true);
  }
});

Deno.test("number (legacy)", () => {
  assert.equal(lg("number", "1337"), 1337);
  assert.equal(lg("number", "0xdeadbeef", 16), 3735928559);
  assert.equal(lg("number", "0xdeadbeef"), 3735928559);
  assert.equal(lg("number", "1.5"), 1.5);
  assert.equal(lg("number", "-12"), -12);
  assert.equal(lg("number", "+7"), 7);
  assert.equal(lg("number", "17", 8), 15);
  assert.equal(lg("number", "ff", 16), null); // not "0x…" and not all digits
  assert.equal(lg("number", "deadbeef", 16), null);
  assert.equal(lg("number", "  12  "), null);
  assert.equal(lg("number", "1.2.3"), null);
  assert.equal(lg("number", "19", 8), null);
  assert.equal(lg("number", "0x10", 10), null);
  assert.equal(lg("number", "1.5", 16), null);
  assert.equal(lg("number", "abc"), null);
  assert.equal(lg("number", null), null);
});

Deno.test("stringContains (legacy): non-strings give false", () => {
  assert.equal(lg("stringContains", "start regsvr32.exe", "REGSVR32"), true);
  assert.equal(lg("stringContains", "abc", "d"), false);
  assert.equal(lg("stringContains", "abc", ""), true);
  assert.equal(lg("stringContains", "", ""), true);
  assert.equal(lg("stringContains", null, "a"), false);
  assert.equal(lg("stringContains", "a", null), false);
  assert.equal(call("legacy", "stringContains", ["ABC", "abc"], false), false);
});

Deno.test("substring (legacy)", () => {
  const s = "event query language";
  assert.equal(lg("substring", s, 0, 5), "event");
  assert.equal(lg("substring", s, 6, 11), "query");
  assert.equal(lg("substring", s, -8), "language");
  assert.equal(lg("substring", s, -5, -1), "guag");
  assert.equal(lg("substring", s, null, 5), "event");
  assert.equal(lg("substring", "a😀bc", 1, 3), "😀b");
  assert.equal(lg("substring", "a😀bc", -2), "bc");
  assert.equal(lg("substring", null, 1), null);
  assert.equal(lg("substring", s, "x"), null);
});

Deno.test("wildcard (legacy)", () => {
  const cmd = "sc.exe config svc start= auto";
  assert.equal(lg("wildcard", cmd, "* create *", "* config *", "* start *"), true);
  assert.equal(lg("wildcard", cmd, "* create *"), false);
  assert.equal(lg("wildcard", "C:\\Windows\\CMD.EXE", "*\\cmd.exe"), true);
  assert.equal(call("legacy", "wildcard", ["CMD.EXE", "cmd.exe"], false), false);
  assert.equal(lg("wildcard", "abc", "a?c"), false); // `?` is literal in Endgame
  assert.equal(lg("wildcard", "a?c", "a?c"), true);
  assert.equal(lg("wildcard", null, "*"), null);
  assert.equal(lg("wildcard", "abc", null), null);
});

Deno.test("string functions honour the case flag in legacy", () => {
  assert.equal(call("legacy", "startsWith", ["ABC", "a"], false), false);
  assert.equal(call("legacy", "indexOf", ["ABC", "b"], false), null);
  assert.equal(call("legacy", "arrayContains", [["A"], "a"], true), true);
});

// ---------------------------------------------------------------------------
// Python regular expression translation
