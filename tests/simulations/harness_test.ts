/**
 * The simulation harness itself: script headers are read strictly, and
 * alerts are attributed by process ancestry, so a rule fired by a process
 * outside a workload's tree (here a sibling started directly by the test)
 * is not counted against a workload running at the same time.
 */
import assert from "node:assert/strict";
import { Schema } from "../../engine/schema.ts";
import { bpfTest } from "../ffi/require_bpf.ts";
import { SENSOR_OBJECTS } from "../sensor/live.ts";
import { Harness, loadDefaultRules, parseSimulation, selectSimulations } from "./harness.ts";

Deno.test("simulation headers: rule, also and mitre lines; the rule must match the file name", () => {
  const sim = parseSimulation(
    "/x/scripts/a-rule.sh",
    "#!/bin/bash\n# rule: a-rule\n# also: b-rule, c-rule\n# mitre: T1059.004\ntrue\n",
  );
  assert.deepEqual(sim, {
    rule: "a-rule",
    also: ["b-rule", "c-rule"],
    mitre: ["T1059.004"],
    path: "/x/scripts/a-rule.sh",
  });
  assert.throws(() => parseSimulation("/x/a-rule.sh", "true\n"), /needs one "# rule: <rule-id>"/);
  assert.throws(() => parseSimulation("/x/a-rule.sh", "# rule: other\n"), /differs from the file/);
  assert.deepEqual(selectSimulations([sim], "a-rule").map((s) => s.rule), ["a-rule"]);
  assert.throws(() => selectSimulations([sim], "a-rule,nope"), /names no simulation: nope/);
});

bpfTest("an alert outside a workload's process tree is not attributed to it", async () => {
  const schema = Schema.ecs();
  const rules = await loadDefaultRules(schema);
  const dir = await Deno.makeTempDir({ prefix: "kestrel-harness-" });
  const script = `${dir}/quiet.sh`;
  await Deno.writeTextFile(script, "#!/usr/bin/env bash\nsleep 0.5\ntrue\n");
  await Deno.copyFile("/bin/true", `${dir}/payload`);
  await Deno.chmod(`${dir}/payload`, 0o755);
  const harness = await Harness.start({ rules, schema });
  try {
    // While the quiet workload runs, a sibling (not in its tree) does what a rule looks for.
    const quiet = harness.run("quiet", script);
    const sibling = await new Deno.Command("bash", { args: ["-c", `${dir}/payload; true`] })
      .output();
    assert.equal(sibling.code, 0);
    const w = await quiet;
    await harness.settle(() => harness.unowned > 0);
    assert.equal(w.code, 0, w.output);
    assert.ok(w.events > 0);
    assert.deepEqual(w.rulesFired(), []);
    assert.ok(harness.unowned > 0, "the sibling's alert was not seen at all");
  } finally {
    await harness.stop();
    await Deno.remove(dir, { recursive: true });
  }
}, { objects: SENSOR_OBJECTS });
