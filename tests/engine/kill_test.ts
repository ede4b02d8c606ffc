/**
 * engine/kill.ts on real processes: a kill reaches the process the match
 * saw; a stale entity (the pid now names another process instance) or an
 * exited process is never signalled; protected pids are refused.
 */
import assert from "node:assert/strict";
import { killProcess } from "../../engine/kill.ts";
import { entityId, hostId, parseProcStat } from "../../engine/procs.ts";

const HOST = await hostId();

function entityOf(pid: number): string {
  const stat = parseProcStat(Deno.readTextFileSync(`/proc/${pid}/stat`))!;
  return entityId(HOST, pid, stat.startTicks);
}

function alive(pid: number): boolean {
  try {
    // A zombie still has /proc/<pid>: only "running" states count.
    const state = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1][0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

const opts = { hostId: HOST, protect: new Set([1, Deno.pid]) };

Deno.test("kill: the checked process instance is killed", async () => {
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  const r = killProcess({ pid: child.pid, entityId: entityOf(child.pid) }, opts);
  assert.deepEqual(r, { ok: true });
  const status = await child.status;
  assert.equal(status.signal, "SIGKILL");
  assert.equal(status.code, 137);
});

Deno.test("kill: a pid now held by another process instance is not signalled", async () => {
  // The killer is given the entity of an instance that is gone (a reused pid
  // looks exactly like this: same number, another start time).
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    const real = entityOf(child.pid);
    const stale = entityId(HOST, child.pid, 1); // started at tick 1: long gone
    assert.notEqual(stale, real);
    const r = killProcess({ pid: child.pid, entityId: stale }, opts);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.error : "", /now belongs to another process .*not signalled/);
    await new Promise((res) => setTimeout(res, 200));
    assert.ok(alive(child.pid), "the innocent process still runs");
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
});

Deno.test("kill: an exited process is reported, never its successor", async () => {
  const child = new Deno.Command("true").spawn();
  const pid = child.pid;
  const entity = entityOf(pid);
  await child.status; // reaped: the pid is free
  const r = killProcess({ pid, entityId: entity }, opts);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /has already exited|now belongs to another process/);
});

Deno.test("kill: pid 1, the sensor and bad pids are refused", () => {
  for (const pid of [1, Deno.pid]) {
    const r = killProcess({ pid, entityId: entityOf(pid) }, opts);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, /protected/);
  }
  assert.equal(killProcess({ pid: 0, entityId: "x" }, opts).ok, false);
  assert.equal(killProcess({ pid: -5, entityId: "x" }, opts).ok, false);
  assert.ok(alive(1));
});
