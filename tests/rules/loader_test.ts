/**
 * Rule loader tests: every format's metadata, Elastic mapping, skipped
 * files, manifest globals and suppressions, duplicate ids, and diagnostics
 * located at the exact file line and column, including errors inside
 * queries embedded in YAML, JSON and TOML strings.
 */
import assert from "node:assert/strict";
import type { Diagnostic } from "../../eql/errors.ts";
import { loadRules, loadRulesFromSources } from "../../rules/loader/mod.ts";
import type { LoadOptions, LoadResult } from "../../rules/loader/mod.ts";

const FIXTURES = decodeURIComponent(new URL("../fixtures/rules/", import.meta.url).pathname);
const CORPUS = FIXTURES + "corpus";
const INVALID = FIXTURES + "invalid";

/** Loads in-memory files, in the order written. */
function load(files: Record<string, string>, options?: LoadOptions): LoadResult {
  return loadRulesFromSources(
    Object.entries(files).map(([path, text]) => ({ path, text })),
    options,
  );
}

function errors(r: LoadResult): Diagnostic[] {
  return r.diagnostics.filter((d) => d.severity === "error");
}

/** `file:line:col: message` of every error, for readable assertion failures. */
function where(r: LoadResult): string[] {
  return errors(r).map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`);
}

/** The single error of a load, checked to be at `file:line:col`. */
function onlyErrorAt(r: LoadResult, file: string, line: number, col: number): Diagnostic {
  const es = errors(r);
  assert.equal(es.length, 1, `expected one error, got:\n${where(r).join("\n")}`);
  assert.deepEqual([es[0].file, es[0].line, es[0].col], [file, line, col], where(r)[0]);
  return es[0];
}

function fixture(path: string): string {
  return Deno.readTextFileSync(path);
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const SHELL_EXEC = 'process where event.type == "start" and process.name == "sh"';

// ---------------------------------------------------------------- formats

Deno.test("YAML rule: every metadata key, defaults and the block-scalar query", async () => {
  const r = load({
    "rules/shell.yaml": `id: lnx_test.shell:1
name: Test shell
description: Shell started.
version: 7
author: Detection Team
severity: HIGH
tags: [linux, execution]
mitre: [T1059.004, TA0002]
false_positives:
  - admins
references: ["https://example.org/x"]
eql: |
  process where event.type == "start" and
    process.name == "sh"
`,
  });
  assert.deepEqual(where(r), []);
  assert.equal(r.rules.length, 1);
  const rule = r.rules[0];
  const query = 'process where event.type == "start" and\n  process.name == "sh"\n';
  assert.equal(rule.id, "lnx_test.shell:1");
  assert.equal(rule.name, "Test shell");
  assert.equal(rule.description, "Shell started.");
  assert.equal(rule.version, "7");
  assert.equal(rule.author, "Detection Team");
  assert.equal(rule.severity, "high");
  assert.deepEqual(rule.tags, ["linux", "execution"]);
  assert.deepEqual(rule.mitre, ["T1059.004", "TA0002"]);
  assert.equal(rule.action, "alert");
  assert.equal(rule.dialect, "elastic");
  assert.equal(rule.enabled, true);
  assert.deepEqual(rule.falsePositives, ["admins"]);
  assert.deepEqual(rule.references, ["https://example.org/x"]);
  assert.equal(rule.query, query);
  assert.equal(rule.hash, await sha256("elastic\n" + query));
  assert.deepEqual(rule.source, { file: "rules/shell.yaml", format: "yaml", line: 13 });
  assert.equal(rule.ir.kind, "event");
  assert.ok(rule.ast);
  assert.deepEqual(rule.suppressions, []);
});

Deno.test("YAML rule: defaults for severity, action, dialect, enabled; explicit values", () => {
  const r = load({
    "a.yml": `id: a\nname: A\neql: '${SHELL_EXEC}'\n`,
    "b.yaml": `id: b\nname: B\nseverity: Critical\naction: kill\nenabled: false\n` +
      `dialect: legacy\nversion: "1.2.0"\neql: process where process.name == 'sh'\n`,
  });
  assert.deepEqual(where(r), []);
  const [a, b] = r.rules;
  assert.deepEqual(
    [a.severity, a.action, a.dialect, a.enabled, a.version, a.description],
    ["medium", "alert", "elastic", true, undefined, ""],
  );
  assert.deepEqual(
    [b.severity, b.action, b.dialect, b.enabled, b.version],
    ["critical", "kill", "legacy", false, "1.2.0"],
  );
});

Deno.test("JSON rule: metadata and an escaped query", () => {
  const r = load({
    "r/miner.json": JSON.stringify(
      {
        id: "miner",
        name: "Miner",
        severity: "low",
        mitre: ["T1496"],
        tags: ["impact"],
        action: "block",
        eql: 'process where\n  process.command_line : "*stratum+tcp://*"',
      },
      null,
      2,
    ),
  });
  assert.deepEqual(where(r), []);
  const rule = r.rules[0];
  assert.equal(rule.query, 'process where\n  process.command_line : "*stratum+tcp://*"');
  assert.deepEqual(
    [rule.id, rule.severity, rule.action, rule.source.format, rule.source.line],
    // Lines 5-7 and 8-10 hold the pretty-printed mitre and tags arrays.
    ["miner", "low", "block", "json", 12],
  );
});

Deno.test("Kestrel TOML rule: metadata and a multi-line literal query", () => {
  const r = load({
    "preload.toml": `id = "preload"
name = "Preload"
severity = "Critical"
version = 2
mitre = ["T1574.006"]
eql = '''
file where event.type == "creation" and
  file.path == "/etc/ld.so.preload"
'''
`,
  });
  assert.deepEqual(where(r), []);
  const rule = r.rules[0];
  assert.equal(
    rule.query,
    'file where event.type == "creation" and\n  file.path == "/etc/ld.so.preload"\n',
  );
  assert.deepEqual(
    [rule.severity, rule.version, rule.source.format, rule.source.line],
    ["critical", "2", "toml", 7],
  );
});

Deno.test(".eql: id from the file name, metadata from a sibling YAML file", () => {
  const r = load({
    "d/root_shell.eql": "process where process.name == '*sh' and process.user.id == '0'\n",
    "d/root_shell.yaml": "name: Root shell\nseverity: high\nmitre: [T1548.003]\ndialect: legacy\n",
  });
  assert.deepEqual(where(r), []);
  assert.equal(r.rules.length, 1, "the sibling YAML file is metadata, not a rule");
  const rule = r.rules[0];
  assert.deepEqual(
    [rule.id, rule.name, rule.severity, rule.dialect, rule.source.format, rule.source.file],
    ["root_shell", "Root shell", "high", "legacy", "eql", "d/root_shell.eql"],
  );
  assert.deepEqual(rule.mitre, ["T1548.003"]);
  assert.equal(rule.query, "process where process.name == '*sh' and process.user.id == '0'");
});

Deno.test(".eql: metadata from a leading // comment block; query after it", () => {
  const r = load({
    "motd.eql": `// name: MOTD script written
// severity: medium
// mitre: [T1037]
// tags:
//   - persistence

file where event.type == "creation" and file.path : "/etc/update-motd.d/*"
`,
  });
  assert.deepEqual(where(r), []);
  const rule = r.rules[0];
  assert.deepEqual(
    [rule.id, rule.name, rule.severity, rule.source.line],
    ["motd", "MOTD script written", "medium", 7],
  );
  assert.deepEqual(rule.tags, ["persistence"]);
  assert.deepEqual(rule.mitre, ["T1037"]);
  assert.equal(
    rule.query,
    'file where event.type == "creation" and file.path : "/etc/update-motd.d/*"',
  );
});

Deno.test(".eql without metadata: the id is also the name, defaults apply", () => {
  const r = load({ "x/plain_rule.eql": SHELL_EXEC });
  assert.deepEqual(where(r), []);
  assert.deepEqual(
    [r.rules[0].id, r.rules[0].name, r.rules[0].severity, r.rules[0].mitre],
    ["plain_rule", "plain_rule", "medium", []],
  );
});

Deno.test("the default dialect option applies to rules that name none", () => {
  const files = {
    "legacy.yaml": "id: l\nname: L\neql: process where process.name == '*sh'\n",
    "explicit.yaml": `id: e\nname: E\ndialect: elastic\neql: '${SHELL_EXEC}'\n`,
  };
  assert.ok(errors(load(files)).length > 0, "single quotes are not elastic EQL");
  const r = load(files, { dialect: "legacy" });
  assert.deepEqual(where(r), []);
  assert.deepEqual(r.rules.map((x) => [x.id, x.dialect]), [["l", "legacy"], ["e", "elastic"]]);
});

// ---------------------------------------------------------------- Elastic TOML

const ELASTIC = `[metadata]
creation_date = "2025/03/04"
maturity = "production"

[rule]
author = ["Alice", "Bob"]
description = "Reverse shell through /dev/tcp."
false_positives = ["Lab hosts."]
from = "now-9m"
index = ["logs-endpoint.events.*"]
language = "eql"
license = "Apache License 2.0"
name = "Reverse Shell via /dev/tcp"
references = ["https://example.org/devtcp"]
risk_score = 73
rule_id = "aa0669f6-8063-4384-a5cd-6262a4fb9344"
severity = "high"
tags = ["OS: Linux", "Tactic: Execution"]
type = "eql"
query = '''
process where host.os.type == "linux" and event.type == "start" and
  process.args : "*/dev/tcp/*"
'''

[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1059"
name = "Command and Scripting Interpreter"
[[rule.threat.technique.subtechnique]]
id = "T1059.004"
name = "Unix Shell"

[rule.threat.tactic]
id = "TA0002"
name = "Execution"

[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1071"
name = "Application Layer Protocol"

[rule.threat.tactic]
id = "TA0011"
name = "Command and Control"
`;

Deno.test("Elastic TOML: mapped to rule metadata, techniques and sub-techniques as mitre", () => {
  // The legacy default must not apply: Elastic rules are elastic EQL.
  const r = load({ "elastic/devtcp.toml": ELASTIC }, { dialect: "legacy" });
  assert.deepEqual(where(r), []);
  const rule = r.rules[0];
  assert.equal(rule.id, "aa0669f6-8063-4384-a5cd-6262a4fb9344");
  assert.equal(rule.name, "Reverse Shell via /dev/tcp");
  assert.equal(rule.description, "Reverse shell through /dev/tcp.");
  assert.equal(rule.author, "Alice, Bob");
  assert.equal(rule.severity, "high");
  assert.deepEqual(rule.tags, ["OS: Linux", "Tactic: Execution"]);
  assert.deepEqual(rule.mitre, ["T1059", "T1059.004", "T1071"]);
  assert.deepEqual(rule.falsePositives, ["Lab hosts."]);
  assert.deepEqual(rule.references, ["https://example.org/devtcp"]);
  assert.equal(rule.dialect, "elastic");
  assert.equal(rule.action, "alert");
  assert.deepEqual(rule.source, { file: "elastic/devtcp.toml", format: "elastic-toml", line: 21 });
  assert.equal(
    rule.query,
    'process where host.os.type == "linux" and event.type == "start" and\n  process.args : "*/dev/tcp/*"\n',
  );
});

Deno.test("Elastic TOML: kuery and query-less rule types are skipped with a note", () => {
  const r = load({
    "e/kuery.toml": '[rule]\nrule_id = "k1"\nname = "K"\nlanguage = "kuery"\ntype = "query"\n' +
      "query = '''event.category:network and destination.port:22'''\n",
    "e/ml.toml": '[metadata]\nmaturity = "production"\n[rule]\nrule_id = "m1"\nname = "ML"\n' +
      'type = "machine_learning"\nanomaly_threshold = 50\n',
  });
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.rules, []);
  assert.deepEqual(r.notes, [
    { file: "e/kuery.toml", message: 'skipped: language "kuery" is not EQL' },
    { file: "e/ml.toml", message: 'skipped: rule type "machine_learning" has no EQL query' },
  ]);
});

Deno.test("Elastic TOML: an EQL error is located in the file", () => {
  const text = ELASTIC.replace('process.args : "*/dev/tcp/*"', 'process.argz : "*/dev/tcp/*"');
  const d = onlyErrorAt(load({ "e.toml": text }), "e.toml", 22, 3);
  assert.match(d.message, /process\.argz/);
});

// ---------------------------------------------------------------- manifest

const MANIFEST = `ruleset:
  name: "Test rules"
  version: "1.2.3"
  description: "Rules for tests"
  author: "Security Team"
  date: "2026-01-15"
  categories:
    - name: "Execution"
      severity: high
      rules:
        - id: "net"
          file: "net.yaml"
  globals:
    HOME_NET: ["10.0.0.0/8", "192.168.0.0/16"]
    SHELLS: ["bash", "sh"]
  suppressions:
    - rule_id: "net"
      conditions:
        - process.parent.name == "cron"
        - 'process.executable : "/opt/*"'
    - rule_id: "*"
      conditions:
        - host.name == "build-1"
`;

const NET_RULE = `id: net
name: Outbound
eql: |
  network where event.action == "connection_attempted" and
    not cidrmatch(destination.ip, $HOME_NET) and process.name in $SHELLS
`;

Deno.test("manifest: identity, globals passed to the compiler, suppressions attached", () => {
  const r = load({
    "rules/manifest.yaml": MANIFEST,
    "rules/net.yaml": NET_RULE,
    "rules/other.yaml": `id: other\nname: Other\neql: '${SHELL_EXEC}'\n`,
  });
  assert.deepEqual(where(r), []);
  assert.deepEqual(r.manifest, {
    file: "rules/manifest.yaml",
    name: "Test rules",
    version: "1.2.3",
    description: "Rules for tests",
    author: "Security Team",
    date: "2026-01-15",
    globals: { HOME_NET: ["10.0.0.0/8", "192.168.0.0/16"], SHELLS: ["bash", "sh"] },
    suppressions: [
      {
        ruleId: "net",
        conditions: ['process.parent.name == "cron"', 'process.executable : "/opt/*"'],
      },
      { ruleId: "*", conditions: ['host.name == "build-1"'] },
    ],
  });
  const byId = new Map(r.rules.map((x) => [x.id, x]));
  assert.deepEqual([...byId.keys()], ["net", "other"], "the manifest is not a rule");
  assert.equal(byId.get("net")!.suppressions.length, 3, "its own two and the one for *");
  assert.equal(byId.get("other")!.suppressions.length, 1);
});

Deno.test("manifest: without it, globals are unknown", () => {
  const r = load({ "net.yaml": NET_RULE });
  assert.ok(
    errors(r).some((d) => /\$HOME_NET/.test(d.message) && d.line === 5),
    where(r).join("\n"),
  );
});

Deno.test("manifest: a suppression condition error is located; unknown rule ids warn", () => {
  const r = load({
    "manifest.yaml": `ruleset:
  suppressions:
    - rule_id: "nope"
      conditions:
        - 'process.nmae == "x"'
`,
  });
  const d = onlyErrorAt(r, "manifest.yaml", 5, 12);
  assert.match(d.message, /process\.nmae/);
  const w = r.diagnostics.filter((x) => x.severity === "warning");
  assert.deepEqual(
    w.map((x) => [x.line, x.col, x.message]),
    [[3, 16, 'suppression for unknown rule "nope"']],
  );
});

Deno.test("manifest: an unquoted `a : b` condition gets a hint", () => {
  const r = load({
    "manifest.yml": 'ruleset:\n  suppressions:\n    - rule_id: "*"\n      conditions:\n' +
      '        - process.executable : "/opt/*"\n',
  });
  const d = onlyErrorAt(r, "manifest.yml", 5, 11);
  assert.match(d.message, /"conditions"\[0\] must be a string, got a map \(quote it/);
});

// ---------------------------------------------------------------- errors at file:line:col

Deno.test("unknown key: error at the key's file:line:col", () => {
  const r = load({
    "k.yaml": `id: k\nname: K\nsevrity: high\neql: '${SHELL_EXEC}'\n`,
    "k.json":
      `{\n  "id": "kj",\n  "name": "K",\n  "eql": "${SHELL_EXEC.replaceAll('"', '\\"')}",\n` +
      `    "Tags": []\n}`,
    "k.toml": `id = "kt"\nname = "K"\neql = '${SHELL_EXEC}'\n\n  query = "x"\n`,
  });
  assert.deepEqual(where(r), [
    'k.yaml:3:1: unknown key "sevrity"',
    'k.json:5:5: unknown key "Tags"',
    'k.toml:5:3: unknown key "query"',
  ]);
  assert.deepEqual(r.rules, []);
  assert.deepEqual(r.rejected, [{ file: "k.yaml", id: "k" }, { file: "k.json", id: "kj" }, {
    file: "k.toml",
    id: "kt",
  }]);
});

Deno.test("wrong types and bad values name the key; every error is reported", () => {
  const r = load({
    "t.yaml": `id: bad id
name: 5
severity: [high]
version: 1.5
tags: linux
mitre: [T1059.004, T59, 1059]
enabled: "yes"
dialect: kql
action: alert
eql: process where true
`,
  });
  assert.deepEqual(where(r), [
    't.yaml:1:1: "id": "bad id" is not a valid rule id (letters, digits and _ . : - only)',
    't.yaml:2:1: "name" must be a string, got an integer',
    't.yaml:3:1: "severity" must be one of low, medium, high, critical, got a list',
    't.yaml:4:1: "version" must be a string or an integer, got a number',
    't.yaml:5:1: "tags" must be a list of strings, got a string',
    't.yaml:6:25: "mitre"[2] must be a string, got an integer',
    't.yaml:7:1: "enabled" must be true or false, got a string',
    't.yaml:8:1: "dialect" must be one of elastic, legacy, got "kql"',
  ]);
  const r2 = load({ "m.yaml": `id: m\nname: M\nmitre: [T1059.004, T59]\neql: '${SHELL_EXEC}'\n` });
  assert.deepEqual(where(r2), [
    'm.yaml:3:20: "mitre"[1]: "T59" is not an ATT&CK technique (T1059, T1059.004) or tactic (TA0002) id',
  ]);
});

Deno.test("missing required keys are reported at the start of the document", () => {
  const r = load({ "m.yaml": "# a comment\nid: m\ndescription: no name, no query\n" });
  assert.deepEqual(where(r), [
    'm.yaml:2:1: missing required key "name"',
    'm.yaml:2:1: missing required key "eql"',
  ]);
});

Deno.test("duplicate ids: error at the second occurrence naming the first file", () => {
  const r = load({
    "a/first.yaml": `id: dup\nname: First\neql: '${SHELL_EXEC}'\n`,
    "b/second.json": `{\n  "name": "Second",\n  "id": "dup",\n  "eql": "process where true"\n}`,
    "c/dup.eql": "process where true",
  });
  assert.deepEqual(where(r), [
    'b/second.json:3:3: duplicate rule id "dup" (first defined at a/first.yaml:1:1)',
    'c/dup.eql:1:1: duplicate rule id "dup" (first defined at a/first.yaml:1:1)',
  ]);
  assert.deepEqual(r.rules.map((x) => x.source.file), ["a/first.yaml"]);
});

Deno.test("parse errors of YAML, JSON and TOML are located", () => {
  const r = load({
    "y.yaml": "id: y\nname: [unclosed\neql: x\n",
    "j.json": '{\n  "id": "j",\n  "name": "J"\n  "eql": "x"\n}',
    "t.toml": 'id = "t"\nname = "T\neql = "x"\n',
  });
  const es = errors(r);
  assert.deepEqual(es.map((d) => [d.file, d.line]), [["y.yaml", 3], ["j.json", 4], ["t.toml", 2]]);
  assert.match(es[0].message, /^YAML: /);
  assert.equal(es[1].message, 'JSON: expected "," or "}"');
  assert.equal(es[1].col, 3);
  assert.match(es[2].message, /^TOML: /);
});

// ---------------------------------------------------------------- EQL errors inside strings

Deno.test("EQL error inside a YAML block scalar: exact file line and column", () => {
  // Line 7 is `    process.name == "bash" and )`: the `)` is at column 32.
  const text = fixture(`${INVALID}/eql_error_yaml_block.yaml`);
  const d = onlyErrorAt(load({ "block.yaml": text }), "block.yaml", 7, 32);
  assert.equal(d.sourceLine, '    process.name == "bash" and )');
});

Deno.test("EQL error inside other YAML styles: folded, plain multi-line, double-quoted", () => {
  const bad = 'process.nmae == "x"';
  const r1 = load({
    "f.yaml": `id: f\nname: F\neql: >\n  process where process.name == "sh"\n  and ${bad}\n`,
  });
  onlyErrorAt(r1, "f.yaml", 5, 7);
  const r2 = load({
    "p.yaml": `id: p\nname: P\neql: process where process.name == "sh"\n  and ${bad}\n`,
  });
  onlyErrorAt(r2, "p.yaml", 4, 7);
  // Escapes shift columns: `eql: "` is 6 characters, the field starts 41 raw characters later.
  const r3 = load({
    "q.yaml": `id: q\nname: Q\neql: "process where process.name == \\"sh\\" and ${
      bad.replaceAll('"', '\\"')
    }"\n`,
  });
  onlyErrorAt(r3, "q.yaml", 3, 48);
});

