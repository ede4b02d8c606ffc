/**
 * `config/`: defaults, the seeds' example config, the documented example in
 * `deploy/`, one test per kind of mistake (each message names the key and
 * its line), `${ENV}` expansion, and the key locator.
 */
import assert from "node:assert/strict";
import { parse } from "smol-toml";
import {
  configCheck,
  DEFAULT_CONFIG,
  expandEnv,
  loadConfig,
  loadConfigFile,
  type LoadResult,
  NOT_IMPLEMENTED,
  SCHEMA,
  schemaKeys,
} from "../../config/mod.ts";
import { KeyLocations } from "../../config/locate.ts";
import { DEFAULT_QUOTAS } from "../../engine/state.ts";
import { formatDiagnostic, formatDiagnostics } from "../../eql/errors.ts";

const ROOT = decodeURIComponent(new URL("../../", import.meta.url).pathname);
const SEED = `${ROOT}tests/fixtures/config/seed_example.toml`;
const EXAMPLE = `${ROOT}deploy/config.example.toml`;

/** No variable is set, unless listed. */
function envOf(vars: Record<string, string> = {}) {
  return (name: string) => vars[name];
}

function load(text: string, vars: Record<string, string> = {}): LoadResult {
  return loadConfig(text, "kestrel.toml", { env: envOf(vars) });
}

/** The diagnostics of a result, one `file:line:col: message` line each. */
function errorsOf(r: LoadResult): string[] {
  return r.errors.map((d) => formatDiagnostic(d, false));
}

function warningsOf(r: LoadResult): string[] {
  return r.warnings.map((d) => formatDiagnostic(d, false));
}

/** The single error of `text`, formatted without the source line. */
function onlyError(text: string, vars: Record<string, string> = {}): string {
  const r = load(text, vars);
  assert.equal(r.errors.length, 1, formatDiagnostics(r.errors));
  return errorsOf(r)[0];
}

// ---------------------------------------------------------------- defaults

Deno.test("defaults: an empty file is the embedded defaults, frozen", () => {
  const r = load("");
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.config, DEFAULT_CONFIG);
  assert.equal(r.config.general.mode, "detect");
  assert.equal(r.config.general.log_level, "info");
  assert.equal(r.config.http.listen, "127.0.0.1:9090");
  assert.equal(r.config.http.token, "");
  assert.deepEqual(r.config.http.analyze_dirs, []);
  assert.deepEqual(r.config.alerts.outputs, ["stdout"]);
  assert.equal(r.config.alerts.rotation, "daily");
  assert.equal(r.config.alerts.syslog.port, 514);
  assert.equal(r.config.alerts.webhook.queue_dir, "/var/lib/kestrel/webhook-queue");
  assert.equal(r.config.replay.record_dir, "/var/lib/kestrel/recordings");
  assert.equal(r.config.ebpf.ringbuf_size, 1024); // 4 MiB, the sensor's default ring
  assert.equal(r.config.engine.runtime, "js");
  assert.equal(r.config.rules.dir, "");
  assert.ok(Object.isFrozen(r.config) && Object.isFrozen(r.config.alerts.syslog));
  assert.ok(Object.isFrozen(r.config.alerts.outputs));
});

Deno.test("defaults: the sequence quotas are the engine's", () => {
  const { nfa } = DEFAULT_CONFIG;
  assert.equal(nfa.max_partial_matches, DEFAULT_QUOTAS.maxPartialMatches);
  assert.equal(nfa.max_matches_per_entity, DEFAULT_QUOTAS.maxPerEntity);
  assert.equal(nfa.lru_capacity, DEFAULT_QUOTAS.maxPerRule);
});

Deno.test("defaults: every schema key has a default and every default a schema key", () => {
  const leaves = (o: object, prefix = ""): string[] =>
    Object.entries(o).flatMap(([k, v]) =>
      v !== null && typeof v === "object" && !Array.isArray(v)
        ? leaves(v, `${prefix}${k}.`)
        : [prefix + k]
    );
  const keys = schemaKeys().filter((k) => k !== "alerts.type").sort();
  assert.deepEqual(leaves(DEFAULT_CONFIG).sort(), keys);
  assert.equal(keys.length, 67);
});

