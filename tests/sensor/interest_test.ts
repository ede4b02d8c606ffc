/**
 * Interest pushdown computed from rules (no BPF needed): which record types
 * the kernel submits and which path prefixes narrow file events.
 */
import assert from "node:assert/strict";
import { computeInterest } from "../../sensor/interest.ts";
import { EventType as T } from "../../sensor/event_types.ts";
import { rulesFrom } from "./rules.ts";

const ALWAYS = [T.EXEC, T.FORK, T.EXIT, T.SETSID, T.SETPGID];

function wanted(queries: Record<string, string>): number[] {
  return computeInterest(rulesFrom(queries)).types.flatMap((on, t) => on ? [t] : []);
}

const bit = (...types: number[]) => types.reduce((m, t) => m | (1n << BigInt(t)), 0n);

Deno.test("without rules only the process-tree types are collected", () => {
  const i = computeInterest([]);
  assert.deepEqual(i.types.flatMap((on, t) => on ? [t] : []), ALWAYS);
  assert.equal(i.pathTypes, 0n);
  assert.deepEqual(i.prefixes, []);
  assert.equal(i.openFlagsMask, 0);
});

Deno.test("event.action and event.type literals pin the record types", () => {
  assert.deepEqual(wanted({ a: 'network where event.action == "lookup_requested"' }), [
    ...ALWAYS,
    T.NET_DNS,
  ]);
  assert.deepEqual(
    wanted({ a: 'network where event.type == "start" and destination.port == 22' }),
    [...ALWAYS, T.NET_CONNECT, T.NET_ACCEPT, T.NET_BIND, T.NET_LISTEN],
  );
  assert.deepEqual(
    wanted({ a: 'process where event.action in ("uid_change", "gid_change")' }),
    [...ALWAYS, T.UID_CHANGE, T.GID_CHANGE],
  );
  assert.deepEqual(wanted({ a: 'authentication where event.outcome == "failure"' }), [
    ...ALWAYS,
    T.AUTH_PAM,
  ]);
  // `:` is a case-insensitive wildcard match.
  assert.deepEqual(wanted({ a: 'any where event.action : "CONNECTION_*"' }), [
    ...ALWAYS,
    T.NET_CONNECT,
    T.NET_ACCEPT,
  ]);
});

Deno.test("conditions on other fields never exclude a type; negations exclude only what they name", () => {
  assert.deepEqual(wanted({ a: 'driver where process.name == "insmod"' }), [
    ...ALWAYS,
    T.MODULE_LOAD,
  ]);
  const notExec = wanted({ a: 'process where event.action != "exec" and event.type == "change"' });
  assert.deepEqual(notExec, [
    ...ALWAYS,
    T.UID_CHANGE,
    T.GID_CHANGE,
    T.PRCTL,
    T.MEMFD_CREATE,
    T.MMAP_EXEC,
    T.MPROTECT_EXEC,
    T.BPF_PROG_LOAD,
  ]);
  // An `or` with an unknown branch keeps every type of the category.
  assert.equal(
    wanted({ a: 'network where event.action == "bind" or process.name == "nc"' }).length,
    ALWAYS.length + 5,
  );
});

Deno.test("any where needs everything but read-only opens, which need an explicit pin", () => {
  const all = wanted({ a: "any where true" });
  assert.equal(all.length, 30);
  assert.ok(!all.includes(T.FILE_OPEN));
  assert.ok(!wanted({ a: 'file where file.path == "/etc/shadow"' }).includes(T.FILE_OPEN));
  assert.ok(wanted({ a: 'file where event.type == "access"' }).includes(T.FILE_OPEN));
  assert.ok(wanted({ a: 'file where event.action in ("open", "creation")' }).includes(T.FILE_OPEN));
});

Deno.test("every step, until and category of a sequence counts", () => {
  assert.deepEqual(
    wanted({
      a: `sequence by process.entity_id with maxspan=30s
  [process where event.action == "exec"]
  [network where event.action == "connection_attempted"]
until [file where event.action == "deletion"]`,
    }),
    [...ALWAYS, T.FILE_DELETE, T.NET_CONNECT],
  );
});

