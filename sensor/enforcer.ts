/**
 * Enforcement in the kernel: the block rules' executables and destinations
 * go into BPF maps that programs consult before the exec or the connection
 * happens, and every decision the kernel takes comes back as a verdict.
 *
 * Choosing the exec path (probed at start, reported by {@link Enforcer.paths}):
 * 1. BPF LSM (`ebpf/block_exec_lsm.bpf.c`, `bprm_check_security`,
 *    `mmap_file`, `file_mprotect`): execve fails with EPERM, the caller
 *    survives. Its load and attach are always attempted; the outcome is kept.
 * 2. Otherwise signals (`ebpf/block_exec.bpf.c`): at `sched_process_exec`,
 *    and at an executable `mmap`/`mprotect` of the file in a process
 *    running a dynamic loader (`ld.so /path/to/binary`; see
 *    `./enforce_elf.ts`), the process gets SIGKILL before its first
 *    instruction of that file runs (exit status 137). Libraries and loaders
 *    are refused as block targets.
 *
 * Connections (`ebpf/block_connect.bpf.c`): `cgroup/connect4` and
 * `connect6` on the cgroup v2 root (found in `/proc/mounts`) refuse blocked
 * destinations with EPERM.
 *
 * Files are matched by inode and device, resolved from the rules' paths at
 * every `setRules`, so symlinks and hard links reach the same entry. Each
 * blocked file is held open (O_PATH) while its rules are loaded: its inode
 * stays allocated even when the file is removed, so the number can never be
 * reused by an unrelated new file. The paths are checked again every
 * `recheckMs`: a path that names another file now (replaced, created) is
 * resolved again at once. Rules naming only a content hash are decided in
 * user space as files run (see `#onWatch`): the first run is killed, later
 * ones refused in the kernel. The programs never act on pid 1, the sensor or its
 * ancestors, act only in enforce mode and at most `rateLimit` times a
 * second; they report every decision (see `./enforce_verdict.ts`).
 * Programs are attached while some rule needs them and detached when none
 * does; `stop` detaches everything.
 *
 * @module
 */
import blockExecObject from "../ebpf/build/block_exec.bpf.o" with { type: "bytes" };
import blockExecLsmObject from "../ebpf/build/block_exec_lsm.bpf.o" with { type: "bytes" };
import blockConnectObject from "../ebpf/build/block_connect.bpf.o" with { type: "bytes" };
import { createHash } from "node:crypto";
import {
  ActionRateLimiter,
  type BlockPlan,
  type EnforceMode,
  parseIp,
  planBlock,
} from "../engine/actions.ts";
import { killProcess } from "../engine/kill.ts";
import { entityId, ticksFromBootNs } from "../engine/procs.ts";
import { bootEpochNs } from "../engine/decode.ts";
import {
  BpfError,
  type BpfLink,
  type BpfMap,
  BpfObject,
  withoutLibbpfMessages,
} from "../ffi/libbpf.ts";
import { closeFd, openDirectory, openPath } from "../ffi/pidfd.ts";
import { RingBuffer } from "../ffi/ringbuf.ts";
import type { LoadedRule } from "../rules/loader/mod.ts";
import { decodeVerdict, type Verdict } from "./enforce_verdict.ts";
import { type FileKey, loaderFiles, refusedTarget } from "./enforce_elf.ts";

export type { Verdict } from "./enforce_verdict.ts";

/** The three enforcement objects' ELF bytes. */
export interface EnforceImages {
  exec: Uint8Array;
  lsm: Uint8Array;
  connect: Uint8Array;
}

/** The objects built into Kestrel. */
export const ENFORCE_OBJECTS: Readonly<EnforceImages> = Object.freeze({
  exec: blockExecObject,
  lsm: blockExecLsmObject,
  connect: blockConnectObject,
});

/** Bytes of `enforce_events` (ebpf/enforce.h ENFORCE_RING_BYTES). */
const RING_BYTES = 256 * 1024;
const MODE_ENFORCE = 1;
/** Executables larger than this are not hashed for content-hash rules. */
const HASH_MAX_BYTES = 256 << 20;
/** Files waiting for hashing at most; more are let through with a log line. */
const HASH_QUEUE_MAX = 256;

