/**
 * Lua predicates on the real WebAssembly Lua: values across the boundary,
 * the sandbox, the instruction and memory limits, and determinism.
 */
import assert from "node:assert/strict";
import {
  LuaModules,
  type LuaModulesOptions,
  type LuaRuleError,
} from "../../../runtimes/lua/mod.ts";
import type { Value } from "../../../eql/value.ts";

const MB = 1024 * 1024;

async function load(
  text: string,
  options: Partial<LuaModulesOptions> = {},
): Promise<{ modules: LuaModules; errors: LuaRuleError[] }> {
  const errors: LuaRuleError[] = [];
  const r = await LuaModules.load([{ path: "rules/lua/m.lua", text }], {
    memoryBytes: 16 * MB,
    instructions: 100_000,
    onError: (e) => errors.push(e),
    ...options,
  });
  assert.deepEqual(r.diagnostics, []);
  return { modules: r.modules, errors };
}

function call(modules: LuaModules, fn: string, ...args: Value[]): Value {
  return modules.bind(`m.${fn}`, "rule-1")(args);
}

const EVIL = `
local M = {}
function M.spin() local n = 0 while true do n = n + 1 progress = n end end
function M.progress() return progress end
function M.swallow()
  while true do pcall(function() while true do end end) end
end
function M.swallow_xpcall()
  for i = 1, 1e9 do xpcall(function() while true do end end, function(e) return e end) end
end
function M.rep31() return #string.rep("x", 2^31) end
function M.rep28() return #string.rep("x", 2^28) end
function M.grow() local t = {} for i = 1, 1e9 do t[i] = "value " .. i end return #t end
function M.keep() hoard = hoard or {} hoard[#hoard + 1] = string.rep("y", 200 * 1024) return #hoard end
function M.ok(x) return x == "fine" end
return M`;

Deno.test("lua: values cross both ways", async () => {
  const { modules, errors } = await load(`
    local M = {}
    function M.echo(x) return x end
    function M.kind(x) return math.type(x) or type(x) end
    function M.count(t) return #t end
    function M.join(t) return table.concat(t, ",") end
    function M.nested(t) return t[2][1] end
    function M.upper(s) return s:upper() end
    function M.len(s) return #s end
    function M.tbl() return {} end
    return M`);
  assert.equal(call(modules, "echo", "héllo ✓ 𝄞"), "héllo ✓ 𝄞");
  assert.equal(call(modules, "echo", "nul\0inside"), "nul\0inside");
  // Longer than any string before: the host's scratch memory grows on the way in.
  const long = "é".repeat(100_000);
  assert.equal(call(modules, "echo", long), long);
  assert.equal(call(modules, "echo", 42), 42);
  assert.equal(call(modules, "echo", 2.5), 2.5);
  assert.equal(call(modules, "echo", true), true);
  assert.equal(call(modules, "echo", null), null);
  assert.equal(call(modules, "kind", 42), "integer");
  assert.equal(call(modules, "kind", 2.5), "float");
  assert.equal(call(modules, "kind", null), "nil");
  assert.equal(call(modules, "count", ["a", null, "b"]), 2, "null elements are left out");
  assert.equal(call(modules, "join", ["a", "b", "c"]), "a,b,c");
  assert.equal(call(modules, "nested", ["a", ["inner"]]), "inner");
  assert.equal(call(modules, "upper", "abc"), "ABC");
  assert.equal(call(modules, "len", "é"), 2, "Lua sees UTF-8 bytes");
  assert.equal(errors.length, 0);
  // A table is not a predicate result: an error, and null.
  assert.equal(call(modules, "tbl"), null);
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /returned a table; a predicate returns a boolean/);
});

