/**
 * Rule packages on real files: what `buildPackage` writes is the same on
 * every build, reads back verified, and any edit of the manifest — the
 * sites that map the module's predicates to rules included — is refused.
 */
import assert from "node:assert/strict";
import { Schema } from "../../../engine/schema.ts";
import { loadRules } from "../../../rules/loader/mod.ts";
import {
  buildPackage,
  PackageError,
  readPackage,
  writePackage,
} from "../../../runtimes/wasm/package.ts";

/** A rules directory of two rules (one with lineage) and its package, built twice. */
async function twoRulePackage(): Promise<{ dir: string; pkg: string; again: string }> {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/rules`);
  await Deno.writeTextFile(`${dir}/rules/bash.eql`, 'process where process.name : "bash"\n');
  await Deno.writeTextFile(
    `${dir}/rules/curl.yaml`,
    [
      "id: curl",
      "name: curl under sshd",
      "dialect: legacy",
      'eql: \'process where process.name == "curl" and ' +
      'descendant of [process where process.name == "sshd"]\'',
    ].join("\n") + "\n",
  );
  const build = async (out: string) => {
    const schema = Schema.ecs();
    const loaded = await loadRules(`${dir}/rules`, { schema });
    assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === "error"), []);
    await writePackage(out, buildPackage(loaded.rules, schema, { memoryLimitMb: 16 }));
  };
  await build(`${dir}/pkg`);
  await build(`${dir}/again`);
  return { dir, pkg: `${dir}/pkg`, again: `${dir}/again` };
}

/** Edits `manifest.json` of `pkg` with `edit`, keeping its recorded hash. */
async function editManifest(pkg: string, edit: (m: Record<string, unknown>) => void) {
  const m = JSON.parse(await Deno.readTextFile(`${pkg}/manifest.json`));
  edit(m);
  await Deno.writeTextFile(`${pkg}/manifest.json`, JSON.stringify(m, null, 2) + "\n");
}

Deno.test("package: builds are byte-identical, and what is written reads back verified", async () => {
  const { dir, pkg, again } = await twoRulePackage();
  try {
    const text = await Deno.readTextFile(`${pkg}/manifest.json`);
    assert.equal(text, await Deno.readTextFile(`${again}/manifest.json`));
    assert.deepEqual(
      await Deno.readFile(`${pkg}/rules.wasm`),
      await Deno.readFile(`${again}/rules.wasm`),
    );
    const read = await readPackage(pkg, Schema.ecs());
    assert.match(read.manifest.sha256, /^[0-9a-f]{64}$/);
    assert.equal(read.manifest.format, 2);
    assert.equal(read.manifest.sites.length, 2);
    assert.equal(read.manifest.lineage.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("package: editing sites, lineage or any other manifest field is refused", async () => {
  const { dir, pkg } = await twoRulePackage();
  const original = await Deno.readTextFile(`${pkg}/manifest.json`);
  const edits: [string, (m: Record<string, unknown>) => void][] = [
    // Both rules' predicates swapped: the module's code would run for the wrong rule.
    ["sites", (m) => {
      const sites = m.sites as { rule: number }[];
      [sites[0].rule, sites[1].rule] = [sites[1].rule, sites[0].rule];
    }],
    ["lineage", (m) => {
      (m.lineage as { relation: string }[])[0].relation = "child";
    }],
    ["severity", (m) => {
      (m.rules as { severity: string }[])[0].severity = "low";
    }],
    ["fields", (m) => {
      (m.fields as unknown[]).pop();
    }],
  ];
  try {
    for (const [what, edit] of edits) {
      await Deno.writeTextFile(`${pkg}/manifest.json`, original);
      await readPackage(pkg, Schema.ecs());
      await editManifest(pkg, edit);
      await assert.rejects(
        () => readPackage(pkg, Schema.ecs()),
        (e: Error) =>
          e instanceof PackageError &&
          /manifest\.json: hash mismatch \(recorded [0-9a-f]{64}, contents [0-9a-f]{64}\); the manifest was modified/
            .test(e.message),
        what,
      );
    }
    // Not a manifest at all: a clear error, not a crash.
    await Deno.writeTextFile(`${pkg}/manifest.json`, "[]");
    await assert.rejects(() => readPackage(pkg, Schema.ecs()), /not a JSON object/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
