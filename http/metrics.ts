/**
 * Prometheus text exposition (format 0.0.4): a small builder for counters,
 * gauges and histograms, a histogram accumulator, and Kestrel's metric set
 * rendered from a plain snapshot the daemon passes.
 *
 * Conventions: `kestrel_` prefix, base units in names (`_seconds`,
 * `_bytes`), counters end in `_total`, every family has `# HELP` and
 * `# TYPE`, label values are escaped, samples are sorted by their labels so
 * the same snapshot always renders the same text.
 *
 * @example
 * ```ts
 * const t = new PromText();
 * t.counter("kestrel_demo_total", "Demo events.", [{ labels: { type: "exec" }, value: 3 }]);
 * t.toString(); // "# HELP kestrel_demo_total Demo events.\n# TYPE … counter\nkestrel_demo_total{type=\"exec\"} 3\n"
 * ```
 *
 * @module
 */

/** Label names to values. */
export type Labels = Readonly<Record<string, string>>;

/** One sample of a counter or gauge. */
export interface Sample {
  /** Label names to values; none for an unlabelled sample. */
  labels?: Labels;
  /** The value; counters must not be negative. */
  value: number;
}

/**
 * A histogram's state: `counts[i]` observations fell at or below
 * `bounds[i]` and above the previous bound (not cumulative);
 * `counts[bounds.length]` counts those above the highest bound.
 */
export interface HistogramData {
  /** Upper bounds, strictly increasing, finite. */
  bounds: readonly number[];
  /** `bounds.length + 1` per-bucket counts. */
  counts: readonly number[];
  /** Sum of all observed values. */
  sum: number;
}

/** One labelled histogram series. */
export interface HistogramSeries {
  /** Labels of the series (not `le`). */
  labels?: Labels;
  /** Its buckets and sum. */
  data: HistogramData;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Builds one exposition text, family by family. Throws on invalid names or values. */
export class PromText {
  #out = "";
  readonly #names = new Set<string>();

  /** Adds a counter family; `name` must end in `_total` and values be ≥ 0. */
  counter(name: string, help: string, samples: readonly Sample[]): this {
    if (!name.endsWith("_total")) throw new Error(`counter ${name} must end in _total`);
    for (const s of samples) {
      if (!(s.value >= 0)) throw new RangeError(`counter ${name} has value ${s.value}`);
    }
    return this.#simple(name, help, "counter", samples);
  }

  /** Adds a gauge family. */
  gauge(name: string, help: string, samples: readonly Sample[]): this {
    return this.#simple(name, help, "gauge", samples);
  }

  /** Adds a histogram family: `_bucket{le=…}` (cumulative, ending at `+Inf`), `_sum`, `_count`. */
  histogram(name: string, help: string, series: readonly HistogramSeries[]): this {
    this.#header(name, help, "histogram");
    const seen = new Set<string>();
    for (const { labels = {}, data } of sortByLabels(series)) {
      checkHistogram(name, data);
      if ("le" in labels) throw new Error(`histogram ${name} uses the reserved label le`);
      const key = renderLabels(labels);
      if (seen.has(key)) throw new Error(`${name} has two series with labels ${key}`);
      seen.add(key);
      let cumulative = 0;
      for (let i = 0; i <= data.bounds.length; i++) {
        cumulative += data.counts[i];
        const le = i < data.bounds.length ? formatValue(data.bounds[i]) : "+Inf";
        this.#line(`${name}_bucket`, { ...labels, le }, cumulative);
      }
      this.#line(`${name}_sum`, labels, data.sum);
      this.#line(`${name}_count`, labels, cumulative);
    }
    return this;
  }

  /** The exposition text, ending with a newline. */
  toString(): string {
    return this.#out;
  }

