import assert from "node:assert/strict";
import { elfInfo, loaderFiles, refusedTarget } from "../../sensor/enforce_elf.ts";
import { fileId } from "../../sensor/enforcer.ts";

const LIBM = Deno.realPathSync("/lib/x86_64-linux-gnu/libm.so.6");

Deno.test("elfInfo: a PIE program has an interpreter and DF_1_PIE; a library has neither", () => {
  const touch = elfInfo("/usr/bin/touch");
  assert.equal(touch?.type, 3);
  assert.match(touch?.interp ?? "", /^\/.*ld-.*\.so/);
  assert.equal(touch?.pie, true);
  assert.deepEqual(elfInfo(LIBM), { type: 3, pie: false });
  assert.equal(elfInfo("/etc/hostname"), undefined, "not ELF");
  assert.equal(elfInfo("/nonexistent"), undefined);
});

Deno.test("loaderFiles: /bin/sh's interpreter is among the loaders", () => {
  const loaders = loaderFiles(fileId);
  const interp = elfInfo("/bin/sh")!.interp!;
  const id = fileId(interp)!;
  assert.ok(loaders.has(`${id.ino}:${id.dev}`), `${interp} in ${[...loaders.values()]}`);
});

Deno.test("refusedTarget: a shared library and the loader are refused, a program is not", () => {
  const loaders = loaderFiles(fileId);
  assert.match(refusedTarget(LIBM, loaders, fileId(LIBM)!) ?? "", /is a shared library/);
  const ld = elfInfo("/bin/sh")!.interp!;
  assert.match(refusedTarget(ld, loaders, fileId(ld)!) ?? "", /is the dynamic loader/);
  assert.equal(refusedTarget("/usr/bin/touch", loaders, fileId("/usr/bin/touch")!), undefined);
  assert.equal(refusedTarget("/bin/sh", loaders, fileId("/bin/sh")!), undefined);
});
