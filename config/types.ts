/**
 * The shape of a loaded `config.toml`: one interface per table, property
 * names exactly as the keys are written in the file (`alerts.syslog.port`
 * is `config.alerts.syslog.port`). Every value is present: keys missing
 * from the file hold their defaults (`defaults.ts`).
 *
 * @module
 */

/** `general.mode` values: alert only, alert and block, or analyse recorded events. */
export const MODES = ["detect", "enforce", "offline"] as const;
/** How the sensor responds to a match. */
export type Mode = typeof MODES[number];

/** `general.log_level` values, most to least verbose. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
/** Least severe log line written. */
export type LogLevel = typeof LOG_LEVELS[number];

/** `engine.runtime` values: compiled JavaScript predicates, or WebAssembly. */
export const RUNTIMES = ["js", "wasm"] as const;
/** Where rule predicates run. */
export type Runtime = typeof RUNTIMES[number];

/** `ebpf.event_types` values: the ECS `event.category` of the events collected. */
export const EVENT_CATEGORIES = [
  "process",
  "file",
  "network",
  "dns",
  "authentication",
  "driver",
] as const;
/** One kind of kernel event collected. */
export type EventCategory = typeof EVENT_CATEGORIES[number];

/** `alerts.outputs` values. */
export const OUTPUTS = ["stdout", "file", "syslog", "webhook"] as const;
/** One alert destination. */
export type OutputKind = typeof OUTPUTS[number];

/** `alerts.rotation` values: a new file every hour, every day, or at `max_file_size_mb`. */
export const ROTATIONS = ["hourly", "daily", "size"] as const;
/** When the alert file is rotated. */
export type Rotation = typeof ROTATIONS[number];

/** `alerts.syslog.protocol` values. */
export const SYSLOG_PROTOCOLS = ["udp", "tcp"] as const;
/** Syslog transport. */
export type SyslogProtocol = typeof SYSLOG_PROTOCOLS[number];

/** `alerts.syslog.facility` values (RFC 5424 facility names). */
export const SYSLOG_FACILITIES = [
  "kern",
  "user",
  "mail",
  "daemon",
  "auth",
  "syslog",
  "lpr",
  "news",
  "uucp",
  "cron",
  "authpriv",
  "ftp",
  "local0",
  "local1",
  "local2",
  "local3",
  "local4",
  "local5",
  "local6",
  "local7",
] as const;
/** Syslog facility of the alert messages. */
export type SyslogFacility = typeof SYSLOG_FACILITIES[number];

/** A value of an `[integration.*]` table, kept as written (after `${ENV}` expansion). */
export type ConfigValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | readonly ConfigValue[]
  | { readonly [key: string]: ConfigValue };

/** `[general]`. */
export interface GeneralConfig {
  /** Response mode. */
  readonly mode: Mode;
  /** Least severe log line written to stderr. */
  readonly log_level: LogLevel;
  /** Worker threads. */
  readonly workers: number;
  /** Memory budget in MiB. */
  readonly max_memory_mb: number;
  /** Directory of the sensor's state: API token, webhook queue, recordings. */
  readonly data_dir: string;
}

/** `[engine]`. */
export interface EngineConfig {
  /** Event bus partitions. */
  readonly event_bus_partitions: number;
  /** Event channel capacity. */
  readonly channel_size: number;
  /** Events per batch. */
  readonly batch_size: number;
  /** Where rule predicates run. */
  readonly runtime: Runtime;
  /** A rule package directory (`kestrel compile`) to run instead of a rules directory; "" for none. */
  readonly package: string;
  /** Longest processing time of one event, in ms. */
  readonly event_timeout_ms: number;
}

/** `[nfa]`: bounds on the sequence state. */
export interface NfaConfig {
  /** Live partial matches over all rules. */
  readonly max_partial_matches: number;
  /** Live partial matches of one (rule, entity). */
  readonly max_matches_per_entity: number;
  /** Seconds between expiry sweeps. */
  readonly ttl_check_interval_sec: number;
  /** Live partial matches of one rule (least recently used evicted first). */
  readonly lru_capacity: number;
}

/** `[ebpf]`: kernel event collection. */
export interface EbpfConfig {
  /** Collect kernel events through eBPF (false: no live collection). */
  readonly enabled: boolean;
  /** Directory of BPF objects to load instead of the embedded ones ("" = embedded). */
  readonly program_path: string;
  /** Ring buffer size in pages of {@link RINGBUF_PAGE_BYTES} bytes, a power of 2. */
  readonly ringbuf_size: number;
  /** Kinds of events collected. */
  readonly event_types: readonly EventCategory[];
  /** Let the kernel submit only the events some rule can match. */
  readonly interest_pushdown: boolean;
}

/** `[wasm]`: the WebAssembly predicate runtime. */
export interface WasmConfig {
  /** Use the runtime. */
  readonly enabled: boolean;
  /** Instances kept ready. */
  readonly instance_pool_size: number;
  /** Linear memory limit per instance, in MiB. */
  readonly memory_limit_mb: number;
  /** Fuel (instructions) per evaluation. */
  readonly fuel_limit: number;
}

/** `[lua]`: custom predicates in Lua. */
export interface LuaConfig {
  /** Allow rules to call Lua predicates (`lua("module.fn", …)`); when false such rules are errors. */
  readonly enabled: boolean;
  /** Compile with the JIT. */
  readonly jit_enabled: boolean;
  /** Memory limit of each module's Lua state, in MiB. */
  readonly memory_limit_mb: number;
  /** Lua instructions per predicate call (and per module load). */
  readonly instruction_limit: number;
  /** A further directory of modules besides the rules directory's `lua/` ("" for none). */
  readonly modules_dir: string;
}

