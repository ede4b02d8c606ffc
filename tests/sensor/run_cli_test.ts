/**
 * `kestrel run` as a real subprocess: alerts on stdout, decoded events in
 * `--events-out` (which `kestrel replay` reads back to the same alert),
 * SIGTERM and `--duration` stop it cleanly with exit 0, and an
 * unprivileged start ends with one clear message and exit code 2. The REST
 * API listens on a free port (`--listen 127.0.0.1:0`) with its token in a
 * scratch data directory, so parallel tests never share port 9090.
 */
import assert from "node:assert/strict";
import { bpfTest } from "../ffi/require_bpf.ts";
import { isRoot } from "../../ffi/kernel_env.ts";
import { marker, run, SENSOR_OBJECTS } from "./live.ts";
import { DaemonProcess, MAIN } from "../daemon/helpers.ts";
import { kestrel } from "../cli/kestrel.ts";

/** A config file in `dir` that keeps the daemon's state (the API token) in `dir/data`. */
async function scratchConfig(dir: string): Promise<string> {
  const path = `${dir}/kestrel.toml`;
  await Deno.writeTextFile(path, `[general]\ndata_dir = "${dir}/data"\n`);
  return path;
}

bpfTest("kestrel run: alerts on stdout, events to --events-out, SIGTERM stops it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kestrel-run-" });
  const config = await scratchConfig(dir);
  const name = marker("cli");
  await Deno.mkdir(`${dir}/rules`);
  await Deno.writeTextFile(
    `${dir}/rules/cli.yaml`,
    `id: cli_marker\nname: Marker exec\nseverity: low\neql: |\n  process where event.action == "exec" and process.args == "${name}"\n`,
  );
  const eventsOut = `${dir}/events.ndjson`;
  const daemon = await DaemonProcess.start([
    "--config",
    config,
    "--rules",
    `${dir}/rules`,
    "--events-out",
    eventsOut,
    "--ringbuf-size",
    "1M",
  ]);
  const { stdout, stderr } = daemon;
  try {
    assert.match(stderr.text, /collecting with 1 rule\(s\), ring buffer 1,024 KiB/, stderr.text);
    const sh = await run("/bin/sh", ["-c", ":", name]);
    assert.equal(sh.code, 0);
    // Records committed before the signal are drained before it exits.
    const status = await daemon.stop();
    assert.equal(status.code, 0, stderr.text);
    assert.doesNotMatch(stderr.text, /Error:|^\s+at /m);
    const alerts = stdout.text.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(alerts.length, 1, stdout.text);
    const alert = alerts[0];
    assert.equal(alert.kestrel.rule.id, "cli_marker");
    assert.equal(alert.kestrel.alert.degraded, false);
    assert.equal(alert.events[0].process.pid, sh.pid);
    assert.deepEqual(alert.events[0].process.args, ["/bin/sh", "-c", ":", name]);
    const stats = JSON.parse(stderr.text.trim().split("\n").at(-1)!);
    assert.equal(stats.rules, 1);
    assert.ok(stats.received > 0 && stats.decoded === stats.received);
    assert.equal(stats.alerts, 1);
    // The events file is the replay format: replaying it gives the same alert.
    const lines = (await Deno.readTextFile(eventsOut)).trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, stats.events_out);
    const exec = lines.filter((e) => e.process?.pid === sh.pid && e.event.action === "exec");
    assert.equal(exec.length, 1);
    assert.match(exec[0]["@timestamp"], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,9}Z$/);
    const replay = await kestrel(["replay", "--rules", `${dir}/rules`, "--events", eventsOut]);
    assert.equal(replay.code, 0, replay.stderr);
    const replayed = replay.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(replayed.map((a) => a.kestrel.alert.id), [alert.kestrel.alert.id]);
  } finally {
    await daemon.kill();
    await Deno.remove(dir, { recursive: true });
  }
}, { objects: SENSOR_OBJECTS });

bpfTest(
  "kestrel run --duration stops by itself; with an empty rules directory it collects",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "kestrel-run-" });
    let r;
    try {
      const config = await scratchConfig(dir);
      await Deno.mkdir(`${dir}/rules`);
      r = await run(Deno.execPath(), [
        "run",
        "-A",
        MAIN,
        "run",
        "--config",
        config,
        "--rules",
        `${dir}/rules`,
        "--duration",
        "0.5",
        "--listen",
        "127.0.0.1:0",
      ], { env: { NO_COLOR: "1" } });
      // The generated API token: private to its owner.
      assert.equal((await Deno.stat(`${dir}/data/api.token`)).mode! & 0o777, 0o600);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    const lines = r.stderr.trim().split("\n");
    assert.equal(
      lines[0],
      `kestrel: REST API on ${
        /http:\/\/127\.0\.0\.1:\d+/.exec(lines[0])?.[0]
      } (token in ${dir}/data/api.token)`,
    );
    assert.match(r.stderr, /^BPF: libbpf \d+\.\d+, BTF yes/m);
    assert.match(r.stderr, /^kestrel run: collecting with 0 rule\(s\)/m);
    const stats = JSON.parse(lines.at(-1)!);
    assert.equal(stats.rules, 0);
    assert.equal(stats.alerts, 0);
  },
  { objects: SENSOR_OBJECTS },
);

Deno.test("kestrel run unprivileged: one clear message, exit 2, no stack trace", async () => {
  let r;
  if (isRoot()) {
    // As nobody, from a bundle in a directory nobody can read (the checkout may not be).
    const dir = await Deno.makeTempDir({ prefix: "kestrel-nobody-" });
    try {
      await Deno.chmod(dir, 0o777);
      const bundle = `${dir}/kestrel.js`;
      const b = await run(Deno.execPath(), [
        "bundle",
        "--platform",
        "deno",
        "--output",
        bundle,
        MAIN,
      ]);
      assert.equal(b.code, 0, b.stderr);
      await Deno.chmod(bundle, 0o644);
      r = await run("setpriv", [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
        Deno.execPath(),
        "run",
        "-A",
        bundle,
        "run",
      ], { clearEnv: true, env: { DENO_DIR: `${dir}/deno`, HOME: dir, NO_COLOR: "1" } });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  } else {
    r = await run(Deno.execPath(), ["run", "-A", MAIN, "run"], { env: { NO_COLOR: "1" } });
  }
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(
    r.stderr,
    "kestrel run: no rules directory given: running the built-in default ruleset\n" +
      `kestrel run: cannot collect kernel events: needs root or CAP_BPF + CAP_PERFMON (running as uid ${
        isRoot() ? 65534 : Deno.uid()
      })\n`,
  );
});