Deno.test("lua: an infinite loop stops at the instruction limit, at the same point every time", async () => {
  const runs = [];
  for (let i = 0; i < 2; i++) {
    // Two separate WebAssembly instances: nothing is shared between the runs.
    const { modules, errors } = await load(EVIL);
    assert.equal(call(modules, "spin", "x"), null);
    runs.push({ progress: call(modules, "progress"), errors });
    // The state is usable after the stop.
    assert.equal(call(modules, "ok", "fine"), true);
  }
  assert.equal(runs[0].errors.length, 1);
  const e = runs[0].errors[0];
  assert.equal(e.rule, "rule-1");
  assert.equal(e.fn, "m.spin");
  assert.equal(e.kind, "instructions");
  assert.equal(e.message, "instruction limit of 100000 exceeded at m.lua:3");
  assert.ok(typeof runs[0].progress === "number" && runs[0].progress > 10_000);
  assert.deepEqual(runs[0], runs[1]);
});

Deno.test("lua: catching the limit error with pcall or xpcall does not escape the limit", async () => {
  const { modules, errors } = await load(EVIL);
  assert.equal(call(modules, "swallow"), null);
  assert.equal(call(modules, "swallow_xpcall"), null);
  assert.deepEqual(errors.map((e) => e.kind), ["instructions", "instructions"]);
  assert.match(errors[0].message, /^instruction limit of 100000 exceeded at m\.lua:6$/);
  assert.match(errors[1].message, /^instruction limit of 100000 exceeded at m\.lua:9$/);
  assert.equal(call(modules, "ok", "fine"), true);
});

Deno.test("lua: huge allocations are stopped with a clear error and the state stays bounded", async () => {
  const { modules, errors } = await load(EVIL, { memoryBytes: 8 * MB, instructions: 1e9 });
  assert.equal(call(modules, "rep31"), null);
  assert.equal(call(modules, "rep28"), null);
  assert.equal(call(modules, "grow"), null);
  assert.deepEqual(errors.map((e) => [e.kind, e.message]), [
    ["memory", "m.lua:11: a string of 2147483648 bytes exceeds the limit of 256 KB per string"],
    ["memory", "m.lua:12: a string of 268435456 bytes exceeds the limit of 256 KB per string"],
    ["memory", "memory limit of 8 MB exceeded"],
  ]);
  // Memory a predicate keeps counts too: after some 200 KB strings, the next does not fit.
  let kept = 0;
  while (call(modules, "keep") === kept + 1) kept++;
  assert.ok(kept >= 20 && kept < 41, `kept ${kept} strings of 200 KB in 8 MB`);
  assert.equal(errors.at(-1)?.message, "memory limit of 8 MB exceeded");
  assert.ok(modules.memoryUsed <= 8 * MB, `${modules.memoryUsed} bytes held`);
  assert.equal(call(modules, "ok", "fine"), true);
});

Deno.test("lua: work inside the C library counts against the instruction limit", async () => {
  const { modules, errors } = await load(
    `
    local M = {}
    function M.backtrack() local at = string.find(string.rep("a", 5000), ".-.-.-.-b") return at end
    function M.empty_rep() return #string.rep("", 2^40) end
    function M.move() return table.move({}, 1, 2^40, 1, {}) end
    function M.concat_loop()
      local s = string.rep("x", 200000)
      while true do local t = s .. "y" end
    end
    function M.sort_loop()
      local t = {}
      for i = 1, 1000 do t[i] = -i end
      while true do table.sort(t) end
    end
    function M.optional()
      local at = string.find(string.rep("a", 30), string.rep("a?", 30) .. string.rep("a", 30))
      return at
    end
    function M.normal(cmd)
      return cmd:find("base64%s+%-%-?d") ~= nil and cmd:match("|%s*(%S+)$") or false
    end
    return M`,
    { instructions: 1_000_000 },
  );
  const stopped = ["backtrack", "empty_rep", "move", "concat_loop", "sort_loop", "optional"];
  for (const fn of stopped) {
    assert.equal(call(modules, fn), null, fn);
  }
  assert.deepEqual(errors.map((e) => e.message), [
    "instruction limit of 1000000 exceeded at m.lua:3",
    "instruction limit of 1000000 exceeded at m.lua:4",
    "instruction limit of 1000000 exceeded", // a tail call: no frame of the module left
    "allocation limit of 15.3 MB per call exceeded (16 bytes per instruction of the " +
    "instruction limit)",
    "instruction limit of 1000000 exceeded at m.lua:13",
    "instruction limit of 1000000 exceeded at m.lua:16",
  ]);
  assert.equal(call(modules, "normal", "echo x | base64 -d | sh"), "sh");
});

