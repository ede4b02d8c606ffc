/**
 * Kernel records → events: every event type built byte by byte as
 * `ebpf/events.h` lays it out, passed through a ring buffer in the kernel's
 * format, decoded, and checked field by field against hand-written values;
 * the process table kept current (fork, exec, exit, setsid double fork,
 * set*id); malformed records counted without a throw; `retain()` copies
 * that outlive the ring's memory and the table's changes.
 */
import assert from "node:assert/strict";
import {
  bootEpochNs,
  type DecoderOptions,
  RecordDecoder,
  type RecordEvent,
} from "../../engine/decode.ts";
import { EVENT_FIELDS } from "../../engine/decode_fields.ts";
import { entityId, ProcessTable } from "../../engine/procs.ts";
import { Schema } from "../../engine/schema.ts";
import { decodeOne, type Header, Rec, throughRing, v4, v6 } from "./decode_fixture.ts";

const HOST = { id: "host-1", name: "web-1" };
/** 2026-01-01T00:00:00Z. */
const BOOT = 1_767_225_600_000_000_000n;
const PIDNS = 4026531836; // the fixture's default pid namespace
const CONTAINER = "3f4e".padEnd(64, "a");

/** Start time in ns of a process started `ticks` ticks after boot, plus a sub-tick part. */
const ns = (ticks: number) => BigInt(ticks) * 10_000_000n + 3_456_789n;
/** The entity id of `pid` started at `ticks`. */
const eid = (pid: number, ticks: number) => entityId(HOST.id, pid, ticks);

/**
 * A decoder over a table holding a login: systemd (1) → sshd (100) → bash
 * (200, session and group leader, on a terminal).
 */
function setup(extra: Partial<DecoderOptions> = {}) {
  const schema = Schema.ecs();
  const procs = new ProcessTable({ hostId: HOST.id });
  const base = { sessionId: 1, processGroupId: 1, interactive: false };
  procs.upsert({ ...base, pid: 1, ppid: 0, startTicks: 1, name: "systemd" });
  procs.upsert({ ...base, pid: 100, ppid: 1, startTicks: 10, name: "sshd", sessionId: 100 });
  procs.upsert({
    pid: 200,
    ppid: 100,
    startTicks: 20,
    name: "bash",
    executable: "/usr/bin/bash",
    args: ["-bash"],
    workingDirectory: "/home/alice",
    userId: "1000",
    groupId: "1000",
    realUserId: "1000",
    sessionId: 200,
    processGroupId: 200,
    interactive: true,
  });
  const decoder = new RecordDecoder({
    schema,
    procs,
    host: HOST,
    bootEpochNs: BOOT,
    containers: { containerId: (id) => (id === 4242n ? CONTAINER : undefined) },
    initPidNs: PIDNS,
    ...extra,
  });
  /** Field `name` of `ev`, through the schema id as rules read it. */
  const f = (ev: RecordEvent, name: string) => {
    const info = schema.lookup(name);
    assert.ok(info, `${name} is not registered`);
    return ev.get(info.id);
  };
  return { schema, procs, decoder, f };
}

/** Header of a record by process `pid` (started at tick `ticks`) whose parent is `ppid`. */
function hdr(type: number, pid: number, ticks: number, more: Partial<Header> = {}): Header {
  return {
    type,
    tgid: pid,
    ppid: 200,
    startNs: ns(ticks),
    parentStartNs: ns(20),
    ktime: 3_600_123_456_789n, // 01:00:00.123456789 after boot
    sid: 200,
    pgid: 200,
    comm: "proc",
    ...more,
  };
}

const T = {
  EXEC: 1,
  FORK: 2,
  EXIT: 3,
  SETSID: 4,
  SETPGID: 5,
  UID: 6,
  GID: 7,
  PTRACE: 8,
  PRCTL: 9,
  MEMFD: 10,
  MMAP: 11,
  MPROTECT: 12,
  MODULE: 13,
  BPF: 14,
  MOUNT: 15,
  XATTR: 16,
  CREATE: 17,
  MODIFY: 18,
  OPEN: 19,
  DELETE: 20,
  RENAME: 21,
  CHMOD: 22,
  CHOWN: 23,
  LINK: 24,
  SYMLINK: 25,
  CONNECT: 26,
  ACCEPT: 27,
  BIND: 28,
  LISTEN: 29,
  DNS: 30,
  PAM: 31,
} as const;

/** A fork of `pid` (tick `ticks`) by `ppid` (tick `pticks`). */
function fork(
  pid: number,
  ticks: number,
  ppid: number,
  pticks: number,
  more: Partial<Header> = {},
) {
  return new Rec(
    hdr(T.FORK, pid, ticks, { ppid, parentStartNs: ns(pticks), comm: "bash", ...more }),
    120,
  ).u32(112, ppid).done();
}

/** The exec of `./x.sh` (a #! script run by bash) in process 300, a child of bash. */
function scriptExec(more: Partial<Header> = {}): Uint8Array {
  return new Rec(hdr(T.EXEC, 300, 30, { comm: "x.sh", cgroupId: 4242n, ...more }), 200)
    .u64(112, 9001n) // exe_ino
    .u32(120, (8 << 20) | 1) // exe_dev
    .u32(124, 1) // exe_nlink
    .u16(128, 0o100755) // exe_mode
    .u32(132, 0) // exe_uid
    .u32(136, 4) // argc
    .u32(140, 31) // envc
    .u32(144, 1) // exec_id
    .u32(148, 300) // old_tid
    .u8(152, 4).u16(154, 2) // stdin: a socket, AF_INET
    .u8(160, 3) // stdout: a pipe
    .u8(168, 1).u32(172, (136 << 20) | 3) // stderr: /dev/pts/3
    .str(176, "./x.sh") // filename
    .str(180, "/usr/bin/bash") // exe
    .str(184, "/bin/bash") // interp
    .str(188, "/home/alice") // cwd
    .list(192, ["/bin/bash", "./x.sh", "--flag", "a b"]) // argv
    .list(196, ["LD_PRELOAD=/tmp/evil.so", "HISTFILE=/dev/null"]) // env
    .done();
}

