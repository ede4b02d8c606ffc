import assert from "node:assert/strict";
import { FieldPaths, type JsonEvent } from "../../engine/event.ts";
import { Schema } from "../../engine/schema.ts";
import {
  type NdjsonOptions,
  newReadStats,
  readNdjson,
  readNdjsonFile,
  type ReadProblem,
  type ReadStats,
} from "../../log/ndjson.ts";

const paths = new FieldPaths(Schema.ecs());
const encoder = new TextEncoder();

/** A stream delivering `bytes` cut at the given offsets; `state.cancelled` tells whether it was cancelled. */
function streamOf(bytes: Uint8Array, cuts: number[] = [], state = { cancelled: false }) {
  const bounds = [0, ...cuts.filter((c) => c > 0 && c < bytes.length), bytes.length];
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i + 1 < bounds.length) controller.enqueue(bytes.slice(bounds[i], bounds[++i]));
      else controller.close();
    },
    cancel() {
      state.cancelled = true;
    },
  });
}

/** Cut offsets every `size` bytes. */
function every(size: number, length: number): number[] {
  const cuts = [];
  for (let at = size; at < length; at += size) cuts.push(at);
  return cuts;
}

interface Read {
  /** `[seq, timestamp, msg]` per event, in output order. */
  events: [number, bigint, unknown][];
  problems: ReadProblem[];
  stats: ReadStats;
  batches: number[];
}

async function readAll(
  stream: ReadableStream<Uint8Array>,
  opts: Partial<NdjsonOptions> = {},
): Promise<Read> {
  const problems: ReadProblem[] = [];
  const events: [number, bigint, unknown][] = [];
  const batches: number[] = [];
  const gen = readNdjson(stream, { paths, onProblem: (p) => problems.push(p), ...opts });
  for (let r = await gen.next();; r = await gen.next()) {
    if (r.done) return { events, problems, stats: r.value, batches };
    batches.push(r.value.length);
    for (const ev of r.value) events.push([ev.seq, ev.timestamp, ev.doc.msg]);
  }
}

const SAMPLE = [
  `{"@timestamp":"2026-01-02T03:04:05Z","msg":"héllo 😀 中文"}\r\n`,
  `\n`,
  `{"@timestamp":1767323045123,"msg":"ms"}\n`,
  `{bad json\n`,
  `[1,2]\n`,
  `{"msg":"no ts"}\n`,
  `{"@timestamp":"yesterday","msg":"bad ts"}\r\n`,
  `   \r\n`,
  `{"@timestamp":1767323045123456789,"msg":"ns"}`,
].join("");

const SAMPLE_EVENTS: [number, bigint, unknown][] = [
  [1, 1767323045000000000n, "héllo 😀 中文"],
  [3, 1767323045123000000n, "ms"],
  [9, 1767323045123456789n, "ns"],
];
const SAMPLE_STATS: ReadStats = {
  lines: 9,
  events: 3,
  malformed: 1,
  notObject: 1,
  noTimestamp: 2,
  late: 0,
};

/** Problems without the JSON parser's wording, which belongs to the JavaScript engine. */
function problemSummary(problems: ReadProblem[]): [number, string, string][] {
  return problems.map((
    p,
  ) => [p.line, p.kind, p.kind === "malformed" ? p.message.slice(0, 15) : p.message]);
}

const SAMPLE_PROBLEMS: [number, string, string][] = [
  [4, "malformed", "malformed JSON:"],
  [5, "not_object", "not a JSON object (array)"],
  [6, "timestamp_missing", `no timestamp in "@timestamp"`],
  [7, "timestamp_invalid", `invalid timestamp in "@timestamp": "yesterday"`],
];

Deno.test("ndjson: events, problems and counters of a mixed input", async () => {
  const r = await readAll(streamOf(encoder.encode(SAMPLE)));
  assert.deepEqual(r.events, SAMPLE_EVENTS);
  assert.deepEqual(problemSummary(r.problems), SAMPLE_PROBLEMS);
  assert.deepEqual(r.stats, SAMPLE_STATS);
});

