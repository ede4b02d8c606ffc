/**
 * The daemon's response to matches (daemon/enforcement.ts), driven with
 * matches over real processes: kills in enforce mode through the rate
 * limit, never on a stale entity, nothing in detect mode; block rules
 * without the kernel side; a block rule whose file was missing at load.
 */
import assert from "node:assert/strict";
import { Enforcement, type EnforcementOptions } from "../../daemon/enforcement.ts";
import type { Match } from "../../engine/engine.ts";
import { FieldPaths, JsonEvent } from "../../engine/event.ts";
import { entityId, hostId, parseProcStat } from "../../engine/procs.ts";
import { Schema } from "../../engine/schema.ts";
import { type LoadedRule, loadRulesFromSources } from "../../rules/loader/mod.ts";
import { bpfTest } from "../ffi/require_bpf.ts";

const schema = Schema.ecs();
const paths = new FieldPaths(schema);
const HOST = { id: await hostId(), name: "test" };

function rules(action: string, eql: string): LoadedRule[] {
  const r = loadRulesFromSources([{
    path: "r.yaml",
    text: `id: r\nname: r\nseverity: high\naction: ${action}\neql: |\n  ${eql}\n`,
  }], { schema });
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), []);
  return r.rules;
}

function match(process: Record<string, unknown>): Match {
  const doc = { "@timestamp": "2026-01-01T00:00:00Z", event: { category: ["process"] }, process };
  return { rule: 0, kind: "sequence", events: [new JsonEvent(doc, 1n, 1, paths)] };
}

function entityOf(pid: number): string {
  return entityId(
    HOST.id,
    pid,
    parseProcStat(Deno.readTextFileSync(`/proc/${pid}/stat`))!.startTicks,
  );
}

function start(
  mode: "detect" | "enforce",
  r: LoadedRule[],
  extra: Partial<EnforcementOptions> = {},
) {
  const logs: string[] = [];
  const e = Enforcement.start({
    mode,
    security: { block_rate_limit: 2, block_decision_cache_size: 16 },
    schema,
    host: HOST,
    kernel: false,
    onVerdict: () => {},
    log: (l) => logs.push(l),
    ...extra,
  }, r);
  return { e, logs };
}

function sleepers(n: number): Deno.ChildProcess[] {
  return Array.from({ length: n }, () => new Deno.Command("sleep", { args: ["30"] }).spawn());
}

function running(pid: number): boolean {
  try {
    const state = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1][0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

Deno.test("kill rules, enforce: killed, then the rate limit holds; a stale entity is never signalled", async () => {
  const kids = sleepers(4);
  const { e } = start("enforce", rules("kill", 'process where process.name == "x"'));
  const rule = rules("kill", 'process where process.name == "x"')[0];
  try {
    const stale = e.outcome(
      rule,
      match({ pid: kids[3].pid, entity_id: entityId(HOST.id, kids[3].pid, 1) }),
    );
    assert.equal(stale?.action, "failed");
    assert.match(stale?.actionError ?? "", /not signalled/);
    const outcomes = kids.slice(0, 3).map((k) =>
      e.outcome(rule, match({ pid: k.pid, entity_id: entityOf(k.pid) }))
    );
    assert.deepEqual(outcomes.map((o) => o?.action), ["killed", "failed", "failed"]);
    assert.match(outcomes[1]?.actionError ?? "", /block_rate_limit/);
    assert.equal((await kids[0].status).signal, "SIGKILL");
    assert.ok(running(kids[1].pid) && running(kids[2].pid) && running(kids[3].pid));
    assert.deepEqual(e.counts, { killed: 1, killFailed: 3, wouldKill: 0 });
    const noProcess = e.outcome(rule, match({ name: "x" }));
    assert.match(noProcess?.actionError ?? "", /names no process/);
  } finally {
    for (const k of kids) {
      try {
        k.kill("SIGKILL");
      } catch {
        // killed above
      }
      await k.status;
    }
    await e.stop();
  }
});

Deno.test("kill rules, detect: would_kill and nothing is signalled", async () => {
  const [kid] = sleepers(1);
  const r = rules("kill", 'process where process.name == "x"');
  const { e } = start("detect", r);
  try {
    const o = e.outcome(r[0], match({ pid: kid.pid, entity_id: entityOf(kid.pid) }));
    assert.deepEqual(o, { action: "would_kill" });
    await new Promise((res) => setTimeout(res, 100));
    assert.ok(running(kid.pid));
  } finally {
    kid.kill("SIGKILL");
    await kid.status;
    await e.stop();
  }
});

Deno.test("block rules without the kernel side: would_block in detect, failed with the reason in enforce", async () => {
  const r = rules("block", 'process where process.executable == "/usr/bin/nc"');
  const detect = start("detect", r);
  assert.deepEqual(detect.e.outcome(r[0], match({ pid: 5 })), { action: "would_block" });
  // A rule that could not be enforced even with the kernel side says so in detect mode too.
  const name = rules("block", 'process where process.name == "nc"');
  const detectName = start("detect", name);
  assert.equal(detectName.e.outcome(name[0], match({ pid: 5 }))?.action, "failed");
  await detectName.e.stop();
  const enforce = start("enforce", r);
  const o = enforce.e.outcome(r[0], match({ pid: 5 }));
  assert.equal(o?.action, "failed");
  assert.match(o?.actionError ?? "", /only with the eBPF source/);
  assert.match(enforce.logs.join("\n"), /rule r: action block cannot be enforced/);
  assert.deepEqual(enforce.e.outcome(rules("alert", "process where true")[0], match({})), {
    action: "alert",
  });
  await detect.e.stop();
  await enforce.e.stop();
});

bpfTest(
  "block rules with the kernel side: decided there, a file missing at load alerts failed",
  async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "kestrel-enforcement-" }));
    const present = `${dir}/present`, missing = `${dir}/missing`;
    await Deno.copyFile("/usr/bin/true", present);
    const r = rules("block", `process where process.executable in ("${present}", "${missing}")`);
    const { e, logs } = start("enforce", r, { kernel: true });
    try {
      assert.equal(e.outcome(r[0], match({ executable: present })), null);
      const o = e.outcome(r[0], match({ executable: missing }));
      assert.equal(o?.action, "failed");
      assert.match(o?.actionError ?? "", /did not exist when the rules were loaded/);
      assert.match(logs.join("\n"), /missing does not exist: nothing to block/);
      const seq = rules("block", "sequence [process where true] [process where true]");
      e.setRules(seq);
      assert.match(e.outcome(seq[0], match({}))?.actionError ?? "", /sequence/);
    } finally {
      await e.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
