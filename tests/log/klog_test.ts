/**
 * The `.klog` format: events round-trip with their JSON exactly (key
 * order, types, bigints), read through the schema like NDJSON events;
 * heartbeats come back between the same events; a log cut at any byte of
 * its last block yields every complete block and reports the truncation; a
 * flipped bit anywhere in a middle block costs only that block; a wrong
 * format version is refused with a clear message, a newer minor version or
 * another engine version is a warning and the log is read.
 */
import assert from "node:assert/strict";
import { FieldPaths, formatNanos, JsonEvent, toNanos } from "../../engine/event.ts";
import { Schema } from "../../engine/schema.ts";
import {
  CrcBudget,
  type EventBatch,
  KlogError,
  type KlogProblem,
  KlogWriter,
  LostRecords,
  openKlog,
  sniffKlog,
} from "../../log/klog.ts";
import { encodeHeader, FORMAT_MAJOR, type KlogHeader } from "../../log/klog_format.ts";
import { syntheticEvents } from "../../samples/synthetic.ts";
import { VERSION } from "../../version.ts";
import { BLOCK_MAGIC, FRAME_BYTES } from "../../log/klog_format.ts";
import { blockStartsOf, concat, withRecords } from "./klog_craft.ts";

type Doc = Record<string, unknown>;

/** Writes `docs` (and a heartbeat after the indexes in `beats`) into klog bytes. */
async function encode(
  docs: Doc[],
  opts: { blockRecords?: number; beats?: Map<number, bigint>; schema?: Schema } = {},
): Promise<{ bytes: Uint8Array; blockStarts: number[] }> {
  const parts: Uint8Array[] = [];
  const starts: number[] = [];
  let at = 0;
  const sink = {
    write(p: Uint8Array) {
      // Each write after the header is one whole block.
      if (at > 0) starts.push(at);
      parts.push(p.slice());
      at += p.length;
      return Promise.resolve(p.length);
    },
  };
  const w = new KlogWriter(sink, {
    blockRecords: opts.blockRecords,
    schema: opts.schema ?? Schema.ecs(),
    host: { name: "h1", id: "id1" },
  });
  await w.writeClosed();
  docs.forEach((d, i) => {
    w.writeDoc(d, ts(d));
    const beat = opts.beats?.get(i);
    if (beat !== undefined) w.heartbeat(beat);
  });
  await w.flush();
  return { bytes: concat(parts), blockStarts: starts };
}

/** JSON text that shows bigints (as `123n`). */
function text(d: Doc): string {
  return JSON.stringify(d, (_k, v) => typeof v === "bigint" ? `${v}n` : v);
}

function ts(d: Doc): bigint {
  return toNanos(d["@timestamp"]) as bigint;
}

/** Reads `bytes` back: the events' JSON, the batches' watermarks, problems and stats. */
async function decode(
  bytes: Uint8Array,
  schema = Schema.ecs(),
  chunk = 1 << 16,
  crcBudget?: CrcBudget,
) {
  const problems: KlogProblem[] = [];
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += chunk) c.enqueue(bytes.slice(i, i + chunk));
      c.close();
    },
  });
  const log = await openKlog(stream, { schema, onProblem: (p) => problems.push(p), crcBudget });
  const docs: Doc[] = [];
  const batches: EventBatch[] = [];
  const order: (string | bigint)[] = [];
  for await (const b of log.batches) {
    batches.push(b);
    for (const ev of b) {
      docs.push(ev.toJSON());
      order.push(text(ev.toJSON()));
    }
    if (b.watermarkNs !== undefined) order.push(b.watermarkNs);
  }
  return { docs, batches, order, problems, stats: log.stats, header: log.header };
}

const DOCS: Doc[] = [...syntheticEvents(3000, { seed: 11 })];

