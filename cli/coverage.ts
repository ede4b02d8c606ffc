/**
 * The ATT&CK coverage report of a ruleset as Markdown (`kestrel list
 * --format markdown`, committed as `docs/coverage.md`): rules per tactic,
 * tactics × techniques with their rules, and every rule with its kind and
 * whether a simulation proves it on the live sensor ("yes"), or fires it
 * only through a stand-in: a do-nothing program run under the tool's name,
 * where running the tool would not be harmless ("stand-in", with the reason
 * from the script's `# stand-in: <reason>` line).
 *
 * A rule's tactic is the folder it lives in (`rules/<tactic>/<id>.yaml`).
 * Simulations are `<rule-id>.sh` scripts in a simulations directory, and
 * rules that cannot be simulated safely are listed with a reason in its
 * `unsimulated.yaml`.
 *
 * @module
 */
import { posix } from "node:path";
import { parse as parseYaml } from "yaml";
import type { LoadedRule } from "../rules/loader/mod.ts";

/** Tactic folder name → ATT&CK tactic name and id, in kill-chain order. */
export const TACTICS: ReadonlyMap<string, { name: string; id: string }> = new Map([
  ["execution", { name: "Execution", id: "TA0002" }],
  ["persistence", { name: "Persistence", id: "TA0003" }],
  ["privilege_escalation", { name: "Privilege Escalation", id: "TA0004" }],
  ["defense_evasion", { name: "Defense Evasion", id: "TA0005" }],
  ["credential_access", { name: "Credential Access", id: "TA0006" }],
  ["discovery", { name: "Discovery", id: "TA0007" }],
  ["lateral_movement", { name: "Lateral Movement", id: "TA0008" }],
  ["collection", { name: "Collection", id: "TA0009" }],
  ["command_and_control", { name: "Command and Control", id: "TA0011" }],
  ["exfiltration", { name: "Exfiltration", id: "TA0010" }],
  ["impact", { name: "Impact", id: "TA0040" }],
]);

/** Which rules have simulations, and why the others have none; undefined: not known. */
export interface SimulationStatus {
  /** Rules with a simulation script (stand-ins included). */
  simulated: ReadonlySet<string>;
  /** Rule id → why its simulation runs a stand-in instead of the tool. */
  standIn: ReadonlyMap<string, string>;
  unsimulated: ReadonlyMap<string, string>;
}

/** The reason on a script's `# stand-in: <reason>` line, if it has one. */
export function standInReason(script: string): string | undefined {
  const line = script.split("\n").find((l) => l.startsWith("# stand-in:"));
  return line?.slice("# stand-in:".length).trim();
}

