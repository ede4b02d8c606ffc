/**
 * Kestrel's REST API (ARCHITECTURE §9): a Hono app over the daemon's
 * {@link DaemonApi}, served with `Deno.serve`.
 *
 * @example
 * ```ts
 * const { token } = await ensureApiToken(config.general.data_dir, config.http.token);
 * const app = createApp(daemon, { token });
 * const server = await startServer(app, config.http.listen ?? DEFAULT_LISTEN);
 * // … on SIGTERM:
 * await server.shutdown();
 * ```
 *
 * @module
 */
export { API_PREFIX, type AppOptions, createApp } from "./app.ts";
export {
  DEFAULT_LISTEN,
  type ListenAddress,
  parseListen,
  type RunningServer,
  startServer,
} from "./server.ts";
export { type ApiToken, ensureApiToken, TOKEN_FILE } from "./token.ts";
export {
  escapeHelp,
  escapeLabelValue,
  formatValue,
  Histogram,
  type HistogramData,
  type HistogramSeries,
  KESTREL_METRICS,
  type Labels,
  LATENCY_BUCKETS_SECONDS,
  type MetricsSnapshot,
  PromText,
  renderKestrelMetrics,
  type Sample,
} from "./metrics.ts";
export { type OpenApiDocument, openApiDocument, type SchemaObject } from "./openapi.ts";
export type { AlertAction, ThreatEntry } from "../engine/alerts.ts";
export type { Severity } from "../eql/errors.ts";
export type { Dialect } from "../eql/compile.ts";
export type { RuleAction, RuleFormat, RuleOrigin } from "../rules/loader/types.ts";
export { PROMETHEUS_CONTENT_TYPE } from "./routes/metrics.ts";
export type { StreamOptions } from "./routes/stream.ts";
export type { AppEnv, ServerBindings } from "./env.ts";
export {
  type Alert,
  type AlertPage,
  type AlertQuery,
  type AnalyzeDone,
  type AnalyzeFailed,
  type AnalyzeInput,
  type AnalyzeResult,
  ApiError,
  type ApiErrorStatus,
  type DaemonApi,
  type Diagnostic,
  type HealthReport,
  type ReloadDone,
  type ReloadRefused,
  type ReloadResult,
  type RuleMetadata,
  type RulesetInfo,
  type RuleSeverity,
  type SourceText,
  type ValidateResult,
} from "./daemon_api.ts";
