/**
 * Live and replay share one path: `kestrel run` with the fixture rule
 * corpus (sequences and samples among them) and `[replay] record` on runs
 * a scripted workload on the real sensor, writing alerts to stdout and
 * every event, heartbeat and loss of records to a `.klog` in its recording
 * directory; then `kestrel replay` of that recording prints byte-identical
 * alert lines — including a trailing missing step that only event time
 * passing resolves (the heartbeat, on an idle host), and the `degraded`
 * mark of alerts that overlapped lost records, if any were lost.
 */
import assert from "node:assert/strict";
import { bpfTest } from "../ffi/require_bpf.ts";
import { run, SENSOR_OBJECTS } from "../sensor/live.ts";
import { DaemonProcess } from "../daemon/helpers.ts";
import { kestrel } from "../cli/kestrel.ts";

const CORPUS = new URL("../fixtures/rules/corpus/", import.meta.url).pathname;
const EXTRA = new URL("./fixtures/rules/", import.meta.url).pathname;

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyDir(`${from}/${e.name}`, `${to}/${e.name}`);
    else if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `p`, or a failure naming `what` after `ms` (a missing alert fails the test, never hangs it). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) =>
        timer = setTimeout(() => reject(new Error(`never saw ${what}`)), ms)
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

bpfTest("a live run's recording replays to byte-identical alerts", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "kestrel-klog-" });
  const rules = `${dir}/rules`;
  await copyDir(CORPUS, rules);
  await copyDir(EXTRA, `${rules}/klog`);
  const config = `${dir}/kestrel.toml`;
  await Deno.writeTextFile(
    config,
    `[general]\ndata_dir = "${dir}/data"\n\n[rules]\ndir = "${rules}"\n\n[replay]\nrecord = true\nrecord_dir = "${dir}/rec"\n`,
  );
  const payload = `${dir}/payload`;
  await Deno.copyFile("/bin/true", payload);
  await Deno.chmod(payload, 0o755);
  const hidden = `/tmp/.kestrel-klog-${crypto.randomUUID().slice(0, 8)}`;
  const daemon = await DaemonProcess.start(["--config", config]);
  const { stdout, stderr } = daemon;
  let linger: Deno.ChildProcess | undefined;
  try {
    assert.match(
      stderr.text,
      /recording live events to .*\/rec\/kestrel-\d{8}T\d{6}\.\d{3}Z\.klog/,
    );
    assert.match(stderr.text, /collecting with \d+ rule/, stderr.text);
    // The workload. A shell starts a binary from /tmp (event rule).
    assert.equal((await run("/bin/sh", ["-c", `${payload}; true`])).code, 0);
    // A hidden file created in /tmp, then executed (sequence by file.path / executable).
    const h = await run("/bin/sh", ["-c", `cp /bin/true ${hidden} && ${hidden}; true`]);
    assert.equal(h.code, 0, h.stderr);
    // A discovery burst from one parent (sample).
    const d = await run("/bin/sh", ["-c", "whoami; uname -a; ip addr; true"]);
    assert.equal(d.code, 0, d.stderr);
    // A process that outlives the maxspan and the run: no event of its own
    // resolves the missing `end`, only event time passing — the heartbeat.
    linger = new Deno.Command("/bin/sh", {
      args: ["-c", "sleep 30", "kestrel-klog-linger"],
    }).spawn();
    const lingered = await within(
      stdout.until(/"klog_test_lingering_exec"/),
      20_000,
      "the lingering alert",
    );
    assert.ok(lingered, `never saw the lingering alert: ${stderr.text}`);
    // An event rule firing after the heartbeat-resolved sequence.
    assert.equal((await run("/bin/sh", ["-c", `${payload}; true`])).code, 0);
    await sleep(1500);
    const status = await daemon.stop();
    assert.equal(status.code, 0, stderr.text);
  } finally {
    await daemon.kill();
    linger?.kill("SIGKILL");
    await linger?.status;
    await Deno.remove(hidden).catch(() => {});
  }
  try {
    const live = stdout.text;
    const alerts = live.trim().split("\n").map((l) => JSON.parse(l));
    const rulesFired = new Set(alerts.map((a) => a.kestrel.rule.id));
    for (
      const id of [
        "lnx_exec_from_tmp_shell_parent",
        "ddf422f0-00e6-4896-a61d-ed25e9ec598c",
        "lnx_discovery_burst_sample",
        "klog_test_lingering_exec",
      ]
    ) {
      assert.ok(rulesFired.has(id), `${id} did not fire live: ${[...rulesFired]}`);
    }
    assert.ok(alerts.some((a) => a.kestrel.alert.kind === "sequence"));
    const lingering = alerts.filter((a) => a.kestrel.rule.id === "klog_test_lingering_exec");
    assert.equal(lingering.length, 1);
    assert.deepEqual(lingering[0].events[0].process.args, [
      "/bin/sh",
      "-c",
      "sleep 30",
      "kestrel-klog-linger",
    ]);
    const stats = JSON.parse(stderr.text.trim().split("\n").at(-1)!);
    // Heartbeats are recorded while the ring is empty (on a busy host it may never be).
    assert.ok(stats.recorded > 0, JSON.stringify(stats));

    const recordings = [...Deno.readDirSync(`${dir}/rec`)].map((e) => e.name);
    assert.equal(recordings.length, 1, String(recordings));
    const klog = `${dir}/rec/${recordings[0]}`;
    const replay = await kestrel(["replay", "--rules", rules, "--events", klog]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.equal(replay.stdout, live);
    const replayStats = JSON.parse(replay.stderr.trim().split("\n").at(-1)!);
    assert.equal(replayStats.events, stats.recorded);
    assert.equal(replayStats.heartbeats, stats.recorded_heartbeats);
    assert.equal(replayStats.damagedBlocks + replayStats.truncatedBytes, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}, { objects: SENSOR_OBJECTS });
