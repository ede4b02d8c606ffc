/**
 * `POST /api/v1/rules/reload` and `POST /api/v1/rules/validate`: a good
 * reload swaps the ruleset; a bad one answers 422 with every located
 * diagnostic while the old rules stay listed and keep firing; validation
 * reports diagnostics and rejects malformed bodies.
 */
import assert from "node:assert/strict";
import { auth, getJson, GOOD_RULES, withServer } from "./fake_daemon.ts";

const BAD_BASH =
  'id: bash_exec\nname: Bash started\nseverity: high\neql: process where process.nmae == "bash"\n';
const BAD_EQL = 'process where (process.name == "sh"\n';
const BASH_EVENT =
  '{"@timestamp":"2025-01-01T00:00:01Z","event":{"category":"process","action":"exec"},"process":{"name":"bash"}}\n';

const post = (url: string, body?: string, type = "application/json") =>
  getJson(url, { method: "POST", headers: auth(undefined, { "Content-Type": type }), body });

Deno.test("a good reload answers 200 with the new counts and swaps the rules", async () => {
  await withServer(async ({ url, daemon }) => {
    daemon.ruleFiles.set("rules/sh.eql", 'process where process.name == "sh"\n');
    const r = await post(`${url}/api/v1/rules/reload`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { ok: true, rules: 3, version: "v1" });
    const rules = await getJson(`${url}/api/v1/rules`);
    const ids = (rules.body as { rules: { id: string }[] }).rules.map((x) => x.id);
    assert.deepEqual(ids, ["bash_exec", "curl_exec", "sh"]);
    const health = await getJson(`${url}/api/v1/health`);
    assert.deepEqual((health.body as { ruleset: unknown }).ruleset, {
      version: "v1",
      rules: 3,
      loadedAt: "2025-01-01T00:00:01.000Z",
    });
  });
});

Deno.test("a bad reload answers 422 with every file:line:col; the old rules stay and still fire", async () => {
  await withServer(async ({ url, daemon }) => {
    daemon.ruleFiles.set("rules/bash.yaml", BAD_BASH);
    daemon.ruleFiles.set("rules/broken.eql", BAD_EQL);
    const r = await post(`${url}/api/v1/rules/reload`);
    assert.equal(r.status, 422);
    assert.deepEqual(r.body, {
      ok: false,
      error: "ruleset rejected with 2 error(s); the previous ruleset is still running",
      messages: [
        'rules/bash.yaml:4:20: unknown field "process.nmae" (not in the ECS schema; use --schema dynamic for other logs)',
        'rules/broken.eql:1:36: expected ")" or operator, found end of query',
      ],
      diagnostics: [
        {
          severity: "error",
          message:
            'unknown field "process.nmae" (not in the ECS schema; use --schema dynamic for other logs)',
          file: "rules/bash.yaml",
          line: 4,
          col: 20,
          sourceLine: 'eql: process where process.nmae == "bash"',
        },
        {
          severity: "error",
          message: 'expected ")" or operator, found end of query',
          file: "rules/broken.eql",
          line: 1,
          col: 36,
          sourceLine: 'process where (process.name == "sh"',
        },
      ],
    });

    // The old ruleset is still the running one …
    const rules = await getJson(`${url}/api/v1/rules`);
    const listed = (rules.body as { rules: { id: string; query: string }[] }).rules;
    assert.deepEqual(listed.map((x) => [x.id, x.query]), [
      ["bash_exec", 'process where process.name == "bash"'],
      ["curl_exec", 'process where process.name == "curl"'],
    ]);
    const health = await getJson(`${url}/api/v1/health`);
    assert.equal((health.body as { ruleset: { version: string } }).ruleset.version, "v0");
    // … and still fires.
    const a = await post(`${url}/api/v1/analyze`, BASH_EVENT, "application/x-ndjson");
    assert.equal(a.status, 200);
    const alerts = (a.body as { alerts: { kestrel: { rule: { id: string } } }[] }).alerts;
    assert.deepEqual(alerts.map((x) => x.kestrel.rule.id), ["bash_exec"]);

    // Fixed, the next reload goes through.
    daemon.ruleFiles.set("rules/bash.yaml", GOOD_RULES["rules/bash.yaml"]);
    daemon.ruleFiles.delete("rules/broken.eql");
    const ok = await post(`${url}/api/v1/rules/reload`);
    assert.deepEqual([ok.status, ok.body], [200, { ok: true, rules: 2, version: "v2" }]);
  });
});

