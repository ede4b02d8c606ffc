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
import { type Alert, type AlertAction, buildAlert } from "../engine/alerts.ts";
import type { Match } from "../engine/engine.ts";
import type { Schema } from "../engine/schema.ts";
import type { LoadedRule } from "../rules/loader/mod.ts";
import { DedupWindow } from "./dedup.ts";

/** An alert and its event time (epoch ns, its last event's). */
export interface MadeAlert {
  alert: Alert;
  timeNs: bigint;
}

/** What enforcement made of a match (default: what the rule's action plans, see `buildAlert`). */
export interface AlertOutcome {
  action: AlertAction;
  actionError?: string;
}

/** Actions that happened: their alerts are never dropped as duplicates. */
const ACTED: ReadonlySet<AlertAction> = new Set(["blocked", "killed"]);

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

  /**
   * The alert for `match` of `rule`, or undefined when it duplicates a
   * recent one (never when `outcome` says something was blocked or killed).
   */
  make(
    rule: LoadedRule,
    match: Pick<Match, "kind" | "events" | "entity">,
    degraded = false,
    outcome?: AlertOutcome,
  ): MadeAlert | undefined {
    const events = match.events;
    const timeNs = events[events.length - 1].timestamp;
    const acted = outcome !== undefined && ACTED.has(outcome.action);
    if (
      this.dedup.enabled && !acted && !this.dedup.admit(rule.id, this.#entity(match), timeNs)
    ) {
      return undefined;
    }
    const alert = buildAlert({
      rule,
      kind: match.kind,
      events,
      entity: match.entity,
      degraded,
      ...(outcome !== undefined ? { action: outcome.action } : {}),
      ...(outcome?.actionError !== undefined ? { actionError: outcome.actionError } : {}),
    });
    return { alert, timeNs };
  }

  #entity(match: Pick<Match, "events" | "entity">): string {
    if (match.entity !== undefined) return match.entity;
    if (this.#entityField === undefined) return "";
    const v = match.events[0].get(this.#entityField);
    return v === undefined || v === null ? "" : String(v);
  }
}
