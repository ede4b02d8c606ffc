/**
 * Kestrel's version, read from deno.json so there is one place to bump it.
 * It is part of replay's reproducibility contract: same log + rules + version
 * give the same alerts.
 *
 * @module
 */
import meta from "./deno.json" with { type: "json" };

/** The engine version, e.g. `0.1.0`. */
export const VERSION: string = meta.version;
