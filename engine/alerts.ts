/**
 * Alert objects (ARCHITECTURE §7) and their NDJSON form.
 *
 * Shape, in this key order:
 * `{"@timestamp", "kestrel": {"alert": {id, kind, degraded, action,
 * action_error?}, "rule": {id, name, severity, version?, tags}, "entity"?},
 * "threat": [...], "host"?, "events": [...]}`. Optional members are
 * omitted when unknown, never null.
 *
 * ATT&CK ids follow ECS `threat.*`: a sub-technique `T1059.004` becomes
 * `{"technique": {"id": "T1059", "subtechnique": {"id": "T1059.004"}}}`, so
 * searches on the technique id find alerts tagged with its sub-techniques;
 * a tactic `TA0002` becomes `{"tactic": {"id": "TA0002"}}`. One threat entry
 * per listed id, in rule order; a technique listed both alone and through
 * one of its sub-techniques is given once, with the sub-technique.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { type Event, formatNanos } from "./event.ts";

/** What happened about the alert: enforcement outcome, or what enforcement would have done. */
export type AlertAction = "alert" | "blocked" | "killed" | "would_block" | "would_kill" | "failed";

/** The rule fields an alert carries (a loaded rule satisfies it). */
export interface AlertRuleInfo {
  id: string;
  name: string;
  severity: string;
  version?: string;
  tags: readonly string[];
  /** ATT&CK technique, sub-technique and tactic ids (`T1059.004`, `TA0002`). */
  mitre: readonly string[];
  /** The configured response. */
  action: "alert" | "block" | "kill";
}

/** Everything {@link buildAlert} needs. */
export interface AlertInput {
  rule: AlertRuleInfo;
  kind: "event" | "sequence";
  /** The matched events in order (one for an event rule); at least one. */
  events: readonly Event[];
  /** The by-key values as text. */
  entity?: string;
  /** The match overlaps lost events (§2). */
  degraded?: boolean;
  /**
   * The outcome. Default: `alert` for alert rules, `would_block` /
   * `would_kill` for block / kill rules — the builder never claims an
   * enforcement it was not told about.
   */
  action?: AlertAction;
  /** Why enforcement failed (with action `failed`). */
  actionError?: string;
  /** Host fields to use when the first event carries none. */
  host?: Record<string, unknown>;
}

/** One `threat` entry (ECS). */
export interface ThreatEntry {
  framework: "MITRE ATT&CK";
  tactic?: { id: string };
  technique?: { id: string; subtechnique?: { id: string } };
}

/** An alert object, as serialised. */
export interface Alert {
  "@timestamp": string;
  kestrel: {
    alert: {
      id: string;
      kind: "event" | "sequence";
      degraded: boolean;
      action: AlertAction;
      action_error?: string;
    };
    rule: { id: string; name: string; severity: string; version?: string; tags: string[] };
    entity?: string;
  };
  threat: ThreatEntry[];
  host?: Record<string, unknown>;
  events: Record<string, unknown>[];
}

/** Builds the alert for a match. Throws if `events` is empty. */
export function buildAlert(input: AlertInput): Alert {
  const { rule, events } = input;
  if (events.length === 0) throw new RangeError(`alert for rule ${rule.id} without events`);
  const docs = events.map((e) => e.toJSON());
  const host = hostOf(docs[0]) ?? input.host;
  // Conditional spreads keep the key order of §7 while omitting unknown members.
  return {
    "@timestamp": formatNanos(events[events.length - 1].timestamp),
    kestrel: {
      alert: {
        id: alertId(rule.id, rule.version, events),
        kind: input.kind,
        degraded: input.degraded ?? false,
        action: input.action ?? defaultAction(rule.action),
        ...(input.actionError !== undefined ? { action_error: input.actionError } : {}),
      },
      rule: {
        id: rule.id,
        name: rule.name,
        severity: rule.severity,
        ...(rule.version !== undefined ? { version: rule.version } : {}),
        tags: [...rule.tags],
      },
      ...(input.entity !== undefined ? { entity: input.entity } : {}),
    },
    threat: threatOf(rule.mitre),
    ...(host !== undefined ? { host } : {}),
    events: docs,
  };
}

/**
 * The deterministic alert id: SHA-256, truncated to 32 hex digits, of the
 * rule id, the rule version and each matched event's timestamp and
 * canonical JSON (sorted keys), in match order. Kind, action and degraded
 * are not part of it: the same detection keeps its id whatever the response
 * was, so outputs can use it as an idempotency key.
 */
