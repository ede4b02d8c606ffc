/**
 * `kestrel run --mode enforce|detect` with the eBPF source, end to end: a
 * sequence rule with `action: kill` kills the process that completed it
 * (the delay from its last event to the process's death is measured and
 * printed), a block rule stops an exec, every decision is an alert with
 * `kestrel.alert.action`, and the chosen enforcement path is in the start
 * log and `/api/v1/health`. In detect mode the same rules act on nothing.
 *
 * The rules name only this test's files, so the programs the daemon
 * attaches affect nothing else on the machine.
 */
import assert from "node:assert/strict";
import { CLOCK_REALTIME, clockNs } from "../../ffi/libc.ts";
import { bpfTest } from "../ffi/require_bpf.ts";
import { bearer, DaemonProcess, poll, Workspace } from "./helpers.ts";

type Json = Record<string, unknown>;

interface Setup {
  ws: Workspace;
  tag: string;
  blocked: string;
}

async function setup(): Promise<Setup> {
  const ws = await Workspace.create("enforce");
  const tag = crypto.randomUUID().slice(0, 8);
  const blocked = `${ws.dir}/kestrel-blocked-${tag}`;
  await Deno.copyFile("/usr/bin/touch", blocked);
  const yaml = (id: string, action: string, eql: string) =>
    `id: ${id}\nname: Rule ${id}\nseverity: high\naction: ${action}\neql: |\n  ${eql}\n`;
  await ws.write(
    "rules/killseq.yaml",
    yaml(
      "killseq",
      "kill",
      `sequence by process.entity_id with maxspan=30s ` +
        `[file where file.name == "kestrel-step1-${tag}"] ` +
        `[file where file.name == "kestrel-step2-${tag}"]`,
    ),
  );
  await ws.write(
    "rules/blk.yaml",
    yaml("blk", "block", `process where process.executable == "${blocked}"`),
  );
  await ws.writeConfig({ ebpf: true, extra: "[security]\nblock_rate_limit = 50\n" });
  return { ws, tag, blocked };
}

/** A bash that completes the sequence (it creates both files itself), then sleeps as the same process. */
function sequenceProcess(s: Setup): Deno.ChildProcess {
  const d = s.ws.dir;
  return new Deno.Command("bash", {
    args: ["-c", `: > ${d}/kestrel-step1-${s.tag}; : > ${d}/kestrel-step2-${s.tag}; exec sleep 30`],
  }).spawn();
}

/** Epoch ns of an RFC 3339 UTC time with up to 9 fraction digits. */
function epochNs(ts: string): bigint {
  const [whole, frac = ""] = ts.replace(/Z$/, "").split(".");
  return BigInt(Date.parse(`${whole}Z`)) * 1_000_000n + BigInt(frac.padEnd(9, "0"));
}

function alertOf(d: DaemonProcess, rule: string): Json | undefined {
  return d.alerts().find((a) => ((a.kestrel as Json).rule as Json).id === rule);
}

function actionOf(a: Json): Json {
  return (a.kestrel as Json).alert as Json;
}

