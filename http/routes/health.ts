/**
 * `GET /api/v1/health`: the daemon's state. Answers 200 whether the status
 * is `ok` or `degraded` (the sensor still works while degraded); probes read
 * `status`.
 *
 * @module
 */
import { Hono } from "hono";
import type { DaemonApi } from "../daemon_api.ts";
import type { AppEnv } from "../env.ts";
import { jsonResponse } from "../json.ts";

/** Routes: `GET /health`. */
export function healthRoutes(api: DaemonApi): Hono<AppEnv> {
  return new Hono<AppEnv>().get("/health", (c) => jsonResponse(c, api.health()));
}