export function alertId(
  ruleId: string,
  version: string | undefined,
  events: readonly Event[],
): string {
  // Newline framing is unambiguous: JSON text never contains a raw newline.
  let text = `kestrel-alert/1\n${JSON.stringify(ruleId)}\n${JSON.stringify(version ?? null)}\n`;
  for (const e of events) text += `${e.timestamp}\n${canonicalJson(e.toJSON())}\n`;
  // One update with the whole text: the same digest as one per part, with fewer calls.
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/** One NDJSON line (no newline) for `alert`, keys in the order built; bigints print as integers. */
export function serializeAlert(alert: Alert): string {
  try {
    return JSON.stringify(alert);
  } catch (e) {
    // Only live events can hold bigints; the replacer path is the slow one.
    if (!(e instanceof TypeError)) throw e;
    return JSON.stringify(alert, (_k, v) => typeof v === "bigint" ? rawJson(v.toString()) : v);
  }
}

/**
 * JSON with object keys sorted at every level, for hashing: equal values
 * give equal text whatever their key order. Follows `JSON.stringify` for
 * everything else (undefined members dropped, non-finite numbers `null`),
 * and writes bigints as integers.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "object": {
      const withToJson = value as { toJSON?: () => unknown };
      if (typeof withToJson.toJSON === "function") return canonicalJson(withToJson.toJSON());
      if (Array.isArray(value)) {
        // Appending to one string is about twice as fast as map/join here.
        let s = "[";
        for (let i = 0; i < value.length; i++) {
          if (i > 0) s += ",";
          // A hole (never in parsed JSON) stays empty, as `map` and `join` left it.
          if (!(i in value)) continue;
          const v = value[i];
          s += isSkipped(v) ? "null" : canonicalJson(v);
        }
        return s + "]";
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let s = "{", first = true;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i], v = obj[k];
        if (isSkipped(v)) continue;
        s += (first ? "" : ",") + quotedKey(k) + ":" + canonicalJson(v);
        first = false;
      }
      return s + "}";
    }
    default:
      return "null";
  }
}

/** Keys as JSON strings, cached: events repeat the same few keys. Bounded by clearing. */
const quotedKeys = new Map<string, string>();

function quotedKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    if (quotedKeys.size >= 4096) quotedKeys.clear();
    q = JSON.stringify(k);
    quotedKeys.set(k, q);
  }
  return q;
}

function isSkipped(v: unknown): boolean {
  return v === undefined || typeof v === "function" || typeof v === "symbol";
}

/** `JSON.rawJSON` (V8), not yet in the TypeScript library declarations. */
function rawJson(text: string): unknown {
  return (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(text);
}

function defaultAction(action: AlertRuleInfo["action"]): AlertAction {
  return action === "block" ? "would_block" : action === "kill" ? "would_kill" : "alert";
}

const TACTIC = /^TA\d{4}$/;
const SUBTECHNIQUE = /^(T\d{4})\.\d{3}$/;

/** ECS `threat` entries for the rule's ATT&CK ids (see the module doc). */
export function threatOf(mitre: readonly string[]): ThreatEntry[] {
  const ids = [...new Set(mitre.map((m) => m.trim()).filter((m) => m !== ""))];
  const coveredBySub = new Set(
    ids.map((id) => SUBTECHNIQUE.exec(id)?.[1]).filter((t) => t !== undefined),
  );
  const out: ThreatEntry[] = [];
  for (const id of ids) {
    const framework = "MITRE ATT&CK";
    if (TACTIC.test(id)) {
      out.push({ framework, tactic: { id } });
      continue;
    }
    const sub = SUBTECHNIQUE.exec(id);
    if (sub) out.push({ framework, technique: { id: sub[1], subtechnique: { id } } });
    else if (!coveredBySub.has(id)) out.push({ framework, technique: { id } });
  }
  return out;
}

/** The `host` object of an event written nested, or gathered from flat `host.*` keys. */
function hostOf(doc: Record<string, unknown>): Record<string, unknown> | undefined {
  const host = doc.host;
  if (host !== null && typeof host === "object" && !Array.isArray(host)) {
    return host as Record<string, unknown>;
  }
  let flat: Record<string, unknown> | undefined;
  for (const k of Object.keys(doc)) {
    if (!k.startsWith("host.")) continue;
    flat ??= {};
    setPath(flat, k.slice(5).split("."), doc[k]);
  }
  return flat;
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const next = cur[path[i]];
    if (next === null || typeof next !== "object" || Array.isArray(next)) cur = cur[path[i]] = {};
    else cur = next as Record<string, unknown>;
  }
  cur[path[path.length - 1]] = value;
}
