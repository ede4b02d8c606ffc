/**
 * Kestrel's configuration (`config.toml`): the key schema, the embedded
 * defaults, and the loader that turns a file into a checked, frozen
 * {@link Config} with located errors and warnings.
 *
 * @example
 * ```ts
 * import { formatDiagnostics } from "../eql/errors.ts";
 * import { loadConfigFile } from "./mod.ts";
 *
 * const { config, warnings, errors } = await loadConfigFile("/etc/kestrel/config.toml");
 * if (warnings.length) console.error(formatDiagnostics(warnings));
 * if (errors.length) throw new Error(formatDiagnostics(errors));
 * console.log(config.http.listen);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export { DEFAULT_CONFIG } from "./defaults.ts";
export { dotted, loadConfig, loadConfigFile, type LoadOptions, type LoadResult } from "./load.ts";
export { type EnvLookup, expandEnv, type Expansion } from "./env.ts";
export { type KeySpec, SCHEMA, schemaKeys, type TableSpec } from "./schema.ts";
export { NOT_IMPLEMENTED } from "./unimplemented.ts";
export { configCheck } from "./check.ts";
