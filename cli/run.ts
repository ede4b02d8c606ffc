/**
 * `kestrel run`: the live sensor. Live collection (eBPF) is not part of this
 * build yet, so the command checks its arguments, says so plainly and points
 * to the commands that work today (validate, list, query, replay).
 *
 * @module
 */
import { EXIT, parseFlags } from "./usage.ts";

const HELP = `Usage: kestrel run [--config FILE] [--rules DIR] [--mode detect|enforce]

Runs the live sensor: kernel events through eBPF, EQL rules, alerts.
Without --config the embedded default configuration is used.`;

/** Runs `kestrel run`; returns the exit code. */
export function runCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("run", argv, {
    config: { type: "string" },
    rules: { type: "string" },
    mode: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return Promise.resolve(EXIT.ok);
  }
  if (values.mode !== undefined && values.mode !== "detect" && values.mode !== "enforce") {
    console.error(`kestrel run: --mode must be detect or enforce, not "${values.mode}"`);
    return Promise.resolve(EXIT.usage);
  }
  console.error(
    "kestrel: live collection (eBPF) is not available in this build yet, so the sensor cannot run.\n" +
      "Today you can check rules and run them over recorded event logs:\n" +
      "  kestrel validate --rules DIR                 report every rule error as file:line:col\n" +
      "  kestrel list --rules DIR                     list rules with severity, kind and ATT&CK ids\n" +
      "  kestrel query --eql QUERY --events FILE      run one EQL query over an NDJSON log\n" +
      "  kestrel replay --rules DIR --events FILE     alerts for a recorded NDJSON log",
  );
  return Promise.resolve(EXIT.ok);
}