Deno.test("decode: exec — the ECS document, exactly", () => {
  const { decoder, procs } = setup();
  decodeOne(decoder, fork(300, 30, 200, 20));
  const ev = decodeOne(decoder, scriptExec());
  const bash = {
    entity_id: eid(200, 20),
    pid: 200,
    name: "bash",
    executable: "/usr/bin/bash",
    args: ["-bash"],
    args_count: 1,
    command_line: "-bash",
    working_directory: "/home/alice",
    start: "2026-01-01T00:00:00.2Z",
    interactive: true,
    user: { id: "1000" },
    group: { id: "1000" },
    real_user: { id: "1000" },
  };
  assert.deepEqual(ev.toJSON(), {
    "@timestamp": "2026-01-01T01:00:00.123456789Z",
    host: { os: { type: "linux" }, name: "web-1", id: "host-1" },
    event: { kind: "event", category: ["process"], type: ["start"], action: "exec" },
    process: {
      entity_id: eid(300, 30),
      pid: 300,
      name: "x.sh",
      executable: "/usr/bin/bash",
      args: ["/bin/bash", "./x.sh", "--flag", "a b"],
      args_count: 4,
      command_line: "/bin/bash ./x.sh --flag a b",
      working_directory: "/home/alice",
      start: "2026-01-01T00:00:00.3Z",
      interactive: true,
      user: { id: "1000" },
      group: { id: "1000" },
      real_user: { id: "1000" },
      real_group: { id: "1000" },
      env_vars: ["LD_PRELOAD=/tmp/evil.so", "HISTFILE=/dev/null"],
      Ext: { interpreter: "/bin/bash", stdin: "socket", stdout: "pipe" },
      previous: { executable: "/usr/bin/bash", args: ["-bash"], args_count: 1 },
      parent: bash,
      session_leader: bash,
      group_leader: bash,
      entry_leader: bash,
    },
    user: { id: "1000", Ext: { real: { id: "1000" } } },
    group: { id: "1000", Ext: { real: { id: "1000" } } },
    container: { id: CONTAINER },
  });
  assert.equal(ev.timestamp, BOOT + 3_600_123_456_789n);
  // The table now runs the new image.
  const p = procs.byPid(300)!;
  assert.equal(p.entityId, eid(300, 30));
  assert.equal(p.name, "x.sh");
  assert.deepEqual(p.args, ["/bin/bash", "./x.sh", "--flag", "a b"]);
  assert.equal(p.workingDirectory, "/home/alice");
});

Deno.test("decode: exec fields read by schema id, as rules read them", () => {
  const { decoder, f } = setup();
  decodeOne(decoder, fork(300, 30, 200, 20));
  const ev = decodeOne(decoder, scriptExec());
  assert.deepEqual(f(ev, "event.category"), ["process"]);
  assert.equal(f(ev, "event.action"), "exec");
  assert.equal(f(ev, "process.pid"), 300);
  assert.equal(f(ev, "process.name"), "x.sh");
  assert.equal(f(ev, "process.args_count"), 4);
  assert.deepEqual(f(ev, "process.env_vars"), ["LD_PRELOAD=/tmp/evil.so", "HISTFILE=/dev/null"]);
  assert.equal(f(ev, "process.Ext.stdin"), "socket");
  assert.equal(f(ev, "process.Ext.stdout"), "pipe");
  assert.equal(f(ev, "process.Ext.interpreter"), "/bin/bash");
  assert.equal(f(ev, "process.parent.name"), "bash");
  assert.equal(f(ev, "process.entry_leader.entity_id"), eid(200, 20));
  assert.equal(f(ev, "container.id"), CONTAINER);
  assert.equal(f(ev, "file.path"), undefined); // not an exec field
  assert.equal(f(ev, "process.exit_code"), undefined);
  // Reading twice gives the same value (the second from the read cache).
  assert.equal(f(ev, "process.command_line"), f(ev, "process.command_line"));
});

Deno.test("decode: exec with closed stdio, a plain binary and no env", () => {
  const { decoder, f, procs } = setup();
  const rec = new Rec(
    hdr(T.EXEC, 250, 25, { ppid: 1, parentStartNs: ns(1), sid: 250, pgid: 250 }),
    200,
  )
    .u32(136, 1)
    .str(176, "/usr/sbin/cron") // filename; exe left empty: executable falls back to it
    .str(188, "/")
    .list(192, ["/usr/sbin/cron", "-f"])
    .done();
  const ev = decodeOne(decoder, rec);
  assert.equal(f(ev, "process.executable"), "/usr/sbin/cron");
  assert.equal(f(ev, "process.name"), "cron");
  assert.equal(f(ev, "process.Ext.stdin"), undefined);
  assert.equal(f(ev, "process.Ext.stdout"), undefined);
  assert.equal(f(ev, "process.env_vars"), undefined);
  assert.equal(f(ev, "process.interactive"), false);
  assert.equal(f(ev, "process.previous.executable"), undefined); // the table did not know it
  assert.equal(f(ev, "process.parent.name"), "systemd");
  assert.equal(procs.byPid(250)?.entityId, eid(250, 25));
});

Deno.test("decode: fork — the child with its parent's image, entity ids from the table's hash", () => {
  const { decoder, f, procs } = setup();
  const ev = decodeOne(decoder, fork(300, 30, 200, 20));
  assert.deepEqual(f(ev, "event.category"), ["process"]);
  assert.deepEqual(f(ev, "event.type"), ["start"]);
  assert.equal(f(ev, "event.action"), "fork");
  assert.equal(f(ev, "process.pid"), 300);
  assert.equal(f(ev, "process.entity_id"), eid(300, 30));
  assert.equal(f(ev, "process.entity_id"), procs.byPid(300)?.entityId);
  assert.equal(f(ev, "process.name"), "bash");
  assert.equal(f(ev, "process.executable"), "/usr/bin/bash");
  assert.deepEqual(f(ev, "process.args"), ["-bash"]);
  assert.equal(f(ev, "process.start"), "2026-01-01T00:00:00.3Z");
  assert.equal(f(ev, "process.parent.pid"), 200);
  assert.equal(f(ev, "process.parent.entity_id"), eid(200, 20));
  assert.equal(f(ev, "process.parent.start"), "2026-01-01T00:00:00.2Z");
  assert.equal(f(ev, "process.interactive"), true);
  assert.equal(f(ev, "event.outcome"), undefined);
  assert.equal(procs.byPid(300)?.parentEntityId, eid(200, 20));
});