Deno.test("defaults: a file stating every default loads to the defaults", () => {
  // Built by hand from the key list so the defaults also pass their own checks.
  const lines: string[] = [];
  for (const [table, values] of Object.entries(DEFAULT_CONFIG)) {
    if (table === "integration") continue;
    const sub = Object.entries(values as Record<string, unknown>);
    lines.push(`[${table}]`);
    for (const [k, v] of sub) {
      if (v !== null && typeof v === "object" && !Array.isArray(v)) continue;
      lines.push(`${k} = ${JSON.stringify(v)}`);
    }
    for (const [k, v] of sub) {
      if (v === null || typeof v !== "object" || Array.isArray(v)) continue;
      lines.push(`[${table}.${k}]`);
      for (const [kk, vv] of Object.entries(v)) lines.push(`${kk} = ${JSON.stringify(vv)}`);
    }
  }
  const r = load(lines.join("\n") + "\n");
  assert.deepEqual(errorsOf(r), []);
  assert.deepEqual(r.config, DEFAULT_CONFIG);
});

// ---------------------------------------------------------------- the seeds' example

Deno.test("seed example: loads with warnings only, each naming an unimplemented key", async () => {
  const r = await loadConfigFile(SEED, { env: envOf() });
  assert.deepEqual(errorsOf(r), []);
  const f = SEED;
  assert.deepEqual(warningsOf(r), [
    `${f}:16:1: warning: general.workers is not implemented yet and is ignored; ` +
    "the engine runs on one thread",
    `${f}:19:1: warning: general.max_memory_mb is not implemented yet and is ignored; ` +
    "bound memory with the service manager's MemoryMax=",
    `${f}:26:1: warning: engine.event_bus_partitions is not implemented yet and is ignored; ` +
    "events go from the ring buffer straight into one engine",
    `${f}:29:1: warning: engine.channel_size is not implemented yet and is ignored; ` +
    "events go from the ring buffer straight into the engine; size the ring with ebpf.ringbuf_size",
    `${f}:32:1: warning: engine.batch_size is not implemented yet and is ignored; ` +
    "the sensor sizes its batches itself",
    `${f}:35:1: warning: engine.event_timeout_ms is not implemented yet and is ignored; ` +
    "events are not timed out",
    `${f}:45:1: warning: nfa.ttl_check_interval_sec is not implemented yet and is ignored; ` +
    "partial matches expire in event time, as events and heartbeats arrive",
    `${f}:55:1: warning: ebpf.program_path is not implemented yet and is ignored; ` +
    "the BPF objects embedded in the binary are loaded",
    `${f}:61:1: warning: ebpf.event_types is not implemented yet and is ignored; ` +
    "the kernel submits the event types the rules need, see ebpf.interest_pushdown",
    `${f}:68:1: warning: wasm.enabled is not implemented yet and is ignored; ` +
    'the runtime is chosen with engine.runtime = "wasm"',
    `${f}:71:1: warning: wasm.instance_pool_size is not implemented yet and is ignored; ` +
    "one wasm instance per ruleset; events are evaluated one at a time",
    `${f}:84:1: warning: lua.jit_enabled is not implemented yet and is ignored; ` +
    "Lua is interpreted (Lua 5.4 in WebAssembly has no JIT)",
    `${f}:108:1: warning: [performance] is not implemented yet and is ignored ` +
    "(enable_profiling, metrics_enabled, metrics_host, metrics_port, report_interval_sec); " +
    "metrics are served at /metrics on http.listen",
    `${f}:122:1: warning: security.verify_rule_signatures is not implemented yet and is ` +
    "ignored; rules are loaded from rules.dir unsigned",
    `${f}:125:1: warning: security.allow_external_rules is not implemented yet and is ` +
    "ignored; rules are loaded from rules.dir only",
    `${f}:136:1: warning: replay.event_buffer_size is not implemented yet and is ignored; ` +
    "replay reads events as it needs them",
    `${f}:137:1: warning: replay.time_compression_ratio is not implemented yet and is ignored; ` +
    "replay runs as fast as it can, in event time",
    `${f}:141:1: warning: [integration.siem] is not implemented yet and is ignored ` +
    "(enabled, type, url, token); send alerts to a SIEM or SOAR with alerts.syslog or alerts.webhook",
    `${f}:148:1: warning: [integration.soar] is not implemented yet and is ignored ` +
    "(enabled, webhook_url, auth_token); send alerts to a SIEM or SOAR with alerts.syslog or " +
    "alerts.webhook",
  ]);
});

