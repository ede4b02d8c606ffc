/**
 * Kernel enforcement (sensor/enforcer.ts) with real BPF: block rules on the
 * test's own binaries and loopback ports only — the programs see the whole
 * machine while attached, and are detached at the end of every test.
 *
 * The blocked binary is a copy of `touch`: run, it would create the marker
 * file named by its argument, so "the marker does not exist" proves that
 * none of its instructions ran.
 */
import assert from "node:assert/strict";
import { protectedPids } from "../../engine/actions.ts";
import { loadRulesFromSources } from "../../rules/loader/mod.ts";
import type { LoadedRule } from "../../rules/loader/mod.ts";
import { Enforcer, type EnforcerOptions, type Verdict } from "../../sensor/enforcer.ts";
import { bpfTest } from "../ffi/require_bpf.ts";
import { pathExists } from "../../ffi/kernel_env.ts";

const LDSO = ["/lib64/ld-linux-x86-64.so.2", "/usr/lib64/ld-linux-x86-64.so.2"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

interface Fixture {
  dir: string;
  blocked: string;
  similar: string;
  symlink: string;
  hardlink: string;
}

async function fixture(): Promise<Fixture> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "kestrel-enforce-" }));
  const blocked = `${dir}/kestrel-blocked`;
  const similar = `${dir}/kestrel-blocked2`;
  await Deno.copyFile("/usr/bin/touch", blocked);
  await Deno.copyFile("/usr/bin/touch", similar);
  await Deno.symlink(blocked, `${dir}/via-symlink`);
  await Deno.link(blocked, `${dir}/via-hardlink`);
  return { dir, blocked, similar, symlink: `${dir}/via-symlink`, hardlink: `${dir}/via-hardlink` };
}

function rules(texts: Record<string, string>): LoadedRule[] {
  const r = loadRulesFromSources(
    Object.entries(texts).map(([id, eql]) => ({
      path: `${id}.yaml`,
      text: `id: ${id}\nname: ${id}\nseverity: high\naction: block\neql: |\n  ${eql}\n`,
    })),
  );
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), []);
  return r.rules;
}

function start(opts: Partial<EnforcerOptions> = {}) {
  const verdicts: Verdict[] = [];
  const e = new Enforcer({
    mode: "enforce",
    rateLimit: 1000,
    decisionCacheSize: 64,
    protect: protectedPids(),
    onVerdict: (v) => verdicts.push(v),
    log: () => {},
    ...opts,
  });
  e.start();
  return { e, verdicts };
}

async function run(cmd: string, args: string[]): Promise<Deno.CommandOutput> {
  return await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
}

/** What the path that ran makes of a blocked exec: LSM refuses it, the signal path kills it. */
async function assertBlocked(e: Enforcer, cmd: string, args: string[], marker: string) {
  if (e.paths.exec === "lsm") {
    await assert.rejects(run(cmd, args), Deno.errors.PermissionDenied);
  } else {
    const out = await run(cmd, args);
    assert.equal(out.signal, "SIGKILL", `${cmd} ${args.join(" ")}`);
    assert.equal(out.code, 137);
  }
  assert.ok(!pathExists(marker), `${marker} was created: the blocked binary ran`);
}

