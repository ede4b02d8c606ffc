import assert from "node:assert/strict";
import {
  decodeSelftest,
  Selftest,
  SELFTEST_FLAG_DISCARD,
  SELFTEST_STR_MAX,
  type SelftestRecord,
  trigger,
  triggerString,
} from "../../ffi/selftest.ts";
import { bpfTest } from "./require_bpf.ts";

const objects = ["selftest"];
const SMALL_RING = 4096 * 4;

/** Consumes everything ready, decoded. */
function drain(st: Selftest): SelftestRecord[] {
  const out: SelftestRecord[] = [];
  while (st.ring.pending()) st.ring.consume((v, o, l) => out.push(decodeSelftest(v, o, l)));
  return out;
}

bpfTest(
  "ring buffer: exactly the records triggered, in order, with their values and strings",
  ({ objects }) => {
    using st = Selftest.open(objects.selftest);
    const strings = ["", "a", "hello world", "ünïcödé ✓", "x".repeat(SELFTEST_STR_MAX)];
    const expected: SelftestRecord[] = [];
    for (let i = 0; i < 100; i++) {
      const str = strings[i % strings.length];
      const value = BigInt(i) * 0x1_0000_0001n + 0xffff_0000_0000_0000n * BigInt(i & 1);
      trigger(value, triggerString(str));
      expected.push({ seq: BigInt(i), pid: Deno.pid, value, str });
    }
    assert.equal(st.ring.pending(), true);
    assert.deepEqual(drain(st), expected);
    assert.equal(st.ring.pending(), false);
    assert.equal(st.ring.backlog(), 0);
    const { produced, dropped } = st.counters();
    assert.deepEqual({ produced, dropped }, { produced: 100n, dropped: 0n });
  },
  { objects },
);

bpfTest(
  "ring buffer: record lengths follow the string; a longer string is cut at 255 bytes",
  ({ objects }) => {
    using st = Selftest.open(objects.selftest);
    trigger(1n, triggerString("abc"));
    trigger(2n, triggerString("y".repeat(400)));
    trigger(3n, null);
    const lengths: number[] = [];
    const records: SelftestRecord[] = [];
    st.ring.consume((v, o, l) => {
      lengths.push(l);
      records.push(decodeSelftest(v, o, l));
    });
    assert.deepEqual(lengths, [24 + 3, 24 + 255, 24]);
    assert.deepEqual(records.map((r) => r.str), ["abc", "y".repeat(255), ""]);
  },
  { objects },
);

bpfTest("ring buffer: discarded records are skipped and counted", ({ objects }) => {
  using st = Selftest.open(objects.selftest);
  trigger(1n);
  trigger(2n, null, 1, SELFTEST_FLAG_DISCARD);
  trigger(3n);
  assert.deepEqual(drain(st).map((r) => [r.seq, r.value]), [[0n, 1n], [1n, 3n]]);
  const { produced, dropped, discarded } = st.counters();
  assert.deepEqual({ produced, dropped, discarded }, {
    produced: 2n,
    dropped: 0n,
    discarded: 1n,
  });
}, { objects });

bpfTest(
  "ring buffer: a thread that is not registered produces nothing (counted as filtered)",
  async ({ objects }) => {
    using st = Selftest.open(objects.selftest);
    const before = st.counters().filtered; // parallel test modules' threads count here too
    const worker = new Worker(new URL("trigger_worker.ts", import.meta.url), { type: "module" });
    try {
      const done = new Promise((resolve) => worker.onmessage = resolve);
      worker.postMessage(3);
      await done;
    } finally {
      worker.terminate();
    }
    assert.equal(st.ring.pending(), false);
    assert.ok(st.counters().filtered >= before + 3n);
    trigger(4n); // this thread still is
    assert.deepEqual(drain(st).map((r) => [r.seq, r.value]), [[0n, 4n]]);
  },
  { objects },
);

bpfTest("ring buffer: a burst from one syscall", ({ objects }) => {
  using st = Selftest.open(objects.selftest);
  trigger(9n, triggerString("burst"), 1000);
  const records = drain(st);
  assert.equal(records.length, 1000);
  records.forEach((r, i) =>
    assert.deepEqual(r, { seq: BigInt(i), pid: Deno.pid, value: 9n, str: "burst" })
  );
}, { objects });