Deno.test("events round-trip with their JSON exactly, across blocks", async () => {
  const { bytes, blockStarts } = await encode(DOCS, { blockRecords: 500 });
  assert.equal(blockStarts.length, 6);
  const r = await decode(bytes, Schema.ecs(), 4093);
  assert.deepEqual(r.problems, []);
  assert.equal(r.docs.length, DOCS.length);
  for (let i = 0; i < DOCS.length; i++) {
    assert.equal(JSON.stringify(r.docs[i]), JSON.stringify(DOCS[i]), `event ${i}`);
  }
  assert.equal(r.stats.blocks, 6);
  assert.equal(r.stats.events, 3000);
  assert.equal(r.header.engine, VERSION);
  assert.deepEqual(r.header.host, { name: "h1", id: "id1" });
  const nd = new TextEncoder().encode(DOCS.map((d) => JSON.stringify(d)).join("\n")).length;
  assert.ok(bytes.length < nd * 0.3, `klog ${bytes.length} bytes vs NDJSON ${nd}`);
});

Deno.test("every value type survives, and fields read as through NDJSON", async () => {
  const doc: Doc = {
    "@timestamp": "2026-01-02T03:04:05.123456789Z",
    event: { category: ["process"], action: "exec", kind: "event" },
    process: {
      pid: 42,
      args: ["a", "b", "ü €"],
      args_count: 3,
      ratio: -1.5,
      big: 18446744073709551615n,
      neg: -7,
      zero: -0,
      interactive: false,
      parent: { name: null, empty: {} },
      nested: [[1, 2], ["x"]],
      "flat.key": "dotted",
    },
    answers: [{ name: "a", ttl: 5 }, { name: "b" }],
    user: { id: "0" },
  };
  const { bytes } = await encode([doc]);
  const r = await decode(bytes);
  const back = r.docs[0];
  // Same keys in the same order, same values and types (deepEqual is order-blind: compare text too).
  assert.deepEqual(back, doc);
  assert.equal(text(back), text(doc));
  assert.ok(Object.is((back.process as Doc).zero, -0));
  // Every schema field reads the same from the klog event as from the JSON event.
  const schema = Schema.ecs();
  const paths = new FieldPaths(schema);
  const json = new JsonEvent(doc, ts(doc), 1, paths);
  const log = await openKlog(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), { schema });
  const [ev] = (await log.batches.next()).value as EventBatch;
  assert.equal(ev.timestamp, 1767323045123456789n);
  for (const f of schema.fields()) {
    assert.deepEqual(ev.get(f.id), json.get(f.id), f.name);
    assert.deepEqual(ev.getLower?.(f.id), json.getLower(f.id), f.name);
  }
  assert.equal(ev.get(schema.lookup("process.pid")!.id), 42);
  assert.deepEqual(ev.get(schema.lookup("process.args")!.id), ["a", "b", "ü €"]);
  assert.equal(ev.get(schema.lookup("user.id")!.id), "0");
  await log.batches.return(undefined as never);
});

Deno.test("a field spelled nested in one event and flat in another reads in both", async () => {
  const docs = [
    { "@timestamp": "2026-01-01T00:00:00Z", process: { name: "a" } },
    { "@timestamp": "2026-01-01T00:00:01Z", "process.name": "b" },
    { "@timestamp": "2026-01-01T00:00:02Z", "process": { "parent.name": "c" } },
  ];
  const { bytes } = await encode(docs);
  const schema = Schema.ecs();
  const log = await openKlog(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), { schema });
  const evs = (await log.batches.next()).value as EventBatch;
  const name = schema.lookup("process.name")!.id, parent = schema.lookup("process.parent.name")!.id;
  assert.deepEqual(evs.map((e) => [e.get(name), e.get(parent)]), [
    ["a", undefined],
    ["b", undefined],
    [undefined, "c"],
  ]);
  assert.deepEqual(evs.map((e) => e.toJSON()), docs);
});