Deno.test("seed example: its values are read, `type` as the rotation, the indented key too", async () => {
  const { config } = await loadConfigFile(SEED, { env: envOf() });
  assert.equal(config.general.mode, "detect");
  assert.equal(config.general.data_dir, "/var/lib/kestrel");
  assert.equal(config.engine.channel_size, 50000);
  assert.equal(config.nfa.max_partial_matches, 100000);
  assert.equal(config.ebpf.ringbuf_size, 8192);
  assert.deepEqual(config.ebpf.event_types, ["process", "file", "network", "dns"]);
  assert.deepEqual(config.alerts.outputs, ["stdout", "file", "syslog"]);
  assert.equal(config.alerts.file_path, "/var/log/kestrel/alerts.json");
  assert.equal(config.alerts.rotation, "daily"); // written `type = "daily"` under [alerts]
  assert.equal(config.alerts.retention_days, 90);
  assert.deepEqual(config.alerts.syslog, {
    host: "localhost",
    port: 514,
    protocol: "udp",
    facility: "local0",
    app_name: "kestrel",
  });
  assert.equal(config.replay.deterministic_mode, true); // written with a leading space
  assert.equal(config.replay.time_compression_ratio, 1);
  // Unresolved references in ignored tables stay as written.
  assert.equal(config.integration.siem.token, "${SIEM_TOKEN}");
  assert.equal(config.integration.soar.webhook_url, "https://soar.company.com/webhook");
});

Deno.test("seed example: integration references are expanded when set", async () => {
  const r = await loadConfigFile(SEED, { env: envOf({ SIEM_TOKEN: "t0k", SOAR_TOKEN: "s0" }) });
  assert.deepEqual(r.errors, []);
  assert.equal(r.config.integration.siem.token, "t0k");
  assert.equal(r.config.integration.soar.auth_token, "s0");
});

// ---------------------------------------------------------------- deploy/

Deno.test("deploy example: loads with no errors and no warnings, to the defaults", async () => {
  const r = await loadConfigFile(EXAMPLE, { env: envOf() });
  assert.deepEqual(errorsOf(r), []);
  assert.deepEqual(warningsOf(r), []);
  assert.deepEqual(r.config, DEFAULT_CONFIG);
});

Deno.test("deploy example: every key is documented, the commented ones with their defaults", async () => {
  // Uncomment "# key = value" and "# [table]" lines (one space after the hash).
  const text = (await Deno.readTextFile(EXAMPLE)).replace(
    /^# (\[[a-z_.]+\]|[a-z_]+ = .*)$/gm,
    "$1",
  );
  const r = load(text);
  assert.deepEqual(errorsOf(r), []);
  assert.deepEqual(r.config, DEFAULT_CONFIG);
  const doc = parse(text) as Record<string, Record<string, unknown>>;
  const missing = schemaKeys().filter((k) => {
    if (k === "alerts.type") return false;
    let v: unknown = doc;
    for (const part of k.split(".")) v = (v as Record<string, unknown> | undefined)?.[part];
    return v === undefined;
  });
  assert.deepEqual(missing, []);
  // Uncommented, the unimplemented keys are the warnings.
  assert.equal(r.warnings.length, 17);
});

