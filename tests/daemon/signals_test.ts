/**
 * Signals on the real daemon: SIGHUP reloads the rules directory (a bad
 * ruleset is refused with its diagnostics on stderr, the old one keeps
 * running); SIGTERM and SIGINT end it with exit 0 after the outputs are
 * flushed.
 */
import assert from "node:assert/strict";
import { DaemonProcess, execEvent, FifoWriter, poll, rule, Workspace } from "./helpers.ts";

type Json = Record<string, unknown>;
const ruleId = (a: Json) => ((a.kestrel as Json).rule as Json).id;

async function generation(d: DaemonProcess): Promise<number> {
  return ((await d.get("/api/v1/health")).body.ruleset as Json).generation as number;
}

Deno.test("SIGHUP reloads; a bad ruleset is refused; SIGTERM exits 0 with outputs flushed", async () => {
  const ws = await Workspace.create("signals");
  let d: DaemonProcess | undefined;
  try {
    await ws.write("rules/bash.yaml", rule("bash", 'process where process.name == "bash"'));
    await ws.writeConfig({
      alerts: `outputs = ["stdout", "file"]\nfile_path = "${ws.dir}/alerts.ndjson"`,
    });
    const fifo = await ws.fifo("events.fifo");
    d = await DaemonProcess.start(["--config", ws.config, "--replay", fifo]);
    const writer = await FifoWriter.open(fifo);
    await writer.write([1, 2, 3].map((s) => execEvent(s, { name: "bash", pid: s })));
    await d.waitMetric("kestrel_alerts_total", 3);

    await ws.write("rules/curl.yaml", rule("curl", 'process where process.name == "curl"'));
    d.child.kill("SIGHUP");
    await poll("generation 2", async () => await generation(d!) === 2 ? true : undefined);
    await writer.write([execEvent(4, { name: "curl", pid: 4 })]);
    await d.waitMetric("kestrel_alerts_total", 4);

    await ws.write("rules/bad.yaml", rule("bad", "process where process.nope == 1"));
    d.child.kill("SIGHUP");
    assert.ok(await d.stderr.until(/reload refused/));
    assert.match(d.stderr.text, new RegExp(`${ws.rules}/bad\\.yaml:5:17: unknown field`));
    assert.equal(await generation(d), 2);
    await writer.write(
      [5, 6].map((s) => execEvent(s, { name: s === 5 ? "bash" : "curl", pid: s })),
    );
    await d.waitMetric("kestrel_alerts_total", 6);
    writer.close();

    const status = await d.stop("SIGTERM");
    assert.equal(status.code, 0, d.stderr.text);
    assert.doesNotMatch(d.stderr.text, /Error:|^\s+at /m);
    const stdout = d.alerts();
    assert.deepEqual(stdout.map(ruleId), ["bash", "bash", "bash", "curl", "bash", "curl"]);
    const file = (await Deno.readTextFile(`${ws.dir}/alerts.ndjson`)).trim().split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(file, stdout);
    const summary = d.summary();
    assert.equal(summary.alerts_raised, 6);
    assert.equal(summary.events, 6);
  } finally {
    await d?.kill();
    await ws.remove();
  }
});

Deno.test("SIGINT ends the daemon with exit 0, also without a live source", async () => {
  const ws = await Workspace.create("sigint");
  let d: DaemonProcess | undefined;
  try {
    await ws.writeConfig();
    d = await DaemonProcess.start(["--config", ws.config]);
    assert.match(d.stderr.text, /no live event source \(\[ebpf\] enabled = false\)/);
    assert.equal((await d.get("/api/v1/health")).body.status, "ok");
    assert.equal((await d.stop("SIGINT")).code, 0, d.stderr.text);
    // The server is gone.
    await assert.rejects(fetch(`${d.url}/api/v1/health`));
  } finally {
    await d?.kill();
    await ws.remove();
  }
});