Deno.test("EQL error inside an escaped JSON string: exact column despite escapes", () => {
  const text = `{
  "id": "j1",
  "name": "J",
  "eql": "process where process.name == \\"sh\\" and process.nmae == \\"x\\""
}`;
  // The string's content starts at column 11; the field is 41 raw characters into it.
  const d = onlyErrorAt(load({ "j.json": text }), "j.json", 4, 52);
  assert.equal(d.sourceLine, text.split("\n")[3]);
});

Deno.test("EQL error inside a JSON string with \\n escapes lands on the right column", () => {
  const text = `{"id": "j2", "name": "J", "eql": "process where\\n  process.nmae == \\"x\\""}`;
  // One file line: the field follows `process where\n  ` (17 raw characters) after column 35.
  onlyErrorAt(load({ "j.json": text }), "j.json", 1, 52);
});

Deno.test("EQL error inside a TOML multi-line string: exact file line and column", () => {
  const text = fixture(`${INVALID}/eql_error_toml.toml`);
  const d = onlyErrorAt(load({ "t.toml": text }), "t.toml", 7, 3);
  assert.match(d.message, /process\.nmae/);
  // A basic multi-line string with a line-ending backslash.
  const r = load({
    "b.toml": 'id = "b"\nname = "B"\neql = """\nprocess where \\\n    process.nmae == "x"\n"""\n',
  });
  onlyErrorAt(r, "b.toml", 5, 5);
});

