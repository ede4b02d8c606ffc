/**
 * The replay source: the daemon's live events read from an event log
 * (NDJSON, or `.klog` with its recorded heartbeats) instead of the kernel
 * (`kestrel run --replay FILE|-`). Events go
 * through the same engine, dedup, ring, stream and outputs as live ones.
 * A FIFO or standard input works: events are evaluated as lines arrive.
 * The end of the input ends reading, not the daemon.
 *
 * @module
 */
import { Engine, type Match, type PredicateCompiler, unchangedRules } from "../engine/engine.ts";
import { FieldPaths } from "../engine/event.ts";
import type { Schema } from "../engine/schema.ts";
import type { Quotas } from "../engine/state.ts";
import { fileStream, newReadStats, readNdjson, type ReadStats } from "../log/ndjson.ts";
import { type EventBatch, type KlogStats, LostRecords, openKlog, sniffKlog } from "../log/klog.ts";
import type { LoadedRule } from "../rules/loader/mod.ts";
import type { EventCounts, LiveSource, SequenceStats, SourceCallbacks } from "./source.ts";

/** Options of {@link ReplaySource}. */
export interface ReplaySourceOptions extends SourceCallbacks {
  /** The log: a file or FIFO path, or `-` for standard input. */
  path: string;
  schema: Schema;
  rules: readonly LoadedRule[];
  quotas?: Quotas;
  /** The predicate runtime for a ruleset (`[engine] runtime`); the JS runtime when absent. */
  predicates?: (rules: readonly LoadedRule[]) => PredicateCompiler | undefined;
}

/** An NDJSON log as a {@link LiveSource}. */
export class ReplaySource implements LiveSource {
  /** Always `replay`. */
  readonly kind = "replay";
  readonly #opts: ReplaySourceOptions;
  readonly #actionField: number | undefined;
  readonly #received: Record<string, number> = {};
  #stats: ReadStats | KlogStats = newReadStats();
  #rules: readonly LoadedRule[];
  #engine: Engine;
  #file: Deno.FsFile | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #failure: Error | undefined;
  #errors = 0;
  /** A recording's lost records: alerts overlapping them are degraded, as they were live. */
  readonly #lost = new LostRecords();

  /** A source over `opts`; nothing is read until `start`. */
  constructor(opts: ReplaySourceOptions) {
    this.#opts = opts;
    this.#rules = opts.rules;
    this.#engine = this.#makeEngine(opts.rules);
    this.#actionField = opts.schema.lookup("event.action")?.id;
  }

  #makeEngine(rules: readonly LoadedRule[], from?: Engine, keep: string[] = []): Engine {
    return new Engine(rules, {
      schema: this.#opts.schema,
      quotas: this.#opts.quotas,
      onMatch: (m: Match) => this.#opts.onAlert(rules[m.rule], m, this.#lost.degraded(m.events)),
      carryOver: from && { from, keep },
      predicates: this.#opts.predicates?.(rules),
    });
  }

  /** Starts reading in the background (a FIFO is opened once a writer appears). */
  start(): Promise<void> {
    this.#loop = this.#run().catch((e) => {
      if (this.#stopping) return;
      this.#failure = e instanceof Error ? e : new Error(String(e));
      this.#opts.log(`kestrel: replay source failed: ${this.#failure.message}`);
    });
    return Promise.resolve();
  }

  async #run(): Promise<void> {
    const path = this.#opts.path;
    let stream: ReadableStream<Uint8Array>;
    if (path === "-") stream = Deno.stdin.readable;
    else {
      this.#file = await Deno.open(path, { read: true });
      if (this.#stopping) return this.#file.close();
      stream = fileStream(this.#file, 64 * 1024);
    }
    const name = path === "-" ? "<stdin>" : path;
    const sniffed = await sniffKlog(stream);
    let batches: AsyncGenerator<EventBatch>;
    if (sniffed.klog) {
      const log = await openKlog(sniffed.stream, {
        schema: this.#opts.schema,
        onProblem: (p) => this.#opts.log(`${name}: ${p.message}`),
      });
      this.#stats = log.stats;
      batches = log.batches;
    } else {
      batches = readNdjson(sniffed.stream, {
        paths: new FieldPaths(this.#opts.schema),
        stats: this.#stats as ReadStats,
        onProblem: (p) => this.#opts.log(`${name}:${p.line}: ${p.message}`),
      });
    }
    for await (const batch of batches) {
      if (this.#stopping) break;
      const t0 = performance.now();
      this.#lost.add(batch);
      for (const ev of batch) {
        this.#count(ev.get(this.#actionField ?? -1));
        try {
          this.#engine.process(ev);
        } catch (e) {
          // As live: one bad event must not end collection; the first few are logged.
          if (this.#errors++ < 10) {
            this.#opts.log(`kestrel: error processing an event: ${(e as Error).message}`);
          }
        }
      }
      if (batch.watermarkNs !== undefined) this.#engine.advanceWatermark(batch.watermarkNs);
      if (batch.length > 0) this.#opts.onBatch(batch.length, performance.now() - t0);
    }
    if (!this.#stopping) {
      this.#opts.log(`kestrel: replay source: end of input after ${this.#stats.events} event(s)`);
    }
  }

  #count(action: unknown): void {
    const type = typeof action === "string"
      ? action
      : Array.isArray(action) && typeof action[0] === "string"
      ? action[0]
      : "unknown";
    this.#received[type] = (this.#received[type] ?? 0) + 1;
  }

  /** See {@link LiveSource.setRules}. */
  setRules(rules: readonly LoadedRule[]): void {
    this.#engine = this.#makeEngine(rules, this.#engine, unchangedRules(this.#rules, rules));
    this.#rules = rules;
  }

  /** Stops reading: what was read is evaluated, what was not stays unread. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    // Between batches here (evaluation is synchronous): nothing is half done.
    try {
      this.#file?.close();
    } catch {
      // Already closed by the end of the stream.
    }
    // A read blocked on an idle FIFO may not return: wait for the loop only briefly.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.#loop, new Promise((r) => timer = setTimeout(r, 100))]);
    clearTimeout(timer);
  }

  /** See {@link LiveSource.ended}. */
  get ended(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  /** See {@link LiveSource.failure}. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** See {@link LiveSource.sequenceStats}. */
  sequenceStats(): SequenceStats | undefined {
    return this.#engine.sequenceStats();
  }

  /** Events read by `event.action`; nothing is filtered or lost. */
  eventCounts(): EventCounts {
    return { received: { ...this.#received }, filtered: {}, dropped: {} };
  }

  /** Always 0: there is no ring buffer. */
  backlogBytes(): number {
    return 0;
  }

  /** Always 0. */
  programsAttached(): number {
    return 0;
  }

  /** None probed. */
  features(): Record<string, unknown> {
    return {};
  }

  /** Never: a log loses nothing. */
  get degraded(): boolean {
    return false;
  }

  /** The reader's counters, and events the engine threw on. */
  summary(): Record<string, unknown> {
    return { source: "replay", ...this.#stats, errors: this.#errors };
  }
}
