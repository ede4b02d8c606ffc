/**
 * Decides what each input file is: a rule of some format, the manifest,
 * the metadata of a sibling `.eql` file, or not a rule file at all.
 *
 * @module
 */
import { posix } from "node:path";
import { MANIFEST_NAMES } from "./manifest.ts";

/** File extensions the loader reads; everything else is ignored. */
export const RULE_EXTENSIONS: readonly string[] = [".eql", ".yaml", ".yml", ".json", ".toml"];

/** The role of one input file. */
export type FileRole =
  | { kind: "manifest" }
  | { kind: "eql"; metadata?: string }
  | { kind: "eql-metadata"; owner: string }
  | { kind: "yaml" | "json" | "toml" }
  | { kind: "ignored" };

/** True when the loader reads files with this name (by extension). */
export function isRuleFileName(path: string): boolean {
  return RULE_EXTENSIONS.includes(posix.extname(path).toLowerCase());
}

/**
 * Classifies every path. A `.yaml`/`.yml` beside a `.eql` of the same stem is
 * that rule's metadata (`.yaml` preferred when both exist; the other is then
 * an ordinary rule file and reported if it is not one).
 */
export function classify(paths: readonly string[]): Map<string, FileRole> {
  const roles = new Map<string, FileRole>();
  const present = new Set(paths);
  for (const path of paths) {
    const ext = posix.extname(path).toLowerCase();
    const base = posix.basename(path);
    if (MANIFEST_NAMES.includes(base)) {
      roles.set(path, { kind: "manifest" });
    } else if (ext === ".eql") {
      const stem = path.slice(0, path.length - ext.length);
      const metadata = [".yaml", ".yml"].map((e) => stem + e).find((p) => present.has(p));
      roles.set(path, { kind: "eql", metadata });
    } else if (ext === ".yaml" || ext === ".yml") {
      roles.set(path, { kind: "yaml" });
    } else if (ext === ".json") {
      roles.set(path, { kind: "json" });
    } else if (ext === ".toml") {
      roles.set(path, { kind: "toml" });
    } else {
      roles.set(path, { kind: "ignored" });
    }
  }
  for (const [path, role] of roles) {
    if (role.kind === "eql" && role.metadata) {
      roles.set(role.metadata, { kind: "eql-metadata", owner: path });
    }
  }
  return roles;
}
