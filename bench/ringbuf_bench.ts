/**
 * `deno bench`: the ring buffer reader (ARCHITECTURE §10, ≥ 2,000,000
 * records/s from an mmap'd buffer): one pass over a 4 MiB synthetic ring,
 * and, where BPF is available, a burst of 4096 self-test records produced by
 * the kernel and read from the real map. Figures: `bench/ringbuf_decode.ts`.
 *
 * @module
 */
import { decodeRecord, SyntheticRing } from "./ringbuf_workload.ts";
import { Selftest, trigger, triggerString } from "../ffi/selftest.ts";

const ring = new SyntheticRing();

Deno.bench(
  `ring buffer: walk and decode ${ring.records} synthetic records (4 MiB ring)`,
  { group: "ringbuf" },
  () => {
    ring.rewind();
    ring.reader.consume(decodeRecord);
  },
);

function openSelftest(): Selftest | string {
  try {
    const bytes = Deno.readFileSync(new URL("../ebpf/build/selftest.bpf.o", import.meta.url));
    return Selftest.open(bytes, { ringSize: 4 << 20 });
  } catch (e) {
    return (e as Error).message.split("\n")[0];
  }
}

const st = openSelftest();
const str = triggerString("/usr/bin/some-binary --with arguments");

Deno.bench({
  name: "ring buffer: 4096 self-test records from one syscall, read from the map" +
    (typeof st === "string" ? ` (skipped: ${st})` : ""),
  group: "ringbuf",
  ignore: typeof st === "string",
  fn() {
    const s = st as Selftest;
    trigger(1n, str, 4096);
    while (s.ring.pending()) s.ring.consume(decodeRecord);
  },
});
