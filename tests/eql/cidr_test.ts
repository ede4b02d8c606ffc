import assert from "node:assert/strict";
import { compileCidrs, parseCidr, parseIp } from "../../eql/cidr.ts";

Deno.test("parseIp: IPv4 is held as IPv4-mapped IPv6", () => {
  assert.deepEqual(parseIp("10.1.2.3"), { family: 4, words: [0, 0, 0xffff, 0x0a010203] });
  assert.deepEqual(parseIp("0.0.0.0"), { family: 4, words: [0, 0, 0xffff, 0] });
  assert.deepEqual(parseIp("255.255.255.255"), {
    family: 4,
    words: [0, 0, 0xffff, 0xffffffff],
  });
});

Deno.test("parseIp: IPv6 forms", () => {
  assert.deepEqual(parseIp("::1"), { family: 6, words: [0, 0, 0, 1] });
  assert.deepEqual(parseIp("::"), { family: 6, words: [0, 0, 0, 0] });
  assert.deepEqual(parseIp("fe80::1"), { family: 6, words: [0xfe800000, 0, 0, 1] });
  assert.deepEqual(parseIp("2001:db8:0:0:0:0:2:1"), {
    family: 6,
    words: [0x20010db8, 0, 0, 0x00020001],
  });
  assert.deepEqual(parseIp("2001:DB8::ABCD"), { family: 6, words: [0x20010db8, 0, 0, 0xabcd] });
  assert.deepEqual(parseIp("1:2:3:4:5:6:7::"), {
    family: 6,
    words: [0x00010002, 0x00030004, 0x00050006, 0x00070000],
  });
  assert.deepEqual(parseIp("::ffff:192.168.1.1"), {
    family: 6,
    words: [0, 0, 0xffff, 0xc0a80101],
  });
  assert.deepEqual(parseIp("64:ff9b::10.0.0.1"), {
    family: 6,
    words: [0x0064ff9b, 0, 0, 0x0a000001],
  });
  assert.deepEqual(parseIp("fe80::1%eth0"), { family: 6, words: [0xfe800000, 0, 0, 1] });
});

Deno.test("parseIp: invalid addresses are null", () => {
  for (
    const bad of [
      "",
      "10.1.2",
      "10.1.2.3.4",
      "256.1.1.1",
      "1.2.3.-4",
      "01.2.3.4",
      "10.01.2.3",
      "1.2.3.4 ",
      " 1.2.3.4",
      "1.2.3.",
      "a.b.c.d",
      "1.2.3.4/8",
      ":::",
      "1::2::3",
      "12345::1",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8::",
      ":1::2",
      "1::2:",
      "g::1",
      "1.2.3.4::",
      "::1.2.3",
      "fe80::1%",
      "[::1]",
      "localhost",
    ]
  ) {
    assert.equal(parseIp(bad), null, JSON.stringify(bad));
  }
});

Deno.test("parseCidr: IPv4 blocks, host bits masked off", () => {
  assert.deepEqual(parseCidr("10.0.0.0/8"), {
    family: 4,
    prefix: 8,
    network: { family: 4, words: [0, 0, 0xffff, 0x0a000000] },
  });
  assert.deepEqual(parseCidr("192.168.1.77/16"), {
    family: 4,
    prefix: 16,
    network: { family: 4, words: [0, 0, 0xffff, 0xc0a80000] },
  });
  assert.deepEqual(parseCidr("0.0.0.0/0"), {
    family: 4,
    prefix: 0,
    network: { family: 4, words: [0, 0, 0xffff, 0] },
  });
});

Deno.test("parseCidr: a plain address is a host block", () => {
  assert.deepEqual(parseCidr("10.1.2.3"), {
    family: 4,
    prefix: 32,
    network: { family: 4, words: [0, 0, 0xffff, 0x0a010203] },
  });
  assert.deepEqual(parseCidr("::1"), {
    family: 6,
    prefix: 128,
    network: { family: 6, words: [0, 0, 0, 1] },
  });
});

Deno.test("parseCidr: IPv6 blocks", () => {
  assert.deepEqual(parseCidr("fe80::/10"), {
    family: 6,
    prefix: 10,
    network: { family: 6, words: [0xfe800000, 0, 0, 0] },
  });
  assert.deepEqual(parseCidr("2001:db8:abcd:12ff::/52"), {
    family: 6,
    prefix: 52,
    network: { family: 6, words: [0x20010db8, 0xabcd1000, 0, 0] },
  });
  assert.deepEqual(parseCidr(" fc00::/7 "), {
    family: 6,
    prefix: 7,
    network: { family: 6, words: [0xfc000000, 0, 0, 0] },
  });
});

