/**
 * The daemon under exactly the capability set of `deploy/kestrel.service`
 * (CapabilityBoundingSet, read from the unit), applied with capsh: it
 * attaches, detects and exits 0; without the BPF capabilities it exits 2
 * with one clear line.
 */
import assert from "node:assert/strict";
import { bpfTest } from "../ffi/require_bpf.ts";
import { marker, SENSOR_OBJECTS } from "../sensor/live.ts";
import { DaemonProcess, rule, Workspace } from "./helpers.ts";

const UNIT = new URL("../../deploy/kestrel.service", import.meta.url);

/** The unit's CapabilityBoundingSet, lower-cased (`cap_bpf`, …). */
async function unitCapabilities(): Promise<string[]> {
  const m = /^CapabilityBoundingSet=(.+)$/m.exec(await Deno.readTextFile(UNIT));
  assert.ok(m, "the unit has no CapabilityBoundingSet");
  return m[1].trim().split(/\s+/).map((c) => c.toLowerCase());
}

/** Every capability in this process's bounding set, as capsh names them. */
async function boundingSet(): Promise<string[]> {
  const out = await new Deno.Command("capsh", { args: ["--print"], stdout: "piped" }).output();
  const m = /^Bounding set =(.*)$/m.exec(new TextDecoder().decode(out.stdout));
  assert.ok(m, "capsh --print shows no bounding set");
  return m[1].split(",");
}

/** A capsh prefix that leaves only `keep` in the bounding set (root then gets just those). */
async function capshKeeping(keep: string[]): Promise<string[]> {
  const drop = (await boundingSet()).filter((c) => !keep.includes(c));
  return ["capsh", `--drop=${drop.join(",")}`, "--", "-c", 'exec "$0" "$@"'];
}

function haveCapsh(): boolean {
  try {
    return new Deno.Command("capsh", { args: ["--print"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

if (haveCapsh() || Deno.env.get("KESTREL_REQUIRE_BPF") === "1") {
  bpfTest("under the unit's capability set the daemon attaches, detects and exits 0", async () => {
    const caps = await unitCapabilities();
    assert.deepEqual(caps.toSorted(), [
      "cap_bpf",
      "cap_dac_read_search",
      "cap_kill",
      "cap_perfmon",
      "cap_sys_admin",
      "cap_sys_ptrace",
    ]);
    const ws = await Workspace.create("caps");
    let d: DaemonProcess | undefined;
    try {
      const name = marker("caps");
      await ws.write(
        "rules/marker.yaml",
        rule("marker", `process where event.action == "exec" and process.args == "${name}"`),
      );
      await ws.writeConfig({ ebpf: true });
      d = await DaemonProcess.start(
        ["--config", ws.config, "--ringbuf-size", "1M"],
        {},
        await capshKeeping(caps),
      );
      assert.match(d.stderr.text, /collecting with 1 rule/, d.stderr.text);
      const status = await Deno.readTextFile(`/proc/${d.child.pid}/status`);
      const eff = BigInt("0x" + /^CapEff:\s+([0-9a-f]+)$/m.exec(status)![1]);
      // CAP_KILL 5, CAP_DAC_READ_SEARCH 2, CAP_SYS_PTRACE 19, CAP_SYS_ADMIN 21, CAP_PERFMON 38, CAP_BPF 39.
      assert.equal(
        eff,
        (1n << 2n) | (1n << 5n) | (1n << 19n) | (1n << 21n) | (1n << 38n) | (1n << 39n),
      );
      const r = await new Deno.Command("/bin/sh", { args: ["-c", ":", name] }).output();
      assert.equal(r.code, 0);
      await d.waitMetric("kestrel_alerts_total", 1);
      assert.equal((await d.stop()).code, 0, d.stderr.text);
      assert.equal(d.alerts().length, 1);
    } finally {
      await d?.kill();
      await ws.remove();
    }
  }, { objects: SENSOR_OBJECTS });

  bpfTest("without the BPF capabilities the daemon exits 2 with one clear line", async () => {
    const ws = await Workspace.create("nocaps");
    try {
      await ws.writeConfig({ ebpf: true });
      const caps = (await unitCapabilities()).filter((c) =>
        !["cap_bpf", "cap_perfmon", "cap_sys_admin"].includes(c)
      );
      const d = await DaemonProcess.start(["--config", ws.config], {}, await capshKeeping(caps));
      assert.equal((await d.exited()).code, 2);
      assert.match(
        d.stderr.text,
        /^kestrel run: cannot collect kernel events: needs root or CAP_BPF \+ CAP_PERFMON .*\n$/,
      );
      // Nothing was started: no REST server, no token.
      await assert.rejects(Deno.stat(`${ws.data}/api.token`), Deno.errors.NotFound);
    } finally {
      await ws.remove();
    }
  }, { objects: SENSOR_OBJECTS });
} else {
  console.error("capability tests skipped: capsh not installed (Debian package libcap2-bin)");
}
