import { SourceFile } from "../rules/loader/source_file.ts";
import { parseYaml } from "../rules/loader/yaml_tree.ts";
import type { Node } from "../rules/loader/tree.ts";
const texts = [
  'a: |\n  process where\n    x == "y"\n\n  and z\nb: plain text\n  continued\nc: "dq \\"esc\\" \\n x"\nd: \'s\'\'q\'\ne: >\n  folded\n  text\n\n  para\nf: |2\n    two\n   one\ng: |-\n  strip\nh: [x, "y z"]\n',
  "a: |\n  no newline at end",
];
for (const t of texts) {
  const f = new SourceFile("t.yaml", t);
  const r = parseYaml(f);
  console.log(r.diagnostics);
  if (r.tree?.kind === "map") for (const e of r.tree.entries) {
    const show = (n: Node) => {
      if (n.kind === "scalar" && typeof n.value === "string") {
        const ok = n.offsets ? [...n.value].map((ch, i) => t[n.offsets![i]] === ch || (ch === " " && t[n.offsets![i]] === "\n") ? "" : `${i}:${JSON.stringify(ch)}->${JSON.stringify(t[n.offsets![i]])}`).filter(Boolean) : "NO OFFSETS";
        console.log(e.key, JSON.stringify(n.value), ok, n.offsets?.at(-1));
      } else if (n.kind === "list") n.items.forEach(show);
    };
    show(e.value);
  }
}
