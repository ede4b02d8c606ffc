/**
 * The sensor daemon (`kestrel run --config FILE`): configuration, rules,
 * the live event source (eBPF, or an NDJSON log), alert outputs, the REST
 * API with reload and analyze, and Prometheus metrics.
 *
 * @example
 * ```ts
 * const { config } = await loadConfigFile("/etc/kestrel/config.toml");
 * const daemon = await Daemon.start({ config, rulesDir: config.rules.dir });
 * Deno.addSignalListener("SIGHUP", () => void daemon.reload());
 * // … on SIGTERM:
 * await daemon.stop();
 * ```
 *
 * @module
 */
export { Daemon, type DaemonOptions, DaemonStartError } from "./daemon.ts";
export { ALERT_RING_CAPACITY, AlertRing } from "./alert_ring.ts";
export { AlertMaker, type MadeAlert } from "./alert_maker.ts";
export { DEDUP_MAX_KEYS, DedupWindow } from "./dedup.ts";
export {
  ANALYZE_MAX_ALERTS,
  type AnalyzeContext,
  analyzeLog,
  resolveAnalyzePath,
} from "./analyze.ts";
export { outputsOptions } from "./outputs.ts";
export { loadRuleset, type Ruleset, type RulesetLoad } from "./ruleset.ts";
export {
  type EventCounts,
  type LiveSource,
  SensorSource,
  type SensorSourceOptions,
  type SequenceStats,
  type SourceCallbacks,
} from "./source.ts";
export { ReplaySource, type ReplaySourceOptions } from "./replay_source.ts";
export { rfc3339Nanos } from "./time.ts";
