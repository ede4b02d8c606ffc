/**
 * The `kestrel` CLI as a real subprocess (`deno run -A main.ts ARGS`, colours
 * off), its exit code and output collected as text. Shared by the tests of
 * the CLI commands.
 *
 * @module
 */

/** The repository root, with a trailing slash. */
export const ROOT = decodeURIComponent(new URL("../../", import.meta.url).pathname);

/** How a run ended: exit code and the text of both streams. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link deno} and {@link kestrel}. */
export interface RunOptions {
  /** Working directory (default: this process's). */
  cwd?: string;
  /** Text written to its standard input, then closed (default: no input). */
  stdin?: string;
}

/** Runs `deno ARGS` to its end. */
export async function deno(args: string[], opts: RunOptions = {}): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: opts.cwd,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Runs `kestrel ARGS` from source to its end. */
export function kestrel(args: string[], opts: RunOptions = {}): Promise<Run> {
  return deno(["run", "-A", `${ROOT}main.ts`, ...args], opts);
}
