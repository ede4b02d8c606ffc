/**
 * Reload on the real daemon: swapping the ruleset while events flow loses
 * and duplicates no alert (with an NDJSON log fed through a FIFO as the
 * live source, and with the kernel as the source); the sequence state of
 * an unchanged rule carries over while a changed rule starts empty; a bad
 * ruleset is refused with 422 and every location, and the old rules keep
 * firing.
 */
import assert from "node:assert/strict";
import { bpfTest } from "../ffi/require_bpf.ts";
import { marker, SENSOR_OBJECTS } from "../sensor/live.ts";
import { bearer, DaemonProcess, execEvent, FifoWriter, rule, Workspace } from "./helpers.ts";

type Json = Record<string, unknown>;
const events = (a: Json) => a.events as Json[];
const proc = (e: Json) => e.process as Json;
const ruleId = (a: Json) => ((a.kestrel as Json).rule as Json).id;

Deno.test("reload while replayed events flow: every event alerts exactly once", async () => {
  const ws = await Workspace.create("reload-flow");
  let d: DaemonProcess | undefined;
  try {
    await ws.write("rules/marker.yaml", rule("marker", 'process where process.name == "marker"'));
    await ws.writeConfig();
    const fifo = await ws.fifo("events.fifo");
    d = await DaemonProcess.start(["--config", ws.config, "--replay", fifo]);
    assert.ok(d.url, d.stderr.text);
    const token = await d.token(ws.data);
    const writer = await FifoWriter.open(fifo);
    const N = 4000, CHUNK = 200;
    const reloads: Promise<number>[] = [];
    for (let c = 0; c < N / CHUNK; c++) {
      const lines = [];
      for (let i = c * CHUNK; i < (c + 1) * CHUNK; i++) {
        lines.push(execEvent(i / 100, { name: "marker", pid: 10_000 + i, args: ["marker"] }));
      }
      await writer.write(lines);
      if (c % 4 === 1) {
        // Each reload changes the ruleset (a second rule comes and goes) and is
        // not awaited: the next chunks flow while it loads and swaps.
        await reloads.at(-1);
        if (reloads.length % 2 === 0) {
          await ws.write("rules/other.yaml", rule("other", 'process where process.name == "x"'));
        } else await Deno.remove(`${ws.rules}/other.yaml`);
        reloads.push(
          d.post("/api/v1/rules/reload", bearer(token)).then((r) => {
            assert.equal(r.body.ok, true, JSON.stringify(r.body));
            return r.status;
          }),
        );
      }
    }
    writer.close();
    assert.deepEqual(await Promise.all(reloads), reloads.map(() => 200));
    await d.waitMetric("kestrel_events_received_total", N);
    const health = await d.get("/api/v1/health");
    assert.equal((health.body.ruleset as Json).generation, 1 + reloads.length);
    const status = await d.stop();
    assert.equal(status.code, 0, d.stderr.text);
    const pids = d.alerts().filter((a) => ruleId(a) === "marker").map((a) =>
      proc(events(a)[0]).pid as number
    );
    assert.equal(pids.length, N);
    assert.equal(new Set(pids).size, N);
    assert.equal(d.summary().alerts_raised, N);
  } finally {
    await d?.kill();
    await ws.remove();
  }
});

Deno.test("reload keeps the sequence state of an unchanged rule; a changed rule starts empty", async () => {
  const ws = await Workspace.create("reload-carry");
  let d: DaemonProcess | undefined;
  const seq = (maxspan: string) =>
    rule(
      "stages",
      `sequence by process.entity_id with maxspan=${maxspan} [process where process.name == "stage1"] [process where process.name == "stage2"]`,
    );
  try {
    await ws.write("rules/stages.yaml", seq("1h"));
    await ws.write("rules/done.yaml", rule("done", 'process where process.name == "done"'));
    await ws.writeConfig();
    const fifo = await ws.fifo("events.fifo");
    d = await DaemonProcess.start(["--config", ws.config, "--replay", fifo]);
    const token = await d.token(ws.data);
    const writer = await FifoWriter.open(fifo);
    const ev = (s: number, name: string, entity: string) =>
      execEvent(s, { name, pid: s, entity_id: entity });
    await writer.write([ev(1, "stage1", "A"), ev(2, "stage1", "B")]);
    await d.waitMetric("kestrel_events_received_total", 2);
    assert.equal(await d.metric("kestrel_partial_matches"), 2);

    // Another rule changes; "stages" does not: its partial matches carry over.
    await ws.write("rules/extra.yaml", rule("extra", 'process where process.name == "x"'));
    assert.equal((await d.post("/api/v1/rules/reload", bearer(token))).status, 200);
    assert.equal(await d.metric("kestrel_partial_matches"), 2);
    await writer.write([ev(3, "stage2", "A")]);
    await d.waitMetric("kestrel_alerts_total", 1);

    // "stages" itself changes: its state starts empty, so B's second stage completes nothing.
    await ws.write("rules/stages.yaml", seq("2h"));
    assert.equal((await d.post("/api/v1/rules/reload", bearer(token))).status, 200);
    assert.equal(await d.metric("kestrel_partial_matches"), 0);
    await writer.write([ev(4, "stage2", "B"), ev(5, "done", "C")]);
    await d.waitMetric("kestrel_alerts_total", 2);
    writer.close();
    assert.equal((await d.stop()).code, 0, d.stderr.text);
    const got = d.alerts().map((a) => [ruleId(a), events(a).map((e) => proc(e).pid)]);
    assert.deepEqual(got, [["stages", [1, 3]], ["done", [5]]]);
  } finally {
    await d?.kill();
    await ws.remove();
  }
});