// ---------------------------------------------------------------- mistakes

Deno.test("mistake: unknown key in a known table names the key, its line, a near key", () => {
  assert.equal(
    onlyError('[alerts.syslog]\nhost = "siem"\nprot = 514\n'),
    "kestrel.toml:3:1: unknown key alerts.syslog.prot: did you mean alerts.syslog.port?",
  );
  assert.equal(
    onlyError('[general]\nmode = "detect"\n\n  colour = 3\n'),
    "kestrel.toml:4:3: unknown key general.colour: " +
      "[general] has mode, log_level, workers, max_memory_mb, data_dir",
  );
  // A key written in the wrong table points to the right one.
  assert.equal(
    onlyError('[alerts]\nhost = "siem"\n'),
    "kestrel.toml:2:1: unknown key alerts.host: did you mean alerts.syslog.host?",
  );
});

Deno.test("mistake: unknown table names the table and its header line", () => {
  assert.equal(
    onlyError('[general]\nmode = "detect"\n[alrts]\noutputs = ["stdout"]\n'),
    "kestrel.toml:3:1: unknown table [alrts]: did you mean [alerts]?",
  );
  assert.equal(
    onlyError("[kafka]\nbrokers = 3\n"),
    "kestrel.toml:1:1: unknown table [kafka]: the tables are general, engine, nfa, ebpf, " +
      "wasm, lua, alerts, http, performance, security, replay, rules, integration",
  );
  assert.equal(
    onlyError("[alerts.kafka]\nbrokers = 3\n"),
    "kestrel.toml:1:1: unknown table [alerts.kafka]: [alerts] has outputs, file_path, " +
      "rotation, retention_days, max_file_size_mb, dedup_window_sec, [alerts.syslog], " +
      "[alerts.webhook]",
  );
});

Deno.test("mistake: wrong type names the key, the expected type and the value", () => {
  assert.equal(
    onlyError('[alerts.syslog]\nhost = "siem"\nport = "514"\n'),
    'kestrel.toml:3:8: alerts.syslog.port must be an integer, not "514"',
  );
  assert.equal(
    onlyError('[ebpf]\nenabled = "yes"\n'),
    'kestrel.toml:2:11: ebpf.enabled must be true or false, not "yes"',
  );
  assert.equal(
    onlyError('[alerts]\noutputs = "stdout"\n'),
    'kestrel.toml:2:11: alerts.outputs must be an array of strings, not "stdout"',
  );
  assert.equal(
    onlyError("[nfa]\nlru_capacity = 10.5\n"),
    "kestrel.toml:2:16: nfa.lru_capacity must be an integer, not 10.5",
  );
  assert.equal(
    onlyError("[http]\nlisten = 9090\n"),
    "kestrel.toml:2:10: http.listen must be a string, not 9090",
  );
  assert.equal(
    onlyError("general = 1\n"),
    "kestrel.toml:1:11: general must be a table, not 1",
  );
});

Deno.test("mistake: bad enum value lists the accepted ones", () => {
  assert.equal(
    onlyError('[general]\nmode = "detct"\n'),
    'kestrel.toml:2:8: general.mode must be one of "detect", "enforce" or "offline", not "detct"',
  );
  assert.equal(
    onlyError('[alerts]\noutputs = ["stdout", "kafka"]\n'),
    "kestrel.toml:2:11: alerts.outputs[1] must be one of " +
      '"stdout", "file", "syslog" or "webhook", not "kafka"',
  );
  assert.equal(
    onlyError('[alerts]\nrotation = "weekly"\n'),
    'kestrel.toml:2:12: alerts.rotation must be one of "hourly", "daily" or "size", not "weekly"',
  );
});

