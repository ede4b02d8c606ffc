/**
 * An in-memory {@link DaemonApi} for the REST tests: a ruleset loaded with
 * the real loader from a mutable set of rule files (reload swaps it only
 * when it has no errors), a ring of recent alerts with filters and cursor
 * paging, subscribers for the stream, analyze through the real engine, and
 * metrics rendered from counters it keeps. Plus a harness that serves an
 * app on 127.0.0.1:0 for each test.
 */
import type {
  Alert,
  AlertPage,
  AlertQuery,
  AnalyzeInput,
  AnalyzeResult,
  DaemonApi,
  HealthReport,
  ReloadResult,
  RuleMetadata,
  SourceText,
  ValidateResult,
} from "../../http/mod.ts";
import {
  ApiError,
  type AppOptions,
  createApp,
  Histogram,
  renderKestrelMetrics,
  type RunningServer,
  startServer,
} from "../../http/mod.ts";
import { type LoadedRule, loadRulesFromSources, ruleMetadata } from "../../rules/loader/mod.ts";
import { Schema } from "../../engine/schema.ts";
import { FieldPaths } from "../../engine/event.ts";
import { Engine } from "../../engine/engine.ts";
import { buildAlert } from "../../engine/alerts.ts";
import { newReadStats, readNdjson } from "../../log/ndjson.ts";

/** Two valid rules: an event rule and a second one, in Kestrel YAML. */
export const GOOD_RULES: Record<string, string> = {
  "rules/bash.yaml": [
    "id: bash_exec",
    "name: Bash started",
    "severity: high",
    "tags: [execution]",
    "mitre: [T1059.004]",
    'eql: process where process.name == "bash"',
    "",
  ].join("\n"),
  "rules/curl.yaml": [
    "id: curl_exec",
    "name: Curl started",
    "severity: low",
    'eql: process where process.name == "curl"',
    "",
  ].join("\n"),
};

/** A hand-written alert of `rule` at `ts`. */
export function alert(id: string, rule: string, severity: string, ts: string): Alert {
  return {
    "@timestamp": ts,
    kestrel: {
      alert: { id, kind: "event", degraded: false, action: "alert" },
      rule: { id: rule, name: `Rule ${rule}`, severity, tags: [] },
    },
    threat: [],
    events: [{ "@timestamp": ts, event: { category: "process" } }],
  };
}

/** The fake daemon. */
export class FakeDaemon implements DaemonApi {
  /** The "configured rules directory": edit it, then reload. */
  ruleFiles: Map<string, string>;
  /** The only directory analyze may read logs from (absolute, real path). */
  logDir: string;
  #rules: LoadedRule[] = [];
  #schema = Schema.ecs();
  #version = "";
  #loadedAt = "";
  /** Recent alerts, oldest first. */
  readonly #ring: Alert[] = [];
  readonly #capacity: number;
  readonly #subscribers = new Set<(a: Alert) => void>();
  readonly #alertCounts = new Map<string, { severity: string; rule: string; count: number }>();
  readonly #received: Record<string, number> = {};
  readonly #latency = new Histogram([0.001, 0.01, 0.1]);
  reloads = 0;

  /** Loads `files` (which must be valid) as the running ruleset. */
  constructor(files: Record<string, string>, logDir: string, capacity = 1000) {
    this.ruleFiles = new Map(Object.entries(files));
    this.logDir = logDir;
    this.#capacity = capacity;
    const r = this.#load();
    if (!r.ok) throw new Error("the initial rules must be valid");
  }

