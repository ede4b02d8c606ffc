/**
 * The key schema of `config.toml`: every table, every key, its type and the
 * values it accepts. The loader checks a parsed file against it; defaults
 * live in `defaults.ts` (a test keeps the two in step).
 *
 * @module
 */
import {
  EVENT_CATEGORIES,
  LOG_LEVELS,
  MODES,
  OUTPUTS,
  ROTATIONS,
  RUNTIMES,
  SYSLOG_FACILITIES,
  SYSLOG_PROTOCOLS,
} from "./types.ts";

/**
 * A check beyond the type; returns what the value must be (completing
 * "`key` must be …"), or null when it is fine.
 */
export type StringCheck = (value: string) => string | null;

/** What one key accepts. */
export type KeySpec =
  | {
    /** A string, optionally one of `enum`. */
    readonly type: "string";
    readonly enum?: readonly string[];
    /** Further check of the (expanded) value. */
    readonly check?: StringCheck;
    /** The key is another spelling of this sibling key. */
    readonly aliasOf?: string;
  }
  | {
    /** A whole number in [min, max]; `powerOfTwo` also demands a power of 2. */
    readonly type: "integer";
    readonly min: number;
    readonly max?: number;
    readonly powerOfTwo?: boolean;
    /** Added to the power-of-two message (the unit). */
    readonly unit?: string;
  }
  | {
    /** A number above `above`. */
    readonly type: "number";
    readonly above: number;
  }
  | { readonly type: "boolean" }
  | {
    /** An array of strings, each one of `enum` (when given), without repeats when `unique`. */
    readonly type: "string[]";
    readonly enum?: readonly string[];
    readonly unique?: boolean;
    readonly check?: StringCheck;
  };

/** A table: its keys and subtables; an `open` table's subtables are accepted as written. */
export interface TableSpec {
  /** Scalar and array keys. */
  readonly keys: Readonly<Record<string, KeySpec>>;
  /** Subtables (`[alerts.syslog]`). */
  readonly tables?: Readonly<Record<string, TableSpec>>;
  /** Any subtable with any keys is accepted (`[integration.*]`). */
  readonly open?: boolean;
}

/** Highest TCP/UDP port. */
const PORT = { type: "integer", min: 1, max: 65535 } as const;
/** A positive count or size. */
const POSITIVE = { type: "integer", min: 1 } as const;

/** A non-empty string. */
export const nonEmpty: StringCheck = (v) => v.trim() === "" ? "a non-empty string" : null;

/** An absolute path. */
export const absolutePath: StringCheck = (v) => v.startsWith("/") ? null : "an absolute path";

/** "" or an http(s) URL. */
export const httpUrl: StringCheck = (v) => {
  if (v === "") return null;
  try {
    const u = new URL(v);
    if (u.protocol === "http:" || u.protocol === "https:") return null;
  } catch {
    // Not a URL.
  }
  return "an http:// or https:// URL";
};

