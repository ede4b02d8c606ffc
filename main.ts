/**
 * `kestrel`: the command-line entry point. Parses the subcommand and hands
 * the remaining arguments to its module in `cli/`.
 *
 * @module
 */
import { VERSION } from "./version.ts";
import { EXIT, UsageError } from "./cli/usage.ts";
import { runCommand } from "./cli/run.ts";
import { validateCommand } from "./cli/validate.ts";
import { listCommand } from "./cli/list.ts";
import { queryCommand } from "./cli/query.ts";
import { replayCommand } from "./cli/replay.ts";
import { testCommand } from "./cli/test.ts";
import { compileCommand } from "./cli/compile.ts";
import { recordCommand } from "./cli/record.ts";
import { convertCommand } from "./cli/convert.ts";

/** A subcommand: takes its own arguments, returns the process exit code. */
type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  run: { run: runCommand, summary: "run the live sensor (default command)" },
  validate: { run: validateCommand, summary: "check rule files; every error as file:line:col" },
  list: { run: listCommand, summary: "list rules as a table, JSON or Markdown" },
  query: { run: queryCommand, summary: "run an EQL query over an event log" },
  replay: {
    run: replayCommand,
    summary: "replay an event log through the rules; alerts as NDJSON",
  },
  test: { run: testCommand, summary: "show which events a rule matches, and why not" },
  compile: { run: compileCommand, summary: "compile rules into a WebAssembly rule package" },
  record: { run: recordCommand, summary: "record live events to a .klog file" },
  convert: { run: convertCommand, summary: "convert event logs between NDJSON and .klog" },
};

const HELP = `kestrel ${VERSION} — Linux endpoint detection and response with EQL rules

Usage: kestrel [command] [options]

Commands:
${Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)}${c.summary}`).join("\n")}

Options:
  --help      show this help, or a command's help (kestrel validate --help)
  --version   print the version

Without a command, kestrel runs the sensor: kestrel --config config.toml`;

/** Runs the CLI with `argv` (without the program name) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-V") {
    console.log(`kestrel ${VERSION}`);
    return EXIT.ok;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    console.log(HELP);
    return EXIT.ok;
  }
  // No subcommand (or a leading flag) means `run`, so `kestrel --config x.toml` works.
  const name = first === undefined || first.startsWith("-") ? "run" : first;
  const args = name === first ? rest : argv;
  try {
    const command = COMMANDS[name];
    if (command) return await command.run(args);
    throw new UsageError(`kestrel: unknown command "${name}" (see kestrel --help)`);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(e.message);
      return EXIT.usage;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
