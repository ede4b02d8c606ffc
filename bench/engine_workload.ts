/**
 * The engine benchmarks' shared workload (ARCHITECTURE §10): 100 realistic
 * single-event rules that are all candidates for process events — the
 * category index cannot skip any of them — and a realistic event mix from
 * the synthetic generator, parsed once into events.
 *
 * @module
 */
import { compileQuery } from "../eql/compile.ts";
import { FieldPaths, JsonEvent, toNanos } from "../engine/event.ts";
import type { Schema } from "../engine/schema.ts";
import type { EngineRule } from "../engine/engine.ts";
import { syntheticEvents } from "../samples/synthetic.ts";

const TOOLS = [
  "nc",
  "ncat",
  "socat",
  "nmap",
  "masscan",
  "hydra",
  "john",
  "hashcat",
  "chisel",
  "frp",
  "xmrig",
  "minerd",
  "kinsing",
  "tsunami",
  "mirai",
  "gsocket",
  "pwnkit",
  "linpeas",
  "pspy",
  "busybox",
];
const SHELLS = '"bash", "sh", "dash", "zsh"';

/** Rule templates over process events; `i` varies literals so no two rules are equal. */
const TEMPLATES: ((i: number) => string)[] = [
  (i) => `process where event.type == "start" and process.name == "${TOOLS[i % TOOLS.length]}${i}"`,
  (i) =>
    `process where event.type == "start" and process.name in (${SHELLS}) and process.parent.name : ("nginx", "apache2", "php-fpm*", "tomcat${i}")`,
  (i) =>
    `process where event.action == "exec" and process.executable : ("/tmp/*", "/dev/shm/*", "/var/tmp/*", "/run/u${i}/*") and not process.parent.executable in ("/usr/lib/systemd/systemd", "/usr/bin/make")`,
  (i) =>
    `process where event.type == "start" and process.name : "python*" and process.args : ("*pty.spawn*", "*import pty*", "*pty${i}*")`,
  (i) =>
    `process where event.type == "start" and process.name in ("curl", "wget") and process.args like~ ("*|*sh*", "*| bash*", "*x${i}.sh*")`,
  (i) => `process where process.name == "chmod" and process.args : ("u+s", "g+s", "${i}4755")`,
  (i) =>
    `process where event.type == "start" and user.id == "0" and process.parent.name == "sshd" and process.name : "${
      TOOLS[i % TOOLS.length]
    }*"`,
  (i) =>
    `process where process.env_vars : ("LD_PRELOAD=*", "LD_LIBRARY_PATH=/tmp/*", "HISTFILE=/dev/null${i}")`,
  (i) =>
    `process where event.type == "start" and process.command_line regex~ ".*(base64 -d|openssl enc)${i}.*" and process.name in (${SHELLS})`,
  (i) =>
    `process where process.name in ("sudo", "su", "pkexec") and process.args_count > ${
      i % 5 + 3
    } and stringContains(process.command_line, "NOPASSWD${i}")`,
];

/** The 100 rules, compiled against `schema`. */
export function workloadRules(schema: Schema): EngineRule[] {
  const rules: EngineRule[] = [];
  for (let i = 0; i < 100; i++) {
    const text = TEMPLATES[i % TEMPLATES.length](i);
    const r = compileQuery(text, { schema });
    if (!r.ir) throw new Error(`bench rule ${i} does not compile: ${r.diagnostics[0]?.message}`);
    rules.push({ id: `bench-${i}`, dialect: "elastic", ir: r.ir });
  }
  return rules;
}

/** `count` events of the synthetic mix (about 35% process starts), parsed into `JsonEvent`s. */
export function workloadEvents(schema: Schema, count: number, onlyProcess = false): JsonEvent[] {
  const paths = new FieldPaths(schema);
  const out: JsonEvent[] = [];
  let seq = 0;
  for (const doc of syntheticEvents(count * (onlyProcess ? 3 : 1), { seed: 3 })) {
    if (onlyProcess && !(doc.event as { category: string[] }).category.includes("process")) {
      continue;
    }
    // A round trip through JSON text, as replay sees events.
    const parsed = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
    out.push(new JsonEvent(parsed, toNanos(parsed["@timestamp"]) as bigint, ++seq, paths));
    if (out.length === count) break;
  }
  return out;
}