Deno.test("decode: a process the table never saw is added with the entity id of its pid and start", () => {
  const { decoder, f, procs } = setup();
  const rec = new Rec(
    hdr(T.DELETE, 4321, 777, {
      ppid: 4000,
      parentStartNs: ns(700),
      comm: "rm",
      sid: 4000,
      pgid: 4321,
    }),
    136,
  ).path(128, "/tmp/x").done();
  const ev = decodeOne(decoder, rec);
  assert.equal(f(ev, "process.entity_id"), eid(4321, 777));
  assert.equal(f(ev, "process.name"), "rm");
  assert.equal(f(ev, "process.args"), undefined);
  // The parent is not in the table either: its id comes from the header's pid and start.
  assert.equal(f(ev, "process.parent.entity_id"), eid(4000, 700));
  assert.equal(f(ev, "process.parent.pid"), 4000);
  assert.equal(f(ev, "process.parent.name"), undefined);
  assert.equal(procs.byPid(4321)?.entityId, eid(4321, 777));
  assert.equal(procs.byPid(4321)?.processGroupId, 4321);
});

Deno.test("decode: exit codes — exit status, or 128 + the signal", () => {
  const { decoder, f, procs } = setup();
  const cases: [status: number, code: number][] = [
    [3 << 8, 3], // exit(3)
    [0, 0],
    [9, 137], // SIGKILL
    [0x80 | 11, 139], // SIGSEGV with a core dump
    [15, 143], // SIGTERM
  ];
  cases.forEach(([status, code], i) => {
    const pid = 800 + i;
    decodeOne(decoder, fork(pid, 80 + i, 200, 20));
    const ev = decodeOne(decoder, new Rec(hdr(T.EXIT, pid, 80 + i), 120).i32(112, status).done());
    assert.equal(f(ev, "process.exit_code"), code, `status ${status}`);
    assert.deepEqual(f(ev, "event.type"), ["end"]);
    assert.equal(f(ev, "event.action"), "end");
    assert.equal(f(ev, "process.end"), "2026-01-01T01:00:00.123456789Z");
    assert.equal(f(ev, "process.name"), "bash");
    assert.equal(procs.byPid(pid)?.exitCode, code);
  });
});

Deno.test("decode: setsid double fork — leaders through the process table", () => {
  const { decoder, f, procs } = setup();
  // bash (200) forks A (400); A calls setsid; A forks B (401); A exits; B execs a daemon.
  decodeOne(decoder, fork(400, 40, 200, 20));
  const setsid = decodeOne(
    decoder,
    new Rec(hdr(T.SETSID, 400, 40, { sid: 400, pgid: 400 }), 128).i32(112, 400).done(),
  );
  assert.equal(f(setsid, "event.action"), "session_id_change");
  assert.deepEqual(f(setsid, "event.type"), ["change"]);
  assert.equal(f(setsid, "event.outcome"), "success");
  assert.equal(f(setsid, "process.session_leader.entity_id"), eid(400, 40));
  assert.equal(f(setsid, "process.session_leader.pid"), 400);
  assert.equal(f(setsid, "process.group_leader.entity_id"), eid(400, 40));
  assert.equal(f(setsid, "process.interactive"), false, "a new session has no terminal");
  decodeOne(decoder, fork(401, 41, 400, 40, { sid: 400, pgid: 400 }));
  decodeOne(decoder, new Rec(hdr(T.EXIT, 400, 40, { sid: 400, pgid: 400 }), 120).done());
  const daemon = { ppid: 400, parentStartNs: ns(40), sid: 400, pgid: 400 };
  decodeOne(
    decoder,
    new Rec(hdr(T.EXEC, 401, 41, daemon), 200).str(176, "/usr/sbin/daemond").str(
      180,
      "/usr/sbin/daemond",
    )
      .list(192, ["daemond", "--foreground"]).done(),
  );
  const ev = decodeOne(
    decoder,
    new Rec(hdr(T.CONNECT, 401, 41, daemon), 176).u16(124, 2).u16(126, 1).u16(128, 6)
      .u16(130, 50000).u16(132, 4444).raw(136, v4("10.0.0.5")).raw(152, v4("198.51.100.7")).done(),
  );
  assert.equal(f(ev, "process.name"), "daemond");
  assert.equal(f(ev, "process.interactive"), false);
  assert.equal(f(ev, "process.parent.entity_id"), eid(400, 40));
  assert.equal(f(ev, "process.parent.name"), "bash", "the exited parent is still in the table");
  assert.equal(f(ev, "process.session_leader.entity_id"), eid(400, 40));
  assert.equal(f(ev, "process.session_leader.pid"), 400);
  assert.equal(f(ev, "process.group_leader.entity_id"), eid(400, 40));
  assert.equal(f(ev, "process.group_leader.pid"), 400);
  assert.equal(f(ev, "process.entry_leader.entity_id"), eid(200, 20), "entered through ssh");
  assert.equal(f(ev, "process.entry_leader.name"), "bash");
  assert.equal(procs.byPid(400)?.exitCode, 0);
});

Deno.test("decode: setpgid — own group from the header, a child's through its global pid", () => {
  const { decoder, f, procs } = setup();
  decodeOne(decoder, fork(500, 50, 200, 20));
  // bash places its child in a new group: setpgid(500, 0).
  const ev = decodeOne(
    decoder,
    new Rec(hdr(T.SETPGID, 200, 20, { ppid: 100, parentStartNs: ns(10), comm: "bash" }), 128)
      .i32(112, 0).u32(116, 500).u32(120, 0).done(),
  );
  assert.equal(f(ev, "event.action"), "group_id_change");
  assert.equal(f(ev, "process.pid"), 200);
  assert.equal(procs.byPid(500)?.processGroupId, 500);
  assert.equal(procs.byPid(500)?.groupLeaderEntityId, eid(500, 50));
  // A caller in another pid namespace: its pid argument is not a global pid; left alone.
  decodeOne(decoder, fork(501, 51, 200, 20));
  decodeOne(
    decoder,
    new Rec(hdr(T.SETPGID, 200, 20, { ppid: 100, parentStartNs: ns(10), pidns: 1234 }), 128)
      .i32(112, 0).u32(116, 501).done(),
  );
  assert.equal(procs.byPid(501)?.processGroupId, 200);
  // The process itself: the header carries its new group.
  const self = decodeOne(
    decoder,
    new Rec(hdr(T.SETPGID, 501, 51, { pgid: 501 }), 128).i32(112, 0).done(),
  );
  assert.equal(f(self, "process.group_leader.entity_id"), eid(501, 51));
  assert.equal(procs.byPid(501)?.processGroupId, 501);
});

