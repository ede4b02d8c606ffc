/**
 * The process table: entity ids equal from /proc and from kernel start
 * times, leaders through fork, setsid and double fork, pid reuse, exit
 * grace and the capacity bound.
 */
import assert from "node:assert/strict";
import {
  CLK_TCK,
  entityId,
  parseProcStat,
  ProcessTable,
  ticksFromBootNs,
} from "../../engine/procs.ts";

const HOST = "test-host";

Deno.test("parseProcStat counts fields from the last parenthesis", () => {
  const s = parseProcStat(
    "4242 (a) b (c) S 1 4242 4242 34816 4242 4194560 0 0 0 0 0 0 0 0 20 0 1 0 98765 0 0",
  );
  assert.deepEqual(s, {
    pid: 4242,
    comm: "a) b (c",
    ppid: 1,
    pgrp: 4242,
    session: 4242,
    ttyNr: 34816,
    startTicks: 98765,
  });
  assert.equal(parseProcStat("garbage"), undefined);
});

Deno.test("kernel nanoseconds and /proc ticks give the same entity id", () => {
  assert.equal(CLK_TCK, 100);
  // 12.345678901 s after boot: 1234 ticks of 10 ms.
  assert.equal(ticksFromBootNs(12_345_678_901n), 1234);
  assert.equal(entityId(HOST, 77, ticksFromBootNs(12_345_678_901n)), entityId(HOST, 77, 1234));
  assert.notEqual(entityId(HOST, 77, 1234), entityId(HOST, 77, 1235));
  assert.notEqual(entityId(HOST, 77, 1234), entityId("other", 77, 1234));
  assert.match(entityId(HOST, 77, 1234), /^[A-Za-z0-9_-]{20}$/);
});

Deno.test("bootstrap from /proc finds this process with its /proc-derived entity id", async () => {
  const table = new ProcessTable({ hostId: HOST });
  const n = await table.bootstrap();
  assert.ok(n >= 2 && table.size >= 2);
  const stat = parseProcStat(await Deno.readTextFile(`/proc/${Deno.pid}/stat`))!;
  const me = table.byPid(Deno.pid)!;
  assert.equal(me.entityId, entityId(HOST, Deno.pid, stat.startTicks));
  assert.equal(me.executable, Deno.execPath());
  assert.equal(me.workingDirectory, Deno.cwd());
  assert.equal(me.parentEntityId, table.byPid(stat.ppid)?.entityId);
  assert.equal(me.sessionId, stat.session);
  assert.equal(table.parentOf(me.entityId), me.parentEntityId);
});

function shellSession(table: ProcessTable) {
  // sshd (pid 100, child of init) → bash (200, its own session, tty) → sleep (300)
  table.upsert({
    pid: 1,
    ppid: 0,
    startTicks: 1,
    name: "systemd",
    sessionId: 1,
    processGroupId: 1,
    interactive: false,
  });
  table.upsert({
    pid: 100,
    ppid: 1,
    startTicks: 10,
    name: "sshd",
    sessionId: 100,
    processGroupId: 100,
    interactive: false,
  });
  const bash = table.upsert({
    pid: 200,
    ppid: 100,
    startTicks: 20,
    name: "bash",
    sessionId: 200,
    processGroupId: 200,
    interactive: true,
  });
  return { bash };
}

Deno.test("leaders: session, group and entry leaders through fork and exec", () => {
  const table = new ProcessTable({ hostId: HOST });
  const { bash } = shellSession(table);
  assert.equal(bash.sessionLeaderEntityId, bash.entityId);
  assert.equal(bash.groupLeaderEntityId, bash.entityId);
  // sshd's child entered the host.
  assert.equal(bash.entryLeaderEntityId, bash.entityId);
  const child = table.fork(300, 200, 30);
  assert.equal(child.name, "bash"); // the image until exec
  assert.equal(child.sessionLeaderEntityId, bash.entityId);
  assert.equal(child.entryLeaderEntityId, bash.entityId);
  assert.equal(child.parentEntityId, bash.entityId);
  const execd = table.upsert({
    ...child,
    name: "sleep",
    executable: "/usr/bin/sleep",
    args: ["sleep", "9"],
  });
  assert.equal(execd.entityId, child.entityId); // exec keeps the process
  assert.equal(execd.executable, "/usr/bin/sleep");
});

Deno.test("leaders survive a double fork with setsid and the leader's exit", () => {
  const table = new ProcessTable({ hostId: HOST, graceUpdates: 0 });
  const { bash } = shellSession(table);
  const first = table.fork(400, 200, 40);
  const daemon = table.fork(401, 400, 41);
  table.exit(400, 0);
  table.changeIds(401, 401, 401); // setsid in the grandchild
  const d = table.byPid(401)!;
  assert.equal(d.sessionLeaderEntityId, d.entityId);
  assert.equal(d.groupLeaderEntityId, d.entityId);
  assert.equal(d.parentEntityId, first.entityId);
  assert.equal(d.entryLeaderEntityId, bash.entityId, "still entered through the ssh session");
  // The exited middle process leaves after the grace period; the daemon keeps its links.
  table.upsert({
    pid: 500,
    ppid: 1,
    startTicks: 50,
    name: "x",
    sessionId: 500,
    processGroupId: 500,
    interactive: false,
  });
  assert.equal(table.byPid(400), undefined);
  assert.equal(table.byPid(401)?.entityId, daemon.entityId);
});

Deno.test("a reused pid is a new entity; the old one is gone", () => {
  const table = new ProcessTable({ hostId: HOST });
  const a = table.upsert({
    pid: 900,
    ppid: 1,
    startTicks: 5,
    name: "a",
    sessionId: 1,
    processGroupId: 1,
    interactive: false,
  });
  const b = table.upsert({
    pid: 900,
    ppid: 1,
    startTicks: 6,
    name: "b",
    sessionId: 1,
    processGroupId: 1,
    interactive: false,
  });
  assert.notEqual(a.entityId, b.entityId);
  assert.equal(table.byEntity(a.entityId), undefined);
  assert.equal(table.byPid(900)?.name, "b");
});

Deno.test("the table stays within its capacity and counts evictions", () => {
  const table = new ProcessTable({ hostId: HOST, capacity: 1000 });
  for (let pid = 2; pid < 20_002; pid++) {
    table.upsert({
      pid,
      ppid: 1,
      startTicks: pid,
      name: "p",
      sessionId: pid,
      processGroupId: pid,
      interactive: false,
    });
    assert.ok(table.size <= 1000);
  }
  assert.equal(table.evicted, 20_000 - 1000);
});