/** Reads `<dir>/scripts/*.sh` and `<dir>/unsimulated.yaml`; undefined when `dir` has neither. */
export async function readSimulationStatus(dir: string): Promise<SimulationStatus | undefined> {
  const simulated = new Set<string>();
  const standIn = new Map<string, string>();
  let found = false;
  try {
    for await (const e of Deno.readDir(posix.join(dir, "scripts"))) {
      found = true;
      if (!e.isFile || !e.name.endsWith(".sh")) continue;
      const id = e.name.slice(0, -3);
      simulated.add(id);
      const reason = standInReason(await Deno.readTextFile(posix.join(dir, "scripts", e.name)));
      if (reason !== undefined) standIn.set(id, reason);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const unsimulated = new Map<string, string>();
  try {
    const doc = parseYaml(await Deno.readTextFile(posix.join(dir, "unsimulated.yaml"))) ?? {};
    found = true;
    for (const [id, reason] of Object.entries(doc as Record<string, unknown>)) {
      unsimulated.set(id, String(reason));
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return found ? { simulated, standIn, unsimulated } : undefined;
}

/** The tactic folder of a rule: the name of the directory its file is in. */
export function tacticOf(rule: LoadedRule): string {
  return posix.basename(posix.dirname(rule.source.file));
}

const cell = (c: string) => c.replaceAll("|", "\\|");
const row = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
const table = (header: readonly string[], rows: readonly string[][]) =>
  [row(header), row(header.map(() => "---")), ...rows.map(row)].join("\n");

function tacticTitle(slug: string): string {
  const t = TACTICS.get(slug);
  return t ? `${t.name} (${t.id})` : slug;
}

function tacticOrder(slug: string): number {
  const i = [...TACTICS.keys()].indexOf(slug);
  return i < 0 ? TACTICS.size : i;
}

/** The coverage report of `rules` (see the module doc). */
export function coverageMarkdown(
  rules: readonly LoadedRule[],
  sims: SimulationStatus | undefined,
  opts: { title?: string; rulesPath?: string } = {},
): string {
  const title = opts.title ?? "ATT&CK coverage";
  const n = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
  const sorted = [...rules].sort((a, b) =>
    tacticOrder(tacticOf(a)) - tacticOrder(tacticOf(b)) ||
    tacticOf(a).localeCompare(tacticOf(b)) || a.id.localeCompare(b.id)
  );
  const simulated = (id: string) =>
    sims === undefined
      ? "unknown"
      : !sims.simulated.has(id)
      ? "no"
      : sims.standIn.has(id)
      ? "stand-in"
      : "yes";
  const proven = (rs: readonly LoadedRule[]) =>
    rs.filter((r) => sims?.simulated.has(r.id) && !sims.standIn.has(r.id)).length;
  const stoodIn = (rs: readonly LoadedRule[]) => rs.filter((r) => sims?.standIn.has(r.id)).length;
  const tactics = [...new Set(sorted.map(tacticOf))];
  const techniques = new Set(sorted.flatMap((r) => r.mitre));
  const sequences = sorted.filter((r) => r.ir.kind !== "event").length;
  const out: string[] = [
    `# ${title}`,
    "",
    `Generated by \`kestrel list --rules ${
      opts.rulesPath ?? "PATH"
    } --format markdown\`; do not edit.`,
    "",
    `${n(sorted.length, "rule", "rules")} (${sorted.length - sequences} single-event, ${
      n(sequences, "sequence", "sequences")
    }), ${n(techniques.size, "ATT&CK technique", "ATT&CK techniques")} (with sub-techniques), ${
      n(tactics.length, "tactic", "tactics")
    }.` +
    (sims === undefined
      ? ""
      : ` ${proven(sorted)} proven on the live sensor by a harmless simulation, ${
        stoodIn(sorted)
      } with a stand-in binary under the tool's name.`),
    "",
    "## Rules per tactic",
    "",
    table(
      ["Tactic", "Rules", "Sequences", "Techniques", "Simulated"],
      tactics.map((t) => {
        const rs = sorted.filter((r) => tacticOf(r) === t);
        return [
          tacticTitle(t),
          String(rs.length),
          String(rs.filter((r) => r.ir.kind !== "event").length),
          String(new Set(rs.flatMap((r) => r.mitre)).size),
          sims === undefined
            ? "unknown"
            : stoodIn(rs)
            ? `${proven(rs)} + ${stoodIn(rs)} stand-in`
            : String(proven(rs)),
        ];
      }),
    ),
    "",
    "## Tactics × techniques",
    "",
  ];
  const matrix: string[][] = [];
  for (const t of tactics) {
    const rs = sorted.filter((r) => tacticOf(r) === t);
    for (const tech of [...new Set(rs.flatMap((r) => r.mitre))].sort()) {
      const ids = rs.filter((r) => r.mitre.includes(tech)).map((r) => r.id);
      matrix.push([tacticTitle(t), tech, ids.join(", ")]);
    }
  }
  out.push(table(["Tactic", "Technique", "Rules"], matrix), "", "## Rules", "");
  out.push(table(
    ["Tactic", "ID", "Kind", "Severity", "ATT&CK", "Simulated", "Name"],
    sorted.map((r) => [
      tacticTitle(tacticOf(r)),
      r.id,
      r.ir.kind,
      r.severity,
      r.mitre.join(", "),
      simulated(r.id),
      r.name,
    ]),
  ));
  const standIns = sorted.filter((r) => sims?.standIn.has(r.id));
  if (standIns.length) {
    out.push("", "## Simulated with a stand-in", "");
    out.push(
      table(["ID", "Why not the real tool"], standIns.map((r) => [r.id, sims!.standIn.get(r.id)!])),
    );
  }
  const reasons = sorted.filter((r) => sims?.unsimulated.has(r.id));
  if (reasons.length) {
    out.push("", "## Not simulated", "");
    out.push(table(["ID", "Why"], reasons.map((r) => [r.id, sims!.unsimulated.get(r.id)!])));
  }
  return out.join("\n") + "\n";
}
