/**
 * Runs harmless attack simulations (and benign workloads) under one live
 * sensor with the default ruleset, and attributes what the sensor saw to
 * each workload by process ancestry.
 *
 * Each workload is a bash script started as a child of the test process
 * (so of the sensor, whose own activity the kernel ignores) in a fresh
 * temporary directory (`$SIM_DIR`, deleted afterwards). A workload's tree is
 * its root process plus every process whose parent (or session or group
 * leader) is in the tree, by entity id, so pid reuse and unrelated activity
 * on the machine (other tests running at the same time) are not counted.
 * An alert belongs to every workload owning one of its events (for the
 * check that nothing unexpected fired); it proves a workload's rule only
 * when the workload owns all of its events, so a sequence completed by a
 * step from elsewhere proves nothing.
 *
 * Script headers (comment lines near the top):
 * - `# rule: <rule-id>`: the rule the simulation must fire;
 * - `# also: <id>, <id>`: other rules it may legitimately fire too;
 * - `# mitre: <id>, <id>` (mandatory): the ATT&CK ids of the behaviour the
 *   script performs; the alert must carry exactly these;
 * - `# stand-in: <reason>`: the script runs a do-nothing program under a
 *   tool's name instead of the tool, for the reason given (the coverage
 *   report says "stand-in" instead of "yes" for its rule).
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { standInReason } from "../../cli/coverage.ts";
import { type Alert, buildAlert } from "../../engine/alerts.ts";
import type { Event } from "../../engine/event.ts";
import type { Schema } from "../../engine/schema.ts";
import { formatDiagnostics } from "../../eql/errors.ts";
import { type LoadedRule, loadRules } from "../../rules/loader/mod.ts";
import { Sensor } from "../../sensor/mod.ts";

const here = new URL("./", import.meta.url);
/** The default ruleset's directory. */
export const RULES_DIR = new URL("../../rules/", import.meta.url).pathname;
/** Simulation scripts: `<rule-id>.sh`. */
export const SCRIPTS_DIR = new URL("scripts/", here).pathname;
/** Rules that cannot be simulated safely: `<rule-id>: <reason>`. */
export const UNSIMULATED_FILE = new URL("unsimulated.yaml", here).pathname;

/** One simulation script and what it declares. */
export interface Simulation {
  /** The rule it must fire (the file name without `.sh`). */
  rule: string;
  /** Other rules it may fire. */
  also: string[];
  /** ATT&CK ids the alert must carry, exactly. */
  mitre: string[];
  /** Why the script runs a stand-in for the tool, when it does. */
  standIn?: string;
  /** The script's path. */
  path: string;
}

/** Parses the header of a simulation script; throws naming the file when it is malformed. */
export function parseSimulation(path: string, text: string): Simulation {
  const file = path.slice(path.lastIndexOf("/") + 1);
  const stem = file.replace(/\.sh$/, "");
  const header = (key: string): string[] | undefined => {
    const line = text.split("\n").find((l) => l.startsWith(`# ${key}:`));
    if (line === undefined) return undefined;
    return line.slice(key.length + 3).split(",").map((s) => s.trim()).filter((s) => s !== "");
  };
  const rule = header("rule");
  if (rule === undefined || rule.length !== 1) {
    throw new Error(`${path}: needs one "# rule: <rule-id>" line`);
  }
  if (rule[0] !== stem) throw new Error(`${path}: "# rule: ${rule[0]}" differs from the file name`);
  const mitre = header("mitre");
  if (mitre === undefined || mitre.length === 0) {
    throw new Error(`${path}: needs a "# mitre: <id>, <id>" line (the behaviour's ATT&CK ids)`);
  }
  const standIn = standInReason(text);
  if (standIn === "") throw new Error(`${path}: "# stand-in:" needs a reason`);
  return {
    rule: rule[0],
    also: header("also") ?? [],
    mitre,
    ...(standIn !== undefined ? { standIn } : {}),
    path,
  };
}

/** Every simulation script, sorted by rule id. */
export async function readSimulations(dir = SCRIPTS_DIR): Promise<Simulation[]> {
  const out: Simulation[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.endsWith(".sh")) continue;
    const path = `${dir}${e.name}`;
    out.push(parseSimulation(path, await Deno.readTextFile(path)));
  }
  return out.sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
}

/** Rule id → why it is not simulated. */
export async function readUnsimulated(path = UNSIMULATED_FILE): Promise<Map<string, string>> {
  const text = await Deno.readTextFile(path).catch(() => "");
  const doc = parseYaml(text) ?? {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new Error(`${path}: must map rule ids to reasons`);
  }
  const out = new Map<string, string>();
  for (const [id, reason] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof reason !== "string" || reason.trim() === "") {
      throw new Error(`${path}: ${id} needs a reason`);
    }
    out.set(id, reason);
  }
  return out;
}

