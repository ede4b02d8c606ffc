/**
 * An event storm into a small ring buffer: a child opens a watched file for
 * writing 1,000,000 times. The kernel's per-process counters must account
 * for every open exactly (submitted + dropped), drops must occur and be
 * reported, alerts overlapping them must be degraded, and the sensor must
 * keep working afterwards.
 */
import assert from "node:assert/strict";
import { Schema } from "../../engine/schema.ts";
import { Sensor } from "../../sensor/mod.ts";
import { bpfTest } from "../ffi/require_bpf.ts";
import { SENSOR_OBJECTS } from "./live.ts";
import { rulesFrom } from "./rules.ts";

const OPENS = 1_000_000;

bpfTest("storm: 1,000,000 opens through a 64 KiB ring are all accounted for", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kestrel-storm-" });
  const watched = `${dir}/watched`;
  await Deno.writeTextFile(watched, "");
  const schema = Schema.ecs();
  const pidField = schema.lookup("process.pid")!.id;
  const pathField = schema.lookup("file.path")!.id;
  const received = new Map<number, number>();
  const alerts = { all: 0, degraded: 0, last: { path: "", pid: 0, degraded: true } };
  const sensor = new Sensor({
    schema,
    rules: rulesFrom({
      watch: `file where event.action == "modification" and file.path == "${watched}"`,
    }, schema),
    ringBytes: 64 * 1024,
    // No early wake-ups: the reader drains only on its poll timeout, so the
    // ring overflows however fast this machine is.
    wakeupBytes: 1 << 30,
    log: () => {},
    onEvent: (ev) => {
      const pid = ev.get(pidField) as number;
      received.set(pid, (received.get(pid) ?? 0) + 1);
    },
    onAlert: (_rule, match, degraded) => {
      alerts.all++;
      if (degraded) alerts.degraded++;
      const ev = match.events[0];
      alerts.last = {
        path: ev.get(pathField) as string,
        pid: ev.get(pidField) as number,
        degraded,
      };
    },
  });
  await sensor.start();
  let pid = 0;
  try {
    // Each `: > FILE` is one open(O_WRONLY|O_CREAT|O_TRUNC) of an existing
    // file: a modification. dash runs the loop without forking.
    const child = new Deno.Command("/bin/sh", {
      args: ["-c", `i=0; while [ $i -lt ${OPENS} ]; do : > '${watched}'; i=$((i+1)); done`],
      stdin: "null",
    }).spawn();
    pid = child.pid;
    assert.equal((await child.status).code, 0);
    await sensor.sync();
    const stats = sensor.pidStats(pid)!;
    // The child's records: its exec, every open, its exit (its fork by the
    // sensor's own process is not an event).
    assert.equal(stats.submitted + stats.dropped, BigInt(OPENS + 2));
    assert.ok(stats.dropped > 0n, "a 64 KiB ring cannot hold the storm");
    // What the kernel submitted is exactly what the reader received.
    assert.equal(BigInt(received.get(pid) ?? 0), stats.submitted);
    const s = sensor.stats();
    // Only this child writes the watched file; its exec or exit may be among its drops too.
    assert.ok(s.dropped.file_modify > 0 && s.dropped.file_modify >= Number(stats.dropped) - 2);
    assert.ok(s.droppedTotal >= Number(stats.dropped));
    assert.ok(s.resyncs >= 1, "the process table is resynchronised after drops");
    assert.ok(alerts.degraded > 0, "alerts overlapping the drops are degraded");
    assert.ok(alerts.all >= alerts.degraded);
    // Still alive: a later open is received and alerts, not degraded.
    const after = new Deno.Command("/bin/sh", { args: ["-c", `: > '${watched}'`] }).spawn();
    assert.equal((await after.status).code, 0);
    await sensor.sync();
    assert.deepEqual(alerts.last, { path: watched, pid: after.pid, degraded: false });
    assert.equal(sensor.pidStats(after.pid)!.dropped, 0n);
    sensor.clearPidStats(after.pid);
  } finally {
    if (pid) sensor.clearPidStats(pid);
    await sensor.stop();
    await Deno.remove(dir, { recursive: true });
  }
}, { objects: SENSOR_OBJECTS });
