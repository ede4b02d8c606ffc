/**
 * `GET /metrics`: Prometheus text exposition, format 0.0.4.
 *
 * @module
 */
import { Hono } from "hono";
import type { DaemonApi } from "../daemon_api.ts";
import type { AppEnv } from "../env.ts";

/** Content type of the Prometheus text format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Routes: `GET /metrics`. */
export function metricsRoutes(api: DaemonApi): Hono<AppEnv> {
  return new Hono<AppEnv>().get("/metrics", (c) => {
    c.header("Content-Type", PROMETHEUS_CONTENT_TYPE);
    return c.body(api.metrics());
  });
}
