/**
 * Where the daemon's live events come from: the eBPF sensor, or a replay
 * source that reads an NDJSON event log (a file, a FIFO or standard input)
 * as if its events were happening now — for hosts without BPF, demos and
 * tests. Both run the rules in one engine that a reload replaces between
 * two events, keeping the sequence state of unchanged rules.
 *
 * @module
 */
import type { Engine, Match, PredicateCompiler } from "../engine/engine.ts";
import type { Event } from "../engine/event.ts";
import type { Schema } from "../engine/schema.ts";
import type { Quotas } from "../engine/state.ts";
import type { LoadedRule } from "../rules/loader/mod.ts";
import type { KlogRecorder } from "../log/klog_recorder.ts";
import { EventLogWriter, Sensor } from "../sensor/mod.ts";

/** Sequence state counters of an engine. */
export type SequenceStats = NonNullable<ReturnType<Engine["sequenceStats"]>>;

/** Event counts by type, as the metrics report them. */
export interface EventCounts {
  /** Events received (submitted by the kernel, or read from the log). */
  received: Record<string, number>;
  /** Events discarded before the rules. */
  filtered: Record<string, number>;
  /** Events lost. */
  dropped: Record<string, number>;
}

/** What every live source tells the daemon. */
export interface SourceCallbacks {
  /** An alert-worthy match; `degraded` when its span overlaps lost events. */
  onAlert: (rule: LoadedRule, match: Match, degraded: boolean) => void;
  /** A batch of `events` took `ms` to evaluate (decode included for the sensor). */
  onBatch: (events: number, ms: number) => void;
  /** Log lines. */
  log: (line: string) => void;
}

/** A running event source. */
export interface LiveSource {
  /** `ebpf` or `replay`. */
  readonly kind: "ebpf" | "replay";
  /** Starts reading; rejects when the source cannot be used. */
  start(): Promise<void>;
  /** Swaps the rules between two events (sequence state of unchanged rules carries over). */
  setRules(rules: readonly LoadedRule[]): void;
  /** Stops intake, evaluates what was already read, and releases everything. */
  stop(): Promise<void>;
  /** Settles when reading has ended (stopped, input exhausted, or failed). */
  readonly ended: Promise<void>;
  /** Why reading ended on its own, if it failed. */
  readonly failure: Error | undefined;
  /** Sequence state counters of the running engine. */
  sequenceStats(): SequenceStats | undefined;
  /** Event counters by type. */
  eventCounts(): EventCounts;
  /** Bytes read by the source but not yet evaluated (the ring buffer's backlog). */
  backlogBytes(): number;
  /** BPF programs attached now. */
  programsAttached(): number;
  /** Kernel features probed at start. */
  features(): Record<string, unknown>;
  /** Events are being lost or the process tree resyncs. */
  readonly degraded: boolean;
  /** A one-line summary of the run's counters, for the log at exit. */
  summary(): Record<string, unknown>;
}

/** Options of {@link SensorSource}. */
export interface SensorSourceOptions extends SourceCallbacks {
  schema: Schema;
  rules: readonly LoadedRule[];
  ringBytes?: number;
  quotas?: Quotas;
  pushdown?: boolean;
  /** Also write every decoded event as NDJSON here (`--events-out`). */
  eventsOut?: Deno.FsFile;
  /** Longest wait for records in ms (the sensor's default when absent). */
  pollMs?: number;
  /** The predicate runtime for a ruleset (`[engine] runtime`); the JS runtime when absent. */
  predicates?: (rules: readonly LoadedRule[]) => PredicateCompiler | undefined;
  /** Record every event and heartbeat to `.klog` (`[replay] record`); closed by `stop`. */
  recorder?: KlogRecorder;
}

/** The eBPF sensor as a {@link LiveSource}. */
export class SensorSource implements LiveSource {
  /** Always `ebpf`. */
  readonly kind = "ebpf";
  /** The sensor itself. */
  readonly sensor: Sensor;
  readonly #events: EventLogWriter | undefined;
  readonly #recorder: KlogRecorder | undefined;

  /** A sensor over `opts`; nothing happens until `start`. */
  constructor(opts: SensorSourceOptions) {
    const events = this.#events = opts.eventsOut ? new EventLogWriter(opts.eventsOut) : undefined;
    const rec = this.#recorder = opts.recorder;
    this.sensor = new Sensor({
      schema: opts.schema,
      rules: opts.rules,
      ringBytes: opts.ringBytes,
      quotas: opts.quotas,
      predicates: opts.predicates,
      pushdown: opts.pushdown,
      pollMs: opts.pollMs,
      onAlert: opts.onAlert,
      onBatch: opts.onBatch,
      onEvent: events || rec
        ? (ev: Event) => {
          events?.write(ev);
          rec?.write(ev);
        }
        : undefined,
      onHeartbeat: rec ? (ns) => rec.heartbeat(ns) : undefined,
      onDrops: rec ? (d) => rec.drops(d.from, d.to, d.count) : undefined,
      afterBatch: events || rec
        ? async () => {
          await events?.flush();
          await rec?.tick();
        }
        : undefined,
      log: opts.log,
    });
  }

  /** Loads and attaches the programs (throws `SensorUnavailable` when BPF cannot be used). */
  start(): Promise<void> {
    return this.sensor.start();
  }

  /** See {@link LiveSource.setRules}. */
  setRules(rules: readonly LoadedRule[]): void {
    this.sensor.setRules(rules);
  }

  /** Detaches, drains the ring, closes (and flushes `--events-out`). */
  async stop(): Promise<void> {
    await this.sensor.stop();
    await this.#events?.flush();
    await this.#recorder?.close();
  }

  /** See {@link LiveSource.ended}. */
  get ended(): Promise<void> {
    return this.sensor.ended;
  }

  /** See {@link LiveSource.failure}. */
  get failure(): Error | undefined {
    return this.sensor.failure;
  }

  /** See {@link LiveSource.sequenceStats}. */
  sequenceStats(): SequenceStats | undefined {
    return this.sensor.sequenceStats();
  }

  /** Kernel counters: submitted, filtered and dropped records by type. */
  eventCounts(): EventCounts {
    const s = this.sensor.stats();
    return { received: s.produced, filtered: s.filtered, dropped: s.dropped };
  }

  /** See {@link LiveSource.backlogBytes}. */
  backlogBytes(): number {
    return this.sensor.backlogBytes();
  }

  /** See {@link LiveSource.programsAttached}. */
  programsAttached(): number {
    return this.sensor.running ? this.sensor.attached?.programs.length ?? 0 : 0;
  }

  /** See {@link LiveSource.features}. */
  features(): Record<string, unknown> {
    return { ...this.sensor.features };
  }

  /** See {@link LiveSource.degraded}. */
  get degraded(): boolean {
    return this.sensor.running && this.sensor.degraded;
  }

  /** The sensor's counters (without the decoder's), and events written out. */
  summary(): Record<string, unknown> {
    const { decoder: _decoder, ...stats } = this.sensor.stats();
    return {
      ...stats,
      events_out: this.#events?.count,
      ...(this.#recorder
        ? { recorded: this.#recorder.events, recorded_heartbeats: this.#recorder.heartbeats }
        : {}),
    };
  }
}
