import assert from "node:assert/strict";
import {
  alertId,
  type AlertInput,
  type AlertRuleInfo,
  buildAlert,
  canonicalJson,
  serializeAlert,
  threatOf,
} from "../../engine/alerts.ts";
import { type Event, FieldPaths, JsonEvent } from "../../engine/event.ts";
import { Schema } from "../../engine/schema.ts";

const paths = new FieldPaths(Schema.ecs());

function event(doc: Record<string, unknown>, timestamp: bigint, seq = 1): Event {
  return new JsonEvent(doc, timestamp, seq, paths);
}

const SHELL_RULE: AlertRuleInfo = {
  id: "lnx_reverse_shell",
  name: "Reverse shell",
  severity: "high",
  version: "2",
  tags: ["linux", "execution"],
  mitre: ["T1059.004", "T1059", "TA0002"],
  action: "alert",
};

const T1 = 1767323045123456789n; // 2026-01-02T03:04:05.123456789Z
const T2 = 1767323047500000000n; // 2026-01-02T03:04:07.5Z

const BASH_DOC = {
  "@timestamp": "2026-01-02T03:04:05.123456789Z",
  host: { name: "web-1", os: { type: "linux" } },
  event: { category: ["process"], type: ["start"] },
  process: { name: "bash", entity_id: "e1" },
};

// Pinned ids: the id must not change across runs, platforms or releases. The first is
// SHA-256 of the framing documented on alertId, checked once with a stand-alone sha256sum.
const EVENT_ALERT_ID = "2fd21411dc859dd018bfad4554e91c79";
const SEQUENCE_ALERT_ID = "7d6be4aae6917537038c9bbc45ef03a2";

Deno.test("alerts: exact JSON of an event alert", () => {
  const alert = buildAlert({ rule: SHELL_RULE, kind: "event", events: [event(BASH_DOC, T1)] });
  assert.equal(
    serializeAlert(alert),
    `{"@timestamp":"2026-01-02T03:04:05.123456789Z",` +
      `"kestrel":{"alert":{"id":"${EVENT_ALERT_ID}","kind":"event","degraded":false,"action":"alert"},` +
      `"rule":{"id":"lnx_reverse_shell","name":"Reverse shell","severity":"high","version":"2",` +
      `"tags":["linux","execution"]}},` +
      `"threat":[{"framework":"MITRE ATT&CK","technique":{"id":"T1059","subtechnique":{"id":"T1059.004"}}},` +
      `{"framework":"MITRE ATT&CK","tactic":{"id":"TA0002"}}],` +
      `"host":{"name":"web-1","os":{"type":"linux"}},` +
      `"events":[{"@timestamp":"2026-01-02T03:04:05.123456789Z","host":{"name":"web-1","os":{"type":"linux"}},` +
      `"event":{"category":["process"],"type":["start"]},"process":{"name":"bash","entity_id":"e1"}}]}`,
  );
});

const CONNECT_DOC = {
  "@timestamp": "2026-01-02T03:04:05.123456789Z",
  "host.name": "db-2",
  "host.os.type": "linux",
  "event.category": "network",
  "process.entity_id": "e7",
};
const SHELL_DOC = {
  "@timestamp": "2026-01-02T03:04:07.5Z",
  "host.name": "db-2",
  "event.category": "process",
  "process.name": "sh",
};
const KILL_RULE: AlertRuleInfo = {
  id: "lnx_connect_then_shell",
  name: "Connect then shell",
  severity: "critical",
  tags: [],
  mitre: ["T1071"],
  action: "kill",
};

Deno.test("alerts: exact JSON of a sequence alert (flat host fields, no version)", () => {
  const alert = buildAlert({
    rule: KILL_RULE,
    kind: "sequence",
    events: [event(CONNECT_DOC, T1, 1), event(SHELL_DOC, T2, 2)],
    entity: "e7",
    degraded: true,
  });
  assert.equal(
    serializeAlert(alert),
    `{"@timestamp":"2026-01-02T03:04:07.5Z",` +
      `"kestrel":{"alert":{"id":"${SEQUENCE_ALERT_ID}","kind":"sequence","degraded":true,"action":"would_kill"},` +
      `"rule":{"id":"lnx_connect_then_shell","name":"Connect then shell","severity":"critical","tags":[]},` +
      `"entity":"e7"},` +
      `"threat":[{"framework":"MITRE ATT&CK","technique":{"id":"T1071"}}],` +
      `"host":{"name":"db-2","os":{"type":"linux"}},` +
      `"events":[{"@timestamp":"2026-01-02T03:04:05.123456789Z","host.name":"db-2","host.os.type":"linux",` +
      `"event.category":"network","process.entity_id":"e7"},` +
      `{"@timestamp":"2026-01-02T03:04:07.5Z","host.name":"db-2","event.category":"process","process.name":"sh"}]}`,
  );
});