  #simple(name: string, help: string, type: string, samples: readonly Sample[]): this {
    this.#header(name, help, type);
    const seen = new Set<string>();
    for (const s of sortByLabels(samples)) {
      const key = renderLabels(s.labels ?? {});
      if (seen.has(key)) throw new Error(`${name} has two samples with labels ${key}`);
      seen.add(key);
      this.#line(name, s.labels ?? {}, s.value);
    }
    return this;
  }

  #header(name: string, help: string, type: string): void {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    if (this.#names.has(name)) throw new Error(`metric ${name} added twice`);
    this.#names.add(name);
    this.#out += `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
  }

  #line(name: string, labels: Labels, value: number): void {
    this.#out += `${name}${renderLabels(labels)} ${formatValue(value)}\n`;
  }
}

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Escapes HELP text: backslash and newline. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A sample value as Prometheus writes it (`+Inf`, `-Inf`, `NaN`, or a decimal). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** `{a="x",b="y"}` with names sorted, or the empty string for no labels. */
function renderLabels(labels: Labels): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return "";
  const parts = names.map((n) => {
    if (!LABEL_NAME.test(n) || n.startsWith("__")) {
      throw new Error(`invalid label name ${JSON.stringify(n)}`);
    }
    return `${n}="${escapeLabelValue(labels[n])}"`;
  });
  return `{${parts.join(",")}}`;
}

