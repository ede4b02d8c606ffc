/**
 * A rule as read from its file, before compilation: validated metadata plus
 * the located query and suppression texts.
 *
 * @module
 */
import type { Dialect } from "../../eql/compile.ts";
import type { SourceFile } from "./source_file.ts";
import type { EmbeddedText } from "./tree.ts";
import type { RuleAction, RuleFormat, RuleSeverity } from "./types.ts";

/** A parsed, not yet compiled rule. */
export interface RuleSpec {
  id: string;
  /** Offset of the id (its key, or the file start for `.eql`), for duplicate errors. */
  idAt: number;
  name: string;
  description: string;
  version?: string;
  author?: string;
  severity: RuleSeverity;
  tags: string[];
  mitre: string[];
  action: RuleAction;
  /** Undefined when the file names none: the loader's default applies. */
  dialect?: Dialect;
  enabled: boolean;
  falsePositives: string[];
  references: string[];
  query: EmbeddedText;
  /** The file holding the query. */
  file: SourceFile;
  /** Suppression expressions, each with the file it came from (metadata may be a sibling). */
  suppressions: { text: EmbeddedText; file: SourceFile }[];
  format: RuleFormat;
}

/** The outcome of reading one rule file. */
export type ReadOutcome =
  | { kind: "rule"; spec: RuleSpec }
  | { kind: "skipped"; reason: string }
  /** The file had errors; `id` when it could be read. */
  | { kind: "failed"; id?: string };
