import { check, type Doc, proc } from "./helpers.ts";

// Every function through the runtime, with present and missing arguments.
// A function returning null makes a comparison with a value false, so
// `f(...) == x` is false and `f(...) != x` true then, and `f(...) == null`
// holds; a null result used as a condition is false, and `not` of it true.

const L = { dialect: "legacy" } as const;
const none: Doc = {};

Deno.test("elastic arithmetic functions", () => {
  const p3 = proc({ pid: 3 });
  check("any where add(process.pid, 2) == 5", [[p3, true], [none, false]]);
  check("any where add(process.pid, 2) != 5", [[p3, false], [proc({ pid: 4 }), true], [
    none,
    true,
  ]]);
  check("any where add(process.pid, 2) == null", [[p3, false], [none, true]]);
  check("any where subtract(process.pid, 2) == 1", [[p3, true], [none, false]]);
  check("any where subtract(process.pid, 2) == null", [[none, true]]);
  check("any where multiply(process.pid, 2) == 6", [[p3, true]]);
  check("any where multiply(process.pid, 2) == null", [[none, true]]);
  check("any where divide(process.pid, 2) == 1", [[p3, true]]);
  check("any where divide(process.pid, 0) == null", [[p3, true]]);
  check("any where divide(process.pid, 2) == null", [[none, true]]);
  check("any where modulo(process.pid, 2) == 1", [[p3, true]]);
  check("any where modulo(process.pid, 2) == null", [[none, true]]);
});

Deno.test("elastic string functions", () => {
  const bash = proc({ name: "bash", command_line: "abc base64 -d" });
  check('any where between(process.command_line, "a", "c") == "b"', [[bash, true], [none, false]]);
  check('any where between~(process.command_line, "A", "C") == "b"', [[bash, true]]);
  check('any where between(process.command_line, "a", "c") == null', [[none, true], [
    bash,
    false,
  ]]);
  check('any where concat(process.name, "-", process.pid) == "sh-3"', [[
    proc({ name: "sh", pid: 3 }),
    true,
  ], [proc({ name: "sh" }), false]]);
  check("any where concat(process.name, process.pid) == null", [[proc({ name: "sh" }), true]]);
  check('any where endsWith(process.name, "sh")', [[bash, true], [proc({ name: "BASH" }), false], [
    none,
    false,
  ]]);
  check('any where endsWith~(process.name, "SH")', [[proc({ name: "bAsh" }), true]]);
  check('any where not endsWith(process.name, "sh")', [
    [bash, false],
    [proc({ name: "zzz" }), true],
    [none, true],
  ]);
  check('any where endsWith(process.name, "sh") == null', [[none, true]]);
  check('any where indexOf(process.name, "s") == 2', [[bash, true]]);
  check('any where indexOf~(process.name, "S") == 2', [[bash, true]]);
  check('any where indexOf(process.name, "z") == null', [[bash, true], [none, true]]);
  check("any where length(process.name) == 4", [[bash, true], [none, false]]);
  check("any where length(process.name) == null", [[none, true]]);
  check("any where number(process.name) == 12", [[proc({ name: "12" }), true]]);
  check("any where number(process.name, 16) == 16", [[proc({ name: "10" }), true]]);
  check("any where number(process.name) == null", [[proc({ name: "x" }), true], [none, true]]);
  check('any where startsWith(process.name, "ba")', [[bash, true], [
    proc({ name: "BASH" }),
    false,
  ]]);
  check('any where startsWith~(process.name, "BA")', [[bash, true]]);
  check('any where startsWith(process.name, "ba") == null', [[none, true]]);
  check('any where string(process.pid) == "3"', [[proc({ pid: 3 }), true], [none, false]]);
  check("any where string(process.pid) == null", [[none, true]]);
  check('any where stringContains(process.command_line, "base64")', [[bash, true], [none, false]]);
  check('any where stringContains~(process.command_line, "BASE64")', [[bash, true]]);
  check('any where stringContains(process.command_line, "x") == null', [[none, true]]);
  check('any where substring(process.name, 1, 3) == "as"', [[bash, true]]);
  check('any where substring(process.name, -2) == "sh"', [[bash, true]]);
  check("any where substring(process.name, 1) == null", [[none, true]]);
});

Deno.test("elastic cidrMatch: v4, v6, IPv4-mapped, null", () => {
  const q = 'any where cidrMatch(source.ip, "10.0.0.0/8", "fd00::/8")';
  const ip = (a: unknown) => ({ source: { ip: a } });
  check(q, [
    [ip("10.1.2.3"), true],
    [ip("11.0.0.1"), false],
    [ip("fd00::1"), true],
    [ip("fe80::1"), false],
    // Elasticsearch treats IPv4 and IPv4-mapped IPv6 as the same address.
    [ip("::ffff:10.0.0.1"), true],
    [ip("not an ip"), false],
    [ip(["10.0.0.1"]), true],
    [none, false],
  ]);
  // Without an address cidrMatch is null: false, so `not` of it is true.
  check('any where not cidrMatch(source.ip, "10.0.0.0/8")', [[ip("11.0.0.1"), true], [
    ip("10.0.0.1"),
    false,
  ], [none, true]]);
  check('any where cidrmatch(destination.ip, "192.168.0.0/16") == null', [[none, true]]);
});

