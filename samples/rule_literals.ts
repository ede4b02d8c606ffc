/**
 * Events generated from a predicate's own literals, for differential tests
 * and benchmarks of the predicate runtimes: each field the predicate reads
 * gets one of the values the predicate compares it with (wildcards
 * expanded, prefixes and substrings padded), often disturbed — case flipped,
 * non-ASCII text appended (ß, İ, Σ, ǅ, an emoji), a character changed,
 * wrapped in a list beside a decoy, null, or left out — so that a good
 * share of events satisfy the predicate and the rest miss it narrowly.
 *
 * Deterministic for a given seed (`prng` of `synthetic.ts`).
 *
 * @module
 */
import type { IrExpr } from "../eql/ir.ts";
import type { Value } from "../eql/value.ts";
import { prng } from "./synthetic.ts";
import { type LuceneNode, parseLuceneRegex } from "../eql/lucene_regex.ts";

/** A literal a field is compared with, and how. */
export interface FieldLiteral {
  value: string | number | boolean;
  /**
   * `exact`: as is; `wildcard`: `*`/`?` expand; `prefix`/`suffix`/`contains`:
   * padded; `regex`: a string the Lucene regex matches.
   */
  shape: "exact" | "wildcard" | "prefix" | "suffix" | "contains" | "regex";
}

/** The literals of a predicate, per dotted field name. */
export type LiteralMap = Map<string, FieldLiteral[]>;

/** Collects the literals `ir` compares each field with. */
export function literalsOf(ir: IrExpr, into: LiteralMap = new Map()): LiteralMap {
  const add = (subject: IrExpr, value: unknown, shape: FieldLiteral["shape"]) => {
    if (subject.op !== "field") return;
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      return;
    }
    const list = into.get(subject.name) ?? [];
    list.push({ value, shape });
    into.set(subject.name, list);
  };
  const field = (e: IrExpr): IrExpr | undefined => e.op === "field" ? e : undefined;
  const walk = (e: IrExpr): void => {
    switch (e.op) {
      case "and":
      case "or":
        e.args.forEach(walk);
        return;
      case "not":
      case "negate":
        walk(e.arg);
        return;
      case "compare": {
        const [f, c] = e.left.op === "const" ? [e.right, e.left] : [e.left, e.right];
        if (c.op === "const") {
          const shape = e.wildcard && typeof c.value === "string" && c.value.includes("*")
            ? "wildcard"
            : "exact";
          add(f, c.value, shape);
        } else if (field(e.left) && field(e.right)) {
          // Field against field: give both the other's literals later.
          add(e.left, "same-value", "exact");
          add(e.right, "same-value", "exact");
        }
        walk(e.left);
        walk(e.right);
        return;
      }
      case "in":
        for (const v of e.values) {
          if (v.op === "const") add(e.subject, v.value, e.wildcard ? "wildcard" : "exact");
        }
        walk(e.subject);
        return;
      case "match":
        for (const p of e.patterns) add(e.subject, p, e.kind === "regex" ? "regex" : "wildcard");
        return;
      case "call": {
        const [a, b] = e.args;
        const shape = ({
          startsWith: "prefix",
          endsWith: "suffix",
          stringContains: "contains",
        } as Record<string, FieldLiteral["shape"]>)[e.fn] ?? "exact";
        if (a && b && b.op === "const") add(a, b.value, shape);
        e.args.forEach(walk);
        return;
      }
      case "arith":
        walk(e.left);
        walk(e.right);
        return;
      case "lineage":
        walk(e.query.predicate);
        return;
      default:
        return;
    }
  };
  walk(ir);
  return into;
}

const NON_ASCII = ["ß", "İ", "Σ", "ǅ", "é", "😀", "\u0307", "ΑΣ", "ﬃ", "Ω"];
const FILLER = ["", "x", "tmp", "/", "-", " ", "A", "é", "Σ"];

/** A generator of events for one set of literals. */
export class LiteralEvents {
  readonly #rand: () => number;
  readonly #fields: string[];
  readonly #literals: LiteralMap;
  readonly #all: FieldLiteral[];

  /** Events over `fields` (dotted names) using `literals`; `seed` fixes the stream. */
  constructor(fields: readonly string[], literals: LiteralMap, seed: number) {
    this.#rand = prng(seed);
    this.#fields = [...fields];
    this.#literals = literals;
    this.#all = [...literals.values()].flat();
  }

