/**
 * Process events from real workloads through the live sensor (real BPF, as
 * root), asserted field by field: exec, fork, exit, setsid, the process
 * tree's entity ids and leaders, environment variables and stdio kinds.
 */
import assert from "node:assert/strict";
import { bpfTest } from "../ffi/require_bpf.ts";
import { field, Live, marker, pick, procEntityId, procStat, run, SENSOR_OBJECTS } from "./live.ts";

const objects = { objects: SENSOR_OBJECTS };

bpfTest(
  "sh -c 'cd /tmp && /bin/echo a b c': exec, fork, exec, exits, parents, leaders",
  async () => {
    const live = await Live.start();
    try {
      const self = await procEntityId(Deno.pid); // the test process existed before the sensor
      const sid = (await procStat(Deno.pid))!.session;
      const sessionLeader = await procEntityId(sid).catch(() => undefined);
      const sh = await run("/bin/sh", ["-c", "cd /tmp && /bin/echo a b c"], { cwd: "/" });
      assert.equal(sh.stdout, "a b c\n");
      const shExec = await live.one("the exec of sh", {
        "process.pid": sh.pid,
        "event.action": "exec",
      });
      assert.deepEqual(
        pick(shExec, [
          "event.category",
          "event.type",
          "process.name",
          "process.executable",
          "process.args",
          "process.args_count",
          "process.command_line",
          "process.working_directory",
          "process.user.id",
          "process.real_user.id",
          "process.group.id",
          "process.parent.pid",
          "process.parent.entity_id",
          "process.session_leader.entity_id",
          "host.os.type",
        ]),
        {
          "event.category": ["process"],
          "event.type": ["start"],
          "process.name": "sh",
          "process.executable": Deno.realPathSync("/bin/sh"),
          "process.args": ["/bin/sh", "-c", "cd /tmp && /bin/echo a b c"],
          "process.args_count": 3,
          "process.command_line": "/bin/sh -c cd /tmp && /bin/echo a b c",
          "process.working_directory": "/",
          "process.user.id": "0",
          "process.real_user.id": "0",
          "process.group.id": "0",
          "process.parent.pid": Deno.pid,
          // A process that ran before the sensor: its id from /proc is the one events carry.
          "process.parent.entity_id": self,
          "process.session_leader.entity_id": sessionLeader,
          "host.os.type": "linux",
        },
      );
      // dash forks (vfork) for /bin/echo, which then execs in the child.
      const fork = await live.one("the fork of sh", {
        "event.action": "fork",
        "process.parent.pid": sh.pid,
      });
      const child = field(fork, "process.pid") as number;
      assert.deepEqual(pick(fork, ["event.type", "process.name", "process.parent.entity_id"]), {
        "event.type": ["start"],
        "process.name": "sh",
        "process.parent.entity_id": field(shExec, "process.entity_id"),
      });
      const echo = await live.one("the exec of echo", {
        "process.pid": child,
        "event.action": "exec",
      });
      assert.deepEqual(
        pick(echo, [
          "process.entity_id",
          "process.name",
          "process.executable",
          "process.args",
          "process.working_directory",
          "process.parent.pid",
          "process.parent.entity_id",
          "process.parent.name",
          "process.parent.args",
          "process.session_leader.entity_id",
          "process.group_leader.entity_id",
          "process.previous.executable",
          "process.user.id",
        ]),
        {
          // The same process instance from fork to exec: one entity id.
          "process.entity_id": field(fork, "process.entity_id"),
          "process.name": "echo",
          "process.executable": Deno.realPathSync("/bin/echo"),
          "process.args": ["/bin/echo", "a", "b", "c"],
          "process.working_directory": "/tmp",
          "process.parent.pid": sh.pid,
          "process.parent.entity_id": field(shExec, "process.entity_id"),
          "process.parent.name": "sh",
          "process.parent.args": ["/bin/sh", "-c", "cd /tmp && /bin/echo a b c"],
          "process.session_leader.entity_id": sessionLeader,
          "process.group_leader.entity_id": field(shExec, "process.group_leader.entity_id"),
          "process.previous.executable": Deno.realPathSync("/bin/sh"),
          "process.user.id": "0",
        },
      );
      const echoEnd = await live.one("echo's exit", {
        "process.pid": child,
        "event.action": "end",
      });
      const shEnd = await live.one("sh's exit", { "process.pid": sh.pid, "event.action": "end" });
      assert.deepEqual(pick(echoEnd, ["event.type", "process.exit_code", "process.entity_id"]), {
        "event.type": ["end"],
        "process.exit_code": 0,
        "process.entity_id": field(echo, "process.entity_id"),
      });
      assert.deepEqual(pick(shEnd, ["process.exit_code", "process.entity_id"]), {
        "process.exit_code": 0,
        "process.entity_id": field(shExec, "process.entity_id"),
      });
    } finally {
      await live.stop();
    }
  },
  objects,
);

