/**
 * The predicate runtime of `replay` and `query`: a package whose module
 * cannot start within the Wasm memory limit is a clear usage error.
 */
import assert from "node:assert/strict";
import { Schema } from "../../engine/schema.ts";
import { loadRules } from "../../rules/loader/mod.ts";
import { buildPackage } from "../../runtimes/wasm/package.ts";
import { predicatesFor } from "../../cli/runtime.ts";
import { UsageError } from "../../cli/usage.ts";

Deno.test("runtime: a package too big to start under the wasm memory limit is a usage error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // About 1.6 MB of constants: more than 1 MiB before any event.
    const names = Array.from({ length: 2000 }, (_, i) => `"${"n".repeat(400)}${i}"`);
    await Deno.writeTextFile(
      `${dir}/many.eql`,
      `process where process.name in (${names.join(", ")})\n`,
    );
    const schema = Schema.ecs();
    const loaded = await loadRules(dir, { schema });
    assert.equal(loaded.rules.length, 1);
    const pkg = buildPackage(loaded.rules, schema, { memoryLimitMb: 64 });
    const limits = { fuelLimit: 1_000_000, memoryLimitMb: 1 };
    assert.throws(
      () => predicatesFor("replay", "wasm", loaded.rules, pkg, limits),
      (e: Error) =>
        e instanceof UsageError &&
        /^kestrel replay: the rule module needs [\d.]+ MiB of memory to start, more than the wasm memory limit of 1 MiB$/
          .test(e.message),
    );
    // Within a limit it fits, it runs.
    const roomy = predicatesFor("replay", "wasm", loaded.rules, pkg, {
      ...limits,
      memoryLimitMb: 4,
    });
    assert.ok(roomy.wasm);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
