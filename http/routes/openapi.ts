/**
 * `GET /api/v1/openapi.json`: the OpenAPI 3.0 description of the API.
 *
 * @module
 */
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { openApiDocument } from "../openapi.ts";
import { toJson } from "../json.ts";

/** Routes: `GET /openapi.json`. */
export function openApiRoutes(): Hono<AppEnv> {
  const text = toJson(openApiDocument());
  return new Hono<AppEnv>().get("/openapi.json", (c) => {
    c.header("Content-Type", "application/json; charset=utf-8");
    return c.body(text);
  });
}
