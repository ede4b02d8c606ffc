/**
 * Serving the app with `Deno.serve`, and stopping it: shutdown first ends
 * the long-lived SSE streams (through the `shutdown` signal every request
 * carries in its bindings), then waits for the requests in flight.
 *
 * @module
 */
import type { Hono } from "hono";
import type { AppEnv, ServerBindings } from "./env.ts";

/** Default listen address (ARCHITECTURE §9). */
export const DEFAULT_LISTEN = "127.0.0.1:9090";

/** A running server. */
export interface RunningServer {
  /** The bound address (the real port when 0 was asked for). */
  addr: Deno.NetAddr;
  /** Base URL, e.g. `http://127.0.0.1:9090`. */
  url: string;
  /** Ends SSE streams, stops accepting connections and waits for requests in flight. */
  shutdown(): Promise<void>;
  /** Settles when the server has stopped. */
  finished: Promise<void>;
}

/** A parsed `host:port`. */
export interface ListenAddress {
  /** Host name or IP address (IPv6 without brackets). */
  hostname: string;
  /** 0–65535; 0 picks a free port. */
  port: number;
}

/**
 * Parses `host:port`, `[v6]:port` (port 0 picks a free one). Throws a
 * message naming the value when it is malformed.
 */
export function parseListen(listen: string): ListenAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\[\]\s]+)):(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new Error(
      `invalid listen address ${
        JSON.stringify(listen)
      }: expected host:port, e.g. ${DEFAULT_LISTEN}`,
    );
  }
  return { hostname: m[1] ?? m[2], port };
}

/**
 * Starts serving `app` on `listen` (`host:port`); resolves once listening.
 * Rejects when the address is malformed or cannot be bound.
 */
export async function startServer(app: Hono<AppEnv>, listen: string): Promise<RunningServer> {
  const { hostname, port } = parseListen(listen);
  const stopping = new AbortController();
  const bindings: ServerBindings = { shutdown: stopping.signal };
  // Binding happens inside Deno.serve: errors (address in use) throw here.
  const server = Deno.serve(
    { hostname, port, onListen: () => {} },
    (req) => app.fetch(req, bindings),
  );
  const addr = server.addr;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  let stopped: Promise<void> | undefined;
  return await Promise.resolve({
    addr,
    url: `http://${host}:${addr.port}`,
    shutdown: () => {
      stopped ??= (async () => {
        stopping.abort();
        await server.shutdown();
      })();
      return stopped;
    },
    finished: server.finished,
  });
}