Deno.test("ndjson: a chunk boundary at every byte gives identical output", async () => {
  const bytes = encoder.encode(SAMPLE);
  for (let at = 0; at <= bytes.length; at++) {
    const r = await readAll(streamOf(bytes, [at]));
    assert.deepEqual(r.events, SAMPLE_EVENTS, `split at ${at}`);
    assert.deepEqual(problemSummary(r.problems), SAMPLE_PROBLEMS, `split at ${at}`);
    assert.deepEqual(r.stats, SAMPLE_STATS, `split at ${at}`);
  }
  for (const size of [1, 2, 3, 5, 7]) {
    const r = await readAll(streamOf(bytes, every(size, bytes.length)));
    assert.deepEqual(r.events, SAMPLE_EVENTS, `chunks of ${size}`);
    assert.deepEqual(r.stats, SAMPLE_STATS, `chunks of ${size}`);
  }
});

Deno.test("ndjson: multi-byte UTF-8 split inside a character", async () => {
  const bytes = encoder.encode(`{"@timestamp":1,"msg":"😀é"}\n`);
  const emoji = bytes.indexOf(0xf0);
  for (const at of [emoji + 1, emoji + 2, emoji + 3, emoji + 5]) {
    const r = await readAll(streamOf(bytes, [at]));
    assert.deepEqual(r.events, [[1, 1_000_000_000n, "😀é"]], `split at ${at}`);
  }
  // A byte order mark at the start is not part of the first line.
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]);
  assert.deepEqual((await readAll(streamOf(bom, [1, 2]))).events, [[1, 1_000_000_000n, "😀é"]]);
});

Deno.test("ndjson: CRLF, blank lines and a last line without newline", async () => {
  const text = `\r\n{"@timestamp":2,"msg":"a"}\r\n\r\n  \t\n{"@timestamp":3,"msg":"b"}`;
  const r = await readAll(streamOf(encoder.encode(text)));
  assert.deepEqual(r.events, [[2, 2_000_000_000n, "a"], [5, 3_000_000_000n, "b"]]);
  assert.deepEqual(r.problems, []);
  assert.equal(r.stats.lines, 5);
  // A trailing newline does not make an extra line.
  assert.equal((await readAll(streamOf(encoder.encode(`{"@timestamp":1}\n`)))).stats.lines, 1);
  assert.equal((await readAll(streamOf(new Uint8Array()))).stats.lines, 0);
});

Deno.test("ndjson: malformed and non-object lines keep their line numbers", async () => {
  const text = [
    `{"@timestamp":1,"msg":"ok"}`,
    `{"@timestamp":2,`,
    `not json`,
    `42`,
    `"string"`,
    `null`,
    `{"@timestamp":3,"msg":"still ok"}`,
  ].join("\n");
  const r = await readAll(streamOf(encoder.encode(text)));
  assert.deepEqual(r.events, [[1, 1_000_000_000n, "ok"], [7, 3_000_000_000n, "still ok"]]);
  assert.deepEqual(r.problems.map((p) => [p.line, p.kind]), [
    [2, "malformed"],
    [3, "malformed"],
    [4, "not_object"],
    [5, "not_object"],
    [6, "not_object"],
  ]);
  assert.deepEqual(r.problems.slice(2).map((p) => p.message), [
    "not a JSON object (number)",
    "not a JSON object (string)",
    "not a JSON object (null)",
  ]);
  assert.deepEqual(r.stats, {
    lines: 7,
    events: 2,
    malformed: 2,
    notObject: 3,
    noTimestamp: 0,
    late: 0,
  });
});

Deno.test("ndjson: over-long lines are malformed and skipped", async () => {
  const long = `{"@timestamp":1,"msg":"${"x".repeat(50)}"}`;
  const text = `${long}\n{"@timestamp":2,"msg":"short"}\n${long}`;
  const bytes = encoder.encode(text);
  for (const cuts of [[], every(4, bytes.length)]) {
    const r = await readAll(streamOf(bytes, cuts), { maxLineLength: 40 });
    assert.deepEqual(r.events, [[2, 2_000_000_000n, "short"]]);
    assert.deepEqual(r.problems, [
      { line: 1, kind: "malformed", message: "line longer than 40 characters" },
      { line: 3, kind: "malformed", message: "line longer than 40 characters" },
    ]);
  }
});