Deno.test("decode: uid and gid changes — new ids, saved ids, the ids before", () => {
  const { decoder, f, procs } = setup();
  decodeOne(decoder, fork(600, 60, 200, 20));
  // setuid(0) in a setuid-root program run by uid 1000.
  const rec = new Rec(hdr(T.UID, 600, 60, { uid: 0, euid: 0 }), 168)
    .i32(112, 0).u32(116, 105).u32(120, 0).u32(124, 0xffff_ffff).u32(128, 0xffff_ffff)
    .u32(132, 1000).u32(136, 0).u32(140, 0).u32(144, 0) // old: real, effective, saved, fs
    .u32(148, 0).u32(152, 0).u32(156, 0).u32(160, 0) // new
    .done();
  const ev = decodeOne(decoder, rec);
  assert.equal(f(ev, "event.action"), "uid_change");
  assert.equal(f(ev, "event.outcome"), "success");
  assert.equal(f(ev, "process.user.id"), "0");
  assert.equal(f(ev, "process.real_user.id"), "0");
  assert.equal(f(ev, "process.saved_user.id"), "0");
  assert.equal(f(ev, "process.Ext.previous.real_user.id"), "1000");
  assert.equal(f(ev, "process.Ext.previous.user.id"), "0");
  assert.equal(f(ev, "process.Ext.previous.saved_user.id"), "0");
  assert.equal(f(ev, "user.id"), "0");
  assert.equal(procs.byPid(600)?.realUserId, "0");
  assert.equal(procs.byPid(600)?.userId, "0");
  // A failed setgid(0): outcome failure, the table keeps the old group.
  const gid = new Rec(hdr(T.GID, 600, 60, { uid: 0, euid: 0 }), 168)
    .i32(112, -1).u32(116, 106).u32(132, 1000).u32(136, 1000).u32(140, 1000)
    .u32(148, 1000).u32(152, 1000).u32(156, 1000).done();
  const g = decodeOne(decoder, gid);
  assert.equal(f(g, "event.action"), "gid_change");
  assert.equal(f(g, "event.outcome"), "failure");
  assert.equal(f(g, "process.saved_group.id"), "1000");
  assert.equal(f(g, "process.Ext.previous.group.id"), "1000");
  assert.equal(procs.byPid(600)?.groupId, "1000");
});

Deno.test("decode: ptrace — request, target pid and entity", () => {
  const ptrace = () =>
    new Rec(hdr(T.PTRACE, 700, 70, { comm: "gdb" }), 144).i32(112, 0).u32(116, 16).u32(120, 300)
      .u64(128, 0n).u64(136, 0n).done();
  const { decoder, f } = setup();
  decodeOne(decoder, fork(300, 30, 200, 20));
  const ev = decodeOne(decoder, ptrace());
  assert.deepEqual(f(ev, "event.category"), ["process"]);
  assert.deepEqual(f(ev, "event.type"), ["access"]);
  assert.equal(f(ev, "event.action"), "ptrace");
  assert.equal(f(ev, "event.outcome"), "success");
  assert.equal(f(ev, "process.Ext.ptrace.request"), 16); // PTRACE_ATTACH
  assert.equal(f(ev, "process.Ext.ptrace.child_pid"), 300);
  assert.equal(f(ev, "process.Ext.ptrace.child_entity_id"), eid(300, 30));
  assert.equal(f(ev, "process.Ext.ptrace.addr"), 0);
  // Without the initial pid namespace known, a pid argument is not looked up.
  const other = setup({ initPidNs: undefined });
  decodeOne(other.decoder, fork(300, 30, 200, 20));
  const ev2 = decodeOne(other.decoder, ptrace());
  assert.equal(other.f(ev2, "process.Ext.ptrace.child_pid"), 300);
  assert.equal(other.f(ev2, "process.Ext.ptrace.child_entity_id"), undefined);
});

Deno.test("decode: memfd_create, exec mappings, prctl", () => {
  const { decoder, f } = setup();
  const memfd = decodeOne(
    decoder,
    new Rec(hdr(T.MEMFD, 300, 30), 128).i32(112, 3).u32(116, 0x11).str(120, "payload").done(),
  );
  assert.equal(f(memfd, "event.action"), "memfd_create");
  assert.deepEqual(f(memfd, "event.type"), ["change"]);
  assert.equal(f(memfd, "process.Ext.memfd.name"), "payload");
  assert.equal(f(memfd, "process.Ext.memfd.flags"), 0x11);
  assert.equal(f(memfd, "process.Ext.memfd.flag_cloexec"), true);
  assert.equal(f(memfd, "process.Ext.memfd.flag_exec"), true);
  assert.equal(f(memfd, "process.Ext.memfd.flag_allow_seal"), false);
  assert.equal(f(memfd, "event.outcome"), "success");

  const mmap = decodeOne(
    decoder,
    new Rec(hdr(T.MMAP, 300, 30), 168).u64(112, 0x7f00_0000_1000n).u64(120, 8192n).i32(128, 0)
      .u32(132, 5).u32(136, 1).i32(140, 3).u64(144, 77n).u32(156, 0)
      .str(164, "/memfd:payload (deleted)").done(), // a kestrel_str, not a kestrel_path
  );
  assert.equal(f(mmap, "event.action"), "mprotect");
  assert.equal(f(mmap, "process.Ext.mprotect.addr"), 0x7f00_0000_1000);
  assert.equal(f(mmap, "process.Ext.mprotect.len"), 8192);
  assert.equal(f(mmap, "process.Ext.mprotect.prot"), 5);
  assert.equal(f(mmap, "file.path"), "/memfd:payload (deleted)");
  assert.equal(f(mmap, "file.name"), "memfd:payload (deleted)");
  assert.equal(f(mmap, "file.directory"), "/");
  assert.equal(f(mmap, "file.inode"), "77");
  const anon = decodeOne(
    decoder,
    new Rec(hdr(T.MPROTECT, 300, 30), 168).u64(112, 0x5000n).u64(120, 4096n).u32(132, 7)
      .i32(140, -1).done(),
  );
  assert.equal(f(anon, "event.action"), "mprotect");
  assert.equal(f(anon, "file.path"), undefined);
  assert.equal(f(anon, "file.inode"), undefined);

  const prctl = decodeOne(
    decoder,
    new Rec(hdr(T.PRCTL, 300, 30), 144).i32(112, 0).u32(116, 15).str(136, "kworker/0:1").done(),
  );
  assert.equal(f(prctl, "event.action"), "prctl");
  assert.equal(f(prctl, "process.Ext.prctl.option"), 15); // PR_SET_NAME
  assert.equal(f(prctl, "process.Ext.prctl.name"), "kworker/0:1");
});

