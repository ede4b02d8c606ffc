/**
 * Interest pushdown in the kernel: with the file programs attached but no
 * rule needing file events, a workload's opens are counted as filtered and
 * none is submitted; after the rules change to one that needs them, the
 * same workload's opens arrive.
 */
import assert from "node:assert/strict";
import { bpfTest } from "../ffi/require_bpf.ts";
import { field, Live, SENSOR_OBJECTS } from "./live.ts";
import { rulesFrom } from "./rules.ts";

const OPENS = 1000;

bpfTest(
  "pushdown: file events no rule needs stay in the kernel until a rule needs them",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "kestrel-pushdown-" });
    const target = `${dir}/target`;
    await Deno.writeTextFile(target, "");
    const live = await Live.start();
    const pids: number[] = [];
    /** Runs dash doing `n` write-opens of the target; returns its pid once it ended and was read. */
    const workload = async (n: number) => {
      const child = new Deno.Command("/bin/sh", {
        args: ["-c", `i=0; while [ $i -lt ${n} ]; do : > '${target}'; i=$((i+1)); done`],
        stdin: "null",
      }).spawn();
      assert.equal((await child.status).code, 0);
      await live.sync();
      pids.push(child.pid);
      return { pid: child.pid, stats: live.sensor.pidStats(child.pid)! };
    };
    const fileEventsOf = (pid: number) =>
      live.events.filter((e) =>
        field(e, "process.pid") === pid && field(e, "file.path") === target
      );
    try {
      assert.equal(live.sensor.interest!.types[18], false);
      const before = live.sensor.stats().filtered.file_modify ?? 0;
      // The same shell without the loop: what its start and exit cost.
      const idle = await workload(0);
      const busy = await workload(OPENS);
      assert.deepEqual(idle.stats, { submitted: 2n, dropped: 0n, filtered: idle.stats.filtered });
      // exec and exit are submitted; every open is counted as filtered, none submitted.
      assert.deepEqual(busy.stats, {
        submitted: 2n,
        dropped: 0n,
        filtered: idle.stats.filtered + BigInt(OPENS),
      });
      assert.deepEqual(fileEventsOf(busy.pid), []);
      assert.ok((live.sensor.stats().filtered.file_modify ?? 0) - before >= OPENS);
      assert.equal(live.sensor.stats().produced.file_modify, undefined);

      // A reload with a rule on the target: the kernel now submits its opens.
      const interest = live.sensor.setRules(rulesFrom({
        target: `file where event.action == "modification" and file.path == "${target}"`,
      }));
      assert.equal(interest.types[18], true);
      const now = await workload(OPENS);
      assert.deepEqual(now.stats, {
        submitted: BigInt(OPENS + 2),
        dropped: 0n,
        filtered: idle.stats.filtered,
      });
      const arrived = fileEventsOf(now.pid);
      assert.equal(arrived.length, OPENS);
      assert.ok(arrived.every((e) => field(e, "event.action") === "modification"));
      assert.equal(live.sensor.stats().produced.file_modify, OPENS);
      assert.equal(live.alertCount, OPENS);
    } finally {
      for (const pid of pids) live.sensor.clearPidStats(pid);
      await live.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
  { objects: SENSOR_OBJECTS },
);