Deno.test("mistake: bad port", () => {
  assert.equal(
    onlyError("[alerts.syslog]\nport = 70000\n"),
    "kestrel.toml:2:8: alerts.syslog.port must be between 1 and 65535, not 70000",
  );
  assert.equal(
    onlyError("[alerts.syslog]\nport = 0\n"),
    "kestrel.toml:2:8: alerts.syslog.port must be between 1 and 65535, not 0",
  );
  assert.equal(
    onlyError('[http]\nlisten = "127.0.0.1:99999"\n'),
    "kestrel.toml:2:10: http.listen must be host:port with a port between 1 and 65535, " +
      'not "127.0.0.1:99999"',
  );
});

Deno.test("mistake: missing environment variable names the key and the variable", () => {
  assert.equal(
    onlyError(
      '[alerts.webhook]\nurl = "https://soar.example/hook"\ntoken = "Bearer ${HOOK_TOKEN}"\n',
    ),
    "kestrel.toml:3:17: alerts.webhook.token refers to ${HOOK_TOKEN}, " +
      "but the environment variable HOOK_TOKEN is not set",
  );
  assert.equal(
    onlyError('[http]\nanalyze_dirs = ["/srv", "${CASES}/in"]\n'),
    "kestrel.toml:2:26: http.analyze_dirs refers to ${CASES}, " +
      "but the environment variable CASES is not set",
  );
});

Deno.test("mistake: TOML syntax error at its line and column", () => {
  assert.equal(
    onlyError('[general]\nmode = "detect"\nlog_level = \n'),
    "kestrel.toml:3:13: invalid TOML: invalid value",
  );
  assert.equal(
    onlyError('[general]\nmode = "a"\nmode = "b"\n'),
    "kestrel.toml:3:1: invalid TOML: trying to redefine an already defined table or value",
  );
  assert.equal(onlyError("[general\n"), "kestrel.toml:1:9: invalid TOML: illegal character in key");
  // The defaults come back with the error.
  assert.deepEqual(load("[general\n").config, DEFAULT_CONFIG);
});

Deno.test("mistake: other value checks", () => {
  assert.equal(
    onlyError("[ebpf]\nringbuf_size = 1000\n"),
    "kestrel.toml:2:16: ebpf.ringbuf_size must be a power of 2 (pages of 4 KiB), not 1000",
  );
  assert.equal(
    onlyError("[nfa]\nmax_partial_matches = 0\n"),
    "kestrel.toml:2:23: nfa.max_partial_matches must be at least 1, not 0",
  );
  assert.equal(
    onlyError("[engine]\nchannel_size = 99999999999999999999\n"),
    "kestrel.toml:2:16: engine.channel_size must be at most 9007199254740991, " +
      "not 99999999999999999999",
  );
  assert.equal(
    onlyError("[replay]\ntime_compression_ratio = -2.5\n"),
    "kestrel.toml:2:26: replay.time_compression_ratio must be a number above 0, not -2.5",
  );
  assert.equal(
    onlyError('[http]\nanalyze_dirs = ["cases"]\n'),
    'kestrel.toml:2:16: http.analyze_dirs[0] must be an absolute path, not "cases"',
  );
  assert.equal(
    onlyError('[alerts]\noutputs = ["file", "file"]\n'),
    'kestrel.toml:2:11: alerts.outputs[1] repeats "file"',
  );
  assert.equal(
    onlyError('[alerts.webhook]\nurl = "ftp://example.org/"\n'),
    'kestrel.toml:2:7: alerts.webhook.url must be an http:// or https:// URL, not "ftp://example.org/"',
  );
  assert.equal(
    onlyError('[alerts]\noutputs = ["stdout", "webhook"]\n'),
    'kestrel.toml:2:11: alerts.outputs includes "webhook" but alerts.webhook.url is not set',
  );
  assert.equal(
    onlyError('[alerts]\ntype = "daily"\nrotation = "size"\n'),
    "kestrel.toml:2:1: alerts.type is another name for alerts.rotation; set only one of them",
  );
  assert.equal(
    onlyError("[integration]\nsiem = 1\n"),
    "kestrel.toml:2:8: integration.siem must be a table, not 1",
  );
});

