/**
 * Bearer-token authentication for the mutating and analyze routes. It is
 * enforced on every connection, loopback included (loopback is not a trust
 * boundary: any local user or a browser page can reach it).
 *
 * - no `Authorization: Bearer …` → 401 with `WWW-Authenticate: Bearer`
 * - a token that does not match → 403
 *
 * Tokens are compared in constant time: both sides are hashed with SHA-256
 * so the comparison runs over equal-length digests whatever the lengths of
 * the inputs, and the digests are compared without an early exit.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { jsonError } from "./errors.ts";

/** Options of {@link bearerAuth}. */
export interface BearerAuthOptions {
  /** The expected token: non-empty, without whitespace. */
  token: string;
  /** Realm named in `WWW-Authenticate`. */
  realm?: string;
}

/** Middleware that admits only requests carrying the configured bearer token. */
export function bearerAuth(opts: BearerAuthOptions): MiddlewareHandler {
  if (typeof opts.token !== "string" || !/^\S+$/.test(opts.token)) {
    throw new Error("bearerAuth: the API token must be a non-empty string without whitespace");
  }
  const expected = sha256(opts.token);
  const challenge = `Bearer realm="${opts.realm ?? "kestrel"}"`;
  return async (c, next) => {
    const presented = bearerToken(c.req.header("Authorization"));
    if (presented === undefined) {
      c.header("WWW-Authenticate", challenge);
      return jsonError(c, 401, "missing bearer token: send Authorization: Bearer <token>");
    }
    if (!timingSafeEqual(await sha256(presented), await expected)) {
      c.header("WWW-Authenticate", `${challenge}, error="invalid_token"`);
      return jsonError(c, 403, "invalid bearer token");
    }
    await next();
  };
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), if any. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*Bearer +(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** Non-standard `timingSafeEqual` some runtimes add to `crypto.subtle`. */
interface SubtleWithTimingSafeEqual {
  timingSafeEqual?: (a: ArrayBufferView | ArrayBuffer, b: ArrayBufferView | ArrayBuffer) => boolean;
}

/**
 * Compares two byte arrays without an early exit on the first difference.
 * Uses the runtime's `crypto.subtle.timingSafeEqual` where there is one.
 * Arrays of different lengths are unequal (callers pass equal-length digests).
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  const native = (crypto.subtle as unknown as SubtleWithTimingSafeEqual).timingSafeEqual;
  if (typeof native === "function") return native.call(crypto.subtle, a, b);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

async function sha256(text: string): Promise<Uint8Array> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return new Uint8Array(digest);
}
