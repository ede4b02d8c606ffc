/**
 * The daemon's command line and configuration: `kestrel validate --config`
 * checks a file; the seeds' example config loads with warnings only and
 * runs; a config with mistakes stops `kestrel run` with located errors
 * naming each key, before anything starts; a busy port and a missing rules
 * directory each end the start with a clear message and exit 1;
 * `kestrel --config FILE` runs the daemon.
 */
import assert from "node:assert/strict";
import { kestrel } from "../cli/kestrel.ts";
import { DaemonProcess, Workspace } from "./helpers.ts";

const SEED = new URL("../fixtures/config/seed_example.toml", import.meta.url).pathname;

Deno.test("kestrel validate --config: the seeds' example loads with warnings only", async () => {
  const r = await kestrel(["validate", "--config", SEED]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /: error: |^\S+:\d+:\d+: (?!warning)/m);
  const summary = /config .*seed_example\.toml: 0 errors, (\d+) warnings\n$/.exec(r.stdout);
  assert.ok(summary, r.stdout);
  assert.ok(Number(summary[1]) > 0);
  assert.match(r.stdout, /seed_example\.toml:\d+:\d+: warning: general\.workers /);
});

Deno.test("the seeds' example config runs the daemon (paths moved to a scratch directory)", async () => {
  const ws = await Workspace.create("seed");
  let d: DaemonProcess | undefined;
  try {
    const seed = (await Deno.readTextFile(SEED))
      .replace(/^data_dir = .*$/m, `data_dir = "${ws.data}"`)
      .replace(/^file_path = .*$/m, `file_path = "${ws.dir}/alerts.json"`);
    await ws.write("seed.toml", seed);
    d = await DaemonProcess.start([
      "--config",
      `${ws.dir}/seed.toml`,
      "--rules",
      ws.rules,
      "--replay",
      "/dev/null",
    ]);
    assert.ok(d.url, d.stderr.text);
    // Warnings are printed, located, and the daemon runs.
    assert.match(d.stderr.text, /seed\.toml:\d+:\d+: warning: general\.workers /);
    assert.doesNotMatch(d.stderr.text, /: error: /);
    const health = await d.get("/api/v1/health");
    assert.equal(health.body.status, "ok");
    assert.equal((await d.stop()).code, 0, d.stderr.text);
  } finally {
    await d?.kill();
    await ws.remove();
  }
});

Deno.test("kestrel run with config mistakes: each key named with its place, exit 1", async () => {
  const ws = await Workspace.create("config-bad");
  try {
    await ws.write(
      "bad.toml",
      [
        "[alerts]",
        'outputs = ["stdout", "pager"]',
        "dedup_window_sec = -1",
        "[http]",
        'listen_addr = "127.0.0.1:9"',
        "[nfa]",
        'max_partial_matches = "many"',
        "",
      ].join("\n"),
    );
    const r = await kestrel(["run", "--config", `${ws.dir}/bad.toml`, "--listen", "127.0.0.1:0"]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    const located = r.stderr.split("\n").filter((l) => /^\S+bad\.toml:\d+:\d+: /.test(l));
    assert.equal(located.length, 4, r.stderr);
    assert.match(located[0], /bad\.toml:2:\d+: .*alerts\.outputs.*"pager"/);
    assert.match(located[1], /bad\.toml:3:\d+: .*alerts\.dedup_window_sec/);
    assert.match(located[2], /bad\.toml:5:1: unknown key http\.listen_addr/);
    assert.match(located[3], /bad\.toml:7:\d+: .*nfa\.max_partial_matches/);
    assert.match(
      r.stderr,
      /kestrel run: 4 error\(s\) in \S+bad\.toml; the sensor did not start\n$/,
    );
    const v = await kestrel(["validate", "--config", `${ws.dir}/bad.toml`]);
    assert.equal(v.code, 1);
    assert.match(v.stdout, /: 4 errors, 0 warnings\n$/);
  } finally {
    await ws.remove();
  }
});

Deno.test("a busy REST port and a missing rules directory each stop the start, exit 1", async () => {
  const ws = await Workspace.create("busy");
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await ws.writeConfig();
    const addr = `127.0.0.1:${(busy.addr as Deno.NetAddr).port}`;
    const r = await kestrel(["run", "--config", ws.config, "--listen", addr]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `kestrel run: cannot serve the REST API on ${addr}: the address is in use (set [http] listen or --listen)\n`,
    );
    const m = await kestrel([
      "run",
      "--config",
      ws.config,
      "--listen",
      "127.0.0.1:0",
      "--rules",
      `${ws.dir}/nowhere`,
    ]);
    assert.equal(m.code, 1);
    assert.match(m.stderr, /nowhere:1:1: .*\n/);
    assert.match(m.stderr, /kestrel run: 1 rule error\(s\); the sensor did not start\n$/);
  } finally {
    busy.close();
    await ws.remove();
  }
});

Deno.test("kestrel --config FILE (no command) runs the daemon", async () => {
  const ws = await Workspace.create("default-cmd");
  try {
    await ws.writeConfig();
    const r = await kestrel([
      "--config",
      ws.config,
      "--listen",
      "127.0.0.1:0",
      "--duration",
      "0.2",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^kestrel: REST API on http:\/\/127\.0\.0\.1:\d+ /m);
    assert.match(r.stderr, /no live event source/);
  } finally {
    await ws.remove();
  }
});
