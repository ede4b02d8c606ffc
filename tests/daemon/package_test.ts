/**
 * Rule packages on the real daemon (`kestrel run --package DIR`): the
 * package's rules run in its own WebAssembly module; a reload reads the
 * package again; a package that does not verify is refused with a located
 * error at start and at reload, and the running ruleset keeps alerting.
 */
import assert from "node:assert/strict";
import { bearer, DaemonProcess, execEvent, FifoWriter, rule, Workspace } from "./helpers.ts";
import { kestrel } from "../cli/kestrel.ts";

type Json = Record<string, unknown>;
const ruleId = (a: Json) => ((a.kestrel as Json).rule as Json).id;

/** `kestrel compile --rules RULES --output OUT FLAGS…`; fails the test with its stderr when it fails. */
async function compilePackage(rules: string, out: string, ...flags: string[]): Promise<void> {
  const r = await kestrel(["compile", "--rules", rules, "--output", out, ...flags]);
  assert.equal(r.code, 0, r.stderr);
}

Deno.test("daemon: --package runs the package's rules; reload reads it again; a tampered one is refused", async () => {
  const ws = await Workspace.create("package");
  let d: DaemonProcess | undefined;
  try {
    await ws.write("rules/first.yaml", rule("first", 'process where process.name : "FIRST"'));
    // Runs out of fuel on a long command line: only the Wasm module has fuel.
    await ws.write(
      "rules/heavy.yaml",
      rule("heavy", 'process where process.command_line : "*a*b*c*d*e*f*g*h*i*j*k*z"'),
    );
    const pkg = `${ws.dir}/pkg`;
    await compilePackage(ws.rules, pkg);
    // The rules directory changes afterwards: the daemon runs the package, not the directory.
    await ws.write("rules/ignored.yaml", rule("ignored", 'process where process.name : "*"'));
    await ws.writeConfig({ extra: "[wasm]\nfuel_limit = 20000" });
    const fifo = await ws.fifo("events.fifo");
    d = await DaemonProcess.start(["--config", ws.config, "--package", pkg, "--replay", fifo]);
    assert.ok(d.url, d.stderr.text);
    assert.match(d.stderr.text, /running the rule package/);
    const health = await d.get("/api/v1/health");
    assert.equal((health.body.ruleset as Json).rules, 2);

    const writer = await FifoWriter.open(fifo);
    const long = "abcdefghijk".repeat(2000);
    await writer.write([execEvent(1, { name: "first", pid: 1, command_line: long })]);
    await d.waitMetric("kestrel_events_received_total", 1);
    assert.ok(await d.stderr.until(/rule heavy: fuel exhausted/), d.stderr.text);

    // A new package in place of the old one: a reload swaps it in.
    await ws.write("rules/second.yaml", rule("second", 'process where process.name : "SECOND"'));
    await Deno.remove(`${ws.rules}/ignored.yaml`);
    await Deno.remove(`${ws.rules}/heavy.yaml`);
    await compilePackage(ws.rules, pkg);
    const token = await d.token(ws.data);
    const ok = await d.post("/api/v1/rules/reload", bearer(token));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.rules, 2);
    await writer.write([execEvent(2, { name: "second", pid: 2 })]);
    await d.waitMetric("kestrel_events_received_total", 2);

    // One byte of the module changed: the reload is refused, the package in use keeps running.
    const wasm = await Deno.readFile(`${pkg}/rules.wasm`);
    wasm[wasm.length - 1] ^= 1;
    await Deno.writeFile(`${pkg}/rules.wasm`, wasm);
    const refused = await d.post("/api/v1/rules/reload", bearer(token));
    assert.equal(refused.status, 422);
    assert.match(JSON.stringify(refused.body), /rules\.wasm: hash mismatch/);
    await writer.write([execEvent(3, { name: "second", pid: 3 })]);
    writer.close();
    await d.waitMetric("kestrel_events_received_total", 3);
    assert.equal((await d.stop()).code, 0, d.stderr.text);
    assert.deepEqual(d.alerts().map(ruleId), ["first", "second", "second"]);

    // At start, the same package is one located error and exit 1.
    const bad = await DaemonProcess.start(["--config", ws.config, "--package", pkg]);
    const status = await bad.exited();
    assert.equal(status.code, 1);
    assert.match(bad.stderr.text, /pkg\/manifest\.json:1:1: .*rules\.wasm: hash mismatch/);
  } finally {
    await d?.stop();
    await ws.remove();
  }
});

