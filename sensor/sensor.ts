/**
 * The live sensor: kernel records → decoder → engine → alerts.
 *
 * `start` checks that BPF can be used (one clear `SensorUnavailable`
 * otherwise), loads and configures the BPF objects with the rules' interest,
 * attaches them, loads the process table from `/proc` and starts the loop:
 *
 * - wait on the ring (epoll on a worker thread, with a timeout: the kernel
 *   only wakes the reader once `wakeupBytes` are pending);
 * - before each batch, read the dropped counters (see `./drops.ts`); then
 *   decode each record and hand the event to the engine;
 * - give the event loop a turn after a bounded number of records, so a
 *   storm cannot starve timers, signals or a REST server;
 * - once the ring is empty, at most every `heartbeatMs`, advance the
 *   engine's watermark to the boot clock (the clock records are stamped
 *   with), so `maxspan` expiry and trailing missing steps resolve while the
 *   host is idle;
 * - after drops, resynchronise the process table from `/proc` (at most once
 *   a second).
 *
 * `stop` detaches the programs (no new records), drains what the ring
 * holds, and closes everything.
 *
 * @module
 */
import { CgroupResolver } from "../engine/container.ts";
import { bootEpochNs, type DecoderStats, RecordDecoder } from "../engine/decode.ts";
import {
  Engine,
  type Match,
  type PredicateCompiler,
  type Quotas,
  unchangedRules,
} from "../engine/engine.ts";
import type { Event } from "../engine/event.ts";
import { hostId, ProcessTable } from "../engine/procs.ts";
import type { Schema } from "../engine/schema.ts";
import type { LoadedRule } from "../rules/loader/mod.ts";
import { BpfError } from "../ffi/libbpf.ts";
import { readCounter, readCounters } from "../ffi/counters.ts";
import { type BpfFeatures, probeFeatures } from "../ffi/probe.ts";
import { RingBuffer } from "../ffi/ringbuf.ts";
import { CLOCK_BOOTTIME, clockNs, trimHeap } from "../ffi/libc.ts";
import { bpfProblem, describeFeatures, SensorUnavailable } from "./availability.ts";
import { type DropInterval, droppedCounters, DropTracker } from "./drops.ts";
import { RingWakeups } from "./wakeups.ts";
import { EVENT_TYPE_COUNT, eventTypeName } from "./event_types.ts";
import { applyInterest, computeInterest, type Interest } from "./interest.ts";
import { deletePidStats, type PidStats, readPidStats } from "./kernel_maps.ts";
import { type AttachReport, KestrelObjects, type ObjectImages } from "./objects.ts";

/** Options of {@link Sensor}. */
export interface SensorOptions {
  /** The schema the rules were compiled against (the decoder uses the same). */
  schema: Schema;
  /** The predicate runtime for a ruleset (`[engine] runtime`); the JS runtime when absent. */
  predicates?: (rules: readonly LoadedRule[]) => PredicateCompiler | undefined;
  /** The rules to run (only enabled ones should be given); none: collect only. */
  rules?: readonly LoadedRule[];
  /** Receives each alert-worthy match, with `degraded` when its span overlaps lost records. */
  onAlert?: (rule: LoadedRule, match: Match, degraded: boolean) => void;
  /**
   * Receives every decoded event before the engine. The event is a view
   * over the ring: serialise it now, or keep `ev.retain?.()`.
   */
  onEvent?: (ev: Event) => void;
  /**
   * Receives each heartbeat's watermark, right after the engine got it, in
   * order with the events (a recording replays it at the same place).
   */
  onHeartbeat?: (ns: bigint) => void;
  /**
   * Receives each interval of lost records when the sensor learns of it,
   * in order with the events (a recording replays it at the same place).
   */
  onDrops?: (lost: DropInterval) => void;
  /** Called after each batch and on every idle turn (flush outputs here). */
  afterBatch?: () => Promise<void> | void;
  /**
   * Called after each batch of records read from the ring with how many it
   * held and the milliseconds decoding and evaluating them took (for a
   * latency histogram: one timer per batch, not per event).
   */
  onBatch?: (records: number, ms: number) => void;
  /** Log lines (default: stderr). */
  log?: (line: string) => void;
  /** Ring buffer bytes (power of 2; default 4 MiB). */
  ringBytes?: number;
  /** Kernel wake-up threshold in bytes (default 64 KiB, at most a quarter of the ring). */
  wakeupBytes?: number;
  /** Longest wait for records in ms (default 100): the latency bound below the threshold. */
  pollMs?: number;
  /** Heartbeat period in ms while idle (default 1000). */
  heartbeatMs?: number;
  /** Records decoded before the event loop gets a turn (default 16384). */
  turnRecords?: number;
  /** UDP destination port read as DNS (default 53). */
  dnsPort?: number;
  /** `kestrel_config.flags` (`CFG_*`). */
  configFlags?: number;
  /** Sequence state quotas. */
  quotas?: Quotas;
  /**
   * Interest pushdown (default true): the kernel submits only what the
   * rules can match. False: every record type, no path filters.
   */
  pushdown?: boolean;
  /** The BPF objects' bytes (default: the embedded ones). */
  images?: Readonly<ObjectImages>;
}

