/**
 * Enforcement decisions: what a rule's `action` means for a match, which
 * block rules the kernel can enforce before the action happens, and the
 * safety rules every action obeys.
 *
 * - `alert` rules only alert.
 * - `block` rules act before the exec or the connection: those whose query
 *   reduces to executables (`process.executable`, optionally with
 *   `process.parent.executable` and `process.hash.sha256`, or a
 *   `process.hash.sha256` alone) or to
 *   destinations (`destination.ip`, `destination.port`) become kernel
 *   entries (see {@link planBlock}); their alerts come from the kernel's
 *   verdicts. Any other block rule cannot be enforced in time: its matches
 *   alert with action `failed` and the reason.
 * - `kill` rules kill the process of the match's last event, after
 *   checking it is still the same process instance (see `./kill.ts`).
 * - In `detect` mode nothing is done: the alerts say `would_block` /
 *   `would_kill`.
 *
 * Never acted on: pid 1, the sensor itself and its ancestors. Actions are
 * rate limited (`[security] block_rate_limit` per second).
 *
 * @module
 */
import type { IrExpr, RuleIR } from "../eql/ir.ts";
import { parseProcStat } from "./procs.ts";

/** `[general] mode` as far as enforcement is concerned. */
export type EnforceMode = "detect" | "enforce";

/** An executable a block rule names: by path, or by content alone. */
export interface ExecTarget {
  /**
   * Absolute path; resolved to inode and device when the rules are loaded.
   * Absent for a rule naming only a content hash: files are then hashed
   * as they are executed.
   */
  path?: string;
  /** Only when the parent process runs this file. */
  parentPath?: string;
  /** Only when the file's content has this SHA-256 (lower-case hex). */
  sha256?: string;
}

/** A destination a block rule names. */
export interface NetTarget {
  /** IPv4 or IPv6 address text; undefined: any address. */
  ip?: string;
  /** Port; undefined: any port. */
  port?: number;
}

/** How a block rule is enforced. */
export type BlockPlan =
  | { kind: "exec"; targets: ExecTarget[] }
  | { kind: "connect"; targets: NetTarget[] }
  | { kind: "none"; reason: string };

/** What a block rule needs of a rule. */
export interface PlannableRule {
  ir: RuleIR;
}

/** Values of the fields that only say "an exec" or "a connection attempt". */
const EXEC_CONTEXT: Readonly<Record<string, readonly string[]>> = {
  "event.category": ["process"],
  "event.type": ["start"],
  "event.action": ["exec", "executed"],
};
const CONNECT_CONTEXT: Readonly<Record<string, readonly string[]>> = {
  "event.category": ["network"],
  "event.type": ["start", "connection"],
  "event.action": ["connection_attempted"],
  "network.direction": ["egress", "outbound"],
};

/**
 * Reduces a block rule to kernel entries: an event rule whose condition is
 * a conjunction of exact (case-sensitive, no wildcard) tests — `==` or
 * `in`, or an `or` of them on one field — on the executable fields for
 * process rules, or on `destination.ip` / `destination.port` for network
 * rules, besides tests that only restate the kind of event. Anything else
 * gives `none` with the reason.
 */
export function planBlock(rule: PlannableRule): BlockPlan {
  const ir = rule.ir;
  if (ir.kind !== "event" || ir.query === undefined) {
    return none("a sequence is only known once its last event has happened");
  }
  if (ir.pipes.length) return none("a rule with pipes cannot be decided on one event");
  const category = ir.query.category;
  const conjuncts = flattenAnd(ir.query.predicate);
  const values = new Map<string, (string | number)[]>();
  const context = category === "network" ? CONNECT_CONTEXT : EXEC_CONTEXT;
  for (const c of conjuncts) {
    const test = exactTest(c);
    if (typeof test === "string") return none(test);
    const { field } = test;
    const allowed = context[field];
    if (allowed !== undefined) {
      if (!test.values.every((v) => typeof v === "string" && allowed.includes(v))) {
        return none(`${field} ${show(test.values)} is not ${allowed.join(" or ")}`);
      }
      continue;
    }
    if (values.has(field)) {
      // Two tests on one field: only the common values can match.
      const before = values.get(field)!;
      values.set(field, before.filter((v) => test.values.includes(v)));
    } else values.set(field, test.values);
  }
  const kind = category === "network"
    ? "connect"
    : category === "process"
    ? "exec"
    : values.has("destination.ip") || values.has("destination.port")
    ? "connect"
    : "exec";
  const known = kind === "exec"
    ? ["process.executable", "process.parent.executable", "process.hash.sha256"]
    : ["destination.ip", "destination.port"];
  for (const f of values.keys()) {
    if (!known.includes(f)) {
      return none(`${f} is not known when the ${kind} is decided (only ${known.join(", ")})`);
    }
  }
  return kind === "exec" ? execPlan(values) : connectPlan(values);
}

