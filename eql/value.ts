/**
 * The value model shared by the EQL compiler (constant folding) and the
 * detection runtimes.
 *
 * EQL has no objects at the expression level: a value is a scalar, or a list
 * of values when it comes from an array field such as `process.args`.
 * Numbers are plain JavaScript numbers, so an integer-valued float (`4.0`)
 * cannot be told apart from an integer (`4`); functions that care (`divide`)
 * treat every integer-valued number as an integer.
 *
 * @module
 */

/**
 * A single EQL value: string, number, boolean, or `null` for a missing value.
 *
 * @example
 * ```ts
 * const pid: Scalar = 4242;
 * const missing: Scalar = null;
 * ```
 */
export type Scalar = string | number | boolean | null;

/**
 * A scalar, or a (possibly nested) list of values from an array field.
 *
 * @example
 * ```ts
 * const args: Value = ["/bin/sh", "-c", "id"];
 * ```
 */
export type Value = Scalar | Value[];