Deno.test("alerts: failed enforcement, explicit action, host fallback", () => {
  const noHost = event({ process: { name: "nc" } }, T1);
  const alert = buildAlert({
    rule: { ...SHELL_RULE, action: "block", mitre: [] },
    kind: "event",
    events: [noHost],
    action: "failed",
    actionError: "EPERM",
    host: { name: "sensor-host" },
  });
  assert.deepEqual(alert.kestrel.alert, {
    id: alert.kestrel.alert.id,
    kind: "event",
    degraded: false,
    action: "failed",
    action_error: "EPERM",
  });
  assert.deepEqual(alert.host, { name: "sensor-host" });
  assert.deepEqual(alert.threat, []);
  const bare = buildAlert({
    rule: { ...SHELL_RULE, action: "block" },
    kind: "event",
    events: [noHost],
  });
  assert.equal(bare.kestrel.alert.action, "would_block");
  assert.equal("host" in bare, false);
  assert.equal("entity" in bare.kestrel, false);
  assert.throws(() => buildAlert({ rule: SHELL_RULE, kind: "event", events: [] }), RangeError);
});

Deno.test("alerts: the id is stable across builds and key order", () => {
  const input: AlertInput = { rule: SHELL_RULE, kind: "event", events: [event(BASH_DOC, T1)] };
  assert.equal(buildAlert(input).kestrel.alert.id, EVENT_ALERT_ID);
  assert.equal(buildAlert(input).kestrel.alert.id, EVENT_ALERT_ID);
  const reordered = {
    process: { entity_id: "e1", name: "bash" },
    event: { type: ["start"], category: ["process"] },
    host: { os: { type: "linux" }, name: "web-1" },
    "@timestamp": "2026-01-02T03:04:05.123456789Z",
  };
  assert.equal(alertId("lnx_reverse_shell", "2", [event(reordered, T1, 99)]), EVENT_ALERT_ID);
  // The response is not part of the identity.
  const other = buildAlert({
    ...input,
    kind: "sequence",
    degraded: true,
    action: "killed",
    entity: "x",
  });
  assert.equal(other.kestrel.alert.id, EVENT_ALERT_ID);
  assert.match(EVENT_ALERT_ID, /^[0-9a-f]{32}$/);
});

Deno.test("alerts: the id changes with the rule and with every matched event", () => {
  const base = alertId("r", "1", [event({ a: 1 }, 10n), event({ b: 2 }, 20n)]);
  const variants = [
    alertId("r2", "1", [event({ a: 1 }, 10n), event({ b: 2 }, 20n)]),
    alertId("r", "2", [event({ a: 1 }, 10n), event({ b: 2 }, 20n)]),
    alertId("r", undefined, [event({ a: 1 }, 10n), event({ b: 2 }, 20n)]),
    alertId("r", "1", [event({ a: 1 }, 11n), event({ b: 2 }, 20n)]),
    alertId("r", "1", [event({ a: 1 }, 10n), event({ b: 3 }, 20n)]),
    alertId("r", "1", [event({ a: "1" }, 10n), event({ b: 2 }, 20n)]),
    alertId("r", "1", [event({ b: 2 }, 20n), event({ a: 1 }, 10n)]),
    alertId("r", "1", [event({ a: 1 }, 10n)]),
  ];
  assert.equal(new Set([base, ...variants]).size, variants.length + 1);
});

Deno.test("alerts: serializeAlert writes bigints as integers on one line", () => {
  const doc = { process: { start_ns: 18446744073709551615n }, message: "a\nb" };
  const line = serializeAlert(
    buildAlert({ rule: KILL_RULE, kind: "event", events: [event(doc, T1)] }),
  );
  assert.ok(
    line.includes(`"events":[{"process":{"start_ns":18446744073709551615},"message":"a\\nb"}]`),
  );
  assert.equal(line.includes("\n"), false);
});

Deno.test("alerts: threat entries follow ECS technique/subtechnique", () => {
  const fw = "MITRE ATT&CK";
  assert.deepEqual(threatOf(["T1059", "T1059.004", "T1059.006", " TA0002 ", "T1059.004", ""]), [
    { framework: fw, technique: { id: "T1059", subtechnique: { id: "T1059.004" } } },
    { framework: fw, technique: { id: "T1059", subtechnique: { id: "T1059.006" } } },
    { framework: fw, tactic: { id: "TA0002" } },
  ]);
  assert.deepEqual(threatOf(["T1548", "custom-id"]), [
    { framework: fw, technique: { id: "T1548" } },
    { framework: fw, technique: { id: "custom-id" } },
  ]);
});

Deno.test("alerts: canonicalJson sorts keys at every level", () => {
  assert.equal(
    canonicalJson({
      b: [3, { d: 1, c: undefined, a: null }],
      a: "x",
      n: NaN,
      big: 12n,
      u: undefined,
    }),
    `{"a":"x","b":[3,{"a":null,"d":1}],"big":12,"n":null}`,
  );
  assert.equal(canonicalJson([undefined, true, "é\n"]), `[null,true,"é\\n"]`);
});
