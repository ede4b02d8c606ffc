/** Shared pieces of the output tests: alerts built the engine's way, and bounded waits. */
import { type Alert, type AlertRuleInfo, buildAlert, serializeAlert } from "../../engine/alerts.ts";
import { FieldPaths, JsonEvent } from "../../engine/event.ts";
import { Schema } from "../../engine/schema.ts";

const paths = new FieldPaths(Schema.ecs());

/** 2026-01-02T03:04:05.123456789Z in nanoseconds. */
export const T0 = 1767323045123456789n;

/** A rule of the given severity. */
export function rule(severity = "high", id = "lnx_reverse_shell"): AlertRuleInfo {
  return {
    id,
    name: "Reverse shell",
    severity,
    version: "2",
    tags: ["linux"],
    mitre: ["T1059.004"],
    action: "alert",
  };
}

/**
 * The `n`-th test alert (n < 10 keeps every line the same length): one
 * process event at T0 + n seconds with pid 100+n.
 */
export function alert(n: number, severity = "high", extra: Record<string, unknown> = {}): Alert {
  const ts = T0 + BigInt(n) * 1_000_000_000n;
  const doc = {
    "@timestamp": new Date(Number(ts / 1_000_000n)).toISOString(),
    host: { name: "web-1" },
    event: { category: ["process"], type: ["start"] },
    process: { name: "bash", pid: 100 + n },
    ...extra,
  };
  return buildAlert({
    rule: rule(severity),
    kind: "event",
    events: [new JsonEvent(doc, ts, n, paths)],
  });
}

/** An alert with its canonical line, as the engine hands them to outputs. */
export function pair(n: number, severity = "high"): [Alert, string] {
  const a = alert(n, severity);
  return [a, serializeAlert(a)];
}

/** Polls `cond` every 10 ms until it holds; fails after `timeoutMs` (generous: not a timing check). */
export async function waitFor(
  cond: () => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1_000_000; i++) {
    if (cond()) return;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A fresh temporary directory. */
export function tempDir(prefix: string): Promise<string> {
  return Deno.makeTempDir({ prefix: `kestrel-${prefix}-` });
}

/** Names in `dir`, sorted. */
export async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

/** Ignores log lines (outputs report to stderr by default). */
export const quiet = (): void => {};