Deno.test("mistakes: every one is reported, in file order, with the source line", () => {
  const r = load('[general]\nmode = "x"\n[alerts.syslog]\nport = 0\nprot = 1\n');
  assert.equal(
    formatDiagnostics(r.errors),
    [
      'kestrel.toml:2:8: general.mode must be one of "detect", "enforce" or "offline", not "x"',
      '  mode = "x"',
      "         ^",
      "kestrel.toml:4:8: alerts.syslog.port must be between 1 and 65535, not 0",
      "  port = 0",
      "         ^",
      "kestrel.toml:5:1: unknown key alerts.syslog.prot: did you mean alerts.syslog.port?",
      "  prot = 1",
      "  ^",
    ].join("\n"),
  );
  // Keys in error keep their defaults.
  assert.equal(r.config.general.mode, "detect");
  assert.equal(r.config.alerts.syslog.port, 514);
});

Deno.test("unimplemented values are warnings naming key and value", () => {
  const r = load(
    '[general]\nmode = "enforce"\n[engine]\nruntime = "wasm"\n[replay]\ndeterministic_mode = false\n',
  );
  assert.deepEqual(errorsOf(r), []);
  // Enforcement and the wasm runtime are implemented: only the last value warns.
  assert.deepEqual(warningsOf(r), [
    "kestrel.toml:6:22: warning: replay.deterministic_mode = false is not implemented yet; " +
    "replay is always deterministic",
  ]);
  assert.equal(r.config.engine.runtime, "wasm");
  assert.equal(r.config.general.mode, "enforce");
});

Deno.test("a file that cannot be read is one error", async () => {
  const r = await loadConfigFile(`${ROOT}tests/fixtures/config/absent.toml`);
  assert.deepEqual(errorsOf(r), [
    `${ROOT}tests/fixtures/config/absent.toml:1:1: cannot read the config file: no such file`,
  ]);
});

// ---------------------------------------------------------------- values

Deno.test("values: accepted forms", () => {
  const r = load(
    [
      "[http]",
      'listen = "[::1]:8443"',
      'analyze_dirs = ["/srv/cases", "/tmp/samples"]',
      "[alerts]",
      'outputs = ["file", "syslog", "webhook"]',
      'type = "size"',
      "retention_days = 0",
      "[alerts.webhook]",
      'url = "https://soar.example/hook"',
      "max_retries = 0",
      "[replay]",
      "time_compression_ratio = 2",
    ].join("\n"),
  );
  assert.deepEqual(errorsOf(r), []);
  assert.equal(r.config.http.listen, "[::1]:8443");
  assert.deepEqual(r.config.http.analyze_dirs, ["/srv/cases", "/tmp/samples"]);
  assert.equal(r.config.alerts.rotation, "size");
  assert.equal(r.config.alerts.retention_days, 0);
  assert.equal(r.config.alerts.webhook.max_retries, 0);
  assert.equal(r.config.replay.time_compression_ratio, 2);
});

Deno.test("values: queue and recording directories follow data_dir unless set", () => {
  const a = load('[general]\ndata_dir = "/srv/kestrel/"\n');
  assert.equal(a.config.alerts.webhook.queue_dir, "/srv/kestrel/webhook-queue");
  assert.equal(a.config.replay.record_dir, "/srv/kestrel/recordings");
  const b = load('[general]\ndata_dir = "/srv/k"\n[alerts.webhook]\nqueue_dir = "/q"\n');
  assert.equal(b.config.alerts.webhook.queue_dir, "/q");
  const c = load('[alerts.webhook]\nqueue_dir = ""\n');
  assert.equal(c.config.alerts.webhook.queue_dir, "/var/lib/kestrel/webhook-queue");
});

// ---------------------------------------------------------------- ${ENV}

