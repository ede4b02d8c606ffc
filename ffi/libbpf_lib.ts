/**
 * `libbpf.so.1` bindings, opened on first use with a version check (≥ 1.1).
 *
 * libbpf's own messages (`libbpf_set_print`) are left to libbpf (stderr): a
 * JavaScript print callback is process-wide in libbpf but belongs to one
 * isolate, so libbpf running in another isolate of the process (a worker, a
 * parallel test module) would call it from a foreign thread and block on it.
 * The verifier's log, the part worth showing, is captured through a buffer
 * instead (see `./libbpf.ts`).
 *
 * @module
 */

/** The shared object Kestrel loads. */
export const LIBBPF_SONAME = "libbpf.so.1";
/** The oldest libbpf Kestrel works with. */
export const LIBBPF_MIN = { major: 1, minor: 1 } as const;

const VERSION_SYMBOLS = {
  libbpf_major_version: { parameters: [], result: "u32" },
  libbpf_minor_version: { parameters: [], result: "u32" },
} as const satisfies Deno.ForeignLibraryInterface;

const SYMBOLS = {
  ...VERSION_SYMBOLS,
  libbpf_num_possible_cpus: { parameters: [], result: "i32" },
  libbpf_set_print: { parameters: ["pointer"], result: "pointer" },
  libbpf_probe_bpf_helper: { parameters: ["u32", "u32", "pointer"], result: "i32" },
  libbpf_probe_bpf_map_type: { parameters: ["u32", "pointer"], result: "i32" },
  libbpf_find_vmlinux_btf_id: { parameters: ["buffer", "u32"], result: "i32" },
  bpf_prog_load: {
    parameters: ["u32", "buffer", "buffer", "buffer", "usize", "buffer"],
    result: "i32",
  },
  bpf_object__open_mem: { parameters: ["buffer", "usize", "buffer"], result: "pointer" },
  bpf_object__load: { parameters: ["pointer"], result: "i32" },
  bpf_object__close: { parameters: ["pointer"], result: "void" },
  bpf_object__find_program_by_name: { parameters: ["pointer", "buffer"], result: "pointer" },
  bpf_object__next_program: { parameters: ["pointer", "pointer"], result: "pointer" },
  bpf_object__find_map_by_name: { parameters: ["pointer", "buffer"], result: "pointer" },
  bpf_program__name: { parameters: ["pointer"], result: "pointer" },
  bpf_program__section_name: { parameters: ["pointer"], result: "pointer" },
  bpf_program__set_autoload: { parameters: ["pointer", "bool"], result: "i32" },
  bpf_program__fd: { parameters: ["pointer"], result: "i32" },
  bpf_program__set_log_buf: { parameters: ["pointer", "buffer", "usize"], result: "i32" },
  bpf_program__attach: { parameters: ["pointer"], result: "pointer" },
  bpf_program__attach_uprobe_opts: {
    parameters: ["pointer", "i32", "buffer", "usize", "buffer"],
    result: "pointer",
  },
  bpf_program__attach_cgroup: { parameters: ["pointer", "i32"], result: "pointer" },
  bpf_link__destroy: { parameters: ["pointer"], result: "i32" },
  bpf_map__fd: { parameters: ["pointer"], result: "i32" },
  bpf_map__type: { parameters: ["pointer"], result: "u32" },
  bpf_map__key_size: { parameters: ["pointer"], result: "u32" },
  bpf_map__value_size: { parameters: ["pointer"], result: "u32" },
  bpf_map__max_entries: { parameters: ["pointer"], result: "u32" },
  bpf_map__set_max_entries: { parameters: ["pointer", "u32"], result: "i32" },
  bpf_map__reuse_fd: { parameters: ["pointer", "i32"], result: "i32" },
  bpf_map__lookup_elem: {
    parameters: ["pointer", "buffer", "usize", "buffer", "usize", "u64"],
    result: "i32",
  },
  bpf_map__update_elem: {
    parameters: ["pointer", "buffer", "usize", "buffer", "usize", "u64"],
    result: "i32",
  },
  bpf_map__delete_elem: {
    parameters: ["pointer", "buffer", "usize", "u64"],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The bound libbpf functions. */
export type Libbpf = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** A libbpf version. */
export interface LibbpfVersion {
  /** Major version. */
  major: number;
  /** Minor version. */
  minor: number;
}

/** null when `v` is recent enough, else the message explaining what to install. */
export function versionProblem(v: LibbpfVersion, soname = LIBBPF_SONAME): string | null {
  const ok = v.major > LIBBPF_MIN.major ||
    (v.major === LIBBPF_MIN.major && v.minor >= LIBBPF_MIN.minor);
  if (ok) return null;
  return `${soname} is version ${v.major}.${v.minor}; Kestrel needs libbpf ≥ ${LIBBPF_MIN.major}.${LIBBPF_MIN.minor} (install libbpf1 ≥ 1.1)`;
}

/** Thrown when libbpf is missing or too old; the message says what to install. */
export class LibbpfUnavailable extends Error {
  override name = "LibbpfUnavailable";
}

/** A loaded libbpf: its functions and version. */
export interface LoadedLibbpf {
  /** Bound functions. */
  symbols: Libbpf;
  /** The library's version. */
  version: LibbpfVersion;
}

/**
 * Opens `path` (default `libbpf.so.1`), checks its version, then binds the
 * functions Kestrel uses. The version is read through a minimal binding first
 * so that an old library is reported as old, not as a missing symbol.
 */
export function openLibbpf(path = LIBBPF_SONAME): LoadedLibbpf {
  let probe: Deno.DynamicLibrary<typeof VERSION_SYMBOLS>;
  try {
    probe = Deno.dlopen(path, VERSION_SYMBOLS);
  } catch (e) {
    throw new LibbpfUnavailable(
      `${path} not found: install libbpf1 (≥ 1.1) (${(e as Error).message.split("\n")[0]})`,
    );
  }
  const version = {
    major: probe.symbols.libbpf_major_version(),
    minor: probe.symbols.libbpf_minor_version(),
  };
  probe.close();
  const problem = versionProblem(version, path);
  if (problem) throw new LibbpfUnavailable(problem);
  return { symbols: Deno.dlopen(path, SYMBOLS).symbols, version };
}

let loaded: LoadedLibbpf | null = null;

/** The process-wide libbpf, opened on first use (throws `LibbpfUnavailable`). */
export function libbpfLoaded(): LoadedLibbpf {
  loaded ??= openLibbpf();
  return loaded;
}

/** The process-wide libbpf's functions. */
export function libbpf(): Libbpf {
  return libbpfLoaded().symbols;
}

const encoder = new TextEncoder();

/** A NUL-terminated copy of `s` for `const char *` parameters. */
export function cstr(s: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(s + "\0");
}

/** Reads a C string (null pointer → ""). */
export function readCstr(p: Deno.PointerValue): string {
  return p === null ? "" : Deno.UnsafePointerView.getCString(p);
}
