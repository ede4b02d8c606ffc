/**
 * The rule text hash that decides whether sequence state survives a reload.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Dialect } from "../../eql/compile.ts";

/** Hex SHA-256 of `dialect + "\n" + query` (synchronous, so loading stays synchronous). */
export function ruleHash(dialect: Dialect, query: string): string {
  return createHash("sha256").update(`${dialect}\n${query}`, "utf8").digest("hex");
}