/** The default ruleset, compiled in ECS mode as the daemon does; throws on any error. */
export async function loadDefaultRules(schema: Schema): Promise<LoadedRule[]> {
  const loaded = await loadRules(RULES_DIR, { schema, schemaMode: "ecs" });
  const errors = loaded.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(formatDiagnostics(errors));
  return loaded.rules.filter((r) => r.enabled);
}

/** Applies `KESTREL_SIM=id1,id2` (a subset, for iterating on a few rules). */
export function selectSimulations(
  all: Simulation[],
  only = Deno.env.get("KESTREL_SIM"),
): Simulation[] {
  if (only === undefined || only.trim() === "") return all;
  const ids = only.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const unknown = ids.filter((id) => !all.some((s) => s.rule === id));
  if (unknown.length) throw new Error(`KESTREL_SIM names no simulation: ${unknown.join(", ")}`);
  return all.filter((s) => ids.includes(s.rule));
}

/** What one workload did, as the sensor saw it. */
export class Workload {
  /** Its name (the rule id for simulations). */
  readonly name: string;
  /** Entity ids of its processes. */
  readonly entities = new Set<string>();
  /** Events of its processes. */
  events = 0;
  /** Alerts with at least one of its events, as the daemon would write them. */
  readonly alerts: Alert[] = [];
  /** The subset of {@link alerts} all of whose events are its own. */
  readonly ownAlerts: Alert[] = [];
  /** The script's exit code, output and pid once run. */
  code = -1;
  output = "";
  pid = 0;

  /** A workload named `name`. */
  constructor(name: string) {
    this.name = name;
  }

  /** Ids of the rules that fired for it, sorted, once each. */
  rulesFired(): string[] {
    return [...new Set(this.alerts.map((a) => a.kestrel.rule.id))].sort();
  }

  /** Ids of the rules that fired on its events alone, sorted, once each. */
  rulesProven(): string[] {
    return [...new Set(this.ownAlerts.map((a) => a.kestrel.rule.id))].sort();
  }

  /**
   * The ATT&CK ids the `threat` of its own alerts of `rule` list, each entry
   * as the rule file names it (the sub-technique when there is one, else the
   * technique, else the tactic), sorted, once each.
   */
  attackIds(rule: string): string[] {
    const ids = new Set<string>();
    for (const a of this.ownAlerts) {
      if (a.kestrel.rule.id !== rule) continue;
      for (const t of a.threat) {
        const id = t.technique?.subtechnique?.id ?? t.technique?.id ?? t.tactic?.id;
        if (id !== undefined) ids.add(id);
      }
    }
    return [...ids].sort();
  }
}

/** Options of {@link Harness.start}. */
export interface HarnessOptions {
  rules: LoadedRule[];
  schema: Schema;
  /** Longest a script may run before it is killed (default 30 s). */
  scriptTimeoutMs?: number;
}

/** One live sensor and the workloads run under it. */
export class Harness {
  readonly sensor: Sensor;
  /** Alerts no workload owns (other activity on the machine). */
  unowned = 0;
  readonly #byEntity = new Map<string, Workload>();
  readonly #roots = new Map<number, Workload>();
  readonly #f: Record<string, number>;
  readonly #scriptTimeoutMs: number;

  private constructor(opts: HarnessOptions) {
    const f = (name: string) => {
      const info = opts.schema.lookup(name);
      if (info === undefined) throw new Error(`schema lacks ${name}`);
      return info.id;
    };
    this.#f = {
      pid: f("process.pid"),
      entity: f("process.entity_id"),
      ppid: f("process.parent.pid"),
      parent: f("process.parent.entity_id"),
      session: f("process.session_leader.entity_id"),
      group: f("process.group_leader.entity_id"),
    };
    this.#scriptTimeoutMs = opts.scriptTimeoutMs ?? 30_000;
    this.sensor = new Sensor({
      schema: opts.schema,
      rules: opts.rules,
      heartbeatMs: 200,
      // Room for bursts while other tests load the machine: a lost record could lose an alert.
      ringBytes: 16 << 20,
      log: () => {},
      onEvent: (ev) => {
        const w = this.#owner(ev);
        if (w !== undefined) w.events++;
      },
      onAlert: (rule, match, degraded) => {
        const owners = match.events.map((ev) => this.#byEntity.get(String(ev.get(this.#f.entity))));
        const any = new Set(owners.filter((w) => w !== undefined));
        if (any.size === 0) {
          this.unowned++;
          return;
        }
        const alert = buildAlert({ rule, kind: match.kind, events: match.events, degraded });
        for (const w of any) {
          w.alerts.push(alert);
          if (owners.every((o) => o === w)) w.ownAlerts.push(alert);
        }
      },
    });
  }

