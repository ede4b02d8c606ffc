/**
 * Turns rule matches into alerts (ARCHITECTURE §7) behind the dedup
 * window, the same way for live events and for `analyze`.
 *
 * The entity a match is deduplicated by: its by-key values when the rule
 * has `by` keys, else the `process.entity_id` of its first event, else
 * nothing (then the rule alone is the key).
 *
 * @module
 */
import { type Alert, buildAlert } from "../engine/alerts.ts";
import type { Match } from "../engine/engine.ts";
import type { Schema } from "../engine/schema.ts";
import type { LoadedRule } from "../rules/loader/mod.ts";
import { DedupWindow } from "./dedup.ts";

/** An alert and its event time (epoch ns, its last event's). */
export interface MadeAlert {
  alert: Alert;
  timeNs: bigint;
}

/** Builds alerts from matches, dropping duplicates within the window. */
export class AlertMaker {
  /** The dedup window (its `suppressed` counts the dropped duplicates). */
  readonly dedup: DedupWindow;
  readonly #entityField: number | undefined;

  /** Alerts for events read through `schema`, deduplicated over `dedupWindowSec` (0 = off). */
  constructor(schema: Schema, dedupWindowSec: number) {
    this.dedup = new DedupWindow(dedupWindowSec);
    this.#entityField = schema.lookup("process.entity_id")?.id;
  }

  /** The alert for `match` of `rule`, or undefined when it duplicates a recent one. */
  make(rule: LoadedRule, match: Match, degraded = false): MadeAlert | undefined {
    const events = match.events;
    const timeNs = events[events.length - 1].timestamp;
    if (this.dedup.enabled && !this.dedup.admit(rule.id, this.#entity(match), timeNs)) {
      return undefined;
    }
    const alert = buildAlert({
      rule,
      kind: match.kind,
      events,
      entity: match.entity,
      degraded,
    });
    return { alert, timeNs };
  }

  #entity(match: Match): string {
    if (match.entity !== undefined) return match.entity;
    if (this.#entityField === undefined) return "";
    const v = match.events[0].get(this.#entityField);
    return v === undefined || v === null ? "" : String(v);
  }
}
