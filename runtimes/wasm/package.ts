/**
 * Rule packages: a directory with `rules.wasm` (every predicate of the
 * ruleset, Host ABI v1) and `manifest.json` — the ABI version, the module's
 * SHA-256, and per rule its id, metadata, version, text hash, compiled IR
 * and the hash of that IR, plus the schema fields the IR addresses by id,
 * where each predicate sits (`sites`, `lineage`), and the SHA-256 of all of
 * that (`sha256`). Loading checks every hash and the field ids, so a
 * package that was edited, truncated or built for another schema is refused
 * with a clear error instead of running wrong predicates.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { IrExpr, RuleIR } from "../../eql/ir.ts";
import type { Dialect } from "../../eql/compile.ts";
import type { Schema, ValueType } from "../../engine/schema.ts";
import { VERSION } from "../../version.ts";
import { ABI_VERSION } from "./layout.ts";
import { compileWasmRules, WasmCompileError, type WasmSite } from "./ruleset.ts";
import type { WasmLineage } from "./module.ts";

/** The manifest file's format version (2: the manifest hashes itself). */
export const PACKAGE_FORMAT = 2;

/** A rule as a package stores it. */
export interface PackagedRule {
  id: string;
  name: string;
  description: string;
  version?: string;
  severity: "low" | "medium" | "high" | "critical";
  tags: string[];
  mitre: string[];
  action: "alert" | "block" | "kill";
  dialect: Dialect;
  /** The loader's hash of the rule text (`dialect + "\n" + query`). */
  hash: string;
  query: string;
  ir: RuleIR;
  suppressions: IrExpr[];
  /** SHA-256 of the JSON of `ir` and `suppressions`. */
  irHash: string;
}

/** `manifest.json`. */
export interface PackageManifest {
  format: number;
  abi: number;
  /** The kestrel version that built it. */
  kestrel: string;
  ruleset?: { name?: string; version?: string };
  wasm: { file: "rules.wasm"; sha256: string; bytes: number };
  /** The schema fields the IR addresses, by id. */
  fields: { id: number; name: string; type: ValueType }[];
  rules: PackagedRule[];
  /** Where each predicate of the module sits. */
  sites: WasmSite[];
  /** Lineage nodes; their subqueries are the module's predicates after the sites'. */
  lineage: WasmLineage[];
  /** SHA-256 of the manifest's JSON without this field ({@link manifestHash}). */
  sha256: string;
}

/** A loaded, verified package. */
export interface RulePackage {
  manifest: PackageManifest;
  wasm: Uint8Array;
}

/** What the package writer needs of a rule (the loader's `LoadedRule` has it). */
export type PackageInput = Omit<PackagedRule, "irHash"> & {
  source?: { file: string; line: number };
};

function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * SHA-256 of the manifest's compact JSON without its `sha256` field, keys in
 * their order: covers every field, so editing any of them (the sites that
 * map predicates to rules included) is refused.
 */
export function manifestHash(manifest: Omit<PackageManifest, "sha256">): string {
  return sha256(JSON.stringify({ ...manifest, sha256: undefined }));
}

function irHash(ir: RuleIR, suppressions: readonly IrExpr[]): string {
  return sha256(JSON.stringify({ ir, suppressions }));
}

/**
 * Compiles `rules` into a package in memory. Throws {@link WasmCompileError}
 * listing every rule the module cannot run.
 */
export function buildPackage(
  rules: readonly PackageInput[],
  schema: Schema,
  options: { memoryLimitMb: number; ruleset?: { name?: string; version?: string } },
): RulePackage {
  const compiled = compileWasmRules(rules, options);
  if (!compiled.bytes) throw new WasmCompileError(compiled.errors);
  const ids = new Set<number>();
  for (const r of rules) {
    for (const id of r.ir.fields) ids.add(id);
    for (const s of compiled.sites.filter((s) => rules[s.rule] === r)) {
      s.fields.forEach((f) => ids.add(f));
    }
  }
  const fields = [...ids].sort((a, b) => a - b).map((id) => {
    const f = schema.byId(id);
    return { id, name: f.name, type: f.type };
  });
  const manifest: Omit<PackageManifest, "sha256"> = {
    format: PACKAGE_FORMAT,
    abi: ABI_VERSION,
    kestrel: VERSION,
    ruleset: options.ruleset,
    wasm: { file: "rules.wasm", sha256: sha256(compiled.bytes), bytes: compiled.bytes.length },
    fields,
    rules: rules.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      version: r.version,
      severity: r.severity,
      tags: r.tags,
      mitre: r.mitre,
      action: r.action,
      dialect: r.dialect,
      hash: r.hash,
      query: r.query,
      ir: r.ir,
      suppressions: r.suppressions,
      irHash: irHash(r.ir, r.suppressions),
    })),
    sites: compiled.sites,
    lineage: compiled.lineage,
  };
  return { manifest: { ...manifest, sha256: manifestHash(manifest) }, wasm: compiled.bytes };
}

