/**
 * Prints the ring buffer figures (ARCHITECTURE §10, budget ≥ 2,000,000
 * records/s decoded from an mmap'd buffer, no FFI call per record):
 * - synthetic: records in the kernel's format in an anonymous mapping,
 *   walked and decoded by `RingReader`;
 * - end to end (as root, with `ebpf/build/selftest.bpf.o`): the self-test
 *   program emits bursts of records from one syscall each; they are read
 *   from the real ring buffer map; and one syscall per record.
 * Run: `deno run -A bench/ringbuf_decode.ts`.
 *
 * @module
 */
import { decoded, decodeRecord, SyntheticRing } from "./ringbuf_workload.ts";
import { Selftest, trigger, triggerString } from "../ffi/selftest.ts";

function rate(n: number, ms: number): string {
  return `${Math.round(n / ms * 1000).toLocaleString("en-US")} records/s (${
    (ms * 1e6 / n).toFixed(1)
  } ns/record)`;
}

{
  using ring = new SyntheticRing();
  const rounds = 40;
  for (let r = 0; r < 5; r++) { // warm-up
    ring.rewind();
    ring.reader.consume(decodeRecord);
  }
  decoded.records = 0;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    ring.rewind();
    ring.reader.consume(decodeRecord);
  }
  const ms = performance.now() - t0;
  const n = ring.records * rounds;
  if (decoded.records !== n) throw new Error(`decoded ${decoded.records}, expected ${n}`);
  const avg = ring.bytes / ring.records;
  console.log(
    `synthetic decode, 4 MiB ring, ${ring.records.toLocaleString("en-US")} records of ${
      avg.toFixed(0)
    } B on average: ` +
      `${rate(n, ms)}, ${(ring.bytes * rounds / ms / 1e3).toFixed(0)} MB/s`,
  );
}

let bytes: Uint8Array | null = null;
try {
  bytes = await Deno.readFile(new URL("../ebpf/build/selftest.bpf.o", import.meta.url));
} catch {
  console.log("end to end: skipped (ebpf/build/selftest.bpf.o missing: run `deno task bpf`)");
}
let st: Selftest | null = null;
if (bytes) {
  try {
    st = Selftest.open(bytes, { ringSize: 4 << 20 });
  } catch (e) {
    console.log(`end to end: skipped (${(e as Error).message.split("\n")[0]})`);
  }
}
if (st) {
  const str = triggerString("/usr/bin/some-binary --with arguments");
  const drain = () => {
    while (st!.ring.pending()) st!.ring.consume(decodeRecord);
  };
  const modes = [
    { label: "bursts of 4096 records per syscall", burst: 4096, every: 1, total: 4_000_000 },
    { label: "one syscall per record, read every 64", burst: 1, every: 64, total: 200_000 },
    {
      label: "one syscall per record, read after each (a wake-up each)",
      burst: 1,
      every: 1,
      total: 50_000,
    },
  ];
  for (const { label, burst, every, total } of modes) {
    trigger(0n, str, burst);
    drain(); // warm-up
    const before = st.counters();
    decoded.records = 0;
    let readMs = 0;
    let calls = 0;
    const t0 = performance.now();
    for (let sent = 0; sent < total; sent += burst) {
      trigger(BigInt(sent), str, burst);
      if (++calls % every !== 0) continue;
      const r0 = performance.now();
      drain();
      readMs += performance.now() - r0;
    }
    drain();
    const ms = performance.now() - t0;
    const dropped = st.counters().dropped - before.dropped;
    console.log(
      `end to end, ${label}: ${rate(decoded.records, ms)}; reading alone ${
        rate(decoded.records, readMs)
      }; ${dropped} dropped`,
    );
  }
  st.close();
}
