import assert from "node:assert/strict";
import dgram from "node:dgram";
import { serializeAlert } from "../../engine/alerts.ts";
import { createOutputs, type OutputName } from "../../outputs/mod.ts";
import { alert, quiet, tempDir, waitFor } from "./helpers.ts";

Deno.test("createOutputs: every enabled output gets each alert, serialised once", async () => {
  const dir = await tempDir("outputs");
  const udp = dgram.createSocket("udp4");
  const datagrams: string[] = [];
  udp.on("message", (m: Uint8Array) => datagrams.push(new TextDecoder().decode(m)));
  await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
  const hooks: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    hooks.push(req.headers.get("idempotency-key") ?? "");
    return new Response(null, { status: 204 });
  });
  const stdout: string[] = [];
  const set = createOutputs({
    outputs: ["stdout", "file", "syslog", "webhook"],
    file: { path: `${dir}/alerts.json`, maxFileSizeMb: 100, rotation: "daily", retentionDays: 90 },
    syslog: {
      host: "127.0.0.1",
      port: udp.address().port,
      protocol: "udp",
      facility: "local0",
      appName: "kestrel",
    },
    webhook: {
      url: `http://127.0.0.1:${server.addr.port}/`,
      timeoutMs: 5000,
      maxRetries: 3,
      queueDir: `${dir}/queue`,
      maxQueueMb: 10,
    },
  }, {
    log: quiet,
    stdout: { write: (p) => (stdout.push(new TextDecoder().decode(p)), Promise.resolve(p.length)) },
  });
  assert.deepEqual(set.outputs.map((o) => o.name), ["stdout", "file", "syslog", "webhook"]);
  const a = alert(1);
  const line = serializeAlert(a);
  set.send(a);
  await set.flush();
  await waitFor(() => datagrams.length === 1 && hooks.length === 1, "syslog and webhook");
  await set.close();
  assert.equal(stdout.join(""), line + "\n");
  assert.equal(await Deno.readTextFile(`${dir}/alerts.json`), line + "\n");
  assert.ok(datagrams[0].endsWith(` ${line}`));
  assert.deepEqual(hooks, [a.kestrel.alert.id]);
  const one = { sent: 1, failed: 0, queued: 0, dropped: 0 };
  const stats = set.stats();
  assert.deepEqual(stats.stdout, one);
  assert.deepEqual(stats.file, one);
  assert.deepEqual(stats.syslog, one);
  const { sent, failed, queued, dropped } = stats.webhook;
  assert.deepEqual({ sent, failed, queued, dropped }, one);
  assert.equal(set.queued, 0);
  await server.shutdown();
  await new Promise<void>((r) => udp.close(() => r()));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("createOutputs: no outputs is an empty set", async () => {
  const set = createOutputs({ outputs: [] });
  set.send(alert(1));
  await set.close();
  assert.deepEqual(set.stats(), {});
});

Deno.test("createOutputs: mistakes name the output or the value", () => {
  assert.throws(
    () => createOutputs({ outputs: ["kafka" as OutputName] }),
    /unknown alert output "kafka" \(expected stdout, file, syslog, webhook\)/,
  );
  assert.throws(
    () => createOutputs({ outputs: ["stdout", "stdout"] }),
    /alert output "stdout" listed twice/,
  );
  assert.throws(
    () => createOutputs({ outputs: ["webhook"] }),
    /alert output "webhook" is enabled but has no webhook options/,
  );
  assert.throws(
    () =>
      createOutputs({
        outputs: ["syslog"],
        syslog: { host: "127.0.0.1", port: 514, protocol: "udp", facility: "local9", appName: "k" },
      }),
    /unknown syslog facility "local9"/,
  );
});
