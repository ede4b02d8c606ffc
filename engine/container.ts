/**
 * `container.id` from a record's cgroup id. The kernel reports the cgroup
 * v2 id of the acting task, which is the inode number of its directory in
 * the cgroup v2 hierarchy; user space finds that directory by walking the
 * cgroup v2 mount (from `/proc/mounts`: `/sys/fs/cgroup`, or
 * `/sys/fs/cgroup/unified` on hybrid hosts), caches inode → path, and reads
 * the container id out of the path the runtime chose:
 *
 * | runtime | cgroup path (last components) |
 * |---|---|
 * | Docker, cgroupfs driver | `/docker/<id>` |
 * | Docker, systemd driver | `/system.slice/docker-<id>.scope` |
 * | containerd (Kubernetes) | `/kubepods/…/pod<uid>/<id>`, `…/cri-containerd-<id>.scope` |
 * | CRI-O | `…/crio-<id>.scope` (`crio-conmon-<id>.scope` is the monitor, not the container) |
 * | Podman | `…/libpod-<id>.scope`, `…/libpod-<id>.scope/container` (`libpod-conmon-…` excluded) |
 * | containerd / nerdctl | `/<namespace>/<id>`, `…/nerdctl-<id>.scope` |
 *
 * The id is the innermost 64-hex component (Docker in Docker nests them).
 *
 * @module
 */

/** Resolves cgroup ids to container ids; the decoder's view of this module. */
export interface ContainerResolver {
  /** The container id of cgroup `cgroupId`, or `undefined` outside containers or when unknown. */
  containerId(cgroupId: bigint): string | undefined;
}

const ID =
  /^(?:(?:docker|cri-containerd|crio|libpod|nerdctl|containerd)-)?([0-9a-f]{64})(?:\.scope)?$/;

/**
 * The container id in a cgroup path (`/system.slice/docker-<64 hex>.scope`
 * → `<64 hex>`), or `undefined` when the path names no container.
 */
export function containerIdFromCgroupPath(path: string): string | undefined {
  const parts = path.split("/");
  for (let i = parts.length - 1; i >= 0; i--) {
    const m = ID.exec(parts[i]);
    if (m) return m[1];
  }
  return undefined;
}

/** The mount point of the cgroup v2 hierarchy in a `/proc/mounts` text, if mounted. */
export function cgroup2Mount(mounts: string): string | undefined {
  for (const line of mounts.split("\n")) {
    const f = line.split(" ");
    // Mount points escape spaces and the like as octal (\040).
    if (f.length >= 3 && f[2] === "cgroup2") {
      return f[1].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    }
  }
  return undefined;
}

/** Options of {@link CgroupResolver}. */
export interface CgroupResolverOptions {
  /** The cgroup v2 mount (default: found in `/proc/mounts`). */
  root?: string;
  /** At most one walk of the hierarchy per this many milliseconds (default 1,000). */
  rescanIntervalMs?: number;
  /** Directories visited per walk and paths cached (default 65,536). */
  maxEntries?: number;
  /** Clock for the rescan interval (tests). */
  now?: () => number;
}

/**
 * Maps cgroup ids to paths by walking the cgroup v2 mount, and paths to
 * container ids. An id not in the cache triggers a new walk, at most once
 * per `rescanIntervalMs` (a container started since the last walk is found
 * by the next one); walks add to the cache rather than replace it, so
 * events retained after their container ended still resolve. Never throws:
 * an unreadable hierarchy resolves nothing.
 */
export class CgroupResolver implements ContainerResolver {
  readonly #root: string | undefined;
  readonly #interval: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #paths = new Map<bigint, string>();
  readonly #ids = new Map<bigint, string | null>();
  #lastScan = -Infinity;
  /** Walks of the hierarchy done so far. */
  scans = 0;

  /** A resolver over `opts.root`, or the cgroup v2 mount of this host. */
  constructor(opts: CgroupResolverOptions = {}) {
    this.#root = opts.root ?? findCgroup2Root();
    this.#interval = opts.rescanIntervalMs ?? 1_000;
    this.#max = opts.maxEntries ?? 65_536;
    this.#now = opts.now ?? (() => performance.now());
  }

  /** The path of cgroup `cgroupId` below the mount (`/` for the root), if found. */
  path(cgroupId: bigint): string | undefined {
    const known = this.#paths.get(cgroupId);
    if (known !== undefined || this.#root === undefined) return known;
    const now = this.#now();
    if (now - this.#lastScan < this.#interval) return undefined;
    this.#lastScan = now;
    this.#scan(this.#root);
    return this.#paths.get(cgroupId);
  }

  containerId(cgroupId: bigint): string | undefined {
    const cached = this.#ids.get(cgroupId);
    if (cached !== undefined) return cached ?? undefined;
    const path = this.path(cgroupId);
    if (path === undefined) return undefined; // unknown yet: ask again later
    const id = containerIdFromCgroupPath(path) ?? null;
    if (this.#ids.size >= this.#max) this.#ids.clear();
    this.#ids.set(cgroupId, id);
    return id ?? undefined;
  }

  #scan(root: string): void {
    this.scans++;
    if (this.#paths.size >= this.#max) this.#paths.clear(); // bounded; rebuilt below
    const stack: string[] = [""];
    let visited = 0;
    while (stack.length > 0 && visited < this.#max) {
      const rel = stack.pop()!;
      visited++;
      const dir = root + rel;
      try {
        const ino = Deno.statSync(dir).ino;
        if (ino !== null) this.#paths.set(BigInt(ino), rel === "" ? "/" : rel);
        for (const e of Deno.readDirSync(dir)) {
          if (e.isDirectory) stack.push(`${rel}/${e.name}`);
        }
      } catch {
        // Removed while walking, or not readable: skip it.
      }
    }
  }
}

function findCgroup2Root(): string | undefined {
  try {
    return cgroup2Mount(Deno.readTextFileSync("/proc/mounts"));
  } catch {
    return undefined;
  }
}