/** Counts per record type, by type name. */
export type PerType = Record<string, number>;

/** What the sensor has done. */
export interface SensorStats {
  /** Records read from the ring. */
  received: number;
  /** Records that became events. */
  decoded: number;
  /** Events the engine or an output threw on. */
  engineErrors: number;
  /** Alerts reported, and how many of them degraded. */
  alerts: number;
  degradedAlerts: number;
  /** Records lost (ring full), per type and in total, from the kernel counters. */
  dropped: PerType;
  droppedTotal: number;
  /** Events the kernel did not submit (not needed), per type. */
  filtered: PerType;
  /** Records the kernel submitted, per type. */
  produced: PerType;
  /** Events of the sensor itself, ignored in the kernel. */
  self: number;
  /** Process table resynchronisations after drops. */
  resyncs: number;
  /** Heartbeats that advanced the watermark. */
  heartbeats: number;
  /** Processes in the table. */
  processes: number;
  /** The decoder's own counters. */
  decoder: DecoderStats | undefined;
}

const DEFAULT_POLL_MS = 100;
const DEFAULT_HEARTBEAT_MS = 1000;
const DEFAULT_TURN_RECORDS = 16384;
const DEFAULT_WAKEUP_BYTES = 64 * 1024;
const BATCH_RECORDS = 4096;
const RESYNC_INTERVAL_MS = 1000;
/** After the last lost record or resynchronisation, `degraded` holds this long (ms). */
const DEGRADED_HOLD_MS = 10_000;
/** Heartbeats trail the clock this much: a record stamped just before may still be in flight. */
const HEARTBEAT_SLACK_NS = 20_000_000n;
/** The first global counter: events of the sensor itself (`ebpf/README.md`). */
const COUNTER_SELF = 128;

