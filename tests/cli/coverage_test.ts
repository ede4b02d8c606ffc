/**
 * The coverage report tells rules proven by a real simulation from rules
 * fired only through a stand-in (a do-nothing program under the tool's
 * name): the column says "stand-in", the summary counts them apart, and the
 * stand-in's reason is listed.
 */
import assert from "node:assert/strict";
import { coverageMarkdown, readSimulationStatus, standInReason } from "../../cli/coverage.ts";
import { loadRules } from "../../rules/loader/mod.ts";

const rule = (id: string, mitre: string, eql: string) =>
  `id: ${id}\nname: Rule ${id}\ndescription: A test rule.\nversion: "1"\nseverity: low\n` +
  `tags: [linux]\nmitre: [${mitre}]\neql: |\n  ${eql}\n`;

Deno.test("coverage report: real simulations, stand-ins and unsimulated rules apart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kestrel-coverage-" });
  try {
    await Deno.mkdir(`${dir}/rules/impact`, { recursive: true });
    await Deno.mkdir(`${dir}/sims/scripts`, { recursive: true });
    const exec = (name: string) =>
      `process where event.action == "exec" and process.name == "${name}"`;
    await Deno.writeTextFile(`${dir}/rules/impact/real.yaml`, rule("real", "T1485", exec("shred")));
    await Deno.writeTextFile(
      `${dir}/rules/impact/fake.yaml`,
      rule("fake", "T1529", exec("shutdown")),
    );
    await Deno.writeTextFile(`${dir}/rules/impact/none.yaml`, rule("none", "T1496", exec("xmrig")));
    await Deno.writeTextFile(
      `${dir}/sims/scripts/real.sh`,
      "# rule: real\n# mitre: T1485\nshred x\n",
    );
    await Deno.writeTextFile(
      `${dir}/sims/scripts/fake.sh`,
      "# rule: fake\n# mitre: T1529\n# stand-in: it would power the machine off\n",
    );
    await Deno.writeTextFile(`${dir}/sims/unsimulated.yaml`, "none: it would mine\n");
    const loaded = await loadRules(`${dir}/rules`);
    assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === "error"), []);
    const sims = await readSimulationStatus(`${dir}/sims`);
    assert.ok(sims !== undefined);
    assert.deepEqual([...sims.standIn], [["fake", "it would power the machine off"]]);
    const out = coverageMarkdown(loaded.rules, sims, { rulesPath: "rules" }).split("\n");
    assert.ok(
      out.some((l) =>
        l.endsWith(
          " 1 proven on the live sensor by a harmless simulation, 1 with a stand-in binary under the tool's name.",
        )
      ),
      out.join("\n"),
    );
    assert.ok(out.includes("| Impact (TA0040) | 3 | 0 | 3 | 1 + 1 stand-in |"), out.join("\n"));
    assert.ok(out.includes("| Impact (TA0040) | real | event | low | T1485 | yes | Rule real |"));
    assert.ok(
      out.includes("| Impact (TA0040) | fake | event | low | T1529 | stand-in | Rule fake |"),
    );
    assert.ok(out.includes("| Impact (TA0040) | none | event | low | T1496 | no | Rule none |"));
    assert.ok(out.includes("| fake | it would power the machine off |"));
    assert.ok(out.includes("| none | it would mine |"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("standInReason: the reason of a `# stand-in:` line, else undefined", () => {
  assert.equal(
    standInReason("# rule: a\n# stand-in: not harmless, at all\n"),
    "not harmless, at all",
  );
  assert.equal(standInReason("# rule: a\n"), undefined);
});
