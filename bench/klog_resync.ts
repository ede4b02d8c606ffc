/**
 * Reading damaged or crafted `.klog` input: a klog header, then a block
 * frame header every 12 bytes, each claiming a length that ends near the
 * end of the input, none with a right CRC (the worst case for resync),
 * then one intact block. Prints, per size, the bytes CRC-checked and the
 * time to read it.
 *
 * `deno run -A bench/klog_resync.ts [MB ...]` (default 0.96 1.92 16 64).
 *
 * @module
 */
import { Schema } from "../engine/schema.ts";
import { CrcBudget, KlogWriter, openKlog } from "../log/klog.ts";
import { BLOCK_MAGIC, FRAME_BYTES } from "../log/klog_format.ts";

const sizes = Deno.args.length > 0 ? Deno.args.map(Number) : [0.96, 1.92, 16, 64];

/** A klog header and one block of one event, as the writer writes them. */
async function writerParts(): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  const w = new KlogWriter({ write: (p) => (parts.push(p.slice()), Promise.resolve(p.length)) });
  await w.writeClosed();
  w.writeDoc({ "@timestamp": "2026-01-01T00:00:00Z", event: { kind: "event" } }, 0n);
  await w.flush();
  return parts;
}

const [header, block] = await writerParts();
for (const mb of sizes) {
  const size = Math.floor(mb * 1e6 / FRAME_BYTES) * FRAME_BYTES;
  const bytes = new Uint8Array(header.length + size + block.length);
  bytes.set(header, 0);
  const v = new DataView(bytes.buffer);
  for (let at = 0; at + FRAME_BYTES <= size; at += FRAME_BYTES) {
    const len = size - at - FRAME_BYTES - 16;
    if (len < 15) break;
    v.setUint32(header.length + at, BLOCK_MAGIC, true);
    v.setUint32(header.length + at + 4, len, true);
  }
  bytes.set(block, header.length + size);
  const budget = new CrcBudget();
  const t0 = performance.now();
  const stream = ReadableStream.from((function* () {
    for (let i = 0; i < bytes.length; i += 1 << 20) yield bytes.slice(i, i + (1 << 20));
  })());
  const log = await openKlog(stream, { schema: Schema.ecs(), crcBudget: budget });
  let events = 0;
  for await (const b of log.batches) events += b.length;
  const ms = performance.now() - t0;
  console.log(
    `${(bytes.length / 1e6).toFixed(2)} MB: ${
      (budget.checkedBytes / 1e6).toFixed(1)
    } MB CRC-checked ` +
      `(${(budget.checkedBytes / bytes.length).toFixed(1)}× the input), ${ms.toFixed(0)} ms, ` +
      `${log.stats.damagedBlocks} damaged stretch(es), ${events} event(s) of the intact block read`,
  );
}
