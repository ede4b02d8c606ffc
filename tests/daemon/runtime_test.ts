/**
 * `[engine] runtime = "wasm"` on the real daemon: rules run in the Wasm
 * runtime with `[wasm]` limits, and a rule that runs out of fuel on an
 * event is logged, misses that event only, and the others keep alerting.
 */
import assert from "node:assert/strict";
import { DaemonProcess, execEvent, FifoWriter, rule, Workspace } from "./helpers.ts";

type Json = Record<string, unknown>;
const ruleId = (a: Json) => ((a.kestrel as Json).rule as Json).id;

Deno.test("daemon: runtime = wasm runs the rules in wasm under [wasm] fuel_limit", async () => {
  const ws = await Workspace.create("wasm-runtime");
  let d: DaemonProcess | undefined;
  try {
    await ws.write("rules/light.yaml", rule("light", 'process where process.name : "MARKER"'));
    await ws.write(
      "rules/heavy.yaml",
      rule("heavy", 'process where process.command_line : "*a*b*c*d*e*f*g*h*i*j*k*z"'),
    );
    await ws.writeConfig({ extra: '[engine]\nruntime = "wasm"\n[wasm]\nfuel_limit = 20000' });
    const fifo = await ws.fifo("events.fifo");
    d = await DaemonProcess.start(["--config", ws.config, "--replay", fifo]);
    const writer = await FifoWriter.open(fifo);
    const long = "abcdefghijk".repeat(2000);
    await writer.write([
      execEvent(1, { name: "marker", pid: 1, command_line: "abcdefghijkz" }),
      execEvent(2, { name: "marker", pid: 2, command_line: long }),
      execEvent(3, { name: "marker", pid: 3, command_line: "abcdefghijkz" }),
    ]);
    writer.close();
    await d.waitMetric("kestrel_events_received_total", 3);
    const status = await d.stop();
    assert.equal(status.code, 0, d.stderr.text);
    assert.match(
      d.stderr.text,
      /rule heavy: fuel exhausted \(fuel_limit 20000\); the predicate is false for this event/,
    );
    // Only the event that ran out of fuel misses the heavy rule.
    const alerts = d.alerts().map((a) => `${ruleId(a)}`).sort();
    assert.deepEqual(alerts, ["heavy", "heavy", "light", "light", "light"]);
  } finally {
    await d?.stop();
    await ws.remove();
  }
});
