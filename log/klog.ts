/**
 * The `.klog` binary event log: a compact, fast, crash-safe format for
 * recording and replaying events (layout in `./klog_format.ts`). Replaying
 * a klog gives the same alerts as the live run that recorded it: the live
 * heartbeats are recorded too, and re-applied between the same events.
 *
 * @module
 */
import { hasKlogMagic, MAGIC } from "./klog_format.ts";

export {
  CrcBudget,
  type EventBatch,
  KlogError,
  type KlogProblem,
  type KlogProblemKind,
  type KlogReadOptions,
  type KlogStats,
  type LostInterval,
  LostRecords,
  newKlogStats,
  type OpenKlog,
  openKlog,
} from "./klog_reader.ts";
export { KlogWriter, type KlogWriterOptions } from "./klog_writer.ts";
export { KlogEvent } from "./klog_event.ts";
export { FORMAT_MAJOR, FORMAT_MINOR, hasKlogMagic, type KlogHeader, MAGIC } from "./klog_format.ts";

/** True for a path named as a klog (`.klog`). */
export function isKlogPath(path: string): boolean {
  return path.endsWith(".klog");
}

/**
 * True when the file at `path` starts with the klog magic bytes (a klog
 * under another name); false for anything else, unreadable files included.
 */
export async function fileIsKlog(path: string): Promise<boolean> {
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(path, { read: true });
    const head = new Uint8Array(8);
    let n = 0;
    while (n < 8) {
      const r = await file.read(head.subarray(n));
      if (r === null) break;
      n += r;
    }
    return hasKlogMagic(head.subarray(0, n));
  } catch {
    return false;
  } finally {
    file?.close();
  }
}

/**
 * Looks at the first bytes of `stream`: whether it is a klog, and a stream
 * that still yields every byte (for logs named neither `.klog` nor NDJSON,
 * and standard input).
 */
export async function sniffKlog(
  stream: ReadableStream<Uint8Array>,
): Promise<{ klog: boolean; stream: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const head: Uint8Array[] = [];
  let n = 0, done = false;
  while (n < MAGIC.length) {
    const r = await reader.read();
    if (r.done) {
      done = true;
      break;
    }
    head.push(r.value);
    n += r.value.length;
  }
  const first = new Uint8Array(n);
  let at = 0;
  for (const h of head) first.set(h, at), at += h.length;
  const replay = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.length) controller.enqueue(first);
      if (done) controller.close();
    },
    async pull(controller) {
      const r = await reader.read();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel() {
      await reader.cancel();
    },
  }, { highWaterMark: 0 });
  return { klog: hasKlogMagic(first), stream: replay };
}
