/**
 * `[alerts]` configuration → the options of `createOutputs`: the keys as
 * written in `config.toml`, mapped to the outputs' own option names.
 *
 * @module
 */
import type { AlertsConfig } from "../config/types.ts";
import type { OutputsOptions } from "../outputs/mod.ts";

/** The outputs options for `alerts` (every section filled; only enabled outputs are built). */
export function outputsOptions(alerts: AlertsConfig): OutputsOptions {
  const { syslog, webhook } = alerts;
  return {
    outputs: alerts.outputs,
    file: {
      path: alerts.file_path,
      rotation: alerts.rotation,
      retentionDays: alerts.retention_days,
      maxFileSizeMb: alerts.max_file_size_mb,
    },
    syslog: {
      host: syslog.host,
      port: syslog.port,
      protocol: syslog.protocol,
      facility: syslog.facility,
      appName: syslog.app_name,
    },
    webhook: {
      url: webhook.url,
      token: webhook.token,
      timeoutMs: webhook.timeout_ms,
      maxRetries: webhook.max_retries,
      queueDir: webhook.queue_dir,
      maxQueueMb: webhook.max_queue_mb,
    },
  };
}
