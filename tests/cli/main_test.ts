/**
 * The `kestrel` entry point as a real subprocess, from source and from the
 * single-file bundle that `deno task bundle` produces (the same path the
 * compiled binary takes).
 */
import assert from "node:assert/strict";
import { deno, ROOT } from "./kestrel.ts";
import meta from "../../deno.json" with { type: "json" };

const kestrel = (...args: string[]) => deno(["run", "-A", "main.ts", ...args], { cwd: ROOT });

Deno.test("--version prints the version from deno.json", async () => {
  const r = await kestrel("--version");
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `kestrel ${meta.version}\n`);
});

Deno.test("--help lists the commands of the CLI contract", async () => {
  const r = await kestrel("--help");
  assert.equal(r.code, 0);
  for (
    const c of [
      "run",
      "validate",
      "list",
      "query",
      "replay",
      "record",
      "convert",
      "compile",
      "test",
    ]
  ) {
    assert.match(r.stdout, new RegExp(`^  ${c} `, "m"), `missing ${c}`);
  }
});

Deno.test("an unknown command is a usage error, exit 2, one line", async () => {
  const r = await kestrel("frobnicate");
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'kestrel: unknown command "frobnicate" (see kestrel --help)\n');
  assert.equal(r.stdout, "");
});

Deno.test("run --help lists the live sensor's options", async () => {
  const r = await kestrel("run", "--help");
  assert.equal(r.code, 0);
  for (
    const flag of [
      "--config FILE",
      "--rules DIR",
      "--listen HOST:PORT",
      "--replay FILE|-",
      "--events-out FILE",
      "--ringbuf-size BYTES",
      "--duration",
    ]
  ) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

Deno.test("run rejects a ring buffer size that is not a power of 2", async () => {
  const r = await kestrel("run", "--listen", "127.0.0.1:0", "--ringbuf-size", "3000");
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    "kestrel run: --ringbuf-size must be a power of 2 between 4096 and 1G bytes, not 3000\n",
  );
});

Deno.test("run rejects a bad --mode and unknown flags with one line", async () => {
  const mode = await kestrel("run", "--listen", "127.0.0.1:0", "--mode", "block");
  assert.equal(mode.code, 2);
  assert.equal(mode.stderr, 'kestrel run: --mode must be detect or enforce, not "block"\n');
  const flag = await kestrel("run", "--listen", "127.0.0.1:0", "--bogus");
  assert.equal(flag.code, 2);
  assert.match(
    flag.stderr,
    /^kestrel run: Unknown option '--bogus'.*\(see kestrel run --help\)\n$/,
  );
});

Deno.test("the bundled single file runs the same commands", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/kestrel.js`;
    const b = await deno(["bundle", "--platform", "deno", "--output", out, "main.ts"], {
      cwd: ROOT,
    });
    assert.equal(b.code, 0, b.stderr);
    // Run from another directory so nothing resolves against the checkout.
    const version = await deno(["run", "-A", out, "--version"], { cwd: dir });
    assert.equal(version.stdout, `kestrel ${meta.version}\n`);
    const corpus = `${ROOT}tests/fixtures/rules/corpus`;
    const v = await deno(["run", "-A", out, "validate", "--rules", corpus], { cwd: dir });
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^validated 41 rules: 0 errors, 0 warnings, 1 skipped$/m);
    const bad = await deno(
      ["run", "-A", out, "validate", "--rules", `${ROOT}tests/fixtures/rules/invalid`],
      { cwd: dir },
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /unknown_key\.yaml:5:1: /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