Deno.test("cidrMatch with a $HOME_NET-style global list", () => {
  const globals = { HOME_NET: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"] };
  const q = "any where cidrMatch(destination.ip, $HOME_NET)";
  const ip = (a: string) => ({ destination: { ip: a } });
  check(q, [
    [ip("172.20.1.1"), true],
    [ip("172.32.0.1"), false],
    [ip("fd12::1"), true],
    [ip("8.8.8.8"), false],
  ], { globals });
  check("any where not cidrMatch(destination.ip, $HOME_NET)", [[ip("8.8.8.8"), true], [
    ip("10.9.9.9"),
    false,
  ]], { globals });
  check("any where cidrMatch(ip, $HOME_NET)", [[{ ip: "192.168.1.1" }, true], [
    { ip: "::ffff:192.168.1.1" },
    false,
  ], [none, false]], { ...L, globals });
  check("any where not cidrMatch(ip, $HOME_NET)", [[none, true]], { ...L, globals });
});

Deno.test("legacy arithmetic follows Python", () => {
  check("any where add(pid, 2) == 5", [[{ pid: 3 }, true], [none, false]], L);
  check("any where add(pid, 2) == null", [[none, true]], L);
  check("any where subtract(pid, 2) == 1", [[{ pid: 3 }, true]], L);
  check("any where multiply(pid, 2) == 6", [[{ pid: 3 }, true]], L);
  check("any where divide(pid, 2) == -3", [[{ pid: -5 }, true]], L);
  check("any where pid / 2 == -3", [[{ pid: -5 }, true]], L);
  check("any where modulo(pid, 3) == 1", [[{ pid: -5 }, true]], L);
  check("any where pid % 3 == 1", [[{ pid: -5 }, true]], L);
  check("any where divide(pid, 2) == null", [[none, true]], L);
});

Deno.test("legacy functions are case-insensitive", () => {
  const bash = { name: "bash", cmd: "abc", args: ["x", "Y", "z"] };
  check('any where arrayContains(args, "X", "q")', [[bash, true], [{ args: ["q"] }, true], [
    { args: ["r"] },
    false,
  ], [none, false]], L);
  check('any where arrayContains(args, "x") == null', [[none, true]], L);
  check('any where between(cmd, "A", "C") == "b"', [[bash, true]], L);
  check('any where between(cmd, "q", "c") == null', [[bash, true], [none, true]], L);
  check(
    'any where concat(name, "-", cmd) == "BASH-ABC"',
    [[bash, true], [{ name: "x" }, false]],
    L,
  );
  check('any where endsWith(name, "SH")', [[bash, true], [none, false]], L);
  check('any where indexOf(name, "S") == 2', [[bash, true]], L);
  check('any where indexOf(name, "S") == null', [[none, true]], L);
  check("any where length(args) == 3", [[bash, true]], L);
  check("any where length(name) == 4", [[bash, true]], L);
  check("any where length(name) == null", [[none, true]], L);
  check('any where match(name, "ba.h", "zsh")', [[{ name: "BASH" }, true], [
    { name: "zsh" },
    true,
  ], [{ name: "sh" }, false]], L);
  check('any where match(name, "x") == null', [[none, true]], L);
  check('any where matchLite(name, "ba.h")', [[{ name: "BASH" }, true]], L);
  check("any where number(name) == 16", [[{ name: "0x10" }, true]], L);
  check("any where number(name) == null", [[none, true]], L);
  check('any where startsWith(name, "BA")', [[bash, true], [none, false]], L);
  check('any where string(pid) == "5"', [[{ pid: 5 }, true]], L);
  check("any where string(pid) == null", [[none, true]], L);
  check('any where stringContains(name, "AS")', [[bash, true]], L);
  // Endgame's stringContains answers false, not null, for a missing string.
  check('any where not stringContains(name, "a")', [[none, true], [bash, false]], L);
  check('any where substring(name, -2) == "SH"', [[bash, true]], L);
  check("any where substring(name, 1) == null", [[none, true]], L);
  check('any where wildcard(name, "*SH", "x*")', [[bash, true], [{ name: "xyz" }, true], [
    { name: "b" },
    false,
  ]], L);
  check('any where wildcard(name, "*") == null', [[none, true]], L);
});

Deno.test("legacy cidrMatch keeps families apart and answers false for None", () => {
  const q = 'any where cidrMatch(ip, "10.0.0.0/8", "fd00::/8")';
  check(q, [
    [{ ip: "10.1.1.1" }, true],
    [{ ip: "fd00::2" }, true],
    [{ ip: "::ffff:10.0.0.1" }, false],
    [{ ip: 10 }, false],
    [none, false],
  ], L);
  check(
    'any where not cidrMatch(ip, "10.0.0.0/8")',
    [[none, true], [{ ip: "10.0.0.1" }, false]],
    L,
  );
});