  /** Starts the sensor with `opts.rules`. */
  static async start(opts: HarnessOptions): Promise<Harness> {
    const h = new Harness(opts);
    await h.sensor.start();
    return h;
  }

  /** The workload `ev`'s process belongs to, adding the process to it when its parent or leader does. */
  #owner(ev: Event): Workload | undefined {
    const f = this.#f;
    const entity = ev.get(f.entity);
    if (typeof entity !== "string") return undefined;
    const known = this.#byEntity.get(entity);
    if (known !== undefined) return known;
    let w: Workload | undefined;
    for (const rel of [f.parent, f.session, f.group]) {
      const v = ev.get(rel);
      if (typeof v === "string") w = this.#byEntity.get(v);
      if (w !== undefined) break;
    }
    if (w === undefined && ev.get(f.ppid) === Deno.pid) {
      const pid = ev.get(f.pid);
      if (typeof pid === "number") w = this.#roots.get(pid);
    }
    if (w !== undefined) {
      w.entities.add(entity);
      this.#byEntity.set(entity, w);
    }
    return w;
  }

  /**
   * Runs `bash script` as workload `name` in a fresh temporary directory
   * (`$SIM_DIR`, also its working directory), waits for it and for the
   * sensor to have decoded what it did, then deletes the directory.
   */
  async run(
    name: string,
    script: string,
    opts: { dir?: string; env?: Record<string, string> } = {},
  ): Promise<Workload> {
    const w = new Workload(name);
    const simDir = await Deno.makeTempDir({ dir: opts.dir, prefix: `kestrel-sim-${name}-` });
    try {
      const child = new Deno.Command("setsid", {
        args: ["-w", "bash", script],
        cwd: simDir,
        env: { ...opts.env, SIM_DIR: simDir },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      // Registered before the event loop can decode anything the child did.
      w.pid = child.pid;
      this.#roots.set(child.pid, w);
      const timer = setTimeout(() => {
        try {
          Deno.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, this.#scriptTimeoutMs);
      const out = await child.output();
      clearTimeout(timer);
      const dec = new TextDecoder();
      w.code = out.code;
      w.output = dec.decode(out.stdout) + dec.decode(out.stderr);
      await this.sensor.sync();
      this.#roots.delete(child.pid);
    } finally {
      await Deno.remove(simDir, { recursive: true }).catch(() => {});
      if (w.pid !== 0) await removeSimCgroups(w.pid);
    }
    return w;
  }

  /**
   * Waits until `done()` holds (syncing the sensor; sequences with trailing
   * missing steps resolve on the heartbeat) or `limitMs` passed, then lets
   * `settleMs` more pass so that late alerts are seen too.
   */
  async settle(done: () => boolean, limitMs = 15_000, settleMs = 1_000): Promise<void> {
    const end = Date.now() + limitMs;
    for (;;) {
      await this.sensor.sync();
      if (done() || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, settleMs));
    await this.sensor.sync();
  }

  /** Records the kernel could not deliver (ring full) so far: a reason for a missing alert. */
  dropped(): number {
    return this.sensor.stats().droppedTotal;
  }

  /** Stops the sensor. */
  stop(): Promise<void> {
    return this.sensor.stop();
  }
}

/** Mount points of the cgroup v2 hierarchy. */
async function cgroup2Roots(): Promise<string[]> {
  const text = await Deno.readTextFile("/proc/self/mountinfo").catch(() => "");
  return text.split("\n").flatMap((line) => {
    const [left, right] = line.split(" - ");
    return right?.startsWith("cgroup2 ") ? [left.split(" ")[4]] : [];
  });
}

/** Removes a cgroup directory: its child groups first (cgroupfs only removes empty groups). */
async function removeCgroup(dir: string): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) await removeCgroup(`${dir}/${e.name}`);
  }
  // The killed processes of the group may take a moment to leave it.
  for (let i = 0;; i++) {
    try {
      await Deno.remove(dir);
      return;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || i >= 20) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Removes the `kestrel-sim-<pid>` cgroups a script with that pid made (a
 * script killed on timeout never runs its own clean-up).
 */
export async function removeSimCgroups(pid: number): Promise<void> {
  for (const root of await cgroup2Roots()) {
    const dir = `${root}/kestrel-sim-${pid}`;
    try {
      if (!(await Deno.stat(dir)).isDirectory) continue;
    } catch {
      continue;
    }
    await removeCgroup(dir).catch(() => {});
  }
}

/** The rules a workload fired beyond `allowed`. */
export function unexpectedRules(w: Workload, allowed: readonly string[]): string[] {
  return w.rulesFired().filter((r) => !allowed.includes(r));
}
