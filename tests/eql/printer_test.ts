/**
 * Canonical printing of EQL queries (eql/printer.ts), for both dialects.
 *
 * Every expected string in the table is written by hand from the printer's
 * rules: strings double-quoted with minimal escapes, single spaces around
 * operators, parentheses only where precedence needs them, canonical
 * function spelling, one line per step for multi-step queries. For each row
 * the test checks the canonical text, that it parses back to the same tree,
 * that printing is idempotent, and that the query compiles in its dialect.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseQuery } from "../../eql/parse.ts";
import { printQuery } from "../../eql/printer.ts";
import { compileQuery, type Dialect, type GlobalValue } from "../../eql/compile.ts";
import type { Query } from "../../eql/ast.ts";
import { Schema } from "../../engine/schema.ts";

/** One table row: dialect, query as written, canonical form. */
type Row = readonly [dialect: Dialect, input: string, canonical: string];

const E: Dialect = "elastic";
const L: Dialect = "legacy";
const r = String.raw;
/** Joins the lines of a multi-line canonical query. */
const lines = (...xs: string[]): string => xs.join("\n");

/** Manifest globals the rows use. */
const GLOBALS: Record<string, GlobalValue> = {
  HOME_NET: ["10.0.0.0/8", "192.168.0.0/16"],
  SHELLS: ["bash", "sh", "zsh"],
  ROOT: "0",
  MAX_PORT: 1024,
};

