/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * A worker (its own thread) for `ringbuf_test.ts`: on a message `n`, fires
 * the self-test trigger `n` times from this thread, then answers.
 *
 * @module
 */
import { trigger } from "../../ffi/selftest.ts";

self.onmessage = (e: MessageEvent<number>) => {
  for (let i = 0; i < e.data; i++) trigger(BigInt(i));
  self.postMessage("done");
};
