/**
 * Delays of each enforcement path, measured on this machine:
 *
 * - exec blocked (signal path): from the kernel's decision at
 *   `sched_process_exec` (the verdict's boot-clock time) to the exit the
 *   parent sees, and the whole spawn-to-exit time next to an allowed copy
 *   of the same binary;
 * - `ld.so /path/to/binary` blocked at the executable mmap, the same way;
 * - a content-hash rule: the first run of a file is hashed in user space
 *   and killed; spawn → exit;
 * - connect refused (cgroup/connect4): the connect call's own duration,
 *   blocked (EPERM) and allowed, from this process (made unprotected here);
 * - kill on sequence: `kestrel run --mode enforce` (eBPF source) kills a
 *   process that completed a two-step sequence; from the sequence's last
 *   event (the alert's time) to the exit the parent sees;
 * - what enforce mode's shorter ring poll (20 ms, for those kills) costs:
 *   idle CPU of `kestrel run` in detect and in enforce mode over 10 s.
 *
 *     deno run -A bench/enforce_delay.ts [runs, default 50]
 *
 * Needs root. The rules name only this script's files and ports. Prints
 * Markdown tables.
 *
 * @module
 */
import { loadRulesFromSources } from "../rules/loader/mod.ts";
import { Enforcer, type Verdict } from "../sensor/enforcer.ts";
import { CLOCK_REALTIME, clockNs } from "../ffi/libc.ts";
import { DaemonProcess, Workspace } from "../tests/daemon/helpers.ts";

const RUNS = Number(Deno.args[0] ?? 50);
const LDSO = "/lib64/ld-linux-x86-64.so.2";

function rule(id: string, action: string, eql: string) {
  return {
    path: `${id}.yaml`,
    text: `id: ${id}\nname: ${id}\nseverity: high\naction: ${action}\neql: |\n  ${eql}\n`,
  };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function row(name: string, xs: number[], unit = "ms"): string {
  const f = (v: number) => unit === "µs" ? (v * 1000).toFixed(1) : v.toFixed(2);
  return `| ${name} | ${xs.length} | ${f(pct(xs, 50))} ${unit} | ${f(pct(xs, 99))} ${unit} | ${
    f(Math.max(...xs))
  } ${unit} |`;
}

async function kernelPaths(): Promise<string[]> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "kestrel-bench-enforce-" }));
  const blocked = `${dir}/blocked`, allowed = `${dir}/allowed`;
  await Deno.copyFile("/usr/bin/touch", blocked);
  await Deno.copyFile("/usr/bin/touch", allowed);
  const blockedL = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const openL = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const bport = (blockedL.addr as Deno.NetAddr).port, oport = (openL.addr as Deno.NetAddr).port;
  const verdicts: Verdict[] = [];
  // This process is not protected here, so its own connects are decided.
  const e = new Enforcer({
    mode: "enforce",
    rateLimit: 0,
    decisionCacheSize: 16,
    protect: new Set(),
    selfTgid: 0x7fff_ffff,
    onVerdict: (v) => verdicts.push(v),
    log: () => {},
  });
  e.start();
  const out: string[] = [];
  try {
    const r = loadRulesFromSources([
      rule("blk", "block", `process where process.executable == "${blocked}"`),
      rule(
        "net",
        "block",
        `network where destination.ip == "127.0.0.1" and destination.port == ${bport}`,
      ),
    ]);
    e.setRules(r.rules);
    const decisionToExit: number[] = [], spawnBlocked: number[] = [], spawnAllowed: number[] = [];
    const ldsoDecision: number[] = [], ldsoSpawn: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let t0 = performance.now();
      const st = await new Deno.Command(blocked, { args: [`${dir}/m`] }).output();
      const exitNs = clockNs(CLOCK_REALTIME);
      spawnBlocked.push(performance.now() - t0);
      if (st.code !== 137) throw new Error(`blocked exec exited ${st.code}`);
      e.flush();
      decisionToExit.push(Number(exitNs - verdicts.at(-1)!.timeNs) / 1e6);
      t0 = performance.now();
      await new Deno.Command(allowed, { args: [`${dir}/m`] }).output();
      spawnAllowed.push(performance.now() - t0);
      t0 = performance.now();
      const l = await new Deno.Command(LDSO, { args: [blocked, `${dir}/m`] }).output();
      const lExit = clockNs(CLOCK_REALTIME);
      ldsoSpawn.push(performance.now() - t0);
      if (l.code !== 137) throw new Error(`ld.so exec exited ${l.code}`);
      e.flush();
      ldsoDecision.push(Number(lExit - verdicts.at(-1)!.timeNs) / 1e6);
    }
    // Content-hash rule: the first run of a file is found by its hash after it started.
    const hashKill: number[] = [];
    for (let i = 0; i < Math.min(RUNS, 20); i++) {
      const bytes = new Uint8Array([
        ...await Deno.readFile("/bin/sleep"),
        ...new TextEncoder().encode(`\nkestrel-bench-${i}-${crypto.randomUUID()}`),
      ]);
      const path = `${dir}/hashed${i}`;
      await Deno.writeFile(path, bytes, { mode: 0o755 });
      const sha = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)))
        .map((b) => b.toString(16).padStart(2, "0")).join("");
      e.setRules(
        loadRulesFromSources([
          rule("hash", "block", `process where process.hash.sha256 == "${sha}"`),
          rule(
            "net",
            "block",
            `network where destination.ip == "127.0.0.1" and destination.port == ${bport}`,
          ),
        ]).rules,
      );
      const t0 = clockNs(CLOCK_REALTIME);
      const st = await new Deno.Command(path, { args: ["30"] }).spawn().status;
      const exitNs = clockNs(CLOCK_REALTIME);
      if (st.signal !== "SIGKILL") throw new Error("the hashed file was not killed");
      hashKill.push(Number(exitNs - t0) / 1e6);
    }
    const connBlocked: number[] = [], connOpen: number[] = [];
    for (let i = 0; i < RUNS * 4; i++) {
      let t0 = performance.now();
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port: bport })).close();
        throw new Error("the blocked connect succeeded");
      } catch (err) {
        if (!(err instanceof Deno.errors.PermissionDenied)) throw err;
      }
      connBlocked.push(performance.now() - t0);
      t0 = performance.now();
      (await Deno.connect({ hostname: "127.0.0.1", port: oport })).close();
      connOpen.push(performance.now() - t0);
    }
    out.push(
      `exec path: ${e.paths.exec} (${e.paths.lsm.error ?? "LSM loaded"})`,
      "",
      "| path | runs | p50 | p99 | max |",
      "| --- | --- | --- | --- | --- |",
      row("exec blocked: kernel decision → exit seen by the parent", decisionToExit),
      row("exec blocked: spawn → exit 137", spawnBlocked),
      row("exec allowed (same binary, other inode): spawn → exit 0", spawnAllowed),
      row("`ld.so` + blocked binary: mmap decision → exit seen by the parent", ldsoDecision),
      row("`ld.so` + blocked binary: spawn → exit 137", ldsoSpawn),
      row("content-hash rule, first run of the file: spawn → killed", hashKill),
      row("connect to a blocked port: the call (EPERM)", connBlocked, "µs"),
      row("connect to an open port: the call", connOpen, "µs"),
    );
  } finally {
    await e.stop();
    blockedL.close();
    openL.close();
    await Deno.remove(dir, { recursive: true });
  }
  return out;
}