Deno.test("a __proto__ key stays an own key and never touches a prototype", async () => {
  const doc = JSON.parse(
    '{"@timestamp":"2026-01-01T00:00:00Z","__proto__":{"polluted":1},"a":{"__proto__":{"b":2}}}',
  );
  const { bytes } = await encode([doc]);
  const back = (await decode(bytes)).docs[0];
  assert.equal(JSON.stringify(back), JSON.stringify(doc));
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(({} as Record<string, unknown>).b, undefined);
});

Deno.test("dynamic fields admitted after opening are found", async () => {
  const doc = { "@timestamp": "2026-01-01T00:00:00Z", custom: { thing: "x" }, n: 5 };
  const { bytes } = await encode([doc]);
  const schema = Schema.ecs();
  const log = await openKlog(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), { schema });
  const [ev] = (await log.batches.next()).value as EventBatch;
  const id = schema.admit("custom.thing", "string").id;
  assert.equal(ev.get(id), "x");
  assert.equal(ev.get(schema.admit("n", "number").id), 5);
  assert.equal(ev.get(schema.admit("custom", "object").id), undefined);
});

Deno.test("heartbeats come back between the same events, ending a batch", async () => {
  const docs = DOCS.slice(0, 10);
  const beats = new Map([[2, ts(docs[2]) + 1000n], [6, ts(docs[6]) + 5n], [9, ts(docs[9]) + 9n]]);
  const { bytes } = await encode(docs, { beats, blockRecords: 4 });
  const r = await decode(bytes);
  const expected: (string | bigint)[] = [];
  docs.forEach((d, i) => {
    expected.push(JSON.stringify(d));
    if (beats.has(i)) expected.push(beats.get(i)!);
  });
  assert.deepEqual(r.order, expected);
  assert.equal(r.stats.heartbeats, 3);
  assert.equal(r.stats.events, 10);
});

Deno.test("recorded lost records come back before the events that followed them", async () => {
  const docs = DOCS.slice(0, 4);
  const parts: Uint8Array[] = [];
  const w = new KlogWriter({
    write: (p) => (parts.push(p.slice()), Promise.resolve(p.length)),
  }, { schema: Schema.ecs() });
  w.writeDoc(docs[0], ts(docs[0]));
  w.writeDoc(docs[1], ts(docs[1]));
  w.drops(ts(docs[0]), ts(docs[1]), 3n);
  w.writeDoc(docs[2], ts(docs[2]));
  w.writeDoc(docs[3], ts(docs[3]));
  await w.flush();
  const r = await decode(concat(parts));
  assert.deepEqual(r.batches.map((b) => [b.length, b.lost]), [
    [2, undefined],
    [2, [{ from: ts(docs[0]), to: ts(docs[1]), count: 3 }]],
  ]);
  assert.equal(r.stats.lostIntervals, 1);
  const lost = new LostRecords();
  for (const b of r.batches) lost.add(b);
  const evs = r.batches.flat();
  assert.equal(lost.degraded([evs[0]]), true);
  assert.equal(lost.degraded([evs[2], evs[3]]), false);
});

Deno.test("a log cut at every byte of its last block: complete blocks read, truncation reported", async () => {
  const docs = DOCS.slice(0, 60);
  const { bytes, blockStarts } = await encode(docs, { blockRecords: 20 });
  assert.equal(blockStarts.length, 3);
  const last = blockStarts[2];
  for (let cut = last + 1; cut < bytes.length; cut++) {
    const r = await decode(bytes.subarray(0, cut));
    assert.equal(r.docs.length, 40, `cut at ${cut}`);
    assert.equal(JSON.stringify(r.docs), JSON.stringify(docs.slice(0, 40)), `cut at ${cut}`);
    assert.equal(r.problems.length, 1, `cut at ${cut}: ${JSON.stringify(r.problems)}`);
    const [p] = r.problems;
    assert.equal(p.kind, "truncated");
    assert.equal(p.offset, last);
    assert.equal(
      p.message,
      `the log ends inside a block at byte ${last} (${cut - last} bytes of an unfinished block, ` +
        `as when the writer stopped mid-block): 2 complete block(s) read`,
    );
    assert.equal(r.stats.truncatedBytes, cut - last);
  }
  // Cut exactly at a block boundary: nothing is missing, nothing is reported.
  const whole = await decode(bytes.subarray(0, last));
  assert.deepEqual([whole.docs.length, whole.problems], [40, []]);
});

