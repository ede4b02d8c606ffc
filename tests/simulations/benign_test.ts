/**
 * False positives: a benign workload (package build, git, interactive-style
 * shell use, a scheduled job, package manager queries) under the live sensor
 * with the default ruleset produces events and no alert.
 */
import assert from "node:assert/strict";
import { Schema } from "../../engine/schema.ts";
import { bpfTest } from "../ffi/require_bpf.ts";
import { SENSOR_OBJECTS } from "../sensor/live.ts";
import { Harness, loadDefaultRules } from "./harness.ts";

const WORKLOAD = new URL("benign/workload.sh", import.meta.url).pathname;
/** Far below what the workload does (thousands of events), far above nothing. */
const MIN_EVENTS = 300;

bpfTest("a benign workload produces events and no alert from the default ruleset", async () => {
  const schema = Schema.ecs();
  const rules = await loadDefaultRules(schema);
  const harness = await Harness.start({ rules, schema, scriptTimeoutMs: 120_000 });
  let w;
  try {
    // In the home directory, where people keep repositories; the workload builds again in
    // a mktemp directory under /tmp, as CI jobs and source builds do.
    w = await harness.run("benign", WORKLOAD, { dir: Deno.env.get("HOME") });
    await harness.settle(() => false, 0);
  } finally {
    await harness.stop();
  }
  console.log(`benign: exit ${w.code}, ${w.entities.size} processes, ${w.events} events`);
  assert.equal(w.code, 0, `the workload failed:\n${w.output}`);
  assert.ok(w.events >= MIN_EVENTS, `only ${w.events} events seen: is the sensor collecting?`);
  assert.ok(w.entities.size >= 60, `only ${w.entities.size} processes seen`);
  // The matched events of each alert, so that a failure names what fired and on what.
  const fired = w.alerts.map((a) => `${a.kestrel.rule.id}: ${JSON.stringify(a.events.map(brief))}`);
  assert.deepEqual(w.rulesFired(), [], `default rules fired:\n${fired.join("\n")}`);
}, { objects: SENSOR_OBJECTS });

/** The fields of an event that tell what happened: action, process, file. */
function brief(e: Record<string, unknown>): unknown {
  const get = (o: unknown, k: string) => (o as Record<string, unknown> | undefined)?.[k];
  const file = get(e, "file");
  return {
    action: get(get(e, "event"), "action"),
    process: get(get(e, "process"), "name"),
    file: get(file, "path"),
    from: get(get(get(file, "Ext"), "original"), "path"),
  };
}
