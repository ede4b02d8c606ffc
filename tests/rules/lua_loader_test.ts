/**
 * Loading rules that call Lua predicates: modules from the rules
 * directory's `lua/` and `[lua] modules_dir`, names resolved at load with
 * located errors, `[lua] enabled = false`, and Lua kept out of loads (and
 * out of the start-up module graph) that do not use it.
 */
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../eql/errors.ts";
import { Engine, type Match } from "../../engine/engine.ts";
import { Schema } from "../../engine/schema.ts";
import { FieldPaths, JsonEvent } from "../../engine/event.ts";
import { loadRules } from "../../rules/loader/mod.ts";
import type { LoadResult } from "../../rules/loader/mod.ts";

const ROOT = decodeURIComponent(new URL("../../", import.meta.url).pathname);
const FIXTURE = `${ROOT}tests/fixtures/rules/lua_predicates`;

function shown(r: LoadResult): string[] {
  return r.diagnostics.map((d) => formatDiagnostic(d));
}

async function tempRules(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/${path}`.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeTextFile(`${dir}/${path}`, text);
  }
  return dir;
}

Deno.test("lua loader: the fixture ruleset loads and its predicates run in the engine", async () => {
  const schema = Schema.ecs();
  const r = await loadRules(FIXTURE, { schema });
  assert.deepEqual(shown(r), []);
  assert.equal(r.rules.length, 10);
  assert.ok(r.rules.every((rule) => rule.lua !== undefined));
  const matches: string[] = [];
  const engine = new Engine(r.rules, {
    schema,
    onMatch: (m: Match) => matches.push(`${r.rules[m.rule].id}:${m.events[0].get(pid)}`),
  });
  const pid = schema.lookup("process.pid")!.id;
  const paths = new FieldPaths(schema);
  const doc = (n: number, name: string, cmd: string, args: string[]) =>
    new JsonEvent(
      {
        "@timestamp": `2024-01-01T00:00:0${n}Z`,
        event: { category: "process", type: "start" },
        process: { pid: n, name, command_line: cmd, args },
      },
      BigInt(n) * 1_000_000_000n,
      n,
      paths,
    );
  engine.process(doc(1, "bash", "echo aWQ= | base64 -d | sh", ["bash"]));
  engine.process(doc(2, "ls", "ls -la", ["ls", "-l", "-a", "-h"]));
  engine.process(doc(3, "bash", "base64 -d x.txt", ["bash"]));
  assert.deepEqual(matches, ["decode_to_shell:1", "many_flags:2"]);
});

Deno.test("lua loader: a missing module or function is an error located at the name", async () => {
  const dir = await tempRules({
    "lua/net.lua": "local M = {}\nfunction M.is_tor(ip) return false end\nreturn M\n",
    "a.eql": 'network where lua("net.is_tor", destination.ip)\n' +
      'or lua("net.is_vpn", destination.ip)\n',
    "b.yaml": 'id: b\nname: B\neql: |\n  process where\n    lua("proc.odd", process.pid)\n',
  });
  try {
    const r = await loadRules(dir);
    assert.deepEqual(shown(r), [
      `${dir}/a.eql:2:8: Lua module "net" (${dir}/lua/net.lua) has no function "is_vpn" ` +
      `(it has is_tor)\n  or lua("net.is_vpn", destination.ip)\n         ^`,
      `${dir}/b.yaml:5:9: no Lua module "proc": put it in lua/proc.lua beside the rules ` +
      `(or in [lua] modules_dir)\n      lua("proc.odd", process.pid)\n          ^`,
    ]);
    assert.equal(r.rules.length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lua loader: a broken module is an error in the module and where it is used", async () => {
  const dir = await tempRules({
    "lua/broken.lua": "local M = {}\nfunction M.f(x)\n  return x ==\nend\nreturn M\n",
    "r.eql": 'process where lua("broken.f", process.name)\n',
  });
  try {
    const r = await loadRules(dir);
    assert.deepEqual(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`), [
      `${dir}/lua/broken.lua:4:1: unexpected symbol near 'end'`,
      `${dir}/r.eql:1:19: Lua module "broken" (${dir}/lua/broken.lua) failed to load`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lua loader: modules_dir adds modules; enabled = false rejects lua() calls", async () => {
  const dir = await tempRules({
    "rules/r.eql": 'process where lua("extra.yes", process.name)\n',
    "modules/extra.lua": "return { yes = function() return true end }\n",
  });
  try {
    const without = await loadRules(`${dir}/rules`);
    assert.match(without.diagnostics[0].message, /no Lua module "extra"/);
    const r = await loadRules(`${dir}/rules`, { lua: { modulesDir: `${dir}/modules` } });
    assert.deepEqual(shown(r), []);
    assert.equal(r.rules.length, 1);
    const off = await loadRules(`${dir}/rules`, {
      lua: { enabled: false, modulesDir: `${dir}/modules` },
    });
    assert.deepEqual(off.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`), [
      "1:19: Lua predicates are disabled ([lua] enabled = false)",
    ]);
    const missing = await loadRules(`${dir}/rules`, { lua: { modulesDir: `${dir}/nowhere` } });
    assert.match(
      missing.diagnostics[0].message,
      /^cannot read the Lua modules directory: no such file or directory$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lua loader: a literal module.fn is required", async () => {
  const dir = await tempRules({
    "lua/m.lua": "return { f = function() return true end }\n",
    "a.eql": "process where lua(process.name)\n",
    "b.eql": 'process where lua("m")\n',
    "c.eql": "process where lua()\n",
  });
  try {
    const r = await loadRules(dir);
    assert.deepEqual(
      r.diagnostics.map((d) => `${d.file.replace(dir, "")}:${d.col}: ${d.message}`),
      [
        "/a.eql:19: argument 1 of lua must be a literal",
        '/b.eql:19: expected "module.function" naming a Lua function, found "m"',
        "/c.eql:15: function lua takes at least 1 argument, found 0",
      ],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lua loader: rulesets without lua() never load Lua, and start-up does not import it", async () => {
  const r = await loadRules(`${ROOT}tests/fixtures/rules/corpus`);
  assert.ok(r.rules.length > 10);
  assert.ok(r.rules.every((rule) => rule.lua === undefined));
  // The module graph of the binary: Lua is reachable only through a dynamic import.
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", `${ROOT}main.ts`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  };
  const deps = new Map(graph.modules.map((m) => [m.specifier, m.dependencies ?? []]));
  const staticGraph = new Set<string>();
  const visit = (s: string) => {
    if (staticGraph.has(s)) return;
    staticGraph.add(s);
    for (const d of deps.get(s) ?? []) if (!d.isDynamic && d.code) visit(d.code.specifier);
  };
  visit(new URL(`file://${ROOT}main.ts`).href);
  const lua = [...deps.keys()].filter((s) => s.includes("/runtimes/lua/") || s.includes("wasmoon"));
  assert.ok(lua.length > 0, "the Lua runtime is in the graph at all");
  assert.deepEqual(lua.filter((s) => staticGraph.has(s)), []);
});
