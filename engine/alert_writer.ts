/**
 * Alert output for replay and the live engine's stdout: turns matches into
 * alert objects and writes them as NDJSON through a buffered line writer.
 *
 * @module
 */
import { buildAlert, serializeAlert } from "./alerts.ts";
import type { Match } from "./engine.ts";
import { type ByteSink, LineWriter } from "../log/line_writer.ts";

/** The rule fields an alert carries. `LoadedRule` satisfies it. */
export interface AlertRule {
  id: string;
  name: string;
  severity: string;
  version?: string;
  tags: string[];
  mitre: string[];
  action: "alert" | "block" | "kill";
}

/** Buffers alert lines (NDJSON) and writes them out. */
export class AlertWriter extends LineWriter {
  /** Writes to `out` (e.g. `Deno.stdout` or an open file). */
  constructor(out: ByteSink) {
    super(out);
  }

  /**
   * Adds the alert for `match` of `rule`. Without enforcement, block and kill
   * rules report what they would have done. `degraded`: the match spans
   * lost events (live collection).
   */
  write(rule: AlertRule, match: Match, degraded = false): void {
    const action = rule.action === "block"
      ? "would_block"
      : rule.action === "kill"
      ? "would_kill"
      : "alert";
    this.push(serializeAlert(buildAlert({
      rule,
      kind: match.kind,
      events: match.events,
      entity: match.entity,
      degraded,
      action,
    })));
  }
}