bpfTest(
  "exec blocking: the binary, a symlink, a hard link and ld.so are stopped; a similar name runs",
  async () => {
    const f = await fixture();
    const { e, verdicts } = start();
    try {
      // Recorded: which exec path this kernel gave us.
      console.log(
        `exec path: ${e.paths.exec}; LSM: ${e.paths.lsm.ok ? "loaded" : e.paths.lsm.error}`,
      );
      const plan = e.setRules(rules({ blk: `process where process.executable == "${f.blocked}"` }));
      assert.deepEqual([...plan.kernelRules], ["blk"]);
      assert.equal(plan.execEntries, 1);

      await assertBlocked(e, f.blocked, [`${f.dir}/m-direct`], `${f.dir}/m-direct`);
      await assertBlocked(e, f.symlink, [`${f.dir}/m-symlink`], `${f.dir}/m-symlink`);
      await assertBlocked(e, f.hardlink, [`${f.dir}/m-hardlink`], `${f.dir}/m-hardlink`);
      assert.ok(LDSO, "the dynamic loader is present");
      await assertBlocked(e, LDSO, [f.blocked, `${f.dir}/m-ldso`], `${f.dir}/m-ldso`);

      const ok = await run(f.similar, [`${f.dir}/m-similar`]);
      assert.equal(ok.code, 0);
      assert.ok(pathExists(`${f.dir}/m-similar`), "the allowed binary ran");

      e.flush();
      const kinds = verdicts.map((v) => `${v.kind}:${v.action}`);
      const exec = e.paths.exec === "lsm" ? "exec_lsm" : "exec";
      const mmap = e.paths.exec === "lsm" ? "mmap_lsm" : "mmap";
      assert.deepEqual(kinds, [
        `${exec}:blocked`,
        `${exec}:blocked`,
        `${exec}:blocked`,
        `${mmap}:blocked`,
      ]);
      // Every verdict names the file by the rule's path, whatever name was used.
      assert.ok(verdicts.every((v) => v.path === f.blocked && v.rule === 0));
      assert.deepEqual(verdicts.slice(0, 3).map((v) => v.filename), [
        f.blocked,
        f.symlink,
        f.hardlink,
      ]);
    } finally {
      await e.stop();
      await Deno.remove(f.dir, { recursive: true });
    }
    assert.equal(e.programsAttached, 0);
  },
);

bpfTest(
  "exec blocking: a parent constraint, and paths re-resolved when the rules are set again",
  async () => {
    const f = await fixture();
    const { e } = start();
    try {
      // Only when started by bash: run by env (our child), the binary runs.
      e.setRules(rules({
        blk:
          `process where process.executable == "${f.blocked}" and process.parent.executable == "${
            Deno.realPathSync("/bin/bash")
          }"`,
      }));
      assert.equal((await run("env", [f.blocked, `${f.dir}/m-env`])).code, 0);
      assert.ok(pathExists(`${f.dir}/m-env`));
      const out = await run("bash", ["-c", `"${f.blocked}" "${f.dir}/m-bash"; echo $?`]);
      if (e.paths.exec === "signal") {
        assert.equal(
          new TextDecoder().decode(out.stdout).trim(),
          "137",
        );
      }
      assert.ok(!pathExists(`${f.dir}/m-bash`));

      // The file is replaced (a new inode): the next setRules blocks the new one.
      e.setRules(rules({ blk: `process where process.executable == "${f.blocked}"` }));
      await Deno.remove(f.blocked);
      await Deno.copyFile("/usr/bin/touch", f.blocked);
      e.setRules(rules({ blk: `process where process.executable == "${f.blocked}"` }));
      await assertBlocked(e, f.blocked, [`${f.dir}/m-new`], `${f.dir}/m-new`);
      // The removed rule's entries are gone.
      e.setRules([]);
      assert.equal(e.programsAttached, e.paths.exec === "lsm" ? 2 : 0);
      assert.equal((await run(f.blocked, [`${f.dir}/m-free`])).code, 0);
    } finally {
      await e.stop();
      await Deno.remove(f.dir, { recursive: true });
    }
  },
);