function execPlan(values: Map<string, (string | number)[]>): BlockPlan {
  const hashes = values.get("process.hash.sha256") ?? [undefined];
  const paths = values.get("process.executable") ??
    (hashes[0] !== undefined ? [undefined] : undefined);
  if (paths === undefined) {
    return none('no process.executable == "/path" or process.hash.sha256 test names the file');
  }
  const parents = values.get("process.parent.executable") ?? [undefined];
  const targets: ExecTarget[] = [];
  for (const p of paths) {
    if (p === undefined && parents[0] !== undefined) {
      return none("a parent can only be given with process.executable");
    }
    if (p !== undefined && (typeof p !== "string" || !p.startsWith("/"))) {
      return none(`process.executable ${JSON.stringify(p)} is not an absolute path`);
    }
    for (const parent of parents) {
      if (parent !== undefined && (typeof parent !== "string" || !parent.startsWith("/"))) {
        return none(`process.parent.executable ${JSON.stringify(parent)} is not an absolute path`);
      }
      for (const h of hashes) {
        if (h !== undefined && (typeof h !== "string" || !/^[0-9a-fA-F]{64}$/.test(h))) {
          return none(`process.hash.sha256 ${JSON.stringify(h)} is not a SHA-256`);
        }
        targets.push({
          ...(p !== undefined ? { path: p as string } : {}),
          ...(parent !== undefined ? { parentPath: parent as string } : {}),
          ...(h !== undefined ? { sha256: (h as string).toLowerCase() } : {}),
        });
      }
    }
  }
  return targets.length ? { kind: "exec", targets } : none("the tests exclude each other");
}

function connectPlan(values: Map<string, (string | number)[]>): BlockPlan {
  // Without either, the entry would be all zeros: it blocks nothing, yet would count as enforced.
  if (!values.has("destination.ip") && !values.has("destination.port")) {
    return none("no destination.ip or destination.port names the destination");
  }
  const ips = values.get("destination.ip") ?? [undefined];
  const ports = values.get("destination.port") ?? [undefined];
  const targets: NetTarget[] = [];
  for (const ip of ips) {
    if (ip !== undefined && (typeof ip !== "string" || parseIp(ip) === undefined)) {
      return none(`destination.ip ${JSON.stringify(ip)} is not an IP address`);
    }
    for (const port of ports) {
      if (
        port !== undefined &&
        (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535)
      ) {
        return none(`destination.port ${JSON.stringify(port)} is not a port`);
      }
      targets.push({
        ...(ip !== undefined ? { ip: ip as string } : {}),
        ...(port !== undefined ? { port: port as number } : {}),
      });
    }
  }
  return targets.length ? { kind: "connect", targets } : none("the tests exclude each other");
}

function none(reason: string): BlockPlan {
  return { kind: "none", reason };
}

function flattenAnd(e: IrExpr): IrExpr[] {
  return e.op === "and" ? e.args.flatMap(flattenAnd) : [e];
}

function show(values: readonly unknown[]): string {
  return values.length === 1 ? `== ${JSON.stringify(values[0])}` : `in ${JSON.stringify(values)}`;
}

