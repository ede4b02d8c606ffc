/**
 * `kestrel validate` and `kestrel list`, run as real subprocesses from the
 * repository root: exit codes, diagnostics, summary lines and formats.
 */
import assert from "node:assert/strict";
import { deno, ROOT } from "./kestrel.ts";

const CORPUS = "tests/fixtures/rules/corpus";
const INVALID = "tests/fixtures/rules/invalid";

const kestrel = (...args: string[]) => deno(["run", "-A", "main.ts", ...args], { cwd: ROOT });

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

Deno.test("validate: the corpus passes with one skipped kuery file", async () => {
  const r = await kestrel("validate", "--rules", CORPUS);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(lines(r.stdout), [
    `${CORPUS}/elastic/command_and_control_outbound_ssh_kuery.toml: skipped: language "kuery" is not EQL`,
    "validated 41 rules: 0 errors, 0 warnings, 1 skipped",
  ]);
});

Deno.test("validate: an unknown key is printed as file:line:col with source and caret", async () => {
  const r = await kestrel("validate", "--rules", `${INVALID}/unknown_key.yaml`);
  assert.equal(r.code, 1);
  assert.deepEqual(lines(r.stdout), [
    `${INVALID}/unknown_key.yaml:5:1: unknown key "severty"`,
    "  severty: high",
    "  ^",
    "validated 1 rule: 1 error, 0 warnings, 0 skipped",
  ]);
});

Deno.test("validate: an EQL error in a YAML block scalar points into the file", async () => {
  const r = await kestrel("validate", "--rules", `${INVALID}/eql_error_yaml_block.yaml`);
  assert.equal(r.code, 1);
  const out = lines(r.stdout);
  assert.match(out[0], new RegExp(`^${INVALID}/eql_error_yaml_block\\.yaml:7:32: `));
  assert.deepEqual(out.slice(1), [
    '      process.name == "bash" and )',
    "                                 ^",
    "validated 1 rule: 1 error, 0 warnings, 0 skipped",
  ]);
});

Deno.test("validate: every error of the invalid fixtures is reported", async () => {
  const r = await kestrel("validate", "--rules", INVALID);
  assert.equal(r.code, 1);
  const heads = lines(r.stdout).filter((l) => l.startsWith(INVALID));
  assert.deepEqual(heads.map((l) => l.split(": ")[0]), [
    `${INVALID}/bad_mitre.yaml:4:20`,
    `${INVALID}/bad_yaml.yaml:4:1`,
    `${INVALID}/duplicate_id/second.json:2:3`,
    `${INVALID}/eql_error.eql:6:3`,
    `${INVALID}/eql_error_toml.toml:7:3`,
    `${INVALID}/eql_error_yaml_block.yaml:7:32`,
    `${INVALID}/missing_eql.yaml:1:1`,
    `${INVALID}/severity_type.yaml:3:1`,
    `${INVALID}/unknown_key.yaml:5:1`,
  ]);
  assert.equal(lines(r.stdout).at(-1), "validated 10 rules: 9 errors, 0 warnings, 0 skipped");
});

Deno.test("validate --schema dynamic admits a non-ECS field", async () => {
  const file = `${INVALID}/eql_error_toml.toml`;
  assert.equal((await kestrel("validate", "--rules", file)).code, 1);
  const r = await kestrel("validate", "--rules", file, "--schema", "dynamic");
  assert.equal(r.code, 0, r.stdout);
  assert.equal(lines(r.stdout).at(-1), "validated 1 rule: 0 errors, 0 warnings, 0 skipped");
});

