// Types for the peggy-generated parser (parser.generated.js).
import type { Query } from "./ast.ts";

/** One expectation peggy reports for a syntax error. */
export interface PeggyExpectation {
  type: "literal" | "class" | "any" | "end" | "other";
  text?: string;
  description?: string;
  parts?: unknown[];
}

/** A peggy location. */
export interface PeggyLocation {
  start: { offset: number; line: number; column: number };
  end: { offset: number; line: number; column: number };
}

/** The generated parser's syntax error. */
export declare class SyntaxError extends Error {
  expected: PeggyExpectation[] | null;
  found: string | null;
  location: PeggyLocation;
}

/** Parses one EQL query into its AST. */
export declare function parse(input: string, options?: Record<string, unknown>): Query;
