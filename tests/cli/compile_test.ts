/**
 * `kestrel compile` and rule packages as real subprocesses over real
 * files: the package's contents, replay from a package (alone or checked
 * against the rules directory), `--runtime wasm`, and the clear errors for
 * a tampered package, stale rules and rules the Wasm runtime cannot run.
 */
import assert from "node:assert/strict";
import { kestrel, ROOT } from "./kestrel.ts";
import { syntheticEvents } from "../../samples/synthetic.ts";

const CORPUS = `${ROOT}tests/fixtures/rules/corpus`;

async function writeLog(count: number): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".ndjson" });
  const lines: string[] = [];
  for (const ev of syntheticEvents(count, { seed: 11 })) lines.push(JSON.stringify(ev));
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

Deno.test("compile: the corpus becomes a package that replays exactly like the rules in js", async () => {
  const out = await Deno.makeTempDir();
  const log = await writeLog(20_000);
  try {
    const c = await kestrel(["compile", "--rules", CORPUS, "--output", out]);
    assert.equal(c.code, 0, c.stderr);
    const manifest = JSON.parse(await Deno.readTextFile(`${out}/manifest.json`));
    assert.equal(manifest.abi, 1);
    assert.match(manifest.wasm.sha256, /^[0-9a-f]{64}$/);
    assert.ok(manifest.rules.length >= 30);
    for (const r of manifest.rules) {
      assert.match(r.hash, /^[0-9a-f]{64}$/);
      assert.equal(typeof r.id, "string");
    }
    const wasm = await Deno.readFile(`${out}/rules.wasm`);
    assert.deepEqual([...wasm.slice(0, 4)], [0x00, 0x61, 0x73, 0x6d]);
    assert.equal(wasm.length, manifest.wasm.bytes);

    const js = await kestrel(["replay", "--rules", CORPUS, "--events", log]);
    assert.equal(js.code, 0, js.stderr);
    assert.ok(js.stdout.trim().split("\n").length >= 20, "too few alerts to compare");
    const fromPackage = await kestrel(["replay", "--package", out, "--events", log]);
    assert.equal(fromPackage.code, 0, fromPackage.stderr);
    assert.equal(fromPackage.stdout, js.stdout);
    assert.match(fromPackage.stderr, /"runtime":"wasm","ruleErrors":0/);
    const checked = await kestrel(["replay", "--package", out, "--rules", CORPUS, "--events", log]);
    assert.equal(checked.code, 0, checked.stderr);
    assert.equal(checked.stdout, js.stdout);
    const wasmRuntime = await kestrel([
      "replay",
      "--rules",
      CORPUS,
      "--runtime",
      "wasm",
      "--events",
      log,
    ]);
    assert.equal(wasmRuntime.code, 0, wasmRuntime.stderr);
    assert.equal(wasmRuntime.stdout, js.stdout);
  } finally {
    await Deno.remove(out, { recursive: true });
    await Deno.remove(log);
  }
});

Deno.test("compile: a tampered package or stale rules are refused with a clear error", async () => {
  const dir = await Deno.makeTempDir();
  const log = await writeLog(100);
  try {
    await Deno.writeTextFile(`${dir}/shell.eql`, 'process where process.name : "bash"\n');
    const c = await kestrel(["compile", "--rules", dir, "--output", `${dir}.pkg`]);
    assert.equal(c.code, 0, c.stderr);
    // The rule changed after the package was built.
    await Deno.writeTextFile(`${dir}/shell.eql`, 'process where process.name : "zsh"\n');
    const stale = await kestrel([
      "replay",
      "--package",
      `${dir}.pkg`,
      "--rules",
      dir,
      "--events",
      log,
    ]);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /rule shell changed since the package was built \(hash mismatch\)/);
    // One byte of the module changed.
    const wasm = await Deno.readFile(`${dir}.pkg/rules.wasm`);
    wasm[wasm.length - 1] ^= 1;
    await Deno.writeFile(`${dir}.pkg/rules.wasm`, wasm);
    const tampered = await kestrel(["replay", "--package", `${dir}.pkg`, "--events", log]);
    assert.equal(tampered.code, 2);
    assert.match(tampered.stderr, /rules\.wasm: hash mismatch/);
    assert.equal(tampered.stdout, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(`${dir}.pkg`, { recursive: true });
    await Deno.remove(log);
  }
});

Deno.test("compile: a rule the wasm runtime cannot run is a located error; nothing is written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/procs.eql`,
      '// dialect: legacy\nprocess where arraySearch(process.args, a, a == "-c")\n',
    );
    const c = await kestrel(["compile", "--rules", dir, "--output", `${dir}/pkg`]);
    assert.equal(c.code, 1, c.stderr);
    assert.match(
      c.stderr,
      /procs\.eql:2: rule procs: function arraySearch\(\) is not available in the wasm runtime/,
    );
    await assert.rejects(Deno.stat(`${dir}/pkg`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("query: --runtime wasm prints what --runtime js prints", async () => {
  const log = await writeLog(5_000);
  try {
    const q = 'process where process.name : ("BASH", "sh", "python*") and not user.id == "0"';
    const js = await kestrel(["query", "--eql", q, "--events", log]);
    const wasm = await kestrel(["query", "--eql", q, "--events", log, "--runtime", "wasm"]);
    assert.equal(js.code, 0, js.stderr);
    assert.equal(wasm.code, 0, wasm.stderr);
    assert.ok(js.stdout.split("\n").length > 20, "too few matches to compare");
    assert.equal(wasm.stdout, js.stdout);
  } finally {
    await Deno.remove(log);
  }
});
