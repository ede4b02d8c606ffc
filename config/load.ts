/**
 * Loads `config.toml`: parses it (smol-toml), checks every key against the
 * schema, expands `${ENV}` references, fills in the defaults and reports
 * located diagnostics — errors for unknown keys, wrong types and bad
 * values; warnings for keys the sensor does not implement yet.
 *
 * @module
 */
import { parse, TomlError } from "smol-toml";
import type { Diagnostic } from "../eql/errors.ts";
import { DATA_SUBDIRS, deepFreeze, DEFAULT_CONFIG } from "./defaults.ts";
import { type EnvLookup, expandEnv, processEnv } from "./env.ts";
import { KeyLocations, type KeyPlace } from "./locate.ts";
import { type KeySpec, SCHEMA, schemaKeys, type TableSpec } from "./schema.ts";
import type { Config, ConfigValue } from "./types.ts";
import { NOT_IMPLEMENTED } from "./unimplemented.ts";

/** Options of {@link loadConfig}. */
export interface LoadOptions {
  /** Where `${NAME}` references are looked up (default: the process environment). */
  env?: EnvLookup;
}

/** What {@link loadConfig} found. */
export interface LoadResult {
  /**
   * The configuration: the file's valid values over the defaults, frozen.
   * Use it only when `errors` is empty (a key in error keeps its default).
   */
  config: Config;
  /** Keys that are set but not implemented yet, in file order. */
  warnings: Diagnostic[];
  /** Everything that makes the file unusable, in file order. */
  errors: Diagnostic[];
}

type Table = Record<string, unknown>;

/**
 * Loads a configuration from its text. `file` names it in diagnostics.
 *
 * @example
 * ```ts
 * const { config, errors } = loadConfig('[http]\nlisten = "0.0.0.0:8080"\n', "kestrel.toml");
 * // errors: [], config.http.listen: "0.0.0.0:8080", config.general.mode: "detect"
 * ```
 */
export function loadConfig(
  text: string,
  file = "config.toml",
  options: LoadOptions = {},
): LoadResult {
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const target = structuredClone(DEFAULT_CONFIG) as unknown as Table;
  let parsed: Table;
  try {
    parsed = parse(source, { integersAsBigInt: "asNeeded" }) as Table;
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    const message = e.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
    const error: Diagnostic = {
      severity: "error",
      message: `invalid TOML: ${message}`,
      file,
      line: e.line,
      col: e.column,
      sourceLine: source.split("\n")[e.line - 1]?.replace(/\r$/, ""),
    };
    return { config: finish(target, new Set()), warnings: [], errors: [error] };
  }
  const checker = new Checker(file, new KeyLocations(source), options.env ?? processEnv);
  checker.table(SCHEMA, parsed, [], target);
  checker.crossChecks(target);
  const byPlace = (a: Diagnostic, b: Diagnostic) => a.line - b.line || a.col - b.col;
  return {
    config: finish(target, checker.written),
    warnings: checker.warnings.sort(byPlace),
    errors: checker.errors.sort(byPlace),
  };
}

/**
 * Reads and loads a configuration file; a file that cannot be read is one
 * error (at line 1).
 */
export async function loadConfigFile(path: string, options: LoadOptions = {}): Promise<LoadResult> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "no such file"
      : e instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : e instanceof Error
      ? e.message
      : String(e);
    const error: Diagnostic = {
      severity: "error",
      message: `cannot read the config file: ${why}`,
      file: path,
      line: 1,
      col: 1,
    };
    return {
      config: finish(structuredClone(DEFAULT_CONFIG) as unknown as Table, new Set()),
      warnings: [],
      errors: [error],
    };
  }
  return loadConfig(text, path, options);
}

