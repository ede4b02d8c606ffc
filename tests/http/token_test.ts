/**
 * The API token file: generated once with mode 0600 (directory created),
 * reused afterwards, a configured token taking precedence, refused when
 * other users can read it, and one winner among concurrent starters.
 */
import assert from "node:assert/strict";
import { createApp, ensureApiToken, startServer } from "../../http/mod.ts";
import { FakeDaemon, GOOD_RULES } from "./fake_daemon.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "kestrel-token-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("without a configured token one is generated into <data_dir>/api.token, mode 0600", async () => {
  await withDir(async (dir) => {
    const dataDir = `${dir}/var/lib/kestrel`;
    const t = await ensureApiToken(dataDir);
    assert.equal(t.source, "created");
    assert.equal(t.path, `${dataDir}/api.token`);
    assert.match(t.token, /^[0-9a-f]{64}$/);
    const info = await Deno.stat(`${dataDir}/api.token`);
    assert.equal(info.mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(dataDir)).mode! & 0o777, 0o700);
    assert.equal(await Deno.readTextFile(`${dataDir}/api.token`), t.token + "\n");
    // No temporary file is left behind.
    const names = [];
    for await (const e of Deno.readDir(dataDir)) names.push(e.name);
    assert.deepEqual(names, ["api.token"]);

    const again = await ensureApiToken(dataDir, "");
    assert.deepEqual(again, { token: t.token, source: "reused", path: `${dataDir}/api.token` });
  });
});

Deno.test("a configured token is used as given and no file is written", async () => {
  await withDir(async (dir) => {
    assert.deepEqual(await ensureApiToken(dir, "s3cret"), {
      token: "s3cret",
      source: "configured",
    });
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("a token file readable by others, or empty, is refused", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/api.token`, "abc\n", { mode: 0o644 });
    await Deno.chmod(`${dir}/api.token`, 0o644);
    await assert.rejects(
      ensureApiToken(dir),
      new Error(
        `${dir}/api.token has mode 0644: the API token must not be accessible to other users (chmod 600 ${dir}/api.token)`,
      ),
    );
    await Deno.writeTextFile(`${dir}/api.token`, "\n");
    await Deno.chmod(`${dir}/api.token`, 0o600);
    await assert.rejects(
      ensureApiToken(dir),
      new Error(`${dir}/api.token is empty: delete it to generate a new API token`),
    );
  });
});

Deno.test("concurrent starters agree on one generated token", async () => {
  await withDir(async (dir) => {
    const all = await Promise.all(Array.from({ length: 8 }, () => ensureApiToken(dir)));
    assert.equal(new Set(all.map((t) => t.token)).size, 1);
    assert.equal(all.filter((t) => t.source === "created").length, 1);
    assert.equal((await Deno.readTextFile(`${dir}/api.token`)).trim(), all[0].token);
  });
});

Deno.test("the generated token is the one the API accepts", async () => {
  await withDir(async (dir) => {
    const { token } = await ensureApiToken(dir);
    const server = await startServer(
      createApp(new FakeDaemon(GOOD_RULES, dir), { token }),
      "127.0.0.1:0",
    );
    try {
      const token2 = (await Deno.readTextFile(`${dir}/api.token`)).trim();
      const ok = await fetch(`${server.url}/api/v1/rules/reload`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token2}` },
      });
      assert.deepEqual([ok.status, await ok.json()], [200, { ok: true, rules: 2, version: "v1" }]);
    } finally {
      await server.shutdown();
    }
  });
});
