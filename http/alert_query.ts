/**
 * Parsing and checking the query string of `GET /api/v1/alerts` and
 * `GET /api/v1/alerts/stream`. Every problem is a message for a 400 answer;
 * unknown and repeated parameters are problems too, so a typo never
 * silently widens a filter.
 *
 * @module
 */
import type { AlertQuery, RuleSeverity } from "./daemon_api.ts";

/** Severities accepted by the `severity` filter. */
export const SEVERITIES: readonly RuleSeverity[] = ["low", "medium", "high", "critical"];

/** Default and bounds of `limit`. */
export const LIMIT = { default: 100, min: 1, max: 1000 } as const;

/** RFC 3339 date-time, fractional seconds up to nanoseconds. */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** Longest accepted rule id or cursor. */
const MAX_TEXT = 512;

/** A parsed query, or the reason it is rejected. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** The filters the stream accepts (a subset of {@link AlertQuery}). */
export type AlertFilter = Pick<AlertQuery, "severity" | "rule">;

/** Parses `severity`, `rule`, `since`, `limit`, `cursor`. */
export function parseAlertQuery(params: URLSearchParams): Parsed<AlertQuery> {
  const got = single(params, ["severity", "rule", "since", "limit", "cursor"]);
  if (!got.ok) return got;
  const { severity, rule, since, limit, cursor } = got.value;
  const filter = checkFilter(severity, rule);
  if (!filter.ok) return filter;
  const query: AlertQuery = { ...filter.value, limit: LIMIT.default };
  if (since !== undefined) {
    if (!isRfc3339(since)) {
      return fail(`since must be an RFC 3339 time such as 2024-05-01T12:00:00Z, not ${q(since)}`);
    }
    query.since = since;
  }
  if (limit !== undefined) {
    const n = /^\d{1,7}$/.test(limit) ? Number(limit) : NaN;
    if (!(n >= LIMIT.min && n <= LIMIT.max)) {
      return fail(`limit must be an integer from ${LIMIT.min} to ${LIMIT.max}, not ${q(limit)}`);
    }
    query.limit = n;
  }
  if (cursor !== undefined) {
    if (cursor === "" || cursor.length > MAX_TEXT || !/^[\x21-\x7e]+$/.test(cursor)) {
      return fail("cursor must be a nextCursor value from an earlier page");
    }
    query.cursor = cursor;
  }
  return { ok: true, value: query };
}

/** Parses the stream's filters, `severity` and `rule`. */
export function parseAlertFilter(params: URLSearchParams): Parsed<AlertFilter> {
  const got = single(params, ["severity", "rule"]);
  if (!got.ok) return got;
  return checkFilter(got.value.severity, got.value.rule);
}

/** Whether `alert` passes `filter`. */
export function matchesFilter(
  alert: { kestrel: { rule: { id: string; severity: string } } },
  filter: AlertFilter,
): boolean {
  return (filter.severity === undefined || alert.kestrel.rule.severity === filter.severity) &&
    (filter.rule === undefined || alert.kestrel.rule.id === filter.rule);
}

function checkFilter(severity?: string, rule?: string): Parsed<AlertFilter> {
  const filter: AlertFilter = {};
  if (severity !== undefined) {
    if (!(SEVERITIES as readonly string[]).includes(severity)) {
      return fail(`severity must be one of ${SEVERITIES.join(", ")}, not ${q(severity)}`);
    }
    filter.severity = severity as RuleSeverity;
  }
  if (rule !== undefined) {
    if (rule === "" || rule.length > MAX_TEXT) {
      return fail(`rule must be a rule id of 1 to ${MAX_TEXT} characters`);
    }
    filter.rule = rule;
  }
  return { ok: true, value: filter };
}

/** Each allowed parameter at most once; anything else is an error. */
function single<K extends string>(
  params: URLSearchParams,
  allowed: readonly K[],
): Parsed<Partial<Record<K, string>>> {
  const out: Partial<Record<K, string>> = {};
  for (const [name, value] of params) {
    if (!(allowed as readonly string[]).includes(name)) {
      return fail(`unknown query parameter ${q(name)}; expected ${allowed.join(", ")}`);
    }
    if (out[name as K] !== undefined) return fail(`query parameter ${q(name)} given twice`);
    out[name as K] = value;
  }
  return { ok: true, value: out };
}

/** Whether `s` is an RFC 3339 date-time naming a real day and time (no February 30th). */
export function isRfc3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  const offsetOk = m[9] === undefined || (Number(m[9]) < 24 && Number(m[10]) < 60);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth && h < 24 && mi < 60 && sec <= 60 &&
    offsetOk;
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

function q(s: string): string {
  return JSON.stringify(s.length > 80 ? s.slice(0, 80) + "…" : s);
}
