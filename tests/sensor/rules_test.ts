/**
 * Rules firing end to end on the live sensor: a rule from the fixture
 * corpus (a binary in /tmp started by a shell), a sequence exec → connect
 * joined by process.entity_id, and a trailing missing step that only the
 * heartbeat can resolve while the host is idle.
 */
import assert from "node:assert/strict";
import { Schema } from "../../engine/schema.ts";
import { loadRules } from "../../rules/loader/mod.ts";
import { bpfTest } from "../ffi/require_bpf.ts";
import { field, Live, marker, pick, run, SENSOR_OBJECTS } from "./live.ts";
import { rulesFrom } from "./rules.ts";

const objects = { objects: SENSOR_OBJECTS };
const CORPUS = new URL("../fixtures/rules/corpus/", import.meta.url);

bpfTest("corpus rule: a shell starts a binary from /tmp", async () => {
  const schema = Schema.ecs();
  const loaded = await loadRules(
    new URL("execution/lnx_exec_from_tmp_shell_parent.yml", CORPUS).pathname,
    { schema },
  );
  assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === "error"), []);
  assert.deepEqual(loaded.rules.map((r) => r.id), ["lnx_exec_from_tmp_shell_parent"]);
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "kestrel-payload-" });
  const payload = `${dir}/payload`;
  await Deno.copyFile("/bin/true", payload);
  await Deno.chmod(payload, 0o755);
  const live = await Live.start({ rules: loaded.rules, schema });
  try {
    // `; true` keeps sh from exec'ing the payload in place: it forks a child.
    const sh = await run("/bin/sh", ["-c", `${payload}; true`]);
    assert.equal(sh.code, 0);
    const alert = await live.waitFor(
      "the alert",
      () => live.alerts.find((a) => field(a.events[0], "process.executable") === payload),
    );
    assert.equal(alert.rule, "lnx_exec_from_tmp_shell_parent");
    assert.equal(alert.kind, "event");
    assert.equal(alert.degraded, false);
    assert.deepEqual(
      pick(alert.events[0], [
        "event.action",
        "process.name",
        "process.args",
        "process.parent.pid",
        "process.parent.name",
      ]),
      {
        "event.action": "exec",
        "process.name": "payload",
        "process.args": [payload],
        "process.parent.pid": sh.pid,
        "process.parent.name": "sh",
      },
    );
  } finally {
    await live.stop();
    await Deno.remove(dir, { recursive: true });
  }
}, objects);

bpfTest("sequence by process.entity_id: exec, then a connect by the same process", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const name = marker("seq");
  const live = await Live.start({
    rules: rulesFrom({
      exec_then_connect: `sequence by process.entity_id with maxspan=30s
  [process where event.action == "exec" and process.name == "bash" and process.args == "${name}"]
  [network where event.action == "connection_attempted" and destination.port == ${port}]`,
    }),
  });
  try {
    const accepted = listener.accept();
    const r = await run("/bin/bash", ["-c", `exec 3<>/dev/tcp/127.0.0.1/${port}`, name]);
    assert.equal(r.code, 0, r.stderr);
    (await accepted).close();
    const alert = await live.waitFor("the sequence alert", () => live.alerts[0]);
    assert.equal(live.alerts.length, 1);
    assert.deepEqual([alert.rule, alert.kind, alert.degraded], [
      "exec_then_connect",
      "sequence",
      false,
    ]);
    const [exec, connect] = alert.events;
    const fields = ["event.action", "process.pid", "process.entity_id"];
    assert.deepEqual(pick(exec, fields), {
      "event.action": "exec",
      "process.pid": r.pid,
      "process.entity_id": field(connect, "process.entity_id"),
    });
    assert.deepEqual(pick(connect, [...fields, "destination.port"]), {
      "event.action": "connection_attempted",
      "process.pid": r.pid,
      "process.entity_id": field(exec, "process.entity_id"),
      "destination.port": port,
    });
  } finally {
    listener.close();
    await live.stop();
  }
}, objects);

bpfTest("the heartbeat resolves a trailing missing step while the process still runs", async () => {
  const name = marker("hb");
  const live = await Live.start({
    heartbeatMs: 100,
    rules: rulesFrom({
      lingers: `sequence by process.entity_id with maxspan=500ms
  [process where event.action == "exec" and process.args == "${name}"]
  ![process where event.action == "end"]`,
    }),
  });
  try {
    const child = new Deno.Command("/bin/sh", {
      args: ["-c", "read line", name],
      stdin: "piped",
    }).spawn();
    // No event of its own ends the sequence: only time passing (the heartbeat) does.
    const alert = await live.waitFor("the alert", () => live.alerts[0]);
    assert.equal(alert.rule, "lingers");
    assert.equal(field(alert.events[0], "process.pid"), child.pid);
    // The process is still running: the match came from the watermark, not its exit.
    assert.equal(live.where({ "process.pid": child.pid, "event.action": "end" }).length, 0);
    assert.ok(live.sensor.stats().heartbeats > 0);
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("\n"));
    await writer.close();
    await child.status;
  } finally {
    await live.stop();
  }
}, objects);
