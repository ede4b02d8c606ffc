/**
 * `GET /api/v1/alerts/stream`: new alerts as Server-Sent Events, optionally
 * filtered by `severity` and `rule`. Each alert is
 *
 * ```
 * event: alert
 * id: <alert id>
 * data: <alert JSON>
 * ```
 *
 * A `: connected` comment is sent once the subscription is in place (an
 * alert raised after the client has read it is delivered), then a
 * `: heartbeat` comment at a fixed interval so proxies keep the connection
 * open. A client too slow to keep up (more than `maxQueued` events
 * waiting) is disconnected rather than buffered without bound; it can
 * reconnect and fetch what it missed from `GET /api/v1/alerts`. Streams end
 * when the client goes away or the server shuts down.
 *
 * @module
 */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { Alert, DaemonApi } from "../daemon_api.ts";
import type { AppEnv } from "../env.ts";
import { matchesFilter, parseAlertFilter } from "../alert_query.ts";
import { jsonError } from "../errors.ts";
import { toJson } from "../json.ts";

/** Options of the stream. */
export interface StreamOptions {
  /** Milliseconds between heartbeat comments. */
  heartbeatMs: number;
  /** Most writes waiting for a slow client before it is disconnected. */
  maxQueued: number;
  /** At shutdown, how long queued alerts may take to go out before the stream is cut. */
  drainMs: number;
}

/** Default {@link StreamOptions}: a heartbeat every 15 s, 1,000 queued alerts, 1 s to drain. */
export const STREAM_OPTIONS: StreamOptions = {
  heartbeatMs: 15_000,
  maxQueued: 1_000,
  drainMs: 1_000,
};

/** Routes: `GET /alerts/stream`. */
export function streamRoutes(api: DaemonApi, opts: StreamOptions = STREAM_OPTIONS): Hono<AppEnv> {
  return new Hono<AppEnv>().get("/alerts/stream", (c) => {
    const filter = parseAlertFilter(new URL(c.req.url).searchParams);
    if (!filter.ok) return jsonError(c, 400, filter.error);
    const shutdown = c.env?.shutdown;
    if (shutdown?.aborted) return jsonError(c, 503, "the server is shutting down");

    return streamSSE(c, async (stream) => {
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      let closed = false;
      /** Why the stream ends: a drained end only at shutdown; otherwise drop what is queued. */
      let graceful = false;
      let queued = 0;
      let chain: Promise<void> = Promise.resolve();
      const close = (drain = false) => {
        if (closed) return;
        closed = true;
        graceful = drain;
        finish();
      };
      const end = () => close(false);
      const drain = () => close(true);
      // Writes are chained so events leave in the order they were raised.
      const enqueue = (write: () => Promise<void>) => {
        if (closed) return;
        if (queued >= opts.maxQueued) return end();
        queued++;
        chain = chain.then(() => closed && !graceful ? undefined : write()).then(
          () => void queued--,
          end,
        );
      };

      const unsubscribe = api.subscribe((a: Alert) => {
        if (!matchesFilter(a, filter.value)) return;
        enqueue(() => stream.writeSSE({ event: "alert", id: a.kestrel.alert.id, data: toJson(a) }));
      });
      // The response body is cancelled when the client goes away.
      stream.onAbort(end);
      shutdown?.addEventListener("abort", drain);
      const heartbeat = setInterval(
        () => enqueue(() => stream.write(": heartbeat\n\n").then(() => {})),
        opts.heartbeatMs,
      );
      enqueue(() => stream.write(": connected\n\n").then(() => {}));
      try {
        await finished;
      } finally {
        unsubscribe();
        clearInterval(heartbeat);
        shutdown?.removeEventListener("abort", drain);
        // At shutdown, let what is queued go out for a moment; a client that
        // does not read, or is gone, is cut off so the server can stop.
        if (graceful && !(await settlesWithin(chain, opts.drainMs))) stream.abort();
        if (!graceful) stream.abort();
      }
    });
  });
}

/** Whether `p` settles within `ms` milliseconds (the timer is cleared either way). */
async function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