bpfTest(
  "ring buffer: a 16 KiB ring wraps around many times without losing or garbling a record",
  ({ objects }) => {
    using st = Selftest.open(objects.selftest, { ringSize: SMALL_RING });
    assert.equal(st.ring.size, SMALL_RING);
    const strings = Array.from(
      { length: 61 },
      (_, i) => triggerString("abcdefghij".repeat(7).slice(0, i)),
    );
    let seq = 0n;
    let triggered = 0;
    for (let round = 0; round < 400; round++) {
      // 40 records of up to 88 bytes stay below the ring's size: no drops.
      for (let i = 0; i < 40; i++) {
        trigger(BigInt(triggered), strings[triggered++ % strings.length]);
      }
      st.ring.consume((v, o, l) => {
        const r = decodeSelftest(v, o, l);
        assert.equal(r.seq, seq);
        assert.equal(r.value, seq);
        assert.equal(r.str, "abcdefghij".repeat(7).slice(0, Number(seq % 61n)));
        seq++;
      });
    }
    assert.equal(seq, BigInt(triggered));
    assert.equal(st.counters().dropped, 0n);
    assert.ok(st.ring.backlog() === 0);
  },
  { objects },
);

bpfTest(
  "ring buffer: when full, reservations fail and are counted; received + dropped = triggered",
  ({ objects }) => {
    using st = Selftest.open(objects.selftest, { ringSize: SMALL_RING });
    const total = 2000; // 2000 × 40 bytes is about 5 rings full
    trigger(5n, triggerString("0123456789abcdef"), total);
    const records = drain(st);
    const { produced, dropped } = st.counters();
    assert.ok(dropped > 0n, "some records were dropped");
    assert.equal(BigInt(records.length), produced);
    assert.equal(produced + dropped, BigInt(total));
    // Sequence numbers rise; the gaps are the dropped records.
    let gaps = 0n;
    for (let i = 1; i < records.length; i++) {
      assert.ok(records[i].seq > records[i - 1].seq);
      gaps += records[i].seq - records[i - 1].seq - 1n;
    }
    gaps += records[0].seq + (BigInt(total) - 1n - records[records.length - 1].seq);
    assert.equal(gaps, dropped);
    // Space freed: the next records arrive again.
    trigger(6n);
    assert.deepEqual(drain(st).map((r) => r.value), [6n]);
  },
  { objects },
);

bpfTest(
  "epoll wait: wakes when a record arrives while timers keep running",
  async ({ objects }) => {
    using st = Selftest.open(objects.selftest);
    let ticks = 0;
    const interval = setInterval(() => ticks++, 5);
    const fire = setTimeout(() => trigger(42n, triggerString("late")), 100);
    const t0 = performance.now();
    try {
      assert.equal(await st.ring.wait(5000), true);
    } finally {
      clearInterval(interval);
      clearTimeout(fire);
    }
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= 90 && elapsed < 2000, `woke after ${elapsed} ms`);
    assert.ok(ticks >= 5, `the event loop ran timers during the wait (${ticks} ticks)`);
    assert.deepEqual(drain(st).map((r) => [r.value, r.str]), [[42n, "late"]]);
  },
  { objects },
);

bpfTest(
  "epoll wait: times out when nothing arrives; a timer set before still fires first",
  async ({ objects }) => {
    using st = Selftest.open(objects.selftest);
    let fired = false;
    setTimeout(() => fired = true, 20);
    const t0 = performance.now();
    assert.equal(await st.ring.wait(150), false);
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= 140, `returned after ${elapsed} ms`);
    assert.equal(fired, true);
  },
  { objects },
);

bpfTest(
  "epoll wait: returns at once when records are already there; interrupt and close end a wait",
  async ({ objects }) => {
    const st = Selftest.open(objects.selftest);
    try {
      trigger(1n);
      const t0 = performance.now();
      assert.equal(await st.ring.wait(5000), true);
      assert.ok(performance.now() - t0 < 50);
      drain(st);
      const waiting = st.ring.wait(-1);
      setTimeout(() => st.ring.interrupt(), 20);
      assert.equal(await waiting, false);
      const waiting2 = st.ring.wait(-1);
      await assert.rejects(() => st.ring.wait(10), /already waiting/);
      st.ring.close();
      assert.equal(await waiting2, false);
      assert.throws(() => st.ring.pending(), /ring buffer is closed/);
    } finally {
      st.close();
    }
  },
  { objects },
);

bpfTest("sync poll: false on timeout, true once a record is ready", ({ objects }) => {
  using st = Selftest.open(objects.selftest);
  assert.equal(st.ring.poll(0), false);
  const t0 = performance.now();
  assert.equal(st.ring.poll(30), false);
  assert.ok(performance.now() - t0 >= 25);
  trigger(8n);
  assert.equal(st.ring.poll(1000), true);
  assert.deepEqual(drain(st).map((r) => r.value), [8n]);
}, { objects });

bpfTest("a view kept past close cannot touch the unmapped memory", ({ objects }) => {
  const st = Selftest.open(objects.selftest);
  trigger(1n);
  let kept: DataView | null = null;
  st.ring.consume((view) => kept = view);
  st.close();
  assert.throws(() => kept!.getUint8(0), TypeError);
}, { objects });
