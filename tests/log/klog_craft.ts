/**
 * Hand-made `.klog` bytes for tests: blocks whose frame (length, CRC) is
 * intact around records that are whatever the test says.
 *
 * @module
 */
import { BLOCK_MAGIC, crc32, FRAME_BYTES } from "../../log/klog_format.ts";

/** The bytes of `parts`, one after another. */
export function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
}

/** Where each block of an undamaged klog starts. */
export function blockStartsOf(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts: number[] = [];
  for (let at = 20 + view.getUint32(12, true); at < bytes.length;) {
    starts.push(at);
    at += FRAME_BYTES + view.getUint32(at + 4, true);
  }
  return starts;
}

/** A block frame: magic, the payload's length and CRC, then the payload. */
export function frame(payload: Uint8Array, crc = crc32(payload)): Uint8Array {
  const out = new Uint8Array(FRAME_BYTES + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, BLOCK_MAGIC, true);
  v.setUint32(4, payload.length, true);
  v.setUint32(8, crc, true);
  out.set(payload, FRAME_BYTES);
  return out;
}

/**
 * `bytes` with `records` (raw record bytes) appended to the block at
 * `start`, and the block's record count, length and CRC recomputed.
 */
export function withRecords(
  bytes: Uint8Array,
  start: number,
  records: number[],
): Uint8Array<ArrayBuffer> {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const len = view.getUint32(start + 4, true);
  const payload = concat([
    bytes.subarray(start + FRAME_BYTES, start + FRAME_BYTES + len),
    new Uint8Array(records),
  ]);
  const pv = new DataView(payload.buffer);
  pv.setUint32(0, pv.getUint32(0, true) + 1, true);
  return concat([
    bytes.subarray(0, start),
    frame(payload),
    bytes.subarray(start + FRAME_BYTES + len),
  ]);
}
