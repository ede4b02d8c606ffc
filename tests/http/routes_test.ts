/**
 * The read-only routes over a real server and real `fetch`: health, alert
 * filters and cursor paging, parameter errors, rules, metrics, the OpenAPI
 * route, unknown routes, and the Host check against DNS rebinding.
 */
import assert from "node:assert/strict";
import { alert, getJson, withServer } from "./fake_daemon.ts";

const T = (s: number) => `2025-03-01T10:00:0${s}.000000001Z`;

Deno.test("GET /api/v1/health reports the daemon's state as JSON", async () => {
  await withServer(async ({ url }) => {
    const { status, body, headers } = await getJson(`${url}/api/v1/health`);
    assert.equal(status, 200);
    assert.equal(headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(headers.get("x-content-type-options"), "nosniff");
    assert.equal(headers.get("cache-control"), "no-store");
    assert.deepEqual(body, {
      status: "ok",
      mode: "detect",
      uptimeSeconds: 42,
      bpf: { programsAttached: 0, features: { ringbuf: true } },
      enforcement: "none",
      degraded: false,
      ruleset: { version: "v0", rules: 2, loadedAt: "2025-01-01T00:00:00.000Z" },
    });
  });
});

Deno.test("GET /api/v1/alerts filters by severity, rule and since, newest first", async () => {
  await withServer(async ({ url, daemon }) => {
    daemon.publish(alert("a1", "bash_exec", "high", T(1)));
    daemon.publish(alert("a2", "curl_exec", "low", T(2)));
    daemon.publish(alert("a3", "bash_exec", "high", T(3)));
    daemon.publish(alert("a4", "curl_exec", "low", T(4)));
    const ids = async (query: string) => {
      const { status, body } = await getJson(`${url}/api/v1/alerts${query}`);
      assert.equal(status, 200, JSON.stringify(body));
      const page = body as { alerts: { kestrel: { alert: { id: string } } }[] };
      return page.alerts.map((a) => a.kestrel.alert.id);
    };
    assert.deepEqual(await ids(""), ["a4", "a3", "a2", "a1"]);
    assert.deepEqual(await ids("?severity=high"), ["a3", "a1"]);
    assert.deepEqual(await ids("?rule=curl_exec"), ["a4", "a2"]);
    assert.deepEqual(await ids(`?since=${T(3)}`), ["a4", "a3"]);
    assert.deepEqual(await ids(`?since=2025-03-01T11:00:02%2B01:00`), ["a4", "a3", "a2"]);
    assert.deepEqual(await ids("?severity=low&rule=bash_exec"), []);

    const { body } = await getJson(`${url}/api/v1/alerts?rule=bash_exec&limit=1`);
    assert.deepEqual(body, {
      alerts: [alert("a3", "bash_exec", "high", T(3))],
      nextCursor: "YTM=",
    });
  });
});

Deno.test("GET /api/v1/alerts pages with limit and cursor until no nextCursor", async () => {
  await withServer(async ({ url, daemon }) => {
    for (let i = 1; i <= 5; i++) daemon.publish(alert(`a${i}`, "bash_exec", "high", T(i)));
    const seen: string[][] = [];
    let next = `${url}/api/v1/alerts?limit=2`;
    for (;;) {
      const { status, body } = await getJson(next);
      assert.equal(status, 200);
      const page = body as {
        alerts: { kestrel: { alert: { id: string } } }[];
        nextCursor?: string;
      };
      seen.push(page.alerts.map((a) => a.kestrel.alert.id));
      if (page.nextCursor === undefined) break;
      next = `${url}/api/v1/alerts?limit=2&cursor=${encodeURIComponent(page.nextCursor)}`;
    }
    assert.deepEqual(seen, [["a5", "a4"], ["a3", "a2"], ["a1"]]);
    const limit100 = await getJson(`${url}/api/v1/alerts`);
    assert.equal((limit100.body as { alerts: unknown[] }).alerts.length, 5);
  });
});

Deno.test("GET /api/v1/alerts answers 400 with a JSON error for bad parameters", async () => {
  await withServer(async ({ url }) => {
    const cases: [string, string][] = [
      ["limit=0", 'limit must be an integer from 1 to 1000, not "0"'],
      ["limit=1001", 'limit must be an integer from 1 to 1000, not "1001"'],
      ["limit=ten", 'limit must be an integer from 1 to 1000, not "ten"'],
      ["limit=1.5", 'limit must be an integer from 1 to 1000, not "1.5"'],
      ["limit=-1", 'limit must be an integer from 1 to 1000, not "-1"'],
      ["limit=", 'limit must be an integer from 1 to 1000, not ""'],
      ["severity=urgent", 'severity must be one of low, medium, high, critical, not "urgent"'],
      [
        "since=yesterday",
        'since must be an RFC 3339 time such as 2024-05-01T12:00:00Z, not "yesterday"',
      ],
      [
        "since=2025-02-30T00:00:00Z",
        'since must be an RFC 3339 time such as 2024-05-01T12:00:00Z, not "2025-02-30T00:00:00Z"',
      ],
      ["rule=", "rule must be a rule id of 1 to 512 characters"],
      ["cursor=", "cursor must be a nextCursor value from an earlier page"],
      ["cursor=bm9wZQ==", "unknown or expired cursor"],
      ["limit=5&limit=6", 'query parameter "limit" given twice'],
      [
        "sevrity=high",
        'unknown query parameter "sevrity"; expected severity, rule, since, limit, cursor',
      ],
    ];
    for (const [query, error] of cases) {
      const { status, body, headers } = await getJson(`${url}/api/v1/alerts?${query}`);
      assert.equal(status, 400, query);
      assert.equal(headers.get("content-type"), "application/json; charset=utf-8", query);
      assert.deepEqual(body, { error }, query);
    }
  });
});

Deno.test("GET /api/v1/rules lists the loaded rules' metadata", async () => {
  await withServer(async ({ url }) => {
    const { status, body } = await getJson(`${url}/api/v1/rules`);
    assert.equal(status, 200);
    const rules = (body as { rules: Record<string, unknown>[] }).rules;
    assert.deepEqual(rules.map((r) => r.id), ["bash_exec", "curl_exec"]);
    const { hash, ...bash } = rules[0];
    assert.match(String(hash), /^[0-9a-f]{64}$/);
    assert.deepEqual(bash, {
      id: "bash_exec",
      name: "Bash started",
      description: "",
      severity: "high",
      tags: ["execution"],
      mitre: ["T1059.004"],
      action: "alert",
      dialect: "elastic",
      enabled: true,
      falsePositives: [],
      references: [],
      query: 'process where process.name == "bash"',
      source: { file: "rules/bash.yaml", format: "yaml", line: 6 },
    });
  });
});

Deno.test("GET /metrics serves Prometheus text; GET /api/v1/openapi.json the document", async () => {
  await withServer(async ({ url }) => {
    const m = await fetch(`${url}/metrics`);
    assert.equal(m.status, 200);
    assert.equal(m.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const text = await m.text();
    assert.ok(text.startsWith("# HELP kestrel_events_received_total "), text.slice(0, 80));
    assert.match(text, /^kestrel_rules_loaded 2$/m);

    const { status, body } = await getJson(`${url}/api/v1/openapi.json`);
    assert.equal(status, 200);
    const doc = body as { openapi: string; info: { title: string } };
    assert.equal(doc.openapi, "3.0.3");
    assert.equal(doc.info.title, "Kestrel sensor API");
  });
});

Deno.test("unknown routes answer 404 with a JSON error", async () => {
  await withServer(async ({ url }) => {
    assert.deepEqual(await getJson(`${url}/api/v1/nope`).then((r) => [r.status, r.body]), [
      404,
      { error: "no route for GET /api/v1/nope" },
    ]);
    assert.deepEqual(await getJson(`${url}/api/v1/rules/reload`).then((r) => [r.status, r.body]), [
      404,
      { error: "no route for GET /api/v1/rules/reload" },
    ]);
  });
});

/** Sends a raw HTTP/1.1 request (to control the Host header) and returns status line and body. */
async function rawGet(addr: Deno.NetAddr, path: string, host: string): Promise<[string, string]> {
  const conn = await Deno.connect({ hostname: addr.hostname, port: addr.port });
  try {
    const req = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
    await conn.write(new TextEncoder().encode(req));
    const text = await new Response(conn.readable).text();
    const [head, body] = text.split("\r\n\r\n", 2);
    return [head.split("\r\n")[0], body];
  } catch (e) {
    conn.close();
    throw e;
  }
}

Deno.test("requests naming a foreign Host are refused (DNS rebinding), IP literals and localhost served", async () => {
  await withServer(async ({ server }) => {
    const [status, body] = await rawGet(server.addr, "/api/v1/health", "attacker.example:9090");
    assert.equal(status, "HTTP/1.1 421 Misdirected Request");
    assert.deepEqual(JSON.parse(body), {
      error: 'requests for host "attacker.example:9090" are not served here',
    });
    for (const host of ["127.0.0.1:9090", "localhost", "[::1]:9090", "LOCALHOST:1"]) {
      const [ok] = await rawGet(server.addr, "/api/v1/health", host);
      assert.equal(ok, "HTTP/1.1 200 OK", host);
    }
  });
  await withServer(async ({ server }) => {
    const [ok] = await rawGet(server.addr, "/api/v1/health", "sensor.corp.example");
    assert.equal(ok, "HTTP/1.1 200 OK");
  }, { allowedHosts: ["Sensor.corp.example"] });
});