Deno.test("EQL error in a .eql file with a comment block: exact line and column", () => {
  const r = load({
    "c.eql": '// name: C\n// severity: low\n\nprocess where process.nmae == "x"\n',
  });
  onlyErrorAt(r, "c.eql", 4, 15);
  const text = fixture(`${INVALID}/eql_error.eql`);
  onlyErrorAt(load({ "e.eql": text }), "e.eql", 6, 3);
});

Deno.test("a rule's own suppression is compiled at its place in the file", () => {
  const r = load({
    "s.yaml":
      `id: s\nname: S\neql: '${SHELL_EXEC}'\nsuppressions:\n  - process.parent.name == "cron"\n` +
      '  - "process.parent.nmae == \\"x\\""\n',
  });
  onlyErrorAt(r, "s.yaml", 6, 6);
  const ok = load({
    "s.yaml": `id: s\nname: S\neql: '${SHELL_EXEC}'\nsuppressions: ['user.id == "0"']\n`,
  });
  assert.deepEqual(where(ok), []);
  assert.equal(ok.rules[0].suppressions.length, 1);
});

Deno.test("compiler warnings are kept and do not reject the rule", () => {
  // process.title is ECS, but the sensor never fills it: a warning.
  const r = load({ "w.yaml": `id: w\nname: W\neql: process where process.title == "x"\n` });
  assert.deepEqual(where(r), []);
  assert.equal(r.rules.length, 1);
  const w = r.diagnostics.filter((d) => d.severity === "warning");
  assert.equal(w.length, 1);
  assert.deepEqual([w[0].file, w[0].line, w[0].col], ["w.yaml", 3, 20]);
});