/** An exact test `field == const`, `field in (consts)`, or an `or` of such tests on one field. */
function exactTest(e: IrExpr): { field: string; values: (string | number)[] } | string {
  if (e.op === "or") {
    let field: string | undefined;
    const values: (string | number)[] = [];
    for (const a of e.args) {
      const t = exactTest(a);
      if (typeof t === "string") return t;
      if (field !== undefined && t.field !== field) {
        return `an "or" over ${field} and ${t.field} cannot be enforced as one entry`;
      }
      field = t.field;
      values.push(...t.values);
    }
    return { field: field!, values };
  }
  if (e.op === "compare") {
    if (e.cmp !== "==" || e.caseInsensitive || e.wildcard) return unsupported(e);
    const [f, c] = e.left.op === "field" ? [e.left, e.right] : [e.right, e.left];
    if (f.op !== "field" || c.op !== "const" || f.index !== undefined) return unsupported(e);
    const v = c.value;
    if (typeof v !== "string" && typeof v !== "number") return unsupported(e);
    return { field: f.name, values: [v] };
  }
  if (e.op === "in") {
    if (e.negated || e.caseInsensitive || e.wildcard || e.subject.op !== "field") {
      return unsupported(e);
    }
    const values: (string | number)[] = [];
    for (const v of e.values) {
      if (v.op !== "const" || (typeof v.value !== "string" && typeof v.value !== "number")) {
        return unsupported(e);
      }
      values.push(v.value);
    }
    return { field: e.subject.name, values };
  }
  return unsupported(e);
}

function unsupported(e: IrExpr): string {
  const what = e.op === "compare"
    ? `a "${e.cmp}"${e.caseInsensitive || e.wildcard ? " (case-insensitive or wildcard)" : ""} test`
    : e.op === "in"
    ? `a${e.negated ? " negated" : ""} "in"${e.caseInsensitive ? " (case-insensitive)" : ""} test`
    : e.op === "match"
    ? "a wildcard or regex match"
    : e.op === "call"
    ? `a ${e.fn}() call`
    : `a "${e.op}" expression`;
  return `${what} is not an exact identity the kernel can look up`;
}

/** The 16 address bytes (IPv4 in the first 4) and family of an IP address text, or undefined. */
export function parseIp(text: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    const bytes = new Uint8Array(16);
    bytes.set(parts);
    return { family: 4, bytes };
  }
  if (!text.includes(":") || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const four = parseIp(p);
        if (four?.family !== 4) return undefined;
        const b = four.bytes;
        out.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]), tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const all = [...head, ...new Array(halves.length === 2 ? fill : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  // ::ffff:a.b.c.d reaches an IPv4 destination: the kernel sees it as one.
  if (all.slice(0, 5).every((g) => g === 0) && all[5] === 0xffff) {
    const v4bytes = new Uint8Array(16);
    v4bytes.set(bytes.subarray(12, 16));
    return { family: 4, bytes: v4bytes };
  }
  return { family: 6, bytes };
}

/**
 * Processes never acted on: pid 1, this process and its ancestors (read
 * from `/proc/<pid>/stat` up to pid 1).
 */
export function protectedPids(self = Deno.pid, procRoot = "/proc"): Set<number> {
  const out = new Set<number>([1, self]);
  let pid = self;
  for (let depth = 0; depth < 256 && pid > 1; depth++) {
    let text: string;
    try {
      text = Deno.readTextFileSync(`${procRoot}/${pid}/stat`);
    } catch {
      break;
    }
    const stat = parseProcStat(text);
    if (stat === undefined || stat.ppid <= 0) break;
    pid = stat.ppid;
    out.add(pid);
  }
  return out;
}

/**
 * At most `limit` actions per one-second window (fixed windows on a
 * monotonic clock); `limit` 0 means no limit. The kernel keeps the same
 * kind of window for the blocks it decides itself.
 */
export class ActionRateLimiter {
  readonly limit: number;
  readonly #now: () => number;
  #windowStart = -Infinity;
  #count = 0;
  /** Actions refused because the window was full. */
  refused = 0;

  /** `limit` actions per second; `now` returns milliseconds (default `performance.now`). */
  constructor(limit: number, now: () => number = () => performance.now()) {
    this.limit = limit;
    this.#now = now;
  }

  /** Takes one action from the current window; false (and counted) when it is full. */
  take(): boolean {
    if (this.limit === 0) return true;
    const t = this.#now();
    if (t - this.#windowStart >= 1000) {
      this.#windowStart = t;
      this.#count = 0;
    }
    if (this.#count >= this.limit) {
      this.refused++;
      return false;
    }
    this.#count++;
    return true;
  }
}
