/**
 * DNS-rebinding protection. Read-only routes are open, which is safe only
 * while nothing but local clients can reach them; a web page could still
 * reach a loopback listener through a host name it controls that resolves
 * to 127.0.0.1. Such requests carry that name in `Host`, so requests are
 * accepted only when `Host` is an IP literal, `localhost` (or a
 * `*.localhost` name), or one of the configured names.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { jsonError } from "./errors.ts";

/**
 * Middleware admitting only the allowed `Host` names. `allowed` adds names
 * (case-insensitive, without port); `"*"` turns the check off.
 */
export function hostGuard(allowed: readonly string[] = []): MiddlewareHandler {
  if (allowed.includes("*")) return async (_c, next) => await next();
  const names = new Set(allowed.map((n) => n.toLowerCase()));
  return async (c, next) => {
    const host = c.req.header("Host");
    if (host !== undefined && !hostAllowed(host, names)) {
      return jsonError(c, 421, `requests for host ${JSON.stringify(host)} are not served here`);
    }
    await next();
  };
}

/** Whether a `Host` header value names an IP literal, localhost or one of `names`. */
export function hostAllowed(host: string, names: ReadonlySet<string> = new Set()): boolean {
  const h = host.trim().toLowerCase();
  if (/^\[[0-9a-f:.]+(%[\w.-]+)?\](:\d+)?$/.test(h)) return true; // [IPv6]:port
  const name = h.replace(/:\d+$/, "");
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return true;
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  return names.has(name);
}