const ROWS: readonly Row[] = [
  // ------------------------------------------------ comparison operators
  [E, 'process where process.name == "bash"', 'process where process.name == "bash"'],
  [E, 'process where process.name=="bash"', 'process where process.name == "bash"'],
  [E, 'process where process.name != "bash"', 'process where process.name != "bash"'],
  [E, "process where process.pid < 100", "process where process.pid < 100"],
  [E, "process where process.pid<=100", "process where process.pid <= 100"],
  [E, "process where process.pid > 1", "process where process.pid > 1"],
  [E, "process where process.pid >= 1", "process where process.pid >= 1"],
  [E, 'process where user.id == "0"', 'process where user.id == "0"'],
  [
    E,
    'process where user.id != "0"  and  process.name == "sudo"',
    'process where user.id != "0" and process.name == "sudo"',
  ],
  [E, 'network where destination.ip == "10.0.0.1"', 'network where destination.ip == "10.0.0.1"'],
  [E, "network where destination.port == 22", "network where destination.port == 22"],
  [E, "process where process.interactive == true", "process where process.interactive == true"],
  [E, "process where process.interactive != false", "process where process.interactive != false"],
  [E, "process where process.parent.name == null", "process where process.parent.name == null"],
  [E, "process where 100 > process.pid", "process where 100 > process.pid"],
  [
    E,
    "process where process.pid == process.parent.pid",
    "process where process.pid == process.parent.pid",
  ],
  [
    E,
    "process\twhere\nprocess.pid\t>\t1",
    "process where process.pid > 1",
  ],
  // ------------------------------------------------------- `:` patterns
  [E, 'process where process.name : "bash"', 'process where process.name : "bash"'],
  [E, 'process where process.name:"ba*"', 'process where process.name : "ba*"'],
  [
    E,
    'process where process.name : ("bash", "sh", "zsh")',
    'process where process.name : ("bash", "sh", "zsh")',
  ],
  [E, 'process where process.name :("bash")', 'process where process.name : ("bash")'],
  [E, 'network where destination.ip : "10.*"', 'network where destination.ip : "10.*"'],
  [E, 'process where process.args : "-c"', 'process where process.args : "-c"'],
  [E, "process where process.name : $SHELLS", "process where process.name : $SHELLS"],
  [
    E,
    'process where process.name : ($SHELLS, "fish")',
    'process where process.name : ($SHELLS, "fish")',
  ],
  // -------------------------------------------------- like and regex
  [E, 'process where process.name like "ba?h"', 'process where process.name like "ba?h"'],
  [E, 'process where process.name like~ "BA*"', 'process where process.name like~ "BA*"'],
  [
    E,
    'process where process.name like ("ba*", "*sh")',
    'process where process.name like ("ba*", "*sh")',
  ],
  [
    E,
    'process where process.name like~("BASH", "ZSH")',
    'process where process.name like~ ("BASH", "ZSH")',
  ],
  [
    E,
    'process where process.name regex "ba[sz]h"',
    'process where process.name regex "ba[sz]h"',
  ],
  [E, 'process where process.name regex~ "BA.*"', 'process where process.name regex~ "BA.*"'],
  [
    E,
    'process where process.name regex ("ba.*", "zs.*")',
    'process where process.name regex ("ba.*", "zs.*")',
  ],
  [
    E,
    'process where process.name regex~ ("sh|bash")',
    'process where process.name regex~ ("sh|bash")',
  ],
  [
    E,
    r`process where process.command_line regex """.*\d+\.\d+.*"""`,
    r`process where process.command_line regex ".*\\d+\\.\\d+.*"`,
  ],
  [
    E,
    'process where process.name regex~ "BASH" and process.name like "b*"',
    'process where process.name regex~ "BASH" and process.name like "b*"',
  ],
  [
    E,
    'file where file.path regex "/etc/(passwd|shadow)"',
    'file where file.path regex "/etc/(passwd|shadow)"',
  ],
  // ------------------------------------------------------------- in
  [
    E,
    'process where process.name in ("bash", "sh")',
    'process where process.name in ("bash", "sh")',
  ],
  [
    E,
    'process where process.name in~ ("BASH", "SH")',
    'process where process.name in~ ("BASH", "SH")',
  ],
  [
    E,
    'process where process.name not in ("bash", "sh")',
    'process where process.name not in ("bash", "sh")',
  ],
  [
    E,
    'process where not process.name in ("bash", "sh")',
    'process where not process.name in ("bash", "sh")',
  ],
  [E, 'process where process.name not in~ ("BASH")', 'process where process.name not in~ ("BASH")'],
  [
    E,
    "network where destination.port in (22, 2222, 8022)",
    "network where destination.port in (22, 2222, 8022)",
  ],
  [
    E,
    "network where destination.port not in (80,443)",
    "network where destination.port not in (80, 443)",
  ],
  [E, "process where process.name in $SHELLS", "process where process.name in ($SHELLS)"],
  [
    E,
    'process where process.name in ($SHELLS, "fish")',
    'process where process.name in ($SHELLS, "fish")',
  ],
  [E, 'process where user.id in ("0", $ROOT)', 'process where user.id in ("0", $ROOT)'],
  [
    E,
    "process where process.pid in (1, process.parent.pid)",
    "process where process.pid in (1, process.parent.pid)",
  ],
  // ------------------------------------------- and / or / not, parentheses
  [
    E,
    'process where process.name == "a" or process.name == "b" and process.pid > 1',
    'process where process.name == "a" or process.name == "b" and process.pid > 1',
  ],
  [
    E,
    'process where (process.name == "a" or process.name == "b") and process.pid > 1',
    'process where (process.name == "a" or process.name == "b") and process.pid > 1',
  ],
  [
    E,
    'process where process.name == "a" or (process.name == "b" and process.pid > 1)',
    'process where process.name == "a" or process.name == "b" and process.pid > 1',
  ],
  [E, 'process where ((process.name == "a"))', 'process where process.name == "a"'],
  [
    E,
    'process where not (process.name == "a" and process.pid == 1)',
    'process where not (process.name == "a" and process.pid == 1)',
  ],
  [E, 'process where not process.name == "a"', 'process where not process.name == "a"'],
  [E, 'process where not (process.name == "a")', 'process where not process.name == "a"'],
  [E, "process where not not process.interactive", "process where not not process.interactive"],
  [
    E,
    "process where (not process.interactive) and process.pid > 1",
    "process where not process.interactive and process.pid > 1",
  ],
  [
    E,
    "process where not (process.interactive or process.pid > 1)",
    "process where not (process.interactive or process.pid > 1)",
  ],
  [
    E,
    'process where (process.name == "a" or process.name == "b") or process.name == "c"',
    'process where process.name == "a" or process.name == "b" or process.name == "c"',
  ],
  [
    E,
    'process where process.name == "a" and (process.pid == 1 and user.id == "0")',
    'process where process.name == "a" and process.pid == 1 and user.id == "0"',
  ],
  [
    E,
    'process where (process.name == "a" or process.pid == 1) and (user.id == "0" or user.name == "root")',
    'process where (process.name == "a" or process.pid == 1) and (user.id == "0" or user.name == "root")',
  ],
  [
    E,
    'process where process.interactive and not (user.id == "0" or user.id == "1")',
    'process where process.interactive and not (user.id == "0" or user.id == "1")',
  ],
  [
    E,
    'process where (process.name == "a") == true',
    'process where (process.name == "a") == true',
  ],
  [
    E,
    "process where (process.pid > 1) != (process.pid < 10)",
    "process where (process.pid > 1) != (process.pid < 10)",
  ],
  [E, "process where true", "process where true"],
  [E, "process where false or process.interactive", "process where false or process.interactive"],
  [E, "any where true", "any where true"],
  [E, 'any where event.type == "start"', 'any where event.type == "start"'],
  [
    E,
    'process where event.type in ("start", "process_started") and process.args_count >= 2',
    'process where event.type in ("start", "process_started") and process.args_count >= 2',
  ],
  // ------------------------------------------------------- arithmetic
  [
    E,
    "process where process.pid - (process.parent.pid - 1) > 0",
    "process where process.pid - (process.parent.pid - 1) > 0",
  ],
  [
    E,
    "process where (process.pid - process.parent.pid) - 1 > 0",
    "process where process.pid - process.parent.pid - 1 > 0",
  ],
  [E, "process where process.pid + 1 * 2 == 3", "process where process.pid + 1 * 2 == 3"],
  [E, "process where (process.pid + 1) * 2 == 4", "process where (process.pid + 1) * 2 == 4"],
  [E, "process where process.pid * (2 + 1) == 9", "process where process.pid * (2 + 1) == 9"],
  [E, "process where process.pid / (2 * 3) == 1", "process where process.pid / (2 * 3) == 1"],
  [E, "process where (process.pid / 2) * 3 == 3", "process where process.pid / 2 * 3 == 3"],
  [E, "process where process.pid % 2 == 0", "process where process.pid % 2 == 0"],
  [E, "process where process.pid % (3 % 2) == 0", "process where process.pid % (3 % 2) == 0"],
  [E, "process where process.pid+1>=2", "process where process.pid + 1 >= 2"],
  [E, "process where -process.pid < 0", "process where -process.pid < 0"],
  [E, "process where -(process.pid + 1) < 0", "process where -(process.pid + 1) < 0"],
  [E, "process where - process.pid == -1", "process where -process.pid == -1"],
  [E, "process where process.pid > -5", "process where process.pid > -5"],
  [E, "process where process.pid - -1 > 0", "process where process.pid - -1 > 0"],
  [E, "process where process.pid == 1.5", "process where process.pid == 1.5"],
  [E, "process where process.pid == 2.0", "process where process.pid == 2.0"],
  [E, "process where process.pid == 1e3", "process where process.pid == 1000.0"],
  [E, "process where process.pid == -0.25", "process where process.pid == -0.25"],
  [E, "process where process.pid * -1 == -1", "process where process.pid * -1 == -1"],
  [E, "process where --process.pid == 1", "process where --process.pid == 1"],
  [E, "process where -(-process.pid) == 1", "process where --process.pid == 1"],
  [E, "process where process.pid - 1 - 1 > 0", "process where process.pid - 1 - 1 > 0"],
  [E, "process where 10 - process.pid % 3 > 0", "process where 10 - process.pid % 3 > 0"],
  [
    E,
    "process where process.args_count * 2 + 1 > process.pid / 2 - 1",
    "process where process.args_count * 2 + 1 > process.pid / 2 - 1",
  ],
  // ---------------------------------------------------------- strings
  [E, r`process where process.name == "a\nb"`, r`process where process.name == "a\nb"`],
  [E, r`process where process.name == "a\tb"`, r`process where process.name == "a\tb"`],
  [E, r`process where process.name == "a\rb"`, r`process where process.name == "a\rb"`],
  [E, r`process where process.name == "say \"hi\""`, r`process where process.name == "say \"hi\""`],
  [E, r`file where file.path == "C:\\temp"`, r`file where file.path == "C:\\temp"`],
  [E, r`process where process.name == "\u{1F600}"`, 'process where process.name == "\u{1F600}"'],
  [E, r`process where process.name == "\u{41}\u{62}"`, 'process where process.name == "Ab"'],
  [E, r`process where process.name == "\'x\'"`, `process where process.name == "'x'"`],
  [E, r`process where process.name == "a\/b"`, 'process where process.name == "a/b"'],
  [
    E,
    r`process where process.name == "\b\f\0"`,
    r`process where process.name == "\u{8}\u{c}\u{0}"`,
  ],
  [E, r`process where process.name == "\u{7F}"`, r`process where process.name == "\u{7f}"`],
  [
    E,
    r`process where process.name == """raw \d "quoted" text"""`,
    r`process where process.name == "raw \\d \"quoted\" text"`,
  ],
  [
    E,
    r`file where file.path == """C:\Windows\System32"""`,
    r`file where file.path == "C:\\Windows\\System32"`,
  ],
  [E, 'process where process.name == ""', 'process where process.name == ""'],
  [E, 'process where process.name == """"""', 'process where process.name == ""'],
  [E, 'process where process.name == "é"', 'process where process.name == "é"'],
  [E, 'process where process.name == "tab\there"', r`process where process.name == "tab\there"`],
  // ----------------------------------------------------------- fields
  [E, 'process where `process`.`name` == "a"', 'process where process.name == "a"'],
  [E, 'process where `process.name` == "b"', 'process where `process.name` == "b"'],
  [
    E,
    'any where `kubernetes.audit.annotations.authorization_k8s_io/decision` == "allow"',
    'any where `kubernetes.audit.annotations.authorization_k8s_io/decision` == "allow"',
  ],
  [E, 'process where ?process.name == "a"', 'process where ?process.name == "a"'],
  [E, 'process where ?custom.field == "a"', 'process where ?custom.field == "a"'],
  [E, "process where ?`custom field` == 1", "process where ?`custom field` == 1"],
  [E, "process where ?`odd``name` == 2", "process where ?`odd``name` == 2"],
  [E, "process where ?`not`.x == 3", "process where ?`not`.x == 3"],
  [E, "process where @timestamp > 0", "process where @timestamp > 0"],
  [
    E,
    'file where file.Ext.original.path == "/tmp/x"',
    'file where file.Ext.original.path == "/tmp/x"',
  ],
  [E, 'process where process.parent.args : "-c"', 'process where process.parent.args : "-c"'],
  // ------------------------------------------------------- categories
  [E, '"process" where true', "process where true"],
  [E, "`network` where destination.port == 53", "network where destination.port == 53"],
  [E, '"my-events" where true', '"my-events" where true'],
  [E, '"sequence" where true', '"sequence" where true'],
  [E, 'dns where dns.question.name : "*.onion"', 'dns where dns.question.name : "*.onion"'],
  [
    E,
    'authentication where event.outcome == "failure" and user.name == "root"',
    'authentication where event.outcome == "failure" and user.name == "root"',
  ],
  [
    E,
    'file where event.type == "creation" and file.extension in ("sh", "py")',
    'file where event.type == "creation" and file.extension in ("sh", "py")',
  ],
  [E, 'driver where event.action == "load"', 'driver where event.action == "load"'],
  // -------------------------------------------------- elastic functions
  [E, "process where add(process.pid, 1) == 2", "process where add(process.pid, 1) == 2"],
  [
    E,
    'process where between(process.command_line, "a", "b") == "x"',
    'process where between(process.command_line, "a", "b") == "x"',
  ],
  [
    E,
    'process where between~(process.command_line, "A", "B", true) == "x"',
    'process where between~(process.command_line, "A", "B", true) == "x"',
  ],
  [
    E,
    'network where cidrMatch(destination.ip, "10.0.0.0/8", "192.168.0.0/16")',
    'network where cidrMatch(destination.ip, "10.0.0.0/8", "192.168.0.0/16")',
  ],
  [
    E,
    'network where cidrmatch(destination.ip, "10.0.0.0/8")',
    'network where cidrMatch(destination.ip, "10.0.0.0/8")',
  ],
  [
    E,
    "network where CIDRMATCH(destination.ip, $HOME_NET)",
    "network where cidrMatch(destination.ip, $HOME_NET)",
  ],
  [
    E,
    'process where concat(process.name, "-", process.pid) == "bash-1"',
    'process where concat(process.name, "-", process.pid) == "bash-1"',
  ],
  [E, "process where divide(process.pid, 2) == 1", "process where divide(process.pid, 2) == 1"],
  [E, 'file where endsWith(file.path, ".sh")', 'file where endsWith(file.path, ".sh")'],
  [E, 'file where endsWith~(file.path, ".SH")', 'file where endsWith~(file.path, ".SH")'],
  [E, 'file where endswith(file.name, ".py")', 'file where endsWith(file.name, ".py")'],
  [
    E,
    'process where indexOf(process.name, "a") == 1',
    'process where indexOf(process.name, "a") == 1',
  ],
  [
    E,
    'process where indexOf~(process.name, "A", 0) >= 0',
    'process where indexOf~(process.name, "A", 0) >= 0',
  ],
  [E, "process where length(process.name) > 3", "process where length(process.name) > 3"],
  [E, "process where modulo(process.pid, 2) == 0", "process where modulo(process.pid, 2) == 0"],
  [
    E,
    "process where multiply(process.pid, 2) > 10",
    "process where multiply(process.pid, 2) > 10",
  ],
  [E, 'process where number("42") == 42', 'process where number("42") == 42'],
  [E, 'process where number("ff", 16) == 255', 'process where number("ff", 16) == 255'],
  [
    E,
    'process where startsWith(process.name, "ba")',
    'process where startsWith(process.name, "ba")',
  ],
  [
    E,
    'process where startsWith~(process.name, "BA")',
    'process where startsWith~(process.name, "BA")',
  ],
  [
    E,
    'process where startswith~(process.executable, "/TMP/")',
    'process where startsWith~(process.executable, "/TMP/")',
  ],
  [E, 'process where string(process.pid) == "1"', 'process where string(process.pid) == "1"'],
  [
    E,
    'process where stringContains(process.command_line, "curl")',
    'process where stringContains(process.command_line, "curl")',
  ],
  [
    E,
    'process where stringContains~(process.command_line, "CURL")',
    'process where stringContains~(process.command_line, "CURL")',
  ],
  [
    E,
    'process where STRINGCONTAINS(process.command_line, "wget")',
    'process where stringContains(process.command_line, "wget")',
  ],
  [
    E,
    'process where substring(process.name, 0, 2) == "ba"',
    'process where substring(process.name, 0, 2) == "ba"',
  ],
  [
    E,
    'process where substring(process.name, -2) == "sh"',
    'process where substring(process.name, -2) == "sh"',
  ],
  [
    E,
    "process where subtract(process.pid, 1) == 0",
    "process where subtract(process.pid, 1) == 0",
  ],
  [
    E,
    'process where not startsWith(process.name, "ba")',
    'process where not startsWith(process.name, "ba")',
  ],
  [
    E,
    'process where length(concat(process.name, "x")) > 2',
    'process where length(concat(process.name, "x")) > 2',
  ],
  // ---------------------------------------------------------- comments
  [
    E,
    'process where /* inline */ process.name == "a" // trailing',
    'process where process.name == "a"',
  ],
  [E, "// leading\nprocess where true", "process where true"],
  [
    E,
    'process where process.name == "//not a comment"',
    'process where process.name == "//not a comment"',
  ],
  // ----------------------------------------------------------- globals
  [E, "network where destination.ip in $HOME_NET", "network where destination.ip in ($HOME_NET)"],
  [E, "process where user.id == $ROOT", "process where user.id == $ROOT"],
  [E, "network where destination.port < $MAX_PORT", "network where destination.port < $MAX_PORT"],
  // --------------------------------------------------------- sequences
  [
    E,
    'sequence by host.id with maxspan=5m [process where process.name == "a"] [process where process.name == "b"]',
    lines(
      "sequence by host.id with maxspan=5m",
      '  [process where process.name == "a"]',
      '  [process where process.name == "b"]',
    ),
  ],
  [
    E,
    'sequence [process where event.type == "start"] by process.entity_id [process where event.type == "end"] by process.entity_id',
    lines(
      "sequence",
      '  [process where event.type == "start"] by process.entity_id',
      '  [process where event.type == "end"] by process.entity_id',
    ),
  ],
  [
    E,
    "sequence by host.id [process where true] by process.pid [network where true] by process.pid",
    lines(
      "sequence by host.id",
      "  [process where true] by process.pid",
      "  [network where true] by process.pid",
    ),
  ],
  [
    E,
    "sequence with maxspan=30s [process where true] [file where true]",
    lines("sequence with maxspan=30s", "  [process where true]", "  [file where true]"),
  ],
  [
    E,
    "sequence with maxspan=500ms [process where true] [file where true]",
    lines("sequence with maxspan=500ms", "  [process where true]", "  [file where true]"),
  ],
  [
    E,
    "sequence with maxspan = 2 minutes [process where true] [file where true]",
    lines("sequence with maxspan=2m", "  [process where true]", "  [file where true]"),
  ],
  [
    E,
    "sequence with maxspan=1h [process where true] [file where true]",
    lines("sequence with maxspan=1h", "  [process where true]", "  [file where true]"),
  ],
  [
    E,
    "sequence with maxspan=2d [process where true] [file where true]",
    lines("sequence with maxspan=2d", "  [process where true]", "  [file where true]"),
  ],
  [
    E,
    "sequence with maxspan=100ns [process where true] [file where true]",
    lines("sequence with maxspan=100nanos", "  [process where true]", "  [file where true]"),
  ],
  [
    E,
    "sequence with maxspan=250us [process where true] [file where true]",
    lines("sequence with maxspan=250micros", "  [process where true]", "  [file where true]"),
  ],
  [
    E,
    "sequence with maxspan=3 days [process where true] [file where true]",
    lines("sequence with maxspan=3d", "  [process where true]", "  [file where true]"),
  ],
  [
    E,
    "sequence with maxspan=45 seconds [process where true] [file where true]",
    lines("sequence with maxspan=45s", "  [process where true]", "  [file where true]"),
  ],
  [
    E,
    "sequence with maxspan=1500 milliseconds [process where true] [file where true]",
    lines("sequence with maxspan=1500ms", "  [process where true]", "  [file where true]"),
  ],
  [
    E,
    "sequence with maxspan=2hours [process where true] [file where true]",
    lines("sequence with maxspan=2h", "  [process where true]", "  [file where true]"),
  ],
  [
    E,
    "sequence with maxspan=7nanos [process where true] [file where true]",
    lines("sequence with maxspan=7nanos", "  [process where true]", "  [file where true]"),
  ],
  [
    E,
    "sequence with maxspan=9micros [process where true] [file where true]",
    lines("sequence with maxspan=9micros", "  [process where true]", "  [file where true]"),
  ],
  [
    E,
    "sequence with maxspan=15sec [process where true] [file where true]",
    lines("sequence with maxspan=15s", "  [process where true]", "  [file where true]"),
  ],
  [
    E,
    'sequence by process.entity_id [process where event.type == "start"] [network where true] until [process where event.type == "end"]',
    lines(
      "sequence by process.entity_id",
      '  [process where event.type == "start"]',
      "  [network where true]",
      'until [process where event.type == "end"]',
    ),
  ],
  [
    E,
    'sequence by host.id [process where process.name == "a"] with runs=3 [process where true]',
    lines(
      "sequence by host.id",
      '  [process where process.name == "a"] with runs=3',
      "  [process where true]",
    ),
  ],
  [
    E,
    "sequence [process where true] by process.pid with runs = 2 [process where true] by process.pid",
    lines(
      "sequence",
      "  [process where true] by process.pid with runs=2",
      "  [process where true] by process.pid",
    ),
  ],
  [
    E,
    'sequence by host.id with maxspan=1m ![process where process.name == "a"] [process where true] [file where true]',
    lines(
      "sequence by host.id with maxspan=1m",
      '  ![process where process.name == "a"]',
      "  [process where true]",
      "  [file where true]",
    ),
  ],
  [
    E,
    'sequence by host.id with maxspan=1m [process where true] ![process where process.name == "b"] [file where true]',
    lines(
      "sequence by host.id with maxspan=1m",
      "  [process where true]",
      '  ![process where process.name == "b"]',
      "  [file where true]",
    ),
  ],
  [
    E,
    'sequence by host.id with maxspan=1m [process where true] [file where true] ![process where process.name == "c"]',
    lines(
      "sequence by host.id with maxspan=1m",
      "  [process where true]",
      "  [file where true]",
      '  ![process where process.name == "c"]',
    ),
  ],
  [
    E,
    "sequence with maxspan=1m [process where true] ! [network where true]",
    lines("sequence with maxspan=1m", "  [process where true]", "  ![network where true]"),
  ],
  [
    E,
    "sequence [process where true] [process where true] | head 5",
    lines("sequence", "  [process where true]", "  [process where true]", "| head 5"),
  ],
  [
    E,
    "sequence by user.id [process where true] [file where true] | tail 3",
    lines("sequence by user.id", "  [process where true]", "  [file where true]", "| tail 3"),
  ],
  [
    E,
    "sequence by ?process.parent.entity_id [process where true] [file where true]",
    lines("sequence by ?process.parent.entity_id", "  [process where true]", "  [file where true]"),
  ],
  [
    E,
    "sequence by host.id, user.id [process where true] [network where true]",
    lines("sequence by host.id, user.id", "  [process where true]", "  [network where true]"),
  ],
  [
    E,
    "sequence by host.id [process where true] by process.pid [file where true] by process.pid until [process where true] by process.pid",
    lines(
      "sequence by host.id",
      "  [process where true] by process.pid",
      "  [file where true] by process.pid",
      "until [process where true] by process.pid",
    ),
  ],
  [
    E,
    "sequence by host.id with maxspan=1m // first line\n  [process where true] /* step 1 */\n  [process where true]",
    lines(
      "sequence by host.id with maxspan=1m",
      "  [process where true]",
      "  [process where true]",
    ),
  ],
  [
    E,
    'sequence by host.id with maxspan=10m\n  [process where process.name in ("curl", "wget") and process.args : "http*"]\n  [file where file.path : "/tmp/*" and event.type == "creation"]\n  [process where process.executable : "/tmp/*"]',
    lines(
      "sequence by host.id with maxspan=10m",
      '  [process where process.name in ("curl", "wget") and process.args : "http*"]',
      '  [file where file.path : "/tmp/*" and event.type == "creation"]',
      '  [process where process.executable : "/tmp/*"]',
    ),
  ],
  // ----------------------------------------------------------- sample
  [
    E,
    "sample by host.id [process where true] [network where true]",
    lines("sample by host.id", "  [process where true]", "  [network where true]"),
  ],
  [
    E,
    "sample by host.id, user.id [process where true] by process.pid [file where true] by process.pid",
    lines(
      "sample by host.id, user.id",
      "  [process where true] by process.pid",
      "  [file where true] by process.pid",
    ),
  ],
  [
    E,
    "sample by host.id [process where true] [file where true] | head 10",
    lines("sample by host.id", "  [process where true]", "  [file where true]", "| head 10"),
  ],
  // ------------------------------------------------------------ pipes
  [E, "process where true | head 5", "process where true | head 5"],
  [E, "process where true | tail 10", "process where true | tail 10"],
  [E, "process where true | head 5 | tail 2", "process where true | head 5 | tail 2"],
  [E, "process where true|head 1", "process where true | head 1"],
  // ============================================================ legacy
  [L, 'process where process.name == "*sh"', 'process where process.name == "*sh"'],
  [L, "process where process.name == 'bash'", 'process where process.name == "bash"'],
  [L, 'process where process.name = "bash"', 'process where process.name == "bash"'],
  [L, "process where process.name='sh'", 'process where process.name == "sh"'],
  [
    L,
    r`file where file.path == ?"C:\Windows\System32"`,
    r`file where file.path == "C:\\Windows\\System32"`,
  ],
  [L, r`file where file.path == ?'C:\temp\x'`, r`file where file.path == "C:\\temp\\x"`],
  [
    L,
    `process where process.name in ("bash", 'sh')`,
    'process where process.name in ("bash", "sh")',
  ],
  [
    L,
    `process where process.name not in ('bash', "*sh")`,
    'process where process.name not in ("bash", "*sh")',
  ],
  [L, 'process where not process.name in ("a")', 'process where not process.name in ("a")'],
  [L, `process where process.name == 'say "hi"'`, r`process where process.name == "say \"hi\""`],
  [L, r`process where process.name == 'it\'s'`, `process where process.name == "it's"`],
  [L, "'process' where true", "process where true"],
  [
    L,
    "join by host.id [process where true] [network where true]",
    lines("join by host.id", "  [process where true]", "  [network where true]"),
  ],
  [
    L,
    'join [process where process.name == "a"] [file where true]',
    lines("join", '  [process where process.name == "a"]', "  [file where true]"),
  ],
  [
    L,
    'join by user.name [authentication where true] [process where true] until [process where event.type == "end"]',
    lines(
      "join by user.name",
      "  [authentication where true]",
      "  [process where true]",
      'until [process where event.type == "end"]',
    ),
  ],
  [
    L,
    "join [process where true] by process.pid [file where true] by process.pid",
    lines("join", "  [process where true] by process.pid", "  [file where true] by process.pid"),
  ],
  [
    L,
    'process where descendant of [process where process.name == "sshd"]',
    'process where descendant of [process where process.name == "sshd"]',
  ],
  [
    L,
    'process where child of [process where process.name == "bash"] and process.name == "curl"',
    'process where child of [process where process.name == "bash"] and process.name == "curl"',
  ],
  [
    L,
    'file where event of [process where process.name == "vim"]',
    'file where event of [process where process.name == "vim"]',
  ],
  [
    L,
    "process where not descendant of [process where process.name = 'cron']",
    'process where not descendant of [process where process.name == "cron"]',
  ],
  [
    L,
    "process where descendant of [process where child of [process where true]]",
    "process where descendant of [process where child of [process where true]]",
  ],
  [L, "process where true | count", "process where true | count"],
  [L, "process where true | count process.name", "process where true | count process.name"],
  [
    L,
    "process where true | count process.name,host.name",
    "process where true | count process.name, host.name",
  ],
  [L, "process where true | unique process.name", "process where true | unique process.name"],
  [
    L,
    "process where true | unique process.name, user.name",
    "process where true | unique process.name, user.name",
  ],
  [
    L,
    "process where true | unique_count process.name",
    "process where true | unique_count process.name",
  ],
  [
    L,
    "process where true | filter process.pid > 100",
    "process where true | filter process.pid > 100",
  ],
  [L, "process where true | sort process.name", "process where true | sort process.name"],
  [
    L,
    "process where true | sort process.pid, process.name | head 10",
    "process where true | sort process.pid, process.name | head 10",
  ],
  [L, "process where true | head", "process where true | head"],
  [L, "process where true | tail", "process where true | tail"],
  [
    L,
    "process where true | unique process.name | count",
    "process where true | unique process.name | count",
  ],
  [
    L,
    'process where true | filter process.name == "*sh" | tail 5',
    'process where true | filter process.name == "*sh" | tail 5',
  ],
  [
    L,
    "sequence by process.pid [process where true] [file where true]",
    lines("sequence by process.pid", "  [process where true]", "  [file where true]"),
  ],
  [
    L,
    "sequence with maxspan=1.5h [process where true] [file where true]",
    lines("sequence with maxspan=1.5h", "  [process where true]", "  [file where true]"),
  ],
  [
    L,
    "sequence by host.id [process where true] [file where true] until [process where event.type = 'end']",
    lines(
      "sequence by host.id",
      "  [process where true]",
      "  [file where true]",
      'until [process where event.type == "end"]',
    ),
  ],
  [
    L,
    'process where arrayContains(process.args, "-c")',
    'process where arrayContains(process.args, "-c")',
  ],
  [
    L,
    "process where arraycontains(process.args, '-c', '-e')",
    'process where arrayContains(process.args, "-c", "-e")',
  ],
  [
    L,
    'process where arraySearch(process.args, a, a == "-*")',
    'process where arraySearch(process.args, a, a == "-*")',
  ],
  [
    L,
    'process where arraySearch(process.args, arg, arg == "--user" or arg == "-u")',
    'process where arraySearch(process.args, arg, arg == "--user" or arg == "-u")',
  ],
  [
    L,
    'process where arrayCount(process.args, s, s == "-*") > 2',
    'process where arrayCount(process.args, s, s == "-*") > 2',
  ],
  [
    L,
    'process where match(process.command_line, ?".*curl.*")',
    'process where match(process.command_line, ".*curl.*")',
  ],
  [
    L,
    r`process where match(process.command_line, ?"\d+\.\d+")`,
    r`process where match(process.command_line, "\\d+\\.\\d+")`,
  ],
  [
    L,
    "process where matchLite(process.name, ?'b.*')",
    'process where matchLite(process.name, "b.*")',
  ],
  [
    L,
    "process where safe(length(process.name)) > 2",
    "process where safe(length(process.name)) > 2",
  ],
  [
    L,
    'process where wildcard(process.name, "*sh", "py*")',
    'process where wildcard(process.name, "*sh", "py*")',
  ],
  [L, 'process where process.args[0] == "-c"', 'process where process.args[0] == "-c"'],
  [L, "process where process.args[ 1 ] == '-e'", 'process where process.args[1] == "-e"'],
  [
    L,
    'process where process.args[0] in ("sh", "bash")',
    'process where process.args[0] in ("sh", "bash")',
  ],
  [
    L,
    "process where stringcontains(process.command_line, 'wget')",
    'process where stringContains(process.command_line, "wget")',
  ],
  [
    L,
    "process where startsWith(process.parent.name, 'ba')",
    'process where startsWith(process.parent.name, "ba")',
  ],
  [
    L,
    'process where process.name == "*SH" and not user.name = "root"',
    'process where process.name == "*SH" and not user.name == "root"',
  ],
  [
    L,
    "process where length(process.name) > 3 and process.pid > 1",
    "process where length(process.name) > 3 and process.pid > 1",
  ],
  [L, "network where source.ip in $HOME_NET", "network where source.ip in ($HOME_NET)"],
  [
    L,
    "network where cidrMatch(destination.ip, $HOME_NET)",
    "network where cidrMatch(destination.ip, $HOME_NET)",
  ],
  [L, "custom where my.field == 'x'", 'custom where my.field == "x"'],
  [
    L,
    "process where process.name == 'a' or process.name == 'b'",
    'process where process.name == "a" or process.name == "b"',
  ],
  [L, "process where process.pid % 2 != 1", "process where process.pid % 2 != 1"],
  [L, "any where not false", "any where not false"],
  // Legacy shorthands: no `category where`, space-separated pipe arguments, trailing commas.
  [L, "process.name == 'x'", 'any where process.name == "x"'],
  [
    L,
    "sequence [process.name == 'a'] [process.name == 'b']",
    lines("sequence", '  [any where process.name == "a"]', '  [any where process.name == "b"]'),
  ],
  [
    L,
    "process where true | unique process.name host.name",
    "process where true | unique process.name, host.name",
  ],
  [
    L,
    "process where process.name in ('a', 'b',)",
    'process where process.name in ("a", "b")',
  ],
  [
    L,
    "process where arrayContains(process.args, '-c',)",
    'process where arrayContains(process.args, "-c")',
  ],
  [
    L,
    "process where /* c */ process.name == 'x' // done",
    'process where process.name == "x"',
  ],
  [L, "process where `my field` == 'x'", 'process where `my field` == "x"'],
  [
    L,
    "process where process.parent.name in $SHELLS",
    "process where process.parent.name in ($SHELLS)",
  ],
  [
    L,
    "process where (process.pid - 1) * 2 > 10",
    "process where (process.pid - 1) * 2 > 10",
  ],
  [
    L,
    "process where endswith(process.name, 'sh') and indexOf(process.name, 'b') == 0",
    'process where endsWith(process.name, "sh") and indexOf(process.name, "b") == 0',
  ],
  [
    L,
    "process where between(process.command_line, '-', ' ') == 'c'",
    'process where between(process.command_line, "-", " ") == "c"',
  ],
  [
    L,
    "process where substring(process.name, 1) == 'ash' and number('10') == 10",
    'process where substring(process.name, 1) == "ash" and number("10") == 10',
  ],
  [
    L,
    "process where concat(process.name, string(process.pid)) == 'bash1'",
    'process where concat(process.name, string(process.pid)) == "bash1"',
  ],
  [
    L,
    "process where add(process.pid, 1) == multiply(2, subtract(3, divide(4, modulo(5, 3))))",
    "process where add(process.pid, 1) == multiply(2, subtract(3, divide(4, modulo(5, 3))))",
  ],
];

