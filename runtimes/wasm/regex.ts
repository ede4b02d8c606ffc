/**
 * Lucene regular expressions (`regex`, `regex~`) as deterministic automata
 * over code points, for the module to run: the parsed Lucene tree
 * (`eql/lucene_regex.ts`) → a Thompson NFA over code point ranges → a DFA by
 * subset construction over the ranges' partition of the code space.
 *
 * Semantics follow the JavaScript translation the JS runtime uses: whole
 * string match, `.` any code point, `\d \s \w` ASCII classes, case folding
 * (`regex~`) on literal characters only (their simple lower and upper
 * forms), classes keep their case. Complement (`~`), intersection (`&`) and
 * numeric intervals (`<n-m>`) have no automaton here and are reported as
 * unsupported, as is an automaton beyond {@link MAX_STATES} states.
 *
 * @module
 */
import { type LuceneClassItem, type LuceneNode, parseLuceneRegex } from "../../eql/lucene_regex.ts";
import { WasmUnsupported } from "./codegen.ts";

/** The largest DFA compiled into a module. */
export const MAX_STATES = 4096;

const MAX_CP = 0x10ffff;

/** Inclusive code point ranges, sorted and disjoint. */
type Ranges = [number, number][];

function normalize(r: Ranges): Ranges {
  const sorted = [...r].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function complement(r: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of normalize(r)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

const DIGIT: Ranges = [[48, 57]];
const SPACE: Ranges = [[9, 10], [13, 13], [32, 32]];
const WORD: Ranges = [[48, 57], [65, 90], [95, 95], [97, 122]];

function pre(c: string): Ranges {
  switch (c) {
    case "d":
      return DIGIT;
    case "D":
      return complement(DIGIT);
    case "s":
      return SPACE;
    case "S":
      return complement(SPACE);
    case "w":
      return WORD;
    default:
      return complement(WORD);
  }
}

/** A literal code point, with its simple lower/upper-case forms when folding (as the JS translation). */
function literal(cp: number, fold: boolean): Ranges {
  const out: Ranges = [[cp, cp]];
  if (fold) {
    const ch = String.fromCodePoint(cp);
    for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
      const vcp = v.codePointAt(0)!;
      if (v.length === String.fromCodePoint(vcp).length) out.push([vcp, vcp]);
    }
  }
  return normalize(out);
}

/** An NFA: per state, ε-moves and moves on a range set. */
class Nfa {
  readonly eps: number[][] = [];
  readonly moves: { on: Ranges; to: number }[][] = [];

  state(): number {
    this.eps.push([]);
    this.moves.push([]);
    return this.eps.length - 1;
  }

  /** Builds `n` between fresh states; returns [start, end]. */
  build(n: LuceneNode, fold: boolean, budget: { left: number }): [number, number] {
    if (--budget.left < 0) {
      throw new WasmUnsupported("the regular expression is too large for the wasm runtime");
    }
    const s = this.state(), e = this.state();
    const on = (r: Ranges) => this.moves[s].push({ on: normalize(r), to: e });
    switch (n.k) {
      case "char":
        on(literal(n.cp, fold));
        break;
      case "str": {
        let at = s;
        for (const ch of n.text) {
          const next = this.state();
          this.moves[at].push({ on: literal(ch.codePointAt(0)!, fold), to: next });
          at = next;
        }
        this.eps[at].push(e);
        break;
      }
      case "any":
        on([[0, MAX_CP]]);
        break;
      case "pre":
        on(pre(n.c));
        break;
      case "class": {
        const r: Ranges = [];
        for (const item of n.items as LuceneClassItem[]) {
          if ("pre" in item) r.push(...pre(item.pre));
          else r.push([item.lo, item.hi]);
        }
        on(n.negate ? complement(r) : r);
        break;
      }
      case "none":
        break;
      case "all":
        this.moves[s].push({ on: [[0, MAX_CP]], to: s });
        this.eps[s].push(e);
        break;
      case "union":
        for (const a of n.alts) {
          const [as, ae] = this.build(a, fold, budget);
          this.eps[s].push(as);
          this.eps[ae].push(e);
        }
        break;
      case "concat": {
        let at = s;
        for (const item of n.items) {
          const [is, ie] = this.build(item, fold, budget);
          this.eps[at].push(is);
          at = ie;
        }
        this.eps[at].push(e);
        break;
      }
      case "repeat": {
        if (n.min > n.max) break; // the empty language
        let at = s;
        for (let i = 0; i < n.min; i++) {
          const [is, ie] = this.build(n.node, fold, budget);
          this.eps[at].push(is);
          at = ie;
        }
        if (n.max === Infinity) {
          const [is, ie] = this.build(n.node, fold, budget);
          this.eps[at].push(is, e);
          this.eps[ie].push(is, e);
        } else {
          for (let i = n.min; i < n.max; i++) {
            const [is, ie] = this.build(n.node, fold, budget);
            this.eps[at].push(is, e);
            at = ie;
          }
          this.eps[at].push(e);
        }
        break;
      }
      default:
        throw new WasmUnsupported(
          `regular expressions with ${
            n.k === "compl"
              ? "complement '~'"
              : n.k === "inter"
              ? "intersection '&'"
              : "numeric intervals <n-m>"
          } are not available in the wasm runtime`,
        );
    }
    return [s, e];
  }
}

/**
 * A DFA as 32-bit words for the module: `[classes, ...class starts,
 * states, start, ...accept flags, ...transitions (state × class → state or
 * -1)]`. The class of a code point is the last class start at or below it.
 */
export function regexTable(patterns: readonly string[], caseInsensitive: boolean): number[] {
  const nfa = new Nfa();
  const start = nfa.state(), accept = nfa.state();
  const budget = { left: 20_000 };
  for (const p of patterns) {
    const parsed = parseLuceneRegex(p);
    if ("error" in parsed) {
      throw new Error(`invalid regular expression ${JSON.stringify(p)}: ${parsed.error}`);
    }
    const [s, e] = nfa.build(parsed, caseInsensitive, budget);
    nfa.eps[start].push(s);
    nfa.eps[e].push(accept);
  }
  // The partition of the code space by every range boundary.
  const cuts = new Set<number>([0]);
  for (const ms of nfa.moves) {
    for (const m of ms) {
      for (const [lo, hi] of m.on) {
        cuts.add(lo);
        if (hi < MAX_CP) cuts.add(hi + 1);
      }
    }
  }
  const starts = [...cuts].sort((a, b) => a - b);
  const classOf = (cp: number) => {
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= cp) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const closure = (set: number[]): number[] => {
    const seen = new Set(set), stack = [...set];
    while (stack.length) {
      for (const t of nfa.eps[stack.pop()!]) {
        if (!seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
    return [...seen].sort((a, b) => a - b);
  };
  const ids = new Map<string, number>();
  const sets: number[][] = [];
  const intern = (set: number[]): number => {
    const key = set.join(",");
    let id = ids.get(key);
    if (id === undefined) {
      id = sets.length;
      if (id >= MAX_STATES) {
        throw new WasmUnsupported("the regular expression is too complex for the wasm runtime");
      }
      ids.set(key, id);
      sets.push(set);
    }
    return id;
  };
  const first = intern(closure([start]));
  const trans: number[] = [];
  for (let d = 0; d < sets.length; d++) {
    // Per class, the NFA states reachable.
    const targets: Set<number>[] = starts.map(() => new Set());
    for (const q of sets[d]) {
      for (const m of nfa.moves[q]) {
        for (const [lo, hi] of m.on) {
          for (let c = classOf(lo); c < starts.length && starts[c] <= hi; c++) targets[c].add(m.to);
        }
      }
    }
    for (let c = 0; c < starts.length; c++) {
      trans[d * starts.length + c] = targets[c].size ? intern(closure([...targets[c]])) : -1;
    }
  }
  const accepting = sets.map((s) => s.includes(accept) ? 1 : 0);
  return [starts.length, ...starts, sets.length, first, ...accepting, ...trans];
}
