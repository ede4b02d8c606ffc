/**
 * The five Kestrel BPF objects (process, proc_change, file, net, auth),
 * embedded into the program, loaded with their shared maps, configured and
 * attached, following the loading contract of `ebpf/README.md`:
 *
 * 1. open all objects; size the ring buffer on the first;
 * 2. load the first, then make every other object reuse its `events` and
 *    `kestrel_*` maps before loading it;
 * 3. write `kestrel_config` and `kestrel_interest` before attaching (the
 *    interest map starts all zero: nothing would be submitted);
 * 4. attach: the `tp_btf` programs where their sections say, the PAM
 *    programs as a uprobe and a uretprobe on `pam_authenticate` of every
 *    libpam found.
 *
 * @module
 */
import processObject from "../ebpf/build/process.bpf.o" with { type: "bytes" };
import procChangeObject from "../ebpf/build/proc_change.bpf.o" with { type: "bytes" };
import fileObject from "../ebpf/build/file.bpf.o" with { type: "bytes" };
import netObject from "../ebpf/build/net.bpf.o" with { type: "bytes" };
import authObject from "../ebpf/build/auth.bpf.o" with { type: "bytes" };
import { BpfError, type BpfMap, BpfObject } from "../ffi/libbpf.ts";
import { type KernelConfig, writeConfig } from "./kernel_maps.ts";

/** The objects, in load order. */
export const OBJECT_NAMES = ["process", "proc_change", "file", "net", "auth"] as const;

/** One of the five objects. */
export type ObjectName = typeof OBJECT_NAMES[number];

/** ELF bytes of each object. */
export type ObjectImages = Record<ObjectName, Uint8Array>;

/** The objects built into Kestrel (`deno task bpf` builds them). */
export const EMBEDDED_OBJECTS: Readonly<ObjectImages> = Object.freeze({
  process: processObject,
  proc_change: procChangeObject,
  file: fileObject,
  net: netObject,
  auth: authObject,
});

/** Maps every object shares: one instance, created by the first object. */
export const SHARED_MAPS = [
  "events",
  "kestrel_counters",
  "kestrel_pid_stats",
  "kestrel_interest",
  "kestrel_config",
  "kestrel_prefixes",
  "kestrel_trust",
  "kestrel_proc",
] as const;

/** A shared map's name. */
export type SharedMapName = typeof SHARED_MAPS[number];

/**
 * Default ring buffer size: 4 MiB, about 20,000 records, over 100 ms of the
 * highest rate measured on a small host. The mapping counts twice in the
 * sensor's RSS (the kernel maps the data area twice).
 */
export const DEFAULT_RING_BYTES = 4 << 20;

/** Libraries the PAM programs attach to. */
const LIBPAM = "libpam.so.0";
const LIBPAM_DIRS = [
  "/lib/x86_64-linux-gnu",
  "/usr/lib/x86_64-linux-gnu",
  "/lib64",
  "/usr/lib64",
  "/lib",
  "/usr/lib",
];

/** Options of {@link KestrelObjects.load}. */
export interface ObjectsOptions {
  /** The objects' ELF bytes (default: the embedded ones). */
  images?: Readonly<ObjectImages>;
  /** Ring buffer bytes: a power of 2, at least a page (default 4 MiB). */
  ringBytes?: number;
}

/** Where the PAM programs were attached, or why not. */
export interface AttachReport {
  /** Programs attached. */
  programs: string[];
  /** libpam files the PAM uprobes are on. */
  libpam: string[];
  /** Things worth a log line (no libpam, a failed uprobe). */
  notes: string[];
}

/** The loaded objects and their shared maps. */
export class KestrelObjects implements Disposable {
  /** The ring buffer's size in bytes. */
  readonly ringBytes: number;
  readonly #objects: Map<ObjectName, BpfObject>;

  private constructor(objects: Map<ObjectName, BpfObject>, ringBytes: number) {
    this.#objects = objects;
    this.ringBytes = ringBytes;
  }