/**
 * Keys that carry positions or spelling only, not structure. `implicit`
 * marks a legacy condition written without `category where`, which the
 * printer spells out as `any where`.
 */
const IGNORED = new Set(["at", "categoryAt", "runsAt", "style", "implicit"]);

/**
 * A parse tree reduced to its structure: positions, string quoting style and
 * the implicit-category mark dropped. Two spellings the printer canonicalises
 * on purpose are folded too: legacy `=` is `==`, and function names resolve
 * case-insensitively.
 */
function structure(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(structure);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  const node = v as Record<string, unknown>;
  for (const [k, x] of Object.entries(node)) {
    if (IGNORED.has(k)) continue;
    if (node.kind === "compare" && k === "op" && x === "=") out[k] = "==";
    else if (node.kind === "call" && k === "name" && typeof x === "string") {
      out[k] = x.toLowerCase();
    } else out[k] = structure(x);
  }
  return out;
}

/** Parses a query and fails the test with the diagnostics if it does not parse. */
function parse(source: string): Query {
  const parsed = parseQuery(source);
  const why = parsed.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join("\n");
  assert.ok(parsed.ast, `should parse: ${JSON.stringify(source)}\n${why}`);
  return parsed.ast;
}

Deno.test("printer table: at least 160 distinct queries covering both dialects", () => {
  const inputs = ROWS.map(([, input]) => input);
  const distinct = new Set(inputs);
  assert.equal(distinct.size, inputs.length, "every row's input is distinct");
  assert.ok(distinct.size >= 160, `only ${distinct.size} rows`);
  assert.ok(ROWS.filter(([d]) => d === "legacy").length >= 50, "legacy rows");
  assert.ok(ROWS.filter(([d]) => d === "elastic").length >= 100, "elastic rows");
});

