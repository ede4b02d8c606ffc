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

/**
 * Run in a pid namespace of its own (pid 1 there), so that steering the
 * next pid through ns_last_pid races nothing else on the machine: a target
 * exits, a new process is given its pid, and the kill is asked for with the
 * target's entity.
 */
const REUSE_PROBE = `
import { killProcess } from "${new URL("../../engine/kill.ts", import.meta.url)}";
import { entityId, parseProcStat } from "${new URL("../../engine/procs.ts", import.meta.url)}";
const entityOf = (pid) =>
  entityId("h", pid, parseProcStat(Deno.readTextFileSync("/proc/" + pid + "/stat")).startTicks);
const target = new Deno.Command("sleep", { args: ["30"] }).spawn();
const pid = target.pid;
const entity = entityOf(pid);
// Start times are in clock ticks (10 ms): the successor must start in a later one.
await new Promise((res) => setTimeout(res, 50));
target.kill("SIGKILL");
await target.status;
let reused;
for (let i = 0; i < 50 && reused === undefined; i++) {
  Deno.writeTextFileSync("/proc/sys/kernel/ns_last_pid", String(pid - 1));
  const c = new Deno.Command("sleep", { args: ["30"] }).spawn();
  if (c.pid === pid) reused = c;
  else { c.kill("SIGKILL"); await c.status; }
}
if (!reused) throw new Error("pid " + pid + " was not handed out again");
const r = killProcess({ pid, entityId: entity }, { hostId: "h", protect: new Set([1]) });
await new Promise((res) => setTimeout(res, 200));
const state = Deno.readTextFileSync("/proc/" + pid + "/stat").split(") ")[1][0];
console.log(JSON.stringify({ pid, result: r, state, changed: entityOf(pid) !== entity }));
reused.kill("SIGKILL");
await reused.status;
`;

Deno.test("kill: a pid really reused by a new process is not signalled", async () => {
  const out = await new Deno.Command("unshare", {
    args: ["-pf", "--mount-proc", Deno.execPath(), "eval", REUSE_PROBE],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(new TextDecoder().decode(out.stdout).trim());
  assert.equal(r.changed, true, "the pid names another process instance");
  assert.equal(r.result.ok, false);
  assert.match(r.result.error, new RegExp(`pid ${r.pid} now belongs to another process`));
  assert.equal(r.state, "S", "the new process holding the pid still runs");
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