Deno.test("env: references are expanded in strings and string arrays", () => {
  const r = load(
    [
      "[general]",
      'data_dir = "${STATE}/kestrel"',
      "[http]",
      'token = "${API_TOKEN}"',
      'analyze_dirs = ["${CASES}", "/srv/${MISSING:-fallback}"]',
      "[alerts.syslog]",
      'host = "${SYSLOG_HOST:-localhost}"',
      'app_name = "$${literal}"',
    ].join("\n"),
    { STATE: "/var/lib", API_TOKEN: "s3cret", CASES: "/srv/cases", SYSLOG_HOST: "" },
  );
  assert.deepEqual(errorsOf(r), []);
  assert.equal(r.config.general.data_dir, "/var/lib/kestrel");
  assert.equal(r.config.http.token, "s3cret");
  assert.deepEqual(r.config.http.analyze_dirs, ["/srv/cases", "/srv/fallback"]);
  assert.equal(r.config.alerts.syslog.host, "localhost"); // empty → fallback
  assert.equal(r.config.alerts.syslog.app_name, "${literal}");
});

Deno.test("env: the expanded value is what the checks see", () => {
  assert.equal(
    onlyError('[general]\nmode = "${MODE}"\n', { MODE: "block" }),
    'kestrel.toml:2:8: general.mode must be one of "detect", "enforce" or "offline", not "block"',
  );
});

Deno.test("env: a malformed reference is an error", () => {
  assert.equal(
    onlyError('[http]\ntoken = "${API TOKEN}"\n'),
    'kestrel.toml:2:10: http.token has a malformed reference "${API TOKEN}": ' +
      "write ${NAME}, ${NAME:-default}, or $${ for a literal ${",
  );
});

Deno.test("env: an unset variable in an unimplemented key is left as written", () => {
  const r = load('[performance]\nmetrics_host = "${METRICS_HOST}"\n');
  assert.deepEqual(errorsOf(r), []);
  assert.equal(r.warnings.length, 1);
  assert.equal(r.config.performance.metrics_host, "${METRICS_HOST}");
});

Deno.test("expandEnv: forms", () => {
  const env = envOf({ A: "1", E: "" });
  assert.deepEqual(expandEnv("x${A}y", env), { value: "x1y", missing: [] });
  assert.deepEqual(expandEnv("${B}", env), { value: "${B}", missing: ["B"] });
  assert.deepEqual(expandEnv("${B:-two words}", env), { value: "two words", missing: [] });
  assert.deepEqual(expandEnv("${E}", env), { value: "", missing: [] });
  assert.deepEqual(expandEnv("$A $${A} $", env), { value: "$A ${A} $", missing: [] });
  assert.deepEqual(expandEnv("${1A}", env), { value: "${1A}", missing: [], malformed: "${1A}" });
  assert.deepEqual(expandEnv("${A", env), { value: "${A", missing: [], malformed: "${" });
});

// ---------------------------------------------------------------- locator