Deno.test("ndjson: missing and invalid timestamps are counted and skipped", async () => {
  const text = [
    `{"msg":"none"}`,
    `{"@timestamp":null}`,
    `{"@timestamp":"2026-13-01T00:00:00Z"}`,
    `{"@timestamp":true}`,
    `{"@timestamp":-5}`,
    `{"@timestamp":{"nested":1}}`,
  ].join("\n");
  const r = await readAll(streamOf(encoder.encode(text)));
  assert.deepEqual(r.events, []);
  assert.deepEqual(r.problems.map((p) => [p.line, p.kind, p.message]), [
    [1, "timestamp_missing", `no timestamp in "@timestamp"`],
    [2, "timestamp_missing", `no timestamp in "@timestamp"`],
    [3, "timestamp_invalid", `invalid timestamp in "@timestamp": "2026-13-01T00:00:00Z"`],
    [4, "timestamp_invalid", `invalid timestamp in "@timestamp": true`],
    [5, "timestamp_invalid", `invalid timestamp in "@timestamp": -5`],
    // An object is not a value: it reads as absent.
    [6, "timestamp_missing", `no timestamp in "@timestamp"`],
  ]);
  assert.equal(r.stats.noTimestamp, 6);
});

Deno.test("ndjson: epoch seconds / ms / µs / ns and ISO timestamps", async () => {
  const text = [
    `{"@timestamp":1767323045.5,"msg":"s"}`,
    `{"@timestamp":1767323045123,"msg":"ms"}`,
    `{"@timestamp":1767323045123456,"msg":"us"}`,
    `{"@timestamp":1767323045123456789,"msg":"ns number"}`,
    `{"@timestamp":"1767323045123456789","msg":"ns string"}`,
    `{"@timestamp":"2026-01-02T05:04:05.25+02:00","msg":"iso offset"}`,
    `{"@timestamp":"2026-01-02T03:04:05.000000001Z","msg":"iso ns"}`,
  ].join("\n");
  const r = await readAll(streamOf(encoder.encode(text)));
  assert.deepEqual(r.events, [
    [1, 1767323045500000000n, "s"],
    [2, 1767323045123000000n, "ms"],
    [3, 1767323045123456000n, "us"],
    [4, 1767323045123456789n, "ns number"],
    [5, 1767323045123456789n, "ns string"],
    [6, 1767323045250000000n, "iso offset"],
    [7, 1767323045000000001n, "iso ns"],
  ]);
});

Deno.test("ndjson: a custom timestamp field, nested or flat", async () => {
  const text = [
    `{"event":{"created":"2026-01-02T03:04:05Z"},"msg":"nested"}`,
    `{"event.created":1767323045123456789,"msg":"flat"}`,
    `{"@timestamp":"2026-01-02T03:04:05Z","msg":"other field"}`,
  ].join("\n");
  const r = await readAll(streamOf(encoder.encode(text)), { timestampField: "event.created" });
  assert.deepEqual(r.events, [
    [1, 1767323045000000000n, "nested"],
    [2, 1767323045123456789n, "flat"],
  ]);
  assert.deepEqual(r.problems.map((p) => [p.line, p.message]), [[
    3,
    `no timestamp in "event.created"`,
  ]]);
});

/** Lines with `@timestamp` in epoch seconds, one per value. */
function secondsLines(values: number[]): Uint8Array {
  return encoder.encode(values.map((t) => `{"@timestamp":${t}}`).join("\n"));
}

Deno.test("ndjson: reordering within a window; late events pass at once", async () => {
  const bytes = secondsLines([100, 95, 108, 112, 99, 130, 50]);
  for (const cuts of [[], every(1, bytes.length), every(9, bytes.length)]) {
    const r = await readAll(streamOf(bytes, cuts), { reorderWindowNs: 10_000_000_000n });
    // 95 leaves when 108 arrives, 100 when 112 arrives; 99 and 50 are older than
    // what has left already, so they pass straight on.
    assert.deepEqual(r.events.map(([seq]) => seq), [2, 1, 5, 3, 4, 7, 6]);
    assert.deepEqual(r.problems, [
      {
        line: 5,
        kind: "late",
        message: "event at 1970-01-01T00:01:39Z is older than one already released " +
          "(1970-01-01T00:01:40Z); passed on out of order",
      },
      {
        line: 7,
        kind: "late",
        message: "event at 1970-01-01T00:00:50Z is older than one already released " +
          "(1970-01-01T00:01:52Z); passed on out of order",
      },
    ]);
    assert.deepEqual(r.stats, {
      lines: 7,
      events: 7,
      malformed: 0,
      notObject: 0,
      noTimestamp: 0,
      late: 2,
    });
  }
});

