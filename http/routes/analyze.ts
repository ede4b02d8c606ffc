/**
 * `POST /api/v1/analyze`: replay an event log through the loaded rules.
 * The body is either the log itself (NDJSON: `application/x-ndjson`,
 * `application/jsonl` or `text/plain`; a `.klog`: `application/x-kestrel-klog`
 * or `application/octet-stream`) or `{"path": "..."}` as
 * `application/json`, naming a log the daemon may read: the daemon, not
 * this layer, decides which paths are allowed (ARCHITECTURE §9).
 *
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { DaemonApi } from "../daemon_api.ts";
import type { AppEnv } from "../env.ts";
import { jsonError } from "../errors.ts";
import { isObject, jsonResponse, mediaType } from "../json.ts";

/** Media types taken as an uploaded NDJSON log. */
export const NDJSON_TYPES: readonly string[] = [
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
  "application/x-jsonlines",
  "text/plain",
];

/** Media types taken as an uploaded `.klog` log. */
export const KLOG_TYPES: readonly string[] = [
  "application/x-kestrel-klog",
  "application/octet-stream",
];

/** Default largest upload: 64 MiB. */
export const ANALYZE_MAX_BYTES = 64 << 20;

/** Routes: `POST /analyze`. */
export function analyzeRoutes(api: DaemonApi, maxBodyBytes = ANALYZE_MAX_BYTES): Hono<AppEnv> {
  return new Hono<AppEnv>().post(
    "/analyze",
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => jsonError(c, 413, `the body exceeds ${maxBodyBytes} bytes`),
    }),
    async (c) => {
      const type = mediaType(c.req.header("Content-Type"));
      let input: { path: string } | { ndjson: string } | { klog: Uint8Array };
      if (type === "application/json") {
        let body: unknown;
        try {
          body = JSON.parse(await c.req.text());
        } catch (e) {
          return jsonError(c, 400, `invalid JSON body: ${(e as Error).message}`);
        }
        if (!isObject(body) || typeof body.path !== "string" || Object.keys(body).length !== 1) {
          return jsonError(c, 400, 'a JSON body must be {"path": "..."}; send a log as NDJSON');
        }
        if (body.path === "" || body.path.includes("\0")) {
          return jsonError(c, 400, "path must be a non-empty string without NUL");
        }
        input = { path: body.path };
      } else if (KLOG_TYPES.includes(type)) {
        const bytes = new Uint8Array(await c.req.arrayBuffer());
        if (bytes.length === 0) return jsonError(c, 400, "the uploaded log is empty");
        input = { klog: bytes };
      } else if (NDJSON_TYPES.includes(type)) {
        const text = await c.req.text();
        if (text.trim() === "") return jsonError(c, 400, "the uploaded log is empty");
        input = { ndjson: text };
      } else {
        return jsonError(
          c,
          415,
          `send the log as ${
            [...NDJSON_TYPES, ...KLOG_TYPES].join(", ")
          }, or {"path": "..."} as application/json`,
        );
      }
      const r = await api.analyze(input);
      if ("error" in r) {
        const status = Number.isInteger(r.status) && r.status >= 400 && r.status <= 599
          ? r.status as ContentfulStatusCode
          : 500;
        return jsonError(c, status, r.error);
      }
      return jsonResponse(c, { alerts: r.alerts, stats: r.stats });
    },
  );
}
