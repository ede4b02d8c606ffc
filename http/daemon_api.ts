/**
 * What the REST layer needs of the running sensor. The daemon implements
 * {@link DaemonApi}; the HTTP app only translates requests into calls on it
 * and results into responses, so it knows nothing of engine internals and
 * checks nothing about files itself (the daemon decides which paths
 * `analyze` may read).
 *
 * @module
 */
import type { Alert } from "../engine/alerts.ts";
import type { Diagnostic } from "../eql/errors.ts";
import type { RuleMetadata, RuleSeverity } from "../rules/loader/types.ts";

export type { Alert, Diagnostic, RuleMetadata, RuleSeverity };

/** The loaded ruleset's identity. */
export interface RulesetInfo {
  /** The manifest's version, or a digest of the rules when it has none. */
  version: string;
  /** Rules loaded (enabled or not). */
  rules: number;
  /** When the ruleset was swapped in, RFC 3339. */
  loadedAt: string;
  /** 1 for the ruleset loaded at start, one more for every reload swapped in. */
  generation?: number;
}

/** `GET /api/v1/health`. */
export interface HealthReport {
  /** `degraded` while events are being lost or the process tree resyncs. */
  status: "ok" | "degraded";
  /** `detect` or `enforce`. */
  mode: string;
  /** Seconds since the daemon started. */
  uptimeSeconds: number;
  /** The eBPF side. */
  bpf: {
    /** Programs currently attached. */
    programsAttached: number;
    /** Kernel features probed at start (BTF, ring buffer, LSM, …). */
    features: Record<string, unknown>;
  };
  /** How enforcement is carried out (`lsm`, `signal`, `none`, …). */
  enforcement: string;
  /** Events are being lost or the process tree resyncs (ARCHITECTURE §2). */
  degraded: boolean;
  /** The running ruleset. */
  ruleset: RulesetInfo;
}

/** Filters and paging of `GET /api/v1/alerts`, already checked by the HTTP layer. */
export interface AlertQuery {
  /** Only alerts of this rule severity. */
  severity?: RuleSeverity;
  /** Only alerts of this rule id. */
  rule?: string;
  /** Only alerts whose `@timestamp` is at or after this RFC 3339 time. */
  since?: string;
  /** 1–1000. */
  limit: number;
  /** A `nextCursor` from an earlier page, passed back unchanged. */
  cursor?: string;
}

/** One page of recent alerts, newest first. */
export interface AlertPage {
  /** At most `limit` alerts. */
  alerts: Alert[];
  /** Present when more alerts match: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

/** A reload that swapped the ruleset in. */
export interface ReloadDone {
  /** The new ruleset runs. */
  ok: true;
  /** Rules in the new ruleset. */
  rules: number;
  /** The new ruleset's version. */
  version: string;
}

/** A reload that was refused: the previous ruleset keeps running. */
export interface ReloadRefused {
  /** The previous ruleset still runs. */
  ok: false;
  /** Every error and warning of the new ruleset. */
  diagnostics: Diagnostic[];
}

/** Outcome of {@link DaemonApi.reload}. */
export type ReloadResult = ReloadDone | ReloadRefused;

/** One rule file sent for validation. */
export interface SourceText {
  /** Reported in diagnostics; its extension selects the format. */
  path: string;
  /** The file's content. */
  text: string;
}

/** Outcome of {@link DaemonApi.validate}. */
export interface ValidateResult {
  /** Every error and warning. */
  diagnostics: Diagnostic[];
  /** Rules that loaded without error. */
  rules: number;
}

/** What to replay: an uploaded NDJSON log, or a path the daemon is configured to allow. */
export interface AnalyzeInput {
  /** A log file; the daemon refuses paths outside its configured directories. */
  path?: string;
  /** An uploaded log, one JSON event per line. */
  ndjson?: string;
  /** An uploaded `.klog` log. */
  klog?: Uint8Array;
}

/** A finished replay. */
export interface AnalyzeDone {
  /** Alerts raised by the replay, in order. */
  alerts: Alert[];
  /** Counters of the run (lines, events, malformed, alerts, …). */
  stats: Record<string, number>;
}

/** A replay the daemon refused or could not do; `status` is the HTTP status to answer. */
export interface AnalyzeFailed {
  /** Why, for the operator. */
  error: string;
  /** 4xx or 5xx (403 for a path outside the allowed directories, 404 for a missing one). */
  status: number;
}

/** Outcome of {@link DaemonApi.analyze}. */
export type AnalyzeResult = AnalyzeDone | AnalyzeFailed;

/** The running sensor, as the REST API sees it. */
export interface DaemonApi {
  /** Current state; cheap, called on every health probe. */
  health(): HealthReport;
  /**
   * Recent alerts from the daemon's in-memory ring, newest first. May throw
   * {@link ApiError} (e.g. 400 for a cursor it does not recognise).
   */
  alerts(q: AlertQuery): AlertPage;
  /** Calls `onAlert` for every new alert until the returned function is called. */
  subscribe(onAlert: (a: Alert) => void): () => void;
  /** Metadata of the loaded rules. */
  rules(): RuleMetadata[];
  /** Loads the configured rules again and swaps them in atomically; a bad ruleset keeps the old one. */
  reload(): Promise<ReloadResult>;
  /** Compiles rule files without loading them. */
  validate(files: SourceText[]): ValidateResult;
  /** Replays an event log through the loaded rules without touching live state. */
  analyze(input: AnalyzeInput): Promise<AnalyzeResult>;
  /** Prometheus text exposition (build it with `renderKestrelMetrics`). */
  metrics(): string;
}

/** Statuses a daemon may answer with through {@link ApiError}. */
export type ApiErrorStatus = 400 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 503;

/**
 * Thrown by a {@link DaemonApi} method to answer a request with a client or
 * service error: the app turns it into `{"error": message}` with `status`.
 * Any other exception becomes a 500 whose body does not repeat its message.
 */
export class ApiError extends Error {
  /** The HTTP status to answer with. */
  readonly status: ApiErrorStatus;

  /** An error answered with `status` and `{"error": message}`. */
  constructor(status: ApiErrorStatus, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}
