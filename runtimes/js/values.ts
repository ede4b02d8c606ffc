/**
 * Run-time helpers over event values, shared by the predicate compiler and
 * the code it generates: missing-value tests, any-element iteration over
 * multi-valued fields, case-insensitive equality, and the binding frames of
 * legacy `arraySearch`/`arrayCount`.
 *
 * Element tests receive one element at a time: never `null`/`undefined`
 * (those are skipped) and never an array (nested arrays are walked). An
 * element may still be a plain object when a JSON array holds objects; the
 * tests treat it as a value of no comparable type.
 *
 * @module
 */
import type { Event } from "../../engine/event.ts";
import { readPath } from "../../engine/event.ts";
import type { Scalar, Value } from "../../eql/value.ts";

/** A test over one present, non-array element. */
export type ElementTest = (x: unknown) => boolean;

/** A test over one pair of present, non-array elements. */
export type PairTest = (a: unknown, b: unknown) => boolean;

/**
 * A binding frame of legacy `arraySearch`/`arrayCount`: the element bound
 * to the innermost variable and the frame of the enclosing binding. Frames
 * are addressed by their distance from the innermost one, resolved at
 * compile time, so no name lookup happens per event.
 */
export interface Frame {
  /** The bound element, as read from the event (possibly an object). */
  readonly value: unknown;
  /** The enclosing binding, if any. */
  readonly up: Frame | undefined;
}

/** A compiled condition evaluated with a binding environment. */
export type BoundTest = (ev: Event, env: Frame | undefined) => boolean;

/**
 * Whether `v` counts as missing: absent, null, or an array without any
 * present element (an empty array behaves like a missing value).
 */
export function isMissing(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  return Array.isArray(v) && !hasPresent(v);
}

/** Whether array `a` holds a non-null element, looking into nested arrays. */
function hasPresent(a: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x === undefined || x === null) continue;
    if (!Array.isArray(x) || hasPresent(x)) return true;
  }
  return false;
}

/** Whether some present element of array `a` (nested arrays flattened) passes `test`. */
export function someElement(a: readonly unknown[], test: ElementTest): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x === undefined || x === null) continue;
    if (Array.isArray(x) ? someElement(x, test) : test(x)) return true;
  }
  return false;
}

/** Whether some pair of present elements of `l` and `r` passes `test`. */
export function somePair(l: unknown, r: unknown, test: PairTest): boolean {
  if (l === undefined || l === null || r === undefined || r === null) return false;
  if (Array.isArray(l)) {
    for (let i = 0; i < l.length; i++) if (somePair(l[i], r, test)) return true;
    return false;
  }
  if (Array.isArray(r)) {
    for (let i = 0; i < r.length; i++) if (somePair(l, r[i], test)) return true;
    return false;
  }
  return test(l, r);
}

/**
 * `s.toLowerCase() === lowered`, usually without lower-casing: only U+0130
 * (İ) changes length when lower-cased (to two code units), so a subject of
 * another length cannot match unless it contains that character.
 */
export function ciEq(s: string, lowered: string): boolean {
  if (s.length !== lowered.length && !(s.length < lowered.length && s.includes("\u0130"))) {
    return false;
  }
  return s === lowered || s.toLowerCase() === lowered;
}

/** JSON data as an EQL value: objects are not values and read as absent. */
export function asValue(x: unknown): Value | undefined {
  if (x === null || typeof x === "string" || typeof x === "number" || typeof x === "boolean") {
    return x;
  }
  return Array.isArray(x) ? x as Value[] : undefined;
}

/** Legacy subscript `field[i]`: the element at `index`, undefined when out of range or not a list. */
export function elementAt(v: Value | undefined, index: number): Value | undefined {
  return Array.isArray(v) ? asValue(v[index]) : undefined;
}

/**
 * The value of a bound variable `hops` frames out from `env`, then down
 * `path` when the bound element is an object (`proc.name` in
 * `arraySearch(procs, proc, proc.name == "sh")`).
 */
export function boundValue(
  env: Frame | undefined,
  hops: number,
  path: readonly string[],
): Value | undefined {
  let frame = env;
  for (let i = 0; i < hops && frame !== undefined; i++) frame = frame.up;
  if (frame === undefined) return undefined;
  const el = frame.value;
  if (path.length === 0) return asValue(el);
  if (el === null || typeof el !== "object" || Array.isArray(el)) return undefined;
  return readPath(el as Record<string, unknown>, path);
}

/**
 * Legacy `arraySearch`: whether `cond` holds for some element of the list
 * `arr`, each bound in a new frame. Not a list (including missing): false,
 * as Endgame's engine answers.
 */
export function searchArray(
  arr: Value | undefined,
  cond: BoundTest,
  ev: Event,
  env: Frame | undefined,
): boolean {
  if (!Array.isArray(arr)) return false;
  for (let i = 0; i < arr.length; i++) {
    if (cond(ev, { value: arr[i], up: env })) return true;
  }
  return false;
}

/** Legacy `arrayCount`: how many elements of the list `arr` satisfy `cond`; 0 when not a list. */
export function countArray(
  arr: Value | undefined,
  cond: BoundTest,
  ev: Event,
  env: Frame | undefined,
): number {
  if (!Array.isArray(arr)) return 0;
  let n = 0;
  for (let i = 0; i < arr.length; i++) {
    if (cond(ev, { value: arr[i], up: env })) n++;
  }
  return n;
}

const isTrue: ElementTest = (x) => x === true;

/**
 * A value used as a condition holds only when it is `true` (any element,
 * for a list); null, a missing value and any other value do not.
 */
export function valueIsTrue(v: Value | undefined): boolean {
  return v === true || (Array.isArray(v) && someElement(v, isTrue));
}

/**
 * The scalar a function argument stands for, as the function table reads
 * it: a list with exactly one element stands for that element, any other
 * list for null.
 */
export function soleScalar(v: Value | undefined): Scalar {
  if (v === undefined) return null;
  while (Array.isArray(v)) {
    if (v.length !== 1) return null;
    v = v[0];
  }
  return v;
}

/**
 * Compile time: how many frames out from the innermost binding the
 * variable `name` lives, given the bound names of `scope` (innermost last).
 */
export function scopeHops(scope: readonly string[], name: string): number {
  const at = scope.lastIndexOf(name);
  if (at < 0) {
    throw new Error(`variable ${name} is not bound by an enclosing arraySearch/arrayCount`);
  }
  return scope.length - 1 - at;
}
