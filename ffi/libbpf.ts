/**
 * BPF objects through libbpf: open an ELF object from memory (the objects
 * are embedded into Kestrel as bytes), choose which programs load, load,
 * attach, and read or write maps. Failures become `BpfError`s whose message
 * says what to do (see `./bpf_error.ts`).
 *
 * ```ts
 * using obj = BpfObject.openMem(bytes, "process");
 * obj.load();
 * obj.attach("handle_exec");
 * const fd = obj.mapFd("events");
 * ```
 *
 * @module
 */
import { BpfError, bpfError, type BpfErrorContext, type BpfOperation } from "./bpf_error.ts";
import { Errno, errnoName } from "./errno.ts";
import { btfPresent, isRoot, tracefsPath } from "./kernel_env.ts";
import { errno } from "./libc.ts";
import { cstr, libbpf as lib, readCstr } from "./libbpf_lib.ts";

export { BpfError } from "./bpf_error.ts";

/** `bpf_map_update_elem` flags. */
export const BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2;

/** Bytes of verifier log kept per program (kernels ≥ 6.4 keep the log's tail). */
const PROGRAM_LOG_SIZE = 64 * 1024;

function environment() {
  return { root: isRoot(), btf: btfPresent(), tracefs: tracefsPath() !== null };
}

function fail(
  err: number,
  op: BpfOperation,
  what: string,
  extra: Partial<BpfErrorContext> = {},
): never {
  throw bpfError(err, { op, what, ...extra }, environment());
}

/** The NUL-terminated text in `buf`, as lines. */
function logLines(buf: Uint8Array): string[] {
  const end = buf.indexOf(0);
  const text = new TextDecoder().decode(buf.subarray(0, end < 0 ? buf.length : end));
  return text.split("\n").filter((l) => l !== "");
}

function pointerBytes(p: Deno.PointerValue): bigint {
  return p === null ? 0n : BigInt(Deno.UnsafePointer.value(p));
}

/** An attached program; destroying it detaches the program. */
export class BpfLink {
  /** The program this link attaches. */
  readonly program: string;
  #ptr: Deno.PointerObject | null;
  readonly #onDestroy: (link: BpfLink) => void;

  /** Made by `BpfObject.attach*`. */
  constructor(program: string, ptr: Deno.PointerObject, onDestroy: (link: BpfLink) => void) {
    this.program = program;
    this.#ptr = ptr;
    this.#onDestroy = onDestroy;
  }

  /** True until `destroy`. */
  get attached(): boolean {
    return this.#ptr !== null;
  }