Deno.test("a flipped bit anywhere in a middle block costs only that block", async () => {
  const docs = DOCS.slice(0, 60);
  const { bytes, blockStarts } = await encode(docs, { blockRecords: 20 });
  const [, mid, last] = blockStarts;
  const others = JSON.stringify([...docs.slice(0, 20), ...docs.slice(40)]);
  for (let at = mid; at < last; at++) {
    const damaged = bytes.slice();
    damaged[at] ^= 1 << (at % 8);
    const r = await decode(damaged);
    assert.equal(JSON.stringify(r.docs), others, `bit flipped at ${at}`);
    assert.equal(r.problems.length, 1, `bit flipped at ${at}: ${JSON.stringify(r.problems)}`);
    const [p] = r.problems;
    assert.equal(p.kind, "damaged");
    assert.equal(p.offset, mid);
    assert.match(
      p.message,
      new RegExp(
        `^damaged block at byte ${mid} \\((CRC mismatch|bad block frame|bad block length)\\): ` +
          `${last - mid} bytes skipped, reading resumes at byte ${last}$`,
      ),
    );
    assert.deepEqual([r.stats.blocks, r.stats.damagedBlocks, r.stats.skippedBytes], [
      2,
      1,
      last - mid,
    ]);
  }
});

Deno.test("megabytes of garbage between blocks are skipped, the blocks around them read", async () => {
  const docs = DOCS.slice(0, 40);
  const { bytes, blockStarts } = await encode(docs, { blockRecords: 20 });
  const garbage = new Uint8Array(3 << 20).fill(0x4b); // 'K' everywhere, never a frame
  const mid = blockStarts[1];
  const r = await decode(concat([bytes.subarray(0, mid), garbage, bytes.subarray(mid)]));
  assert.equal(JSON.stringify(r.docs), JSON.stringify(docs));
  assert.deepEqual(r.problems.map((p) => p.message), [
    `damaged block at byte ${mid} (bad block frame): ${garbage.length} bytes skipped, ` +
    `reading resumes at byte ${mid + garbage.length}`,
  ]);
});

/**
 * `size` bytes with a block frame header every 12 bytes, each claiming a
 * length that ends near the end of the stretch, none with a right CRC.
 */
function frameHeaders(size: number): Uint8Array {
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  for (let at = 0; at + FRAME_BYTES <= size; at += FRAME_BYTES) {
    const len = size - at - FRAME_BYTES - 16;
    if (len < 15) break;
    v.setUint32(at, BLOCK_MAGIC, true);
    v.setUint32(at + 4, len, true);
    v.setUint32(at + 8, 0, true);
  }
  return out;
}

Deno.test("resync over crafted frame headers CRC-checks bytes linear in the input", async () => {
  const docs = DOCS.slice(0, 40);
  const { bytes, blockStarts } = await encode(docs, { blockRecords: 20 });
  const mid = blockStarts[1];
  const checked: number[] = [];
  for (const size of [120 << 10, 240 << 10, 480 << 10]) {
    const crafted = concat([bytes.subarray(0, mid), frameHeaders(size), bytes.subarray(mid)]);
    const budget = new CrcBudget(64 << 10, 4);
    const r = await decode(crafted, Schema.ecs(), 1 << 16, budget);
    // The blocks around the stretch are read; the stretch is one damaged report.
    assert.equal(JSON.stringify(r.docs), JSON.stringify(docs), `stretch of ${size}`);
    assert.deepEqual(r.problems.map((p) => p.message), [
      `damaged block at byte ${mid} (CRC mismatch): ${size} bytes skipped, ` +
      `reading resumes at byte ${mid + size}`,
    ]);
    // Unbounded, every header would be checked over its claimed length:
    // about size² / 24 bytes (600 MB at 120 KiB).
    let unbounded = 0;
    for (let len = size - 28; len >= 15; len -= FRAME_BYTES) unbounded += len;
    assert.ok(budget.checkedBytes <= budget.allowance(crafted.length) + size + 3 * bytes.length);
    assert.ok(budget.checkedBytes * 100 < unbounded, `${budget.checkedBytes} of ${unbounded}`);
    checked.push(budget.checkedBytes);
  }
  // Twice the input, about twice the work (the square would be four times).
  assert.ok(checked[1] < 2.5 * checked[0], `${checked}`);
  assert.ok(checked[2] < 2.5 * checked[1], `${checked}`);
});

