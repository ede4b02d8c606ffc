/**
 * Rule routes:
 * - `GET /api/v1/rules`: metadata of the loaded rules.
 * - `POST /api/v1/rules/reload`: load the configured rules again and swap
 *   them in atomically. 200 with the new counts, or 422 with every
 *   diagnostic (as `file:line:col: message` lines and as objects) while the
 *   previous ruleset keeps running.
 * - `POST /api/v1/rules/validate`: compile uploaded rule files
 *   (`{"files": [{"path", "text"}]}`) without loading them; 200 whether or
 *   not they have errors (`ok` tells).
 *
 * Authentication of the POST routes is the app's (every mutating route needs
 * the bearer token).
 *
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type Diagnostic, formatDiagnostic } from "../../eql/errors.ts";
import type { DaemonApi, SourceText } from "../daemon_api.ts";
import type { AppEnv } from "../env.ts";
import { jsonError } from "../errors.ts";
import { isObject, jsonResponse, readJsonBody } from "../json.ts";

/** Limits of `POST /rules/validate`. */
export interface ValidateLimits {
  /** Largest request body, bytes. */
  maxBodyBytes: number;
  /** Most files in one request. */
  maxFiles: number;
}

/** Default {@link ValidateLimits}: 16 MiB, 10,000 files. */
export const VALIDATE_LIMITS: ValidateLimits = { maxBodyBytes: 16 << 20, maxFiles: 10_000 };

/** Routes: `GET /rules`, `POST /rules/reload`, `POST /rules/validate`. */
export function ruleRoutes(api: DaemonApi, limits: ValidateLimits = VALIDATE_LIMITS): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get("/rules", (c) => jsonResponse(c, { rules: api.rules() }))
    .post("/rules/reload", async (c) => {
      const r = await api.reload();
      if (r.ok) return jsonResponse(c, { ok: true, rules: r.rules, version: r.version });
      const errors = r.diagnostics.filter((d) => d.severity === "error").length;
      return jsonResponse(c, {
        ok: false,
        error: `ruleset rejected with ${errors} error(s); the previous ruleset is still running`,
        messages: messages(r.diagnostics),
        diagnostics: r.diagnostics,
      }, 422);
    })
    .post(
      "/rules/validate",
      bodyLimit({
        maxSize: limits.maxBodyBytes,
        onError: (c) => jsonError(c, 413, `the body exceeds ${limits.maxBodyBytes} bytes`),
      }),
      async (c) => {
        const body = await readJsonBody(c);
        if (!body.ok) return jsonError(c, body.status, body.error);
        const files = checkFiles(body.value, limits.maxFiles);
        if (typeof files === "string") return jsonError(c, 400, files);
        const r = api.validate(files);
        const errors = r.diagnostics.filter((d) => d.severity === "error").length;
        return jsonResponse(c, {
          ok: errors === 0,
          rules: r.rules,
          errors,
          warnings: r.diagnostics.length - errors,
          messages: messages(r.diagnostics),
          diagnostics: r.diagnostics,
        });
      },
    );
}

/** `file:line:col: message` per diagnostic (warnings say so), without source excerpts. */
function messages(ds: readonly Diagnostic[]): string[] {
  return ds.map((d) => formatDiagnostic(d, false));
}

/** The files of a validate body, or what is wrong with it. */
function checkFiles(body: unknown, maxFiles: number): SourceText[] | string {
  if (!isObject(body) || !Array.isArray(body.files)) {
    return 'the body must be {"files": [{"path": "...", "text": "..."}]}';
  }
  const extra = Object.keys(body).find((k) => k !== "files");
  if (extra !== undefined) return `unknown member ${JSON.stringify(extra)} in the body`;
  if (body.files.length === 0) return "files must not be empty";
  if (body.files.length > maxFiles) return `at most ${maxFiles} files per request`;
  const out: SourceText[] = [];
  const seen = new Set<string>();
  for (const [i, f] of body.files.entries()) {
    if (!isObject(f) || typeof f.path !== "string" || typeof f.text !== "string") {
      return `files[${i}] must be {"path": string, "text": string}`;
    }
    const extraKey = Object.keys(f).find((k) => k !== "path" && k !== "text");
    if (extraKey !== undefined) return `unknown member ${JSON.stringify(extraKey)} in files[${i}]`;
    if (f.path === "" || f.path.length > 4096 || f.path.includes("\0")) {
      return `files[${i}].path must be 1 to 4096 characters without NUL`;
    }
    if (seen.has(f.path)) return `files[${i}].path ${JSON.stringify(f.path)} is given twice`;
    seen.add(f.path);
    out.push({ path: f.path, text: f.text });
  }
  return out;
}
