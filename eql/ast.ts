/**
 * The EQL abstract syntax tree produced by the peggy grammar (`eql.peggy`).
 *
 * One tree serves both dialects: the grammar accepts the union of the
 * `elastic` and `legacy` syntax and the semantic pass rejects, with a
 * location, whatever the chosen dialect does not allow. Every node carries
 * `at`, the 0-based offset of its first character in the query text.
 *
 * @module
 */

/** Offset of a node's first character in the query text. */
export interface Located {
  /** 0-based offset into the query source. */
  at: number;
}

/** How a string literal was written; the dialect decides which are allowed. */
export type StringStyle = "double" | "single" | "triple" | "raw";

/** A literal value. */
export type Literal =
  | Located & { kind: "string"; value: string; style: StringStyle }
  | Located & { kind: "number"; value: number; integer: boolean }
  | Located & { kind: "boolean"; value: boolean }
  | Located & { kind: "null" };

/** A field reference such as `process.parent.name`, `?user.name`, or `` `a b`.c ``. */
export interface FieldRef extends Located {
  kind: "field";
  /** Path segments, without backquotes. */
  path: string[];
  /** Array subscripts per segment (legacy `process.args[0]`), `undefined` when absent. */
  index?: (number | undefined)[];
  /** `?field`: a field that may be absent from the schema. */
  optional: boolean;
}

/** A manifest global such as `$HOME_NET`, replaced by its value in the semantic pass. */
export interface GlobalRef extends Located {
  kind: "global";
  name: string;
}

/** `a and b and c` / `a or b`, flattened to n-ary so long chains stay shallow. */
export interface Logical extends Located {
  kind: "logical";
  op: "and" | "or";
  operands: Expr[];
}

/** `not expr`. */
export interface Not extends Located {
  kind: "not";
  operand: Expr;
}

/** The comparison operators. */
export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** `a == b` and the other comparisons; `=` is legacy shorthand for `==`. */
export interface Compare extends Located {
  kind: "compare";
  op: CompareOp | "=";
  left: Expr;
  right: Expr;
}

/** The pattern operators: `:` (wildcard, case-insensitive), `like`, `like~`, `regex`, `regex~`. */
export type MatchOp = ":" | "like" | "like~" | "regex" | "regex~";

/** `field : "a*"`, `field like~ ("a*", "b")`, `field regex "x.*"`. */
export interface Match extends Located {
  kind: "match";
  op: MatchOp;
  subject: Expr;
  patterns: Expr[];
  /** True when the patterns were written as a parenthesised list. */
  list: boolean;
}

/** `x in (…)`, `x in~ (…)`, `x not in (…)`. */
export interface In extends Located {
  kind: "in";
  subject: Expr;
  values: Expr[];
  insensitive: boolean;
  negated: boolean;
}

/** Arithmetic operators. */
export type ArithOp = "+" | "-" | "*" | "/" | "%";

/** `a + b` and the other arithmetic operators. */
export interface Arith extends Located {
  kind: "arith";
  op: ArithOp;
  left: Expr;
  right: Expr;
}

/** Unary minus on a non-literal (`-x`); minus on a number literal folds into the literal. */
export interface Negate extends Located {
  kind: "negate";
  operand: Expr;
}

/** A function call; `insensitive` for the `~` form (`startsWith~(…)`). */
export interface Call extends Located {
  kind: "call";
  /** The name as written; resolution is case-insensitive. */
  name: string;
  insensitive: boolean;
  args: Expr[];
}

/** Legacy lineage: `descendant of [q]`, `child of [q]`, `event of [q]`. */
export interface Lineage extends Located {
  kind: "lineage";
  relation: "descendant" | "child" | "event";
  query: EventQuery;
}

/** Any expression. */
export type Expr =
  | Literal
  | FieldRef
  | GlobalRef
  | Logical
  | Not
  | Compare
  | Match
  | In
  | Arith
  | Negate
  | Call
  | Lineage;

/** `process where expr`; `category` is `any` for `any where`. */
export interface EventQuery extends Located {
  kind: "event";
  category: string;
  /** Offset of the category token (for "unknown category" diagnostics). */
  categoryAt: number;
  /** Legacy shorthand: the query was written without `category where`. */
  implicit?: boolean;
  condition: Expr;
}

/** A time span such as `maxspan=5m`; `unit` is normalised (`ms`, `s`, `m`, `h`, `d`, …). */
export interface Span extends Located {
  value: number;
  unit: TimeUnit;
}

/** Time units accepted after `maxspan=`. */
export type TimeUnit = "nanos" | "micros" | "ms" | "s" | "m" | "h" | "d";

/** A bracketed step of a sequence, sample or join. */
export interface Step extends Located {
  query: EventQuery;
  /** Per-step join keys (`[…] by a, b`). */
  by: Expr[];
  /** `with runs=N`, or undefined. */
  runs?: number;
  /** Offset of the `runs` value, for range diagnostics. */
  runsAt?: number;
  /** `![…]`: a missing-event step. */
  missing: boolean;
}

/** `sequence [by …] [with maxspan=…] [steps] [until [step]]`. */
export interface SequenceQuery extends Located {
  kind: "sequence";
  by: Expr[];
  maxspan?: Span;
  steps: Step[];
  until?: Step;
}

/** `sample by … [steps]`. */
export interface SampleQuery extends Located {
  kind: "sample";
  by: Expr[];
  steps: Step[];
}

/** Legacy `join [by …] [steps] [until [step]]`. */
export interface JoinQuery extends Located {
  kind: "join";
  by: Expr[];
  steps: Step[];
  until?: Step;
}

/** The pipes of both dialects (`head`, `tail`) and the legacy ones. */
export type PipeName = "head" | "tail" | "count" | "unique" | "unique_count" | "filter" | "sort";

/** `| name args…`. */
export interface Pipe extends Located {
  name: PipeName;
  args: Expr[];
}

/** A whole query: the base query and its pipes. */
export interface Query extends Located {
  body: EventQuery | SequenceQuery | SampleQuery | JoinQuery;
  pipes: Pipe[];
}