Deno.test("the default CRC budget leaves ordinary damage alone: every other block flipped, all the rest read", async () => {
  const docs = DOCS.slice(0, 3000);
  const { bytes, blockStarts } = await encode(docs, { blockRecords: 100 });
  const damaged = bytes.slice();
  for (let b = 1; b < blockStarts.length; b += 2) damaged[blockStarts[b] + 40] ^= 0x04;
  const budget = new CrcBudget();
  const r = await decode(damaged, Schema.ecs(), 1 << 16, budget);
  const kept = docs.filter((_d, i) => Math.floor(i / 100) % 2 === 0);
  assert.equal(JSON.stringify(r.docs), JSON.stringify(kept));
  assert.equal(r.problems.length, Math.floor(blockStarts.length / 2));
  assert.ok(r.problems.every((p) => /\(CRC mismatch\)/.test(p.message)));
  assert.ok(budget.wastedBytes > 0);
});

Deno.test("a damaged last block is skipped to the end, the rest read", async () => {
  const docs = DOCS.slice(0, 40);
  const { bytes, blockStarts } = await encode(docs, { blockRecords: 20 });
  const damaged = bytes.slice();
  damaged[blockStarts[1] + 100] ^= 0x10;
  const r = await decode(damaged);
  assert.equal(JSON.stringify(r.docs), JSON.stringify(docs.slice(0, 20)));
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0].message, /CRC mismatch.*\(the end\)$/);
});