Deno.test("dynamic schema mode admits fields the ECS mode rejects", () => {
  const files = { "d.yaml": 'id: d\nname: D\neql: process where custom.thing == "x"\n' };
  assert.equal(errors(load(files)).length, 1);
  assert.deepEqual(where(load(files, { schemaMode: "dynamic" })), []);
});

// ---------------------------------------------------------------- file system

Deno.test("corpus: loads with no errors, at least 36 rules, one skipped kuery file", async () => {
  const r = await loadRules(CORPUS, { schemaMode: "ecs" });
  assert.deepEqual(where(r), []);
  assert.ok(r.rules.length >= 36, `only ${r.rules.length} rules`);
  assert.equal(r.rules.length, 41);
  assert.deepEqual(r.rejected, []);
  assert.deepEqual(
    r.notes.map((n) => [n.file.slice(CORPUS.length + 1), n.message]),
    [[
      "elastic/command_and_control_outbound_ssh_kuery.toml",
      'skipped: language "kuery" is not EQL',
    ]],
  );
  assert.equal(r.manifest?.name, "Kestrel Linux Test Corpus");
  assert.deepEqual(Object.keys(r.manifest?.globals ?? {}), ["HOME_NET", "TRUSTED_PROCESSES"]);
  // Every format is represented, and every rule has ATT&CK ids.
  const formats = new Set(r.rules.map((x) => x.source.format));
  assert.deepEqual([...formats].sort(), ["elastic-toml", "eql", "json", "toml", "yaml"]);
  for (const rule of r.rules) assert.ok(rule.mitre.length > 0, rule.id);
  const kinds = new Set(r.rules.map((x) => x.ir.kind));
  assert.deepEqual([...kinds].sort(), ["event", "sample", "sequence"]);
  assert.deepEqual(r.rules.filter((x) => x.dialect === "legacy").map((x) => x.id).sort(), [
    "lnx_root_shell_from_pager",
    "lnx_webshell_shell_descendant",
  ]);
  // Walked in sorted order: files appear in path order.
  const files = r.rules.map((x) => x.source.file);
  assert.deepEqual(files, [...files].sort());
  // The manifest's suppressions reach their rules.
  const ptrace = r.rules.find((x) => x.id === "lnx_ptrace_attach")!;
  assert.equal(ptrace.suppressions.length, 1 + 2 + 1, "own, its manifest entries, and *");
});

