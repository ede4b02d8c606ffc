/**
 * The daemon: configuration → rules, outputs, the live event source and
 * the REST API, behind the {@link DaemonApi} the HTTP layer calls.
 *
 * Start-up, in order (each step fails with a {@link DaemonStartError}
 * carrying the exit code): the rules directory is loaded (errors → exit 1);
 * when the source is the kernel, BPF availability is checked (exit 2); the
 * outputs are built from `[alerts]`; the API token is read or generated;
 * the REST server binds `[http] listen`; then collection starts. Nothing
 * listens or writes the token unless the sensor can run.
 *
 * Live matches become alerts behind the dedup window, then go to the
 * in-memory ring (`GET /api/v1/alerts`), the stream subscribers and every
 * output. A reload loads the rules directory anew and swaps the ruleset in
 * between two events, keeping the sequence state of unchanged rules; a
 * ruleset with any error is refused whole. `stop` stops intake, drains
 * the engine, flushes and closes the outputs, detaches BPF and stops the
 * server.
 *
 * @module
 */
import type { Config, Mode } from "../config/types.ts";
import { type Diagnostic, formatDiagnostics } from "../eql/errors.ts";
import { serializeAlert } from "../engine/alerts.ts";
import type { Match, PredicateCompiler } from "../engine/engine.ts";
import { Schema } from "../engine/schema.ts";
import {
  type Alert,
  type AlertPage,
  type AlertQuery,
  type AnalyzeInput,
  type AnalyzeResult,
  ApiError,
  createApp,
  type DaemonApi,
  ensureApiToken,
  type HealthReport,
  Histogram,
  type ReloadResult,
  renderKestrelMetrics,
  type RuleMetadata,
  type RunningServer,
  type SourceText,
  startServer,
  type ValidateResult,
} from "../http/mod.ts";
import { type ByteSink, createOutputs, type OutputSet } from "../outputs/mod.ts";
import {
  type LoadedRule,
  loadRulesFromSources,
  ruleMetadata,
  type RuleSourceText,
} from "../rules/loader/mod.ts";
import { checkBpfAvailable, SensorUnavailable } from "../sensor/mod.ts";
import { AlertMaker, type AlertOutcome } from "./alert_maker.ts";
import { ALERT_RING_CAPACITY, AlertRing } from "./alert_ring.ts";
import { analyzeLog } from "./analyze.ts";
import { Enforcement } from "./enforcement.ts";
import { hostId } from "../engine/procs.ts";
import { openRecorder } from "./record.ts";
import { outputsOptions } from "./outputs.ts";
import { packagePredicates, runtimeFor } from "./runtime.ts";
import { ReplaySource } from "./replay_source.ts";
import {
  loadPackageRuleset,
  loadRuleset,
  luaLoadOptions,
  type Ruleset,
  type RulesetLoad,
} from "./ruleset.ts";
import type { RulePackage } from "../runtimes/wasm/package.ts";
import { type LiveSource, SensorSource, type SourceCallbacks } from "./source.ts";

/** Bytes per `[ebpf] ringbuf_size` page. */
const PAGE_BYTES = 4096;
/** The sensor's longest wait for records in enforce mode (ms; 100 otherwise). */
const ENFORCE_POLL_MS = 20;

/** How the daemon is to run: the configuration and the command line's overrides. */
export interface DaemonOptions {
  /** The loaded configuration (defaults when no file was given). */
  config: Config;
  /** The rules directory (`--rules`, else `[rules] dir` when a file was given); none: see `builtinRules`. */
  rulesDir?: string;
  /** Rule files to run when there is no `rulesDir` (the embedded default ruleset); none: no rules. */
  builtinRules?: readonly RuleSourceText[];
  /** A rule package to run instead of any rules directory (`--package`, else `[engine] package`). */
  packageDir?: string;
  /** `host:port` of the REST API (`--listen`, else `[http] listen`). */
  listen?: string;
  /** Read live events from this NDJSON log (`-`: standard input) instead of the kernel. */
  replay?: string;
  /** Ring buffer bytes (`--ringbuf-size`), else `[ebpf] ringbuf_size` pages. */
  ringBytes?: number;
  /** Also write every decoded kernel event as NDJSON to this file. */
  eventsOut?: string;
  /** `--mode`, over `[general] mode`. */
  mode?: Mode;
  /** Recent alerts kept for `GET /api/v1/alerts` (default 10,000). */
  alertRingCapacity?: number;
  /** Log lines (default: standard error). */
  log?: (line: string) => void;
  /** Where the stdout output writes (default: standard output). */
  stdout?: ByteSink;
}

