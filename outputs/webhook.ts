/**
 * Alerts POSTed one by one, in order, to an HTTP endpoint.
 *
 * Each request: body = the alert's JSON line, `Content-Type:
 * application/json`, `Idempotency-Key: <kestrel.alert.id>`, and
 * `Authorization: Bearer <token>` when a token is configured. Delivery is at
 * least once: receivers deduplicate on the idempotency key.
 *
 * Outcomes: a 2xx response delivers the alert. No answer (connection error,
 * `timeoutMs` elapsed) and 408, 425, 429 and 5xx mean the receiver is
 * unavailable: the same alert is retried after a capped, jittered
 * exponential backoff (a `Retry-After` in seconds lengthens the wait, within
 * the cap), without limit — alerts wait in the queue, never given up.
 * Any other status means the receiver refuses this request: it is retried
 * `maxRetries` times, then the alert is counted `failed` and skipped so it
 * does not block the ones behind it.
 *
 * Queue: alerts wait in memory (`memoryQueue` at most). When that is full,
 * its oldest half is spilled to the disk queue in `queueDir` (see
 * `disk_queue.ts`), which is delivered before anything in memory, so order
 * is kept. `close` writes whatever is still pending to the disk queue; the
 * next output opened on the same directory sends those alerts first, in
 * order. The disk queue is capped at `maxQueueMb`: alerts that do not fit
 * are dropped, counted in `dropped` and reported. Alerts only in memory are
 * lost if the process dies without `close`; `memoryQueue: 0` writes every
 * alert to disk before sending it.
 *
 * @module
 */
import type { Alert } from "../engine/alerts.ts";
import { VERSION } from "../version.ts";
import { Backoff, Sleeper } from "./backoff.ts";
import { DiskQueue } from "./disk_queue.ts";
import {
  type AlertOutput,
  errorMessage,
  type OutputLog,
  type OutputStats,
  stderrLog,
} from "./types.ts";

/** Options of {@link WebhookOutput}. */
export interface WebhookOutputOptions {
  /** The endpoint (http or https). */
  url: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string;
  /** Time allowed for one request, in ms. Default 10,000. */
  timeoutMs?: number;
  /** Retries of an alert the receiver refuses (4xx) before it is counted failed. Default 3. */
  maxRetries?: number;
  /** Directory of the disk queue (created mode 0700). */
  queueDir: string;
  /** Cap of the disk queue in MiB (fractions allowed). Default 100. */
  maxQueueMb?: number;
  /** Alerts held in memory before the oldest spill to disk. Default 1000. */
  memoryQueue?: number;
  /** First retry delay in ms. Default 500. */
  backoffMs?: number;
  /** Longest retry delay in ms. Default 60,000. */
  maxBackoffMs?: number;
  /** Where delivery problems and drops are reported. Default: standard error. */
  log?: OutputLog;
}

/** Webhook counters: the common ones, plus retries and spills. */
export interface WebhookStats extends OutputStats {
  /** Requests that failed and were tried again. */
  retries: number;
  /** Alerts written to the disk queue (at spill or close). */
  spilled: number;
  /** Of `queued`, the alerts in the disk queue. */
  onDisk: number;
}

interface Entry {
  id: string;
  line: string;
}

type Outcome = "delivered" | "unavailable" | "refused";

/** HTTP POST of each alert with an idempotency key, retries and a disk-backed queue. */
export class WebhookOutput implements AlertOutput {
  /** Always `webhook`. */
  readonly name = "webhook";
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #memoryQueue: number;
  readonly #maxBackoffMs: number;
  readonly #backoff: Backoff;
  readonly #sleeper = new Sleeper();
  readonly #stop = new AbortController();
  readonly #log: OutputLog;
  readonly #ready: Promise<DiskQueue | undefined>;
  #disk: DiskQueue | undefined;
  #mem: Entry[] = [];
  /** An alert taken from memory and not yet delivered: older than everything else queued. */
  #inflight: Entry | undefined;
  /** Alerts on their way to disk. */
  #spilling = 0;
  #diskOps: Promise<void> = Promise.resolve();
  #drain: Promise<void> | undefined;
  #waiters: (() => void)[] = [];
  #down = false;
  #closing = false;
  #refusals = 0;
  #sent = 0;
  #failed = 0;
  #dropped = 0;
  #retries = 0;
  #spilled = 0;