ROWS.forEach(([dialect, input, canonical], i) => {
  Deno.test(`printer #${i} [${dialect}] ${JSON.stringify(input).slice(0, 90)}`, () => {
    const ast = parse(input);
    // (a) canonical text
    const printed = printQuery(ast);
    assert.equal(printed, canonical);
    // (b) the canonical text parses back to the same tree
    const reparsed = parse(printed);
    assert.deepStrictEqual(structure(reparsed), structure(ast));
    // (c) printing is idempotent
    assert.equal(printQuery(reparsed), printed);
    // (d) the query compiles in its dialect
    const result = compileQuery(input, {
      dialect,
      schema: Schema.ecs(),
      schemaMode: dialect === "elastic" ? "ecs" : "dynamic",
      globals: GLOBALS,
    });
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    assert.deepStrictEqual(
      errors.map((d) => `${d.line}:${d.col}: ${d.message}`),
      [],
      "compiles without errors",
    );
    assert.ok(result.ir, "has IR");
  });
});

Deno.test("printer: an integer too large for plain digits stays an integer in canonical form", () => {
  // `| head N` needs an integer literal; the canonical form of a valid query
  // must parse back to the same tree and still compile.
  const input = "process where true | head 100000000000000000000000";
  const options = { schema: Schema.ecs(), schemaMode: "ecs" as const };
  assert.deepStrictEqual(
    compileQuery(input, options).diagnostics.filter((d) => d.severity === "error"),
    [],
  );
  const ast = parse(input);
  const printed = printQuery(ast);
  assert.deepStrictEqual(structure(parse(printed)), structure(ast));
  assert.deepStrictEqual(
    compileQuery(printed, options).diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => d.message),
    [],
  );
});
