/**
 * Shared helpers for subcommands: argument parsing that reports bad flags as
 * one clear line, and the exit codes every command uses.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Exit codes: 0 success, 1 the input had errors (e.g. invalid rules), 2 bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Thrown for bad command-line usage; main prints its message and exits 2. */
export class UsageError extends Error {
  /** Wraps a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Options accepted by {@link parseFlags}: `node:util` parseArgs options. */
export type FlagSpec = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses `argv` strictly against `options`; an unknown flag or a missing
 * value becomes a {@link UsageError} naming the command.
 */
export function parseFlags<T extends FlagSpec>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
): ReturnType<
  typeof parseArgs<{ options: T; allowPositionals: boolean; strict: true; args: string[] }>
> {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new UsageError(`kestrel ${command}: ${message} (see kestrel ${command} --help)`);
  }
}

/** A required flag's value, or a usage error naming the command and flag (`--rules PATH`). */
export function required(command: string, flag: string, value: string | undefined): string {
  if (value === undefined || value === "") {
    throw new UsageError(`kestrel ${command}: ${flag} is required (see kestrel ${command} --help)`);
  }
  return value;
}

/** `value` if it is one of `allowed`, else a usage error naming the flag. */
export function oneOf(command: string, flag: string, value: string, allowed: string[]): string {
  if (!allowed.includes(value)) {
    throw new UsageError(
      `kestrel ${command}: ${flag} must be ${allowed.slice(0, -1).join(", ")} or ${
        allowed.at(-1)
      }, not ${JSON.stringify(value)}`,
    );
  }
  return value;
}