/** Resolves the paths that default to a directory under `general.data_dir`, then freezes. */
function finish(target: Table, written: ReadonlySet<string>): Config {
  const dataDir = String((target.general as Table).data_dir).replace(/\/+$/, "");
  for (const [key, sub] of Object.entries(DATA_SUBDIRS)) {
    const path = key.split(".");
    const table = path.slice(0, -1).reduce((t, k) => t[k] as Table, target);
    const name = path.at(-1)!;
    if (!written.has(key) || table[name] === "") table[name] = `${dataDir}/${sub}`;
  }
  return deepFreeze(target as unknown as Config);
}

/** `a.b."c d"`: a key path as written in TOML. */
export function dotted(path: readonly (string | number)[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += (out ? "." : "") + (/^[A-Za-z0-9_-]+$/.test(p) ? p : JSON.stringify(p));
  }
  return out;
}

/** Sets an own property, even one named `__proto__` (keys of `[integration.*]` are free). */
function put(table: Table, key: string, value: unknown): void {
  Object.defineProperty(table, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function isTable(v: unknown): v is Table {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date);
}

/** A value as a message shows it. */
function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") {
    return Number.isNaN(v) ? "nan" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : String(v);
  }
  if (typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return "a date-time";
  return Array.isArray(v) ? "an array" : "a table";
}

/** `"a", "b" or "c"`. */
function choices(values: readonly string[]): string {
  const q = values.map((v) => JSON.stringify(v));
  return q.length > 1 ? `${q.slice(0, -1).join(", ")} or ${q.at(-1)}` : q.join("");
}

/** Edit distance with transpositions (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

const ALL_KEYS = schemaKeys();

/** What happens instead of `what` (a key, table or `key = value`), when it is not implemented. */
function noteOf(what: string): string | undefined {
  return Object.hasOwn(NOT_IMPLEMENTED, what) ? NOT_IMPLEMENTED[what] : undefined;
}

/** Walks a parsed document against the schema, collecting diagnostics. */
class Checker {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  /** Dotted paths of the keys the file sets (aliases under their canonical name). */
  readonly written = new Set<string>();

  constructor(
    readonly file: string,
    readonly locs: KeyLocations,
    readonly env: EnvLookup,
  ) {}

