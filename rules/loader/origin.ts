/**
 * Compiling text embedded in a rule file so that diagnostics point into the
 * file: the {@link SourceOrigin} handed to the compiler, or, when the text's
 * layout is more than a start position plus block indentation (escapes,
 * folded lines), a remapping of the compiler's positions through the
 * per-character offsets.
 *
 * @module
 */
import type { Diagnostic, SourceOrigin } from "../../eql/errors.ts";
import { SourceFile } from "./source_file.ts";
import type { EmbeddedText } from "./tree.ts";

/**
 * The origin describing exactly where `emb` sits in `file`, or undefined
 * when a start line/column and one indentation for later lines cannot
 * describe it (then positions are remapped instead).
 */
export function originFor(file: SourceFile, emb: EmbeddedText): SourceOrigin | undefined {
  const first = file.position(emb.offsets[0]);
  const origin: SourceOrigin = {
    file: file.path,
    fileText: file.text,
    line: first.line,
    col: first.col,
  };
  let indent: number | undefined;
  let qLine = 1;
  let qCol = 1;
  for (let i = 0; i < emb.text.length; i++) {
    const ch = emb.text[i];
    if (ch === "\n") {
      qLine++;
      qCol = 1;
      continue;
    }
    const p = file.position(emb.offsets[i]);
    if (p.line !== first.line + qLine - 1) return undefined;
    if (qLine === 1) {
      if (p.col !== first.col + qCol - 1) return undefined;
    } else {
      indent ??= p.col - qCol;
      if (indent < 0 || p.col !== indent + qCol) return undefined;
    }
    qCol++;
  }
  origin.indent = indent ?? 0;
  return origin;
}

/**
 * Runs `compile` on `emb` with an origin in `file` and returns its result
 * with every diagnostic located in the file. A compiler exception becomes
 * an error at the text's start rather than aborting the whole load.
 */
export function compileEmbedded<R extends { diagnostics: Diagnostic[] }>(
  file: SourceFile,
  emb: EmbeddedText,
  compile: (origin: SourceOrigin) => R,
): R | { diagnostics: Diagnostic[] } {
  try {
    const origin = originFor(file, emb);
    if (origin) return compile(origin);
    // Compile relative to the text itself, then map each position through the offsets.
    const result = compile({ file: file.path });
    const local = new SourceFile(file.path, emb.text);
    const diagnostics = result.diagnostics.map((d) => {
      if (d.file !== file.path) return d;
      const at = Math.min(local.offsetOf(d.line, d.col), emb.text.length);
      return file.diagnostic(d.severity, emb.offsets[at], d.message);
    });
    return { ...result, diagnostics };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { diagnostics: [file.error(emb.offsets[0], `internal compiler error: ${message}`)] };
  }
}
