/**
 * The default ruleset proven on the live sensor: every simulation script
 * runs under one sensor with the whole default ruleset; each must fire its
 * rule on its own events alone, with exactly the ATT&CK ids of its `mitre`
 * line, and no rule outside its `rule` and `also` lines may fire for its
 * process tree (an alert with any one of its events counts there). `KESTREL_SIM=id1,id2` runs a
 * subset. A file-only test checks that every rule has a simulation or a
 * reason in `unsimulated.yaml`, that at least 90% have simulations, and that
 * exactly the scripts running a stand-in under a tool's name (`fake_tool`)
 * say so, with a reason, on a `# stand-in:` line.
 */
import assert from "node:assert/strict";
import { Schema } from "../../engine/schema.ts";
import { bpfTest } from "../ffi/require_bpf.ts";
import { SENSOR_OBJECTS } from "../sensor/live.ts";
import {
  Harness,
  loadDefaultRules,
  readSimulations,
  readUnsimulated,
  selectSimulations,
  unexpectedRules,
  type Workload,
} from "./harness.ts";

Deno.test("every default rule has a simulation or a reason, and at least 90% are simulated", async () => {
  const rules = await loadDefaultRules(Schema.ecs());
  const ids = new Set(rules.map((r) => r.id));
  const sims = await readSimulations();
  const unsimulated = await readUnsimulated();
  const simulated = new Set(sims.map((s) => s.rule));
  assert.deepEqual(
    sims.filter((s) => !ids.has(s.rule)).map((s) => s.rule),
    [],
    "scripts for no rule",
  );
  assert.deepEqual(
    sims.flatMap((s) => s.also.filter((a) => !ids.has(a)).map((a) => `${s.rule} → ${a}`)),
    [],
    "`# also:` names unknown rules",
  );
  assert.deepEqual(
    [...unsimulated.keys()].filter((id) => !ids.has(id)),
    [],
    "unsimulated: unknown",
  );
  assert.deepEqual([...unsimulated.keys()].filter((id) => simulated.has(id)), [], "both");
  assert.deepEqual(
    [...ids].filter((id) => !simulated.has(id) && !unsimulated.has(id)),
    [],
    "rules with neither a simulation nor a reason",
  );
  // A stand-in is declared, with a reason, exactly where a script runs one.
  const undeclared: string[] = [];
  for (const s of sims) {
    const fake = /\bfake_tool\b/.test(await Deno.readTextFile(s.path));
    if (fake !== (s.standIn !== undefined)) {
      undeclared.push(
        `${s.rule}: ${fake ? "fake_tool without" : "no fake_tool but"} "# stand-in:"`,
      );
    }
  }
  assert.deepEqual(undeclared, [], "stand-ins and `# stand-in:` lines disagree");
  assert.ok(ids.size > 0, "the default ruleset is empty");
  const share = simulated.size / ids.size;
  assert.ok(share >= 0.9, `only ${simulated.size} of ${ids.size} rules are simulated`);
});

bpfTest("simulations fire their rules on the live sensor, and only those", async ({ t }) => {
  const schema = Schema.ecs();
  const rules = await loadDefaultRules(schema);
  const sims = selectSimulations(await readSimulations());
  const harness = await Harness.start({ rules, schema });
  const ran: [typeof sims[number], Workload][] = [];
  let dropped = 0;
  try {
    for (const sim of sims) ran.push([sim, await harness.run(sim.rule, sim.path)]);
    await harness.settle(() => ran.every(([s, w]) => w.rulesProven().includes(s.rule)));
    dropped = harness.dropped();
  } finally {
    await harness.stop();
  }
  console.log(`${harness.unowned} alerts outside the simulations, ${dropped} records lost`);
  for (const [sim, w] of ran) {
    console.log(
      `${sim.rule}: exit ${w.code}, ${w.entities.size} processes, ${w.events} events, fired [${
        w.rulesFired().join(", ")
      }]`,
    );
  }
  for (const [sim, w] of ran) {
    await t.step(sim.rule, () => {
      assert.equal(w.code, 0, `the script failed (exit ${w.code}):\n${w.output}`);
      assert.ok(w.events > 0, "the sensor saw nothing of the script");
      assert.ok(
        w.rulesProven().includes(sim.rule),
        `${sim.rule} did not fire on the script's events alone (fired: ${
          w.rulesFired().join(", ") || "nothing"
        }; ${dropped} records lost by the sensor)`,
      );
      assert.deepEqual(
        w.attackIds(sim.rule),
        [...new Set(sim.mitre)].sort(),
        "the alert's ATT&CK ids differ from the script's `# mitre:` line",
      );
      assert.deepEqual(
        unexpectedRules(w, [sim.rule, ...sim.also]),
        [],
        "rules outside `# rule:` and `# also:` fired",
      );
    });
  }
}, { objects: SENSOR_OBJECTS });
