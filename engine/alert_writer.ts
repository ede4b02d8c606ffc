/**
 * Alert output for replay and the live engine's stdout: turns matches into
 * alert objects and writes them as NDJSON through one buffered writer, so
 * a busy replay does not pay a write call per alert.
 *
 * @module
 */
import { buildAlert, serializeAlert } from "./alerts.ts";
import type { Match } from "./engine.ts";

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

const FLUSH_BYTES = 64 * 1024;

/** Buffers alert lines and writes them to `out`. */
export class AlertWriter {
  readonly #out: { write(p: Uint8Array): Promise<number> };
  readonly #encoder = new TextEncoder();
  #lines: string[] = [];
  #bytes = 0;
  /** Alerts written so far. */
  count = 0;

  /** Writes to `out` (e.g. `Deno.stdout` or an open file). */
  constructor(out: { write(p: Uint8Array): Promise<number> }) {
    this.#out = out;
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
    const line = serializeAlert(buildAlert({
      rule,
      kind: match.kind,
      events: match.events,
      entity: match.entity,
      degraded,
      action,
    }));
    this.#lines.push(line);
    this.#bytes += line.length + 1;
    this.count++;
  }

  /** Writes out the buffer when it has grown past a threshold. */
  async flushIfFull(): Promise<void> {
    if (this.#bytes >= FLUSH_BYTES) await this.flush();
  }

  /** Writes out everything buffered. */
  async flush(): Promise<void> {
    if (this.#lines.length === 0) return;
    const data = this.#encoder.encode(this.#lines.join("\n") + "\n");
    this.#lines = [];
    this.#bytes = 0;
    for (let off = 0; off < data.length;) off += await this.#out.write(data.subarray(off));
  }
}
