/**
 * `configCheck`: loads a config file and prints its diagnostics, for a
 * `kestrel` subcommand or option that checks a configuration.
 *
 * @module
 */
import { formatDiagnostics } from "../eql/errors.ts";
import { EXIT, parseFlags, UsageError } from "../cli/usage.ts";
import { loadConfigFile } from "./load.ts";

/**
 * Checks the file of `--config FILE` (or the one positional argument):
 * prints warnings and errors as `file:line:col: message` with the source
 * line, then a summary; returns 0 without errors, 1 with errors, 2 on bad
 * usage.
 */
export async function configCheck(argv: string[]): Promise<number> {
  let file: string | undefined;
  try {
    const { values, positionals } = parseFlags("validate", argv, {
      config: { type: "string" },
    }, true);
    file = values.config ?? (positionals.length === 1 ? positionals[0] : undefined);
    if (file === undefined || (values.config !== undefined && positionals.length > 0)) {
      throw new UsageError("kestrel validate: give one config file with --config FILE");
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(e.message);
    return EXIT.usage;
  }
  const { warnings, errors } = await loadConfigFile(file);
  const all = [...errors, ...warnings].sort((a, b) => a.line - b.line || a.col - b.col);
  if (all.length) console.log(formatDiagnostics(all));
  console.log(
    `config ${file}: ${errors.length} error${errors.length === 1 ? "" : "s"}, ` +
      `${warnings.length} warning${warnings.length === 1 ? "" : "s"}`,
  );
  return errors.length ? EXIT.failed : EXIT.ok;
}
