/**
 * JSON responses and request bodies. Responses go through
 * {@link toJson}, which writes bigints (live events' nanosecond fields) as
 * integers instead of throwing.
 *
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** `JSON.stringify`, with bigints written as integers. */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return JSON.stringify(value, (_k, v) => typeof v === "bigint" ? rawJson(v.toString()) : v);
  }
}

/** A JSON response with `status`, bigint-safe. */
export function jsonResponse(
  c: Context,
  body: unknown,
  status: ContentfulStatusCode = 200,
): Response {
  c.header("Content-Type", "application/json; charset=utf-8");
  return c.body(toJson(body), status);
}

/** A request body read as JSON, or why it could not be. */
export type BodyRead =
  | { ok: true; value: unknown }
  | { ok: false; status: 400 | 415; error: string };

/** Reads the body as JSON; the Content-Type must be `application/json`. */
export async function readJsonBody(c: Context): Promise<BodyRead> {
  if (mediaType(c.req.header("Content-Type")) !== "application/json") {
    return { ok: false, status: 415, error: "the body must be application/json" };
  }
  const text = await c.req.text();
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, status: 400, error: `invalid JSON body: ${(e as Error).message}` };
  }
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

/** Whether `v` is a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function rawJson(text: string): unknown {
  return (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(text);
}