bpfTest("a double-forked daemon that called setsid leads its own session", async () => {
  const live = await Live.start();
  try {
    const name = marker("daemon");
    // The subshell forks the daemon and exits at once; the daemon (not a
    // group leader) calls setsid(2), then runs sh, which execs sleep.
    const script = `( /usr/bin/setsid /bin/sh -c 'exec /bin/sleep 0.2' ${name} & ); exit 0`;
    const outer = await run("/bin/sh", ["-c", script]);
    assert.equal(outer.code, 0);
    const sh = await live.one("the daemon's sh", {
      "event.action": "exec",
      "process.args": ["/bin/sh", "-c", "exec /bin/sleep 0.2", name],
    });
    const pid = field(sh, "process.pid") as number;
    const setsid = await live.one("the setsid call", {
      "process.pid": pid,
      "event.action": "session_id_change",
    });
    assert.deepEqual(
      pick(setsid, ["event.category", "event.type", "event.outcome", "process.name"]),
      {
        "event.category": ["process"],
        "event.type": ["change"],
        "event.outcome": "success",
        "process.name": "setsid",
      },
    );
    const sleep = await live.one("the daemon's sleep", {
      "process.pid": pid,
      "event.action": "exec",
      "process.name": "sleep",
    });
    const id = field(sleep, "process.entity_id");
    assert.deepEqual(
      pick(sleep, [
        "process.args",
        "process.session_leader.pid",
        "process.session_leader.entity_id",
        "process.group_leader.pid",
        "process.group_leader.entity_id",
        "process.previous.executable",
      ]),
      {
        "process.args": ["/bin/sleep", "0.2"],
        "process.session_leader.pid": pid,
        "process.session_leader.entity_id": id,
        "process.group_leader.pid": pid,
        "process.group_leader.entity_id": id,
        "process.previous.executable": Deno.realPathSync("/bin/sh"),
      },
    );
    // The daemon was forked by the short-lived subshell, itself a child of the outer sh.
    const subshell = field(
      await live.one("the daemon's fork", { "event.action": "fork", "process.pid": pid }),
      "process.parent.pid",
    );
    const forked = await live.one("the subshell's fork", {
      "event.action": "fork",
      "process.pid": subshell,
    });
    assert.equal(field(forked, "process.parent.pid"), outer.pid);
    const end = await live.one("the daemon's exit", { "process.pid": pid, "event.action": "end" });
    assert.equal(field(end, "process.exit_code"), 0);
    assert.equal(field(end, "process.session_leader.entity_id"), id);
  } finally {
    await live.stop();
  }
}, objects);

bpfTest("LD_PRELOAD and the other watched environment variables are reported", async () => {
  const live = await Live.start();
  try {
    const r = await run("/bin/true", [], {
      clearEnv: true,
      env: { LD_PRELOAD: "x", HISTFILE: "/dev/null", PATH: "/usr/bin", UNWATCHED: "1" },
    });
    assert.equal(r.code, 0);
    const exec = await live.one("the exec of true", {
      "process.pid": r.pid,
      "event.action": "exec",
    });
    assert.deepEqual((field(exec, "process.env_vars") as string[]).toSorted(), [
      "HISTFILE=/dev/null",
      "LD_PRELOAD=x",
    ]);
    assert.deepEqual(pick(exec, ["process.name", "process.args"]), {
      "process.name": "true",
      "process.args": ["/bin/true"],
    });
    const plain = await run("/bin/true", [], { clearEnv: true, env: { PATH: "/usr/bin" } });
    const plainExec = await live.one("a plain exec", {
      "process.pid": plain.pid,
      "event.action": "exec",
    });
    assert.equal(field(plainExec, "process.env_vars"), undefined);
  } finally {
    await live.stop();
  }
}, objects);

bpfTest("a shell whose stdin is a socket: stdin kind socket, stdout a pipe", async () => {
  const live = await Live.start();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const accepted = listener.accept();
    const name = marker("stdin");
    const { port } = listener.addr;
    // bash connects its stdin to the listener, then becomes sh.
    const r = await run("/bin/bash", [
      "-c",
      `exec </dev/tcp/127.0.0.1/${port}; exec /bin/sh -c ':' ${name}`,
    ]);
    assert.equal(r.code, 0);
    (await accepted).close();
    const sh = await live.one("the exec of sh", {
      "process.pid": r.pid,
      "event.action": "exec",
      "process.args": ["/bin/sh", "-c", ":", name],
    });
    assert.deepEqual(
      pick(sh, ["process.Ext.stdin", "process.Ext.stdout", "process.previous.executable"]),
      {
        "process.Ext.stdin": "socket",
        "process.Ext.stdout": "pipe",
        "process.previous.executable": Deno.realPathSync("/bin/bash"),
      },
    );
    // The bash exec before it had /dev/null as stdin (a character device).
    const bash = await live.one("the exec of bash", {
      "process.pid": r.pid,
      "event.action": "exec",
      "process.name": "bash",
    });
    assert.deepEqual(pick(bash, ["process.Ext.stdin", "process.Ext.stdout"]), {
      "process.Ext.stdin": "other",
      "process.Ext.stdout": "pipe",
    });
  } finally {
    listener.close();
    await live.stop();
  }
}, objects);

bpfTest("exit codes: a status, and 128 + the signal for a killed process", async () => {
  const live = await Live.start();
  try {
    const three = await run("/bin/sh", ["-c", "exit 3"]);
    const killed = await run("/bin/sh", ["-c", "kill -9 $$"]);
    assert.equal(three.code, 3);
    const a = await live.one("exit 3", { "process.pid": three.pid, "event.action": "end" });
    const b = await live.one("the kill", { "process.pid": killed.pid, "event.action": "end" });
    assert.equal(field(a, "process.exit_code"), 3);
    assert.equal(field(b, "process.exit_code"), 137);
  } finally {
    await live.stop();
  }
}, objects);
