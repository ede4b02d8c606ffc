/**
 * `deno task bpf`: compiles every `ebpf/*.bpf.c` into `ebpf/build/NAME.bpf.o`
 * with clang, only when the object is missing or older than its source or
 * than any header under `ebpf/`. The objects are embedded into Kestrel
 * through `import … with { type: "bytes" }`, so type checking, tests,
 * benchmarks, `compile` and `bundle` all depend on this task. `--force`
 * rebuilds everything.
 *
 * @module
 */

const root = new URL("../", import.meta.url);
const sourceDir = new URL("ebpf/", root);
const buildDir = new URL("ebpf/build/", root);

/** clang's `__TARGET_ARCH_*` name (what libbpf's bpf_tracing.h expects) for a `uname -m` machine. */
const TARGET_ARCH: Record<string, string> = {
  x86_64: "x86",
  aarch64: "arm64",
  armv7l: "arm",
  s390x: "s390",
  ppc64le: "powerpc",
  riscv64: "riscv",
  loongarch64: "loongarch",
};

/** One object to build: its source, output and whether it is stale. */
export interface BpfTarget {
  /** Program name: the file name without `.bpf.c`. */
  name: string;
  /** Path of the `.bpf.c` source. */
  source: string;
  /** Path of the `.bpf.o` output. */
  output: string;
  /** True when the output is missing or older than its inputs. */
  stale: boolean;
}

/** The clang arguments that compile `source` into `output`; `include` is the `ebpf/` directory. */
export function clangArgs(
  machine: string,
  include: string,
  source: string,
  output: string,
): string[] {
  const arch = TARGET_ARCH[machine] ?? machine;
  return [
    "-g",
    "-O2",
    "-target",
    "bpf",
    `-D__TARGET_ARCH_${arch}`,
    "-I",
    include,
    "-I",
    `/usr/include/${machine}-linux-gnu`,
    "-c",
    source,
    "-o",
    output,
  ];
}

function pathOf(url: URL): string {
  return decodeURIComponent(url.pathname);
}

function sourcePath(name: string): string {
  return pathOf(new URL(name, sourceDir));
}

async function mtime(path: string): Promise<number | null> {
  try {
    return (await Deno.stat(path)).mtime?.getTime() ?? 0;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** Newest modification time among the headers under `ebpf/` (0 when there are none). */
async function newestHeader(dir: URL): Promise<number> {
  let newest = 0;
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name === "build") continue;
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) newest = Math.max(newest, await newestHeader(url));
    else if (entry.name.endsWith(".h")) newest = Math.max(newest, (await mtime(pathOf(url)))!);
  }
  return newest;
}

/** Lists the objects to build, each marked stale or up to date. */
export async function bpfTargets(force = false): Promise<BpfTarget[]> {
  const headers = await newestHeader(sourceDir);
  const targets: BpfTarget[] = [];
  for await (const entry of Deno.readDir(sourceDir)) {
    if (!entry.isFile || !entry.name.endsWith(".bpf.c")) continue;
    const name = entry.name.slice(0, -".bpf.c".length);
    const source = sourcePath(entry.name);
    const output = pathOf(new URL(`${name}.bpf.o`, buildDir));
    const built = await mtime(output);
    const newestInput = Math.max(headers, (await mtime(source))!);
    targets.push({ name, source, output, stale: force || built === null || built < newestInput });
  }
  return targets.sort((a, b) => a.name.localeCompare(b.name));
}

/** Thrown when the toolchain is missing or a compilation fails; the message is for the user. */
export class BpfBuildError extends Error {}

async function machine(): Promise<string> {
  // Deno.build.arch is the runtime's; the include directory follows uname -m.
  const out = await new Deno.Command("uname", { args: ["-m"], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).trim() || Deno.build.arch;
}

async function compile(clang: string, arch: string, target: BpfTarget): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(clang, {
      args: clangArgs(arch, sourcePath(""), target.source, target.output),
      stdout: "inherit",
      stderr: "piped",
    }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new BpfBuildError(`${clang} not found: install clang llvm libbpf-dev`);
    }
    throw e;
  }
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr).trimEnd();
    const hint = /bpf\/bpf_helpers\.h.*not found/.test(stderr) ? "\n(install libbpf-dev)" : "";
    throw new BpfBuildError(`compiling ebpf/${target.name}.bpf.c failed:\n${stderr}${hint}`);
  }
}

/** Builds the stale objects in parallel; returns the names built. */
export async function buildBpf(
  options: { force?: boolean; clang?: string } = {},
): Promise<string[]> {
  const stale = (await bpfTargets(options.force)).filter((t) => t.stale);
  if (stale.length === 0) return [];
  const clang = options.clang ?? Deno.env.get("CLANG") ?? "clang";
  const arch = await machine();
  await Deno.mkdir(buildDir, { recursive: true });
  await Promise.all(stale.map((t) => compile(clang, arch, t)));
  return stale.map((t) => t.name);
}

if (import.meta.main) {
  try {
    const built = await buildBpf({ force: Deno.args.includes("--force") });
    for (const name of built) console.log(`built ebpf/build/${name}.bpf.o`);
  } catch (e) {
    if (!(e instanceof BpfBuildError)) throw e;
    console.error(`deno task bpf: ${e.message}`);
    Deno.exit(1);
  }
}
