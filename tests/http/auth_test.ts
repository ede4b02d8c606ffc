/**
 * Bearer-token authentication over a real loopback connection: 401 without
 * a token, 403 with a wrong one, on reload, validate, analyze and every
 * other POST route, before the daemon is called; the right token passes.
 */
import assert from "node:assert/strict";
import { createApp } from "../../http/mod.ts";
import { bearerToken, timingSafeEqual } from "../../http/auth.ts";
import { auth, FakeDaemon, getJson, GOOD_RULES, TOKEN, withServer } from "./fake_daemon.ts";

/** The protected routes with a body each would accept. */
const PROTECTED: { path: string; type: string; body: string }[] = [
  { path: "/api/v1/rules/reload", type: "application/json", body: "" },
  {
    path: "/api/v1/rules/validate",
    type: "application/json",
    body: JSON.stringify({ files: [{ path: "a.yaml", text: GOOD_RULES["rules/bash.yaml"] }] }),
  },
  {
    path: "/api/v1/analyze",
    type: "application/x-ndjson",
    body: '{"@timestamp":"2025-01-01T00:00:00Z","event":{"category":"process"}}\n',
  },
];

Deno.test("reload, validate and analyze answer 401 without a token, also on loopback", async () => {
  await withServer(async ({ url, daemon }) => {
    assert.ok(url.startsWith("http://127.0.0.1:"));
    for (const { path, type, body } of PROTECTED) {
      for (
        const authorization of [undefined, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", TOKEN]
      ) {
        const headers: Record<string, string> = { "Content-Type": type };
        if (authorization !== undefined) headers.Authorization = authorization;
        const r = await getJson(url + path, { method: "POST", headers, body });
        assert.equal(r.status, 401, `${path} with ${JSON.stringify(authorization)}`);
        assert.equal(r.headers.get("www-authenticate"), 'Bearer realm="kestrel"');
        assert.deepEqual(r.body, {
          error: "missing bearer token: send Authorization: Bearer <token>",
        });
      }
    }
    assert.equal(daemon.reloads, 0);
  });
});

Deno.test("reload, validate and analyze answer 403 with a wrong token", async () => {
  await withServer(async ({ url, daemon }) => {
    const wrong = [
      "nope",
      TOKEN.slice(0, -1),
      TOKEN + "0",
      TOKEN.slice(0, -1) + "e",
      TOKEN.toUpperCase(),
    ];
    for (const { path, type, body } of PROTECTED) {
      for (const token of wrong) {
        const r = await getJson(url + path, {
          method: "POST",
          headers: auth(token, { "Content-Type": type }),
          body,
        });
        assert.equal(r.status, 403, `${path} with ${token}`);
        assert.equal(
          r.headers.get("www-authenticate"),
          'Bearer realm="kestrel", error="invalid_token"',
        );
        assert.deepEqual(r.body, { error: "invalid bearer token" });
      }
    }
    assert.equal(daemon.reloads, 0);
  });
});

Deno.test("the right token passes, with the scheme in any case", async () => {
  await withServer(async ({ url, daemon }) => {
    for (const { path, type, body } of PROTECTED) {
      for (const authorization of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER  ${TOKEN} `]) {
        const r = await getJson(url + path, {
          method: "POST",
          headers: { Authorization: authorization, "Content-Type": type },
          body,
        });
        assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
      }
    }
    assert.equal(daemon.reloads, 3);
  });
});

Deno.test("every POST route of the app needs the token, and only those", async () => {
  await withServer(async ({ url }) => {
    const app = createApp(new FakeDaemon(GOOD_RULES, "/nonexistent"), { token: TOKEN });
    const routes = app.routes.filter((r) => !r.path.includes("*"));
    // A route with its own middleware (the body limit) is listed once per handler.
    const posts = [...new Set(routes.filter((r) => r.method === "POST").map((r) => r.path))].sort();
    assert.deepEqual(posts, ["/api/v1/analyze", "/api/v1/rules/reload", "/api/v1/rules/validate"]);
    for (const path of posts) {
      const r = await getJson(url + path, { method: "POST" });
      assert.equal(r.status, 401, path);
    }
    // Any other write method, on any path, is refused without the token as well.
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const r = await getJson(`${url}/api/v1/rules`, { method });
      assert.equal(r.status, 401, method);
    }
    // Read-only routes are open.
    for (const r of routes.filter((r) => r.method === "GET")) {
      if (r.path.endsWith("/stream")) continue;
      const res = await fetch(url + r.path);
      await res.body?.cancel();
      assert.equal(res.status, 200, r.path);
    }
  });
});

Deno.test("createApp refuses an empty or blank token", () => {
  const daemon = new FakeDaemon(GOOD_RULES, "/nonexistent");
  for (const token of ["", " ", "two words"]) {
    assert.throws(
      () => createApp(daemon, { token }),
      /the API token must be a non-empty string without whitespace/,
    );
  }
});

Deno.test("bearerToken reads the Authorization header", () => {
  assert.equal(bearerToken(undefined), undefined);
  assert.equal(bearerToken(""), undefined);
  assert.equal(bearerToken("Bearer"), undefined);
  assert.equal(bearerToken("Bearer a b"), undefined);
  assert.equal(bearerToken("Basic abc"), undefined);
  assert.equal(bearerToken("Bearer abc"), "abc");
  assert.equal(bearerToken("bEaReR   abc  "), "abc");
});

Deno.test("timingSafeEqual compares whole arrays", () => {
  const a = new Uint8Array([1, 2, 3, 4]);
  assert.equal(timingSafeEqual(a, new Uint8Array([1, 2, 3, 4])), true);
  assert.equal(timingSafeEqual(a, new Uint8Array([1, 2, 3, 5])), false);
  assert.equal(timingSafeEqual(a, new Uint8Array([0, 2, 3, 4])), false);
  assert.equal(timingSafeEqual(a, new Uint8Array([1, 2, 3])), false);
  assert.equal(timingSafeEqual(new Uint8Array(), new Uint8Array()), true);
});