Deno.test("decode: module loads, BPF program loads, mount, setxattr", () => {
  const { decoder, f } = setup();
  const finit = decodeOne(
    decoder,
    new Rec(hdr(T.MODULE, 300, 30, { uid: 0, euid: 0 }), 152).i32(112, 0).u32(116, 313).i32(120, 4)
      .str(140, "/lib/modules/6.1.0/extra/rootkit.ko.xz").str(144, "hide=1").done(),
  );
  assert.deepEqual(f(finit, "event.category"), ["driver"]);
  assert.deepEqual(f(finit, "event.type"), ["start"]);
  assert.equal(f(finit, "event.action"), "load");
  assert.equal(f(finit, "process.Ext.load_module.name"), "rootkit");
  assert.equal(f(finit, "file.path"), "/lib/modules/6.1.0/extra/rootkit.ko.xz");
  assert.equal(f(finit, "file.extension"), "xz");
  const init = decodeOne(
    decoder,
    new Rec(hdr(T.MODULE, 300, 30), 152).i32(112, -38).u32(116, 175).i32(120, -1)
      .u64(128, 65536n).str(136, "evil").done(),
  );
  assert.equal(f(init, "process.Ext.load_module.name"), "evil");
  assert.equal(f(init, "event.outcome"), "failure");
  assert.equal(f(init, "file.path"), undefined);

  const bpfName = new TextEncoder().encode("kprobe_hook");
  const bpf = decodeOne(
    decoder,
    new Rec(hdr(T.BPF, 300, 30), 152).i32(112, 5).u32(116, 5).u32(120, 2).u32(128, 42)
      .raw(136, bpfName).done(),
  );
  assert.equal(f(bpf, "event.action"), "bpf_load");
  assert.deepEqual(f(bpf, "event.category"), ["process"]);
  assert.equal(f(bpf, "process.Ext.bpf.prog_name"), "kprobe_hook");
  assert.equal(f(bpf, "process.Ext.bpf.prog_type"), 2);

  const mount = decodeOne(
    decoder,
    new Rec(hdr(T.MOUNT, 300, 30), 144).i32(112, 0).u64(120, 1n).str(128, "/dev/sdb1")
      .str(132, "ext4").path(136, "/mnt/x").done(),
  );
  assert.deepEqual(f(mount, "event.category"), ["file"]);
  assert.equal(f(mount, "event.action"), "mount");
  assert.equal(f(mount, "file.path"), "/mnt/x");
  assert.equal(f(mount, "file.name"), "x");
  assert.equal(f(mount, "file.directory"), "/mnt");
  assert.equal(f(mount, "file.Ext.mount.source"), "/dev/sdb1");
  assert.equal(f(mount, "file.Ext.mount.fs_type"), "ext4");

  const xattr = decodeOne(
    decoder,
    new Rec(hdr(T.XATTR, 300, 30), 144).i32(112, 0).u32(116, 188).i32(120, -100).u32(128, 20)
      .str(132, "security.capability").path(136, "/usr/bin/ping").done(),
  );
  assert.equal(f(xattr, "event.action"), "setxattr");
  assert.deepEqual(f(xattr, "event.category"), ["file"]);
  assert.equal(f(xattr, "file.Ext.xattr.name"), "security.capability");
  assert.equal(f(xattr, "file.name"), "ping");
});

/** A file open record (types 17–19) of `path` with result `result`. */
function open(type: number, path: string, result = 3, ino = 1234n, baseLen = 0) {
  return new Rec(hdr(type, 200, 20, { ppid: 100, parentStartNs: ns(10), comm: "bash" }), 160)
    .i32(112, result).u32(116, 257).i32(120, -100).u32(124, 0o1101).u32(128, 0o644)
    .u64(136, ino).u32(144, 2049).path(152, path, baseLen, baseLen ? 1 : 0).done();
}

Deno.test("decode: file creation, modification, open, deletion — path parts", () => {
  const { decoder, f } = setup();
  const create = decodeOne(decoder, open(T.CREATE, "/tmp/payload.tar.gz", 3, 1234n, 5));
  assert.deepEqual(f(create, "event.category"), ["file"]);
  assert.deepEqual(f(create, "event.type"), ["creation"]);
  assert.equal(f(create, "event.action"), "creation");
  assert.equal(f(create, "event.outcome"), "success");
  assert.equal(f(create, "file.path"), "/tmp/payload.tar.gz");
  assert.equal(f(create, "file.name"), "payload.tar.gz");
  assert.equal(f(create, "file.extension"), "gz");
  assert.equal(f(create, "file.directory"), "/tmp");
  assert.equal(f(create, "file.inode"), "1234");
  assert.equal(f(create, "process.name"), "bash");

  const modify = decodeOne(decoder, open(T.MODIFY, "/etc/passwd"));
  assert.deepEqual(f(modify, "event.type"), ["change"]);
  assert.equal(f(modify, "event.action"), "modification");
  assert.equal(f(modify, "file.extension"), undefined);
  assert.equal(f(modify, "file.directory"), "/etc");

  const read = decodeOne(decoder, open(T.OPEN, "/etc/shadow"));
  assert.deepEqual(f(read, "event.type"), ["access"]);
  assert.equal(f(read, "event.action"), "open");

  const failed = decodeOne(decoder, open(T.CREATE, "/root/x", -13, 0n));
  assert.equal(f(failed, "event.outcome"), "failure");
  assert.equal(f(failed, "file.inode"), undefined);

  const del = decodeOne(
    decoder,
    new Rec(hdr(T.DELETE, 200, 20, { ppid: 100, parentStartNs: ns(10) }), 136).i32(112, 0)
      .u32(116, 87).i32(120, -100).path(128, "/var/log/auth.log").done(),
  );
  assert.deepEqual(f(del, "event.type"), ["deletion"]);
  assert.equal(f(del, "event.action"), "deletion");
  assert.equal(f(del, "file.name"), "auth.log");
  assert.equal(f(del, "file.extension"), "log");
});