bpfTest(
  "exec blocking: a removed blocked file's inode number is not reused; its replacement is blocked",
  async () => {
    // No hard link here: only the enforcer keeps the removed file's inode alive.
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "kestrel-enforce-" }));
    const blocked = `${dir}/blocked`;
    await Deno.copyFile("/usr/bin/touch", blocked);
    const { e, verdicts } = start({ recheckMs: 0 });
    try {
      e.setRules(rules({ blk: `process where process.executable == "${blocked}"` }));
      const old = Deno.statSync(blocked).ino;
      await Deno.remove(blocked);
      // ext4 hands a freed inode number to the next file at once: new files must run.
      for (let i = 0; i < 4; i++) {
        const other = `${dir}/other${i}`;
        await Deno.copyFile("/usr/bin/touch", other);
        assert.notEqual(Deno.statSync(other).ino, old, "the blocked file's inode was reused");
        const out = await run(other, [`${dir}/m-other${i}`]);
        assert.equal(out.code, 0, `${other} was stopped`);
        assert.ok(pathExists(`${dir}/m-other${i}`));
      }
      assert.equal(e.recheck(), true, "the removal is noticed");
      assert.equal(e.plan?.execEntries, 0);
      assert.equal(e.recheck(), false, "nothing changed since");
      // A new binary at the blocked path is blocked once the paths are checked again.
      await Deno.copyFile("/usr/bin/touch", blocked);
      assert.equal(e.recheck(), true);
      assert.deepEqual([...(e.plan?.execPaths.get("blk") ?? [])], [blocked]);
      await assertBlocked(e, blocked, [`${dir}/m-new`], `${dir}/m-new`);
      e.flush();
      assert.equal(verdicts.length, 1);
      assert.equal(verdicts[0].path, blocked);
      assert.equal(verdicts[0].ino, BigInt(Deno.statSync(blocked).ino!));
    } finally {
      await e.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

bpfTest("exec blocking: the periodic check re-resolves a replaced blocked file", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "kestrel-enforce-" }));
  const blocked = `${dir}/blocked`;
  await Deno.copyFile("/usr/bin/touch", blocked);
  const { e } = start({ recheckMs: 50 });
  try {
    e.setRules(rules({ blk: `process where process.executable == "${blocked}"` }));
    const before = e.plan;
    await Deno.remove(blocked);
    await Deno.copyFile("/usr/bin/touch", blocked);
    for (let i = 0; i < 100 && e.plan === before; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.notEqual(e.plan, before, "the rules were resolved again");
    await assertBlocked(e, blocked, [`${dir}/m-new`], `${dir}/m-new`);
  } finally {
    await e.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

bpfTest(
  "exec blocking: a ruleset that fits the map replaces another that fits, though both would not",
  async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "kestrel-enforce-" }));
    const files = ["a1", "a2", "b1", "b2"].map((n) => `${dir}/${n}`);
    for (const f of files) await Deno.copyFile("/usr/bin/touch", f);
    const { e } = start({ decisionCacheSize: 2, recheckMs: 0 });
    const two = (x: string, y: string) =>
      rules({
        r1: `process where process.executable == "${x}"`,
        r2: `process where process.executable == "${y}"`,
      });
    try {
      assert.equal(e.setRules(two(files[0], files[1])).execEntries, 2);
      assert.equal(e.setRules(two(files[2], files[3])).execEntries, 2);
      await assertBlocked(e, files[2], [`${dir}/m-b1`], `${dir}/m-b1`);
      await assertBlocked(e, files[3], [`${dir}/m-b2`], `${dir}/m-b2`);
      assert.equal((await run(files[0], [`${dir}/m-a1`])).code, 0, "a1 is no longer blocked");
      // Over the map: refused, and the entries in force stay as they were.
      await Deno.copyFile("/usr/bin/touch", `${dir}/c`);
      assert.throws(
        () =>
          e.setRules(rules({
            r1: `process where process.executable == "${files[0]}"`,
            r2: `process where process.executable == "${files[1]}"`,
            r3: `process where process.executable == "${dir}/c"`,
          })),
        /block_decision_cache_size/,
      );
      await assertBlocked(e, files[2], [`${dir}/m-b1-again`], `${dir}/m-b1-again`);
      assert.equal((await run(files[1], [`${dir}/m-a2`])).code, 0);
    } finally {
      await e.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

bpfTest(
  "exec blocking: a block on a copy of libc does not kill a program loading it",
  async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "kestrel-enforce-" }));
    const libc = `${dir}/libc.so.6`;
    await Deno.copyFile(Deno.realPathSync("/lib/x86_64-linux-gnu/libc.so.6"), libc);
    const { e, verdicts } = start({ recheckMs: 0 });
    try {
      const plan = e.setRules(rules({ lib: `process where process.executable == "${libc}"` }));
      assert.equal(plan.execEntries, 1, "glibc's libc.so.6 is runnable: the rule is kept");
      // cat maps the copy executable (its maps show it) and survives.
      const out = await new Deno.Command("cat", {
        args: ["/proc/self/maps"],
        env: { LD_LIBRARY_PATH: dir },
        stdout: "piped",
      }).output();
      assert.equal(out.code, 0);
      assert.match(new TextDecoder().decode(out.stdout), new RegExp(`r-xp .*${libc}`));
      e.flush();
      assert.deepEqual(verdicts, []);
    } finally {
      await e.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

bpfTest("exec blocking: a shared library or the dynamic loader as target is refused", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "kestrel-enforce-" }));
  const libm = `${dir}/libm.so.6`;
  await Deno.copyFile(Deno.realPathSync("/lib/x86_64-linux-gnu/libm.so.6"), libm);
  const { e } = start({ recheckMs: 0 });
  try {
    assert.ok(LDSO);
    const plan = e.setRules(rules({
      lib: `process where process.executable == "${libm}"`,
      ld: `process where process.executable == "${LDSO}"`,
    }));
    assert.equal(plan.execEntries, 0);
    assert.deepEqual([...plan.kernelRules], []);
    assert.match(plan.unenforceable.get("lib") ?? "", new RegExp(`${libm} is a shared library`));
    assert.match(plan.unenforceable.get("ld") ?? "", /is the dynamic loader/);
    assert.equal((await run("true", [])).code, 0);
  } finally {
    await e.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

/** A Deno child that maps `file` read-only, then makes the mapping executable with mprotect. */
const MPROTECT_PROBE = `
const c = Deno.dlopen("libc.so.6", {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
  mprotect: { parameters: ["pointer", "usize", "i32"], result: "i32" },
}).symbols;
const fd = c.open(new TextEncoder().encode(Deno.args[0] + "\\0"), 0);
const p = c.mmap(null, 4096n, 1, 2, fd, 0n);
console.log("mapped");
c.mprotect(p, 4096n, 5);
console.log("survived");
`;

bpfTest(
  "exec blocking: a mapping of the blocked file made executable with mprotect is stopped",
  async () => {
    const f = await fixture();
    const { e, verdicts } = start();
    try {
      e.setRules(rules({ blk: `process where process.executable == "${f.blocked}"` }));
      // Run under the dynamic loader: only there is an executable mapping the program run.
      assert.ok(LDSO, "the dynamic loader is present");
      const out = await run(LDSO, [Deno.execPath(), "eval", MPROTECT_PROBE, f.blocked]);
      const stdout = new TextDecoder().decode(out.stdout);
      assert.match(stdout, /^mapped$/m, new TextDecoder().decode(out.stderr));
      assert.doesNotMatch(stdout, /survived/);
      if (e.paths.exec === "signal") assert.equal(out.signal, "SIGKILL");
      e.flush();
      assert.deepEqual(verdicts.map((v) => `${v.kind}:${v.action}`), [
        `${e.paths.exec === "lsm" ? "mmap_lsm" : "mmap"}:blocked`,
      ]);
      // Another file made executable is left alone.
      const ok = await run(LDSO, [Deno.execPath(), "eval", MPROTECT_PROBE, f.similar]);
      assert.match(new TextDecoder().decode(ok.stdout), /survived/);
      // Outside a loader, a mapping is a library being loaded: not acted on.
      const lib = await run(Deno.execPath(), ["eval", MPROTECT_PROBE, f.blocked]);
      assert.match(new TextDecoder().decode(lib.stdout), /survived/);
    } finally {
      await e.stop();
      await Deno.remove(f.dir, { recursive: true });
    }
  },
);

bpfTest("the LSM program compiles; its load is attempted and the outcome reported", async () => {
  const { e } = start();
  try {
    const lsm = e.paths.lsm;
    assert.equal(lsm.attempted, true);
    if (lsm.ok) assert.equal(e.paths.exec, "lsm");
    else {
      assert.equal(e.paths.exec, "signal");
      assert.match(lsm.error ?? "", /^(load|attach) failed: /);
    }
    console.log(`BPF LSM: ${lsm.ok ? "loaded and attached" : lsm.error}`);
    assert.match(e.describe(), new RegExp(`exec: ${e.paths.exec}`));
    // Without it, the signal path was chosen: the test above recorded which ran.
    const noLsm = new Enforcer({
      mode: "enforce",
      rateLimit: 1,
      decisionCacheSize: 1,
      protect: new Set(),
      onVerdict: () => {},
      preferLsm: false,
    });
    noLsm.start();
    try {
      assert.deepEqual(noLsm.paths.lsm, { attempted: false, ok: false });
      assert.equal(noLsm.paths.exec, "signal");
    } finally {
      await noLsm.stop();
    }
  } finally {
    await e.stop();
  }
});

/** Connects from a child process (the test process is the sensor here: protected). */
async function connect(port: number, host = "127.0.0.1"): Promise<{ ok: boolean; stderr: string }> {
  const out = await run("bash", ["-c", `exec 3<>/dev/tcp/${host}/${port} && echo connected`]);
  return {
    ok: new TextDecoder().decode(out.stdout).trim() === "connected",
    stderr: new TextDecoder().decode(out.stderr),
  };
}

bpfTest("connect blocking: EPERM to the blocked loopback port, another port connects", async () => {
  const blocked = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { e, verdicts } = start();
  try {
    assert.equal(e.paths.connect, "cgroup");
    const root = e.paths.cgroup!;
    assert.ok(Deno.readTextFileSync("/proc/mounts").includes(` ${root} cgroup2 `));
    const port = (blocked.addr as Deno.NetAddr).port;
    e.setRules(rules({
      net: `network where destination.ip == "127.0.0.1" and destination.port == ${port}`,
    }));
    const refused = await connect(port);
    assert.equal(refused.ok, false);
    assert.match(refused.stderr, /Operation not permitted/);
    const other = await connect((open.addr as Deno.NetAddr).port);
    assert.deepEqual(other, { ok: true, stderr: "" });
    e.flush();
    assert.equal(verdicts.length, 1);
    assert.deepEqual(
      [verdicts[0].kind, verdicts[0].action, verdicts[0].address, verdicts[0].port],
      ["connect4", "blocked", "127.0.0.1", port],
    );
    // The sensor itself is never blocked.
    const self = await Deno.connect({ hostname: "127.0.0.1", port });
    self.close();
    e.flush();
    assert.equal(verdicts.at(-1)!.action, "failed");
    assert.match(verdicts.at(-1)!.error ?? "", /protected/);
  } finally {
    await e.stop();
    blocked.close();
    open.close();
  }
  assert.equal(e.programsAttached, 0);
});

bpfTest("connect blocking over IPv6, and an IPv4 rule holds for ::ffff:127.0.0.1", async () => {
  const v6 = Deno.listen({ hostname: "::1", port: 0 });
  const v6open = Deno.listen({ hostname: "::1", port: 0 });
  const v4 = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const p6 = (v6.addr as Deno.NetAddr).port, p4 = (v4.addr as Deno.NetAddr).port;
  const { e, verdicts } = start();
  try {
    e.setRules(rules({
      six: `network where destination.ip == "::1" and destination.port == ${p6}`,
      four: `network where destination.ip == "127.0.0.1" and destination.port == ${p4}`,
    }));
    const refused = await connect(p6, "::1");
    assert.equal(refused.ok, false);
    assert.match(refused.stderr, /Operation not permitted/);
    assert.equal((await connect((v6open.addr as Deno.NetAddr).port, "::1")).ok, true);
    const mapped = await connect(p4, "::ffff:127.0.0.1");
    assert.equal(mapped.ok, false);
    assert.match(mapped.stderr, /Operation not permitted/);
    e.flush();
    assert.deepEqual(verdicts.map((v) => [v.kind, v.action, v.address, v.port]), [
      ["connect6", "blocked", "::1", p6],
      ["connect6", "blocked", "127.0.0.1", p4],
    ]);
  } finally {
    await e.stop();
    v6.close();
    v6open.close();
    v4.close();
  }
});

bpfTest("detect mode: nothing is blocked, would_block is recorded", async () => {
  const f = await fixture();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const { e, verdicts } = start({ mode: "detect" });
  try {
    e.setRules(rules({
      blk: `process where process.executable == "${f.blocked}"`,
      net: `network where destination.port == ${port}`,
    }));
    assert.equal((await run(f.blocked, [`${f.dir}/m1`])).code, 0);
    assert.equal((await run(f.hardlink, [`${f.dir}/m2`])).code, 0);
    assert.ok(pathExists(`${f.dir}/m1`) && pathExists(`${f.dir}/m2`));
    assert.equal((await connect(port)).ok, true);
    e.flush();
    assert.deepEqual(verdicts.map((v) => `${v.kind}:${v.action}`), [
      "exec:would_block",
      "exec:would_block",
      "connect4:would_block",
    ]);
  } finally {
    await e.stop();
    listener.close();
    await Deno.remove(f.dir, { recursive: true });
  }
});

bpfTest(
  "rate limit: at most block_rate_limit blocks per second, the rest run and are reported",
  async () => {
    const f = await fixture();
    const { e, verdicts } = start({ rateLimit: 3 });
    try {
      e.setRules(rules({ blk: `process where process.executable == "${f.blocked}"` }));
      const codes: (number | string)[] = [];
      // Run until the limit has let some through (six runs, more if a window ended meanwhile).
      for (let i = 0; i < 30 && (i < 6 || e.counts.failed === 0); i++) {
        try {
          const out = await run(f.blocked, [`${f.dir}/m${i}`]);
          codes.push(out.code);
        } catch (err) {
          codes.push((err as Error).name); // the LSM path refuses the exec itself
        }
        e.flush();
      }
      const blockedCode = e.paths.exec === "lsm" ? "PermissionDenied" : 137;
      assert.equal(verdicts.length, codes.length);
      // The kernel's fixed one-second windows, replayed from the verdicts' times.
      const expected: string[] = [];
      let windowStart = -1n, count = 0;
      for (const v of verdicts) {
        if (windowStart < 0n || v.timeNs - windowStart >= 1_000_000_000n) {
          windowStart = v.timeNs;
          count = 0;
        }
        expected.push(count++ < 3 ? "blocked" : "failed");
      }
      assert.deepEqual(verdicts.map((v) => v.action), expected);
      assert.ok(expected.includes("failed"), "the limit was reached");
      // Each run's fate agrees with its verdict: blocked ones never ran, the others did.
      codes.forEach((code, i) => {
        const blocked = expected[i] === "blocked";
        assert.equal(code, blocked ? blockedCode : 0, `run ${i}`);
        assert.equal(pathExists(`${f.dir}/m${i}`), !blocked, `marker ${i}`);
      });
      const firstFailed = expected.indexOf("failed");
      assert.match(verdicts[firstFailed].error ?? "", /block_rate_limit/);
    } finally {
      await e.stop();
      await Deno.remove(f.dir, { recursive: true });
    }
  },
);

/** A copy of `sleep` with `tag` (and `pad` zeros) appended (ELF ignores trailing bytes): unique content. */
async function taggedSleep(
  dir: string,
  name: string,
  tag: string,
  pad = 0,
): Promise<{ path: string; sha: string }> {
  const elf = await Deno.readFile("/bin/sleep");
  const tail = new TextEncoder().encode(`\nkestrel-test-${tag}`);
  // `pad` zero bytes after the tag make a large file.
  const bytes = new Uint8Array(elf.length + tail.length + pad);
  bytes.set(elf);
  bytes.set(tail, elf.length);
  const path = `${dir}/${name}`;
  await Deno.writeFile(path, bytes, { mode: 0o755 });
  const sha = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  return { path, sha };
}

async function exitWithin(child: Deno.ChildProcess, ms: number): Promise<Deno.CommandStatus> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const status = await Promise.race([
    child.status,
    new Promise<undefined>((r) => timer = setTimeout(() => r(undefined), ms)),
  ]);
  clearTimeout(timer);
  if (status === undefined) {
    child.kill("SIGKILL");
    await child.status;
    throw new Error(`still running after ${ms} ms`);
  }
  return status;
}

