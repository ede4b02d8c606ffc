/**
 * `GET /api/v1/alerts`: recent alerts from the daemon's ring, newest first,
 * filtered by `severity`, `rule` and `since`, paged by `limit` and `cursor`.
 *
 * @module
 */
import { Hono } from "hono";
import type { DaemonApi } from "../daemon_api.ts";
import type { AppEnv } from "../env.ts";
import { parseAlertQuery } from "../alert_query.ts";
import { jsonError } from "../errors.ts";
import { jsonResponse } from "../json.ts";

/** Routes: `GET /alerts`. */
export function alertRoutes(api: DaemonApi): Hono<AppEnv> {
  return new Hono<AppEnv>().get("/alerts", (c) => {
    const q = parseAlertQuery(new URL(c.req.url).searchParams);
    if (!q.ok) return jsonError(c, 400, q.error);
    const page = api.alerts(q.value);
    return jsonResponse(c, {
      alerts: page.alerts,
      ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
    });
  });
}
