/**
 * The Lua pattern matcher of the sandbox (patterns.lua, which runs patterns
 * that could backtrack too long in C, with every step counted) against
 * Lua's own C matcher: find, match, gmatch and gsub with every kind of
 * replacement, results and error messages, on hand-picked and on seeded
 * random patterns.
 */
import assert from "node:assert/strict";
import { LuaModules } from "../../../runtimes/lua/mod.ts";

const PAT = await Deno.readTextFile(new URL("../../../runtimes/lua/patterns.lua", import.meta.url));
const text = `local L = (function() ${PAT} end)()
local M = {}
local function pack(...) return { n = select("#", ...), ... } end
local function show(t)
  local out = {}
  for i = 1, t.n do out[i] = type(t[i]) .. ":" .. tostring(t[i]) end
  return table.concat(out, ",")
end
local function run(f, ...)
  local r = pack(pcall(f, ...))
  if not r[1] then return "error:" .. tostring(r[2]):gsub("^[^:]*:%d+: ", "") end
  return show(r)
end
local function gm(g) return function(s, p) local out = {} for a, b in g(s, p) do out[#out+1] = tostring(a) .. "|" .. tostring(b) end return table.concat(out, ";") end end
local REPL = { a = "A", ab = false, x = 7 }
local function fn(a, b) if a == "b" then return nil end return "<" .. tostring(a) .. tostring(b) .. ">" end
function M.compare(s, p)
  local cases = {
    { "find", L.find, string.find, s, p },
    { "find3", L.find, string.find, s, p, 3 },
    { "findneg", L.find, string.find, s, p, -4 },
    { "match", L.match, string.match, s, p },
    { "gmatch", gm(L.gmatch), gm(string.gmatch), s, p },
    { "gsub", L.gsub, string.gsub, s, p, "[%0|%1]" },
    { "gsubn", L.gsub, string.gsub, s, p, "x", 2 },
    { "gsubt", L.gsub, string.gsub, s, p, REPL },
    { "gsubf", L.gsub, string.gsub, s, p, fn },
  }
  for _, c in ipairs(cases) do
    local a = run(c[2], table.unpack(c, 4, 7))
    local b = run(c[3], table.unpack(c, 4, 7))
    if a ~= b then return c[1] .. " s=" .. s .. " p=" .. p .. "\\n lua: " .. a .. "\\n   C: " .. b end
  end
  return ""
end
return M`;

const fixed: [string, string][] = [
  ["hello world", "o w"],
  ["hello world", "(o)(r)"],
  ["hello", "()ll()"],
  ["abc", "^(a)"],
  ["abc", "c$"],
  ["a$c", "$c"],
  ["THE (quick) fox", "%((%a+)%)"],
  ["f(a(b)c)d", "%b()"],
  ["THE quick", "%f[%a]%a+"],
  ["x = 1, y = 22", "(%w+)%s*=%s*(%w+)"],
  ["aaa", "a-"],
  ["aaa", "a*"],
  ["aaa", "a+"],
  ["aaa", "a?"],
  ["", "a*"],
  ["abab", "(ab)%1"],
  ["abcabc", "(a)(b)(c)%3"],
  ["[x]", "[%]]"],
  ["a-b", "[a-]"],
  ["a]b", "[]]"],
  ["abc", "[^a]+"],
  ["1.5e3", "%d+%.?%d*"],
  ["  trim  ", "^%s*(.-)%s*$"],
  ["key=val", "(%w+)=(%w+)"],
  ["a.b", "."],
  ["abc", "%"],
  ["abc", "[a"],
  ["abc", "(a"],
  ["abc", "a)"],
  ["abc", "%1"],
  ["abc", "%b"],
  ["abc", "%f"],
  ["hello", "l+"],
  ["ab", "()"],
  ["x", "%w%W?"],
  ["\0a\0", "%z"],
  ["a\0b", "[%z]"],
  ["AbC", "%u"],
  ["AbC", "%U+"],
  ["hello world from lua", "%s()"],
  ["one two", "(%a+) (%a+)"],
  ["aaa", "^a"],
  ["baaa", "^a"],
  ["abc", ""],
  ["", ""],
  ["ab", "ab$"],
  ["ab", "b$$"],
  ["a.b.c", "%."],
  ["caaab", ".-b"],
  ["xyz", "[x-z]+"],
  ["--a--", "%-+"],
  ["a+b", "a%+b"],
];

const ATOMS = [
  "%%",
  "[%a-]",
  "[^]]",
  "$",
  "^",
  "%]",
  "a",
  "b",
  ".",
  "%a",
  "%d",
  "[ab]",
  "[^a]",
  "%s",
  "(a)",
  "()",
  "%b()",
  "%f[%w]",
  "x",
  "(",
  ")",
  "%1",
  "[a-c]",
];
const QUANTIFIERS = ["", "", "*", "+", "-", "?"];
const CHARS = "aab b(a)1 2xc%]-^$";

/** Random patterns of up to 4 items (at most 2 unbounded repetitions, so C stays fast) and subjects. */
function* randomCases(seed: number, count: number): Generator<[string, string]> {
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < count; i++) {
    let p = rnd(5) === 0 ? "^" : "";
    let unbounded = 0;
    for (let j = 1 + rnd(4); j > 0; j--) {
      const a = ATOMS[rnd(ATOMS.length)];
      const single = a.length <= 4 && !/^(\(|%b|%f|\)$|%1$)/.test(a);
      let q = single ? QUANTIFIERS[rnd(QUANTIFIERS.length)] : "";
      if ("*+-".includes(q) && q !== "" && unbounded >= 2) q = "";
      if (q !== "" && "*+-".includes(q)) unbounded++;
      p += a + q;
    }
    if (rnd(6) === 0) p += "$";
    let s = "";
    for (let j = rnd(14); j > 0; j--) s += CHARS[rnd(CHARS.length)];
    yield [s, p];
  }
}

Deno.test("lua patterns: the Lua matcher agrees with C's on every case", async () => {
  const r = await LuaModules.load([{ path: "d.lua", text }], {
    memoryBytes: 64 << 20,
    instructions: 1e8,
  });
  assert.deepEqual(r.diagnostics, []);
  const compare = r.modules.bind("d.compare", "test");
  const differences: string[] = [];
  for (const [s, p] of [...fixed, ...randomCases(7, 3000)]) {
    const out = compare([s, p]);
    if (out !== "") differences.push(String(out));
  }
  assert.deepEqual(differences.slice(0, 10), []);
});