bpfTest(
  "content hash: the first run is killed, later runs are refused in the kernel; other content runs",
  async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "kestrel-enforce-hash-" }));
    const tag = crypto.randomUUID();
    const bad = await taggedSleep(dir, "hashed", tag);
    const good = await taggedSleep(dir, "other", `${tag}-other`);
    const { e, verdicts } = start();
    try {
      const r = rules({ hash: `process where process.hash.sha256 == "${bad.sha}"` });
      const plan = e.setRules(r);
      assert.deepEqual([...plan.kernelRules], ["hash"]);
      assert.equal(plan.execEntries, 0);
      // First run: found by its hash once it has started, then killed.
      const first = await exitWithin(new Deno.Command(bad.path, { args: ["30"] }).spawn(), 10_000);
      assert.equal(first.signal, "SIGKILL");
      // Now the kernel knows the file: refused at exec.
      const second = await run(bad.path, ["30"]);
      if (e.paths.exec === "signal") assert.equal(second.code, 137);
      // A reload drops the learned kernel entry: the next run is decided from the decision
      // cache (no second hashing of the file) and killed again.
      e.setRules(r);
      const hits = e.hashing.cacheHits;
      const third = await exitWithin(new Deno.Command(bad.path, { args: ["30"] }).spawn(), 10_000);
      assert.equal(third.signal, "SIGKILL");
      assert.ok(e.hashing.cacheHits > hits, "decided from the decision cache");
      assert.equal((await run(good.path, ["0"])).code, 0);
      e.flush();
      // Only the hashed file has a rule: every verdict is about it.
      const ours = verdicts;
      assert.deepEqual(ours.map((v) => `${v.kind}:${v.action}`), [
        "exec:killed",
        `${e.paths.exec === "lsm" ? "exec_lsm" : "exec"}:blocked`,
        "exec:killed",
      ]);
      assert.equal(ours[0].path, bad.path);
    } finally {
      await e.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

bpfTest(
  "content hash: a large file is hashed while the event loop goes on, and its run is killed",
  async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "kestrel-enforce-hash-" }));
    const big = await taggedSleep(dir, "big", crypto.randomUUID(), 96 << 20);
    const { e, verdicts } = start({ recheckMs: 0 });
    try {
      e.setRules(rules({ hash: `process where process.hash.sha256 == "${big.sha}"` }));
      // A timer that sees a hash under way proves the loop was not held by it.
      let sawPending = false;
      const ticker = setInterval(() => sawPending ||= e.hashing.pending > 0, 1);
      const status = await exitWithin(
        new Deno.Command(big.path, { args: ["30"] }).spawn(),
        20_000,
      ).finally(() => clearInterval(ticker));
      assert.equal(status.signal, "SIGKILL");
      assert.ok(sawPending, "the event loop ran while the file was hashed");
      await e.settled();
      assert.ok(e.hashing.hashed >= 1, "hashed (other programs run on the machine meanwhile too)");
      assert.equal(e.hashing.pending, 0);
      e.flush();
      assert.deepEqual(verdicts.map((v) => `${v.kind}:${v.action}:${v.path}`), [
        `exec:killed:${big.path}`,
      ]);
    } finally {
      await e.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

bpfTest(
  "exec blocking: a path with a hash is blocked only when the file has that hash",
  async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "kestrel-enforce-hash-" }));
    const f = await taggedSleep(dir, "tagged", crypto.randomUUID());
    const { e } = start({ recheckMs: 0 });
    const rule = (sha: string) =>
      rules({
        blk: `process where process.executable == "${f.path}" and process.hash.sha256 == "${sha}"`,
      });
    try {
      assert.equal(e.setRules(rule(f.sha)).execEntries, 1);
      const out = await run(f.path, ["0"]).catch((err) => err as Error);
      if (out instanceof Error) assert.ok(out instanceof Deno.errors.PermissionDenied);
      else assert.equal(out.code, 137);
      const other = "0".repeat(64);
      const plan = e.setRules(rule(other));
      assert.equal(plan.execEntries, 0);
      assert.deepEqual(plan.notes, [`rule blk: ${f.path} does not have SHA-256 ${other}`]);
      assert.equal((await run(f.path, ["0"])).code, 0);
    } finally {
      await e.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
