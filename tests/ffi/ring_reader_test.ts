import assert from "node:assert/strict";
import { recordSpan, RINGBUF_BUSY_BIT, RingReader } from "../../ffi/ring_reader.ts";
import { RingWriter } from "../../ffi/ring_writer.ts";

/** A ring of `size` bytes with a writer and a reader over the same memory. */
function ring(size: number) {
  const memory = RingWriter.memory(size);
  return { memory, writer: new RingWriter(memory), reader: new RingReader(memory) };
}

/** Writes a record whose payload is `bytes`. */
function put(writer: RingWriter, bytes: number[]): boolean {
  return writer.write(bytes.length, (view, offset) => {
    bytes.forEach((b, i) => view.setUint8(offset + i, b));
  });
}

/** Consumes everything, returning each payload as a byte list. */
function drain(reader: RingReader, max = Infinity): number[][] {
  const out: number[][] = [];
  reader.consume((view, offset, length) => {
    out.push(Array.from({ length }, (_, i) => view.getUint8(offset + i)));
  }, max);
  return out;
}

Deno.test("record span: header plus payload, rounded up to 8", () => {
  assert.equal(recordSpan(0), 8);
  assert.equal(recordSpan(1), 16);
  assert.equal(recordSpan(8), 16);
  assert.equal(recordSpan(9), 24);
});

Deno.test("reader: an empty ring yields nothing and stays put", () => {
  const { reader } = ring(4096);
  assert.equal(reader.pending(), false);
  assert.equal(reader.consume(() => assert.fail("no record expected")), 0);
  assert.equal(reader.consumerPosition, 0n);
});

Deno.test("reader: records in order with their lengths; consumer advanced to the producer", () => {
  const { writer, reader } = ring(4096);
  put(writer, [1, 2, 3]);
  put(writer, []);
  put(writer, [9, 8, 7, 6, 5, 4, 3, 2, 1]);
  assert.equal(reader.backlog(), 16 + 8 + 24);
  assert.equal(reader.pending(), true);
  assert.deepEqual(drain(reader), [[1, 2, 3], [], [9, 8, 7, 6, 5, 4, 3, 2, 1]]);
  assert.equal(reader.consumerPosition, 48n);
  assert.equal(reader.producerPosition, 48n);
  assert.equal(reader.pending(), false);
});

Deno.test("reader: discarded records are skipped but their space is freed", () => {
  const { writer, reader } = ring(4096);
  put(writer, [1]);
  const off = writer.reserve(5);
  writer.commit(off, true);
  put(writer, [3]);
  assert.deepEqual(drain(reader), [[1], [3]]);
  assert.equal(reader.consumerPosition, 48n);
});

Deno.test("reader: stops at a BUSY record and resumes once it is committed", () => {
  const { writer, reader } = ring(4096);
  put(writer, [1]);
  const busy = writer.reserve(2);
  put(writer, [3]);
  assert.deepEqual(drain(reader), [[1]]);
  assert.equal(reader.consumerPosition, 16n);
  assert.equal(reader.pending(), false, "a BUSY head is not pending");
  assert.equal(reader.backlog(), 32);
  writer.commit(busy);
  assert.equal(reader.pending(), true);
  assert.deepEqual(drain(reader), [[0, 0], [3]]);
});

Deno.test("reader: the BUSY bit is bit 31 of the header", () => {
  const { memory, reader } = ring(4096);
  new Int32Array(memory.producer)[memory.dataOffset >> 2] = (4 | RINGBUF_BUSY_BIT) | 0;
  new BigInt64Array(memory.producer)[0] = 16n;
  assert.equal(reader.consume(() => assert.fail("BUSY record delivered")), 0);
});

Deno.test("reader: maxRecords bounds a batch; the rest stays for the next one", () => {
  const { writer, reader } = ring(4096);
  for (let i = 0; i < 5; i++) put(writer, [i]);
  assert.deepEqual(drain(reader, 2), [[0], [1]]);
  assert.equal(reader.consumerPosition, 32n);
  assert.deepEqual(drain(reader), [[2], [3], [4]]);
});

Deno.test("reader: a throwing handler consumes its record, not the ones after it", () => {
  const { writer, reader } = ring(4096);
  for (let i = 0; i < 3; i++) put(writer, [i]);
  let seen = 0;
  assert.throws(
    () =>
      reader.consume(() => {
        if (++seen === 2) throw new Error("boom");
      }),
    /boom/,
  );
  assert.equal(reader.consumerPosition, 32n);
  assert.deepEqual(drain(reader), [[2]]);
});

Deno.test("reader: wraps around a small ring many times, records crossing the end intact", () => {
  const { writer, reader } = ring(256);
  let next = 0;
  let expected = 0;
  for (let round = 0; round < 500; round++) {
    // Odd payload sizes move records across the wrap point at every alignment.
    while (true) {
      const length = 1 + (next * 7) % 60;
      const value = next;
      const ok = writer.write(length, (view, offset) => {
        for (let i = 0; i < length; i++) view.setUint8(offset + i, (value + i) & 0xff);
      });
      if (!ok) break;
      next++;
    }
    reader.consume((view, offset, length) => {
      assert.equal(length, 1 + (expected * 7) % 60);
      for (let i = 0; i < length; i++) {
        assert.equal(view.getUint8(offset + i), (expected + i) & 0xff);
      }
      expected++;
    });
  }
  assert.equal(expected, next);
  assert.ok(reader.consumerPosition > 256n * 100n, "wrapped many times");
});

Deno.test("reader: the writer refuses records when the consumer has not freed space", () => {
  const { writer, reader } = ring(64);
  assert.ok(put(writer, new Array(24).fill(1))); // 32 bytes
  assert.ok(put(writer, new Array(24).fill(2))); // 32 bytes: full
  assert.equal(put(writer, [3]), false);
  assert.equal(drain(reader).length, 2);
  assert.ok(put(writer, [3]));
});

Deno.test("reader: rejects a size that is not a power of 2 or memory without the double data area", () => {
  const memory = RingWriter.memory(4096);
  assert.throws(() => new RingReader({ ...memory, size: 3000 }), /power of 2/);
  assert.throws(() => new RingReader({ ...memory, size: 8192 }), /twice/);
});