/** Why the daemon did not start: a message for the operator and the exit code to end with. */
export class DaemonStartError extends Error {
  /** 1: bad configuration or rules, port in use; 2: the sensor cannot run here. */
  readonly exitCode: number;
  /** Located problems (rule errors), when that is what failed. */
  readonly diagnostics: Diagnostic[];

  /** A start failure. */
  constructor(message: string, exitCode: number, diagnostics: Diagnostic[] = []) {
    super(message);
    this.name = "DaemonStartError";
    this.exitCode = exitCode;
    this.diagnostics = diagnostics;
  }
}

/** Alert counts of one rule. */
interface AlertCount {
  severity: string;
  rule: string;
  count: number;
}

/** The running sensor daemon. */
export class Daemon implements DaemonApi {
  readonly #opts: DaemonOptions;
  readonly #config: Config;
  readonly #log: (line: string) => void;
  readonly #schema = Schema.ecs();
  readonly #mode: Mode;
  readonly #ring: AlertRing;
  readonly #maker: AlertMaker;
  readonly #subscribers = new Set<(a: Alert) => void>();
  readonly #alertCounts = new Map<string, AlertCount>();
  readonly #latency = new Histogram();
  readonly #started = performance.now();
  #ruleset!: Ruleset;
  /** The package each package ruleset's rules came from (the sources hand back the same array). */
  #packages = new WeakMap<readonly LoadedRule[], RulePackage>();
  #outputs: OutputSet | undefined;
  #source: LiveSource | undefined;
  #server: RunningServer | undefined;
  #eventsOut: Deno.FsFile | undefined;
  #enforcement: Enforcement | undefined;
  #tokenPath: string | undefined;
  #reloadChain: Promise<unknown> = Promise.resolve();
  #stopping: Promise<void> | undefined;
  /** Expired and evicted partial matches of engines replaced by reloads (counters stay monotonic). */
  #expiredBase = 0;
  #evictedBase = 0;

  private constructor(opts: DaemonOptions) {
    this.#opts = opts;
    this.#config = opts.config;
    this.#log = opts.log ?? ((line) => console.error(line));
    this.#mode = opts.mode ?? opts.config.general.mode;
    this.#ring = new AlertRing(opts.alertRingCapacity ?? ALERT_RING_CAPACITY);
    this.#maker = new AlertMaker(this.#schema, opts.config.alerts.dedup_window_sec);
  }

  /** Starts a daemon (see the module documentation); throws {@link DaemonStartError}. */
  static async start(opts: DaemonOptions): Promise<Daemon> {
    const d = new Daemon(opts);
    try {
      await d.#start();
    } catch (e) {
      await d.#release();
      throw e;
    }
    return d;
  }

