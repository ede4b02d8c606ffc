/**
 * `/metrics` of the real daemon passes `promtool check metrics` on every
 * scrape and its counters move as events flow (replayed through a FIFO,
 * and from the kernel); the daemon's OpenAPI document validates and its
 * real answers match the document's schemas.
 */
import assert from "node:assert/strict";
import SwaggerParser from "@apidevtools/swagger-parser";
import { bpfTest } from "../ffi/require_bpf.ts";
import { marker, SENSOR_OBJECTS } from "../sensor/live.ts";
import { checkSchema } from "../http/schema_check.ts";
import { DaemonProcess, execEvent, FifoWriter, rule, Workspace } from "./helpers.ts";

type Json = Record<string, unknown>;

function havePromtool(): boolean {
  try {
    return new Deno.Command("promtool", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const PROMTOOL = havePromtool();

/** Runs `promtool check metrics` on `text`. */
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

/** Scrapes `/metrics` and checks it with promtool (when installed); returns the text. */
async function scrape(d: DaemonProcess): Promise<string> {
  const text = await d.metricsText();
  if (PROMTOOL) assert.deepEqual(await promtool(text), { code: 0, output: "" }, text);
  return text;
}

/** The value of the sample written exactly as `series` (`name{labels}`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

Deno.test({
  // promtool's check is skipped where it is not installed (tests/http requires it in CI).
  name: "/metrics passes promtool and its counters move as replayed events flow",
  fn: async () => {
    const ws = await Workspace.create("metrics");
    let d: DaemonProcess | undefined;
    try {
      await ws.write("rules/bash.yaml", rule("bash", 'process where process.name == "bash"'));
      await ws.write(
        "rules/seq.yaml",
        rule(
          "seq",
          'sequence by process.entity_id with maxspan=5s [process where process.name == "a"] [process where process.name == "b"]',
          "low",
        ),
      );
      await ws.writeConfig();
      const fifo = await ws.fifo("events.fifo");
      d = await DaemonProcess.start(["--config", ws.config, "--replay", fifo]);
      const before = await scrape(d);
      assert.equal(sample(before, "kestrel_rules_loaded"), 2);
      assert.equal(sample(before, "kestrel_eval_latency_seconds_count"), 0);
      assert.equal(sample(before, 'kestrel_output_queue_depth{output="stdout"}'), 0);
      assert.doesNotMatch(before, /^kestrel_events_received_total\{/m);
      assert.ok(sample(before, "kestrel_process_resident_memory_bytes")! > 1e6);

      const writer = await FifoWriter.open(fifo);
      await writer.write([
        execEvent(1, { name: "bash", pid: 1, entity_id: "e1" }),
        execEvent(2, { name: "a", pid: 2, entity_id: "e2" }),
        execEvent(3, { name: "a", pid: 3, entity_id: "e3" }),
      ]);
      await d.waitMetric("kestrel_events_received_total", 3);
      const mid = await scrape(d);
      assert.equal(sample(mid, 'kestrel_events_received_total{type="exec"}'), 3);
      assert.equal(sample(mid, 'kestrel_alerts_total{rule="bash",severity="high"}'), 1);
      assert.equal(sample(mid, 'kestrel_partial_matches{state="active"}'), 2);
      assert.equal(sample(mid, "kestrel_eval_latency_seconds_count"), 3);

      // b completes e2's sequence; a much later event expires e3's partial match.
      await writer.write([
        execEvent(4, { name: "b", pid: 4, entity_id: "e2" }),
        execEvent(60, { name: "bash", pid: 5, entity_id: "e5" }),
      ]);
      writer.close();
      await d.waitMetric("kestrel_events_received_total", 5);
      const after = await scrape(d);
      assert.equal(sample(after, 'kestrel_events_received_total{type="exec"}'), 5);
      assert.equal(sample(after, 'kestrel_alerts_total{rule="bash",severity="high"}'), 2);
      assert.equal(sample(after, 'kestrel_alerts_total{rule="seq",severity="low"}'), 1);
      assert.equal(sample(after, 'kestrel_partial_matches{state="active"}'), 0);
      assert.equal(sample(after, "kestrel_partial_matches_expired_total"), 1);
      assert.equal(sample(after, "kestrel_eval_latency_seconds_count"), 5);
      assert.ok(sample(after, "kestrel_eval_latency_seconds_sum")! > 0);
      assert.equal((await d.stop()).code, 0);
    } finally {
      await d?.kill();
      await ws.remove();
    }
  },
});

Deno.test("the daemon's OpenAPI document validates and its answers match it", async () => {
  const ws = await Workspace.create("openapi");
  let d: DaemonProcess | undefined;
  try {
    await ws.write("rules/bash.yaml", rule("bash", 'process where process.name == "bash"'));
    await ws.writeConfig();
    const fifo = await ws.fifo("events.fifo");
    d = await DaemonProcess.start(["--config", ws.config, "--replay", fifo]);
    const doc = (await d.get("/api/v1/openapi.json")).body;
    await SwaggerParser.validate(structuredClone(doc) as never);
    const writer = await FifoWriter.open(fifo);
    await writer.write([1, 2, 3].map((s) => execEvent(s, { name: "bash", pid: s })));
    writer.close();
    await d.waitMetric("kestrel_alerts_total", 3);
    const schemas = (doc.components as Record<string, Record<string, Json>>).schemas;
    const health = await d.get("/api/v1/health");
    assert.deepEqual(checkSchema(health.body, schemas.Health, doc), []);
    assert.equal(health.body.mode, "detect");
    assert.match(String(health.body.enforcement), /^detect; exec: none; connect: none/);
    assert.deepEqual((health.body.bpf as Json).programsAttached, 0);
    assert.deepEqual(
      [(health.body.ruleset as Json).rules, (health.body.ruleset as Json).generation],
      [1, 1],
    );
    const page1 = await d.get("/api/v1/alerts?limit=2");
    for (const a of page1.body.alerts as Json[]) {
      assert.deepEqual(checkSchema(a, schemas.Alert, doc), []);
    }
    const pids = (b: Json) =>
      (b.alerts as Json[]).map((a) => ((a.events as Json[])[0].process as Json).pid);
    assert.deepEqual(pids(page1.body), [3, 2]);
    const page2 = await d.get(
      `/api/v1/alerts?limit=2&cursor=${encodeURIComponent(page1.body.nextCursor as string)}`,
    );
    assert.deepEqual(pids(page2.body), [1]);
    assert.equal(page2.body.nextCursor, undefined);
    const since = await d.get("/api/v1/alerts?since=2025-01-01T00:00:02.000000001Z");
    assert.deepEqual(pids(since.body), [3]);
    const bad = await d.get("/api/v1/alerts?cursor=zz.00000000");
    assert.equal(bad.status, 400);
    assert.equal((await d.stop()).code, 0);
  } finally {
    await d?.kill();
    await ws.remove();
  }
});

bpfTest("/metrics counters move as kernel events flow; health reports the programs", async () => {
  const ws = await Workspace.create("metrics-live");
  let d: DaemonProcess | undefined;
  try {
    const name = marker("metrics");
    await ws.write(
      "rules/marker.yaml",
      rule(
        "marker",
        `process where event.action == "exec" and process.args == "${name}"`,
        "medium",
      ),
    );
    await ws.writeConfig({ ebpf: true });
    d = await DaemonProcess.start(["--config", ws.config, "--ringbuf-size", "1M"]);
    const health = await d.get("/api/v1/health");
    assert.ok(((health.body.bpf as Json).programsAttached as number) > 0);
    assert.equal((health.body.bpf as Json & { features: Json }).features.btf, true);
    const before = await scrape(d);
    const execs = sample(before, 'kestrel_events_received_total{type="exec"}') ?? 0;
    for (let i = 0; i < 5; i++) {
      const r = await new Deno.Command("/bin/sh", { args: ["-c", ":", name] }).output();
      assert.equal(r.code, 0);
    }
    await d.waitMetric("kestrel_alerts_total", 5);
    const after = await scrape(d);
    assert.ok(sample(after, 'kestrel_events_received_total{type="exec"}')! >= execs + 5);
    assert.equal(sample(after, 'kestrel_alerts_total{rule="marker",severity="medium"}'), 5);
    assert.ok(
      sample(after, "kestrel_eval_latency_seconds_count")! >
        (sample(before, "kestrel_eval_latency_seconds_count") ?? 0),
    );
    assert.match(after, /^kestrel_events_filtered_total\{type="[a-z_]+"\} \d+$/m);
    assert.equal((await d.stop()).code, 0);
  } finally {
    await d?.kill();
    await ws.remove();
  }
}, { objects: SENSOR_OBJECTS });