/** `host:port` with a port in 1–65535; an IPv6 host in brackets. */
export const listenAddress: StringCheck = (v) => {
  const m = /^(\[[0-9A-Fa-f:.%\w]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[2]) : 0;
  return m && port >= 1 && port <= 65535 ? null : "host:port with a port between 1 and 65535";
};

/** A syslog APP-NAME: 1 to 48 printable ASCII characters, no spaces (RFC 5424). */
export const appName: StringCheck = (v) =>
  /^[\x21-\x7e]{1,48}$/.test(v) ? null : "1 to 48 printable ASCII characters without spaces";

/** The whole schema: the root table's subtables are the file's tables. */
export const SCHEMA: TableSpec = {
  keys: {},
  tables: {
    general: {
      keys: {
        mode: { type: "string", enum: MODES },
        log_level: { type: "string", enum: LOG_LEVELS },
        workers: POSITIVE,
        max_memory_mb: POSITIVE,
        data_dir: { type: "string", check: nonEmpty },
      },
    },
    engine: {
      keys: {
        event_bus_partitions: POSITIVE,
        channel_size: POSITIVE,
        batch_size: POSITIVE,
        runtime: { type: "string", enum: RUNTIMES },
        package: { type: "string" },
        event_timeout_ms: POSITIVE,
      },
    },
    nfa: {
      keys: {
        max_partial_matches: POSITIVE,
        max_matches_per_entity: POSITIVE,
        ttl_check_interval_sec: POSITIVE,
        lru_capacity: POSITIVE,
      },
    },
    ebpf: {
      keys: {
        enabled: { type: "boolean" },
        program_path: { type: "string" },
        ringbuf_size: {
          type: "integer",
          min: 1,
          max: 262_144,
          powerOfTwo: true,
          unit: "pages of 4 KiB",
        },
        event_types: { type: "string[]", enum: EVENT_CATEGORIES, unique: true },
        interest_pushdown: { type: "boolean" },
      },
    },
    wasm: {
      keys: {
        enabled: { type: "boolean" },
        instance_pool_size: POSITIVE,
        memory_limit_mb: POSITIVE,
        fuel_limit: POSITIVE,
      },
    },
    lua: {
      keys: {
        enabled: { type: "boolean" },
        jit_enabled: { type: "boolean" },
        memory_limit_mb: POSITIVE,
        instruction_limit: POSITIVE,
        modules_dir: { type: "string" },
      },
    },
    alerts: {
      keys: {
        outputs: { type: "string[]", enum: OUTPUTS, unique: true },
        file_path: { type: "string" },
        rotation: { type: "string", enum: ROTATIONS },
        type: { type: "string", enum: ROTATIONS, aliasOf: "rotation" },
        retention_days: { type: "integer", min: 0 },
        max_file_size_mb: POSITIVE,
        dedup_window_sec: { type: "integer", min: 0 },
      },
      tables: {
        syslog: {
          keys: {
            host: { type: "string", check: nonEmpty },
            port: PORT,
            protocol: { type: "string", enum: SYSLOG_PROTOCOLS },
            facility: { type: "string", enum: SYSLOG_FACILITIES },
            app_name: { type: "string", check: appName },
          },
        },
        webhook: {
          keys: {
            url: { type: "string", check: httpUrl },
            token: { type: "string" },
            timeout_ms: POSITIVE,
            max_retries: { type: "integer", min: 0 },
            queue_dir: { type: "string" },
            max_queue_mb: POSITIVE,
          },
        },
      },
    },
    http: {
      keys: {
        listen: { type: "string", check: listenAddress },
        token: { type: "string" },
        analyze_dirs: { type: "string[]", unique: true, check: absolutePath },
      },
    },
    performance: {
      keys: {
        enable_profiling: { type: "boolean" },
        metrics_enabled: { type: "boolean" },
        metrics_host: { type: "string", check: nonEmpty },
        metrics_port: PORT,
        report_interval_sec: POSITIVE,
      },
    },
    security: {
      keys: {
        verify_rule_signatures: { type: "boolean" },
        allow_external_rules: { type: "boolean" },
        block_decision_cache_size: POSITIVE,
        block_rate_limit: POSITIVE,
      },
    },
    replay: {
      keys: {
        deterministic_mode: { type: "boolean" },
        record: { type: "boolean" },
        record_dir: { type: "string" },
        record_max_mb: POSITIVE,
        record_max_files: { type: "integer", min: 0 },
        record_retention_days: { type: "integer", min: 0 },
        event_buffer_size: POSITIVE,
        time_compression_ratio: { type: "number", above: 0 },
      },
    },
    rules: {
      keys: {
        dir: { type: "string" },
      },
    },
    integration: { keys: {}, open: true },
  },
};

/** Every key path of the schema (`alerts.syslog.port`), aliases included, in schema order. */
export function schemaKeys(table: TableSpec = SCHEMA, prefix = ""): string[] {
  const out = Object.keys(table.keys).map((k) => prefix + k);
  for (const [name, sub] of Object.entries(table.tables ?? {})) {
    out.push(...schemaKeys(sub, `${prefix}${name}.`));
  }
  return out;
}