/** `[alerts.syslog]`: RFC 5424 syslog output. */
export interface SyslogConfig {
  /** Receiver host name or address. */
  readonly host: string;
  /** Receiver port. */
  readonly port: number;
  /** Transport. */
  readonly protocol: SyslogProtocol;
  /** Facility of the messages. */
  readonly facility: SyslogFacility;
  /** APP-NAME of the messages. */
  readonly app_name: string;
}

/** `[alerts.webhook]`: HTTP POST of each alert. */
export interface WebhookConfig {
  /** Receiver URL (http or https). */
  readonly url: string;
  /** Bearer token sent to the receiver ("" = none). */
  readonly token: string;
  /** Timeout of one request, in ms. */
  readonly timeout_ms: number;
  /** Attempts after the first before an alert waits in the queue for the next round. */
  readonly max_retries: number;
  /** Directory of the on-disk queue (resolved: "" in the file means `<data_dir>/webhook-queue`). */
  readonly queue_dir: string;
  /** Size bound of the on-disk queue, in MiB. */
  readonly max_queue_mb: number;
}

/** `[alerts]`. */
export interface AlertsConfig {
  /** Destinations of every alert. */
  readonly outputs: readonly OutputKind[];
  /** NDJSON alert file of the `file` output. */
  readonly file_path: string;
  /** When the alert file is rotated (also accepted as `alerts.type`). */
  readonly rotation: Rotation;
  /** Days rotated alert files are kept (0 = forever). */
  readonly retention_days: number;
  /** Size at which the alert file is rotated under `rotation = "size"`, in MiB. */
  readonly max_file_size_mb: number;
  /**
   * Seconds of event time in which further alerts of the same rule and
   * entity are dropped after one is raised (0 = no deduplication).
   */
  readonly dedup_window_sec: number;
  /** Syslog output. */
  readonly syslog: SyslogConfig;
  /** Webhook output. */
  readonly webhook: WebhookConfig;
}

/** `[http]`: the REST API. */
export interface HttpConfig {
  /** `host:port` (IPv6 as `[addr]:port`). */
  readonly listen: string;
  /** Bearer token of mutating and analyze routes ("" = generated into `<data_dir>`). */
  readonly token: string;
  /** Absolute directories whose files the analyze route may read. */
  readonly analyze_dirs: readonly string[];
}

/** `[performance]` (the seeds' keys). */
export interface PerformanceConfig {
  /** Run the profiler. */
  readonly enable_profiling: boolean;
  /** Serve Prometheus metrics. */
  readonly metrics_enabled: boolean;
  /** Metrics listener host. */
  readonly metrics_host: string;
  /** Metrics listener port. */
  readonly metrics_port: number;
  /** Seconds between performance reports. */
  readonly report_interval_sec: number;
}

/** `[security]`. */
export interface SecurityConfig {
  /** Refuse rules without a valid signature. */
  readonly verify_rule_signatures: boolean;
  /** Allow rules from outside `rules.dir`. */
  readonly allow_external_rules: boolean;
  /** Cached block decisions. */
  readonly block_decision_cache_size: number;
  /** Most blocks per second. */
  readonly block_rate_limit: number;
}

/** `[replay]`. */
export interface ReplayConfig {
  /** Replay depends only on the events (always true). */
  readonly deterministic_mode: boolean;
  /** Record live events. */
  readonly record: boolean;
  /** Directory of recordings (resolved: "" in the file means `<data_dir>/recordings`). */
  readonly record_dir: string;
  /** Size of one recording file, in MiB: a full file is closed and a new one started. */
  readonly record_max_mb: number;
  /** Recordings kept in `record_dir`, the current one included (0: no limit). */
  readonly record_max_files: number;
  /** Recordings older than this many days are deleted (0: kept). */
  readonly record_retention_days: number;
  /** Events buffered ahead during replay. */
  readonly event_buffer_size: number;
  /** Replay speed relative to the recorded time. */
  readonly time_compression_ratio: number;
}

/** `[rules]`. */
export interface RulesConfig {
  /** Rule directory loaded at start and on reload; "" for the built-in default ruleset. */
  readonly dir: string;
}

/** A whole configuration. */
export interface Config {
  /** `[general]`. */
  readonly general: GeneralConfig;
  /** `[engine]`. */
  readonly engine: EngineConfig;
  /** `[nfa]`. */
  readonly nfa: NfaConfig;
  /** `[ebpf]`. */
  readonly ebpf: EbpfConfig;
  /** `[wasm]`. */
  readonly wasm: WasmConfig;
  /** `[lua]`. */
  readonly lua: LuaConfig;
  /** `[alerts]`. */
  readonly alerts: AlertsConfig;
  /** `[http]`. */
  readonly http: HttpConfig;
  /** `[performance]`. */
  readonly performance: PerformanceConfig;
  /** `[security]`. */
  readonly security: SecurityConfig;
  /** `[replay]`. */
  readonly replay: ReplayConfig;
  /** `[rules]`. */
  readonly rules: RulesConfig;
  /** `[integration.NAME]` tables, as written. */
  readonly integration: { readonly [name: string]: { readonly [key: string]: ConfigValue } };
}

/** Bytes per `ebpf.ringbuf_size` page. */
export const RINGBUF_PAGE_BYTES = 4096;
