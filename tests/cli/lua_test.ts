/**
 * Lua predicates through the real CLI: `replay` with a rules directory
 * holding Lua modules (well-behaved and malicious ones), `query --lua`, and
 * byte-identical output, failures included, across runs.
 */
import assert from "node:assert/strict";
import { kestrel, ROOT } from "./kestrel.ts";

const RULES = `${ROOT}tests/fixtures/rules/lua_predicates`;

function event(n: number, name: string, cmd: string, args: string[]): string {
  return JSON.stringify({
    "@timestamp": `2024-01-01T00:00:${String(n).padStart(2, "0")}Z`,
    event: { category: "process", type: "start" },
    process: { pid: n, name, command_line: cmd, args },
  });
}

async function writeLog(): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".ndjson" });
  await Deno.writeTextFile(
    path,
    [
      event(1, "bash", "echo aWQ= | base64 -d | sh", ["bash", "-c", "x"]),
      event(2, "evil", "evil --now", ["evil", "-a", "-b", "-c"]),
      event(3, "ls", "ls -la", ["ls", "-la"]),
      event(4, "evil", "evil again", ["evil"]),
      event(5, "sh", "cat x | base64 --decode | /bin/sh", ["sh"]),
    ].join("\n") + "\n",
  );
  return path;
}

const FAILURES = [
  'kestrel: rule "evil_backtrack": lua("evil.backtrack") stopped: ' +
  "instruction limit of 100000 exceeded at evil.lua:25",
  'kestrel: rule "evil_hog": lua("evil.hog") stopped: allocation limit of 1.5 MB per call ' +
  "exceeded (16 bytes per instruction of the instruction limit)",
  'kestrel: rule "evil_import": lua("evil.import") failed: evil.lua:37: ' +
  "require is not available in the Kestrel Lua sandbox",
  'kestrel: rule "evil_read": lua("evil.read") failed: evil.lua:33: ' +
  "io is not available in the Kestrel Lua sandbox",
  'kestrel: rule "evil_run": lua("evil.run") failed: evil.lua:29: ' +
  "os is not available in the Kestrel Lua sandbox",
  'kestrel: rule "evil_spin": lua("evil.spin") stopped: ' +
  "instruction limit of 100000 exceeded at evil.lua:8",
  'kestrel: rule "evil_table_hog": lua("evil.table_hog") stopped: ' +
  "instruction limit of 100000 exceeded at evil.lua:20",
];

Deno.test("cli lua: replay runs Lua predicates, stops malicious ones and keeps going, identically every run", async () => {
  const log = await writeLog();
  try {
    const a = await kestrel(["replay", "--rules", RULES, "--events", log]);
    assert.equal(a.code, 0, a.stderr);
    const alerts = a.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(
      alerts.map((x) => `${x.kestrel.rule.id}:${x.events[0].process.pid}`),
      ["decode_to_shell:1", "many_flags:2", "plain:2", "plain:4", "decode_to_shell:5"],
    );
    const lines = a.stderr.trim().split("\n");
    // Each malicious rule fails on both evil events, in rule order per event.
    assert.deepEqual(lines.slice(0, -1), [...FAILURES, ...FAILURES]);
    const stats = JSON.parse(lines.at(-1)!);
    assert.equal(stats.alerts, 5);
    const b = await kestrel(["replay", "--rules", RULES, "--events", log]);
    assert.equal(b.stdout, a.stdout);
    assert.equal(b.stderr, a.stderr);
  } finally {
    await Deno.remove(log);
  }
});

Deno.test("cli lua: query --lua runs a predicate; without modules the name is a located error", async () => {
  const log = await writeLog();
  try {
    const q = 'process where lua("shell.decodes_to_shell", process.command_line)';
    const r = await kestrel(["query", "--lua", `${RULES}/lua`, "--eql", q, "--events", log]);
    assert.equal(r.code, 0, r.stderr);
    const pids = r.stdout.trim().split("\n").map((l) => JSON.parse(l).events[0].process.pid);
    assert.deepEqual(pids, [1, 5]);
    const bad = await kestrel(["query", "--eql", q, "--events", log]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^<query>:1:19: no Lua module "shell"/);
  } finally {
    await Deno.remove(log);
  }
});
