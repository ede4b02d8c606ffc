/**
 * The embedded defaults: what a key missing from `config.toml` (or the
 * whole file) means. Kept in code so that a compiled binary needs no file.
 *
 * @module
 */
import { DEFAULT_QUOTAS } from "../engine/state.ts";
import type { Config } from "./types.ts";

/** Freezes `value` and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Every key's default (frozen). Paths that depend on `general.data_dir` are shown resolved. */
export const DEFAULT_CONFIG: Config = deepFreeze({
  general: {
    mode: "detect",
    log_level: "info",
    workers: 1,
    max_memory_mb: 4096,
    data_dir: "/var/lib/kestrel",
  },
  engine: {
    event_bus_partitions: 16,
    channel_size: 50_000,
    batch_size: 100,
    runtime: "js",
    package: "",
    event_timeout_ms: 1000,
  },
  nfa: {
    max_partial_matches: DEFAULT_QUOTAS.maxPartialMatches,
    max_matches_per_entity: DEFAULT_QUOTAS.maxPerEntity,
    ttl_check_interval_sec: 60,
    lru_capacity: DEFAULT_QUOTAS.maxPerRule,
  },
  ebpf: {
    enabled: true,
    program_path: "",
    ringbuf_size: 1024,
    event_types: ["process", "file", "network", "dns", "authentication", "driver"],
    interest_pushdown: true,
  },
  wasm: {
    enabled: false,
    instance_pool_size: 4,
    memory_limit_mb: 32,
    fuel_limit: 10_000_000,
  },
  lua: {
    enabled: false,
    jit_enabled: true,
    memory_limit_mb: 32,
    instruction_limit: 100_000,
    modules_dir: "",
  },
  alerts: {
    outputs: ["stdout"],
    file_path: "/var/log/kestrel/alerts.ndjson",
    rotation: "daily",
    retention_days: 90,
    max_file_size_mb: 100,
    dedup_window_sec: 0,
    syslog: {
      host: "localhost",
      port: 514,
      protocol: "udp",
      facility: "local0",
      app_name: "kestrel",
    },
    webhook: {
      url: "",
      token: "",
      timeout_ms: 5000,
      max_retries: 5,
      queue_dir: "/var/lib/kestrel/webhook-queue",
      max_queue_mb: 256,
    },
  },
  http: {
    listen: "127.0.0.1:9090",
    token: "",
    analyze_dirs: [],
  },
  performance: {
    enable_profiling: false,
    metrics_enabled: true,
    metrics_host: "127.0.0.1",
    metrics_port: 9090,
    report_interval_sec: 60,
  },
  security: {
    verify_rule_signatures: false,
    allow_external_rules: false,
    block_decision_cache_size: 10_000,
    block_rate_limit: 100,
  },
  replay: {
    deterministic_mode: true,
    record: false,
    record_dir: "/var/lib/kestrel/recordings",
    record_max_mb: 1024,
    record_max_files: 10,
    record_retention_days: 7,
    event_buffer_size: 10_000,
    time_compression_ratio: 1.0,
  },
  rules: {
    dir: "",
  },
  integration: {},
});

/** Directory names under `general.data_dir` used when a path key is "" or missing. */
export const DATA_SUBDIRS = {
  "alerts.webhook.queue_dir": "webhook-queue",
  "replay.record_dir": "recordings",
} as const;