Deno.test("ndjson: equal timestamps keep line order; the buffer is bounded", async () => {
  const equal = await readAll(streamOf(secondsLines([10, 8, 10, 20])), {
    reorderWindowNs: 5_000_000_000n,
  });
  assert.deepEqual(equal.events.map(([seq]) => seq), [2, 1, 3, 4]);
  const bounded = await readAll(streamOf(secondsLines([10, 5, 7, 6])), {
    reorderWindowNs: 1_000_000_000_000n,
    maxReorderEvents: 2,
  });
  // The third event pushes the oldest (5) out; 6 still follows it in order.
  assert.deepEqual(bounded.events.map(([seq]) => seq), [2, 4, 3, 1]);
  assert.equal(bounded.stats.late, 0);
});

Deno.test("ndjson: without a window, input order is kept", async () => {
  const r = await readAll(streamOf(secondsLines([30, 10, 20])));
  assert.deepEqual(r.events.map(([seq]) => seq), [1, 2, 3]);
  assert.equal(r.stats.late, 0);
});

Deno.test("ndjson: batches respect batchSize; stats are updated in place", async () => {
  const stats = newReadStats();
  const r = await readAll(streamOf(secondsLines([1, 2, 3, 4, 5])), { batchSize: 2, stats });
  assert.deepEqual(r.batches, [2, 2, 1]);
  assert.equal(r.stats, stats);
  assert.equal(stats.events, 5);
});

Deno.test("ndjson: stopping early cancels the stream", async () => {
  const state = { cancelled: false };
  const bytes = secondsLines([1, 2, 3, 4]);
  let seen = 0;
  for await (
    const batch of readNdjson(streamOf(bytes, every(8, bytes.length), state), {
      paths,
      batchSize: 1,
    })
  ) {
    seen += batch.length;
    break;
  }
  assert.equal(seen, 1);
  assert.equal(state.cancelled, true);
});

Deno.test("ndjson: a 50 MB file streams through readNdjsonFile", async () => {
  const path = await Deno.makeTempFile({ suffix: ".ndjson" });
  try {
    const lines = 200_000;
    const pad = "x".repeat(200);
    const file = await Deno.open(path, { write: true, truncate: true });
    let block: string[] = [];
    for (let i = 0; i < lines; i++) {
      block.push(
        i % 40_000 === 39_999
          ? `{"@timestamp":${1767323045000 + i},"oops"`
          : `{"@timestamp":${1767323045000 + i},"event":{"category":"process"},` +
            `"process":{"name":"p${i}","args":["${pad}"]}}`,
      );
      if (block.length === 4096 || i === lines - 1) {
        const data = encoder.encode(block.join("\n") + "\n");
        for (let off = 0; off < data.length;) off += await file.write(data.subarray(off));
        block = [];
      }
    }
    file.close();
    const size = (await Deno.stat(path)).size;
    assert.ok(size >= 50 * 1024 * 1024, `file is ${size} bytes`);

    const stats = newReadStats();
    let events = 0;
    let last: JsonEvent | undefined;
    let maxBatch = 0;
    for await (const batch of readNdjsonFile(path, { paths, stats })) {
      events += batch.length;
      maxBatch = Math.max(maxBatch, batch.length);
      last = batch[batch.length - 1];
    }
    assert.equal(events, 199_995);
    assert.deepEqual(stats, {
      lines: 200_000,
      events: 199_995,
      malformed: 5,
      notObject: 0,
      noTimestamp: 0,
      late: 0,
    });
    assert.ok(maxBatch <= 1024);
    // The last line (200,000) is one of the malformed ones.
    assert.equal(last?.seq, 199_999);
    assert.equal(last?.timestamp, 1767323244998000000n);
  } finally {
    await Deno.remove(path);
  }
});
