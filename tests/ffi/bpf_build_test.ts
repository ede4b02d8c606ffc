import assert from "node:assert/strict";
import { bpfTargets, clangArgs } from "../../tools/bpf.ts";

Deno.test("bpf build: the clang command line", () => {
  assert.deepEqual(
    clangArgs("x86_64", "/src/ebpf/", "/src/ebpf/a.bpf.c", "/src/ebpf/build/a.bpf.o"),
    [
      "-g",
      "-O2",
      "-target",
      "bpf",
      "-D__TARGET_ARCH_x86",
      "-I",
      "/src/ebpf/",
      "-I",
      "/usr/include/x86_64-linux-gnu",
      "-c",
      "/src/ebpf/a.bpf.c",
      "-o",
      "/src/ebpf/build/a.bpf.o",
    ],
  );
  assert.ok(clangArgs("aarch64", "i", "s", "o").includes("-D__TARGET_ARCH_arm64"));
});

Deno.test("bpf build: every ebpf/*.bpf.c is a target; --force marks all stale", async () => {
  const targets = await bpfTargets();
  const selftest = targets.find((t) => t.name === "selftest");
  assert.ok(selftest, "selftest is a target");
  assert.match(selftest.source, /\/ebpf\/selftest\.bpf\.c$/);
  assert.match(selftest.output, /\/ebpf\/build\/selftest\.bpf\.o$/);
  assert.ok((await bpfTargets(true)).every((t) => t.stale));
});
