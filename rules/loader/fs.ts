/**
 * {@link loadRules}: reads rule files from disk (a directory, walked
 * recursively in sorted order, or a single file) and loads them.
 *
 * @module
 */
import { posix } from "node:path";
import type { Diagnostic } from "../../eql/errors.ts";
import { isRuleFileName } from "./classify.ts";
import { MANIFEST_NAMES } from "./manifest.ts";
import { loadRulesFromSources } from "./load.ts";
import { prepareLua } from "./lua.ts";
import type { LoadOptions, LoadResult, RuleSourceText } from "./types.ts";

// Rule files are small; a huge file is a mistake (or an attack), not a rule.
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Rule file texts found under a path, and the problems reading them. */
export interface ReadSources {
  sources: RuleSourceText[];
  diagnostics: Diagnostic[];
}

/**
 * Loads every rule under `path`. A directory is walked recursively in
 * sorted order (hidden entries skipped); files other than `.eql`, `.yaml`,
 * `.yml`, `.json` and `.toml` are ignored. A single file is loaded with the
 * metadata file of a `.eql` and the manifest of the nearest directory at or
 * above it that has one (its ruleset's globals), if any. When a rule calls
 * `lua()`, the Lua modules are loaded first (see `lua.ts`).
 */
export async function loadRules(path: string, options: LoadOptions = {}): Promise<LoadResult> {
  const read = await readRuleSources(path);
  const lua = options.luaModules
    ? { host: options.luaModules, diagnostics: [] }
    : await prepareLua(path, read.sources.map((s) => s.text), options.lua);
  const result = loadRulesFromSources(read.sources, { ...options, luaModules: lua.host });
  return {
    ...result,
    diagnostics: [...read.diagnostics, ...lua.diagnostics, ...result.diagnostics],
  };
}

/** Collects the rule files under `path` (see {@link loadRules}) without loading them. */
export async function readRuleSources(path: string): Promise<ReadSources> {
  const out: ReadSources = { sources: [], diagnostics: [] };
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    out.diagnostics.push(ioError(path, e));
    return out;
  }
  if (info.isDirectory) {
    await walk(path, out, new Set());
    return out;
  }
  await readOne(path, out);
  // Companions are optional: a `.eql` file's metadata beside it, and the
  // manifest of the nearest directory at or above the file that has one.
  const stem = path.slice(0, path.length - posix.extname(path).length);
  if (path.toLowerCase().endsWith(".eql")) await readFirst([stem + ".yaml", stem + ".yml"], out);
  for (let dir = posix.dirname(path);; dir = posix.dirname(dir)) {
    if (await readFirst(MANIFEST_NAMES.map((n) => posix.join(dir, n)), out)) break;
    const parent = posix.dirname(dir);
    if (parent === dir || dir === ".") break;
  }
  return out;
}

async function walk(dir: string, out: ReadSources, seen: Set<string>): Promise<void> {
  let real: string;
  const entries: Deno.DirEntry[] = [];
  try {
    // Symlinked directories can loop; visit each real directory once.
    real = await Deno.realPath(dir);
    if (seen.has(real)) return;
    seen.add(real);
    for await (const e of Deno.readDir(dir)) entries.push(e);
  } catch (e) {
    out.diagnostics.push(ioError(dir, e));
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const p = posix.join(dir, e.name);
    let isDir = e.isDirectory;
    let isFile = e.isFile;
    if (e.isSymlink) {
      try {
        const target = await Deno.stat(p);
        isDir = target.isDirectory;
        isFile = target.isFile;
      } catch (err) {
        out.diagnostics.push(ioError(p, err));
        continue;
      }
    }
    if (isDir) await walk(p, out, seen);
    else if (isFile && isRuleFileName(p)) await readOne(p, out);
  }
}

async function readOne(path: string, out: ReadSources): Promise<void> {
  try {
    const info = await Deno.stat(path);
    if (info.size > MAX_FILE_BYTES) {
      out.diagnostics.push(
        located(path, `file too large (${info.size} bytes; limit ${MAX_FILE_BYTES})`),
      );
      return;
    }
    const bytes = await Deno.readFile(path);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      out.diagnostics.push(located(path, "not valid UTF-8 text"));
      return;
    }
    out.sources.push({ path, text });
  } catch (e) {
    out.diagnostics.push(ioError(path, e));
  }
}

/** Reads the first of `paths` that exists; true if one did. */
async function readFirst(paths: string[], out: ReadSources): Promise<boolean> {
  for (const p of paths) {
    if (out.sources.some((s) => s.path === p)) return true;
    if (await exists(p)) {
      await readOne(p, out);
      return true;
    }
  }
  return false;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

function located(file: string, message: string): Diagnostic {
  return { severity: "error", message, file, line: 1, col: 1 };
}

function ioError(path: string, e: unknown): Diagnostic {
  if (e instanceof Deno.errors.NotFound) return located(path, "no such file or directory");
  if (e instanceof Deno.errors.PermissionDenied) return located(path, "permission denied");
  return located(path, `cannot read: ${e instanceof Error ? e.message : String(e)}`);
}