Deno.test("parseCidr: errors", () => {
  assert.match((parseCidr("10.0.0.0/33") as { error: string }).error, /out of range 0-32/);
  assert.match((parseCidr("::/129") as { error: string }).error, /out of range 0-128/);
  assert.match((parseCidr("10.0.0.0/") as { error: string }).error, /prefix length/);
  assert.match((parseCidr("10.0.0.0/x") as { error: string }).error, /prefix length/);
  assert.match((parseCidr("10.0.0.0/-1") as { error: string }).error, /prefix length/);
  assert.match((parseCidr("10.0.0/8") as { error: string }).error, /not a valid IP address/);
  assert.match((parseCidr("") as { error: string }).error, /not a valid IP address/);
  assert.match((parseCidr("10.0.0.0/255.0.0.0") as { error: string }).error, /prefix length/);
});

Deno.test("compileCidrs: IPv4 membership", () => {
  const test = compileCidrs(["192.168.0.0/16", "10.0.0.0/8"]);
  assert.equal(test("192.168.152.12"), true);
  assert.equal(test("10.255.255.255"), true);
  assert.equal(test("11.0.0.0"), false);
  assert.equal(test("192.169.0.1"), false);
  const narrow = compileCidrs(["10.0.0.0/8", "10.128.0.0/9"]);
  assert.equal(narrow("192.168.152.12"), false);
  assert.equal(narrow("10.200.0.1"), true);
});

Deno.test("compileCidrs: prefix boundaries", () => {
  const test = compileCidrs(["172.16.0.0/12"]);
  assert.equal(test("172.15.255.255"), false);
  assert.equal(test("172.16.0.0"), true);
  assert.equal(test("172.31.255.255"), true);
  assert.equal(test("172.32.0.0"), false);
  const host = compileCidrs(["8.8.8.8/32"]);
  assert.equal(host("8.8.8.8"), true);
  assert.equal(host("8.8.8.9"), false);
  const all = compileCidrs(["0.0.0.0/0"]);
  assert.equal(all("1.2.3.4"), true);
  assert.equal(all("255.255.255.255"), true);
  const odd = compileCidrs(["10.1.2.3/31"]);
  assert.equal(odd("10.1.2.2"), true);
  assert.equal(odd("10.1.2.3"), true);
  assert.equal(odd("10.1.2.4"), false);
});

Deno.test("compileCidrs: IPv6 membership", () => {
  const test = compileCidrs(["fe80::/10", "2001:db8::/32", "::1/128"]);
  assert.equal(test("fe80::cae2:65ff:fece:feb9"), true);
  assert.equal(test("febf:ffff::1"), true);
  assert.equal(test("fec0::1"), false);
  assert.equal(test("2001:db8:ffff::1"), true);
  assert.equal(test("2001:db9::1"), false);
  assert.equal(test("::1"), true);
  assert.equal(test("::2"), false);
  const mid = compileCidrs(["2001:db8:0:1::/64"]);
  assert.equal(mid("2001:db8:0:1:ffff:ffff:ffff:ffff"), true);
  assert.equal(mid("2001:db8:0:2::"), false);
});

Deno.test("compileCidrs: IPv4 and IPv4-mapped IPv6 are one address (default)", () => {
  const v4 = compileCidrs(["10.0.0.0/8"]);
  assert.equal(v4("::ffff:10.1.2.3"), true);
  assert.equal(v4("::ffff:a01:203"), true);
  const mapped = compileCidrs(["::ffff:10.0.0.0/104"]);
  assert.equal(mapped("10.9.9.9"), true);
  assert.equal(mapped("11.0.0.1"), false);
  assert.equal(compileCidrs(["::/0"])("1.2.3.4"), true);
  assert.equal(compileCidrs(["fe80::/10"])("1.2.3.4"), false);
});

Deno.test("compileCidrs: separate families (legacy)", () => {
  const v4 = compileCidrs(["10.0.0.0/8"], { mapped: "separate" });
  assert.equal(v4("10.1.2.3"), true);
  assert.equal(v4("::ffff:10.1.2.3"), false);
  const v6 = compileCidrs(["::ffff:10.0.0.0/104"], { mapped: "separate" });
  assert.equal(v6("::ffff:10.1.2.3"), true);
  assert.equal(v6("10.1.2.3"), false);
  assert.equal(compileCidrs(["::/0"], { mapped: "separate" })("1.2.3.4"), false);
});

Deno.test("compileCidrs: invalid addresses never match and never throw", () => {
  const test = compileCidrs(["0.0.0.0/0", "::/0"]);
  for (const bad of ["", "not-an-ip", "1.2.3", "300.1.1.1", "::g", "1.2.3.4.5"]) {
    assert.equal(test(bad), false, bad);
  }
});

Deno.test("compileCidrs: invalid blocks are skipped", () => {
  const test = compileCidrs(["bogus", "10.0.0.0/99", "192.168.0.0/16"]);
  assert.equal(test("192.168.1.1"), true);
  assert.equal(test("10.0.0.1"), false);
  assert.equal(compileCidrs([])("10.0.0.1"), false);
});