/** Writes a package into `dir` (created if needed). */
export async function writePackage(dir: string, pkg: RulePackage): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeFile(`${dir}/rules.wasm`, pkg.wasm);
  await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(pkg.manifest, null, 2) + "\n");
}

/** A package that cannot be used, and why. */
export class PackageError extends Error {
  override name = "PackageError";
}

/**
 * Reads and verifies the package in `dir` against `schema` (its field ids
 * must name the same fields; fields admitted dynamically are admitted
 * again). Throws {@link PackageError} on any mismatch.
 */
export async function readPackage(dir: string, schema: Schema): Promise<RulePackage> {
  let text: string, wasm: Uint8Array;
  try {
    text = await Deno.readTextFile(`${dir}/manifest.json`);
    wasm = await Deno.readFile(`${dir}/rules.wasm`);
  } catch (e) {
    throw new PackageError(`cannot read rule package ${dir}: ${(e as Error).message}`);
  }
  let manifest: PackageManifest;
  try {
    manifest = JSON.parse(text);
  } catch (e) {
    throw new PackageError(`${dir}/manifest.json: not JSON: ${(e as Error).message}`);
  }
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest)) {
    throw new PackageError(`${dir}/manifest.json: not a JSON object`);
  }
  if (manifest.format !== PACKAGE_FORMAT) {
    throw new PackageError(
      `${dir}/manifest.json: package format ${manifest.format}, this build reads ${PACKAGE_FORMAT}`,
    );
  }
  if (manifest.abi !== ABI_VERSION) {
    throw new PackageError(
      `${dir}: the package needs Host ABI v${manifest.abi}, this build provides v${ABI_VERSION}`,
    );
  }
  const own = manifestHash(manifest);
  if (own !== manifest.sha256) {
    throw new PackageError(
      `${dir}/manifest.json: hash mismatch (recorded ${manifest.sha256}, contents ${own}); ` +
        `the manifest was modified — rebuild the package with kestrel compile`,
    );
  }
  const actual = sha256(wasm);
  if (actual !== manifest.wasm?.sha256) {
    throw new PackageError(
      `${dir}/rules.wasm: hash mismatch (manifest ${manifest.wasm?.sha256}, file ${actual}); ` +
        `the package was modified or is incomplete — rebuild it with kestrel compile`,
    );
  }
  for (const r of manifest.rules) {
    if (irHash(r.ir, r.suppressions) !== r.irHash) {
      throw new PackageError(
        `${dir}/manifest.json: rule ${r.id}: hash mismatch of its compiled form; ` +
          `the manifest was modified — rebuild the package with kestrel compile`,
      );
    }
  }
  for (const f of manifest.fields) {
    const known = schema.lookup(f.name);
    const info = known ?? schema.admit(f.name, f.type);
    if (info.id !== f.id) {
      throw new PackageError(
        `${dir}: field ${f.name} has id ${f.id} in the package but ${info.id} here; ` +
          `the package was built for another schema — rebuild it with this kestrel version`,
      );
    }
  }
  return { manifest, wasm };
}

/** Checks that the rules loaded from a directory are those the package was built from. */
export function checkPackageAgainst(
  pkg: RulePackage,
  rules: readonly { id: string; hash: string }[],
): string[] {
  const problems: string[] = [];
  const packaged = new Map(pkg.manifest.rules.map((r) => [r.id, r.hash]));
  for (const r of rules) {
    const h = packaged.get(r.id);
    if (h === undefined) problems.push(`rule ${r.id} is not in the package`);
    else if (h !== r.hash) {
      problems.push(`rule ${r.id} changed since the package was built (hash mismatch)`);
    }
  }
  for (const id of packaged.keys()) {
    if (!rules.some((r) => r.id === id)) {
      problems.push(`the package has rule ${id}, the rules directory does not`);
    }
  }
  return problems;
}
