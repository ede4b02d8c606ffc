/**
 * Authentication and analyze on the real daemon, over loopback: mutating
 * and analyze routes answer 401 without a token and 403 with a wrong one;
 * the generated token file is mode 0600 (a configured token writes none);
 * analyze replays uploads and files under `[http] analyze_dirs`, and
 * refuses every other path.
 */
import assert from "node:assert/strict";
import { bearer, DaemonProcess, execEvent, rule, Workspace } from "./helpers.ts";

type Json = Record<string, unknown>;

const ROUTES = ["/api/v1/rules/reload", "/api/v1/rules/validate", "/api/v1/analyze"];

Deno.test("auth: 401 without a token, 403 with a wrong one, on loopback; token file 0600", async () => {
  const ws = await Workspace.create("auth");
  let d: DaemonProcess | undefined;
  try {
    await ws.write("rules/bash.yaml", rule("bash", 'process where process.name == "bash"'));
    await ws.writeConfig();
    d = await DaemonProcess.start(["--config", ws.config]);
    assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+$/, d.stderr.text);
    const info = await Deno.stat(`${ws.data}/api.token`);
    assert.equal(info.mode! & 0o777, 0o600);
    const token = await d.token(ws.data);
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.ok(d.stderr.text.includes(`(token in ${ws.data}/api.token)`));

    for (const route of ROUTES) {
      const none = await d.post(route, { "Content-Type": "application/json" }, "{}");
      assert.equal(none.status, 401, route);
      const wrong = await d.post(route, bearer(token.replace(/.$/, "x")), "{}");
      assert.equal(wrong.status, 403, route);
      const basic = await d.post(route, { Authorization: `Basic ${btoa("a:b")}` }, "{}");
      assert.equal(basic.status, 401, route);
    }
    // Reads are open; the right token works.
    assert.equal((await d.get("/api/v1/health")).status, 200);
    const ok = await d.post("/api/v1/rules/reload", bearer(token));
    assert.deepEqual([ok.status, ok.body.ok], [200, true]);
    const v = await d.post(
      "/api/v1/rules/validate",
      bearer(token, { "Content-Type": "application/json" }),
      JSON.stringify({ files: [{ path: "x.yaml", text: rule("x", "process where (") }] }),
    );
    assert.deepEqual([v.status, v.body.ok, v.body.errors], [200, false, 1]);
    assert.equal((await d.stop()).code, 0);
  } finally {
    await d?.kill();
    await ws.remove();
  }
});

Deno.test("auth: a configured token (from the environment) is used, no token file is written", async () => {
  const ws = await Workspace.create("auth-env");
  let d: DaemonProcess | undefined;
  try {
    await ws.writeConfig({ http: 'token = "${KESTREL_TEST_TOKEN}"' });
    d = await DaemonProcess.start(["--config", ws.config], { KESTREL_TEST_TOKEN: "s3cret-token" });
    assert.ok(d.url, d.stderr.text);
    assert.match(d.stderr.text, /\(configured token\)/);
    assert.equal((await d.post("/api/v1/rules/reload", bearer("s3cret-token"))).status, 200);
    assert.equal((await d.post("/api/v1/rules/reload", bearer("other"))).status, 403);
    await assert.rejects(Deno.stat(`${ws.data}/api.token`), Deno.errors.NotFound);
    assert.equal((await d.stop()).code, 0);
  } finally {
    await d?.kill();
    await ws.remove();
  }
});

Deno.test("analyze: uploads and files under analyze_dirs; every other path is refused", async () => {
  const ws = await Workspace.create("analyze");
  let d: DaemonProcess | undefined;
  try {
    await ws.write("rules/bash.yaml", rule("bash", 'process where process.name == "bash"'));
    await ws.writeConfig();
    const log = [1, 2, 3].map((s) => execEvent(s, { name: s === 2 ? "sh" : "bash", pid: s }));
    await ws.write("logs/events.ndjson", log.join("\n") + "\n");
    await ws.write("secret.ndjson", log.join("\n") + "\n");
    await Deno.symlink(`${ws.dir}/secret.ndjson`, `${ws.logs}/escape.ndjson`);
    await Deno.symlink(ws.dir, `${ws.logs}/up`);
    await Deno.mkdir(`${ws.logs}/sub`);
    d = await DaemonProcess.start(["--config", ws.config]);
    const token = await d.token(ws.data);
    const json = bearer(token, { "Content-Type": "application/json" });
    const byPath = (path: string) => d!.post("/api/v1/analyze", json, JSON.stringify({ path }));
    const pids = (body: Json) =>
      (body.alerts as Json[]).map((a) => ((a.events as Json[])[0].process as Json).pid);

    const upload = await d.post(
      "/api/v1/analyze",
      bearer(token, { "Content-Type": "application/x-ndjson" }),
      log.join("\n"),
    );
    assert.equal(upload.status, 200);
    assert.deepEqual(pids(upload.body), [1, 3]);
    assert.equal((upload.body.stats as Json).events, 3);

    const file = await byPath(`${ws.logs}/events.ndjson`);
    assert.equal(file.status, 200);
    assert.deepEqual(pids(file.body), [1, 3]);
    // The live side is untouched.
    assert.equal(await d.metric("kestrel_alerts_total"), 0);

    const refused: [string, number][] = [
      ["/etc/passwd", 403],
      [`${ws.dir}/secret.ndjson`, 403],
      [`${ws.logs}/../secret.ndjson`, 403],
      [`${ws.logs}/escape.ndjson`, 403],
      [`${ws.logs}/up/secret.ndjson`, 403],
      [`${ws.logs}`, 403],
      ["logs/events.ndjson", 400],
      [`${ws.logs}/sub`, 400],
      [`${ws.logs}/missing.ndjson`, 404],
      [`${ws.dir}/missing.ndjson`, 403],
    ];
    for (const [path, status] of refused) {
      const r = await byPath(path);
      assert.equal(r.status, status, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(typeof r.body.error, "string");
      assert.equal(r.body.alerts, undefined);
    }
    assert.equal((await d.stop()).code, 0);
  } finally {
    await d?.kill();
    await ws.remove();
  }
});

Deno.test("analyze: without analyze_dirs every path is refused, uploads still work", async () => {
  const ws = await Workspace.create("analyze-none");
  let d: DaemonProcess | undefined;
  try {
    await ws.write("rules/bash.yaml", rule("bash", 'process where process.name == "bash"'));
    await ws.writeConfig();
    await ws.write(
      "kestrel.toml",
      (await Deno.readTextFile(ws.config)).replace(/^analyze_dirs = .*$/m, ""),
    );
    const log = execEvent(1, { name: "bash", pid: 1 });
    await ws.write("logs/events.ndjson", log + "\n");
    d = await DaemonProcess.start(["--config", ws.config]);
    const token = await d.token(ws.data);
    const r = await d.post(
      "/api/v1/analyze",
      bearer(token, { "Content-Type": "application/json" }),
      JSON.stringify({ path: `${ws.logs}/events.ndjson` }),
    );
    assert.equal(r.status, 403);
    assert.match(r.body.error as string, /no \[http\] analyze_dirs are configured/);
    const up = await d.post(
      "/api/v1/analyze",
      bearer(token, { "Content-Type": "application/x-ndjson" }),
      log,
    );
    assert.equal((up.body.alerts as Json[]).length, 1);
    assert.equal((await d.stop()).code, 0);
  } finally {
    await d?.kill();
    await ws.remove();
  }
});