Deno.test("decode: rename and link carry the original path; symlink its target", () => {
  const { decoder, f } = setup();
  const rename = (type: number, from: string, to: string) =>
    new Rec(hdr(type, 200, 20, { ppid: 100, parentStartNs: ns(10) }), 152).i32(112, 0)
      .u32(116, 316).i32(120, -100).i32(124, -100).path(136, from).path(144, to).done();
  const ev = decodeOne(decoder, rename(T.RENAME, "/tmp/a.txt", "/home/alice/.bashrc"));
  assert.deepEqual(f(ev, "event.type"), ["change"]);
  assert.equal(f(ev, "event.action"), "rename");
  assert.equal(f(ev, "file.path"), "/home/alice/.bashrc");
  assert.equal(f(ev, "file.name"), ".bashrc");
  assert.equal(f(ev, "file.extension"), undefined);
  assert.equal(f(ev, "file.directory"), "/home/alice");
  assert.equal(f(ev, "file.Ext.original.path"), "/tmp/a.txt");
  assert.equal(f(ev, "file.Ext.original.name"), "a.txt");
  assert.equal(f(ev, "file.Ext.original.extension"), "txt");
  assert.deepEqual((ev.toJSON().file as Record<string, unknown>).Ext, {
    original: { path: "/tmp/a.txt", name: "a.txt", extension: "txt" },
  });

  const link = decodeOne(decoder, rename(T.LINK, "/etc/shadow", "/tmp/s"));
  assert.deepEqual(f(link, "event.type"), ["creation"]);
  assert.equal(f(link, "event.action"), "link");
  assert.equal(f(link, "file.path"), "/tmp/s");
  assert.equal(f(link, "file.Ext.original.path"), "/etc/shadow");

  const symlink = decodeOne(
    decoder,
    new Rec(hdr(T.SYMLINK, 200, 20, { ppid: 100, parentStartNs: ns(10) }), 144).i32(112, 0)
      .u32(116, 88).i32(120, -100).str(128, "../etc/passwd").path(136, "/tmp/p").done(),
  );
  assert.equal(f(symlink, "event.action"), "symlink");
  assert.equal(f(symlink, "file.path"), "/tmp/p");
  assert.equal(f(symlink, "file.target_path"), "../etc/passwd");
});

Deno.test("decode: chmod and chown — octal mode, owner ids, an unchanged id left out", () => {
  const { decoder, f } = setup();
  const attr = (type: number, mode: number, uid: number, gid: number) =>
    new Rec(hdr(type, 200, 20, { ppid: 100, parentStartNs: ns(10) }), 152).i32(112, 0)
      .u32(116, 90).i32(120, -100).u32(124, mode).u32(128, uid).u32(132, gid)
      .path(144, "/usr/local/bin/tool").done();
  const suid = decodeOne(decoder, attr(T.CHMOD, 0o4755, 0xffff_ffff, 0xffff_ffff));
  assert.deepEqual(f(suid, "event.type"), ["change"]);
  assert.equal(f(suid, "event.action"), "attributes_modification");
  assert.equal(f(suid, "file.mode"), "4755");
  assert.equal(f(suid, "file.uid"), undefined);
  const plain = decodeOne(decoder, attr(T.CHMOD, 0o100644, 0, 0));
  assert.equal(f(plain, "file.mode"), "0644");
  const chown = decodeOne(decoder, attr(T.CHOWN, 0, 0, 0xffff_ffff));
  assert.equal(f(chown, "event.action"), "attributes_modification");
  assert.equal(f(chown, "file.uid"), "0");
  assert.equal(f(chown, "file.gid"), undefined);
  assert.equal(f(chown, "file.mode"), undefined);
});

/** A network record (types 26–29). */
function net(
  type: number,
  o: {
    result?: number;
    family: number;
    sockType?: number;
    protocol?: number;
    sport: number;
    dport?: number;
    saddr: number[];
    daddr?: number[];
  },
) {
  return new Rec(hdr(type, 300, 30), 176).i32(112, o.result ?? 0).u32(116, 42).i32(120, 3)
    .u16(124, o.family).u16(126, o.sockType ?? 1).u16(128, o.protocol ?? 6).u16(130, o.sport)
    .u16(132, o.dport ?? 0).raw(136, o.saddr).raw(152, o.daddr ?? new Array(16).fill(0)).done();
}

Deno.test("decode: connect over IPv4 and IPv6 — addresses, ports, transport, outcome", () => {
  const { decoder, f } = setup();
  const c4 = decodeOne(
    decoder,
    net(T.CONNECT, {
      family: 2,
      sport: 45678,
      dport: 443,
      saddr: v4("10.0.0.5"),
      daddr: v4("93.184.216.34"),
    }),
  );
  assert.deepEqual(f(c4, "event.category"), ["network"]);
  assert.deepEqual(f(c4, "event.type"), ["start"]);
  assert.equal(f(c4, "event.action"), "connection_attempted");
  assert.equal(f(c4, "event.outcome"), "success");
  assert.equal(f(c4, "source.ip"), "10.0.0.5");
  assert.equal(f(c4, "source.port"), 45678);
  assert.equal(f(c4, "destination.ip"), "93.184.216.34");
  assert.equal(f(c4, "destination.port"), 443);
  assert.equal(f(c4, "network.transport"), "tcp");
  assert.equal(f(c4, "network.type"), "ipv4");
  assert.equal(f(c4, "network.direction"), "egress");

  // Non-blocking, protocol 0 on a stream socket: in progress, TCP from the socket type.
  const c6 = decodeOne(
    decoder,
    net(T.CONNECT, {
      result: -115,
      family: 10,
      protocol: 0,
      sport: 40001,
      dport: 8443,
      saddr: v6("2001:db8:0:0:0:0:0:5"),
      daddr: v6("2001:db8:0:0:1:0:0:1"),
    }),
  );
  assert.equal(f(c6, "event.outcome"), "unknown");
  assert.equal(f(c6, "source.ip"), "2001:db8::5");
  assert.equal(f(c6, "destination.ip"), "2001:db8::1:0:0:1");
  assert.equal(f(c6, "destination.port"), 8443);
  assert.equal(f(c6, "network.type"), "ipv6");
  assert.equal(f(c6, "network.transport"), "tcp");

  // Refused before a local port was bound; an IPv4-mapped address reads as IPv4.
  const refused = decodeOne(
    decoder,
    net(T.CONNECT, {
      result: -111,
      family: 10,
      sport: 0,
      dport: 22,
      saddr: new Array(16).fill(0),
      daddr: v6("0:0:0:0:0:ffff:7f00:1"),
    }),
  );
  assert.equal(f(refused, "event.outcome"), "failure");
  assert.equal(f(refused, "source.ip"), undefined);
  assert.equal(f(refused, "source.port"), undefined);
  assert.equal(f(refused, "destination.ip"), "127.0.0.1");
});