  /** Detaches the program (idempotent). */
  destroy(): void {
    if (this.#ptr === null) return;
    lib().bpf_link__destroy(this.#ptr);
    this.#ptr = null;
    this.#onDestroy(this);
  }
}

/** A map of a `BpfObject`; keys and values are raw bytes of the map's sizes. */
export class BpfMap {
  /** The map's name in the object. */
  readonly name: string;
  readonly #owner: BpfObject;
  readonly #ptr: Deno.PointerObject;

  /** Made by `BpfObject.map`. */
  constructor(owner: BpfObject, name: string, ptr: Deno.PointerObject) {
    this.#owner = owner;
    this.name = name;
    this.#ptr = ptr;
  }

  #p(): Deno.PointerObject {
    this.#owner.assertOpen();
    return this.#ptr;
  }

  /** The map's file descriptor (valid after `load`; owned by the object). */
  get fd(): number {
    const fd = lib().bpf_map__fd(this.#p());
    if (fd < 0) throw new Error(`map "${this.name}" has no file descriptor yet: call load() first`);
    return fd;
  }

  /** `BPF_MAP_TYPE_*` number. */
  get type(): number {
    return lib().bpf_map__type(this.#p());
  }

  /** Key size in bytes. */
  get keySize(): number {
    return lib().bpf_map__key_size(this.#p());
  }

  /** Value size in bytes (per CPU for per-CPU maps). */
  get valueSize(): number {
    return lib().bpf_map__value_size(this.#p());
  }

  /** `max_entries` (the byte size for a ring buffer). */
  get maxEntries(): number {
    return lib().bpf_map__max_entries(this.#p());
  }

  /** Sets `max_entries` before `load` (e.g. a ring buffer's size: a power of 2, multiple of the page size). */
  setMaxEntries(n: number): void {
    const err = lib().bpf_map__set_max_entries(this.#p(), n);
    if (err < 0) fail(err, "map", `setting max_entries of map "${this.name}" to ${n}`);
  }

  /**
   * Makes this map, before `load`, use the existing map `fd` instead of
   * creating its own: several objects then share one map.
   */
  reuseFd(fd: number): void {
    const err = lib().bpf_map__reuse_fd(this.#p(), fd);
    if (err < 0) fail(err, "map", `sharing map "${this.name}" (fd ${fd})`);
  }

  #check(key: Uint8Array, value: Uint8Array | null, valueBytes: number): void {
    if (key.length !== this.keySize) {
      throw new RangeError(
        `map "${this.name}": key is ${key.length} bytes, the map's are ${this.keySize}`,
      );
    }
    if (value && value.length !== valueBytes) {
      throw new RangeError(
        `map "${this.name}": value is ${value.length} bytes, expected ${valueBytes}`,
      );
    }
  }

  /** Reads the value of `key` into `into` (or a new array); null when the key is absent. */
  lookup(key: Uint8Array, into?: Uint8Array): Uint8Array | null {
    const value = into ?? new Uint8Array(this.valueSize);
    return this.#lookup(key, value);
  }

  #lookup(key: Uint8Array, value: Uint8Array): Uint8Array | null {
    this.#check(key, value, value.length);
    const err = lib().bpf_map__lookup_elem(
      this.#p(),
      key,
      BigInt(key.length),
      value,
      BigInt(value.length),
      0n,
    );
    if (err === -Errno.ENOENT) return null;
    if (err < 0) fail(err, "map", `looking up a key in map "${this.name}"`);
    return value;
  }

  /** Writes `value` at `key` (`flags`: BPF_ANY, BPF_NOEXIST or BPF_EXIST). */
  update(key: Uint8Array, value: Uint8Array, flags = BPF_ANY): void {
    this.#check(key, value, this.#perCpuBytes() ?? this.valueSize);
    const err = lib().bpf_map__update_elem(
      this.#p(),
      key,
      BigInt(key.length),
      value,
      BigInt(value.length),
      BigInt(flags),
    );
    if (err < 0) fail(err, "map", `updating map "${this.name}"`);
  }

  /** Deletes `key`; false when it was absent. */
  delete(key: Uint8Array): boolean {
    this.#check(key, null, 0);
    const err = lib().bpf_map__delete_elem(this.#p(), key, BigInt(key.length), 0n);
    if (err === -Errno.ENOENT) return false;
    if (err < 0) fail(err, "map", `deleting from map "${this.name}"`);
    return true;
  }

  /** Bytes of one lookup of a per-CPU map (value size rounded to 8, times the possible CPUs), else null. */
  #perCpuBytes(): number | null {
    if (!PER_CPU_TYPES.has(this.type)) return null;
    return roundUp8(this.valueSize) * possibleCpus();
  }

  /**
   * Reads a per-CPU map's `key`: one view per possible CPU, each `valueSize`
   * bytes, over one buffer. null when the key is absent.
   */
  lookupPerCpu(key: Uint8Array): Uint8Array[] | null {
    const total = this.#perCpuBytes();
    if (total === null) throw new TypeError(`map "${this.name}" is not a per-CPU map`);
    const all = this.#lookup(key, new Uint8Array(total));
    if (all === null) return null;
    const stride = roundUp8(this.valueSize);
    const out: Uint8Array[] = [];
    for (let off = 0; off < total; off += stride) out.push(all.subarray(off, off + this.valueSize));
    return out;
  }
}

const PER_CPU_TYPES = new Set([5, 6, 10, 21]); // PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH, PERCPU_CGROUP_STORAGE

function roundUp8(n: number): number {
  return (n + 7) & ~7;
}

let cpus = 0;

/** Number of possible CPUs (the per-CPU slot count of per-CPU maps). */
export function possibleCpus(): number {
  if (cpus === 0) {
    const n = lib().libbpf_num_possible_cpus();
    if (n < 0) fail(n, "probe", "counting possible CPUs");
    cpus = n;
  }
  return cpus;
}

/**
 * Runs `fn` with libbpf's own messages off (a load whose failure is expected
 * and reported by the caller, e.g. probing for BPF LSM), then restores the
 * previous print function. No JavaScript callback is involved: the print
 * function is set to null and the old pointer put back.
 */
export function withoutLibbpfMessages<T>(fn: () => T): T {
  const previous = lib().libbpf_set_print(null);
  try {
    return fn();
  } finally {
    lib().libbpf_set_print(previous);
  }
}

/** Options of `BpfObject.attachUprobe`. */
export interface UprobeOptions {
  /** Attach to the function's return instead of its entry. */
  retprobe?: boolean;
  /** Only this process (default: every process running the binary). */
  pid?: number;
}

/** An opened BPF ELF object, its programs, maps and links. */
export class BpfObject implements Disposable {
  /** The object's name (used in messages and by libbpf for map names). */
  readonly name: string;
  #ptr: Deno.PointerObject | null;
  // libelf reads the image in place until load() finishes.
  #image: Uint8Array | null;
  #loaded = false;
  readonly #links = new Set<BpfLink>();
  readonly #maps = new Map<string, BpfMap>();

  private constructor(name: string, ptr: Deno.PointerObject, image: Uint8Array) {
    this.name = name;
    this.#ptr = ptr;
    this.#image = image;
  }

  /** Opens an object from its ELF bytes (e.g. an embedded `ebpf/build/NAME.bpf.o`). */
  static openMem(bytes: Uint8Array, name: string): BpfObject {
    const image = new Uint8Array(bytes); // stable copy for libelf
    const nameBuf = cstr(name);
    const opts = new Uint8Array(16); // struct bpf_object_open_opts: sz, object_name
    const dv = new DataView(opts.buffer);
    dv.setBigUint64(0, 16n, true);
    dv.setBigUint64(8, pointerBytes(Deno.UnsafePointer.of(nameBuf)), true);
    const ptr = lib().bpf_object__open_mem(image, BigInt(image.length), opts);
    if (ptr === null) fail(-errno(), "open", `opening BPF object "${name}"`);
    return new BpfObject(name, ptr, image);
  }

  /** Throws when the object was closed. */
  assertOpen(): Deno.PointerObject {
    if (this.#ptr === null) throw new Error(`BPF object "${this.name}" is closed`);
    return this.#ptr;
  }

  /** True after a successful `load`. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Names of the object's programs, in ELF order. */
  programs(): string[] {
    const obj = this.assertOpen();
    const names: string[] = [];
    for (
      let p = lib().bpf_object__next_program(obj, null);
      p !== null;
      p = lib().bpf_object__next_program(obj, p)
    ) {
      names.push(readCstr(lib().bpf_program__name(p)));
    }
    return names;
  }

  #program(name: string, op: BpfOperation): Deno.PointerObject {
    const p = lib().bpf_object__find_program_by_name(this.assertOpen(), cstr(name));
    if (p === null) {
      throw new BpfError(
        `${
          op === "attach" ? "attaching" : "configuring"
        } program "${name}": no such program in BPF object "${this.name}" (it has: ${
          this.programs().join(", ") || "none"
        }) (${errnoName(Errno.ENOENT)})`,
        Errno.ENOENT,
      );
    }
    return p;
  }

  /** Chooses whether `program` is loaded by `load` (default: all are). */
  setAutoload(program: string, autoload: boolean): void {
    const err = lib().bpf_program__set_autoload(this.#program(program, "load"), autoload);
    if (err < 0) fail(err, "load", `setting autoload of program "${program}"`);
  }

  /** The map called `name` (throws when the object has none). */
  map(name: string): BpfMap {
    let m = this.#maps.get(name);
    if (!m) {
      const p = lib().bpf_object__find_map_by_name(this.assertOpen(), cstr(name));
      if (p === null) {
        throw new BpfError(`no map "${name}" in BPF object "${this.name}" (ENOENT)`, Errno.ENOENT);
      }
      m = new BpfMap(this, name, p);
      this.#maps.set(name, m);
    }
    return m;
  }

  /** The file descriptor of map `name` (after `load`). */
  mapFd(name: string): number {
    return this.map(name).fd;
  }

  /** Creates the maps and loads the programs into the kernel. */
  load(): void {
    const obj = this.assertOpen();
    // Each program gets its own verifier log buffer: libbpf then asks the
    // kernel for a log only after that program fails, and leaves it to us
    // instead of printing it; the one non-empty log names the culprit.
    const names = this.programs();
    const logs = new Uint8Array(PROGRAM_LOG_SIZE * names.length);
    const slice = (i: number) => logs.subarray(i * PROGRAM_LOG_SIZE, (i + 1) * PROGRAM_LOG_SIZE);
    names.forEach((name, i) => {
      lib().bpf_program__set_log_buf(
        this.#program(name, "load"),
        slice(i),
        BigInt(PROGRAM_LOG_SIZE),
      );
    });
    const err = lib().bpf_object__load(obj);
    for (const name of names) lib().bpf_program__set_log_buf(this.#program(name, "load"), null, 0n);
    if (err < 0) {
      const failed = names.findIndex((_, i) => logs[i * PROGRAM_LOG_SIZE] !== 0);
      const what = failed >= 0
        ? `loading program "${names[failed]}" of BPF object "${this.name}"`
        : `loading BPF object "${this.name}"`;
      fail(err, "load", what, { log: failed >= 0 ? logLines(slice(failed)) : [] });
    }
    this.#loaded = true;
    this.#image = null;
  }

  #track(program: string, ptr: Deno.PointerObject): BpfLink {
    const link = new BpfLink(program, ptr, (l) => this.#links.delete(l));
    this.#links.add(link);
    return link;
  }

  #attachFailed(program: string, p: Deno.PointerObject, target = ""): never {
    const err = -errno();
    fail(err, "attach", `attaching program "${program}"${target}`, {
      section: readCstr(lib().bpf_program__section_name(p)),
    });
  }

  /** The loaded program `name`, for attaching. */
  #loadedProgram(name: string): Deno.PointerObject {
    const p = this.#program(name, "attach");
    if (!this.#loaded) throw new Error(`attaching program "${name}": call load() first`);
    if (lib().bpf_program__fd(p) < 0) {
      throw new Error(`attaching program "${name}": it was not loaded (autoload is off)`);
    }
    return p;
  }

  /** Attaches `program` where its ELF section says (tracepoint, raw_tp, tp_btf, kprobe, …). */
  attach(program: string): BpfLink {
    const p = this.#loadedProgram(program);
    const link = lib().bpf_program__attach(p);
    if (link === null) this.#attachFailed(program, p);
    return this.#track(program, link);
  }

  /**
   * Attaches a uprobe program to `binaryPath` at `target`: a function name
   * (an ELF symbol of the binary) or a byte offset into the file.
   */
  attachUprobe(
    program: string,
    binaryPath: string,
    target: string | number,
    options: UprobeOptions = {},
  ): BpfLink {
    const p = this.#loadedProgram(program);
    const funcName = typeof target === "string" ? cstr(target) : null;
    const opts = new Uint8Array(40); // struct bpf_uprobe_opts
    const dv = new DataView(opts.buffer);
    dv.setBigUint64(0, 40n, true); // sz
    opts[24] = options.retprobe ? 1 : 0; // retprobe
    if (funcName) dv.setBigUint64(32, pointerBytes(Deno.UnsafePointer.of(funcName)), true);
    const offset = typeof target === "number" ? BigInt(target) : 0n;
    const link = lib().bpf_program__attach_uprobe_opts(
      p,
      options.pid ?? -1,
      cstr(binaryPath),
      offset,
      opts,
    );
    if (link === null) this.#attachFailed(program, p, ` to ${binaryPath}:${target}`);
    return this.#track(program, link);
  }

  /** Attaches a `cgroup/*` program to the cgroup v2 directory open as `cgroupFd` (and its descendants). */
  attachCgroup(program: string, cgroupFd: number): BpfLink {
    const p = this.#loadedProgram(program);
    const link = lib().bpf_program__attach_cgroup(p, cgroupFd);
    if (link === null) this.#attachFailed(program, p, ` to cgroup fd ${cgroupFd}`);
    return this.#track(program, link);
  }

  /** The live links, in attach order. */
  links(): BpfLink[] {
    return [...this.#links];
  }

  /** Destroys every link, then the object (idempotent). */
  close(): void {
    if (this.#ptr === null) return;
    for (const link of [...this.#links]) link.destroy();
    lib().bpf_object__close(this.#ptr);
    this.#ptr = null;
    this.#image = null;
    this.#maps.clear();
  }

  /** Same as `close` (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }
}
