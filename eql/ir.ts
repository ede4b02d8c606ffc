/**
 * The checked intermediate representation that runtimes execute.
 *
 * Produced by the semantic pass from the AST: fields are resolved to schema
 * ids with types, globals are substituted, constants are folded, dialect
 * rules (case sensitivity, wildcards in `==`) are made explicit on each node,
 * and time spans are in nanoseconds. Plain data only, so an IR can be
 * serialised into a rule package.
 *
 * @module
 */
import type { ArithOp, CompareOp } from "./ast.ts";
import type { Dialect } from "./compile.ts";
import type { Value } from "./value.ts";
import type { ValueType } from "../engine/schema.ts";

/** A predicate or value expression. */
export type IrExpr =
  | { op: "const"; value: Value }
  | {
    op: "field";
    /** Schema field id. */
    id: number;
    /** Dotted field name (for messages and outputs). */
    name: string;
    type: ValueType;
    /** The field holds a list (ECS normalization `array`): predicates match any element. */
    array: boolean;
    /** `?field`: absent fields are null without error, and by-keys join on null. */
    optional: boolean;
    /** Legacy subscript `process.args[0]`. */
    index?: number;
  }
  /** A variable bound by legacy `arraySearch`/`arrayCount`, with an optional sub-path. */
  | { op: "bound"; name: string; path: string[] }
  | { op: "and" | "or"; args: IrExpr[] }
  | { op: "not"; arg: IrExpr }
  | {
    op: "compare";
    cmp: CompareOp;
    left: IrExpr;
    right: IrExpr;
    /** Legacy `==`/`!=` compare strings case-insensitively. */
    caseInsensitive: boolean;
    /** Legacy `==`/`!=` with a `*` in the constant right side matches as a wildcard. */
    wildcard: boolean;
  }
  | {
    op: "in";
    subject: IrExpr;
    values: IrExpr[];
    negated: boolean;
    caseInsensitive: boolean;
    /** Legacy `in` treats `*` in constant strings as wildcards. */
    wildcard: boolean;
  }
  | {
    op: "match";
    /** `:`, `like`, `like~` are wildcard matches; `regex`, `regex~` Lucene regexes (whole string). */
    kind: "wildcard" | "regex";
    caseInsensitive: boolean;
    subject: IrExpr;
    patterns: string[];
  }
  | { op: "arith"; arith: ArithOp; left: IrExpr; right: IrExpr }
  | { op: "negate"; arg: IrExpr }
  | {
    op: "call";
    /** Canonical function name (`cidrMatch`). */
    fn: string;
    /** The `~` variant, or any string function in the legacy dialect. */
    caseInsensitive: boolean;
    args: IrExpr[];
  }
  | { op: "lineage"; relation: "descendant" | "child" | "event"; query: IrEventQuery };

/** `category where predicate`; category `any` matches every event. */
export interface IrEventQuery {
  category: string;
  predicate: IrExpr;
}

/** One step of a sequence, sample or join. */
export interface IrStep {
  query: IrEventQuery;
  /** Join keys: the shared `by` keys followed by the step's own. */
  keys: IrExpr[];
  /** `with runs=N` (1 when absent): the step must match N times in a row. */
  runs: number;
  /** `![…]`: the sequence matches only if no such event occurs in its place. */
  missing: boolean;
}

/** A pipe after the query. */
export type IrPipe =
  | { name: "head" | "tail"; count: number }
  | { name: "count" | "unique" | "unique_count" | "sort"; keys: IrExpr[] }
  | { name: "filter"; predicate: IrExpr };

/** A compiled rule query. */
export interface RuleIR {
  kind: "event" | "sequence" | "sample" | "join";
  dialect: Dialect;
  /** The single event query (kind `event`), or undefined. */
  query?: IrEventQuery;
  /** The steps (kinds `sequence`, `sample`, `join`), in order. */
  steps: IrStep[];
  /** `until [...]`. */
  until?: IrStep;
  /** `with maxspan=…` in nanoseconds. */
  maxspanNs?: number;
  pipes: IrPipe[];
  /** Every schema field id the query reads, sorted (for interest pushdown). */
  fields: number[];
  /** Every event category the query names, sorted (`any` included when used). */
  categories: string[];
}
