/**
 * Enforcement decisions (engine/actions.ts): which block rules reduce to
 * kernel entries and why the others do not, address parsing, the protected
 * pids and the rate limiter.
 */
import assert from "node:assert/strict";
import { ActionRateLimiter, parseIp, planBlock, protectedPids } from "../../engine/actions.ts";
import { loadRulesFromSources } from "../../rules/loader/mod.ts";

function plan(eql: string) {
  const r = loadRulesFromSources([{
    path: "r.yaml",
    text: `id: r\nname: r\nseverity: high\naction: block\neql: |\n  ${eql}\n`,
  }]);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), []);
  return planBlock(r.rules[0]);
}

Deno.test("planBlock: executables by path, with a parent and a hash, and lists", () => {
  assert.deepEqual(
    plan('process where event.type == "start" and process.executable == "/usr/bin/nc"'),
    {
      kind: "exec",
      targets: [{ path: "/usr/bin/nc" }],
    },
  );
  assert.deepEqual(
    plan(
      'process where process.executable in ("/a", "/b") and process.parent.executable == "/bin/sh"',
    ),
    {
      kind: "exec",
      targets: [{ path: "/a", parentPath: "/bin/sh" }, { path: "/b", parentPath: "/bin/sh" }],
    },
  );
  const h = "AB".repeat(32);
  assert.deepEqual(
    plan(
      `process where (process.executable == "/x" or process.executable == "/y") and process.hash.sha256 == "${h}"`,
    ),
    {
      kind: "exec",
      targets: [{ path: "/x", sha256: h.toLowerCase() }, { path: "/y", sha256: h.toLowerCase() }],
    },
  );
});

Deno.test("planBlock: a content hash alone, hashed as files run", () => {
  const h = "0123456789abcdef".repeat(4);
  assert.deepEqual(plan(`process where process.hash.sha256 == "${h}"`), {
    kind: "exec",
    targets: [{ sha256: h }],
  });
  const p = plan(
    `process where process.hash.sha256 == "${h}" and process.parent.executable == "/bin/sh"`,
  );
  assert.equal(p.kind, "none");
  assert.match(
    p.kind === "none" ? p.reason : "",
    /parent can only be given with process\.executable/,
  );
});

Deno.test("planBlock: destinations by address and port", () => {
  assert.deepEqual(
    plan(
      'network where event.action == "connection_attempted" and destination.ip == "10.0.0.1" and destination.port in (80, 443)',
    ),
    { kind: "connect", targets: [{ ip: "10.0.0.1", port: 80 }, { ip: "10.0.0.1", port: 443 }] },
  );
  assert.deepEqual(plan("network where destination.port == 4444"), {
    kind: "connect",
    targets: [{ port: 4444 }],
  });
  assert.deepEqual(plan('any where destination.ip == "::1"'), {
    kind: "connect",
    targets: [{ ip: "::1" }],
  });
});

Deno.test("planBlock: what cannot be decided in the kernel says why", () => {
  const reason = (eql: string) => {
    const p = plan(eql);
    assert.equal(p.kind, "none", eql);
    return p.kind === "none" ? p.reason : "";
  };
  assert.match(reason('process where process.name == "nc"'), /process\.name is not known/);
  assert.match(reason('process where process.executable : "/tmp/*"'), /wildcard/);
  assert.match(reason('process where process.executable == "nc"'), /not an absolute path/);
  assert.match(reason('process where not process.executable == "/a"'), /"not" expression/);
  assert.match(
    reason('process where event.type == "end" and process.executable == "/a"'),
    /event\.type/,
  );
  assert.match(reason('process where process.args == "-e"'), /process\.args is not known/);
  assert.match(
    reason('process where process.executable == "/a" or process.name == "b"'),
    /cannot be enforced as one entry/,
  );
  assert.match(
    reason(
      'sequence [process where process.executable == "/a"] [process where process.executable == "/b"]',
    ),
    /sequence/,
  );
  assert.match(
    reason('network where cidrMatch(destination.ip, "10.0.0.0/8")'),
    /cidrMatch\(\) call/,
  );
  assert.match(reason('network where destination.ip == "not-an-ip"'), /not an IP address/);
  // No destination at all: nothing the kernel could refuse, so not planned as enforced.
  for (
    const eql of [
      'network where network.direction == "egress"',
      'network where event.action == "connection_attempted"',
    ]
  ) {
    assert.match(reason(eql), /no destination\.ip or destination\.port names the destination/);
  }
});

Deno.test("parseIp: IPv4, IPv6 and IPv4-mapped IPv6", () => {
  assert.deepEqual(parseIp("127.0.0.1"), {
    family: 4,
    bytes: new Uint8Array([127, 0, 0, 1, ...new Array(12).fill(0)]),
  });
  assert.deepEqual(parseIp("::1"), {
    family: 6,
    bytes: new Uint8Array([...new Array(15).fill(0), 1]),
  });
  assert.deepEqual(
    parseIp("2001:db8::2:1")?.bytes,
    new Uint8Array([0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1]),
  );
  assert.deepEqual(parseIp("::ffff:10.1.2.3"), parseIp("10.1.2.3"));
  for (
    const bad of ["256.0.0.1", "1.2.3", "1::2::3", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "host"]
  ) {
    assert.equal(parseIp(bad), undefined, bad);
  }
});

Deno.test("protectedPids: pid 1, this process and every ancestor", () => {
  const p = protectedPids();
  assert.ok(p.has(1) && p.has(Deno.pid));
  const ppid = Number(Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ")[1]);
  assert.ok(p.has(ppid), `parent ${ppid} protected`);
  // A child is not an ancestor.
  const child = new Deno.Command("sleep", { args: ["5"] }).spawn();
  try {
    assert.ok(!protectedPids().has(child.pid));
  } finally {
    child.kill("SIGKILL");
  }
  return child.status.then(() => {});
});

Deno.test("ActionRateLimiter: at most the limit per one-second window", () => {
  let now = 0;
  const limiter = new ActionRateLimiter(3, () => now);
  const taken = () => Array.from({ length: 5 }, () => limiter.take()).filter(Boolean).length;
  assert.equal(taken(), 3);
  assert.equal(limiter.refused, 2);
  now = 999;
  assert.equal(limiter.take(), false);
  now = 1000;
  assert.equal(taken(), 3);
  assert.equal(new ActionRateLimiter(0, () => now).take(), true);
});
