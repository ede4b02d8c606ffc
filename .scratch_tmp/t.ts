import { SourceFile } from "../rules/loader/source_file.ts";
import { parseToml } from "../rules/loader/toml_tree.ts";
import type { Node } from "../rules/loader/tree.ts";
const t = `[metadata]
creation_date = "2024/01/01"

[rule]
name = "x \\"q\\""
query = '''
sequence by host.id
  [process where true]
'''
tags = ["a", "b"]
d = 1979-05-27T07:32:00Z
ml = """
a \\
   b\\tc"""

[[rule.threat]]
framework = "MITRE ATT&CK"
[rule.threat.tactic]
id = "TA0002"
[[rule.threat.technique]]
id = "T1059"
[[rule.threat.technique.subtechnique]]
id = "T1059.004"

[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1105"
inl = { a = 1, b = 'zz' }
`;
const f = new SourceFile("t.toml", t);
const r = parseToml(f);
console.log(r.diagnostics);
const walk = (n: Node, p: string) => {
  const pos = f.position(n.at);
  if (n.kind === "map") for (const e of n.entries) { const kp = f.position(e.keyAt); console.log(`${p}.${e.key} key@${kp.line}:${kp.col}`); walk(e.value, `${p}.${e.key}`); }
  else if (n.kind === "list") n.items.forEach((x, i) => walk(x, `${p}[${i}]`));
  else console.log(`${p} = ${JSON.stringify(n.value)} @${pos.line}:${pos.col}`, n.offsets ? (typeof n.value === "string" ? [...n.value].every((c, i) => t[n.offsets![i]] === c || t[n.offsets![i]] === "\\") : "?") : "no offsets");
};
walk(r.tree!, "");
console.log(parseToml(new SourceFile("b.toml", "a = 1\nb = [\n")).diagnostics);
