/**
 * The Prometheus text builder and Kestrel's metric set: exact text for
 * counters, gauges and histograms with escaping, refusal of invalid
 * metrics, and `promtool check metrics` on the rendered and the served
 * text (skipped when promtool is missing, unless KESTREL_REQUIRE_TOOLS=1).
 */
import assert from "node:assert/strict";
import {
  Histogram,
  KESTREL_METRICS,
  type MetricsSnapshot,
  PromText,
  renderKestrelMetrics,
} from "../../http/mod.ts";
import { alert, auth, withServer } from "./fake_daemon.ts";

Deno.test("PromText writes HELP/TYPE, sorted escaped labels, and cumulative histogram buckets", () => {
  const text = new PromText()
    .counter("demo_events_total", "Events.\nBy type, with a \\ backslash.", [
      { labels: { type: "open" }, value: 2 },
      { labels: { type: 'we"ird\\path\nline' }, value: 1 },
      { labels: { type: "exec" }, value: 1e21 },
    ])
    .gauge("demo_depth", "Depth.", [
      { labels: { z: "1", a: "2" }, value: 0.5 },
      { value: NaN },
      { labels: { a: "3" }, value: -Infinity },
    ])
    .histogram("demo_latency_seconds", "Latency.", [{
      data: { bounds: [0.001, 0.01], counts: [3, 0, 2], sum: 0.125 },
    }])
    .toString();
  assert.equal(
    text,
    [
      "# HELP demo_events_total Events.\\nBy type, with a \\\\ backslash.",
      "# TYPE demo_events_total counter",
      'demo_events_total{type="exec"} 1e+21',
      'demo_events_total{type="open"} 2',
      'demo_events_total{type="we\\"ird\\\\path\\nline"} 1',
      "# HELP demo_depth Depth.",
      "# TYPE demo_depth gauge",
      "demo_depth NaN",
      'demo_depth{a="2",z="1"} 0.5',
      'demo_depth{a="3"} -Inf',
      "# HELP demo_latency_seconds Latency.",
      "# TYPE demo_latency_seconds histogram",
      'demo_latency_seconds_bucket{le="0.001"} 3',
      'demo_latency_seconds_bucket{le="0.01"} 3',
      'demo_latency_seconds_bucket{le="+Inf"} 5',
      "demo_latency_seconds_sum 0.125",
      "demo_latency_seconds_count 5",
      "",
    ].join("\n"),
  );
});

Deno.test("PromText refuses what Prometheus would reject", () => {
  const t = () => new PromText();
  assert.throws(() => t().counter("demo_events", "x", []), /must end in _total/);
  assert.throws(() => t().counter("demo_total", "x", [{ value: -1 }]), /has value -1/);
  assert.throws(() => t().gauge("1demo", "x", []), /invalid metric name "1demo"/);
  assert.throws(
    () => t().gauge("demo", "x", [{ labels: { "a-b": "1" }, value: 1 }]),
    /invalid label name/,
  );
  assert.throws(
    () => t().gauge("demo", "x", [{ labels: { __name: "1" }, value: 1 }]),
    /invalid label name/,
  );
  assert.throws(
    () =>
      t().gauge("demo", "x", [{ labels: { a: "1" }, value: 1 }, { labels: { a: "1" }, value: 2 }]),
    /two samples with labels \{a="1"\}/,
  );
  assert.throws(() => t().gauge("demo", "x", []).gauge("demo", "y", []), /added twice/);
  const h = (bounds: number[], counts: number[]) => () =>
    t().histogram("demo_seconds", "x", [{ data: { bounds, counts, sum: 0 } }]);
  assert.throws(h([1, 2], [1, 1]), /2 bounds need 3 counts/);
  assert.throws(h([2, 1], [1, 1, 1]), /strictly increasing/);
  assert.throws(h([1, Infinity], [1, 1, 1]), /finite/);
  assert.throws(h([1], [1, -1]), /negative bucket count/);
  assert.throws(
    () =>
      t().histogram("demo_seconds", "x", [{
        labels: { le: "1" },
        data: { bounds: [], counts: [0], sum: 0 },
      }]),
    /reserved label le/,
  );
});

Deno.test("Histogram counts a value equal to a bound in that bucket", () => {
  const h = new Histogram([0.001, 0.01]);
  for (const v of [0.0005, 0.001, 0.005, 0.01, 0.02, 5]) h.observe(v);
  assert.deepEqual(h.snapshot(), {
    bounds: [0.001, 0.01],
    counts: [2, 2, 2],
    sum: 0.0005 + 0.001 + 0.005 + 0.01 + 0.02 + 5,
  });
});

const SNAPSHOT: MetricsSnapshot = {
  events: {
    received: { exec: 10, open: 4 },
    filtered: { open: 3 },
    dropped: { exec: 0 },
  },
  alerts: [
    { severity: "high", rule: "bash_exec", count: 2 },
    { severity: "low", rule: "curl_exec", count: 1 },
  ],
  rulesLoaded: 2,
  partialMatches: { active: 5, expiredTotal: 7, evictedTotal: 1 },
  evalLatencySeconds: { bounds: [0.00001, 0.0001], counts: [8, 1, 1], sum: 0.0003 },
  ringbufLagBytes: 4096,
  outputQueueDepth: { webhook: 3, file: 0 },
  residentMemoryBytes: 52428800,
};

