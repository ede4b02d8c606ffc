/**
 * The OpenAPI document: valid OpenAPI 3.0 (checked by an independent
 * validator against the official schema), describing exactly the routes
 * the app serves, with bearer security on exactly the POST routes, and
 * with schemas that the real responses satisfy.
 */
import assert from "node:assert/strict";
import SwaggerParser from "@apidevtools/swagger-parser";
import { createApp, openApiDocument } from "../../http/mod.ts";
import { alert, auth, FakeDaemon, getJson, GOOD_RULES, TOKEN, withServer } from "./fake_daemon.ts";
import { checkSchema as check } from "./schema_check.ts";

type Json = Record<string, unknown>;

Deno.test("the served document is valid OpenAPI 3.0", async () => {
  await withServer(async ({ url }) => {
    const { body } = await getJson(`${url}/api/v1/openapi.json`);
    assert.deepEqual(body, openApiDocument());
    // The validator dereferences in place: give it a copy.
    const api = await SwaggerParser.validate(structuredClone(body) as never);
    assert.equal((api as { openapi: string }).openapi, "3.0.3");
  });
});

Deno.test("the validator used here does reject a broken document", async () => {
  const doc = openApiDocument() as unknown as Json;
  const paths = doc.paths as Record<string, Json>;
  delete (paths["/api/v1/health"].get as Json).responses;
  (paths["/api/v1/rules"].get as Json).responses = {
    "200": { $ref: "#/components/responses/Missing" },
  };
  await assert.rejects(SwaggerParser.validate(doc as never));
});

/** `METHOD /path` of every route the app answers (middleware entries left out). */
function appOperations(): string[] {
  const app = createApp(new FakeDaemon(GOOD_RULES, "/nonexistent"), { token: TOKEN });
  const ops = app.routes
    .filter((r) => !r.path.includes("*") && r.method !== "ALL")
    .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
  return [...new Set(ops)].sort();
}

function docOperations(doc = openApiDocument()): string[] {
  const ops: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) ops.push(`${method.toUpperCase()} ${path}`);
  }
  return ops.sort();
}

Deno.test("the document lists exactly the app's routes", () => {
  assert.deepEqual(appOperations(), [
    "GET /api/v1/alerts",
    "GET /api/v1/alerts/stream",
    "GET /api/v1/health",
    "GET /api/v1/openapi.json",
    "GET /api/v1/rules",
    "GET /metrics",
    "POST /api/v1/analyze",
    "POST /api/v1/rules/reload",
    "POST /api/v1/rules/validate",
  ]);
  assert.deepEqual(docOperations(), appOperations());
});

Deno.test("bearer security is declared on exactly the POST operations, with 401 and 403", () => {
  const doc = openApiDocument();
  assert.deepEqual(doc.components.securitySchemes, {
    bearerAuth: { type: "http", scheme: "bearer" },
  });
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const responses = Object.keys(op.responses as Json);
      if (method === "post") {
        assert.deepEqual(op.security, [{ bearerAuth: [] }], path);
        assert.ok(responses.includes("401") && responses.includes("403"), path);
      } else {
        assert.equal(op.security, undefined, path);
        assert.ok(!responses.includes("401"), path);
      }
      assert.equal(typeof op.operationId, "string", path);
    }
  }
});

Deno.test("real responses match the document's schemas", async () => {
  await withServer(async ({ url, daemon, dir }) => {
    const doc = openApiDocument() as unknown as Json;
    const paths = doc.paths as Record<string, Record<string, Json>>;
    const schemaOf = (path: string, method: string, status: number) => {
      let r = (paths[path][method].responses as Record<string, Json>)[String(status)];
      assert.ok(r, `${method} ${path} does not document ${status}`);
      if (typeof r.$ref === "string") {
        r = (doc.components as Record<string, Record<string, Json>>).responses[
          r.$ref.split("/").pop()!
        ];
      }
      return ((r.content as Json)["application/json"] as Json).schema as Json;
    };
    const expectDocumented = async (
      method: string,
      path: string,
      init: RequestInit = {},
      query = "",
    ) => {
      const r = await getJson(url + path + query, { method: method.toUpperCase(), ...init });
      const problems = check(r.body, schemaOf(path, method, r.status), doc);
      assert.deepEqual(problems, [], `${method} ${path}${query} → ${r.status}`);
      return r.status;
    };

    // The checker itself finds problems.
    const health = (doc.components as Record<string, Record<string, Json>>).schemas.Health;
    assert.deepEqual(check({ status: "fine", mode: 1 }, health, doc), [
      "$: missing uptimeSeconds",
      "$: missing bpf",
      "$: missing enforcement",
      "$: missing degraded",
      "$: missing ruleset",
      '$.status: "fine" not in ["ok","degraded"]',
      "$.mode: expected string, got integer",
    ]);

    daemon.publish({
      ...alert("a1", "bash_exec", "high", "2025-01-01T00:00:01Z"),
      threat: [{
        framework: "MITRE ATT&CK",
        technique: { id: "T1059", subtechnique: { id: "T1059.004" } },
      }],
    });
    daemon.publish(alert("a2", "bash_exec", "high", "2025-01-01T00:00:02Z"));
    const json = { "Content-Type": "application/json" };
    const ndjson = { "Content-Type": "application/x-ndjson" };
    const event =
      '{"@timestamp":"2025-01-01T00:00:01Z","event":{"category":"process"},"process":{"name":"bash"}}';

    assert.equal(await expectDocumented("get", "/api/v1/health"), 200);
    assert.equal(await expectDocumented("get", "/api/v1/alerts", {}, "?limit=1"), 200);
    assert.equal(await expectDocumented("get", "/api/v1/alerts", {}, "?limit=x"), 400);
    assert.equal(await expectDocumented("get", "/api/v1/rules"), 200);
    assert.equal(await expectDocumented("post", "/api/v1/rules/reload", { headers: auth() }), 200);
    assert.equal(await expectDocumented("post", "/api/v1/rules/reload"), 401);
    assert.equal(
      await expectDocumented("post", "/api/v1/rules/reload", { headers: auth("bad") }),
      403,
    );
    daemon.ruleFiles.set("rules/x.eql", "process where");
    assert.equal(await expectDocumented("post", "/api/v1/rules/reload", { headers: auth() }), 422);
    const files = JSON.stringify({ files: [{ path: "x.eql", text: "process where" }] });
    assert.equal(
      await expectDocumented("post", "/api/v1/rules/validate", {
        headers: auth(undefined, json),
        body: files,
      }),
      200,
    );
    assert.equal(
      await expectDocumented("post", "/api/v1/rules/validate", {
        headers: auth(undefined, json),
        body: "{}",
      }),
      400,
    );
    assert.equal(
      await expectDocumented("post", "/api/v1/analyze", {
        headers: auth(undefined, ndjson),
        body: event,
      }),
      200,
    );
    assert.equal(
      await expectDocumented("post", "/api/v1/analyze", {
        headers: auth(undefined, json),
        body: '{"path": "/etc/passwd"}',
      }),
      403,
    );
    assert.equal(
      await expectDocumented("post", "/api/v1/analyze", {
        headers: auth(undefined, json),
        body: JSON.stringify({ path: `${dir}/logs/none.ndjson` }),
      }),
      404,
    );
    assert.equal(
      await expectDocumented("post", "/api/v1/analyze", {
        headers: auth(undefined, { "Content-Type": "image/png" }),
        body: "x",
      }),
      415,
    );
  });
});