  /** Opens and loads the five objects with shared maps (nothing is attached yet). */
  static load(options: ObjectsOptions = {}): KestrelObjects {
    const images = options.images ?? EMBEDDED_OBJECTS;
    const ringBytes = options.ringBytes ?? DEFAULT_RING_BYTES;
    const objects = new Map<ObjectName, BpfObject>();
    try {
      for (const name of OBJECT_NAMES) objects.set(name, BpfObject.openMem(images[name], name));
      const first = objects.get(OBJECT_NAMES[0])!;
      first.map("events").setMaxEntries(ringBytes);
      first.load();
      for (const name of OBJECT_NAMES.slice(1)) {
        const obj = objects.get(name)!;
        for (const map of SHARED_MAPS) {
          const own = mapIfPresent(obj, map);
          if (own) own.reuseFd(first.map(map).fd);
        }
        obj.load();
      }
      return new KestrelObjects(objects, ringBytes);
    } catch (e) {
      for (const obj of objects.values()) obj.close();
      throw e;
    }
  }

  /** A shared map (the first object's instance). */
  map(name: SharedMapName): BpfMap {
    return this.#object(OBJECT_NAMES[0]).map(name);
  }

  #object(name: ObjectName): BpfObject {
    const obj = this.#objects.get(name);
    if (!obj) throw new Error("the BPF objects are closed");
    return obj;
  }

  /** Writes `kestrel_config` whole. */
  configure(config: KernelConfig): void {
    writeConfig(this.map("kestrel_config"), config);
  }

  /**
   * Attaches every program: the `tp_btf` ones where their sections say, the
   * PAM pair on each libpam found (skipped with a note when there is none).
   * Configure the maps first.
   */
  attach(libpam: string[] = findLibpam()): AttachReport {
    const report: AttachReport = { programs: [], libpam: [], notes: [] };
    for (const name of OBJECT_NAMES) {
      if (name === "auth") continue;
      const obj = this.#object(name);
      for (const program of obj.programs()) {
        obj.attach(program);
        report.programs.push(program);
      }
    }
    const auth = this.#object("auth");
    if (libpam.length === 0) {
      report.notes.push(`${LIBPAM} not found: PAM authentication events are not collected`);
    }
    for (const path of libpam) {
      try {
        auth.attachUprobe("kestrel_pam_enter", path, "pam_authenticate");
        auth.attachUprobe("kestrel_pam_exit", path, "pam_authenticate", { retprobe: true });
        report.libpam.push(path);
      } catch (e) {
        if (!(e instanceof BpfError)) throw e;
        report.notes.push(`PAM authentication events from ${path} are not collected: ${e.message}`);
      }
    }
    if (report.libpam.length) report.programs.push("kestrel_pam_enter", "kestrel_pam_exit");
    return report;
  }

  /** Detaches every program; the maps stay readable until `close`. */
  detach(): void {
    for (const obj of this.#objects.values()) {
      for (const link of obj.links()) link.destroy();
    }
  }

  /** Detaches and closes everything (idempotent). */
  close(): void {
    // The first object created the shared maps: close it last.
    for (const name of [...OBJECT_NAMES].reverse()) this.#objects.get(name)?.close();
    this.#objects.clear();
  }

  /** Same as `close` (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }
}

function mapIfPresent(obj: BpfObject, name: string): BpfMap | null {
  try {
    return obj.map(name);
  } catch (e) {
    if (e instanceof BpfError) return null;
    throw e;
  }
}

/**
 * The distinct `libpam.so.0` files of this system: what `ldconfig -p` lists,
 * else the usual library directories. One path per file (a uprobe is per
 * inode, so a second path to the same file would count each call twice).
 */
export function findLibpam(): string[] {
  const candidates: string[] = [];
  try {
    const out = new Deno.Command("ldconfig", { args: ["-p"], stdout: "piped", stderr: "null" })
      .outputSync();
    const text = new TextDecoder().decode(out.stdout);
    for (const m of text.matchAll(/^\s*libpam\.so\.0 \(([^)]*)\) => (\S+)$/gm)) {
      if (m[1].includes("x86-64")) candidates.push(m[2]); // the sensor's own architecture
    }
  } catch {
    // No ldconfig: the directories below.
  }
  candidates.push(...LIBPAM_DIRS.map((d) => `${d}/${LIBPAM}`));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const path of candidates) {
    try {
      const st = Deno.statSync(path);
      const key = `${st.dev}:${st.ino}`;
      if (!st.isFile || seen.has(key)) continue;
      seen.add(key);
      out.push(path);
    } catch {
      // Absent here.
    }
  }
  return out;
}