const RENDERED =
  `# HELP kestrel_events_received_total Events received from the kernel or a log, by event type.
# TYPE kestrel_events_received_total counter
kestrel_events_received_total{type="exec"} 10
kestrel_events_received_total{type="open"} 4
# HELP kestrel_events_filtered_total Events discarded before rule evaluation, by event type.
# TYPE kestrel_events_filtered_total counter
kestrel_events_filtered_total{type="open"} 3
# HELP kestrel_events_dropped_total Events lost before the sensor read them (ring buffer full), by event type.
# TYPE kestrel_events_dropped_total counter
kestrel_events_dropped_total{type="exec"} 0
# HELP kestrel_alerts_total Alerts raised, by rule severity and rule id.
# TYPE kestrel_alerts_total counter
kestrel_alerts_total{rule="bash_exec",severity="high"} 2
kestrel_alerts_total{rule="curl_exec",severity="low"} 1
# HELP kestrel_rules_loaded Rules in the running ruleset.
# TYPE kestrel_rules_loaded gauge
kestrel_rules_loaded 2
# HELP kestrel_partial_matches Sequence partial matches held, by state.
# TYPE kestrel_partial_matches gauge
kestrel_partial_matches{state="active"} 5
# HELP kestrel_partial_matches_expired_total Partial matches dropped because their maxspan passed.
# TYPE kestrel_partial_matches_expired_total counter
kestrel_partial_matches_expired_total 7
# HELP kestrel_partial_matches_evicted_total Partial matches evicted by the state quotas.
# TYPE kestrel_partial_matches_evicted_total counter
kestrel_partial_matches_evicted_total 1
# HELP kestrel_eval_latency_seconds Time to evaluate one event against the ruleset.
# TYPE kestrel_eval_latency_seconds histogram
kestrel_eval_latency_seconds_bucket{le="0.00001"} 8
kestrel_eval_latency_seconds_bucket{le="0.0001"} 9
kestrel_eval_latency_seconds_bucket{le="+Inf"} 10
kestrel_eval_latency_seconds_sum 0.0003
kestrel_eval_latency_seconds_count 10
# HELP kestrel_ringbuf_lag_bytes Bytes in the ring buffer not yet consumed.
# TYPE kestrel_ringbuf_lag_bytes gauge
kestrel_ringbuf_lag_bytes 4096
# HELP kestrel_output_queue_depth Alerts waiting to be written, by output.
# TYPE kestrel_output_queue_depth gauge
kestrel_output_queue_depth{output="file"} 0
kestrel_output_queue_depth{output="webhook"} 3
# HELP kestrel_process_resident_memory_bytes Resident set size of the sensor process.
# TYPE kestrel_process_resident_memory_bytes gauge
kestrel_process_resident_memory_bytes 52428800
`;

Deno.test("renderKestrelMetrics writes the sensor's metric set", () => {
  assert.equal(renderKestrelMetrics(SNAPSHOT), RENDERED);
  const families = [...RENDERED.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
  assert.deepEqual(families, KESTREL_METRICS);
});

/** Whether promtool runs here. */
function havePromtool(): boolean {
  try {
    return new Deno.Command("promtool", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const REQUIRE = Deno.env.get("KESTREL_REQUIRE_TOOLS") === "1";
const PROMTOOL = havePromtool();

/** Runs `promtool check metrics` on `text`; returns its exit code and output. */
async function promtool(text: string): Promise<{ code: number; output: string }> {
  const child = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(text));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("promtool is installed (required with KESTREL_REQUIRE_TOOLS=1)", {
  ignore: !REQUIRE,
}, () => {
  assert.ok(PROMTOOL, "promtool not found: install the Debian package prometheus");
});

Deno.test(
  "promtool check metrics accepts the rendered metrics",
  { ignore: !PROMTOOL },
  async () => {
    for (
      const text of [
        RENDERED,
        renderKestrelMetrics({
          ...SNAPSHOT,
          events: { received: {}, filtered: {}, dropped: {} },
          alerts: [],
          outputQueueDepth: {},
          evalLatencySeconds: new Histogram().snapshot(),
        }),
      ]
    ) {
      const r = await promtool(text);
      assert.deepEqual(r, { code: 0, output: "" });
    }
  },
);

Deno.test("GET /metrics passes promtool, and its counters move as events and alerts flow", {
  ignore: !PROMTOOL,
}, async () => {
  await withServer(async ({ url, daemon }) => {
    const scrape = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const r = await promtool(text);
      assert.deepEqual(r, { code: 0, output: "" }, text);
      return text;
    };
    const before = await scrape();
    assert.doesNotMatch(before, /kestrel_events_received_total\{/);
    assert.match(before, /^kestrel_eval_latency_seconds_count 0$/m);

    const log = [1, 2, 3].map((s) =>
      `{"@timestamp":"2025-01-01T00:00:0${s}Z","event":{"category":"process","action":"exec"},"process":{"name":"bash"}}`
    ).join("\n");
    const r = await fetch(`${url}/api/v1/analyze`, {
      method: "POST",
      headers: auth(undefined, { "Content-Type": "application/x-ndjson" }),
      body: log,
    });
    assert.equal(r.status, 200);
    await r.body?.cancel();
    daemon.publish(alert("a1", "bash_exec", "high", "2025-01-01T00:00:01Z"));

    const after = await scrape();
    assert.match(after, /^kestrel_events_received_total\{type="exec"\} 3$/m);
    assert.match(after, /^kestrel_alerts_total\{rule="bash_exec",severity="high"\} 1$/m);
    assert.match(after, /^kestrel_eval_latency_seconds_count 3$/m);
  });
});
