/**
 * DNS questions from UDP payloads: plain and compressed names, escapes,
 * type and class names, and malformed messages (cut, looping or forward
 * pointers, bad label types, over-long names) that give nothing and never
 * throw.
 */
import assert from "node:assert/strict";
import {
  dnsClassName,
  dnsTypeName,
  MAX_POINTERS,
  parseDnsQuestion,
  parseDnsQuestions,
} from "../../engine/dns.ts";

const enc = new TextEncoder();

/** Wire form of a name: length-prefixed labels and the root's zero. */
function name(...labels: string[]): number[] {
  return [...labels.flatMap((l) => [l.length, ...enc.encode(l)]), 0];
}

/** A query header with id 0xbeef and `qdcount` questions. */
function header(qdcount = 1, flags = 0x0100): number[] {
  return [0xbe, 0xef, flags >> 8, flags & 0xff, 0, qdcount, 0, 0, 0, 0, 0, 0];
}

const msg = (...parts: number[][]) => new Uint8Array(parts.flat());

Deno.test("dns: the first question's name, type and class", () => {
  const q = parseDnsQuestion(msg(header(), name("www", "Example", "com"), [0, 1, 0, 1]));
  assert.deepEqual(q, {
    id: 0xbeef,
    query: true,
    name: "www.Example.com",
    typeCode: 1,
    type: "A",
    classCode: 1,
    class: "IN",
  });
  const txt = parseDnsQuestion(msg(header(), name("_dmarc", "example", "org"), [0, 16, 0, 1]));
  assert.equal(txt?.name, "_dmarc.example.org");
  assert.equal(txt?.type, "TXT");
  assert.equal(parseDnsQuestion(msg(header(), [0], [0, 2, 0, 1]))?.name, ".", "the root");
  // A response (QR set) still has its question.
  assert.equal(parseDnsQuestion(msg(header(1, 0x8180), name("a"), [0, 1, 0, 1]))?.query, false);
});

Deno.test("dns: a compressed name points back at an earlier one", () => {
  // Question 1: www.example.com at offset 12; question 2: mail + pointer to "example.com" (16).
  const m = msg(
    header(2),
    name("www", "example", "com"),
    [0, 1, 0, 1],
    [4, ...enc.encode("mail")],
    [
      0xc0,
      16,
    ],
    [0, 15, 0, 1],
  );
  const qs = parseDnsQuestions(m);
  assert.deepEqual(qs.map((q) => [q.name, q.type]), [["www.example.com", "A"], [
    "mail.example.com",
    "MX",
  ]]);
  // A chain of pointers, each further back, is followed.
  const chain = msg(
    header(3),
    name("com"), // 12
    [0, 1, 0, 1],
    [7, ...enc.encode("example"), 0xc0, 12], // 21: example.com
    [0, 1, 0, 1],
    [3, ...enc.encode("www"), 0xc0, 21], // 35: www.example.com
    [0, 28, 0, 1],
  );
  assert.deepEqual(parseDnsQuestions(chain).map((q) => q.name), [
    "com",
    "example.com",
    "www.example.com",
  ]);
});

Deno.test("dns: malformed messages give nothing", () => {
  const ok = msg(header(), name("a", "b"), [0, 1, 0, 1]);
  assert.ok(parseDnsQuestion(ok));
  for (let cut = 0; cut < ok.length; cut++) {
    assert.equal(parseDnsQuestion(ok.subarray(0, cut)), undefined, `cut at ${cut}`);
  }
  const cases: [string, Uint8Array][] = [
    ["no question", msg(header(0), name("a"), [0, 1, 0, 1])],
    ["pointer to itself", msg(header(), [1, 0x61, 0xc0, 12], [0, 1, 0, 1])],
    ["pointer forward", msg(header(), [0xc0, 14, 1, 0x61, 0], [0, 1, 0, 1])],
    ["pointer into the header", msg(header(), [0xc0, 2], [0, 1, 0, 1])],
    ["pointer past the end", msg(header(), [0xc0])],
    ["extended label type 0x40", msg(header(), [0x41, 0x61, 0], [0, 1, 0, 1])],
    ["label past the end", msg(header(), [9, 0x61, 0x62])],
    [
      "name over 255 bytes",
      msg(header(), name(...new Array(5).fill("x".repeat(63))), [0, 1, 0, 1]),
    ],
  ];
  for (const [why, m] of cases) assert.equal(parseDnsQuestion(m), undefined, why);
  // A later question that loops stops the list there; the earlier ones stay.
  const second = msg(header(2), name("a"), [0, 1, 0, 1], [1, 0x62, 0xc0, 19], [0, 1, 0, 1]);
  assert.deepEqual(parseDnsQuestions(second).map((q) => q.name), ["a"]);
});

Deno.test("dns: pointer chains are bounded", () => {
  // Question k's name is a pointer to question k-1's, so reading it follows k pointers.
  const n = MAX_POINTERS + 4;
  const parts = [header(n), name("a"), [0, 1, 0, 1]];
  let prev = 12;
  for (let k = 1; k < n; k++) {
    const at = parts.flat().length;
    parts.push([0xc0, prev], [0, 1, 0, 1]);
    prev = at;
  }
  const qs = parseDnsQuestions(msg(...parts), 100);
  assert.equal(qs.length, MAX_POINTERS + 1, "the first name needing one pointer too many stops it");
  assert.ok(qs.every((q) => q.name === "a"));
});

Deno.test("dns: bytes outside printable ASCII, dots and backslashes are escaped as dig does", () => {
  const label = [5, 0x61, 0x2e, 0x5c, 0x20, 0xff];
  assert.equal(
    parseDnsQuestion(msg(header(), label, [0], [0, 1, 0, 1]))?.name,
    "a\\.\\\\\\032\\255",
  );
});

Deno.test("dns: type and class names, RFC 3597 names for unknown ones", () => {
  assert.equal(dnsTypeName(28), "AAAA");
  assert.equal(dnsTypeName(65), "HTTPS");
  assert.equal(dnsTypeName(255), "ANY");
  assert.equal(dnsTypeName(65280), "TYPE65280");
  assert.equal(dnsClassName(1), "IN");
  assert.equal(dnsClassName(3), "CH");
  assert.equal(dnsClassName(42), "CLASS42");
});
