/**
 * `${NAME}` references in config strings: `${NAME}` is the variable's
 * value, `${NAME:-text}` the value or `text` when the variable is unset or
 * empty, and `$${` a literal `${`. A `$` elsewhere is kept as written.
 *
 * @module
 */

/** Reads one environment variable; undefined when it is not set. */
export type EnvLookup = (name: string) => string | undefined;

/** The outcome of expanding one string. */
export interface Expansion {
  /** The expanded string (unresolved references are left as written). */
  value: string;
  /** Referenced variables that are not set (and have no `:-` fallback). */
  missing: string[];
  /** The first malformed reference (`${` without a valid `NAME}`), if any. */
  malformed?: string;
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/**
 * Expands the references in `text`.
 *
 * @example
 * ```ts
 * expandEnv("Bearer ${TOKEN}", (n) => n === "TOKEN" ? "s3cret" : undefined);
 * // { value: "Bearer s3cret", missing: [] }
 * ```
 */
export function expandEnv(text: string, env: EnvLookup): Expansion {
  const missing: string[] = [];
  let malformed: string | undefined;
  const value = text.replace(REFERENCE, (whole: string, inner: string | undefined) => {
    if (whole === "$${") return "${";
    const m = inner === undefined ? null : NAME.exec(inner);
    if (!m) {
      malformed ??= whole;
      return whole;
    }
    const [, name, fallback] = m;
    const v = env(name);
    if (fallback !== undefined) return v ? v : fallback;
    if (v === undefined) {
      missing.push(name);
      return whole;
    }
    return v;
  });
  return malformed === undefined ? { value, missing } : { value, missing, malformed };
}

/** The default lookup: the process environment (needs permission to read it). */
export const processEnv: EnvLookup = (name) => Deno.env.get(name);