  #pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.#rand() * xs.length)];
  }

  #chance(p: number): boolean {
    return this.#rand() < p;
  }

  /** One event as a flat-keyed JSON document (`{"process.name": …}`). */
  next(): Record<string, unknown> {
    const doc: Record<string, unknown> = {};
    const shared = this.#all.length ? this.#pick(this.#all) : undefined;
    for (const name of this.#fields) {
      if (this.#chance(0.12)) continue; // missing
      if (this.#chance(0.04)) {
        doc[name] = null;
        continue;
      }
      const own = this.#literals.get(name)?.filter((l) => l.value !== "same-value") ?? [];
      const sameValue = this.#literals.get(name)?.some((l) => l.value === "same-value");
      let v: Value;
      if (sameValue && shared && this.#chance(0.5)) v = this.#concrete(shared, false);
      else if (own.length > 1 && this.#chance(0.15)) {
        // Every literal at once: a list satisfies each positive test of the field.
        v = own.map((l) => this.#concrete(l, false));
      } else if (own.length) v = this.#concrete(this.#pick(own), this.#chance(0.35));
      else if (this.#all.length) v = this.#concrete(this.#pick(this.#all), true);
      else v = this.#chance(0.5) ? "x" : 1;
      if (this.#chance(0.12)) {
        const decoy = this.#all.length ? this.#concrete(this.#pick(this.#all), true) : "d";
        const list: Value[] = this.#chance(0.5) ? [decoy, v] : [v, decoy];
        if (this.#chance(0.2)) list.push(null);
        if (this.#chance(0.1)) list.push([v]);
        v = list;
      }
      doc[name] = v;
    }
    return doc;
  }

  /** A value for literal `l`; `disturb` applies one of the near-miss changes. */
  #concrete(l: FieldLiteral, disturb: boolean): Value {
    if (typeof l.value === "boolean") return disturb && this.#chance(0.5) ? !l.value : l.value;
    if (typeof l.value === "number") {
      if (!disturb) return l.value;
      const r = this.#rand();
      if (r < 0.3) return l.value + 1;
      if (r < 0.6) return l.value - 1;
      if (r < 0.8) return String(l.value);
      return l.value * 2;
    }
    let s = l.value;
    if (l.shape === "wildcard") {
      s = s.replace(
        /[*?]/g,
        (ch) => ch === "*" ? this.#pick(FILLER) : this.#pick(["a", "é", "😀", "Z"]),
      );
    } else if (l.shape === "prefix") s = s + this.#pick(FILLER);
    else if (l.shape === "suffix") s = this.#pick(FILLER) + s;
    else if (l.shape === "contains") s = this.#pick(FILLER) + s + this.#pick(FILLER);
    else if (l.shape === "regex") {
      const tree = parseLuceneRegex(s);
      if (!("error" in tree)) s = sample(tree, this.#rand);
    }
    if (!disturb) return this.#chance(0.3) ? flipCase(s, this.#rand) : s;
    const r = this.#rand();
    if (r < 0.35) return flipCase(s, this.#rand);
    if (r < 0.55) return s + this.#pick(NON_ASCII);
    if (r < 0.65) return this.#pick(NON_ASCII) + s;
    if (r < 0.8 && s.length) {
      const i = Math.floor(this.#rand() * s.length);
      return s.slice(0, i) + this.#pick(["x", "É", "σ", ""]) + s.slice(i + 1);
    }
    if (r < 0.9) return s.toUpperCase();
    return Number.isFinite(Number(s)) && s.trim() !== "" ? Number(s) : s + s;
  }
}

/** `s` with the case of some characters flipped. */
function flipCase(s: string, rand: () => number): string {
  let out = "";
  for (const ch of s) {
    const r = rand();
    out += r < 0.4 ? ch.toUpperCase() : r < 0.6 ? ch.toLowerCase() : ch;
  }
  return out;
}

/** A random string the Lucene regex `n` matches (complements and the like give ""). */
function sample(n: LuceneNode, rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  switch (n.k) {
    case "char":
      return String.fromCodePoint(n.cp);
    case "str":
      return n.text;
    case "any":
      return pick(["a", "Z", "é", ".", "😀"]);
    case "all":
      return pick(["", "xy", "é"]);
    case "pre":
      return ({ d: "7", D: "x", s: " ", S: "q", w: "k", W: "-" } as Record<string, string>)[n.c];
    case "class": {
      if (n.negate) return "\u0001";
      const item = pick(n.items);
      if ("pre" in item) {
        return ({ d: "3", s: " ", w: "w" } as Record<string, string>)[item.pre] ?? "#";
      }
      return String.fromCodePoint(item.lo + Math.floor(rand() * (item.hi - item.lo + 1)));
    }
    case "union":
      return sample(pick(n.alts), rand);
    case "concat":
      return n.items.map((i) => sample(i, rand)).join("");
    case "repeat": {
      const max = Math.min(n.max, n.min + 3);
      const times = n.min + Math.floor(rand() * (max - n.min + 1));
      let out = "";
      for (let i = 0; i < times; i++) out += sample(n.node, rand);
      return out;
    }
    case "interval":
      return String(n.min);
    default:
      return "";
  }
}