/** Options of {@link Enforcer}. */
export interface EnforcerOptions {
  mode: EnforceMode;
  /** Most actions per second (`[security] block_rate_limit`); 0: no limit. */
  rateLimit: number;
  /**
   * `[security] block_decision_cache_size`: entries of the kernel's exec
   * map, and of the content-hash decision cache.
   */
  decisionCacheSize: number;
  /** Pids never acted on besides pid 1 and `selfTgid` (the sensor's ancestors). */
  protect: ReadonlySet<number>;
  /** The sensor's pid (default: this process). */
  selfTgid?: number;
  /** Receives every kernel decision. */
  onVerdict: (v: Verdict, rule: LoadedRule | undefined) => void;
  /** Log lines. */
  log?: (line: string) => void;
  /** Object bytes (default: embedded). */
  images?: Readonly<EnforceImages>;
  /** Try BPF LSM first (default true). */
  preferLsm?: boolean;
  /** The cgroup v2 directory connect programs attach to (default: the root from /proc/mounts). */
  cgroupPath?: string;
  /** How often the rules' paths are checked for another file (ms, default 1000; 0: never). */
  recheckMs?: number;
}

/** A rule's file held open: its inode cannot be freed (and its number reused) meanwhile. */
interface Pin {
  fd: number;
  ino: bigint;
  dev: number;
}

/** Which mechanism carries out each kind of action, and why. */
export interface EnforcementPaths {
  /** `lsm`: execve fails with EPERM; `signal`: SIGKILL at exec; `none`: cannot block execs. */
  exec: "lsm" | "signal" | "none";
  /** The BPF LSM attempt: `ok` (loaded and attached), or the error. */
  lsm: { attempted: boolean; ok: boolean; error?: string };
  /** `cgroup`: connect4/6 on {@link cgroup}; `none`: cannot block connections. */
  connect: "cgroup" | "none";
  /** The cgroup v2 root the connect programs attach to. */
  cgroup?: string;
  /** Why a path is `none`. */
  notes: string[];
}

/** What `setRules` made of the block rules. */
export interface EnforcementPlan {
  /** Rule ids whose blocks the kernel decides (their alerts come from verdicts). */
  kernelRules: Set<string>;
  /** Per exec rule of `kernelRules`: the paths that have kernel entries (others were missing). */
  execPaths: Map<string, Set<string>>;
  /** Block rules that cannot be enforced before the action, with the reason. */
  unenforceable: Map<string, string>;
  /** Exec and connect entries written. */
  execEntries: number;
  netEntries: number;
  /** Things worth a log line (a path that does not exist, a hash that differs). */
  notes: string[];
}

interface Generation {
  rules: readonly LoadedRule[];
  /** The rules' executable paths, by `ino:dev` of the file they resolved to. */
  paths: Map<string, string>;
}