Deno.test("validate --case-insensitive makes legacy the default dialect", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/legacy.yaml`,
      "id: legacy_shell\nname: Legacy\nmitre: [T1059.004]\neql: process where process.name == '*sh'\n",
    );
    assert.equal((await kestrel("validate", "--rules", dir)).code, 1);
    const r = await kestrel("validate", "--rules", dir, "--case-insensitive");
    assert.equal(r.code, 0, r.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("validate --format json", async () => {
  const r = await kestrel("validate", "--rules", `${INVALID}/unknown_key.yaml`, "--format", "json");
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(
    [report.ok, report.rules, report.loaded, report.errors, report.warnings, report.skipped],
    [false, 1, 0, 1, 0, 0],
  );
  assert.deepEqual(report.diagnostics, [{
    severity: "error",
    message: 'unknown key "severty"',
    file: `${INVALID}/unknown_key.yaml`,
    line: 5,
    col: 1,
    sourceLine: "severty: high",
  }]);
});

Deno.test("validate: usage errors exit 2 with one line; --help exits 0", async () => {
  for (
    const [args, message] of [
      [["--bogus"], "kestrel validate: Unknown option '--bogus' (see kestrel validate --help)"],
      [[], "kestrel validate: --rules PATH is required (see kestrel validate --help)"],
      [
        ["--rules", CORPUS, "--schema", "strict"],
        'kestrel validate: --schema must be ecs or dynamic, not "strict"',
      ],
      [
        ["--rules", CORPUS, "--format", "xml"],
        'kestrel validate: --format must be text or json, not "xml"',
      ],
    ] as const
  ) {
    const r = await kestrel("validate", ...args);
    assert.equal(r.code, 2, args.join(" "));
    assert.deepEqual(lines(r.stderr), [message]);
    assert.equal(r.stdout, "");
  }
  const help = await kestrel("validate", "--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: kestrel validate --rules PATH/);
});

Deno.test("validate: a missing path is a located error", async () => {
  const r = await kestrel("validate", "--rules", "tests/fixtures/rules/nope");
  assert.equal(r.code, 1);
  assert.deepEqual(lines(r.stdout), [
    "tests/fixtures/rules/nope:1:1: no such file or directory",
    "validated 0 rules: 1 error, 0 warnings, 0 skipped",
  ]);
});

Deno.test("list: table with id, severity, kind, mitre and name", async () => {
  const r = await kestrel("list", "--rules", CORPUS);
  assert.equal(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out.length, 1 + 41);
  assert.match(out[0], /^ID +SEVERITY +KIND +MITRE +NAME$/);
  const row = (id: string) => out.find((l) => l.startsWith(id + " "))!.split(/ {2,}/);
  assert.deepEqual(row("lnx_ssh_bruteforce_then_success"), [
    "lnx_ssh_bruteforce_then_success",
    "high",
    "sequence",
    "T1110.001,T1078",
    "SSH Login Succeeded after Repeated Failures",
  ]);
  assert.deepEqual(row("lnx_discovery_burst_sample").slice(1, 3), ["low", "sample"]);
  assert.deepEqual(row("lnx_cron_file_write").slice(1, 3), ["medium", "event"]);
});

Deno.test("list --format json: metadata without ast or ir", async () => {
  const r = await kestrel("list", "--rules", CORPUS, "--format", "json");
  assert.equal(r.code, 0, r.stderr);
  const rules = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.equal(rules.length, 41);
  for (const rule of rules) {
    assert.ok(!("ast" in rule) && !("ir" in rule) && !("suppressions" in rule), String(rule.id));
  }
  const elastic = rules.find((x) => x.id === "aa0669f6-8063-4384-a5cd-6262a4fb9344")!;
  assert.deepEqual(
    [elastic.name, elastic.severity, elastic.kind, elastic.mitre, elastic.dialect],
    [
      "Reverse Shell via /dev/tcp Redirection",
      "high",
      "event",
      ["T1059", "T1059.004", "T1071"],
      "elastic",
    ],
  );
  assert.deepEqual(elastic.source, {
    file: `${CORPUS}/elastic/execution_bash_dev_tcp_reverse_shell.toml`,
    format: "elastic-toml",
    line: 35,
  });
});

Deno.test("list --format markdown: the ATT&CK coverage report", async () => {
  const file = `${CORPUS}/persistence/lnx_motd_script_write.eql`;
  const r = await kestrel("list", "--rules", file, "--format", "markdown");
  assert.equal(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out[0], "# ATT&CK coverage of Kestrel Linux Test Corpus 1.4.0");
  assert.ok(
    out.includes(`Generated by \`kestrel list --rules ${file} --format markdown\`; do not edit.`),
  );
  assert.ok(out.includes("| Persistence (TA0003) | 1 | 0 | 1 | unknown |"));
  assert.ok(out.includes("| Persistence (TA0003) | T1037 | lnx_motd_script_write |"));
  assert.ok(
    out.includes(
      "| Persistence (TA0003) | lnx_motd_script_write | event | medium | T1037 | unknown | Message of the Day Script Written |",
    ),
  );
});

Deno.test("list: rules with errors are left out, errors on stderr, exit 1", async () => {
  const r = await kestrel("list", "--rules", `${INVALID}/duplicate_id`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /second\.json:2:3: duplicate rule id "lnx_duplicate"/);
  assert.deepEqual(lines(r.stdout).slice(1).map((l) => l.split(/ {2,}/)[0]), ["lnx_duplicate"]);
  const bad = await kestrel("list", "--rules", CORPUS, "--format", "csv");
  assert.equal(bad.code, 2);
  assert.deepEqual(lines(bad.stderr), [
    'kestrel list: --format must be table, json or markdown, not "csv"',
  ]);
});