  /** Validates the URL (throws naming it) and opens the disk queue in the background. */
  constructor(options: WebhookOutputOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new RangeError(`webhook url is not a URL: ${JSON.stringify(options.url)}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new RangeError(`webhook url must be http or https: ${JSON.stringify(options.url)}`);
    }
    this.#url = url.href;
    this.#headers = {
      "content-type": "application/json",
      "user-agent": `kestrel/${VERSION}`,
      ...(options.token !== undefined && options.token !== ""
        ? { authorization: `Bearer ${options.token}` }
        : {}),
    };
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxRetries = options.maxRetries ?? 3;
    this.#memoryQueue = Math.max(0, options.memoryQueue ?? 1000);
    this.#maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.#backoff = new Backoff(options.backoffMs ?? 500, this.#maxBackoffMs);
    this.#log = options.log ?? stderrLog;
    const maxBytes = Math.floor((options.maxQueueMb ?? 100) * 1024 * 1024);
    this.#ready = DiskQueue.open(options.queueDir, maxBytes).then(
      (disk) => this.#disk = disk,
      (e) => {
        this.#log(
          `kestrel: webhook output: disk queue ${options.queueDir} unusable, ` +
            `queueing in memory only: ${errorMessage(e)}`,
        );
        return undefined;
      },
    );
    // Alerts left by an earlier run go first.
    void this.#ready.then((disk) => {
      if (disk !== undefined && disk.count > 0) this.#startDrain();
    });
  }

  /** Enqueues the alert; the oldest queued alerts spill to disk when memory is full. */
  send(alert: Alert, line: string): void {
    if (this.#closing) {
      this.#dropped++;
      return;
    }
    this.#mem.push({ id: alert.kestrel.alert.id, line });
    if (this.#mem.length > this.#memoryQueue) {
      this.#spill(this.#mem.splice(0, Math.max(1, Math.ceil(this.#memoryQueue / 2))));
    }
    this.#startDrain();
  }

  /** Resolves when every queued alert is delivered, or at once while the receiver is unavailable. */
  async flush(): Promise<void> {
    await this.#ready;
    if (this.#queued() > 0) this.#startDrain();
    if (this.#drain === undefined || this.#down) return;
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /**
   * Flushes, then stops: a request still running is abandoned (it will be
   * sent again) and every undelivered alert is written to the disk queue
   * for the next run.
   */
  async close(): Promise<void> {
    await this.flush();
    this.#closing = true;
    this.#stop.abort();
    this.#sleeper.wake();
    await this.#drain;
    await this.#diskOps;
    const disk = await this.#ready;
    const inflight = this.#inflight === undefined ? [] : [this.#inflight];
    const pending = this.#mem;
    this.#inflight = undefined;
    this.#mem = [];
    if (disk === undefined) {
      this.#drop(inflight.length + pending.length, "no disk queue");
      return;
    }
    try {
      await disk.persist(inflight.map((e) => e.line));
      this.#spilled += inflight.length;
      const kept = await disk.append(pending.map((e) => e.line));
      this.#spilled += kept;
      this.#drop(pending.length - kept, `disk queue full (${disk.bytes} bytes)`);
    } catch (e) {
      this.#drop(inflight.length + pending.length, `disk queue write failed: ${errorMessage(e)}`);
    }
  }

  /** Counters; `queued` includes the disk queue. */
  stats(): WebhookStats {
    return {
      sent: this.#sent,
      failed: this.#failed,
      queued: this.#queued(),
      dropped: this.#dropped,
      retries: this.#retries,
      spilled: this.#spilled,
      onDisk: this.#disk?.count ?? 0,
    };
  }

  #queued(): number {
    return (this.#inflight === undefined ? 0 : 1) + this.#mem.length + this.#spilling +
      (this.#disk?.count ?? 0);
  }

  #spill(entries: Entry[]): void {
    this.#spilling += entries.length;
    this.#diskOps = this.#diskOps.then(async () => {
      const disk = await this.#ready;
      try {
        if (disk === undefined) {
          this.#drop(entries.length, "memory queue full and no disk queue");
          return;
        }
        const kept = await disk.append(entries.map((e) => e.line));
        this.#spilled += kept;
        this.#drop(entries.length - kept, `disk queue full (${disk.bytes} bytes)`);
      } catch (e) {
        this.#drop(entries.length, `disk queue write failed: ${errorMessage(e)}`);
      } finally {
        this.#spilling -= entries.length;
      }
    });
  }

  #drop(n: number, why: string): void {
    if (n <= 0) return;
    this.#dropped += n;
    this.#log(`kestrel: webhook output: ${n} alert(s) dropped: ${why}`);
  }

  #startDrain(): void {
    this.#drain ??= this.#drainLoop().finally(() => {
      this.#drain = undefined;
      this.#notify();
    });
  }

  async #drainLoop(): Promise<void> {
    const disk = await this.#ready;
    while (!this.#closing) {
      try {
        if (!await this.#deliverNext(disk)) break;
      } catch (e) {
        // The disk queue failed under us (e.g. a segment removed by hand): report, pause, go on.
        this.#log(`kestrel: webhook output: queue error: ${errorMessage(e)}`);
        await this.#sleeper.sleep(this.#backoff.next());
      }
    }
  }

  /** Tries the oldest queued alert once; false when nothing is queued (or closing). */
  async #deliverNext(disk: DiskQueue | undefined): Promise<boolean> {
    await this.#diskOps;
    // Spills started meanwhile hold alerts older than memory's: let them land first.
    if (this.#spilling > 0) return true;
    let entry = this.#inflight;
    let fromDisk = false;
    if (entry === undefined && disk !== undefined && disk.count > 0) {
      entry = await this.#diskHead(disk);
      if (entry === undefined) return true; // A bad line was skipped.
      fromDisk = true;
    }
    if (entry === undefined) entry = this.#inflight = this.#mem.shift();
    if (entry === undefined) return false;
    const { outcome, retryAfterMs } = await this.#post(entry);
    if (this.#closing && outcome !== "delivered") return false;
    if (outcome === "delivered") {
      this.#sent++;
      this.#refusals = 0;
      this.#backoff.reset();
      if (this.#down) this.#log(`kestrel: webhook output: ${this.#url} reachable again`);
      this.#down = false;
    } else if (outcome === "refused" && ++this.#refusals > this.#maxRetries) {
      this.#failed++;
      this.#refusals = 0;
      this.#log(`kestrel: webhook output: alert ${entry.id} refused ${this.#maxRetries + 1} times`);
    } else {
      this.#retries++;
      if (outcome === "unavailable") {
        this.#down = true;
        this.#notify();
      }
      const delay = this.#backoff.next();
      await this.#sleeper.sleep(Math.min(this.#maxBackoffMs, Math.max(delay, retryAfterMs)));
      return true;
    }
    if (fromDisk) await disk?.ack();
    else this.#inflight = undefined;
    return true;
  }

  /** The oldest alert on disk; a line that is not an alert is skipped (counted failed). */
  async #diskHead(disk: DiskQueue): Promise<Entry | undefined> {
    const line = await disk.peek();
    if (line === undefined) return undefined;
    const id = alertIdOf(line);
    if (id !== undefined) return { id, line };
    this.#failed++;
    this.#log("kestrel: webhook output: skipped a queue line that is not an alert");
    await disk.ack();
    return undefined;
  }