/** The loaded enforcement objects. Not restartable. */
export class Enforcer {
  readonly #opts: EnforcerOptions;
  readonly #log: (line: string) => void;
  #exec: BpfObject | undefined;
  #lsm: BpfObject | undefined;
  #connect: BpfObject | undefined;
  #ring: RingBuffer | undefined;
  #cgroupFd = -1;
  #paths: EnforcementPaths = {
    exec: "none",
    lsm: { attempted: false, ok: false },
    connect: "none",
    notes: [],
  };
  #execLinks: BpfLink[] = [];
  #netLinks: BpfLink[] = [];
  /** What the kernel maps hold now: key hex → value. */
  readonly #execEntries = new Map<string, Uint8Array>();
  readonly #netEntries = new Map<string, Uint8Array>();
  /** The current rules' files, by path, and the paths that named no file. */
  #pins = new Map<string, Pin>();
  #missing = new Set<string>();
  #rules: readonly LoadedRule[] = [];
  /** The dynamic loaders, by `ino:dev` (executable mappings are checked in their processes only). */
  #loaders = new Map<string, FileKey & { path: string }>();
  #plan: EnforcementPlan | undefined;
  #recheckTimer: ReturnType<typeof setInterval> | undefined;
  #generation = 0;
  readonly #generations = new Map<number, Generation>();
  #loop: Promise<void> | undefined;
  #running = false;
  #bootEpoch = 0n;
  /** Content hashes of the current rules that name no path → rule index. */
  #hashRules = new Map<string, number>();
  /** The decision cache: `dev:ino:mtime:size` of files executed → their SHA-256 (LRU). */
  readonly #decisions = new Map<string, string>();
  readonly #limiter: ActionRateLimiter;
  readonly #protect: ReadonlySet<number>;
  /** Decisions taken, by action. */
  readonly counts = { blocked: 0, would_block: 0, failed: 0, killed: 0 };
  /**
   * Files hashed for content-hash rules, executions the decision cache
   * answered, files not hashed for a full queue, and files waiting now.
   */
  readonly hashing = { hashed: 0, cacheHits: 0, dropped: 0, pending: 0 };
  #hashQueue: Promise<void> = Promise.resolve();

  /** An enforcer over `opts`; nothing happens until `start`. */
  constructor(opts: EnforcerOptions) {
    this.#opts = opts;
    this.#log = opts.log ?? ((l) => console.error(l));
    this.#limiter = new ActionRateLimiter(opts.rateLimit);
    this.#protect = new Set([...opts.protect, 1, opts.selfTgid ?? Deno.pid]);
  }

  /** The chosen paths (after `start`). */
  get paths(): EnforcementPaths {
    return this.#paths;
  }

  /** The mode the kernel programs run in. */
  get mode(): EnforceMode {
    return this.#opts.mode;
  }

  /** What the last successful `setRules` (or re-resolution) made of the rules. */
  get plan(): EnforcementPlan | undefined {
    return this.#plan;
  }

  /** BPF programs attached now. */
  get programsAttached(): number {
    return this.#execLinks.length + this.#netLinks.length;
  }

  /**
   * Loads the objects and chooses the paths: throws `BpfError` when even the
   * signal object cannot load (no BPF here).
   */
  start(): void {
    const images = this.#opts.images ?? ENFORCE_OBJECTS;
    const notes: string[] = [];
    const exec = this.#exec = BpfObject.openMem(images.exec, "block_exec");
    try {
      exec.map("enforce_exec").setMaxEntries(Math.max(1, this.#opts.decisionCacheSize));
      exec.load();
      this.#writeConfig();
      this.#writeProtect();
      this.#writeLoaders();
      const lsm: EnforcementPaths["lsm"] = { attempted: false, ok: false };
      if (this.#opts.preferLsm !== false) {
        lsm.attempted = true;
        let stage = "load";
        try {
          const obj = this.#lsm = this.#shared(images.lsm, "block_exec_lsm");
          // Refused on most kernels: the outcome is reported in `paths`, not by libbpf.
          withoutLibbpfMessages(() => obj.load());
          // Attached at once: an LSM attach can fail where the load worked (bpf not in lsm=).
          stage = "attach";
          this.#execLinks = obj.programs().map((p) => obj.attach(p));
          lsm.ok = true;
        } catch (e) {
          if (!(e instanceof BpfError)) throw e;
          // As root, EPERM here means the kernel has no BPF LSM, not missing privileges.
          lsm.error = e.code === "EPERM"
            ? `${stage} failed: EPERM (kernel without CONFIG_BPF_LSM, or "bpf" not in the lsm= list)`
            : `${stage} failed: ${e.message}`;
          this.#execLinks.forEach((l) => l.destroy());
          this.#execLinks = [];
          this.#lsm?.close();
          this.#lsm = undefined;
        }
      }
      let connect: "cgroup" | "none" = "none";
      const cgroup = this.#opts.cgroupPath ?? cgroupV2Root();
      if (cgroup === undefined) notes.push("no cgroup v2 mount: connections cannot be blocked");
      else {
        try {
          this.#connect = this.#shared(images.connect, "block_connect");
          this.#connect.load();
          this.#cgroupFd = openDirectory(cgroup);
          connect = "cgroup";
        } catch (e) {
          notes.push(`connections cannot be blocked: ${(e as Error).message}`);
          this.#connect?.close();
          this.#connect = undefined;
        }
      }
      this.#paths = {
        exec: lsm.ok ? "lsm" : "signal",
        lsm,
        connect,
        ...(connect === "cgroup" ? { cgroup } : {}),
        notes,
      };
      this.#bootEpoch = bootEpochNs();
      this.#ring = RingBuffer.open(exec.map("enforce_events").fd, RING_BYTES);
    } catch (e) {
      this.#close();
      throw e;
    }
    this.#running = true;
    this.#loop = this.#read();
    const every = this.#opts.recheckMs ?? 1000;
    if (every > 0) {
      const timer = this.#recheckTimer = setInterval(() => this.recheck(), every);
      Deno.unrefTimer(timer);
    }
  }

  /**
   * Re-resolves the rules when one of their paths names another file than
   * when they were set (replaced, removed or created since). Returns whether
   * it did; failures are logged and the entries in force are kept.
   */
  recheck(): boolean {
    if (!this.#running) return false;
    let changed = false;
    for (const [path, pin] of this.#pins) {
      const now = fileId(path);
      if (now === undefined || now.ino !== pin.ino || now.dev !== pin.dev) changed = true;
    }
    for (const path of this.#missing) if (fileId(path) !== undefined) changed = true;
    if (!changed) return false;
    try {
      const plan = this.setRules(this.#rules);
      this.#log(`kestrel: a blocked path names another file now: rules resolved again`);
      for (const n of plan.notes) this.#log(`kestrel: ${n}`);
    } catch (e) {
      this.#log(`kestrel: cannot resolve the block rules again: ${(e as Error).message}`);
    }
    return true;
  }

  /** A second object whose `enforce_*` maps are the exec object's. */
  #shared(image: Uint8Array, name: string): BpfObject {
    const obj = BpfObject.openMem(image, name);
    try {
      for (
        const m of [
          "enforce_cfg",
          "enforce_exec",
          "enforce_net",
          "enforce_protect",
          "enforce_rate",
          "enforce_loader",
          "enforce_events",
        ]
      ) {
        obj.map(m).reuseFd(this.#map(m).fd);
      }
    } catch (e) {
      obj.close();
      throw e;
    }
    return obj;
  }

  #map(name: string): BpfMap {
    if (!this.#exec) throw new Error("the enforcer is not started");
    return this.#exec.map(name);
  }

  #writeConfig(): void {
    const v = new Uint8Array(24);
    const dv = new DataView(v.buffer);
    dv.setUint32(0, this.#opts.mode === "enforce" ? MODE_ENFORCE : 0, true);
    dv.setUint32(4, this.#opts.rateLimit >>> 0, true);
    dv.setUint32(8, this.#opts.selfTgid ?? Deno.pid, true);
    dv.setUint32(12, this.#generation, true);
    dv.setUint32(16, this.#hashRules.size > 0 ? 1 : 0, true);
    this.#map("enforce_cfg").update(new Uint8Array(4), v);
  }

  #writeLoaders(): void {
    this.#loaders = loaderFiles(fileId);
    const map = this.#map("enforce_loader");
    for (const { ino, dev } of this.#loaders.values()) {
      const k = new Uint8Array(16);
      new DataView(k.buffer).setBigUint64(0, ino, true);
      new DataView(k.buffer).setUint32(8, dev, true);
      map.update(k, new Uint8Array([1]));
    }
  }

  #writeProtect(): void {
    const map = this.#map("enforce_protect");
    for (const pid of this.#opts.protect) {
      const k = new Uint8Array(4);
      new DataView(k.buffer).setUint32(0, pid, true);
      map.update(k, new Uint8Array([1]));
    }
  }

  /**
   * Writes the block rules of `rules` into the kernel (replacing what was
   * there), attaching or detaching programs as they are needed. Paths are
   * resolved now. Returns which rules the kernel enforces.
   */
  setRules(rules: readonly LoadedRule[]): EnforcementPlan {
    const plan: EnforcementPlan = {
      kernelRules: new Set(),
      execPaths: new Map(),
      unenforceable: new Map(),
      execEntries: 0,
      netEntries: 0,
      notes: [],
    };
    const generation = ++this.#generation;
    const execEntries = new Map<string, Uint8Array>(); // key hex → key bytes
    const netEntries = new Map<string, Uint8Array>();
    const values = new Map<string, Uint8Array>();
    const paths = new Map<string, string>();
    const hashRules = new Map<string, number>();
    const pins = new Map<string, Pin>();
    const missing = new Set<string>();
    const pin = (path: string): Pin | undefined => {
      const had = pins.get(path);
      if (had) return had;
      const p = pinFile(path);
      if (p) pins.set(path, p);
      else missing.add(path);
      return p;
    };
    try {
      this.#plan = this.#apply(rules, plan, generation, pin, {
        execEntries,
        netEntries,
        values,
        paths,
        hashRules,
      });
    } catch (e) {
      for (const p of pins.values()) closeFd(p.fd);
      this.#generation = generation - 1;
      this.#generations.delete(generation);
      throw e;
    }
    for (const p of this.#pins.values()) closeFd(p.fd);
    this.#pins = pins;
    this.#missing = missing;
    this.#rules = rules;
    return plan;
  }

  #apply(
    rules: readonly LoadedRule[],
    plan: EnforcementPlan,
    generation: number,
    pin: (path: string) => Pin | undefined,
    { execEntries, netEntries, values, paths, hashRules }: {
      execEntries: Map<string, Uint8Array>;
      netEntries: Map<string, Uint8Array>;
      values: Map<string, Uint8Array>;
      paths: Map<string, string>;
      hashRules: Map<string, number>;
    },
  ): EnforcementPlan {
    rules.forEach((rule, index) => {
      if (rule.action !== "block") return;
      const p: BlockPlan = planBlock(rule);
      if (p.kind === "none") {
        plan.unenforceable.set(rule.id, p.reason);
        return;
      }
      if (p.kind === "exec" && this.#paths.exec === "none") {
        plan.unenforceable.set(rule.id, "exec blocking is not available here");
        return;
      }
      if (p.kind === "connect" && this.#paths.connect === "none") {
        plan.unenforceable.set(rule.id, `connection blocking is not available here`);
        return;
      }
      if (p.kind === "exec") {
        // A library or the loader would stop every program loading it: refused as a whole.
        for (const t of p.targets) {
          const file = t.path === undefined ? undefined : pin(t.path);
          const why = file && refusedTarget(`/proc/self/fd/${file.fd}`, this.#loaders, file);
          if (why) {
            plan.unenforceable.set(rule.id, why.replace(`/proc/self/fd/${file.fd}`, t.path!));
            return;
          }
        }
      }
      const value = new Uint8Array(8);
      new DataView(value.buffer).setUint32(0, index, true);
      new DataView(value.buffer).setUint32(4, generation, true);
      plan.kernelRules.add(rule.id);
      if (p.kind === "exec") {
        const written = new Set<string>();
        plan.execPaths.set(rule.id, written);
        for (const t of p.targets) {
          if (t.path === undefined) {
            // Content only: decided when such a file is executed (see #onWatch).
            if (!hashRules.has(t.sha256!)) hashRules.set(t.sha256!, index);
            continue;
          }
          const file = pin(t.path);
          if (file === undefined) {
            plan.notes.push(`rule ${rule.id}: ${t.path} does not exist: nothing to block`);
            continue;
          }
          if (t.sha256 !== undefined && sha256Of(`/proc/self/fd/${file.fd}`) !== t.sha256) {
            plan.notes.push(`rule ${rule.id}: ${t.path} does not have SHA-256 ${t.sha256}`);
            continue;
          }
          let parent = { ino: 0n, dev: 0 };
          if (t.parentPath !== undefined) {
            const pf = pin(t.parentPath);
            if (pf === undefined) {
              plan.notes.push(`rule ${rule.id}: ${t.parentPath} does not exist: nothing to block`);
              continue;
            }
            parent = pf;
          }
          const key = execKey(file.ino, file.dev, parent.ino, parent.dev);
          const hex = hexOf(key);
          // The first rule naming a file keeps it (rule order).
          if (!execEntries.has(hex)) {
            execEntries.set(hex, key);
            values.set(hex, value);
          }
          paths.set(`${file.ino}:${file.dev}`, t.path);
          written.add(t.path);
        }
      } else {
        for (const t of p.targets) {
          const ip = t.ip === undefined ? undefined : parseIp(t.ip);
          // Any address: one entry per family.
          const families: (4 | 6)[] = ip ? [ip.family] : [4, 6];
          for (const family of families) {
            const key = netKey(family, t.port ?? 0, ip?.bytes ?? new Uint8Array(16));
            const hex = hexOf(key);
            if (!netEntries.has(hex)) {
              netEntries.set(hex, key);
              values.set(hex, value);
            }
          }
        }
      }
    });
    if (execEntries.size > Math.max(1, this.#opts.decisionCacheSize)) {
      throw new Error(
        `${execEntries.size} executables to block exceed [security] block_decision_cache_size (${this.#opts.decisionCacheSize})`,
      );
    }
    this.#generations.set(generation, { rules, paths });
    const oldExec = new Map(this.#execEntries);
    const oldNet = new Map(this.#netEntries);
    try {
      this.#replace(this.#map("enforce_exec"), this.#execEntries, execEntries, values);
      this.#replace(this.#map("enforce_net"), this.#netEntries, netEntries, values);
    } catch (e) {
      // Back to the entries in force before (they fitted: the new ones are deleted first).
      try {
        this.#replace(this.#map("enforce_exec"), this.#execEntries, oldExec, oldExec);
        this.#replace(this.#map("enforce_net"), this.#netEntries, oldNet, oldNet);
      } catch (again) {
        this.#log(`kestrel: cannot restore the block maps: ${(again as Error).message}`);
      }
      throw e;
    }
    // Verdicts of the previous generation may still be in the ring: keep it, drop older ones.
    for (const g of this.#generations.keys()) if (g < generation - 1) this.#generations.delete(g);
    this.#hashRules = hashRules;
    this.#writeConfig();
    plan.execEntries = execEntries.size;
    plan.netEntries = netEntries.size;
    this.#attachAsNeeded(execEntries.size > 0 || hashRules.size > 0, netEntries.size > 0);
    return plan;
  }

  /**
   * Makes `map` hold the keys of `next` (values from `values`), keeping
   * `live` equal to what the map holds after every step. Removed keys go
   * first, so a ruleset that fits the map alone never fails for want of room.
   */
  #replace(
    map: BpfMap,
    live: Map<string, Uint8Array>,
    next: Map<string, unknown>,
    values: Map<string, Uint8Array>,
  ): void {
    for (const hex of [...live.keys()]) {
      if (next.has(hex)) continue;
      map.delete(bytesOf(hex));
      live.delete(hex);
    }
    for (const hex of next.keys()) {
      const value = values.get(hex)!;
      map.update(bytesOf(hex), value);
      live.set(hex, value);
    }
  }

  #attachAsNeeded(exec: boolean, net: boolean): void {
    if (this.#paths.exec === "signal") {
      if (exec && this.#execLinks.length === 0) {
        const obj = this.#exec!;
        this.#execLinks = obj.programs().map((p) => obj.attach(p));
      } else if (!exec && this.#execLinks.length) {
        this.#execLinks.forEach((l) => l.destroy());
        this.#execLinks = [];
      }
    }
    if (this.#paths.connect === "cgroup") {
      if (net && this.#netLinks.length === 0) {
        const obj = this.#connect!;
        this.#netLinks = obj.programs().map((p) => obj.attachCgroup(p, this.#cgroupFd));
      } else if (!net && this.#netLinks.length) {
        this.#netLinks.forEach((l) => l.destroy());
        this.#netLinks = [];
      }
    }
  }

  /** One line describing the paths, for the log and `/api/v1/health`. */
  describe(): string {
    const p = this.#paths;
    const exec = p.exec === "lsm"
      ? "exec: lsm (bprm_check_security and mmap_file refuse with EPERM)"
      : p.exec === "signal"
      ? `exec: signal (SIGKILL at sched_process_exec and executable mmap/mprotect; BPF LSM ${
        p.lsm.attempted ? `refused: ${p.lsm.error}` : "not tried"
      })`
      : "exec: none";
    const connect = p.connect === "cgroup"
      ? `connect: cgroup (connect4/connect6 on ${p.cgroup} refuse with EPERM)`
      : "connect: none";
    return `${this.#opts.mode}; ${exec}; ${connect}; kill: pidfd (pid and start time checked)`;
  }

  async #read(): Promise<void> {
    const ring = this.#ring!;
    while (this.#running) {
      await ring.wait(250);
      this.#drain();
    }
  }

  #drain(): void {
    this.#ring?.consume((view, offset, length) => {
      const v = decodeVerdict(view, offset, length, this.#bootEpoch);
      if (v === undefined) return;
      if (v.action === "watch") {
        this.#onWatch(v);
        return;
      }
      const g = this.#generations.get(v.generation);
      if (g && v.ino !== 0n) v.path = g.paths.get(`${v.ino}:${v.dev}`);
      this.#report(v, g?.rules[v.rule]);
    });
  }

  #report(v: Verdict, rule: LoadedRule | undefined): void {
    if (v.action === "watch") return;
    this.counts[v.action]++;
    try {
      this.#opts.onVerdict(v, rule);
    } catch (e) {
      this.#log(`kestrel: enforcement verdict handler failed: ${(e as Error).message}`);
    }
  }

  /**
   * An exec of a file not in the kernel's map while content-hash rules
   * exist: hash it (through the decision cache) and, when a rule names the
   * hash, put the file into the map — later execs are refused in the kernel
   * — and kill this process (it has started: pid and start time checked).
   * The file is opened at once (while the process runs it); a file not in
   * the cache is hashed in the background, one at a time, in chunks, so
   * collection is not held up by a large binary.
   */
  #onWatch(v: Verdict): void {
    if (this.#hashRules.size === 0) return;
    const run = openRun(v);
    if (run === undefined) return;
    const { file, path } = run;
    let queued = false;
    try {
      const st = file.statSync();
      if (st.size > HASH_MAX_BYTES) {
        this.#log(`kestrel: ${path} is over ${HASH_MAX_BYTES >> 20} MiB: not hashed`);
        return;
      }
      const key = `${v.dev}:${v.ino}:${st.mtime?.getTime()}:${st.size}`;
      const cached = this.#decisions.get(key);
      if (cached !== undefined) {
        this.#decisions.delete(key); // most recently used last
        this.#decisions.set(key, cached);
        this.hashing.cacheHits++;
        this.#decide(v, path, cached);
        return;
      }
      if (this.hashing.pending >= HASH_QUEUE_MAX) {
        this.hashing.dropped++;
        this.#log(`kestrel: ${HASH_QUEUE_MAX} files wait for hashing: ${path} not hashed`);
        return;
      }
      this.hashing.pending++;
      queued = true;
      this.#hashQueue = this.#hashQueue.then(async () => {
        try {
          const sha = await sha256OfFile(file);
          this.hashing.hashed++;
          this.#decisions.set(key, sha);
          const cap = Math.max(1, this.#opts.decisionCacheSize);
          while (this.#decisions.size > cap) {
            this.#decisions.delete(this.#decisions.keys().next().value!);
          }
          if (this.#exec !== undefined) this.#decide(v, path, sha);
        } catch (e) {
          this.#log(`kestrel: cannot hash ${path}: ${(e as Error).message}`);
        } finally {
          file.close();
          this.hashing.pending--;
        }
      });
    } catch (e) {
      this.#log(`kestrel: cannot hash ${path}: ${(e as Error).message}`);
    } finally {
      if (!queued) file.close();
    }
  }

  /** Acts on a watched exec whose file has SHA-256 `sha` (see `#onWatch`). */
  #decide(v: Verdict, path: string, sha: string): void {
    const index = this.#hashRules.get(sha);
    if (index === undefined) return;
    const generation = this.#generation;
    const rule = this.#generations.get(generation)?.rules[index];
    // Later execs of this file are decided in the kernel, before they run.
    const key = execKey(v.ino, v.dev, 0n, 0);
    const value = new Uint8Array(8);
    new DataView(value.buffer).setUint32(0, index, true);
    new DataView(value.buffer).setUint32(4, generation, true);
    try {
      this.#map("enforce_exec").update(key, value);
      this.#execEntries.set(hexOf(key), value);
    } catch (e) {
      this.#log(`kestrel: cannot add ${path} to the exec block map: ${(e as Error).message}`);
    }
    const out: Verdict = { ...v, rule: index, generation, path };
    if (this.#opts.mode !== "enforce") {
      this.#report({ ...out, action: "would_block" }, rule);
    } else if (!this.#limiter.take()) {
      this.#report({
        ...out,
        action: "failed",
        error: "[security] block_rate_limit reached: not killed",
      }, rule);
    } else {
      // The host part of the entity is the same on both sides of the check: any constant does.
      const entity = entityId("local", v.tgid, ticksFromBootNs(v.startBootNs));
      const r = killProcess({ pid: v.tgid, entityId: entity }, {
        hostId: "local",
        protect: this.#protect,
      });
      this.#report(
        r.ok ? { ...out, action: "killed" } : {
          ...out,
          action: "failed",
          error: `found by its content hash after it started; ${r.error}`,
        },
        rule,
      );
    }
  }

  /** Resolves once the files waiting for hashing have been decided (tests, `stop`). */
  async settled(): Promise<void> {
    while (this.hashing.pending > 0) await this.#hashQueue;
  }

  /** Reads the verdicts already in the ring now (tests; the loop does it otherwise). */
  flush(): void {
    this.#drain();
  }

  /** Detaches and closes everything, after handing over the verdicts still queued (idempotent). */
  async stop(): Promise<void> {
    if (!this.#running) return this.#close();
    this.#running = false;
    clearInterval(this.#recheckTimer);
    this.#execLinks.forEach((l) => l.destroy());
    this.#netLinks.forEach((l) => l.destroy());
    this.#ring?.interrupt();
    await this.#loop;
    this.#drain();
    await this.settled();
    this.#close();
  }

  #close(): void {
    for (const p of this.#pins.values()) closeFd(p.fd);
    this.#pins = new Map();
    this.#execLinks = [];
    this.#netLinks = [];
    this.#ring?.close();
    this.#ring = undefined;
    if (this.#cgroupFd >= 0) closeFd(this.#cgroupFd);
    this.#cgroupFd = -1;
    this.#lsm?.close();
    this.#connect?.close();
    this.#exec?.close();
    this.#lsm = this.#connect = this.#exec = undefined;
  }
}

/** The kernel's device number (major << 20 | minor) of a `stat` st_dev. */
export function kernelDev(stDev: number): number {
  const d = BigInt(stDev);
  const major = Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
  const minor = Number((d & 0xffn) | ((d >> 12n) & ~0xffn));
  return ((major << 20) | minor) >>> 0;
}

/** Inode and kernel device of the file `path` names (symlinks followed), or undefined. */
export function fileId(path: string): { ino: bigint; dev: number } | undefined {
  try {
    const st = Deno.statSync(path);
    if (!st.isFile || st.ino === null || st.dev === null) return undefined;
    return { ino: BigInt(st.ino), dev: kernelDev(st.dev) };
  } catch {
    return undefined;
  }
}

/** Opens `path` (O_PATH) when it is a regular file: the pin and the file's inode and device. */
function pinFile(path: string): Pin | undefined {
  let fd: number;
  try {
    fd = openPath(path);
  } catch {
    return undefined;
  }
  // The opened file itself, whatever `path` names by now.
  const id = fileId(`/proc/self/fd/${fd}`);
  if (id === undefined) {
    closeFd(fd);
    return undefined;
  }
  return { fd, ...id };
}

/** SHA-256 of `file` read in 1 MiB chunks (other work runs between them). */
async function sha256OfFile(file: Deno.FsFile): Promise<string> {
  const h = createHash("sha256");
  const buf = new Uint8Array(1 << 20);
  for (let n = await file.read(buf); n !== null; n = await file.read(buf)) {
    h.update(buf.subarray(0, n));
  }
  return h.digest("hex");
}

/**
 * The file a watched exec runs, opened, with the name to report: the
 * process's `/proc/<tgid>/exe`, or — when that is another image (under BPF
 * LSM the exec has not happened yet) or gone — the name execve was given,
 * if it is the same inode.
 */
function openRun(v: Verdict): { file: Deno.FsFile; path: string } | undefined {
  const exe = `/proc/${v.tgid}/exe`;
  for (const candidate of [exe, ...(v.filename.startsWith("/") ? [v.filename] : [])]) {
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(candidate);
    } catch {
      continue;
    }
    try {
      const st = file.statSync();
      if (
        st.ino !== null && st.dev !== null && BigInt(st.ino) === v.ino &&
        kernelDev(st.dev) === v.dev
      ) {
        return { file, path: candidate === exe ? Deno.readLinkSync(exe) : candidate };
      }
    } catch {
      // Gone meanwhile: try the next name.
    }
    file.close();
  }
  return undefined;
}

function sha256Of(path: string): string | undefined {
  try {
    return createHash("sha256").update(Deno.readFileSync(path)).digest("hex");
  } catch {
    return undefined;
  }
}

function execKey(ino: bigint, dev: number, pino: bigint, pdev: number): Uint8Array {
  const k = new Uint8Array(32);
  const dv = new DataView(k.buffer);
  dv.setBigUint64(0, ino, true);
  dv.setUint32(8, dev, true);
  dv.setBigUint64(16, pino, true);
  dv.setUint32(24, pdev, true);
  return k;
}

function netKey(family: 4 | 6, port: number, addr: Uint8Array): Uint8Array {
  const k = new Uint8Array(24);
  const dv = new DataView(k.buffer);
  dv.setUint16(0, family === 4 ? 2 : 10, true);
  dv.setUint16(2, port, true);
  k.set(addr.subarray(0, 16), 8);
  return k;
}

function hexOf(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function bytesOf(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The mount point of the cgroup v2 hierarchy (the unified one of a hybrid layout), if mounted. */
export function cgroupV2Root(mounts = "/proc/mounts"): string | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(mounts);
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    // Mount points escape spaces as \040.
    if (f[2] === "cgroup2") {
      return f[1].replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    }
  }
  return undefined;
}