Deno.test("decode: accept, bind, listen", () => {
  const { decoder, f } = setup();
  const accept = decodeOne(
    decoder,
    net(T.ACCEPT, {
      result: 5,
      family: 2,
      sport: 22,
      dport: 51000,
      saddr: v4("10.0.0.5"),
      daddr: v4("203.0.113.9"),
    }),
  );
  assert.equal(f(accept, "event.action"), "connection_accepted");
  assert.equal(f(accept, "network.direction"), "ingress");
  assert.equal(f(accept, "source.port"), 22);
  assert.equal(f(accept, "destination.ip"), "203.0.113.9");
  const bind = decodeOne(
    decoder,
    net(T.BIND, { family: 2, sockType: 2, protocol: 17, sport: 5353, saddr: v4("0.0.0.0") }),
  );
  assert.equal(f(bind, "event.action"), "bind");
  assert.equal(f(bind, "source.ip"), "0.0.0.0");
  assert.equal(f(bind, "source.port"), 5353);
  assert.equal(f(bind, "network.transport"), "udp");
  assert.equal(f(bind, "network.direction"), undefined);
  assert.equal(f(bind, "destination.ip"), undefined);
  const listen = decodeOne(
    decoder,
    net(T.LISTEN, { family: 10, sport: 8080, saddr: new Array(16).fill(0) }),
  );
  assert.equal(f(listen, "event.action"), "listen");
  assert.equal(f(listen, "source.ip"), "::");
  assert.equal(f(listen, "network.direction"), "ingress");
});

/** A DNS query message for `labels` of type `qtype`. */
function dnsQuery(id: number, labels: string[], qtype: number): number[] {
  const name = labels.flatMap((l) => [l.length, ...new TextEncoder().encode(l)]);
  return [id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...name, 0, 0, qtype, 0, 1];
}

function dnsRecord(payload: number[]) {
  return new Rec(hdr(T.DNS, 300, 30, { comm: "curl" }), 160).i32(112, payload.length)
    .u32(116, 44).i32(120, 5).u16(124, 2).u16(126, 53).raw(128, v4("8.8.8.8")).u16(144, 40000)
    .u32(148, payload.length).str(152, new Uint8Array(payload)).done();
}

Deno.test("decode: DNS — the question from the payload; malformed payloads give no question", () => {
  const { decoder, f } = setup();
  const ev = decodeOne(decoder, dnsRecord(dnsQuery(0x1234, ["www", "example", "com"], 28)));
  assert.deepEqual(f(ev, "event.category"), ["network"]);
  assert.deepEqual(f(ev, "event.type"), ["protocol"]);
  assert.equal(f(ev, "event.action"), "lookup_requested");
  assert.equal(f(ev, "dns.question.name"), "www.example.com");
  assert.equal(f(ev, "dns.question.type"), "AAAA");
  assert.equal(f(ev, "dns.question.class"), "IN");
  assert.equal(f(ev, "dns.id"), "4660");
  assert.equal(f(ev, "destination.ip"), "8.8.8.8");
  assert.equal(f(ev, "destination.port"), 53);
  assert.equal(f(ev, "source.port"), 40000);
  assert.equal(f(ev, "network.transport"), "udp");
  assert.equal(f(ev, "network.protocol"), "dns");
  assert.equal(f(ev, "event.outcome"), "success");

  // A label running past the payload: the event stays, without a question.
  const cut = dnsQuery(7, ["www", "example", "com"], 1).slice(0, 20);
  const bad = decodeOne(decoder, dnsRecord(cut));
  assert.equal(f(bad, "dns.question.name"), undefined);
  assert.equal(f(bad, "dns.question.type"), undefined);
  assert.equal(f(bad, "destination.ip"), "8.8.8.8");
  assert.equal((bad.toJSON() as { dns?: unknown }).dns, undefined);
  // A compression pointer in the first name can only point at the header or forward: rejected.
  const loop = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x61, 0x62, 0x63, 0xc0, 12, 0, 1, 0, 1];
  const looped = decodeOne(decoder, dnsRecord(loop));
  assert.equal(f(looped, "dns.question.name"), undefined);
});

Deno.test("decode: PAM — success and failure, user, remote host, service", () => {
  const { decoder, f } = setup();
  const pam = (result: number, user: string, rhost: string) =>
    new Rec(hdr(T.PAM, 150, 15, { ppid: 100, parentStartNs: ns(10), comm: "sshd", uid: 0 }), 152)
      .i32(112, result).u32(116, 0).u64(120, 0x5555_0000n).str(128, "sshd").str(132, user)
      .str(136, rhost).str(140, "ssh").done();
  const ok = decodeOne(decoder, pam(0, "alice", "203.0.113.9"));
  assert.deepEqual(f(ok, "event.category"), ["authentication"]);
  assert.deepEqual(f(ok, "event.type"), ["start"]);
  assert.equal(f(ok, "event.action"), "log_on");
  assert.equal(f(ok, "event.outcome"), "success");
  assert.equal(f(ok, "user.name"), "alice");
  assert.equal(f(ok, "user.id"), undefined, "the process's uid is not the user's");
  assert.equal(f(ok, "source.ip"), "203.0.113.9");
  assert.equal(f(ok, "source.domain"), undefined);
  assert.equal(f(ok, "source.user.name"), undefined);
  assert.equal(f(ok, "process.Ext.pam.service"), "sshd");
  assert.equal(f(ok, "process.Ext.pam.tty"), "ssh");
  assert.equal(f(ok, "process.name"), "sshd");
  assert.equal(f(ok, "process.user.id"), "0");
  const fail = decodeOne(decoder, pam(7, "root", "attacker.example"));
  assert.equal(f(fail, "event.outcome"), "failure");
  assert.equal(f(fail, "user.name"), "root");
  assert.equal(f(fail, "source.ip"), undefined);
  assert.equal(f(fail, "source.domain"), "attacker.example");
});