  /** Subscribers currently attached. */
  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Raises `a`: into the ring, to subscribers, into the counters. */
  publish(a: Alert): void {
    this.#ring.push(a);
    if (this.#ring.length > this.#capacity) this.#ring.shift();
    const key = `${a.kestrel.rule.severity}\0${a.kestrel.rule.id}`;
    const c = this.#alertCounts.get(key) ??
      { severity: a.kestrel.rule.severity, rule: a.kestrel.rule.id, count: 0 };
    c.count++;
    this.#alertCounts.set(key, c);
    for (const s of this.#subscribers) s(a);
  }

  health(): HealthReport {
    return {
      status: "ok",
      mode: "detect",
      uptimeSeconds: 42,
      bpf: { programsAttached: 0, features: { ringbuf: true } },
      enforcement: "none",
      degraded: false,
      ruleset: { version: this.#version, rules: this.#rules.length, loadedAt: this.#loadedAt },
    };
  }

  alerts(q: AlertQuery): AlertPage {
    let matching = this.#ring.slice().reverse().filter((a) =>
      (q.severity === undefined || a.kestrel.rule.severity === q.severity) &&
      (q.rule === undefined || a.kestrel.rule.id === q.rule) &&
      (q.since === undefined || Date.parse(a["@timestamp"]) >= Date.parse(q.since))
    );
    if (q.cursor !== undefined) {
      // The cursor is the id of the last alert of the previous page.
      const after = matching.findIndex((a) => cursorOf(a) === q.cursor);
      if (after < 0) throw new ApiError(400, "unknown or expired cursor");
      matching = matching.slice(after + 1);
    }
    const page = matching.slice(0, q.limit);
    return matching.length > q.limit
      ? { alerts: page, nextCursor: cursorOf(page[page.length - 1]) }
      : { alerts: page };
  }

  subscribe(onAlert: (a: Alert) => void): () => void {
    const fn = (a: Alert) => onAlert(a);
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  rules(): RuleMetadata[] {
    return this.#rules.map(ruleMetadata);
  }

  reload(): Promise<ReloadResult> {
    this.reloads++;
    return Promise.resolve(this.#load());
  }

  validate(files: SourceText[]): ValidateResult {
    const r = loadRulesFromSources(files);
    return { diagnostics: r.diagnostics, rules: r.rules.length };
  }

  async analyze(input: AnalyzeInput): Promise<AnalyzeResult> {
    let text: string;
    if (input.path !== undefined) {
      let real: string;
      try {
        real = await Deno.realPath(input.path);
      } catch {
        return { error: `no such log: ${input.path}`, status: 404 };
      }
      if (!real.startsWith(this.logDir + "/")) {
        return { error: `${input.path} is outside the configured log directories`, status: 403 };
      }
      text = await Deno.readTextFile(real);
    } else text = input.ndjson ?? "";

    const rules = this.#rules.filter((r) => r.enabled);
    const alerts: Alert[] = [];
    const engine = new Engine(rules, {
      schema: this.#schema,
      onMatch: (m) =>
        alerts.push(buildAlert({
          rule: rules[m.rule],
          kind: m.kind,
          events: m.events,
          entity: m.entity,
        })),
    });
    const stats = newReadStats();
    const stream = new Blob([text]).stream();
    for await (const batch of readNdjson(stream, { paths: new FieldPaths(this.#schema), stats })) {
      for (const ev of batch) {
        const t0 = performance.now();
        engine.process(ev);
        this.#latency.observe((performance.now() - t0) / 1000);
        const action = (ev.toJSON().event as { action?: unknown } | undefined)?.action;
        const type = typeof action === "string" ? action : "unknown";
        this.#received[type] = (this.#received[type] ?? 0) + 1;
      }
    }
    return { alerts, stats: { ...stats, alerts: alerts.length } };
  }

  metrics(): string {
    return renderKestrelMetrics({
      events: { received: this.#received, filtered: {}, dropped: { exec: 0 } },
      alerts: [...this.#alertCounts.values()],
      rulesLoaded: this.#rules.length,
      partialMatches: { active: 0, expiredTotal: 0, evictedTotal: 0 },
      evalLatencySeconds: this.#latency.snapshot(),
      ringbufLagBytes: 0,
      outputQueueDepth: { stdout: 0 },
      residentMemoryBytes: Deno.memoryUsage().rss,
    });
  }

  /** Loads `ruleFiles`; swaps them in only without errors. */
  #load(): ReloadResult {
    const schema = Schema.ecs();
    const r = loadRulesFromSources(
      [...this.ruleFiles].map(([path, text]) => ({ path, text })),
      { schema },
    );
    if (r.diagnostics.some((d) => d.severity === "error")) {
      return { ok: false, diagnostics: r.diagnostics };
    }
    this.#rules = r.rules;
    this.#schema = schema;
    this.#version = `v${this.reloads}`;
    this.#loadedAt = new Date(Date.UTC(2025, 0, 1, 0, 0, this.reloads)).toISOString();
    return { ok: true, rules: r.rules.length, version: this.#version };
  }
}

function cursorOf(a: Alert): string {
  return btoa(a.kestrel.alert.id);
}

/** The token every test app is created with. */
export const TOKEN = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/** A served app over a fake daemon. */
export interface Served {
  daemon: FakeDaemon;
  server: RunningServer;
  url: string;
  /** A scratch directory removed at the end (the daemon's log directory). */
  dir: string;
}

/**
 * Runs `fn` with a fresh fake daemon served on 127.0.0.1:0, then shuts
 * the server down and removes the scratch directory.
 */
export async function withServer(
  fn: (s: Served) => Promise<void>,
  opts: Partial<AppOptions> & { rules?: Record<string, string> } = {},
): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "kestrel-http-" }));
  const daemon = new FakeDaemon(opts.rules ?? GOOD_RULES, `${dir}/logs`);
  await Deno.mkdir(`${dir}/logs`);
  const app = createApp(daemon, { token: TOKEN, ...opts });
  const server = await startServer(app, "127.0.0.1:0");
  try {
    await fn({ daemon, server, url: server.url, dir });
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Fetches `path` and reads the body as JSON (consuming it). */
export async function getJson(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text === "" ? undefined : JSON.parse(text),
  };
}

/** `Authorization: Bearer <token>` headers, merged with `extra`. */
export function auth(token = TOKEN, extra: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${token}`, ...extra };
}