Deno.test("validate reports diagnostics of uploaded files without loading them", async () => {
  await withServer(async ({ url }) => {
    const files = (f: Record<string, string>) =>
      JSON.stringify({ files: Object.entries(f).map(([path, text]) => ({ path, text })) });
    const good = await post(`${url}/api/v1/rules/validate`, files(GOOD_RULES));
    assert.deepEqual([good.status, good.body], [200, {
      ok: true,
      rules: 2,
      errors: 0,
      warnings: 0,
      messages: [],
      diagnostics: [],
    }]);

    const bad = await post(
      `${url}/api/v1/rules/validate`,
      files({ "x/broken.eql": BAD_EQL, "x/curl.yaml": GOOD_RULES["rules/curl.yaml"] }),
    );
    assert.deepEqual([bad.status, bad.body], [200, {
      ok: false,
      rules: 1,
      errors: 1,
      warnings: 0,
      messages: ['x/broken.eql:1:36: expected ")" or operator, found end of query'],
      diagnostics: [{
        severity: "error",
        message: 'expected ")" or operator, found end of query',
        file: "x/broken.eql",
        line: 1,
        col: 36,
        sourceLine: 'process where (process.name == "sh"',
      }],
    }]);

    // Nothing of it was loaded.
    const rules = await getJson(`${url}/api/v1/rules`);
    assert.equal((rules.body as { rules: unknown[] }).rules.length, 2);
  });
});

Deno.test("validate rejects malformed bodies with 400, other media types with 415", async () => {
  await withServer(async ({ url }) => {
    const shape = 'the body must be {"files": [{"path": "...", "text": "..."}]}';
    const cases: [string, string][] = [
      ["{", "invalid JSON body: "],
      ["[]", shape],
      ["{}", shape],
      ['{"files": {}}', shape],
      ['{"files": []}', "files must not be empty"],
      ['{"files": [{"path": "a.eql"}]}', 'files[0] must be {"path": string, "text": string}'],
      [
        '{"files": [{"path": "", "text": ""}]}',
        "files[0].path must be 1 to 4096 characters without NUL",
      ],
      [
        '{"files": [{"path": "a.eql", "text": "x"}, {"path": "a.eql", "text": "y"}]}',
        'files[1].path "a.eql" is given twice',
      ],
      [
        '{"files": [{"path": "a.eql", "text": "", "mode": 1}]}',
        'unknown member "mode" in files[0]',
      ],
      ['{"files": [{"path": "a.eql", "text": ""}], "x": 1}', 'unknown member "x" in the body'],
    ];
    for (const [body, error] of cases) {
      const r = await post(`${url}/api/v1/rules/validate`, body);
      assert.equal(r.status, 400, body);
      const got = (r.body as { error: string }).error;
      if (error.endsWith(": ")) assert.ok(got.startsWith(error), got);
      else assert.deepEqual(r.body, { error }, body);
    }
    const r = await post(`${url}/api/v1/rules/validate`, '{"files": []}', "text/plain");
    assert.deepEqual([r.status, r.body], [415, { error: "the body must be application/json" }]);
  });
});

Deno.test("validate answers 413 for a body over the limit", async () => {
  await withServer(async ({ url }) => {
    const body = JSON.stringify({ files: [{ path: "a.eql", text: "x".repeat(2000) }] });
    const r = await post(`${url}/api/v1/rules/validate`, body);
    assert.deepEqual([r.status, r.body], [413, { error: "the body exceeds 1024 bytes" }]);
  }, { maxValidateBytes: 1024 });
});