Deno.test("lua: work inside the C library counts for numbers C turns into strings", async () => {
  // C coerces a number subject or pattern to its text; the cost checks must see that text.
  const source = `
    local M = {}
    local evil = string.rep("1*", 18) .. "2"
    function M.find() return (string.find(1111111111111111111, evil)) end
    function M.match() return (string.match(1111111111111111111, evil)) end
    function M.gmatch() for m in string.gmatch(1111111111111111111, evil) do return m end end
    function M.gsub() return (string.gsub(1111111111111111111, evil, "x")) end
    local subject = string.rep("1" .. string.rep("e", 1000), 200)
    function M.pattern()
      progress = 0
      while true do string.find(subject, 1e300) progress = progress + 1 end
    end
    function M.progress() return progress end
    function M.rep_sep() return #string.rep("a", 100000, 123456789012345) end
    function M.normal() return string.find(12345, 34), string.gsub(1010, 0, 2) end
    return M`;
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const { modules, errors } = await load(source, { instructions: 1_000_000 });
    for (const fn of ["find", "match", "gmatch", "gsub", "pattern", "rep_sep"]) {
      assert.equal(call(modules, fn), null, fn);
    }
    runs.push({ progress: call(modules, "progress"), errors: errors.map((e) => e.message) });
    assert.equal(call(modules, "normal"), 3);
  }
  assert.deepEqual(runs[0].errors, [
    "instruction limit of 1000000 exceeded at m.lua:4",
    "instruction limit of 1000000 exceeded at m.lua:5",
    "instruction limit of 1000000 exceeded at m.lua:6",
    "instruction limit of 1000000 exceeded at m.lua:7",
    "instruction limit of 1000000 exceeded at m.lua:11",
    "m.lua:14: a string of 1599985 bytes exceeds the limit of 256 KB per string",
  ]);
  // The numeric pattern's search is charged: a few calls, not a million instructions' worth.
  assert.ok(typeof runs[0].progress === "number" && runs[0].progress < 20, `${runs[0].progress}`);
  assert.deepEqual(runs[0], runs[1]);
});

Deno.test("lua: the sandbox has no way out", async () => {
  const { modules, errors } = await load(`
    local M = {}
    function M.os() return os.execute("touch /tmp/kestrel-lua-escaped") end
    function M.io() local f = io.open("/etc/passwd") return f:read("a") end
    function M.require() return require("os") end
    function M.dofile() return dofile("/etc/passwd") end
    function M.loadfile() return loadfile("/etc/passwd") end
    function M.debug() return debug.sethook() end
    function M.gc() return collectgarbage("count") end
    function M.print() print("to stdout") end
    function M.coroutine() return coroutine.wrap(function() end) end
    function M.dump() return string.dump(M.os) end
    function M.binary() local f, err = load("\\27Lua") return err end
    function M.finalizer() setmetatable({}, {__gc = function() while true do end end}) return 1 end
    function M.randomseed() math.randomseed() return 1 end
    function M.string_mt() return getmetatable("") end
    function M.globals_mt() return getmetatable(_G) end
    function M.text_load() return load("return 1 + 1")() end
    return M`);
  const expect = (fn: string, message: RegExp) => {
    const before = errors.length;
    assert.equal(call(modules, fn), null, fn);
    assert.equal(errors.length, before + 1, `${fn} should fail`);
    assert.match(errors[before].message, message, fn);
  };
  expect("os", /^m\.lua:3: os is not available in the Kestrel Lua sandbox$/);
  expect("io", /^m\.lua:4: io is not available/);
  expect("require", /^m\.lua:5: require is not available/);
  expect("dofile", /dofile is not available/);
  expect("loadfile", /loadfile is not available/);
  expect("debug", /debug is not available/);
  expect("gc", /collectgarbage is not available/);
  expect("print", /print is not available/);
  expect("coroutine", /coroutine is not available/);
  expect("dump", /attempt to call a nil value \(field 'dump'\)/);
  expect("finalizer", /__gc metamethods are not allowed/);
  expect("randomseed", /math\.randomseed needs a seed/);
  assert.match(String(call(modules, "binary")), /attempt to load a binary chunk/);
  assert.equal(call(modules, "string_mt"), false);
  assert.equal(call(modules, "globals_mt"), false);
  assert.equal(call(modules, "text_load"), 2);
  await assert.rejects(Deno.stat("/tmp/kestrel-lua-escaped"), Deno.errors.NotFound);
});

