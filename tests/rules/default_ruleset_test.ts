/**
 * The default ruleset: embedded in the program exactly as it is on disk,
 * loading without errors or warnings in ECS mode (so every field it names is
 * one the live sensor fills), and run by `kestrel run` when no rules
 * directory is given.
 */
import assert from "node:assert/strict";
import { Schema } from "../../engine/schema.ts";
import { DEFAULT_RULE_FILES } from "../../rules/embedded.generated.ts";
import { loadRulesFromSources, readRuleSources } from "../../rules/loader/mod.ts";
import { DaemonProcess, execEvent, Workspace } from "../daemon/helpers.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("the embedded default ruleset is the rules directory, file for file", async () => {
  const disk = await readRuleSources(`${ROOT}rules`);
  assert.deepEqual(disk.diagnostics, []);
  const onDisk = disk.sources.map((s) => ({ path: s.path.slice(ROOT.length), text: s.text }));
  const sort = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);
  assert.deepEqual([...DEFAULT_RULE_FILES].sort(sort), onDisk.sort(sort), "run `deno task gen`");
});

Deno.test("the default ruleset loads in ECS mode without errors or warnings", () => {
  const r = loadRulesFromSources([...DEFAULT_RULE_FILES], {
    schema: Schema.ecs(),
    schemaMode: "ecs",
  });
  assert.deepEqual(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`), []);
  assert.equal(r.manifest?.name, "kestrel-default");
  assert.ok(r.rules.length >= 60, `only ${r.rules.length} rules`);
  for (const rule of r.rules) {
    assert.ok(rule.mitre.length > 0, `${rule.id} has no ATT&CK ids`);
    assert.ok(rule.description.trim() !== "", `${rule.id} has no description`);
    assert.ok(rule.falsePositives.length > 0, `${rule.id} has no false-positive notes`);
    assert.equal(rule.source.file, `rules/${rule.source.file.split("/")[1]}/${rule.id}.yaml`);
  }
  assert.ok(r.rules.filter((x) => x.ir.kind === "sequence").length >= 15, "too few sequences");
});

Deno.test("kestrel list --rules rules --format markdown prints docs/coverage.md", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "list", "--rules", "rules", "--format", "markdown"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const printed = new TextDecoder().decode(out.stdout);
  assert.equal(printed, await Deno.readTextFile(`${ROOT}docs/coverage.md`), "run `deno task gen`");
  assert.match(printed, /^\| Execution \(TA0002\) \| T1059\.004 \| /m);
  assert.match(printed, /\| sequence \| /);
  assert.doesNotMatch(printed, /\| unknown \|/);
});

Deno.test("kestrel run without a rules directory runs the built-in default ruleset", async () => {
  const ws = await Workspace.create("default-rules");
  let d: DaemonProcess | undefined;
  try {
    // No --rules, and no config file naming a rules directory.
    const tmpExec = execEvent(1, {
      pid: 4242,
      entity_id: "e-4242",
      name: "payload",
      executable: "/tmp/x/payload",
      args: ["/tmp/x/payload"],
      parent: { pid: 4241, name: "bash", entity_id: "e-4241" },
    });
    // The payload written there first: the rule joins the write to the exec.
    const written = JSON.stringify({
      "@timestamp": new Date(Date.UTC(2025, 0, 1)).toISOString(),
      event: { category: "file", type: "creation", action: "creation" },
      host: { name: "test-host", id: "h1" },
      process: { pid: 4240, entity_id: "e-4240", name: "curl", executable: "/usr/bin/curl" },
      file: { path: "/tmp/x/payload", name: "payload" },
    });
    const log = await ws.write("logs/events.ndjson", written + "\n" + tmpExec + "\n");
    d = await DaemonProcess.start(["--replay", log]);
    assert.ok(d.url, d.stderr.text);
    assert.match(d.stderr.text, /no rules directory given: running the built-in default ruleset/);
    const health = await d.get("/api/v1/health");
    const ruleset = health.body.ruleset as Record<string, unknown>;
    assert.equal(ruleset.version, "1.0.0");
    assert.equal(ruleset.rules, DEFAULT_RULE_FILES.length - 1); // all but the manifest
    assert.ok(await d.stdout.until(/\n/), d.stderr.text);
    const alert = JSON.parse(d.stdout.text.split("\n")[0]);
    assert.equal(alert.kestrel.rule.id, "execution-binary-from-tmp-by-shell");
    assert.equal((await d.stop()).code, 0, d.stderr.text);
  } finally {
    await d?.kill();
    await ws.remove();
  }
});
