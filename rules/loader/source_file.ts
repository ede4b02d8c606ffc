/**
 * A rule file's text with a line index, so that any offset found while
 * parsing turns into a located diagnostic cheaply.
 *
 * @module
 */
import type { Diagnostic, Position, Severity } from "../../eql/errors.ts";

/** One input file: its path as reported in diagnostics, and its text. */
export class SourceFile {
  /** Path reported in diagnostics. */
  readonly path: string;
  /** The whole file text. */
  readonly text: string;
  // Offsets of the first character of every line; binary-searched by `position`.
  readonly #lineStarts: number[];

  /** Indexes `text` once; every later lookup is O(log lines). */
  constructor(path: string, text: string) {
    this.path = path;
    this.text = text;
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) starts.push(i + 1);
    }
    this.#lineStarts = starts;
  }

  /** Line and column (1-based) of a 0-based offset; offsets past the end clamp to it. */
  position(offset: number): Position {
    const at = Math.max(0, Math.min(offset, this.text.length));
    const starts = this.#lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return { offset: at, line: lo + 1, col: at - starts[lo] + 1 };
  }

  /** Offset of a 1-based line and column; out-of-range values clamp to the text. */
  offsetOf(line: number, col: number): number {
    const starts = this.#lineStarts;
    const l = Math.max(1, Math.min(line, starts.length));
    return Math.min(starts[l - 1] + Math.max(0, col - 1), this.text.length);
  }

  /** The text of line `line` (1-based), without its line break. */
  lineText(line: number): string {
    const starts = this.#lineStarts;
    if (line < 1 || line > starts.length) return "";
    const end = line < starts.length ? starts[line] - 1 : this.text.length;
    return this.text.slice(starts[line - 1], end).replace(/\r$/, "");
  }

  /** A diagnostic at `offset`, with the source line for the caret display. */
  diagnostic(severity: Severity, offset: number, message: string): Diagnostic {
    const p = this.position(offset);
    return {
      severity,
      message,
      file: this.path,
      line: p.line,
      col: p.col,
      sourceLine: this.lineText(p.line),
    };
  }

  /** An error at `offset`. */
  error(offset: number, message: string): Diagnostic {
    return this.diagnostic("error", offset, message);
  }
}
