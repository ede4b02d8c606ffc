/**
 * The Kestrel REST app (ARCHITECTURE §9): a Hono app over a
 * {@link DaemonApi}, composed from per-route modules and middleware.
 *
 * | route | auth |
 * |---|---|
 * | `GET /api/v1/health` | open |
 * | `GET /api/v1/alerts?severity=&rule=&since=&limit=&cursor=` | open |
 * | `GET /api/v1/alerts/stream` (SSE) | open |
 * | `GET /api/v1/rules` | open |
 * | `POST /api/v1/rules/reload` | bearer |
 * | `POST /api/v1/rules/validate` | bearer |
 * | `POST /api/v1/analyze` | bearer |
 * | `GET /metrics` | open |
 * | `GET /api/v1/openapi.json` | open |
 *
 * Read-only routes are open, which is why the default listen address is
 * loopback and why `Host` names that could come from DNS rebinding are
 * refused. Every other method needs the bearer token on every connection,
 * loopback included; the check runs before the body is read. Errors are
 * `{"error": "..."}` JSON.
 *
 * @module
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError, type DaemonApi } from "./daemon_api.ts";
import type { AppEnv } from "./env.ts";
import { bearerAuth } from "./auth.ts";
import { hostGuard } from "./host_guard.ts";
import { jsonError } from "./errors.ts";
import { healthRoutes } from "./routes/health.ts";
import { alertRoutes } from "./routes/alerts.ts";
import { STREAM_OPTIONS, type StreamOptions, streamRoutes } from "./routes/stream.ts";
import { ruleRoutes, VALIDATE_LIMITS } from "./routes/rules.ts";
import { ANALYZE_MAX_BYTES, analyzeRoutes } from "./routes/analyze.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { openApiRoutes } from "./routes/openapi.ts";

/** Options of {@link createApp}. */
export interface AppOptions {
  /** The API token the bearer-protected routes require (non-empty, no whitespace). */
  token: string;
  /**
   * `Host` names served besides IP literals and `localhost` (needed when
   * clients use a DNS name for a non-loopback listener); `["*"]` accepts any.
   */
  allowedHosts?: readonly string[];
  /** SSE tuning. */
  stream?: Partial<StreamOptions>;
  /** Largest `POST /api/v1/rules/validate` body, bytes (default 16 MiB). */
  maxValidateBytes?: number;
  /** Largest `POST /api/v1/analyze` upload, bytes (default 64 MiB). */
  maxAnalyzeBytes?: number;
}

/** The prefix of the versioned API routes. */
export const API_PREFIX = "/api/v1";

/** Builds the app. Throws if the token is empty. */
export function createApp(api: DaemonApi, opts: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError((err, c) => {
    if (err instanceof ApiError) return jsonError(c, err.status, err.message);
    if (err instanceof HTTPException) return err.getResponse();
    console.error(`kestrel http: ${c.req.method} ${c.req.path}:`, err);
    return jsonError(c, 500, "internal error");
  });
  app.notFound((c) => jsonError(c, 404, `no route for ${c.req.method} ${c.req.path}`));

  app.use(hostGuard(opts.allowedHosts));
  app.use(async (c, next) => {
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Cache-Control", "no-store");
    await next();
  });
  // Every method that is not a read needs the token, on every route,
  // before anything reads the body.
  app.on(["POST", "PUT", "PATCH", "DELETE"], "*", bearerAuth({ token: opts.token }));

  app.route(API_PREFIX, healthRoutes(api));
  app.route(API_PREFIX, alertRoutes(api));
  app.route(API_PREFIX, streamRoutes(api, { ...STREAM_OPTIONS, ...opts.stream }));
  app.route(
    API_PREFIX,
    ruleRoutes(api, {
      ...VALIDATE_LIMITS,
      maxBodyBytes: opts.maxValidateBytes ?? VALIDATE_LIMITS.maxBodyBytes,
    }),
  );
  app.route(API_PREFIX, analyzeRoutes(api, opts.maxAnalyzeBytes ?? ANALYZE_MAX_BYTES));
  app.route(API_PREFIX, openApiRoutes());
  app.route("/", metricsRoutes(api));
  return app;
}