  /** Checks `input` against `spec`, writing accepted values into `target`. */
  table(spec: TableSpec, input: Table, path: string[], target: Table): void {
    const ignoredAs = path.length ? noteOf(dotted(path)) : undefined;
    for (const [k, v] of Object.entries(input)) {
      const p = [...path, k];
      const keySpec = Object.hasOwn(spec.keys, k) ? spec.keys[k] : undefined;
      const sub = spec.tables && Object.hasOwn(spec.tables, k) ? spec.tables[k] : undefined;
      if (keySpec) {
        this.key(keySpec, v, p, input, target, ignoredAs !== undefined);
      } else if (sub) {
        if (!isTable(v)) this.error(p, "value", `${dotted(p)} must be a table, not ${describe(v)}`);
        else this.table(sub, v, p, target[k] as Table);
      } else if (spec.open) {
        if (!isTable(v)) {
          this.error(p, "value", `${dotted(p)} must be a table, not ${describe(v)}`);
        } else {
          put(target, k, this.#expandDeep(v, p) as ConfigValue);
          this.#ignored(p, Object.keys(v), ignoredAs);
        }
      } else {
        this.#unknown(spec, p, v);
      }
    }
    if (ignoredAs !== undefined && !spec.open) this.#ignored(path, Object.keys(input), ignoredAs);
  }

  /** Cross-key checks on the merged values. */
  crossChecks(target: Table): void {
    const alerts = target.alerts as Table;
    const outputs = alerts.outputs as string[];
    const webhook = alerts.webhook as Table;
    if (outputs.includes("webhook") && webhook.url === "") {
      this.error(
        ["alerts", "outputs"],
        "value",
        'alerts.outputs includes "webhook" but alerts.webhook.url is not set',
      );
    }
    if (outputs.includes("file") && alerts.file_path === "") {
      this.error(
        ["alerts", "outputs"],
        "value",
        'alerts.outputs includes "file" but alerts.file_path is empty',
      );
    }
  }

  /** One key: type, expansion, value checks; the accepted value goes into `target`. */
  key(
    spec: KeySpec,
    v: unknown,
    p: string[],
    input: Table,
    target: Table,
    inIgnored: boolean,
  ): void {
    const name = dotted(p);
    const value = this.#value(spec, v, p, inIgnored);
    if (value === undefined) return;
    let canonical = p.at(-1)!;
    if (spec.type === "string" && spec.aliasOf) {
      canonical = spec.aliasOf;
      if (Object.hasOwn(input, spec.aliasOf)) {
        const other = dotted([...p.slice(0, -1), spec.aliasOf]);
        this.error(p, "key", `${name} is another name for ${other}; set only one of them`);
        return;
      }
    }
    target[canonical] = value;
    this.written.add(dotted([...p.slice(0, -1), canonical]));
    if (inIgnored) return;
    const note = noteOf(name);
    if (note !== undefined) {
      this.warning(p, "key", `${name} is not implemented yet and is ignored; ${note}`);
    }
    const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
    const valueNote = noteOf(`${name} = ${shown}`);
    if (valueNote !== undefined) {
      this.warning(p, "value", `${name} = ${shown} is not implemented yet; ${valueNote}`);
    }
  }

  /** The checked (and expanded) value, or undefined after reporting an error. */
  #value(spec: KeySpec, v: unknown, p: string[], inIgnored: boolean): unknown {
    const wrong = (what: string, shown: unknown = v, at: (string | number)[] = p) => {
      this.error(p, "value", `${dotted(at)} must be ${what}, not ${describe(shown)}`);
      return undefined;
    };
    switch (spec.type) {
      case "boolean":
        return typeof v === "boolean" ? v : wrong("true or false");
      case "integer": {
        if (typeof v !== "number" && typeof v !== "bigint") return wrong("an integer");
        if (typeof v === "number" && !Number.isInteger(v)) return wrong("an integer");
        const n = Number(v);
        if (n < spec.min || (spec.max !== undefined && n > spec.max) || typeof v === "bigint") {
          return wrong(
            spec.max !== undefined
              ? `between ${spec.min} and ${spec.max}`
              : typeof v === "bigint"
              ? `at most ${Number.MAX_SAFE_INTEGER}`
              : `at least ${spec.min}`,
          );
        }
        if (spec.powerOfTwo && (n & (n - 1)) !== 0) {
          return wrong(`a power of 2${spec.unit ? ` (${spec.unit})` : ""}`);
        }
        return n;
      }
      case "number": {
        if (typeof v !== "number" && typeof v !== "bigint") return wrong("a number");
        const n = Number(v);
        return Number.isFinite(n) && n > spec.above ? n : wrong(`a number above ${spec.above}`);
      }
      case "string": {
        if (typeof v !== "string") return wrong("a string");
        const s = this.#expand(v, p, inIgnored);
        if (s === undefined) return undefined;
        if (spec.enum && !spec.enum.includes(s)) return wrong(`one of ${choices(spec.enum)}`, s);
        const bad = spec.check?.(s);
        return bad ? wrong(bad, s) : s;
      }
      case "string[]": {
        if (!Array.isArray(v)) return wrong("an array of strings");
        const out: string[] = [];
        for (const [i, item] of v.entries()) {
          const at = [...p, i] as (string | number)[];
          if (typeof item !== "string") return wrong("a string", item, at);
          const s = this.#expand(item, p, inIgnored);
          if (s === undefined) return undefined;
          if (spec.enum && !spec.enum.includes(s)) {
            return wrong(`one of ${choices(spec.enum)}`, s, at);
          }
          const bad = spec.check?.(s);
          if (bad) return wrong(bad, s, at);
          if (spec.unique && out.includes(s)) {
            this.error(p, "value", `${dotted(at)} repeats ${JSON.stringify(s)}`);
            return undefined;
          }
          out.push(s);
        }
        return out;
      }
    }
  }