/** A running sensor. Not restartable: make a new one. */
export class Sensor {
  readonly #opts: SensorOptions;
  readonly #log: (line: string) => void;
  #rules: readonly LoadedRule[];
  #engine: Engine | undefined;
  #interest: Interest | undefined;
  #objects: KestrelObjects | undefined;
  #ring: RingBuffer | undefined;
  #wakeups: RingWakeups | undefined;
  #decoder: RecordDecoder | undefined;
  #procs: ProcessTable | undefined;
  #drops: DropTracker | undefined;
  #bootEpoch = 0n;
  #loop: Promise<void> | undefined;
  #state: "new" | "running" | "stopping" | "stopped" = "new";
  #syncWaiters: (() => void)[] = [];
  #lastHeartbeat = 0;
  #lastResync = -Infinity;
  #resyncPending = false;
  #lastDrop = -Infinity;
  #features: BpfFeatures | undefined;
  #attach: AttachReport | undefined;
  #reportedErrors = 0;
  #failure: Error | undefined;
  #kernelStats: Pick<SensorStats, "dropped" | "droppedTotal" | "filtered" | "produced" | "self"> = {
    dropped: {},
    droppedTotal: 0,
    filtered: {},
    produced: {},
    self: 0,
  };
  readonly #stats = {
    received: 0,
    decoded: 0,
    engineErrors: 0,
    alerts: 0,
    degradedAlerts: 0,
    resyncs: 0,
    heartbeats: 0,
  };

  /** A sensor for `options`; nothing happens until `start`. */
  constructor(options: SensorOptions) {
    this.#opts = options;
    this.#rules = options.rules ?? [];
    this.#log = options.log ?? ((line) => console.error(line));
  }

  /** The probed BPF features (after `start`). */
  get features(): BpfFeatures | undefined {
    return this.#features;
  }

  /** What was attached (after `start`). */
  get attached(): AttachReport | undefined {
    return this.#attach;
  }

  /** The interest written into the kernel. */
  get interest(): Interest | undefined {
    return this.#interest;
  }

  /** The process table (after `start`). */
  get processes(): ProcessTable | undefined {
    return this.#procs;
  }

  /** The loaded BPF objects (after `start`), for reading maps. */
  get objects(): KestrelObjects | undefined {
    return this.#objects;
  }

  /** Epoch nanoseconds of boot: event time = this + boot clock. */
  get bootEpochNs(): bigint {
    return this.#bootEpoch;
  }

  /**
   * Checks BPF, loads and attaches the programs, loads the process table
   * and starts collecting. Throws `SensorUnavailable` (one sentence, no
   * stack trace worth showing) when BPF cannot be used here.
   */
  async start(): Promise<void> {
    if (this.#state !== "new") throw new Error("a sensor starts once");
    const features = this.#features = probeFeatures();
    const problem = bpfProblem(features);
    if (problem) throw new SensorUnavailable(problem);
    this.#log(describeFeatures(features));
    const host = { id: await hostId(), name: Deno.hostname() };
    const procs = this.#procs = new ProcessTable({ hostId: host.id });
    let objects: KestrelObjects;
    try {
      objects = this.#objects = KestrelObjects.load({
        images: this.#opts.images,
        ringBytes: this.#opts.ringBytes,
      });
    } catch (e) {
      if (e instanceof BpfError) throw new SensorUnavailable(e.message);
      throw e;
    }
    try {
      objects.configure({
        selfTgid: Deno.pid,
        flags: this.#opts.configFlags ?? 0,
        pathTypes: 0n,
        openFlagsMask: 0,
        nprefixes: 0,
        dnsPort: this.#opts.dnsPort ?? 0,
        // A quarter of a small ring at most: the wake-up must come well before it is full.
        wakeupBytes: this.#opts.wakeupBytes ??
          Math.min(DEFAULT_WAKEUP_BYTES, objects.ringBytes / 4),
      });
      this.#bootEpoch = bootEpochNs();
      this.#drops = new DropTracker(
        droppedCounters(objects.map("kestrel_counters")),
        [],
        this.#nowNs(),
      );
      this.#engine = this.#makeEngine(this.#rules);
      this.#writeInterest(this.#rules);
      this.#ring = RingBuffer.open(objects.map("events").fd, objects.ringBytes);
      this.#wakeups = RingWakeups.open(objects.map("events").fd);
      this.#attach = objects.attach();
      for (const note of this.#attach.notes) this.#log(note);
      // Attached first: what happens while /proc is read waits in the ring.
      await procs.bootstrap();
      trimHeap(); // what loading freed (libbpf's copy of the kernel BTF) goes back
      this.#decoder = new RecordDecoder({
        schema: this.#opts.schema,
        procs,
        host,
        bootEpochNs: this.#bootEpoch,
        containers: new CgroupResolver(),
        initPidNs: initPidNamespace(),
      });
    } catch (e) {
      this.#wakeups?.close();
      this.#ring?.close();
      objects.close();
      if (e instanceof BpfError) throw new SensorUnavailable(e.message);
      throw e;
    }
    this.#state = "running";
    this.#lastHeartbeat = performance.now();
    this.#loop = this.#run().catch((e) => {
      this.#failure = e instanceof Error ? e : new Error(String(e));
      this.#log(`kestrel: collection failed: ${this.#failure.message}`);
    });
  }

  /** Resolves when collection ends: after `stop`, or on a failure (see `failure`). */
  get ended(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  /** Why collection ended on its own, if it did. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /**
   * Replaces the rules between two events: a new engine, which takes over
   * the sequence state of the rules whose id and text hash are unchanged
   * (the others start empty), and the kernel's interest recomputed for
   * them (`unchangedRules` tells which ids carry over). Returns the interest.
   */
  setRules(rules: readonly LoadedRule[]): Interest {
    this.#engine = this.#makeEngine(rules, this.#engine ? unchangedRules(this.#rules, rules) : []);
    this.#rules = rules;
    return this.#writeInterest(rules);
  }

  #makeEngine(rules: readonly LoadedRule[], keep: string[] = []): Engine {
    const from = this.#engine;
    return new Engine(rules, {
      schema: this.#opts.schema,
      quotas: this.#opts.quotas,
      onMatch: (m) => this.#onMatch(rules, m),
      carryOver: from && { from, keep },
      predicates: this.#opts.predicates?.(rules),
    });
  }

  /** Sequence state counters of the running engine (none without sequence rules). */
  sequenceStats(): ReturnType<Engine["sequenceStats"]> {
    return this.#engine?.sequenceStats();
  }

  /** Bytes waiting in the ring buffer (0 when not collecting). */
  backlogBytes(): number {
    return this.#state === "running" ? this.#ring!.backlog() : 0;
  }

  /**
   * True while records are being lost: from a drop until the process table
   * has been resynchronised and no record was lost for a while.
   */
  get degraded(): boolean {
    return this.#resyncPending || performance.now() - this.#lastDrop < DEGRADED_HOLD_MS;
  }

  #writeInterest(rules: readonly LoadedRule[]): Interest {
    const objects = this.#objects!;
    const interest = this.#opts.pushdown === false ? everything() : computeInterest(rules);
    applyInterest({
      interest: objects.map("kestrel_interest"),
      prefixes: objects.map("kestrel_prefixes"),
      config: objects.map("kestrel_config"),
    }, interest);
    this.#drops!.setTypes(interest.types.flatMap((on, t) => on ? [t] : []));
    this.#interest = interest;
    for (const note of interest.notes) this.#log(note);
    return interest;
  }

  #onMatch(rules: readonly LoadedRule[], m: Match): void {
    const events = m.events;
    let first = events[0].timestamp, last = first;
    for (const e of events) {
      if (e.timestamp < first) first = e.timestamp;
      if (e.timestamp > last) last = e.timestamp;
    }
    const degraded = this.#drops!.overlaps(first, last);
    this.#stats.alerts++;
    if (degraded) this.#stats.degradedAlerts++;
    this.#opts.onAlert?.(rules[m.rule], m, degraded);
  }

  /** Event time now: boot epoch + the boot clock. */
  #nowNs(): bigint {
    return this.#bootEpoch + clockNs(CLOCK_BOOTTIME);
  }

  /**
   * Resolves once every record committed before the call has been handed
   * to the engine (and `afterBatch` has run): lets callers wait for a
   * workload's events without guessing a delay.
   */
  sync(): Promise<void> {
    if (this.#state !== "running") return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#syncWaiters.push(resolve));
    this.#wakeups!.interrupt();
    return done;
  }

  async #run(): Promise<void> {
    const pollMs = this.#opts.pollMs ?? DEFAULT_POLL_MS;
    while (this.#state === "running") {
      // Until the kernel's wake-up (wakeupBytes pending), a sync or stop, or the timeout.
      await this.#wakeups!.wait(pollMs);
      const waiters = this.#syncWaiters.splice(0);
      await this.#drain();
      this.#heartbeat(false);
      await this.#resyncIfNeeded();
      await this.#opts.afterBatch?.();
      for (const w of waiters) w();
    }
  }

  /** Consumes until the ring is empty, yielding to the event loop between turns; returns the records read. */
  async #drain(): Promise<number> {
    const ring = this.#ring!;
    const turn = this.#opts.turnRecords ?? DEFAULT_TURN_RECORDS;
    let done = 0, total = 0;
    while (ring.pending()) {
      // Before each batch (see ./drops.ts): drops can only happen while
      // records wait in the ring, so this also catches every drop in time.
      this.#checkDrops();
      const t0 = performance.now();
      const n = ring.consume(this.#onRecord, BATCH_RECORDS);
      if (n > 0) this.#opts.onBatch?.(n, performance.now() - t0);
      done += n;
      total += n;
      if (done >= turn) {
        await this.#opts.afterBatch?.();
        await new Promise((r) => setTimeout(r, 0));
        done = 0;
      }
    }
    return total;
  }

  #checkDrops(): void {
    if (this.#drops!.check(this.#nowNs()) > 0n) {
      this.#resyncPending = true;
      this.#lastDrop = performance.now();
      this.#opts.onDrops?.(this.#drops!.intervals().at(-1)!);
    }
  }

  readonly #onRecord = (view: DataView, offset: number, length: number): void => {
    this.#stats.received++;
    // The decoder never throws: malformed records are counted in its stats.
    const ev = this.#decoder!.decode(view, offset, length);
    if (ev === undefined) return;
    this.#stats.decoded++;
    try {
      this.#opts.onEvent?.(ev);
      this.#engine!.process(ev);
    } catch (e) {
      this.#stats.engineErrors++;
      this.#report("processing an event", e);
    }
  };

  #report(what: string, e: unknown): void {
    // A bad record must not flood the log: the first few, then counts only.
    if (this.#reportedErrors++ < 10) {
      this.#log(`kestrel: error ${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Advances the watermark to the boot clock, at most every `heartbeatMs` unless forced. */
  #heartbeat(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.#lastHeartbeat < (this.#opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS)) {
      return;
    }
    this.#lastHeartbeat = now;
    // Drops while nothing was left to read are found here at the latest.
    this.#checkDrops();
    // Only when caught up: otherwise events still queued would arrive late.
    if (this.#ring!.pending()) return;
    const ns = this.#nowNs() - HEARTBEAT_SLACK_NS;
    this.#engine!.advanceWatermark(ns);
    this.#opts.onHeartbeat?.(ns);
    this.#stats.heartbeats++;
  }

  async #resyncIfNeeded(): Promise<void> {
    if (!this.#resyncPending) return;
    const now = performance.now();
    if (now - this.#lastResync < RESYNC_INTERVAL_MS) return;
    this.#resyncPending = false;
    this.#lastResync = now;
    // Lost forks, execs and exits leave the table wrong: /proc is the truth.
    await this.#procs!.bootstrap();
    this.#stats.resyncs++;
  }

  /** Detaches the programs, drains the ring, closes everything (idempotent). */
  async stop(): Promise<void> {
    if (this.#state !== "running") return;
    this.#state = "stopping";
    try {
      this.#objects!.detach();
      this.#wakeups!.interrupt();
      await this.#loop;
      if (!this.#failure) {
        await this.#drain();
        this.#heartbeat(true);
        await this.#opts.afterBatch?.();
      }
      this.#kernelStats = this.#readKernelStats();
    } finally {
      this.#state = "stopped";
      for (const w of this.#syncWaiters.splice(0)) w();
      this.#wakeups!.close();
      this.#ring!.close();
      this.#objects!.close();
    }
  }

  /** True while collecting. */
  get running(): boolean {
    return this.#state === "running";
  }

  /** The sensor's counters, with the kernel's per-type counts. */
  stats(): SensorStats {
    const kernel = this.#state === "running" || this.#state === "stopping"
      ? this.#readKernelStats()
      : this.#kernelStats;
    return {
      ...this.#stats,
      ...kernel,
      processes: this.#procs?.size ?? 0,
      decoder: this.#decoder?.stats,
    };
  }

  #readKernelStats(): Pick<
    SensorStats,
    "dropped" | "droppedTotal" | "filtered" | "produced" | "self"
  > {
    const out = {
      dropped: {} as PerType,
      droppedTotal: 0,
      filtered: {} as PerType,
      produced: {} as PerType,
      self: 0,
    };
    const map = this.#objects!.map("kestrel_counters");
    readCounters(map, EVENT_TYPE_COUNT).forEach((c, t) => {
      const name = eventTypeName(t);
      if (c.dropped) out.dropped[name] = Number(c.dropped);
      if (c.filtered) out.filtered[name] = Number(c.filtered);
      if (c.produced) out.produced[name] = Number(c.produced);
      out.droppedTotal += Number(c.dropped);
    });
    out.self = Number(readCounter(map, COUNTER_SELF));
    return out;
  }

  /** What the kernel did with process `tgid`'s events (null when it saw none, or after `stop`). */
  pidStats(tgid: number): PidStats | null {
    if (!this.#objects || this.#state === "stopped") return null;
    return readPidStats(this.#objects.map("kestrel_pid_stats"), tgid);
  }

  /** Forgets the kernel's counts for `tgid` (entries outlive their process). */
  clearPidStats(tgid: number): void {
    if (this.#objects && this.#state !== "stopped") {
      deletePidStats(this.#objects.map("kestrel_pid_stats"), tgid);
    }
  }
}

/** The interest with pushdown off: every record type, no path prefixes. */
function everything(): Interest {
  return {
    types: Array.from({ length: EVENT_TYPE_COUNT }, (_, t) => t > 0),
    pathTypes: 0n,
    prefixes: [],
    openFlagsMask: 0,
    notes: [],
  };
}

/** Inode of the initial pid namespace (`/proc/1/ns/pid`), when readable. */
function initPidNamespace(): number | undefined {
  try {
    const m = /\[(\d+)\]/.exec(Deno.readLinkSync("/proc/1/ns/pid"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