  /** One request; `retryAfterMs` from a `Retry-After` header in seconds, else 0. */
  async #post(entry: Entry): Promise<{ outcome: Outcome; retryAfterMs: number }> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.#timeoutMs);
    let res: Response;
    try {
      res = await fetch(this.#url, {
        method: "POST",
        headers: { ...this.#headers, "idempotency-key": entry.id },
        body: entry.line,
        signal: AbortSignal.any([timeout.signal, this.#stop.signal]),
      });
      await res.body?.cancel();
    } catch (e) {
      if (!this.#down && !this.#closing) {
        const why = timeout.signal.aborted ? `no answer in ${this.#timeoutMs} ms` : errorMessage(e);
        this.#log(`kestrel: webhook output: ${this.#url} unavailable: ${why}`);
      }
      return { outcome: "unavailable", retryAfterMs: 0 };
    } finally {
      clearTimeout(timer);
    }
    const status = res.status;
    if (status >= 200 && status < 300) return { outcome: "delivered", retryAfterMs: 0 };
    const unavailable = status === 408 || status === 425 || status === 429 || status >= 500;
    if (!this.#down) {
      this.#log(
        `kestrel: webhook output: ${this.#url} ${unavailable ? "unavailable" : "refused"}: ` +
          `HTTP ${status}`,
      );
    }
    const seconds = Number(res.headers.get("retry-after") ?? "");
    return {
      outcome: unavailable ? "unavailable" : "refused",
      retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0,
    };
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

/** `kestrel.alert.id` of an alert line, or undefined when it is not one. */
function alertIdOf(line: string): string | undefined {
  try {
    const id = (JSON.parse(line) as { kestrel?: { alert?: { id?: unknown } } })?.kestrel?.alert
      ?.id;
    return typeof id === "string" && id !== "" ? id : undefined;
  } catch {
    return undefined;
  }
}