bpfTest(
  "enforce: kill on sequence within a measured delay, exec blocked, decisions alerted, path reported",
  async () => {
    const s = await setup();
    let d: DaemonProcess | undefined;
    try {
      d = await DaemonProcess.start(["--config", s.ws.config, "--mode", "enforce"]);
      const line = /kestrel run: enforcement: (.*)/.exec(d.stderr.text)?.[1] ?? "";
      assert.match(line, /^enforce; exec: (lsm|signal) .*; connect: cgroup .*; kill: pidfd/);
      const health = (await d.get("/api/v1/health")).body;
      assert.equal(health.mode, "enforce");
      assert.equal(health.enforcement, line);
      console.log(`enforcement path: ${line}`);

      const child = sequenceProcess(s);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const status = await Promise.race([
        child.status,
        new Promise<undefined>((r) => timer = setTimeout(() => r(undefined), 10_000)),
      ]);
      clearTimeout(timer);
      const diedNs = clockNs(CLOCK_REALTIME);
      if (status === undefined) child.kill("SIGKILL");
      assert.ok(status, "the process that completed the sequence is gone within 10 s");
      assert.equal(status.signal, "SIGKILL");
      const killed = await poll("the kill alert", () => alertOf(d!, "killseq"));
      assert.equal(actionOf(killed).action, "killed");
      const events = killed.events as Json[];
      assert.equal((events[1].process as Json).pid, child.pid);
      const lastNs = epochNs(String(killed["@timestamp"])); // the alert's time: its last event's
      console.log(
        `kill on sequence: ${
          Number(diedNs - lastNs) / 1e6
        } ms from the last event to the exit seen by the parent`,
      );

      const run = await new Deno.Command(s.blocked, { args: [`${s.ws.dir}/marker`] }).output()
        .catch((e) => e as Error);
      if (run instanceof Error) assert.ok(run instanceof Deno.errors.PermissionDenied); // LSM path
      else assert.equal(run.code, 137);
      await assert.rejects(Deno.stat(`${s.ws.dir}/marker`), Deno.errors.NotFound);
      const blocked = await poll("the block alert", () => alertOf(d!, "blk"));
      assert.equal(actionOf(blocked).action, "blocked");
      const ev = (blocked.events as Json[])[0];
      assert.equal((ev.process as Json).executable, s.blocked);
      assert.deepEqual((ev.event as Json).action, "exec");

      // A reload resolves the rule's path again: the file replaced by another (new inode)
      // is blocked, the old copy moved aside runs.
      await Deno.rename(s.blocked, `${s.ws.dir}/old-copy`);
      await Deno.copyFile("/usr/bin/touch", s.blocked);
      const reload = await d.post("/api/v1/rules/reload", bearer(await d.token(s.ws.data)));
      assert.equal(reload.status, 200);
      const again = await new Deno.Command(s.blocked, { args: [`${s.ws.dir}/marker2`] }).output()
        .catch((e) => e as Error);
      if (!(again instanceof Error)) assert.equal(again.code, 137);
      await assert.rejects(Deno.stat(`${s.ws.dir}/marker2`), Deno.errors.NotFound);
      const old = await new Deno.Command(`${s.ws.dir}/old-copy`, {
        args: [`${s.ws.dir}/marker3`],
      }).output();
      assert.equal(old.code, 0);

      assert.equal((await d.stop()).code, 0);
      const summary = d.summary().enforcement as Json;
      assert.equal(summary.killed, 1);
      assert.equal(summary.blocked, 2);
    } finally {
      await d?.kill();
      await s.ws.remove();
    }
  },
);

bpfTest("detect: the same rules act on nothing and say would_kill, would_block", async () => {
  const s = await setup();
  let d: DaemonProcess | undefined;
  try {
    d = await DaemonProcess.start(["--config", s.ws.config, "--mode", "detect"]);
    const health = (await d.get("/api/v1/health")).body;
    assert.equal(health.mode, "detect");
    assert.match(String(health.enforcement), /^detect; /);
    const seq = sequenceProcess(s);
    try {
      const alert = await poll("the would_kill alert", () => alertOf(d!, "killseq"));
      assert.equal(actionOf(alert).action, "would_kill");
      // Still running: nothing was sent.
      const state = Deno.readTextFileSync(`/proc/${seq.pid}/stat`).split(") ")[1][0];
      assert.ok(state !== "Z" && state !== "X", `state ${state}`);
    } finally {
      seq.kill("SIGKILL");
      await seq.status;
    }
    const run = await new Deno.Command(s.blocked, { args: [`${s.ws.dir}/marker`] }).output();
    assert.equal(run.code, 0);
    await Deno.stat(`${s.ws.dir}/marker`);
    const alert = await poll("the would_block alert", () => alertOf(d!, "blk"));
    assert.equal(actionOf(alert).action, "would_block");
    assert.equal((await d.stop()).code, 0);
  } finally {
    await d?.kill();
    await s.ws.remove();
  }
});