Deno.test("decode: malformed records are counted, never thrown; other types skipped", () => {
  const { decoder } = setup();
  const good = open(T.CREATE, "/tmp/x");
  const rejected: [string, Uint8Array][] = [
    ["shorter than a header", good.slice(0, 100)],
    ["shorter than its fixed part", good.slice(0, 150)],
    ["hdr.size beyond the record", good.slice(0, good.length - 2)],
    [
      "wrong version",
      (() => {
        const b = good.slice();
        b[2] = 2;
        return b;
      })(),
    ],
    [
      "descriptor out of bounds",
      (() => {
        const b = good.slice();
        new DataView(b.buffer).setUint16(154, 500, true); // path len past the end
        return b;
      })(),
    ],
    [
      "hdr.size below the header",
      (() => {
        const b = good.slice();
        new DataView(b.buffer).setUint32(4, 50, true);
        return b;
      })(),
    ],
  ];
  for (const [why, bytes] of rejected) {
    assert.equal(throughRing(decoder, bytes).event, undefined, why);
  }
  assert.equal(decoder.stats.malformed, rejected.length);
  // A view shorter than the claimed record.
  assert.equal(decoder.decode(new DataView(good.buffer), 8, good.length), undefined);
  assert.equal(decoder.stats.malformed, rejected.length + 1);

  // The self-test's type 0 and unknown types: well formed, not events.
  const selftest = new Rec(hdr(0, 300, 30), 112).done();
  const future = new Rec(hdr(77, 300, 30), 112).done();
  assert.equal(throughRing(decoder, selftest).event, undefined);
  assert.equal(throughRing(decoder, future).event, undefined);
  assert.equal(decoder.stats.skipped, 2);
  assert.equal(decoder.stats.decoded, 0);
  assert.ok(throughRing(decoder, good).event);
  assert.deepEqual(decoder.stats.byType, { none: 1, file_create: 1, type_77: 1 });
  assert.equal(decoder.stats.decoded, 1);
});

Deno.test("decode: random and cut records never throw; what decodes serialises", () => {
  const { decoder } = setup();
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const valid = [
    scriptExec(),
    open(T.CREATE, "/tmp/x"),
    dnsRecord(dnsQuery(1, ["a", "b"], 1)),
    net(T.CONNECT, { family: 10, sport: 1, dport: 2, saddr: v6("1:2:3:4:5:6:7:8") }),
  ];
  for (let i = 0; i < 3000; i++) {
    const base = valid[i % valid.length].slice();
    const view = new DataView(base.buffer);
    // Corrupt a few bytes after the type/version, or cut the record short.
    for (let k = 0; k < 4; k++) {
      view.setUint8(4 + Math.floor(rand() * (base.length - 4)), rand() * 256);
    }
    const bytes = rand() < 0.3 ? base.slice(0, Math.floor(rand() * base.length)) : base;
    const ev = decoder.decode(new DataView(bytes.buffer), 0, bytes.length);
    if (ev) JSON.stringify(ev.toJSON());
  }
  for (let i = 0; i < 1000; i++) {
    const bytes = Uint8Array.from({ length: Math.floor(rand() * 400) }, () => rand() * 256);
    if (bytes.length > 2) bytes[2] = 1; // past the version check
    const ev = decoder.decode(new DataView(bytes.buffer), 0, bytes.length);
    if (ev) JSON.stringify(ev.toJSON());
  }
  const s = decoder.stats;
  assert.equal(s.decoded + s.skipped + s.malformed, 4000);
  assert.ok(s.malformed > 0 && s.decoded > 0);
});

Deno.test("decode: retain() survives the ring being overwritten and the table changing", () => {
  const { decoder, f, procs } = setup();
  decodeOne(decoder, fork(300, 30, 200, 20));
  const { event, ring } = throughRing(decoder, open(T.CREATE, "/tmp/payload.tar.gz"));
  const ev = event!;
  const before = ev.toJSON();
  const kept = ev.retain();
  assert.equal(kept.retain(), kept, "retaining a retained event is free");
  // The kernel reuses the ring, and the process later execs something else.
  ring.fill(0xff);
  decodeOne(
    decoder,
    new Rec(hdr(T.EXEC, 200, 20, { ppid: 100, parentStartNs: ns(10) }), 200).str(
      176,
      "/usr/bin/vim",
    )
      .str(180, "/usr/bin/vim").list(192, ["vim", "notes"]).done(),
  );
  assert.deepEqual(procs.byPid(200)?.args, ["vim", "notes"]);
  assert.deepEqual(kept.toJSON(), before);
  assert.equal(f(kept, "file.path"), "/tmp/payload.tar.gz");
  assert.equal(f(kept, "process.name"), "bash");
  assert.deepEqual(f(kept, "process.args"), ["-bash"]);
  assert.equal(kept.timestamp, ev.timestamp);
  assert.equal(kept.seq, ev.seq);
  // The original reads the ring's new bytes: that is why keepers retain.
  assert.notEqual(f(ev, "file.path"), "/tmp/payload.tar.gz");
});

Deno.test("decode: every event's get() agrees with its toJSON(); seq counts events", () => {
  const { decoder, schema } = setup();
  const events = [
    decodeOne(decoder, fork(300, 30, 200, 20)),
    decodeOne(decoder, scriptExec()),
    decodeOne(decoder, open(T.CREATE, "/tmp/a.b")),
    decodeOne(decoder, dnsRecord(dnsQuery(9, ["example", "org"], 1))),
  ];
  assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4]);
  const flatten = (o: Record<string, unknown>, prefix = ""): [string, unknown][] =>
    Object.entries(o).flatMap(([k, v]) =>
      v !== null && typeof v === "object" && !Array.isArray(v)
        ? flatten(v as Record<string, unknown>, `${prefix}${k}.`)
        : [[`${prefix}${k}`, v] as [string, unknown]]
    );
  // Interleaved reads: the shared read cache must not hand one event's value to another.
  for (const ev of [...events, ...events.slice().reverse()]) {
    for (const [name, value] of flatten(ev.toJSON())) {
      assert.deepEqual(ev.get(schema.lookup(name)!.id), value, name);
    }
  }
});

Deno.test("decode: every mapped field is registered and marked as populated by the sensor", () => {
  const schema = Schema.ecs();
  for (const table of EVENT_FIELDS) {
    for (const name of Object.keys(table ?? {})) {
      const info = schema.lookup(name);
      assert.ok(info, `${name} is not in the schema`);
      assert.ok(info.populated, `${name} is not in SENSOR_FIELDS`);
    }
  }
});

Deno.test("bootEpochNs: the wall clock minus the time since boot", async () => {
  const boot = bootEpochNs();
  const uptime = Number((await Deno.readTextFile("/proc/uptime")).split(" ")[0]);
  const expected = Date.now() * 1e6 - uptime * 1e9;
  assert.ok(Math.abs(Number(boot) - expected) < 1e9, `${boot} vs ${expected}`);
  assert.ok(Math.abs(Number(bootEpochNs() - boot)) < 5e6, "stable between calls");
});