Deno.test("daemon: a package compiled with a bigger memory limit runs under [wasm] memory_limit_mb", async () => {
  const ws = await Workspace.create("package-memory");
  let d: DaemonProcess | undefined;
  try {
    // Lower-casing a 200,000-character command line needs more than 1 MiB inside the module.
    await ws.write("rules/fold.yaml", rule("fold", 'process where process.command_line : "*x*"'));
    await ws.write("rules/light.yaml", rule("light", 'process where process.name : "MARKER"'));
    const pkg = `${ws.dir}/pkg`;
    await compilePackage(ws.rules, pkg, "--memory-limit-mb", "64");
    await ws.writeConfig({ extra: "[wasm]\nmemory_limit_mb = 1" });
    const fifo = await ws.fifo("events.fifo");
    d = await DaemonProcess.start(["--config", ws.config, "--package", pkg, "--replay", fifo]);
    const writer = await FifoWriter.open(fifo);
    await writer.write([
      execEvent(1, { name: "marker", pid: 1, command_line: "AX" }),
      execEvent(2, { name: "marker", pid: 2, command_line: "X".repeat(200_000) }),
      execEvent(3, { name: "marker", pid: 3, command_line: "X" }),
    ]);
    writer.close();
    await d.waitMetric("kestrel_events_received_total", 3);
    assert.equal((await d.stop()).code, 0, d.stderr.text);
    assert.match(
      d.stderr.text,
      /rule fold: wasm memory limit reached \(memory_limit_mb 1\); the predicate is false/,
    );
    assert.deepEqual(d.alerts().map(ruleId).sort(), ["fold", "fold", "light", "light", "light"]);
  } finally {
    await d?.stop();
    await ws.remove();
  }
});

Deno.test("daemon: a package too big to start under [wasm] memory_limit_mb runs its rules in js", async () => {
  const ws = await Workspace.create("package-start");
  let d: DaemonProcess | undefined;
  try {
    // About 1.6 MB of constants: the module needs more than 1 MiB before any event.
    const names = Array.from({ length: 2000 }, (_, i) => `"${"n".repeat(400)}${i}"`);
    await ws.write(
      "rules/many.yaml",
      rule("many", `process where process.name in ("marker", ${names.join(", ")})`),
    );
    const pkg = `${ws.dir}/pkg`;
    await compilePackage(ws.rules, pkg);
    await ws.writeConfig({ extra: "[wasm]\nmemory_limit_mb = 1" });
    const fifo = await ws.fifo("events.fifo");
    d = await DaemonProcess.start(["--config", ws.config, "--package", pkg, "--replay", fifo]);
    const writer = await FifoWriter.open(fifo);
    await writer.write([
      execEvent(1, { name: "marker", pid: 1 }),
      execEvent(2, { name: "other", pid: 2 }),
    ]);
    writer.close();
    await d.waitMetric("kestrel_events_received_total", 2);
    assert.equal((await d.stop()).code, 0, d.stderr.text);
    assert.match(
      d.stderr.text,
      /the rule module needs [\d.]+ MiB of memory to start, more than the wasm memory limit of 1 MiB \(\[wasm\] memory_limit_mb\); the package's rules run in js/,
    );
    assert.deepEqual(d.alerts().map(ruleId), ["many"]);
  } finally {
    await d?.stop();
    await ws.remove();
  }
});