Deno.test("lua: table order and math.random are the same in every state", async () => {
  const text = `
    local M = {}
    function M.order()
      local t = {}
      for i = 1, 200 do t["key" .. i] = i end
      local out = {}
      for k in pairs(t) do out[#out + 1] = k end
      return table.concat(out, " ")
    end
    function M.random() return math.random(1, 1e9) end
    return M`;
  // Lua seeds its hashing from the clock: states made at different times must agree.
  const at = async (ms: number) => {
    const now = Date.now;
    Date.now = () => ms;
    try {
      return (await load(text)).modules;
    } finally {
      Date.now = now;
    }
  };
  const a = await at(1_000_000_000_000), b = await at(1_700_000_000_000);
  assert.equal(call(a, "order"), call(b, "order"));
  assert.equal(call(a, "random"), call(b, "random"));
});

Deno.test("lua: module problems are located diagnostics, and names resolve with reasons", async () => {
  const files = [
    { path: "r/lua/good.lua", text: "return { yes = function() return true end }" },
    { path: "r/lua/syntax.lua", text: "local M = {}\nfunction M.f(\nreturn M\n" },
    { path: "r/lua/loops.lua", text: "local M = {}\nwhile true do end\nreturn M\n" },
    { path: "r/lua/number.lua", text: "return 42" },
    { path: "r/lua/globals.lua", text: "function is_odd(n) return n % 2 == 1 end" },
    { path: "r/lua/bad-name.lua", text: "return {}" },
    { path: "other/good.lua", text: "return {}" },
  ];
  const r = await LuaModules.load(files, { memoryBytes: 4 * MB, instructions: 10_000 });
  const shown = r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`);
  assert.deepEqual(shown, [
    'r/lua/bad-name.lua:1:1: a Lua module name must be a Lua identifier (letters, digits, _), found "bad-name"',
    'other/good.lua:1:1: Lua module "good" is already defined by r/lua/good.lua',
    "r/lua/syntax.lua:3:1: <name> or '...' expected near 'return'",
    "r/lua/loops.lua:2:1: the module failed to load: instruction limit of 10000 exceeded at loops.lua:2",
    "r/lua/number.lua:1:1: the module failed to load: the module returned a number; " +
    "a module returns a table of functions or defines global functions",
  ]);
  const m = r.modules;
  assert.equal(m.resolve("good", "yes"), null);
  assert.equal(m.resolve("globals", "is_odd"), null);
  assert.equal(
    m.resolve("globals", "pairs"),
    'Lua module "globals" (r/lua/globals.lua) has no function "pairs" (it has is_odd)',
  );
  assert.equal(
    m.resolve("good", "no"),
    'Lua module "good" (r/lua/good.lua) has no function "no" (it has yes)',
  );
  assert.equal(m.resolve("syntax", "f"), 'Lua module "syntax" (r/lua/syntax.lua) failed to load');
  assert.match(m.resolve("absent", "f")!, /^no Lua module "absent": put it in lua\/absent\.lua/);
  assert.equal(m.bind("globals.is_odd", "r")([3]), true);
});
