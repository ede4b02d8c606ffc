/**
 * Lua predicates in the real daemon: `[lua]` settings reach the rules (an
 * instruction limit from the config stops a looping predicate, the daemon
 * keeps alerting), and the daemon refuses Lua rules unless `[lua] enabled`.
 */
import assert from "node:assert/strict";
import { DaemonProcess, execEvent, FifoWriter, rule, Workspace } from "./helpers.ts";

type Json = Record<string, unknown>;

const MODULE = `local M = {}
function M.is_marker(name) return name == "marker" end
function M.spin(name) while true do end end
return M
`;

/** The Lua module in `rules/lua/m.lua` and rule `good`, which fires on processes named "marker". */
async function writeMarkerRule(ws: Workspace): Promise<void> {
  await Deno.mkdir(`${ws.rules}/lua`);
  await ws.write("rules/lua/m.lua", MODULE);
  await ws.write("rules/good.yaml", rule("good", 'process where lua("m.is_marker", process.name)'));
}

Deno.test("daemon lua: [lua] limits apply, a looping predicate is stopped and alerts keep flowing", async () => {
  const ws = await Workspace.create("lua");
  let d: DaemonProcess | undefined;
  try {
    await writeMarkerRule(ws);
    await ws.write(
      "rules/spin.yaml",
      rule("spin", 'process where process.name == "evil" and lua("m.spin", process.name)'),
    );
    await ws.writeConfig({ extra: "[lua]\nenabled = true\ninstruction_limit = 5000\n" });
    const fifo = await ws.fifo("events.fifo");
    d = await DaemonProcess.start(["--config", ws.config, "--replay", fifo]);
    assert.ok(d.url, d.stderr.text);
    const writer = await FifoWriter.open(fifo);
    await writer.write([
      execEvent(1, { name: "evil", pid: 1 }),
      execEvent(2, { name: "marker", pid: 2 }),
      execEvent(3, { name: "evil", pid: 3 }),
      execEvent(4, { name: "marker", pid: 4 }),
    ]);
    writer.close();
    await d.waitMetric("kestrel_events_received_total", 4);
    const status = await d.stop();
    assert.equal(status.code, 0, d.stderr.text);
    const pids = d.alerts().map((a) => ((a.events as Json[])[0].process as Json).pid);
    assert.deepEqual(pids, [2, 4]);
    const failures = d.stderr.text.split("\n").filter((l) => l.includes('lua("m.spin")'));
    assert.deepEqual(failures, [
      'kestrel: rule "spin": lua("m.spin") stopped: instruction limit of 5000 exceeded at m.lua:3',
      'kestrel: rule "spin": lua("m.spin") stopped: instruction limit of 5000 exceeded at m.lua:3',
    ]);
  } finally {
    await d?.kill();
    await ws.remove();
  }
});

Deno.test("daemon lua: rules calling Lua are refused while [lua] enabled is false (the default)", async () => {
  const ws = await Workspace.create("lua-off");
  let d: DaemonProcess | undefined;
  try {
    await writeMarkerRule(ws);
    await ws.writeConfig();
    d = await DaemonProcess.start(["--config", ws.config]);
    const status = await d.stop();
    assert.notEqual(status.code, 0);
    assert.match(
      d.stderr.text,
      /good\.yaml:5:21: Lua predicates are disabled \(\[lua\] enabled = false\)/,
    );
  } finally {
    await d?.kill();
    await ws.remove();
  }
});
