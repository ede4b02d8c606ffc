/**
 * The daemon's continuous recording (`[replay] record`): live events and
 * heartbeats to rotated `.klog` files in `record_dir`.
 *
 * @module
 */
import type { ReplayConfig } from "../config/types.ts";
import { hostId } from "../engine/procs.ts";
import type { Schema } from "../engine/schema.ts";
import { KlogRecorder } from "../log/klog_recorder.ts";
import { DaemonStartError } from "./daemon.ts";

/** The recorder `[replay]` asks for, or undefined when recording is off. */
export async function openRecorder(
  config: ReplayConfig,
  schema: Schema,
  log: (line: string) => void,
): Promise<KlogRecorder | undefined> {
  if (!config.record) return undefined;
  try {
    const recorder = await KlogRecorder.open({
      dir: config.record_dir,
      maxFileBytes: config.record_max_mb * 1024 * 1024,
      maxFiles: config.record_max_files,
      retentionDays: config.record_retention_days,
      schema,
      host: { name: Deno.hostname(), id: await hostId() },
      log,
    });
    log(`kestrel: recording live events to ${recorder.path}`);
    return recorder;
  } catch (e) {
    throw new DaemonStartError(
      `cannot record to ${config.record_dir}: ${(e as Error).message}`,
      1,
    );
  }
}