Deno.test("a block with a valid CRC but a malformed record is reported, later blocks read", async () => {
  const docs = DOCS.slice(0, 60);
  const { bytes, blockStarts } = await encode(docs, { blockRecords: 20 });
  assert.deepEqual(blockStartsOf(bytes), blockStarts);
  const mid = blockStarts[1];
  // A heartbeat of length 0 (no room for its time), a drops record cut
  // short, a record longer than the block, a varint that never ends.
  for (const extra of [[2, 0], [3, 2, 4, 0x80], [1, 100, 0], [2, 3, 0x80, 0x80, 0x80]]) {
    const r = await decode(withRecords(bytes, mid, extra));
    // The records before the bad one are kept; every later block is read.
    assert.equal(JSON.stringify(r.docs), JSON.stringify(docs), `extra ${extra}`);
    assert.equal(r.problems.length, 1, `extra ${extra}: ${JSON.stringify(r.problems)}`);
    const [p] = r.problems;
    assert.equal(p.kind, "damaged");
    assert.equal(p.offset, mid);
    assert.match(
      p.message,
      new RegExp(
        `^block at byte ${mid}: record 21 of 21 does not parse \\([^)]+\\): the rest of the block skipped$`,
      ),
    );
    assert.deepEqual([r.stats.blocks, r.stats.damagedBlocks, r.stats.events], [3, 1, 60]);
  }
  // A block that says it holds more records than it does.
  const short = withRecords(bytes, mid, []);
  const r = await decode(short);
  assert.equal(r.docs.length, 60);
  assert.match(r.problems[0].message, /record 21 of 21 does not parse \(the block holds fewer/);
});

/** `bytes` with its header replaced by one of format `major.minor` and `header`. */
function withHeader(bytes: Uint8Array, major: number, minor: number, header: KlogHeader) {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const oldLength = 20 + view.getUint32(12, true);
  return concat([encodeHeader(header, major, minor), bytes.subarray(oldLength)]);
}

Deno.test("another major format version is refused with a clear message", async () => {
  const { bytes } = await encode(DOCS.slice(0, 5));
  const header = (await decode(bytes)).header;
  for (const major of [FORMAT_MAJOR + 1, 0]) {
    const other = withHeader(bytes, major, 3, header);
    await assert.rejects(
      () => decode(other),
      (e: Error) => {
        assert.ok(e instanceof KlogError);
        assert.equal(
          e.message,
          `klog format version ${major}.3 cannot be read by kestrel ${VERSION}, which reads ` +
            `format version ${FORMAT_MAJOR}.x${
              major > FORMAT_MAJOR ? ": use a newer kestrel" : ""
            }`,
        );
        return true;
      },
    );
  }
});

Deno.test("a newer minor version or another engine version warns, and the log is read", async () => {
  const docs = DOCS.slice(0, 5);
  const { bytes } = await encode(docs);
  const header = { ...(await decode(bytes)).header, engine: "0.0.1-old" };
  const r = await decode(withHeader(bytes, FORMAT_MAJOR, 7, header));
  assert.equal(JSON.stringify(r.docs), JSON.stringify(docs));
  assert.deepEqual(r.problems.map((p) => [p.kind, p.message]), [
    [
      "version",
      `klog format version ${FORMAT_MAJOR}.7 is newer than this build's 1.0: read as 1.0`,
    ],
    [
      "engine_version",
      `recorded by kestrel 0.0.1-old, read by kestrel ${VERSION}: alerts may differ from those of the recording engine`,
    ],
  ]);
});

Deno.test("not a klog, or a damaged header, is a clear error", async () => {
  await assert.rejects(
    () => decode(new TextEncoder().encode('{"a":1}\n')),
    new KlogError("not a .klog event log (it does not start with the klog magic bytes)"),
  );
  const { bytes } = await encode(DOCS.slice(0, 2));
  const damaged = bytes.slice();
  damaged[25] ^= 4;
  await assert.rejects(
    () => decode(damaged),
    new KlogError("the header is damaged (CRC mismatch)"),
  );
  await assert.rejects(
    () => decode(bytes.subarray(0, 30)),
    new KlogError("the log ends inside its header: it holds no events"),
  );
});

Deno.test("sniffKlog tells a klog by its first bytes and loses none", async () => {
  const { bytes } = await encode(DOCS.slice(0, 3));
  for (const data of [bytes, new TextEncoder().encode('{"x":1}\n'), new Uint8Array(0)]) {
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < data.length; i += 3) c.enqueue(data.slice(i, i + 3));
        c.close();
      },
    });
    const s = await sniffKlog(stream);
    assert.equal(s.klog, data === bytes);
    const back = new Uint8Array(await new Response(s.stream).arrayBuffer());
    assert.deepEqual(back, data);
  }
});

Deno.test("recorded timestamps print as formatNanos prints them", async () => {
  const base = 1767323045000000000n;
  const offsets = [
    0n,
    1n,
    10n,
    999_999_999n,
    1_000_000_000n,
    123_456_789n,
    120_000_000n,
    -1n,
    -999_999_999n,
    86_400_000_000_001n,
  ];
  const docs = offsets.map((o) => ({ "@timestamp": formatNanos(base + o), n: 1 }));
  const parts: Uint8Array[] = [];
  const w = new KlogWriter({ write: (p) => (parts.push(p.slice()), Promise.resolve(p.length)) });
  offsets.forEach((o, i) => w.writeDoc(docs[i], base + o));
  await w.flush();
  const r = await decode(concat(parts));
  assert.deepEqual(r.docs, docs);
});
