/**
 * The daemon's memory of recent alerts for `GET /api/v1/alerts`: a bounded
 * ring (the oldest alert leaves when it is full), read newest first with
 * the filters of {@link AlertQuery} and cursor paging.
 *
 * Every alert gets a sequence number when it enters. A cursor names the
 * last alert of a page by that number, plus a tag of this ring (random per
 * daemon start), so a cursor from an earlier run is refused instead of
 * silently paging through other alerts. A cursor stays valid while the
 * ring turns over: the next page holds what is still there below it.
 *
 * @module
 */
import { ApiError } from "../http/daemon_api.ts";
import type { Alert, AlertPage, AlertQuery } from "../http/daemon_api.ts";
import { rfc3339Nanos } from "./time.ts";

interface Entry {
  seq: number;
  alert: Alert;
  /** The alert's event time, epoch ns (for `since`). */
  timeNs: bigint;
}

/** Default capacity: the most recent 10,000 alerts. */
export const ALERT_RING_CAPACITY = 10_000;

/** Recent alerts, bounded. */
export class AlertRing {
  readonly #capacity: number;
  readonly #entries: (Entry | undefined)[];
  /** Index of the next write. */
  #head = 0;
  #size = 0;
  #seq = 0;
  readonly #tag: string;

  /** A ring of at most `capacity` alerts (at least 1). */
  constructor(capacity = ALERT_RING_CAPACITY) {
    this.#capacity = Math.max(1, Math.floor(capacity));
    this.#entries = new Array(this.#capacity);
    const b = crypto.getRandomValues(new Uint8Array(4));
    this.#tag = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  /** Alerts held now. */
  get size(): number {
    return this.#size;
  }

  /** Alerts added since start. */
  get added(): number {
    return this.#seq;
  }

  /** Adds `alert`, raised at event time `timeNs` (epoch ns); the oldest leaves when full. */
  push(alert: Alert, timeNs: bigint): void {
    this.#entries[this.#head] = { seq: ++this.#seq, alert, timeNs };
    this.#head = (this.#head + 1) % this.#capacity;
    if (this.#size < this.#capacity) this.#size++;
  }

  /**
   * One page of the alerts matching `q`, newest first. Throws
   * {@link ApiError} 400 for a cursor this ring did not hand out.
   */
  query(q: AlertQuery): AlertPage {
    const below = q.cursor === undefined ? Infinity : this.#cursorSeq(q.cursor);
    const since = q.since === undefined ? undefined : rfc3339Nanos(q.since);
    const out: Alert[] = [];
    let last: Entry | undefined;
    for (let i = 1; i <= this.#size; i++) {
      const e = this.#entries[(this.#head - i + this.#capacity) % this.#capacity]!;
      if (e.seq >= below) continue;
      const rule = e.alert.kestrel.rule;
      if (q.severity !== undefined && rule.severity !== q.severity) continue;
      if (q.rule !== undefined && rule.id !== q.rule) continue;
      if (since !== undefined && e.timeNs < since) continue;
      if (out.length === q.limit) return { alerts: out, nextCursor: this.#cursor(last!) };
      out.push(e.alert);
      last = e;
    }
    return { alerts: out };
  }

  #cursor(e: Entry): string {
    return `${e.seq.toString(36)}.${this.#tag}`;
  }

  #cursorSeq(cursor: string): number {
    const m = /^([0-9a-z]{1,11})\.([0-9a-f]{8})$/.exec(cursor);
    const seq = m ? parseInt(m[1], 36) : NaN;
    if (!m || m[2] !== this.#tag || !(seq >= 1 && seq <= this.#seq)) {
      throw new ApiError(400, "unknown or expired cursor: start again without one");
    }
    return seq;
  }
}
