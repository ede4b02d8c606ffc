/**
 * Retry pacing for network outputs: capped exponential backoff with jitter,
 * and a wait that `close` can cut short.
 *
 * @module
 */

/**
 * Capped exponential backoff: the n-th consecutive failure waits about
 * `baseMs·2ⁿ⁻¹`, never more than `maxMs`, with "equal jitter" (a random
 * point in the upper half of the step) so that many sensors do not retry in
 * step against one receiver.
 */
export class Backoff {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  #failures = 0;

  /** `random` returns a number in [0, 1); inject a constant for exact delays. */
  constructor(baseMs: number, maxMs: number, random: () => number = Math.random) {
    this.#baseMs = Math.max(1, baseMs);
    this.#maxMs = Math.max(this.#baseMs, maxMs);
    this.#random = random;
  }

  /** Consecutive failures since the last {@link reset}. */
  get failures(): number {
    return this.#failures;
  }

  /** Records a failure and returns how long to wait before the next try, in ms. */
  next(): number {
    this.#failures++;
    const step = Math.min(this.#maxMs, this.#baseMs * 2 ** Math.min(this.#failures - 1, 30));
    return Math.round(step / 2 + this.#random() * (step / 2));
  }

  /** Records a success. */
  reset(): void {
    this.#failures = 0;
  }
}

/** A timer wait that can be woken early (on close or on new work). */
export class Sleeper {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #resolve: (() => void) | undefined;

  /** Resolves after `ms`, or at the next {@link wake}. One wait at a time. */
  sleep(ms: number): Promise<void> {
    this.wake();
    return new Promise((resolve) => {
      this.#resolve = resolve;
      this.#timer = setTimeout(() => this.wake(), ms);
    });
  }

  /** True while a wait is pending. */
  get sleeping(): boolean {
    return this.#resolve !== undefined;
  }

  /** Ends the pending wait now, if any. */
  wake(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.();
  }
}
