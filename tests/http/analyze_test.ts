/**
 * `POST /api/v1/analyze`: an uploaded NDJSON log or a `{"path"}` replayed
 * through the loaded rules; paths outside the daemon's log directory are
 * refused by the daemon and the refusal's status is passed on; malformed
 * requests answer 400/415.
 */
import assert from "node:assert/strict";
import { auth, getJson, withServer } from "./fake_daemon.ts";

const LOG = [
  '{"@timestamp":"2025-01-01T00:00:01Z","event":{"category":"process","action":"exec"},"process":{"name":"bash"}}',
  '{"@timestamp":"2025-01-01T00:00:02Z","event":{"category":"process","action":"exec"},"process":{"name":"ls"}}',
  "not json",
  '{"@timestamp":"2025-01-01T00:00:03Z","event":{"category":"process","action":"exec"},"process":{"name":"curl"}}',
  "",
].join("\n");

const EXPECTED_STATS = {
  lines: 4,
  events: 3,
  malformed: 1,
  notObject: 0,
  noTimestamp: 0,
  late: 0,
  alerts: 2,
};

interface AnalyzeBody {
  alerts: {
    "@timestamp": string;
    kestrel: { alert: { kind: string; action: string }; rule: { id: string; severity: string } };
    events: { process: { name: string } }[];
  }[];
  stats: Record<string, number>;
}

const post = (url: string, body: string, type: string) =>
  getJson(`${url}/api/v1/analyze`, {
    method: "POST",
    headers: auth(undefined, { "Content-Type": type }),
    body,
  });

function summary(body: unknown): unknown[] {
  return (body as AnalyzeBody).alerts.map((a) => [
    a["@timestamp"],
    a.kestrel.rule.id,
    a.kestrel.rule.severity,
    a.kestrel.alert.action,
    a.events.map((e) => e.process.name),
  ]);
}

const EXPECTED_ALERTS = [
  ["2025-01-01T00:00:01Z", "bash_exec", "high", "alert", ["bash"]],
  ["2025-01-01T00:00:03Z", "curl_exec", "low", "alert", ["curl"]],
];

Deno.test("an uploaded NDJSON log is replayed through the loaded rules", async () => {
  await withServer(async ({ url }) => {
    for (const type of ["application/x-ndjson", "application/jsonl", "text/plain; charset=utf-8"]) {
      const r = await post(url, LOG, type);
      assert.equal(r.status, 200, type);
      assert.deepEqual(summary(r.body), EXPECTED_ALERTS, type);
      assert.deepEqual((r.body as AnalyzeBody).stats, EXPECTED_STATS, type);
    }
  });
});

Deno.test("a path under the daemon's log directory is replayed; others are refused", async () => {
  await withServer(async ({ url, dir }) => {
    await Deno.writeTextFile(`${dir}/logs/run.ndjson`, LOG);
    await Deno.writeTextFile(`${dir}/secret.ndjson`, LOG);
    await Deno.symlink(`${dir}/secret.ndjson`, `${dir}/logs/link.ndjson`);

    const ok = await post(
      url,
      JSON.stringify({ path: `${dir}/logs/run.ndjson` }),
      "application/json",
    );
    assert.equal(ok.status, 200);
    assert.deepEqual(summary(ok.body), EXPECTED_ALERTS);
    assert.deepEqual((ok.body as AnalyzeBody).stats, EXPECTED_STATS);

    for (
      const path of [
        `${dir}/secret.ndjson`,
        `${dir}/logs/../secret.ndjson`,
        `${dir}/logs/link.ndjson`,
      ]
    ) {
      const r = await post(url, JSON.stringify({ path }), "application/json");
      assert.deepEqual([r.status, r.body], [403, {
        error: `${path} is outside the configured log directories`,
      }], path);
    }
    const missing = await post(
      url,
      JSON.stringify({ path: `${dir}/logs/none.ndjson` }),
      "application/json",
    );
    assert.deepEqual([missing.status, missing.body], [404, {
      error: `no such log: ${dir}/logs/none.ndjson`,
    }]);
  });
});

Deno.test("analyze rejects malformed requests", async () => {
  await withServer(async ({ url }) => {
    const pathShape = 'a JSON body must be {"path": "..."}; send a log as NDJSON';
    const cases: [string, string, number, string][] = [
      ['{"path": 5}', "application/json", 400, pathShape],
      ['{"path": "/a", "x": 1}', "application/json", 400, pathShape],
      ["[]", "application/json", 400, pathShape],
      ['{"path": ""}', "application/json", 400, "path must be a non-empty string without NUL"],
      ["", "application/x-ndjson", 400, "the uploaded log is empty"],
      ["\n\n", "application/x-ndjson", 400, "the uploaded log is empty"],
      [
        LOG,
        "application/xml",
        415,
        "send the log as application/x-ndjson, application/ndjson, application/jsonl, " +
        "application/x-jsonlines, text/plain, application/x-kestrel-klog, " +
        'application/octet-stream, or {"path": "..."} as application/json',
      ],
    ];
    for (const [body, type, status, error] of cases) {
      const r = await post(url, body, type);
      assert.deepEqual([r.status, r.body], [status, { error }], `${type} ${body}`);
    }
    const bad = await post(url, "{", "application/json");
    assert.equal(bad.status, 400);
    assert.match((bad.body as { error: string }).error, /^invalid JSON body: /);
  });
});

Deno.test("analyze answers 413 for an upload over the limit", async () => {
  await withServer(async ({ url }) => {
    const r = await post(url, LOG.repeat(10), "application/x-ndjson");
    assert.deepEqual([r.status, r.body], [413, { error: "the body exceeds 256 bytes" }]);
  }, { maxAnalyzeBytes: 256 });
});