  /** Expands `${NAME}` in a string of key `p`; undefined after reporting an error. */
  #expand(s: string, p: string[], inIgnored: boolean): string | undefined {
    const r = expandEnv(s, this.env);
    const name = dotted(p);
    if (r.malformed !== undefined) {
      this.error(
        p,
        "value",
        `${name} has a malformed reference ${JSON.stringify(r.malformed)}: ` +
          "write ${NAME}, ${NAME:-default}, or $${ for a literal ${",
        r.malformed,
      );
      return undefined;
    }
    if (r.missing.length && !inIgnored && noteOf(name) === undefined) {
      const v = r.missing[0];
      this.error(
        p,
        "value",
        `${name} refers to \${${v}}, but the environment variable ${v} is not set`,
        "${" + v,
      );
      return undefined;
    }
    return r.value;
  }

  /** Expands every string of an `[integration.*]` table (unresolved references stay as written). */
  #expandDeep(v: unknown, p: string[]): unknown {
    if (typeof v === "string") return this.#expand(v, p, true);
    if (Array.isArray(v)) return v.map((x) => this.#expandDeep(x, p));
    if (isTable(v)) {
      const out: Table = {};
      for (const [k, x] of Object.entries(v)) put(out, k, this.#expandDeep(x, [...p, k]));
      return out;
    }
    return v;
  }

  /** One warning for a set table that is not implemented, naming its keys. */
  #ignored(path: string[], keys: string[], note: string | undefined): void {
    if (note === undefined || keys.length === 0) return;
    this.warning(
      path,
      "key",
      `[${dotted(path)}] is not implemented yet and is ignored (${keys.join(", ")}); ${note}`,
    );
  }

  #unknown(spec: TableSpec, p: string[], v: unknown): void {
    const parent = p.slice(0, -1);
    const name = p.at(-1)!;
    const what = isTable(v) ? `table [${dotted(p)}]` : `key ${dotted(p)}`;
    const tables = Object.keys(spec.tables ?? {});
    const keys = Object.entries(spec.keys).filter(([, s]) => !("aliasOf" in s && s.aliasOf))
      .map(([k]) => k);
    // A near spelling in the same table, else the same name in another table.
    const near = [...keys, ...tables]
      .map((k) => ({ k, d: distance(name, k) }))
      .filter(({ k, d }) => d <= Math.min(2, Math.floor(Math.max(name.length, k.length) / 3)))
      .sort((a, b) => a.d - b.d)[0]?.k;
    let hint: string;
    if (near !== undefined) {
      const full = dotted([...parent, near]);
      hint = `did you mean ${tables.includes(near) ? `[${full}]` : full}?`;
    } else {
      const elsewhere = ALL_KEYS.find((k) => k.endsWith(`.${name}`) && k !== dotted(p));
      if (elsewhere !== undefined) hint = `did you mean ${elsewhere}?`;
      else if (parent.length === 0) hint = `the tables are ${tables.join(", ")}`;
      else {
        const parts = [...keys, ...tables.map((t) => `[${dotted([...parent, t])}]`)];
        hint = `[${dotted(parent)}] has ${parts.join(", ")}`;
      }
    }
    this.error(p, "key", `unknown ${what}: ${hint}`);
  }

  error(p: readonly string[], where: "key" | "value", message: string, needle?: string): void {
    this.errors.push(this.#diag("error", p, where, message, needle));
  }

  warning(p: readonly string[], where: "key" | "value", message: string): void {
    this.warnings.push(this.#diag("warning", p, where, message));
  }

  #diag(
    severity: "error" | "warning",
    p: readonly string[],
    where: "key" | "value",
    message: string,
    needle?: string,
  ): Diagnostic {
    const place: KeyPlace = this.locs.find(p);
    let at = where === "value" && place.value ? place.value : place.key;
    const sourceLine = this.locs.lineText(at.line);
    if (needle !== undefined) {
      const i = sourceLine.indexOf(needle, at.col - 1);
      if (i >= 0) at = { line: at.line, col: i + 1 };
    }
    return { severity, message, file: this.file, line: at.line, col: at.col, sourceLine };
  }
}
