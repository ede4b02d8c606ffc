/**
 * The simulation harness itself: script headers are read strictly; alerts
 * are attributed by process ancestry, so a rule fired by a process outside
 * a workload's tree (here a sibling started directly by the test) is not
 * counted against a workload running at the same time, and a sequence
 * completed with a step from outside the tree does not prove the rule for
 * the workload; cgroups a killed script made are removed.
 */
import assert from "node:assert/strict";
import { Schema } from "../../engine/schema.ts";
import { bpfTest } from "../ffi/require_bpf.ts";
import { SENSOR_OBJECTS } from "../sensor/live.ts";
import { Harness, loadDefaultRules, parseSimulation, selectSimulations } from "./harness.ts";

Deno.test("simulation headers: rule, also, mitre and stand-in lines, read strictly", () => {
  const sim = parseSimulation(
    "/x/scripts/a-rule.sh",
    "#!/bin/bash\n# rule: a-rule\n# also: b-rule, c-rule\n# mitre: T1059.004, T1095\ntrue\n",
  );
  assert.deepEqual(sim, {
    rule: "a-rule",
    also: ["b-rule", "c-rule"],
    mitre: ["T1059.004", "T1095"],
    path: "/x/scripts/a-rule.sh",
  });
  const standIn = parseSimulation(
    "/x/a-rule.sh",
    "# rule: a-rule\n# mitre: T1529\n# stand-in: it would power the machine off, a, b\n",
  );
  assert.equal(standIn.standIn, "it would power the machine off, a, b");
  assert.throws(() => parseSimulation("/x/a-rule.sh", "true\n"), /needs one "# rule: <rule-id>"/);
  assert.throws(() => parseSimulation("/x/a-rule.sh", "# rule: other\n"), /differs from the file/);
  assert.throws(() => parseSimulation("/x/a-rule.sh", "# rule: a-rule\n"), /needs a "# mitre:/);
  assert.throws(
    () => parseSimulation("/x/a-rule.sh", "# rule: a-rule\n# mitre: \n"),
    /needs a "# mitre:/,
  );
  assert.throws(
    () => parseSimulation("/x/a-rule.sh", "# rule: a-rule\n# mitre: T1529\n# stand-in:  \n"),
    /"# stand-in:" needs a reason/,
  );
  assert.deepEqual(selectSimulations([sim], "a-rule").map((s) => s.rule), ["a-rule"]);
  assert.throws(() => selectSimulations([sim], "a-rule,nope"), /names no simulation: nope/);
});

bpfTest("an alert outside a workload's process tree is not attributed to it", async () => {
  const schema = Schema.ecs();
  const rules = await loadDefaultRules(schema);
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "kestrel-harness-" });
  const script = `${dir}/quiet.sh`;
  await Deno.writeTextFile(script, "#!/usr/bin/env bash\nsleep 0.5\ntrue\n");
  const harness = await Harness.start({ rules, schema });
  try {
    // While the quiet workload runs, a sibling (not in its tree) does what a rule looks for.
    const quiet = harness.run("quiet", script);
    const sibling = await new Deno.Command("bash", {
      args: ["-c", `cp /bin/true ${dir}/payload && ${dir}/payload; true`],
    }).output();
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

bpfTest(
  "a sequence completed by a step from outside the tree does not prove its rule",
  async () => {
    const schema = Schema.ecs();
    const rules = await loadDefaultRules(schema);
    const rule = "privilege-escalation-ld-preload-from-writable-dir";
    assert.ok(rules.some((r) => r.id === rule), `${rule} is not in the default ruleset`);
    // Under /tmp whatever TMPDIR says: the rule looks there.
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "kestrel-harness-" });
    const lib = `${dir}/hook.so`;
    const script = `${dir}/preload.sh`;
    // The loader ignores a library it cannot load (with a warning), so true still runs.
    await Deno.writeTextFile(
      script,
      `#!/usr/bin/env bash\nLD_PRELOAD=${lib} /bin/true 2>/dev/null\n`,
    );
    const harness = await Harness.start({ rules, schema });
    try {
      // The first step (a library written under /tmp) comes from a sibling, not the workload.
      const sibling = await new Deno.Command("bash", { args: ["-c", `: > ${lib}`] }).output();
      assert.equal(sibling.code, 0);
      await harness.sensor.sync();
      const w = await harness.run("preload", script);
      await harness.settle(() => w.rulesFired().includes(rule));
      assert.equal(w.code, 0, w.output);
      assert.ok(w.rulesFired().includes(rule), `${rule} did not fire: the test proves nothing`);
      assert.ok(!w.rulesProven().includes(rule), "an alert with a foreign step proved the rule");
      assert.deepEqual(w.attackIds(rule), []);
    } finally {
      await harness.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
  { objects: SENSOR_OBJECTS },
);

bpfTest("cgroups of a script killed on timeout are removed", async () => {
  const schema = Schema.ecs();
  const root = (await Deno.readTextFile("/proc/self/mountinfo")).split("\n")
    .find((l) => l.includes(" - cgroup2 "))?.split(" ")[4];
  assert.ok(root !== undefined, "no cgroup v2 hierarchy mounted");
  const dir = await Deno.makeTempDir({ prefix: "kestrel-harness-" });
  const script = `${dir}/stuck.sh`;
  // Makes a group with a child group holding a process, then hangs past the timeout.
  await Deno.writeTextFile(
    script,
    `#!/usr/bin/env bash\nset -e\ng="${root}/kestrel-sim-$$/leaf"\nmkdir -p "$g"\n` +
      `trap 'rmdir "$g" "\${g%/leaf}"' EXIT\nbash -c 'echo $$ > "$1/cgroup.procs"; exec sleep 60' _ "$g" &\n` +
      `touch "${dir}/made"; sleep 60\n`,
  );
  const harness = await Harness.start({ rules: [], schema, scriptTimeoutMs: 1_500 });
  try {
    const w = await harness.run("stuck", script);
    assert.notEqual(w.code, 0, "the script was not killed");
    await Deno.stat(`${dir}/made`); // the group was made
    await assert.rejects(Deno.stat(`${root}/kestrel-sim-${w.pid}`), Deno.errors.NotFound);
  } finally {
    await harness.stop();
    await Deno.remove(dir, { recursive: true });
  }
}, { objects: SENSOR_OBJECTS });
