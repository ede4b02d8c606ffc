/**
 * A real sensor in the test process, for tests that run workloads and
 * assert on the decoded events and alerts. Events are captured as their
 * ECS JSON when decoded (they are views over the ring buffer). The test
 * process is the sensor, so the kernel ignores its own activity; workloads
 * run as child processes.
 *
 * @module
 */
import { Schema } from "../../engine/schema.ts";
import { entityId, hostId, parseProcStat } from "../../engine/procs.ts";
import type { LoadedRule } from "../../rules/loader/mod.ts";
import { Sensor, type SensorOptions } from "../../sensor/mod.ts";

/** An event as ECS JSON. */
export type Doc = Record<string, unknown>;

/** One alert as the test saw it. */
export interface LiveAlert {
  rule: string;
  kind: "event" | "sequence";
  degraded: boolean;
  events: Doc[];
}

/** Options of {@link Live.start}. */
export interface LiveOptions {
  rules?: LoadedRule[];
  schema?: Schema;
  /** Keep events and alerts as JSON (default true); counts are kept always. */
  collect?: boolean;
  ringBytes?: number;
  dnsPort?: number;
  heartbeatMs?: number;
}

/** The BPF objects every sensor test needs. */
export const SENSOR_OBJECTS = ["process", "proc_change", "file", "net", "auth"];

/** The value at a dotted ECS path of `doc` (nested objects). */
export function field(doc: Doc, path: string): unknown {
  let cur: unknown = doc;
  for (const key of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** The values of `paths` in `doc`, for one `deepEqual` per event. */
export function pick(doc: Doc, paths: string[]): Record<string, unknown> {
  return Object.fromEntries(paths.map((p) => [p, field(doc, p)]));
}

/** A running sensor and what it captured. */
export class Live {
  readonly sensor: Sensor;
  readonly events: Doc[] = [];
  readonly alerts: LiveAlert[] = [];
  /** Alerts reported, and those degraded (kept even when not collecting). */
  alertCount = 0;
  degradedCount = 0;
  /** Alerts by rule id: [all, degraded]. */
  readonly perRule = new Map<string, [number, number]>();

  private constructor(opts: LiveOptions) {
    const collect = opts.collect ?? true;
    const options: SensorOptions = {
      schema: opts.schema ?? Schema.ecs(),
      rules: opts.rules ?? [],
      ringBytes: opts.ringBytes,
      dnsPort: opts.dnsPort,
      heartbeatMs: opts.heartbeatMs,
      log: () => {},
      onEvent: collect ? (ev) => this.events.push(ev.toJSON()) : undefined,
      onAlert: (rule, match, degraded) => {
        this.alertCount++;
        if (degraded) this.degradedCount++;
        const counts = this.perRule.get(rule.id) ?? [0, 0];
        counts[0]++;
        if (degraded) counts[1]++;
        this.perRule.set(rule.id, counts);
        if (collect) {
          this.alerts.push({
            rule: rule.id,
            kind: match.kind,
            degraded,
            events: match.events.map((e) => e.toJSON()),
          });
        }
      },
    };
    this.sensor = new Sensor(options);
  }

  /** Starts a sensor. */
  static async start(opts: LiveOptions = {}): Promise<Live> {
    const live = new Live(opts);
    await live.sensor.start();
    return live;
  }

  /** Waits until every record committed so far has been decoded. */
  sync(): Promise<void> {
    return this.sensor.sync();
  }

  /**
   * Syncs until `find` returns something (bounded, so a missing event fails
   * the test instead of hanging it; nothing is asserted about the time).
   */
  async waitFor<T>(what: string, find: () => T | undefined, limitMs = 30_000): Promise<T> {
    const end = Date.now() + limitMs;
    for (;;) {
      await this.sync();
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > end) throw new Error(`never saw ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Captured events matching every given field value. */
  where(fields: Record<string, unknown>): Doc[] {
    return this.events.filter((d) =>
      Object.entries(fields).every(([k, v]) => JSON.stringify(field(d, k)) === JSON.stringify(v))
    );
  }

  /** The one captured event matching `fields` (waits for it). */
  async one(what: string, fields: Record<string, unknown>): Promise<Doc> {
    const all = await this.waitFor(what, () => {
      const found = this.where(fields);
      return found.length ? found : undefined;
    });
    if (all.length !== 1) throw new Error(`expected one ${what}, saw ${all.length}`);
    return all[0];
  }

  /** Stops the sensor. */
  stop(): Promise<void> {
    return this.sensor.stop();
  }
}

/** What a finished workload process did. */
export interface Ran {
  pid: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` to completion as a child of the test (so, of the sensor). */
export async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; clearEnv?: boolean } = {},
): Promise<Ran> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: opts.env,
    clearEnv: opts.clearEnv,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = await child.output();
  const dec = new TextDecoder();
  return {
    pid: child.pid,
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

/** The entity id of running process `pid`, computed from `/proc` as the process table does. */
export async function procEntityId(pid: number): Promise<string> {
  const stat = parseProcStat(await Deno.readTextFile(`/proc/${pid}/stat`))!;
  return entityId(await hostId(), pid, stat.startTicks);
}

/** `/proc/<pid>/stat` of a running process. */
export async function procStat(pid: number): Promise<ReturnType<typeof parseProcStat>> {
  return parseProcStat(await Deno.readTextFile(`/proc/${pid}/stat`));
}

/** A marker unique to this test run, for finding a workload's events. */
export function marker(name: string): string {
  return `kestrel-${name}-${crypto.randomUUID().slice(0, 8)}`;
}
