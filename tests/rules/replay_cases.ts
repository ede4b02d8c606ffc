/**
 * Cases for testing the default rules through one real `kestrel replay`:
 * each case is a few ECS events and the rule it must fire, or none (a near
 * miss, on which no default rule may fire). Case n uses process ids
 * n*100 … n*100+99 (alerts are attributed by the first event's pid) and a
 * ten-minute window of its own, so that sequences never span two cases.
 *
 * @module
 */

const ROOT = decodeURIComponent(new URL("../../", import.meta.url).pathname);
const BASE = Date.UTC(2026, 0, 5, 8, 0, 0);

/** A JSON object. */
export type Json = Record<string, unknown>;

/** One event of a case: its offset in ms from the case's start, and its ECS body. */
export interface Step {
  ms: number;
  body: Json;
}

/** A case: the rule that must fire (`fires`), or none for a near miss. */
export interface Case {
  name: string;
  fires?: string;
  steps: (pid: number) => Step[];
}

/** A parent object for `extra.parent`: pid `pid`, named `name`. */
export function parent(pid: number, name: string): Json {
  return { pid, entity_id: `e-${pid}`, name };
}

/** The acting process: `name`, `args`, parent named `parentName`, `extra` merged in. */
export function proc(
  pid: number,
  name: string,
  args: string[],
  parentName = "bash",
  extra: Json = {},
): Json {
  return {
    pid,
    entity_id: `e-${pid}`,
    name,
    executable: `/usr/bin/${name}`,
    args,
    args_count: args.length,
    command_line: args.join(" "),
    parent: parent(pid + 50, parentName),
    user: { id: "0" },
    real_user: { id: "0" },
    ...extra,
  };
}

/** An exec of `name` with `args`. */
export function exec(
  pid: number,
  name: string,
  args: string[],
  parentName = "bash",
  extra: Json = {},
): Json {
  return {
    event: { category: ["process"], type: ["start"], action: "exec" },
    process: proc(pid, name, args, parentName, extra),
  };
}

/** A process event of action `action` (category process, type change) with `extra` process fields. */
export function processChange(pid: number, who: string, action: string, extra: Json = {}): Json {
  return {
    event: { category: ["process"], type: ["change"], action, outcome: "success" },
    process: proc(pid, who, [who], "bash", extra),
  };
}

/** A file event of action `action` on `path` by `who`, with `extra` file fields. */
export function file(
  pid: number,
  who: string,
  action: string,
  path: string,
  extra: Json = {},
  procExtra: Json = {},
): Json {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  const type = action === "creation"
    ? "creation"
    : action === "open"
    ? "access"
    : action === "deletion"
    ? "deletion"
    : "change";
  return {
    event: { category: ["file"], type: [type], action, outcome: "success" },
    process: proc(pid, who, [who], "bash", procExtra),
    file: {
      path,
      name,
      directory: path.slice(0, path.lastIndexOf("/")) || "/",
      ...(dot > 0 ? { extension: name.slice(dot + 1) } : {}),
      ...extra,
    },
  };
}

/** A ptrace call of `request` on `child` by `who`. */
export function ptrace(pid: number, who: string, request: number, child: number): Json {
  return {
    event: { category: ["process"], type: ["access"], action: "ptrace", outcome: "success" },
    process: proc(pid, who, [who], "bash", { Ext: { ptrace: { request, child_pid: child } } }),
  };
}

/** One step at the case's start. */
export const one = (body: Json): Step[] => [{ ms: 0, body }];

/** Steps 100 ms apart, in order. */
export const steps = (...bodies: Json[]): Step[] =>
  bodies.map((body, i) => ({ ms: i * 100, body }));

/**
 * The cases of a rule that one exec fires (parent bash): the exec of
 * command line `fires` fires `rule`, the execs of `nearMisses` fire no
 * rule. Command lines are split at spaces; each case is named by its own.
 */
export function execCases(rule: string, fires: string, ...nearMisses: string[]): Case[] {
  const run = (line: string) => {
    const args = line.split(" ");
    return (p: number) => one(exec(p, args[0], args));
  };
  return [
    { name: fires, fires: rule, steps: run(fires) },
    ...nearMisses.map((line) => ({ name: line, steps: run(line) })),
  ];
}

/**
 * Replays every case through `kestrel replay` with the default ruleset and
 * returns the problems: a case whose rule did not fire, or a near miss on
 * which some rule fired.
 */
export async function replayProblems(cases: readonly Case[]): Promise<string[]> {
  const lines: string[] = [];
  cases.forEach((c, i) => {
    const pid = (i + 1) * 100;
    for (const s of c.steps(pid)) {
      const ts = new Date(BASE + i * 600_000 + s.ms).toISOString();
      lines.push(JSON.stringify({ "@timestamp": ts, host: { name: "h", id: "h1" }, ...s.body }));
    }
  });
  const log = await Deno.makeTempFile({ suffix: ".ndjson" });
  try {
    await Deno.writeTextFile(log, lines.join("\n") + "\n");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}main.ts`, "replay", "--rules", `${ROOT}rules`, "--events", log],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const dec = new TextDecoder();
    if (out.code !== 0) return [`kestrel replay failed: ${dec.decode(out.stderr)}`];
    const fired = new Map<number, Set<string>>();
    for (const line of dec.decode(out.stdout).split("\n")) {
      if (line.trim() === "") continue;
      const alert = JSON.parse(line);
      const i = Math.floor((alert.events[0].process.pid as number) / 100) - 1;
      if (!fired.has(i)) fired.set(i, new Set());
      fired.get(i)!.add(alert.kestrel.rule.id);
    }
    const problems: string[] = [];
    cases.forEach((c, i) => {
      const got = [...(fired.get(i) ?? [])].sort();
      if (c.fires && !got.includes(c.fires)) problems.push(`${c.name}: ${c.fires} did not fire`);
      if (!c.fires && got.length > 0) problems.push(`${c.name}: ${got.join(", ")} fired`);
    });
    return problems;
  } finally {
    await Deno.remove(log);
  }
}
