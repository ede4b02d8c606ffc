/**
 * The per-rule+entity dedup window (`[alerts] dedup_window_sec`): once an
 * alert of a rule for an entity is raised, later alerts of the same rule
 * and entity whose event time is within the window of it are dropped; the
 * first one past the window is raised and opens a new window. Time is the
 * alerts' event time, never the wall clock, so replaying a log gives the
 * same alerts as the live sensor did.
 *
 * Memory is bounded: keys whose window has passed (measured from the
 * newest event time seen) are forgotten a few at a time as alerts arrive,
 * and beyond `maxKeys` the least recently raised key is forgotten first.
 *
 * @module
 */

/** Default bound on remembered (rule, entity) keys. */
export const DEDUP_MAX_KEYS = 100_000;

/** Keys looked at for expiry per admitted alert (amortised pruning). */
const PRUNE_STEP = 8;

/** Decides which alerts a dedup window lets through. */
export class DedupWindow {
  readonly #windowNs: bigint;
  readonly #maxKeys: number;
  /** Key → event time of the last alert raised; insertion order is raise order. */
  readonly #last = new Map<string, bigint>();
  #newest: bigint | undefined;
  /** Alerts dropped as duplicates. */
  suppressed = 0;

  /** A window of `windowSec` seconds (0 turns deduplication off). */
  constructor(windowSec: number, maxKeys = DEDUP_MAX_KEYS) {
    this.#windowNs = BigInt(Math.max(0, Math.round(windowSec * 1000))) * 1_000_000n;
    this.#maxKeys = Math.max(1, maxKeys);
  }

  /** Whether deduplication is on. */
  get enabled(): boolean {
    return this.#windowNs > 0n;
  }

  /** Keys remembered now. */
  get size(): number {
    return this.#last.size;
  }

  /**
   * True when the alert of `rule` for `entity` at event time `timeNs`
   * (epoch ns) is to be raised; false when it duplicates one raised less
   * than the window before (or after: events may arrive slightly out of
   * order).
   */
  admit(rule: string, entity: string, timeNs: bigint): boolean {
    if (this.#windowNs === 0n) return true;
    const key = `${rule}\u0000${entity}`;
    const last = this.#last.get(key);
    if (last !== undefined) {
      const gap = timeNs >= last ? timeNs - last : last - timeNs;
      if (gap < this.#windowNs) {
        this.suppressed++;
        return false;
      }
      this.#last.delete(key);
    }
    this.#last.set(key, timeNs);
    if (this.#newest === undefined || timeNs > this.#newest) this.#newest = timeNs;
    this.#prune();
    return true;
  }

  #prune(): void {
    const horizon = this.#newest! - this.#windowNs;
    let n = 0;
    for (const [key, t] of this.#last) {
      if (this.#last.size <= this.#maxKeys && (t > horizon || ++n > PRUNE_STEP)) break;
      this.#last.delete(key);
    }
  }
}