function sortByLabels<T extends { labels?: Labels }>(items: readonly T[]): T[] {
  const keyed = items.map((item) => ({ item, key: renderLabels(item.labels ?? {}) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.item);
}

function checkHistogram(name: string, d: HistogramData): void {
  if (d.counts.length !== d.bounds.length + 1) {
    throw new Error(
      `histogram ${name}: ${d.bounds.length} bounds need ${d.bounds.length + 1} counts`,
    );
  }
  for (let i = 0; i < d.bounds.length; i++) {
    if (!Number.isFinite(d.bounds[i]) || (i > 0 && d.bounds[i] <= d.bounds[i - 1])) {
      throw new Error(`histogram ${name}: bounds must be finite and strictly increasing`);
    }
  }
  for (const c of d.counts) {
    if (!(c >= 0)) throw new RangeError(`histogram ${name}: negative bucket count ${c}`);
  }
}

/** Default bounds for evaluation latency, in seconds: 1 µs to 1 s. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.000001,
  0.0000025,
  0.000005,
  0.00001,
  0.000025,
  0.00005,
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.1,
  1,
];

/** Accumulates observations into fixed buckets; cheap enough for the hot path (no allocation). */
export class Histogram {
  readonly #bounds: readonly number[];
  readonly #counts: Float64Array;
  #sum = 0;

  /** A histogram over `bounds` (strictly increasing, finite). */
  constructor(bounds: readonly number[] = LATENCY_BUCKETS_SECONDS) {
    checkHistogram("Histogram", { bounds, counts: new Array(bounds.length + 1).fill(0), sum: 0 });
    this.#bounds = [...bounds];
    this.#counts = new Float64Array(bounds.length + 1);
  }

  /** Records one value; `count` times when given (a batch's mean, once per item). */
  observe(v: number, count = 1): void {
    const b = this.#bounds;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    this.#counts[i] += count;
    this.#sum += v * count;
  }

  /** A copy of the current state. */
  snapshot(): HistogramData {
    return { bounds: this.#bounds, counts: [...this.#counts], sum: this.#sum };
  }
}

/** Counters and gauges the daemon passes to {@link renderKestrelMetrics}. */
export interface MetricsSnapshot {
  /** Per event type (`exec`, `open`, `connect`, …). */
  events: {
    /** Events read from the kernel or a log. */
    received: Readonly<Record<string, number>>;
    /** Events discarded before the rules (interest pushdown, filters). */
    filtered: Readonly<Record<string, number>>;
    /** Events lost (ring buffer full). */
    dropped: Readonly<Record<string, number>>;
  };
  /** Alerts raised since start, per rule (with the rule's severity). */
  alerts: readonly { severity: string; rule: string; count: number }[];
  /** Rules in the running ruleset. */
  rulesLoaded: number;
  /** Sequence state (ARCHITECTURE §2, `[nfa]` quotas). */
  partialMatches: {
    /** Sequence partial matches held now. */
    active: number;
    /** Partial matches dropped because `maxspan` passed, since start. */
    expiredTotal: number;
    /** Partial matches evicted by the `[nfa]` quotas, since start. */
    evictedTotal: number;
  };
  /** Time to evaluate one event against the rules. */
  evalLatencySeconds: HistogramData;
  /** Bytes written to the ring buffer and not yet consumed. */
  ringbufLagBytes: number;
  /** Alerts waiting per output (`stdout`, `file`, `syslog`, `webhook`). */
  outputQueueDepth: Readonly<Record<string, number>>;
  /** Resident set size of the process. */
  residentMemoryBytes: number;
}

/** The names of every family {@link renderKestrelMetrics} writes, in order. */
export const KESTREL_METRICS: readonly string[] = [
  "kestrel_events_received_total",
  "kestrel_events_filtered_total",
  "kestrel_events_dropped_total",
  "kestrel_alerts_total",
  "kestrel_rules_loaded",
  "kestrel_partial_matches",
  "kestrel_partial_matches_expired_total",
  "kestrel_partial_matches_evicted_total",
  "kestrel_eval_latency_seconds",
  "kestrel_ringbuf_lag_bytes",
  "kestrel_output_queue_depth",
  "kestrel_process_resident_memory_bytes",
];

/** Renders the sensor's metrics (issue 5 item 5) as Prometheus text. */
export function renderKestrelMetrics(s: MetricsSnapshot): string {
  const byType = (r: Readonly<Record<string, number>>): Sample[] =>
    Object.entries(r).map(([type, value]) => ({ labels: { type }, value }));
  return new PromText()
    .counter(
      "kestrel_events_received_total",
      "Events received from the kernel or a log, by event type.",
      byType(s.events.received),
    )
    .counter(
      "kestrel_events_filtered_total",
      "Events discarded before rule evaluation, by event type.",
      byType(s.events.filtered),
    )
    .counter(
      "kestrel_events_dropped_total",
      "Events lost before the sensor read them (ring buffer full), by event type.",
      byType(s.events.dropped),
    )
    .counter(
      "kestrel_alerts_total",
      "Alerts raised, by rule severity and rule id.",
      s.alerts.map((a) => ({ labels: { severity: a.severity, rule: a.rule }, value: a.count })),
    )
    .gauge("kestrel_rules_loaded", "Rules in the running ruleset.", [{ value: s.rulesLoaded }])
    .gauge("kestrel_partial_matches", "Sequence partial matches held, by state.", [
      { labels: { state: "active" }, value: s.partialMatches.active },
    ])
    .counter(
      "kestrel_partial_matches_expired_total",
      "Partial matches dropped because their maxspan passed.",
      [{ value: s.partialMatches.expiredTotal }],
    )
    .counter(
      "kestrel_partial_matches_evicted_total",
      "Partial matches evicted by the state quotas.",
      [{ value: s.partialMatches.evictedTotal }],
    )
    .histogram(
      "kestrel_eval_latency_seconds",
      "Time to evaluate one event against the ruleset.",
      [{ data: s.evalLatencySeconds }],
    )
    .gauge(
      "kestrel_ringbuf_lag_bytes",
      "Bytes in the ring buffer not yet consumed.",
      [{ value: s.ringbufLagBytes }],
    )
    .gauge(
      "kestrel_output_queue_depth",
      "Alerts waiting to be written, by output.",
      Object.entries(s.outputQueueDepth).map(([output, value]) => ({ labels: { output }, value })),
    )
    .gauge(
      "kestrel_process_resident_memory_bytes",
      "Resident set size of the sensor process.",
      [{ value: s.residentMemoryBytes }],
    )
    .toString();
}