Deno.test("locator: headers, dotted, quoted and inline keys; strings and comments skipped", () => {
  const text = [
    "# port = 1", // 1
    'note = """', // 2
    "[alerts.syslog]", // 3
    "port = 2", // 4
    '"""', // 5
    "alerts.webhook.url = 'x' # url = y", // 6
    '[ "alerts" . syslog ]', // 7
    '  "port" = 3', // 8
    "[http]", // 9
    "analyze_dirs = [", // 10
    '  "a = 1", # c', // 11
    "]", // 12
    "x = { y = { z = 1 }, w = [1, 2] }", // 13
    "[[arr]]", // 14
    "k = 1979-05-27 07:32:00Z", // 15
    "after = true", // 16
  ].join("\n");
  parse(text); // valid TOML
  const at = new KeyLocations(text);
  assert.deepEqual(at.find(["note"]), { key: { line: 2, col: 1 }, value: { line: 2, col: 8 } });
  assert.deepEqual(at.find(["alerts", "webhook", "url"]).key, { line: 6, col: 1 });
  assert.deepEqual(at.find(["alerts", "syslog"]).key, { line: 7, col: 1 });
  assert.deepEqual(at.find(["alerts", "syslog", "port"]), {
    key: { line: 8, col: 3 },
    value: { line: 8, col: 12 },
  });
  assert.deepEqual(at.find(["http", "analyze_dirs"]).key, { line: 10, col: 1 });
  assert.deepEqual(at.find(["http", "x", "y", "z"]), {
    key: { line: 13, col: 13 },
    value: { line: 13, col: 17 },
  });
  assert.deepEqual(at.find(["http", "x", "w"]).key, { line: 13, col: 22 });
  assert.deepEqual(at.find(["arr", "after"]).key, { line: 16, col: 1 });
  // A table made only by a dotted key is found at that key; an unknown path at its parent.
  assert.deepEqual(at.find(["alerts", "webhook"]).key, { line: 6, col: 1 });
  assert.deepEqual(at.find(["http", "nope"]).key, { line: 9, col: 1 });
  assert.deepEqual(at.find(["nothing"]).key, { line: 1, col: 1 });
  assert.equal(at.lineText(8), '  "port" = 3');
});

Deno.test("locator: an error in an inline table points into it", () => {
  assert.equal(
    onlyError('[alerts]\nsyslog = { host = "h", port = 0 }\n'),
    "kestrel.toml:2:31: alerts.syslog.port must be between 1 and 65535, not 0",
  );
});

// ---------------------------------------------------------------- configCheck

Deno.test("configCheck: prints diagnostics and a summary; exit 0, 1, 2", async () => {
  const out: string[] = [];
  const log = console.log, error = console.error;
  console.log = (s: string) => out.push(s);
  console.error = (s: string) => out.push(s);
  try {
    assert.equal(await configCheck(["--config", EXAMPLE]), 0);
    assert.deepEqual(out.splice(0), [`config ${EXAMPLE}: 0 errors, 0 warnings`]);
    const bad = await Deno.makeTempFile({ suffix: ".toml" });
    try {
      await Deno.writeTextFile(bad, '[general]\nworkers = 0\nmode = "x"\n');
      assert.equal(await configCheck([bad]), 1);
      assert.deepEqual(out.splice(0), [
        [
          `${bad}:2:11: general.workers must be at least 1, not 0`,
          "  workers = 0",
          "            ^",
          `${bad}:3:8: general.mode must be one of "detect", "enforce" or "offline", not "x"`,
          '  mode = "x"',
          "         ^",
        ].join("\n"),
        `config ${bad}: 2 errors, 0 warnings`,
      ]);
    } finally {
      await Deno.remove(bad);
    }
    assert.equal(await configCheck([]), 2);
    assert.deepEqual(out.splice(0), ["kestrel validate: give one config file with --config FILE"]);
  } finally {
    console.log = log;
    console.error = error;
  }
});

Deno.test("integration tables keep any key, even __proto__", () => {
  const r = load('[integration.x]\n"__proto__" = { polluted = true }\nurl = "u"\n');
  assert.deepEqual(errorsOf(r), []);
  const x = r.config.integration.x as Record<string, unknown>;
  assert.deepEqual(Object.keys(x), ["__proto__", "url"]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal((r.config.integration as Record<string, unknown>).polluted, undefined);
});

Deno.test("NOT_IMPLEMENTED names only schema keys and tables, with values they accept", () => {
  const keys = new Set(schemaKeys());
  const tables = new Set(Object.keys(SCHEMA.tables ?? {}));
  for (const entry of Object.keys(NOT_IMPLEMENTED)) {
    const [key, value] = entry.split(" = ");
    assert.ok(keys.has(key) || tables.has(key), entry);
    if (value !== undefined) {
      const r = load(`[${key.split(".")[0]}]\n${key.split(".")[1]} = ${value}\n`);
      assert.deepEqual(errorsOf(r), [], entry);
      assert.equal(r.warnings.length, 1, entry);
    }
  }
});
