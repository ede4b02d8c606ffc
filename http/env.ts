/**
 * The Hono environment of the Kestrel app: what the server passes with each
 * request besides the request itself.
 *
 * @module
 */

/** Bindings `startServer` passes as the second argument of `app.fetch`. */
export interface ServerBindings {
  /** Aborted when the server shuts down: long-lived responses (SSE) end then. */
  shutdown?: AbortSignal;
}

/** The app's Hono environment. */
export interface AppEnv {
  /** Passed by the server with each request. */
  Bindings: ServerBindings;
}