Deno.test("a single file loads with its .eql metadata and the nearest manifest above it", async () => {
  const r = await loadRules(`${CORPUS}/execution/lnx_python_pty_spawn.eql`);
  assert.deepEqual(where(r), []);
  assert.deepEqual(r.rules.map((x) => [x.id, x.name]), [[
    "lnx_python_pty_spawn",
    "Python Used to Upgrade a Shell to a PTY",
  ]]);
  const net = await loadRules(`${CORPUS}/persistence/lnx_authorized_keys_file_write.yaml`);
  assert.deepEqual(
    where(net),
    [],
    "the corpus manifest, two levels up, defines $TRUSTED_PROCESSES",
  );
});

Deno.test("invalid fixtures: one located error per kind of mistake", async () => {
  const r = await loadRules(INVALID);
  const rel = (d: Diagnostic) => `${d.file.slice(INVALID.length + 1)}:${d.line}:${d.col}`;
  assert.deepEqual(errors(r).map(rel), [
    "bad_mitre.yaml:4:20",
    "bad_yaml.yaml:4:1",
    "duplicate_id/second.json:2:3",
    "eql_error.eql:6:3",
    "eql_error_toml.toml:7:3",
    "eql_error_yaml_block.yaml:7:32",
    "missing_eql.yaml:1:1",
    "severity_type.yaml:3:1",
    "unknown_key.yaml:5:1",
  ]);
  assert.deepEqual(r.rules.map((x) => x.id), ["lnx_duplicate"]);
});

Deno.test("a missing path is a located error, not an exception", async () => {
  const r = await loadRules(`${FIXTURES}does-not-exist`);
  assert.deepEqual(errors(r).map((d) => [d.line, d.col, d.message]), [[
    1,
    1,
    "no such file or directory",
  ]]);
});