Deno.test("file rules pinned to literal paths narrow file events to prefixes", () => {
  const i = computeInterest(rulesFrom({
    a: 'file where event.action == "creation" and file.path == "/etc/passwd"',
    b: 'file where event.action == "creation" and file.path in ("/etc/shadow", "/root/x")',
    c: 'file where event.action == "deletion" and startsWith(file.path, "/var/log/")',
    d: 'file where event.action == "deletion" and file.directory == "/var/log/audit"',
  }));
  assert.equal(i.pathTypes, bit(T.FILE_CREATE, T.FILE_DELETE));
  assert.deepEqual(i.prefixes, [
    { prefix: "/etc/passwd", types: bit(T.FILE_CREATE) },
    { prefix: "/etc/shadow", types: bit(T.FILE_CREATE) },
    { prefix: "/root/x", types: bit(T.FILE_CREATE) },
    // The directory's prefix covers the files in it: one entry is enough.
    { prefix: "/var/log/", types: bit(T.FILE_DELETE) },
  ]);
});

Deno.test("case-insensitive patterns give the case variants of their literal head", () => {
  const i = computeInterest(rulesFrom({ a: 'file where file.path : "/etc/*"' }));
  const fileTypes = [17, 18, 20, 21, 22, 23, 24, 25];
  assert.equal(i.pathTypes, bit(...fileTypes));
  assert.deepEqual(i.prefixes.map((p) => p.prefix).sort(), [
    "/ETC/",
    "/ETc/",
    "/EtC/",
    "/Etc/",
    "/eTC/",
    "/eTc/",
    "/etC/",
    "/etc/",
  ]);
  assert.ok(i.prefixes.every((p) => p.types === bit(...fileTypes)));
  // More than three letters: cut before the fourth (still a correct prefix).
  const long = computeInterest(rulesFrom({ a: 'file where file.path : "/opt/app/*"' }));
  assert.equal(long.prefixes.length, 8);
  assert.ok(long.prefixes.every((p) => p.prefix.toLowerCase() === "/opt/"));
  // `i` and `k` stop the variants: other characters fold to them too (İ, the Kelvin sign).
  const dotted = computeInterest(rulesFrom({ a: 'file where file.path : "/bin/sshd"' }));
  assert.deepEqual(dotted.prefixes.map((p) => p.prefix).sort(), ["/B", "/b"]);
});

Deno.test("one file rule without a path pin turns the prefix filter off for its types", () => {
  const i = computeInterest(rulesFrom({
    a: 'file where event.action == "creation" and file.path == "/etc/passwd"',
    b: 'file where event.action == "modification" and file.path == "/etc/passwd"',
    c: 'file where event.action == "creation" and file.extension == "so"',
    d: 'file where event.action == "modification" and not file.path == "/tmp/x"',
  }));
  assert.equal(i.pathTypes, 0n);
  assert.deepEqual(i.prefixes, []);
  assert.equal(i.notes.length, 1);
  assert.match(i.notes[0], /no path filter for 2 file event type\(s\): rule c /);
  // A pattern without a literal head pins nothing either.
  assert.equal(computeInterest(rulesFrom({ a: 'file where file.path : "*.so"' })).pathTypes, 0n);
});

Deno.test("more prefixes than the kernel holds turn the filter off", () => {
  const paths = Array.from({ length: 65 }, (_, n) => `"/p${n}/x"`).join(", ");
  const i = computeInterest(rulesFrom({ a: `file where file.path in (${paths})` }));
  assert.equal(i.pathTypes, 0n);
  assert.deepEqual(i.prefixes, []);
  assert.match(i.notes[0], /65 path prefixes, more than the kernel's 64/);
});

Deno.test("long prefixes are cut to the kernel's 64 bytes", () => {
  const long = "/" + "a".repeat(100);
  const i = computeInterest(rulesFrom({ a: `file where file.path == "${long}"` }));
  assert.deepEqual(i.prefixes.map((p) => p.prefix), [long.slice(0, 64)]);
});
