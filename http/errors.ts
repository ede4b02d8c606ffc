/**
 * The one error shape of the REST API: `{"error": "<message>"}` with a
 * 4xx/5xx status, plus route-specific members where documented (a refused
 * reload adds its diagnostics).
 *
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { jsonResponse } from "./json.ts";

/** Body of every error response. */
export interface ErrorBody {
  error: string;
}

/** Answers `status` with `{"error": message, ...extra}`. */
export function jsonError(
  c: Context,
  status: ContentfulStatusCode,
  message: string,
  extra: Record<string, unknown> = {},
): Response {
  return jsonResponse(c, { error: message, ...extra }, status);
}