  async #start(): Promise<void> {
    const loaded = await this.#loadRules(1);
    if (!loaded.ok) {
      const errors = loaded.diagnostics.filter((d) => d.severity === "error").length;
      throw new DaemonStartError(
        `${errors} rule error(s); the sensor did not start`,
        1,
        loaded.diagnostics,
      );
    }
    this.#ruleset = loaded.ruleset;
    for (const n of loaded.ruleset.notes) this.#log(`${n.file}: ${n.message}`);
    const source = this.#sourceKind();
    if (source === "ebpf") {
      try {
        checkBpfAvailable();
      } catch (e) {
        if (e instanceof SensorUnavailable) {
          throw new DaemonStartError(`cannot collect kernel events: ${e.message}`, 2);
        }
        throw e;
      }
    }
    try {
      this.#outputs = createOutputs(outputsOptions(this.#config.alerts), {
        log: this.#log,
        stdout: this.#opts.stdout,
      });
    } catch (e) {
      throw new DaemonStartError(`cannot start the alert outputs: ${(e as Error).message}`, 1);
    }
    await this.#startHttp();
    if (source !== "none") await this.#startEnforcement(source === "ebpf");
    if (this.#config.replay.record && source !== "ebpf") {
      this.#log("kestrel run: [replay] record records kernel events: nothing to record here");
    }
    if (source === "ebpf") await this.#startSensor();
    else if (source === "replay") await this.#startReplay();
    else {
      this.#log(
        `kestrel run: no live event source (${
          this.#mode === "offline" ? "[general] mode = offline" : "[ebpf] enabled = false"
        }): the REST API analyzes logs with ${this.#ruleset.enabled.length} rule(s)`,
      );
    }
  }

  #sourceKind(): "ebpf" | "replay" | "none" {
    if (this.#opts.replay !== undefined) return "replay";
    if (this.#mode === "offline" || !this.#config.ebpf.enabled) return "none";
    return "ebpf";
  }

  async #startHttp(): Promise<void> {
    const listen = this.#opts.listen ?? this.#config.http.listen;
    let token: string;
    try {
      const t = await ensureApiToken(this.#config.general.data_dir, this.#config.http.token);
      token = t.token;
      this.#tokenPath = t.path;
    } catch (e) {
      throw new DaemonStartError(`cannot set up the API token: ${(e as Error).message}`, 1);
    }
    const app = createApp(this, { token });
    try {
      this.#server = await startServer(app, listen);
    } catch (e) {
      const why = e instanceof Deno.errors.AddrInUse
        ? "the address is in use (set [http] listen or --listen)"
        : (e as Error).message;
      throw new DaemonStartError(`cannot serve the REST API on ${listen}: ${why}`, 1);
    }
    const tokenNote = this.#tokenPath ? `token in ${this.#tokenPath}` : "configured token";
    this.#log(`kestrel: REST API on ${this.#server.url} (${tokenNote})`);
  }

  #callbacks(): SourceCallbacks {
    return {
      onAlert: (rule, match, degraded) => this.#onMatch(rule, match, degraded),
      onBatch: (events, ms) => this.#latency.observe(ms / 1000 / events, events),
      log: this.#log,
    };
  }

  /** Enforcement first: the kernel refuses blocked execs and connections before events flow. */
  async #startEnforcement(kernel: boolean): Promise<void> {
    const mode = this.#mode === "enforce" ? "enforce" : "detect";
    const host = { id: await hostId(), name: Deno.hostname() };
    const start = (kernel: boolean) =>
      Enforcement.start({
        mode,
        security: this.#config.security,
        schema: this.#schema,
        host,
        kernel,
        onVerdict: (rule, match, outcome) => this.#alert(rule, match, false, outcome),
        log: this.#log,
      }, this.#ruleset.enabled);
    try {
      this.#enforcement = start(kernel);
    } catch (e) {
      const why = `cannot start enforcement: ${(e as Error).message}`;
      // Detection goes on without the kernel side; enforce mode was asked to act.
      if (mode === "enforce" || !kernel) throw new DaemonStartError(why, kernel ? 2 : 1);
      this.#log(`kestrel run: ${why}; detection goes on without it`);
      this.#enforcement = start(false);
    }
    this.#log(`kestrel run: enforcement: ${this.#enforcement.describe()}`);
  }

  async #startSensor(): Promise<void> {
    const ringBytes = this.#opts.ringBytes ?? this.#config.ebpf.ringbuf_size * PAGE_BYTES;
    if (this.#opts.eventsOut !== undefined) {
      this.#eventsOut = await Deno.open(this.#opts.eventsOut, {
        write: true,
        create: true,
        truncate: true,
      });
    }
    const recorder = await openRecorder(this.#config.replay, this.#schema, this.#log);
    const source = new SensorSource({
      ...this.#callbacks(),
      recorder,
      schema: this.#schema,
      rules: this.#ruleset.enabled,
      ringBytes,
      quotas: this.#quotas(),
      predicates: this.#predicates(),
      pushdown: this.#config.ebpf.interest_pushdown,
      eventsOut: this.#eventsOut,
      // Kills wait for the engine to see the sequence's last event: read the ring sooner.
      pollMs: this.#mode === "enforce" ? ENFORCE_POLL_MS : undefined,
    });
    try {
      await source.start();
    } catch (e) {
      await recorder?.close();
      if (e instanceof SensorUnavailable) {
        throw new DaemonStartError(`cannot collect kernel events: ${e.message}`, 2);
      }
      throw e;
    }
    this.#source = source;
    this.#log(
      `kestrel run: collecting with ${this.#ruleset.enabled.length} rule(s), ring buffer ${
        (source.sensor.objects!.ringBytes / 1024).toLocaleString("en-US")
      } KiB; SIGINT or SIGTERM stops`,
    );
  }

  async #startReplay(): Promise<void> {
    const source = new ReplaySource({
      ...this.#callbacks(),
      path: this.#opts.replay!,
      schema: this.#schema,
      rules: this.#ruleset.enabled,
      quotas: this.#quotas(),
      predicates: this.#predicates(),
    });
    await source.start();
    this.#source = source;
    this.#log(
      `kestrel run: replaying ${this.#opts.replay} as live events with ${this.#ruleset.enabled.length} rule(s); SIGINT or SIGTERM stops`,
    );
  }

  /** The rule package, else the rules directory, else the built-in rules, as `generation`. */
  async #loadRules(generation: number): Promise<RulesetLoad> {
    const { packageDir, rulesDir, builtinRules } = this.#opts;
    if (packageDir === undefined) {
      const lua = luaLoadOptions(this.#config.lua);
      return await loadRuleset(rulesDir, this.#schema, generation, builtinRules, lua);
    }
    const loaded = await loadPackageRuleset(packageDir, this.#schema, generation);
    if (loaded.ok) this.#packages.set(loaded.ruleset.enabled, loaded.ruleset.package!);
    return loaded;
  }

  /**
   * The predicate runtime for each ruleset the sources build an engine for:
   * a package's rules run in its own module (a fresh instance per engine),
   * others in `[engine] runtime`.
   */
  #predicates(): (rules: readonly LoadedRule[]) => PredicateCompiler | undefined {
    const runtime = runtimeFor(this.#config, (line) => this.#log(line));
    return (rules) => {
      const pkg = this.#packages.get(rules);
      if (pkg) return packagePredicates(pkg, rules, this.#config, (line) => this.#log(line));
      return runtime?.(rules);
    };
  }

  #quotas() {
    const nfa = this.#config.nfa;
    return {
      maxPartialMatches: nfa.max_partial_matches,
      maxPerRule: nfa.lru_capacity,
      maxPerEntity: nfa.max_matches_per_entity,
    };
  }

  /** A live match: the response (see `./enforcement.ts`), then its alert. */
  #onMatch(rule: LoadedRule, match: Match, degraded: boolean): void {
    const outcome = this.#enforcement?.outcome(rule, match);
    if (outcome === null) return; // the kernel's verdict raises this alert
    this.#alert(rule, match, degraded, outcome);
  }

  /** Dedup, alert, then the ring, the subscribers and the outputs. */
  #alert(
    rule: LoadedRule,
    match: Pick<Match, "kind" | "events" | "entity">,
    degraded: boolean,
    outcome?: AlertOutcome,
  ): void {
    const made = this.#maker.make(rule, match, degraded, outcome);
    if (made === undefined) return;
    const { alert, timeNs } = made;
    this.#ring.push(alert, timeNs);
    const key = `${rule.severity}\u0000${rule.id}`;
    const c = this.#alertCounts.get(key);
    if (c) c.count++;
    else this.#alertCounts.set(key, { severity: rule.severity, rule: rule.id, count: 1 });
    this.#outputs?.send(alert, serializeAlert(alert));
    for (const s of this.#subscribers) {
      try {
        s(alert);
      } catch (e) {
        this.#log(`kestrel: alert subscriber failed: ${(e as Error).message}`);
      }
    }
  }

  /** The bound REST address, e.g. `http://127.0.0.1:9090`. */
  get url(): string | undefined {
    return this.#server?.url;
  }

  /** The live source, when there is one. */
  get source(): LiveSource | undefined {
    return this.#source;
  }

  /** Settles when the live source ends on its own by failing (never without a source). */
  get failed(): Promise<Error> {
    const s = this.#source;
    if (s === undefined) return new Promise(() => {});
    return s.ended.then(() => s.failure ?? new Promise<Error>(() => {}));
  }

  // ------------------------------------------------------------------ DaemonApi

  /** See {@link DaemonApi.health}. */
  health(): HealthReport {
    const degraded = this.#source?.degraded ?? false;
    const r = this.#ruleset;
    return {
      status: degraded ? "degraded" : "ok",
      mode: this.#mode,
      uptimeSeconds: Math.round(performance.now() - this.#started) / 1000,
      bpf: {
        programsAttached: (this.#source?.programsAttached() ?? 0) +
          (this.#enforcement?.programsAttached() ?? 0),
        features: this.#source?.features() ?? {},
      },
      enforcement: this.#enforcement?.describe() ?? "none: no live source",
      degraded,
      ruleset: {
        version: r.version,
        rules: r.all.length,
        loadedAt: r.loadedAt,
        generation: r.generation,
      },
    };
  }

  /** See {@link DaemonApi.alerts}. */
  alerts(q: AlertQuery): AlertPage {
    return this.#ring.query(q);
  }

  /** See {@link DaemonApi.subscribe}. */
  subscribe(onAlert: (a: Alert) => void): () => void {
    const fn = (a: Alert) => onAlert(a);
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  /** See {@link DaemonApi.rules}. */
  rules(): RuleMetadata[] {
    return this.#ruleset.all.map(ruleMetadata);
  }

  /** See {@link DaemonApi.reload}. Reloads run one at a time, in call order. */
  reload(): Promise<ReloadResult> {
    if (this.#stopping) return Promise.reject(new ApiError(503, "the daemon is shutting down"));
    const next = this.#reloadChain.then(() => this.#reload());
    this.#reloadChain = next.catch(() => {});
    return next;
  }

  async #reload(): Promise<ReloadResult> {
    const dir = this.#opts.packageDir ?? this.#opts.rulesDir;
    const loaded = await this.#loadRules(this.#ruleset.generation + 1);
    if (!loaded.ok) {
      const errors = loaded.diagnostics.filter((d) => d.severity === "error").length;
      this.#log(formatDiagnostics(loaded.diagnostics));
      this.#log(
        `kestrel: reload refused: ${errors} rule error(s); ruleset ${this.#ruleset.version} keeps running`,
      );
      return { ok: false, diagnostics: loaded.diagnostics };
    }
    if (this.#stopping) throw new ApiError(503, "the daemon is shutting down");
    const next = loaded.ruleset;
    try {
      this.#enforcement?.setRules(next.enabled);
    } catch (e) {
      const message = `the ruleset cannot be enforced: ${(e as Error).message}`;
      this.#log(`kestrel: reload refused: ${message}`);
      this.#enforcement?.setRules(this.#ruleset.enabled);
      return {
        ok: false,
        diagnostics: [{ severity: "error", message, file: dir ?? "<rules>", line: 1, col: 1 }],
      };
    }
    const source = this.#source;
    if (source !== undefined) {
      // Synchronous from here to the swap: no event is evaluated half by each ruleset.
      const before = source.sequenceStats();
      try {
        source.setRules(next.enabled);
      } catch (e) {
        this.#enforcement?.setRules(this.#ruleset.enabled);
        const message = `the ruleset cannot run: ${(e as Error).message}`;
        this.#log(`kestrel: reload refused: ${message}`);
        return {
          ok: false,
          diagnostics: [{ severity: "error", message, file: dir ?? "<rules>", line: 1, col: 1 }],
        };
      }
      const after = source.sequenceStats();
      this.#expiredBase += (before?.expired ?? 0) - (after?.expired ?? 0);
      this.#evictedBase += (before?.evicted ?? 0) - (after?.evicted ?? 0);
    }
    this.#ruleset = next;
    this.#log(
      `kestrel: ruleset reloaded: ${next.enabled.length} rule(s), version ${next.version}, generation ${next.generation}`,
    );
    return { ok: true, rules: next.all.length, version: next.version };
  }

  /** See {@link DaemonApi.validate}. */
  validate(files: SourceText[]): ValidateResult {
    const r = loadRulesFromSources(files, { schema: Schema.ecs(), schemaMode: "ecs" });
    return { diagnostics: r.diagnostics, rules: r.rules.length };
  }

  /** See {@link DaemonApi.analyze}: a fresh engine with the running rules; paths under `[http] analyze_dirs`. */
  analyze(input: AnalyzeInput): Promise<AnalyzeResult> {
    return analyzeLog(input, {
      rules: this.#ruleset.enabled,
      schema: this.#schema,
      dedupWindowSec: this.#config.alerts.dedup_window_sec,
      allowedDirs: this.#config.http.analyze_dirs,
    });
  }

  /** See {@link DaemonApi.metrics}. */
  metrics(): string {
    const seq = this.#source?.sequenceStats();
    const queue: Record<string, number> = {};
    for (const [name, s] of Object.entries(this.#outputs?.stats() ?? {})) queue[name] = s.queued;
    return renderKestrelMetrics({
      events: this.#source?.eventCounts() ?? { received: {}, filtered: {}, dropped: {} },
      alerts: [...this.#alertCounts.values()],
      rulesLoaded: this.#ruleset.all.length,
      partialMatches: {
        active: seq?.active ?? 0,
        expiredTotal: this.#expiredBase + (seq?.expired ?? 0),
        evictedTotal: this.#evictedBase + (seq?.evicted ?? 0),
      },
      evalLatencySeconds: this.#latency.snapshot(),
      ringbufLagBytes: this.#source?.backlogBytes() ?? 0,
      outputQueueDepth: queue,
      residentMemoryBytes: Deno.memoryUsage().rss,
    });
  }

  // ------------------------------------------------------------------ shutdown

  /**
   * Stops gracefully (idempotent): intake stops, the engine drains what was
   * read, the outputs flush and close, BPF is detached, the server stops.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#release();
    return this.#stopping;
  }

  /** A one-line summary of the run, for the log at exit. */
  summary(): Record<string, unknown> {
    return {
      rules: this.#ruleset?.enabled.length ?? 0,
      ...this.#source?.summary(),
      alerts_raised: this.#ring.added,
      ...(this.#enforcement ? { enforcement: this.#enforcement.summary() } : {}),
      deduplicated: this.#maker.dedup.suppressed,
    };
  }

  async #release(): Promise<void> {
    await this.#reloadChain;
    try {
      try {
        await this.#source?.stop();
      } finally {
        await this.#enforcement?.stop();
      }
    } finally {
      try {
        await this.#outputs?.close();
      } finally {
        this.#eventsOut?.close();
        this.#eventsOut = undefined;
        await this.#server?.shutdown();
      }
    }
  }
}
