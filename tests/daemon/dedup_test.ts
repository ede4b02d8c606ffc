/**
 * The per-rule+entity dedup window (`[alerts] dedup_window_sec`) on the
 * real daemon: in event time, for live (replayed) events and for analyze
 * alike; off by default.
 */
import assert from "node:assert/strict";
import { bearer, DaemonProcess, execEvent, rule, Workspace } from "./helpers.ts";

type Json = Record<string, unknown>;

/** (second, entity) of each event: e1 repeats within and beyond the window; e2 is another entity. */
const EVENTS: [number, string][] = [[0, "e1"], [10, "e1"], [20, "e2"], [59, "e1"], [61, "e1"], [
  100,
  "e1",
]];

const log = EVENTS.map(([s, e]) => execEvent(s, { name: "bash", pid: s, entity_id: e })).join("\n");
const pidsOf = (alerts: Json[]) =>
  alerts.map((a) => ((a.events as Json[])[0].process as Json).pid as number);

async function run(dedup: string): Promise<{ live: number[]; analyzed: Json }> {
  const ws = await Workspace.create("dedup");
  let d: DaemonProcess | undefined;
  try {
    await ws.write("rules/bash.yaml", rule("bash", 'process where process.name == "bash"'));
    await ws.write("logs/events.ndjson", log + "\n");
    await ws.writeConfig({ alerts: `outputs = ["stdout"]\n${dedup}` });
    d = await DaemonProcess.start(["--config", ws.config, "--replay", `${ws.logs}/events.ndjson`]);
    await d.waitMetric("kestrel_events_received_total", EVENTS.length);
    const r = await d.post(
      "/api/v1/analyze",
      bearer(await d.token(ws.data), { "Content-Type": "application/x-ndjson" }),
      log,
    );
    assert.equal(r.status, 200);
    assert.equal((await d.stop()).code, 0, d.stderr.text);
    return { live: pidsOf(d.alerts()), analyzed: r.body };
  } finally {
    await d?.kill();
    await ws.remove();
  }
}

Deno.test("dedup window: one alert per rule and entity per window of event time", async () => {
  const { live, analyzed } = await run("dedup_window_sec = 60");
  // e1 at 0 opens a window; 10 and 59 fall in it; 61 opens the next, which holds 100.
  assert.deepEqual(live, [0, 20, 61]);
  assert.deepEqual(pidsOf(analyzed.alerts as Json[]), [0, 20, 61]);
  assert.equal((analyzed.stats as Json).deduplicated, 3);
});

Deno.test("dedup window: off by default", async () => {
  const { live, analyzed } = await run("");
  assert.deepEqual(live, [0, 10, 20, 59, 61, 100]);
  assert.equal((analyzed.stats as Json).deduplicated, 0);
});
