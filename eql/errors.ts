/**
 * Located diagnostics for EQL queries and rule files.
 *
 * Every error or warning Kestrel reports about a rule carries a position so
 * that an operator can jump to it: `file:line:col: message`, then the source
 * line and a caret under the offending column.
 *
 * @module
 */

/** A position in a source text; `line` and `col` are 1-based, `offset` 0-based. */
export interface Position {
  /** 0-based character offset into the source text. */
  offset: number;
  /** 1-based line number. */
  line: number;
  /** 1-based column number (in UTF-16 code units, as editors count them). */
  col: number;
}

/** How serious a diagnostic is: errors reject a rule, warnings only inform. */
export type Severity = "error" | "warning";

/** One located message about a query or rule file. */
export interface Diagnostic {
  /** `error` rejects the rule; `warning` is reported and the rule is kept. */
  severity: Severity;
  /** The message, without location prefix. */
  message: string;
  /** File the source came from (`<query>` for a command-line query). */
  file: string;
  /** 1-based line in `file`. */
  line: number;
  /** 1-based column in `file`. */
  col: number;
  /** The full text of the source line, for the caret display. */
  sourceLine?: string;
}

/** Thrown by the compiler entry points when a query has errors. */
export class EqlError extends Error {
  /** Every diagnostic found, errors first. */
  readonly diagnostics: Diagnostic[];

  /** Wraps the diagnostics; the message is the first one, formatted. */
  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.length ? formatDiagnostic(diagnostics[0], false) : "EQL error");
    this.name = "EqlError";
    this.diagnostics = diagnostics;
  }
}

/**
 * Computes line and column of `offset` in `text`.
 *
 * @example
 * ```ts
 * positionAt("ab\ncd", 4); // { offset: 4, line: 2, col: 2 }
 * ```
 */
export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, col: offset - lineStart + 1 };
}

/** Returns line `line` (1-based) of `text`, without its newline. */
export function lineOf(text: string, line: number): string {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) return "";
    start = nl + 1;
  }
  const nl = text.indexOf("\n", start);
  return text.slice(start, nl < 0 ? text.length : nl).replace(/\r$/, "");
}

/**
 * Formats a diagnostic as `file:line:col: [warning: ]message`, followed (when
 * `withSource` is true and the line is known) by the source line and a caret.
 *
 * @example
 * ```ts
 * formatDiagnostic({ severity: "error", message: "unknown field \"x\"", file: "a.eql",
 *   line: 1, col: 17, sourceLine: "process where x == 1" });
 * // a.eql:1:17: unknown field "x"
 * //   process where x == 1
 * //                 ^
 * ```
 */
export function formatDiagnostic(d: Diagnostic, withSource = true): string {
  const head = `${d.file}:${d.line}:${d.col}: ${
    d.severity === "warning" ? "warning: " : ""
  }${d.message}`;
  if (!withSource || d.sourceLine === undefined) return head;
  let line = d.sourceLine;
  let col = d.col;
  // A very long line (a generated or minified query) is shown as a window around the column.
  if (line.length > MAX_SHOWN) {
    const start = Math.max(0, col - 1 - MAX_SHOWN / 2);
    const shown = line.slice(start, start + MAX_SHOWN);
    line = (start > 0 ? "…" : "") + shown + (start + MAX_SHOWN < line.length ? "…" : "");
    col = col - start + (start > 0 ? 1 : 0);
  }
  // Tabs are kept in the caret line so the caret lines up under the column.
  const pad = line.slice(0, Math.max(0, col - 1)).replace(/[^\t]/g, " ");
  return `${head}\n  ${line}\n  ${pad}^`;
}

const MAX_SHOWN = 120;

/** Formats many diagnostics, one block per diagnostic. */
export function formatDiagnostics(ds: readonly Diagnostic[], withSource = true): string {
  return ds.map((d) => formatDiagnostic(d, withSource)).join("\n");
}

/**
 * Where a query's text sits inside its file, so that positions inside the
 * query map to file positions. A query embedded in a YAML block scalar, for
 * instance, starts at some line with every line indented.
 */
export interface SourceOrigin {
  /** File name reported in diagnostics. */
  file: string;
  /** The whole file text, used to show the source line; defaults to the query. */
  fileText?: string;
  /** 1-based line of the query's first character in the file. */
  line?: number;
  /** 1-based column of the query's first character in the file. */
  col?: number;
  /** Columns added to every line after the first (block-scalar indentation). */
  indent?: number;
}

/** Maps a position inside a query to a located diagnostic in its file. */
export function locate(
  origin: SourceOrigin,
  query: string,
  offset: number,
  severity: Severity,
  message: string,
): Diagnostic {
  const p = positionAt(query, offset);
  const baseLine = origin.line ?? 1;
  const line = baseLine + p.line - 1;
  const col = p.line === 1 ? (origin.col ?? 1) + p.col - 1 : (origin.indent ?? 0) + p.col;
  const fileText = origin.fileText ?? query;
  const sourceLine = origin.fileText === undefined ? lineOf(query, p.line) : lineOf(fileText, line);
  return { severity, message, file: origin.file, line, col, sourceLine };
}