Deno.test("a bad ruleset: 422 with every location, and the old rules still fire", async () => {
  const ws = await Workspace.create("reload-bad");
  let d: DaemonProcess | undefined;
  try {
    await ws.write("rules/marker.yaml", rule("marker", 'process where process.name == "marker"'));
    await ws.writeConfig();
    const fifo = await ws.fifo("events.fifo");
    d = await DaemonProcess.start(["--config", ws.config, "--replay", fifo]);
    const token = await d.token(ws.data);
    const before = await d.get("/api/v1/health");
    const writer = await FifoWriter.open(fifo);
    await writer.write([execEvent(1, { name: "marker", pid: 1 })]);
    await d.waitMetric("kestrel_alerts_total", 1);

    // Two broken files: an unknown field, and a syntax error.
    await ws.write("rules/a_bad.yaml", rule("a_bad", 'process where process.nmae == "x"'));
    await ws.write(
      "rules/b_bad.yaml",
      rule("b_bad", 'process where process.name == "x" and and true'),
    );
    const r = await d.post("/api/v1/rules/reload", bearer(token));
    assert.equal(r.status, 422);
    assert.equal(r.body.ok, false);
    const messages = r.body.messages as string[];
    assert.equal(messages.length, 2, messages.join("\n"));
    assert.match(messages[0], new RegExp(`^${ws.rules}/a_bad\\.yaml:5:17: .*process\\.nmae`));
    assert.match(messages[1], new RegExp(`^${ws.rules}/b_bad\\.yaml:5:\\d+: `));
    const diags = r.body.diagnostics as Json[];
    assert.deepEqual(diags.map((x) => [x.severity, x.line]), [["error", 5], ["error", 5]]);
    assert.match(d.stderr.text, /reload refused: 2 rule error\(s\)/);

    // The old ruleset still runs.
    const after = await d.get("/api/v1/health");
    assert.deepEqual(after.body.ruleset, before.body.ruleset);
    const rules = await d.get("/api/v1/rules");
    assert.deepEqual((rules.body.rules as Json[]).map((x) => x.id), ["marker"]);
    await writer.write([execEvent(2, { name: "marker", pid: 2 })]);
    await d.waitMetric("kestrel_alerts_total", 2);
    writer.close();
    assert.equal((await d.stop()).code, 0);
    assert.deepEqual(d.alerts().map((a) => proc(events(a)[0]).pid), [1, 2]);
  } finally {
    await d?.kill();
    await ws.remove();
  }
});

bpfTest("reload while kernel events flow: every marker exec alerts exactly once", async () => {
  const ws = await Workspace.create("reload-live");
  let d: DaemonProcess | undefined;
  try {
    const name = marker("reload");
    await ws.write(
      "rules/marker.yaml",
      rule("marker", `process where event.action == "exec" and process.args : "${name}-*"`),
    );
    await ws.writeConfig({ ebpf: true });
    d = await DaemonProcess.start(["--config", ws.config, "--ringbuf-size", "1M"]);
    assert.match(d.stderr.text, /collecting with 1 rule/, d.stderr.text);
    const token = await d.token(ws.data);
    const N = 150;
    const reloads: Promise<number>[] = [];
    for (let i = 0; i < N; i++) {
      const out = await new Deno.Command("/bin/sh", { args: ["-c", ":", `${name}-${i}`] })
        .output();
      assert.equal(out.code, 0);
      if (i % 30 === 15) {
        if (reloads.length % 2 === 0) {
          await ws.write("rules/other.yaml", rule("other", 'file where file.name == "x"'));
        } else await Deno.remove(`${ws.rules}/other.yaml`);
        // Not awaited: the next execs run while the ruleset is loaded and swapped.
        reloads.push(d.post("/api/v1/rules/reload", bearer(token)).then((r) => r.status));
      }
    }
    assert.deepEqual(await Promise.all(reloads), reloads.map(() => 200));
    // Records committed before the signal are drained before it exits.
    assert.equal((await d.stop()).code, 0, d.stderr.text);
    const args = d.alerts().filter((a) => ruleId(a) === "marker").map((a) =>
      (proc(events(a)[0]).args as string[])[3]
    );
    assert.equal(args.length, N, d.stderr.text);
    assert.deepEqual(new Set(args), new Set(Array.from({ length: N }, (_, i) => `${name}-${i}`)));
  } finally {
    await d?.kill();
    await ws.remove();
  }
}, { objects: SENSOR_OBJECTS });