async function killOnSequence(): Promise<string[]> {
  const ws = await Workspace.create("bench-kill");
  const n = Math.min(RUNS, 20);
  await ws.write(
    "rules/killseq.yaml",
    [
      "id: killseq",
      "name: killseq",
      "severity: high",
      "action: kill",
      "eql: |",
      `  sequence by process.entity_id with maxspan=30s [file where file.name == "kestrel-bench-s1"] [file where file.name == "kestrel-bench-s2"]`,
      "",
    ].join("\n"),
  );
  await ws.writeConfig({ ebpf: true, extra: "[security]\nblock_rate_limit = 1000\n" });
  const d = await DaemonProcess.start(["--config", ws.config, "--mode", "enforce"]);
  const delays: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const child = new Deno.Command("bash", {
        args: [
          "-c",
          `: > ${ws.dir}/kestrel-bench-s1; : > ${ws.dir}/kestrel-bench-s2; exec sleep 30`,
        ],
      }).spawn();
      const st = await child.status;
      const exitNs = clockNs(CLOCK_REALTIME);
      if (st.signal !== "SIGKILL") throw new Error(`not killed: ${JSON.stringify(st)}`);
      let alert: Record<string, unknown> | undefined;
      for (let t = 0; t < 200 && alert === undefined; t++) {
        alert = d.alerts().find((a) =>
          (((a.events as Record<string, unknown>[])[1].process as Record<string, unknown>).pid) ===
            child.pid
        );
        if (alert === undefined) await new Promise((r) => setTimeout(r, 10));
      }
      if (!alert) throw new Error("no alert");
      const [whole, frac = ""] = String(alert["@timestamp"]).replace(/Z$/, "").split(".");
      const lastNs = BigInt(Date.parse(`${whole}Z`)) * 1_000_000n + BigInt(frac.padEnd(9, "0"));
      delays.push(Number(exitNs - lastNs) / 1e6);
      await Deno.remove(`${ws.dir}/kestrel-bench-s1`);
      await Deno.remove(`${ws.dir}/kestrel-bench-s2`);
    }
  } finally {
    await d.stop();
    await ws.remove();
  }
  return [
    "| path | runs | p50 | p99 | max |",
    "| --- | --- | --- | --- | --- |",
    row("kill on sequence: last event → exit seen by the parent", delays),
  ];
}

/** CPU seconds (user + system) of `pid` so far. */
function cpuSeconds(pid: number): number {
  const f = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in ticks (fields 14, 15)
}

async function idleCpu(): Promise<string[]> {
  const ws = await Workspace.create("bench-idle");
  await ws.writeConfig({ ebpf: true });
  const rows = ["| `kestrel run`, no rules, idle 10 s | CPU |", "| --- | --- |"];
  try {
    for (const mode of ["detect", "enforce"]) {
      const d = await DaemonProcess.start(["--config", ws.config, "--mode", mode]);
      try {
        await new Promise((r) => setTimeout(r, 2000));
        const c0 = cpuSeconds(d.child.pid), t0 = performance.now();
        await new Promise((r) => setTimeout(r, 10_000));
        const share = (cpuSeconds(d.child.pid) - c0) / ((performance.now() - t0) / 1000);
        rows.push(`| ${mode} mode | ${(share * 100).toFixed(2)}% of a core |`);
      } finally {
        await d.stop();
      }
    }
  } finally {
    await ws.remove();
  }
  return rows;
}

console.log((await kernelPaths()).join("\n"));
console.log("");
console.log((await killOnSequence()).join("\n"));
console.log("");
console.log((await idleCpu()).join("\n"));
