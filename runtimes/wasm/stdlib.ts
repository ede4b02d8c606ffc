/**
 * The module's run-time library, written instruction by instruction:
 * the scratch allocator, the fuel check, string primitives over UTF-16
 * values (equality, ordering, prefix/suffix/substring search, Unicode
 * lower-casing with JavaScript's exact rules, wildcard matching), and the
 * value helpers every dialect needs (missing-value test, truth test, the
 * scalar a function argument stands for).
 *
 * Every loop burns one unit of fuel per iteration, and every generated
 * function one on entry, so no evaluation runs longer than its budget.
 *
 * @module
 */
import { Code, F64, I32, type ModuleBuilder } from "./encoder.ts";
import { HEADER, LOWER_CACHE_SLOTS, TAG, TrapReason } from "./layout.ts";
import type { UnicodeTables } from "./unicode.ts";

/** Function and global indexes of the library inside one module. */
export class Stdlib {
  /** Global: fuel left in this evaluation. */
  readonly fuel: number;
  /** Global: the scratch heap's next free byte. */
  readonly hp: number;
  readonly outOfFuel: number;
  readonly alloc: number;
  readonly streq: number;
  readonly strcmp: number;
  readonly starts: number;
  readonly ends: number;
  readonly indexOf: number;
  readonly cpLen: number;
  readonly cpAt: number;
  readonly cpBefore: number;
  readonly lowerCp: number;
  readonly flags: number;
  readonly finalSigma: number;
  readonly lower: number;
  readonly glob: number;
  readonly missing: number;
  readonly isTrue: number;
  readonly sole: number;
  readonly numValue: number;
  /** `(s, table, separate) → i32`: the string is an IP address inside one of the table's blocks. */
  readonly cidr: number;
  /** `(s, table) → i32`: the DFA of `regex.ts` accepts the whole string. */
  readonly dfa: number;
  readonly #v4val: number;
  #v4 = 0;
  #hexGroups = 0;
  #ipParse = 0;
  #find2 = 0;

  /**
   * Adds the library to `m`. `tables` is where the Unicode tables sit in
   * memory (`base` plus the offsets of {@link UnicodeTables}).
   */
  constructor(
    readonly m: ModuleBuilder,
    base: number,
    tables: UnicodeTables,
    lowerCache: number,
  ) {
    this.fuel = m.global({ type: I32, init: 0 });
    this.hp = m.global({ type: I32, init: 0 });
    const r = () => m.reserve();
    this.outOfFuel = r();
    const outOfMemory = r();
    this.alloc = r();
    this.streq = r();
    this.strcmp = r();
    this.starts = r();
    this.ends = r();
    this.indexOf = r();
    this.cpLen = r();
    this.cpAt = r();
    this.cpBefore = r();
    this.lowerCp = r();
    this.flags = r();
    this.finalSigma = r();
    this.lower = r();
    const lowerRaw = r();
    this.glob = r();
    this.missing = r();
    this.isTrue = r();
    this.sole = r();
    this.numValue = r();
    this.#v4val = m.global({ type: I32, init: 0 });
    this.#v4 = r();
    this.#hexGroups = r();
    this.#find2 = r();
    this.#ipParse = r();
    this.cidr = r();
    this.dfa = r();

    m.define(this.outOfFuel, { code: trap(TrapReason.FUEL) });
    m.define(outOfMemory, { code: trap(TrapReason.MEMORY) });
    m.define(this.alloc, { code: this.#alloc(outOfMemory) });
    m.define(this.streq, { code: this.#streq() });
    m.define(this.strcmp, { code: this.#strcmp() });
    m.define(this.starts, { code: this.#affix(false) });
    m.define(this.ends, { code: this.#affix(true) });
    m.define(this.indexOf, { code: this.#indexOf() });
    m.define(this.cpLen, { code: this.#cpLen() });
    m.define(this.cpAt, { code: this.#cpAt() });
    m.define(this.cpBefore, { code: this.#cpBefore() });
    m.define(this.lowerCp, { code: this.#lowerCp(base, tables) });
    m.define(this.flags, { code: this.#flags(base, tables) });
    m.define(this.finalSigma, { code: this.#finalSigma() });
    m.define(lowerRaw, { code: this.#lower() });
    m.define(this.lower, { code: this.#lowerCached(lowerRaw, lowerCache) });
    m.define(this.glob, { code: this.#glob() });
    m.define(this.missing, { code: this.#missing() });
    m.define(this.isTrue, { code: this.#isTrue() });
    m.define(this.sole, { code: this.#sole() });
    m.define(this.numValue, { code: this.#numValue() });
    m.define(this.#v4, { code: this.#ipv4() });
    m.define(this.#hexGroups, { code: this.#hexGroupsCode() });
    m.define(this.#find2, { code: this.#find2Code() });
    m.define(this.#ipParse, { code: this.#ipParseCode() });
    m.define(this.cidr, { code: this.#cidrCode() });
    m.define(this.dfa, { code: this.#dfaCode() });
  }

  // (s, table) → the DFA accepts s: [classes, starts…, states, start, accept…, transitions…]
  #dfaCode(): Code {
    const c = new Code([I32, I32], [I32]);
    const nc = c.local(),
      st = c.local(),
      acc = c.local(),
      trans = c.local(),
      i = c.local(),
      cp = c.local(),
      k = c.local();
    c.get(1).load(0).set(nc);
    c.get(1).get(nc).i32(2).shl().add().load(8).set(st);
    c.get(1).get(nc).i32(2).shl().add().i32(12).add().set(acc);
    c.get(acc).get(1).get(nc).i32(2).shl().add().load(4).i32(2).shl().add().set(trans);
    c.block().loop();
    c.get(i).get(0).load(4).geU().brIf(1);
    this.burn(c);
    c.get(0).get(i).call(this.cpAt).set(cp);
    c.get(i).get(cp).i32(0x10000).geU().i32(1).add().add().set(i);
    // The class: the last start at or below cp.
    c.i32(0).set(k);
    c.block().loop();
    c.get(k).i32(1).add().get(nc).geS().brIf(1);
    c.get(1).get(k).i32(2).shl().add().load(8).get(cp).gtU().brIf(1);
    c.get(k).i32(1).add().set(k).br(0);
    c.end().end();
    c.get(trans).get(st).get(nc).mul().get(k).add().i32(2).shl().add().load(0).tee(st);
    c.i32(0).ltS().if().i32(0).return().end();
    c.br(0);
    c.end().end();
    c.get(acc).get(st).i32(2).shl().add().load(0);
    return c;
  }

  /** Emits: code unit `i` (a local) of the string in local `s`. */
  #unit(c: Code, s: number, i: number): Code {
    return c.get(s).get(i).i32(1).shl().add().load16(8);
  }

  // (s, from, to) → s[from, to) is a dotted-quad IPv4 address (no leading zeros);
  // its value goes to the v4 global (as eql/cidr.ts parseIpv4)
  #ipv4(): Code {
    const c = new Code([I32, I32, I32], [I32]);
    const i = c.local(),
      value = c.local(),
      parts = c.local(),
      start = c.local(),
      octet = c.local(),
      d = c.local();
    c.get(1).set(i);
    c.block().loop();
    c.get(i).set(start).i32(0).set(octet);
    c.block().loop();
    c.get(i).get(2).geS().brIf(1);
    this.#unit(c, 0, i).i32(48).sub().tee(d).i32(10).geU().brIf(1);
    this.burn(c);
    c.get(octet).i32(10).mul().get(d).add().set(octet);
    c.get(i).i32(1).add().set(i).br(0);
    c.end().end();
    // len = i - start
    c.get(i).get(start).sub().eqz()
      .get(i).get(start).sub().i32(3).gtS().or()
      .get(octet).i32(255).gtS().or();
    c.get(i).get(start).sub().i32(1).gtS();
    this.#unit(c, 0, start).i32(48).eq().and().or();
    c.if().i32(0).return().end();
    c.get(value).i32(8).shl().get(octet).or().set(value);
    c.get(parts).i32(1).add().tee(parts).i32(4).ltS().if();
    c.get(i).get(2).geS().if().i32(0).return().end();
    this.#unit(c, 0, i).i32(46).ne().if().i32(0).return().end();
    c.get(i).i32(1).add().set(i).br(1);
    c.end();
    c.end().end();
    c.get(value).gset(this.#v4val);
    c.get(i).get(2).eq();
    return c;
  }

  // (s, from, to, allowTail, out) → how many hextets s[from, to) splits into (at most 8,
  // written to out as i32), -1 when invalid; an IPv4 tail counts two
  #hexGroupsCode(): Code {
    const c = new Code([I32, I32, I32, I32, I32], [I32]);
    const count = c.local(),
      i = c.local(),
      gs = c.local(),
      ge = c.local(),
      dot = c.local(),
      v = c.local(),
      d = c.local(),
      u = c.local(),
      last = c.local();
    c.get(1).set(i);
    c.block().loop(); // groups
    c.get(i).set(gs).i32(0).set(dot);
    c.block().loop();
    c.get(i).get(2).geS().brIf(1);
    this.#unit(c, 0, i).tee(u).i32(58).eq().brIf(1);
    this.burn(c);
    c.get(u).i32(46).eq().get(dot).or().set(dot);
    c.get(i).i32(1).add().set(i).br(0);
    c.end().end();
    c.get(i).set(ge);
    c.get(ge).get(2).geS().set(last);
    c.get(3).get(last).and().get(dot).and().if();
    c.get(0).get(gs).get(ge).call(this.#v4).eqz().if().i32(-1).return().end();
    c.get(count).i32(6).gtS().if().i32(-1).return().end();
    c.get(4).get(count).i32(2).shl().add().gget(this.#v4val).i32(16).shrU().store(0);
    c.get(4).get(count).i32(2).shl().add().gget(this.#v4val).i32(0xffff).and().store(4);
    c.get(count).i32(2).add().set(count);
    c.else();
    c.get(ge).get(gs).sub().tee(d).eqz().get(d).i32(4).gtS().or().if().i32(-1).return().end();
    c.i32(0).set(v);
    c.get(gs).set(i);
    c.block().loop();
    c.get(i).get(ge).geS().brIf(1);
    this.#unit(c, 0, i).set(u);
    c.get(u).i32(48).sub().i32(10).ltU().if(I32).get(u).i32(48).sub()
      .else().get(u).i32(32).or().i32(97).sub().i32(6).ltU().if(I32)
      .get(u).i32(32).or().i32(87).sub().else().i32(-1).return().end().end().set(d);
    c.get(v).i32(4).shl().get(d).or().set(v);
    c.get(i).i32(1).add().set(i).br(0);
    c.end().end();
    c.get(count).i32(7).gtS().if().i32(-1).return().end();
    c.get(4).get(count).i32(2).shl().add().get(v).store(0);
    c.get(count).i32(1).add().set(count);
    c.end();
    c.get(last).if().get(count).return().end();
    c.get(ge).i32(1).add().set(i).br(0);
    c.end().end();
    c.get(count);
    return c;
  }

  // (s, from, to) → the index of the first "::" in s[from, to), or -1
  #find2Code(): Code {
    const c = new Code([I32, I32, I32], [I32]);
    const i = c.local();
    c.get(1).set(i);
    c.block().loop();
    c.get(i).i32(1).add().get(2).geS().brIf(1);
    this.burn(c);
    this.#unit(c, 0, i).i32(58).eq();
    c.get(0).get(i).i32(1).shl().add().load16(10).i32(58).eq().and().if().get(i).return().end();
    c.get(i).i32(1).add().set(i).br(0);
    c.end().end();
    c.i32(-1);
    return c;
  }

  // (s, out) → 4 or 6 with the 128-bit address in out[0..16) (IPv4 mapped as ::ffff:a.b.c.d),
  // 0 when s is no address; out[16..80) is scratch (eql/cidr.ts parseIp)
  #ipParseCode(): Code {
    const c = new Code([I32, I32], [I32]);
    const n = c.local(),
      i = c.local(),
      colon = c.local(),
      end = c.local(),
      gap = c.local(),
      h = c.local(),
      t = c.local(),
      k = c.local();
    const H = () => c.get(1).i32(16).add();
    const T = () => c.get(1).i32(48).add();
    c.get(0).load(4).set(n);
    c.block().loop();
    c.get(i).get(n).geS().brIf(1);
    this.burn(c);
    this.#unit(c, 0, i).i32(58).eq().if().i32(1).set(colon).br(2).end();
    c.get(i).i32(1).add().set(i).br(0);
    c.end().end();
    c.get(colon).eqz().if();
    c.get(0).i32(0).get(n).call(this.#v4).eqz().if().i32(0).return().end();
    c.get(1).i32(0).store(0).get(1).i32(0).store(4).get(1).i32(0xffff).store(8);
    c.get(1).gget(this.#v4val).store(12);
    c.i32(4).return();
    c.end();
    // A %zone suffix is ignored; an empty one is invalid.
    c.get(n).set(end).i32(0).set(i);
    c.block().loop();
    c.get(i).get(n).geS().brIf(1);
    this.#unit(c, 0, i).i32(37).eq().if();
    c.get(i).get(n).i32(1).sub().eq().if().i32(0).return().end();
    c.get(i).set(end).br(2);
    c.end();
    c.get(i).i32(1).add().set(i).br(0);
    c.end().end();
    c.get(0).i32(0).get(end).call(this.#find2).tee(gap).i32(0).ltS().if();
    c.get(0).i32(0).get(end).i32(1);
    H();
    c.call(this.#hexGroups).i32(8).ne().if().i32(0).return().end();
    c.else();
    c.get(0).get(gap).i32(1).add().get(end).call(this.#find2).i32(0).geS().if().i32(0).return()
      .end();
    c.get(gap).if(I32).get(0).i32(0).get(gap).i32(0);
    H();
    c.call(this.#hexGroups).else().i32(0).end().tee(h).i32(0).ltS().if().i32(0).return().end();
    c.get(gap).i32(2).add().get(end).ltS().if(I32).get(0).get(gap).i32(2).add().get(end).i32(1);
    T();
    c.call(this.#hexGroups).else().i32(0).end().tee(t).i32(0).ltS().if().i32(0).return().end();
    c.i32(8).get(h).sub().get(t).sub().i32(1).ltS().if().i32(0).return().end();
    // Zeros in the gap, then the tail at the end.
    c.get(h).set(k);
    c.block().loop();
    c.get(k).i32(8).get(t).sub().geS().brIf(1);
    H();
    c.get(k).i32(2).shl().add().i32(0).store(0);
    c.get(k).i32(1).add().set(k).br(0);
    c.end().end();
    c.i32(0).set(k);
    c.block().loop();
    c.get(k).get(t).geS().brIf(1);
    H();
    c.i32(8).get(t).sub().get(k).add().i32(2).shl().add();
    T();
    c.get(k).i32(2).shl().add().load(0).store(0);
    c.get(k).i32(1).add().set(k).br(0);
    c.end().end();
    c.end();
    for (let w = 0; w < 4; w++) {
      c.get(1);
      H();
      c.load(w * 8).i32(16).shl();
      H();
      c.load(w * 8 + 4).or().store(w * 4);
    }
    c.i32(6);
    return c;
  }

  // (s, table, separate) → whether s is an address inside a block of table:
  // [count][per block: family, 4 masks, 4 network words]
  #cidrCode(): Code {
    const c = new Code([I32, I32, I32], [I32]);
    const out = c.local(), fam = c.local(), k = c.local(), b = c.local(), ok = c.local();
    c.i32(80).call(this.alloc).set(out);
    c.get(0).get(out).call(this.#ipParse).tee(fam).eqz().if().i32(0).return().end();
    c.block().loop();
    c.get(k).get(1).load(0).geS().brIf(1);
    this.burn(c);
    c.get(1).i32(4).add().get(k).i32(36).mul().add().set(b);
    c.get(2).get(b).load(0).get(fam).ne().and().eqz().if();
    c.i32(1).set(ok);
    for (let w = 0; w < 4; w++) {
      c.get(ok).get(out).load(w * 4).get(b).load(4 + w * 4).and().get(b).load(20 + w * 4).eq()
        .and().set(ok);
    }
    c.get(ok).if().i32(1).return().end();
    c.end();
    c.get(k).i32(1).add().set(k).br(0);
    c.end().end();
    c.i32(0);
    return c;
  }

  /** Emits: one unit of fuel burnt; traps when none is left. */
  burn(c: Code): void {
    c.gget(this.fuel).i32(1).sub().gset(this.fuel)
      .gget(this.fuel).i32(0).ltS().if().call(this.outOfFuel).end();
  }

  // (p, n) → p; bump allocation, growing memory up to its maximum.
  #alloc(outOfMemory: number): Code {
    const c = new Code([I32], [I32]);
    const p = c.local(), need = c.local();
    c.gget(this.hp).set(p);
    c.get(p).get(0).add().i32(7).add().i32(-8).and().gset(this.hp);
    c.gget(this.hp).memorySize().i32(16).shl().gtU().if();
    c.gget(this.hp).memorySize().i32(16).shl().sub().i32(65535).add().i32(16).shrU().tee(need);
    c.memoryGrow().i32(-1).eq().if().call(outOfMemory).end();
    c.end();
    c.get(p);
    return c;
  }

  // (a, b) → a and b are equal strings
  #streq(): Code {
    const c = new Code([I32, I32], [I32]);
    const n = c.local(), i = c.local();
    c.get(0).load(4).tee(n).get(1).load(4).ne().if().i32(0).return().end();
    c.block().loop();
    c.get(i).get(n).geU().brIf(1);
    this.burn(c);
    c.get(0).get(i).i32(1).shl().add().load16(8)
      .get(1).get(i).i32(1).shl().add().load16(8).ne().if().i32(0).return().end();
    c.get(i).i32(1).add().set(i).br(0);
    c.end().end();
    c.i32(1);
    return c;
  }

  // (a, b) → -1, 0, 1 comparing code units, like JavaScript's `<` on strings
  #strcmp(): Code {
    const c = new Code([I32, I32], [I32]);
    const na = c.local(), nb = c.local(), i = c.local(), x = c.local(), y = c.local();
    c.get(0).load(4).set(na).get(1).load(4).set(nb);
    c.block().loop();
    c.get(i).get(na).geU().brIf(1);
    c.get(i).get(nb).geU().brIf(1);
    this.burn(c);
    c.get(0).get(i).i32(1).shl().add().load16(8).set(x);
    c.get(1).get(i).i32(1).shl().add().load16(8).set(y);
    c.get(x).get(y).ltU().if().i32(-1).return().end();
    c.get(x).get(y).gtU().if().i32(1).return().end();
    c.get(i).i32(1).add().set(i).br(0);
    c.end().end();
    c.get(na).get(nb).ltU().if().i32(-1).return().end();
    c.get(na).get(nb).gtU().if().i32(1).return().end();
    c.i32(0);
    return c;
  }

  // (s, p) → s starts (or ends) with p
  #affix(atEnd: boolean): Code {
    const c = new Code([I32, I32], [I32]);
    const np = c.local(), off = c.local(), i = c.local();
    c.get(1).load(4).tee(np).get(0).load(4).gtU().if().i32(0).return().end();
    if (atEnd) c.get(0).load(4).get(np).sub().set(off);
    c.block().loop();
    c.get(i).get(np).geU().brIf(1);
    this.burn(c);
    c.get(0).get(i).get(off).add().i32(1).shl().add().load16(8)
      .get(1).get(i).i32(1).shl().add().load16(8).ne().if().i32(0).return().end();
    c.get(i).i32(1).add().set(i).br(0);
    c.end().end();
    c.i32(1);
    return c;
  }

  // (s, p, from) → index of p in s at or after from, or -1 (`String.prototype.indexOf`)
  #indexOf(): Code {
    const c = new Code([I32, I32, I32], [I32]);
    const ns = c.local(), np = c.local(), at = c.local(), i = c.local();
    c.get(0).load(4).set(ns).get(1).load(4).set(np);
    c.get(2).set(at);
    c.get(at).i32(0).ltS().if().i32(0).set(at).end();
    c.get(at).get(ns).gtS().if().get(ns).set(at).end();
    c.block().loop(); // over start positions
    c.get(at).get(np).add().get(ns).gtS().brIf(1);
    this.burn(c);
    c.i32(0).set(i);
    c.block().loop(); // over the pattern
    c.get(i).get(np).geU().if().get(at).return().end();
    c.get(0).get(at).get(i).add().i32(1).shl().add().load16(8)
      .get(1).get(i).i32(1).shl().add().load16(8).ne().brIf(1);
    c.get(i).i32(1).add().set(i).br(0);
    c.end().end();
    c.get(at).i32(1).add().set(at).br(0);
    c.end().end();
    c.i32(-1);
    return c;
  }

  // (s, i) → code units in the code point at i: 2 for a surrogate pair, else 1
  #cpLen(): Code {
    const c = new Code([I32, I32], [I32]);
    c.get(1).i32(1).add().get(0).load(4).ltU().if(I32);
    c.get(0).get(1).i32(1).shl().add().load16(8).i32(0xfc00).and().i32(0xd800).eq()
      .get(0).get(1).i32(1).shl().add().load16(10).i32(0xfc00).and().i32(0xdc00).eq().and()
      .i32(1).add();
    c.else().i32(1).end();
    return c;
  }

  // (s, i) → the code point starting at unit i (a lone surrogate stands for itself)
  #cpAt(): Code {
    const c = new Code([I32, I32], [I32]);
    const u = c.local();
    c.get(0).get(1).i32(1).shl().add().load16(8).set(u);
    c.get(0).get(1).call(this.cpLen).i32(2).eq().if(I32);
    c.get(u).i32(0xd800).sub().i32(10).shl()
      .get(0).get(1).i32(1).shl().add().load16(10).i32(0xdc00).sub().add().i32(0x10000).add();
    c.else().get(u).end();
    return c;
  }

  // (s, j) → the code point ending just before unit j
  #cpBefore(): Code {
    const c = new Code([I32, I32], [I32]);
    const u = c.local();
    c.get(0).get(1).i32(1).shl().add().load16(6).set(u);
    c.get(u).i32(0xfc00).and().i32(0xdc00).eq().get(1).i32(2).geS().and().if();
    c.get(0).get(1).i32(1).shl().add().load16(4).i32(0xfc00).and().i32(0xd800).eq().if();
    c.get(0).get(1).i32(2).sub().call(this.cpAt).return();
    c.end().end();
    c.get(u);
    return c;
  }

  // (cp) → its lower-case code point (one-to-one mappings only)
  #lowerCp(base: number, t: UnicodeTables): Code {
    const c = new Code([I32], [I32]);
    c.get(0);
    c.get(0).i32(8).shrU().i32(1).shl().load16(base + t.lowerIndex).i32(10).shl()
      .get(0).i32(255).and().i32(2).shl().add().load(base + t.lowerBlocks);
    c.add();
    return c;
  }

  // (cp) → flags: 1 Cased, 2 Case_Ignorable
  #flags(base: number, t: UnicodeTables): Code {
    const c = new Code([I32], [I32]);
    c.get(0).i32(8).shrU().i32(1).shl().load16(base + t.flagIndex).i32(8).shl()
      .get(0).i32(255).and().add();
    // load8_u is not in the encoder; read 16 bits and mask (tables are padded).
    c.load16(base + t.flagBlocks).i32(255).and();
    return c;
  }

  // (s, i) → whether Σ at unit i ends a word (Final_Sigma, as ICU decides it)
  #finalSigma(): Code {
    const c = new Code([I32, I32], [I32]);
    const j = c.local(), cp = c.local(), f = c.local(), n = c.local();
    // Preceded by a cased letter, case-ignorable characters skipped.
    c.get(1).set(j);
    c.block().loop();
    c.get(j).eqz().if().i32(0).return().end();
    this.burn(c);
    c.get(0).get(j).call(this.cpBefore).tee(cp).call(this.flags).set(f);
    c.get(j).get(cp).i32(0x10000).geU().i32(1).add().sub().set(j);
    c.get(f).i32(2).and().brIf(0);
    c.get(f).i32(1).and().eqz().if().i32(0).return().end();
    c.end().end();
    // Not followed by a cased letter, case-ignorable characters skipped.
    c.get(0).load(4).set(n);
    c.get(1).i32(1).add().set(j);
    c.block().loop();
    c.get(j).get(n).geU().if().i32(1).return().end();
    this.burn(c);
    c.get(0).get(j).call(this.cpAt).tee(cp).call(this.flags).set(f);
    c.get(j).get(cp).i32(0x10000).geU().i32(1).add().add().set(j);
    c.get(f).i32(2).and().brIf(0);
    c.get(f).i32(1).and().eqz().return();
    c.end().end();
    c.i32(1);
    return c;
  }

  // (s) → s lower-cased; a string of the event is lower-cased once per event: the copy is
  // kept with the event's values (when nothing else is in scratch yet) and found again
  // through a direct-mapped cache keyed by the string's address and the event's stamp
  #lowerCached(raw: number, cache: number): Code {
    const c = new Code([I32], [I32]);
    const end = c.local(), slot = c.local(), stamp = c.local(), keep = c.local(), r = c.local();
    c.i32(HEADER.EVENT_END).load(0).set(end);
    c.get(0).get(end).geU().if().get(0).call(raw).return().end();
    c.get(0).i32(3).shrU().i32(LOWER_CACHE_SLOTS - 1).and().i32(12).mul().i32(cache).add()
      .set(slot);
    c.i32(HEADER.STAMP).load(0).set(stamp);
    c.get(slot).load(0).get(stamp).eq().get(slot).load(4).get(0).eq().and().if();
    c.get(slot).load(8).return();
    c.end();
    c.gget(this.hp).get(end).eq().set(keep);
    c.get(0).call(raw).set(r);
    c.get(keep).if();
    c.i32(HEADER.EVENT_END).gget(this.hp).store(0);
    c.get(slot).get(stamp).store(0).get(slot).get(0).store(4).get(slot).get(r).store(8);
    c.end();
    c.get(r);
    return c;
  }

  // (s) → s lower-cased like `String.prototype.toLowerCase` (a new string in scratch)
  #lower(): Code {
    const c = new Code([I32], [I32]);
    const n = c.local(), out = c.local(), i = c.local(), o = c.local(), u = c.local();
    const cp = c.local();
    c.get(0).load(4).set(n);
    c.get(n).i32(2).shl().i32(8).add().call(this.alloc).set(out);
    c.get(out).i32(TAG.STR).store(0);
    const put = (value: () => void) => {
      c.get(out).get(o).i32(1).shl().add();
      value();
      c.store16(8);
      c.get(o).i32(1).add().set(o);
    };
    c.block().loop();
    c.get(i).get(n).geU().brIf(1);
    this.burn(c);
    c.get(0).get(i).i32(1).shl().add().load16(8).set(u);
    c.get(u).i32(0x80).ltU().if();
    put(() => c.get(u).get(u).i32(0x41).sub().i32(26).ltU().i32(5).shl().or());
    c.get(i).i32(1).add().set(i).br(1);
    c.end();
    c.get(u).i32(0x130).eq().if();
    put(() => c.i32(0x69));
    put(() => c.i32(0x307));
    c.get(i).i32(1).add().set(i).br(1);
    c.end();
    c.get(u).i32(0x3a3).eq().if();
    put(() => c.i32(0x3c3).get(0).get(i).call(this.finalSigma).sub());
    c.get(i).i32(1).add().set(i).br(1);
    c.end();
    c.get(0).get(i).call(this.cpAt).tee(cp).call(this.lowerCp).set(cp);
    c.get(cp).i32(0x10000).geU().if();
    put(() => c.get(cp).i32(0x10000).sub().i32(10).shrU().i32(0xd800).add());
    put(() => c.get(cp).i32(0x3ff).and().i32(0xdc00).add());
    c.get(i).i32(2).add().set(i);
    c.else();
    put(() => c.get(cp));
    c.get(i).i32(1).add().set(i);
    c.end();
    c.br(0);
    c.end().end();
    c.get(out).get(o).store(4);
    // Give back what the worst case reserved beyond the result.
    c.get(out).get(o).i32(1).shl().add().i32(15).add().i32(-8).and().gset(this.hp);
    c.get(out);
    return c;
  }

  // (s, pat) → s matches the wildcard pattern. pat: [count][stepByCodePoint][tokens…];
  // a token is a code unit, -1 for `*` or -2 for `?` (one code point).
  #glob(): Code {
    const c = new Code([I32, I32], [I32]);
    const n = c.local(),
      m = c.local(),
      si = c.local(),
      pi = c.local(),
      starP = c.local(),
      starS = c.local(),
      t = c.local(),
      cpStep = c.local();
    const tok = (idx: number) => c.get(1).get(idx).i32(2).shl().add().load(8);
    c.get(0).load(4).set(n).get(1).load(0).set(m).get(1).load(4).set(cpStep);
    c.i32(-1).set(starP);
    c.block().loop();
    c.get(si).get(n).geU().brIf(1);
    this.burn(c);
    c.get(pi).get(m).ltU().if();
    tok(pi);
    c.set(t);
    c.get(t).i32(-1).eq().if();
    c.get(pi).set(starP).get(si).set(starS).get(pi).i32(1).add().set(pi).br(2);
    c.end();
    c.get(t).i32(-2).eq().if();
    c.get(si).get(0).get(si).call(this.cpLen).add().set(si).get(pi).i32(1).add().set(pi).br(2);
    c.end();
    c.get(t).get(0).get(si).i32(1).shl().add().load16(8).eq().if();
    c.get(si).i32(1).add().set(si).get(pi).i32(1).add().set(pi).br(2);
    c.end();
    c.end();
    c.get(starP).i32(0).ltS().if().i32(0).return().end();
    c.get(starS).get(cpStep).if(I32).get(0).get(starS).call(this.cpLen).else().i32(1).end()
      .add().tee(starS).set(si);
    c.get(starP).i32(1).add().set(pi);
    c.br(0);
    c.end().end();
    c.block().loop();
    c.get(pi).get(m).geU().brIf(1);
    tok(pi);
    c.i32(-1).ne().brIf(1);
    c.get(pi).i32(1).add().set(pi).br(0);
    c.end().end();
    c.get(pi).get(m).eq();
    return c;
  }

  // (p) → p is missing: absent, null, or a list without a present element
  #missing(): Code {
    const c = new Code([I32], [I32]);
    const i = c.local(), n = c.local();
    c.get(0).eqz().if().i32(1).return().end();
    c.get(0).load(0).i32(TAG.NULL).eq().if().i32(1).return().end();
    c.get(0).load(0).i32(TAG.LIST).ne().if().i32(0).return().end();
    c.get(0).load(4).set(n);
    c.block().loop();
    c.get(i).get(n).geU().brIf(1);
    this.burn(c);
    c.get(0).get(i).i32(2).shl().add().load(8).call(this.missing).eqz().if().i32(0).return().end();
    c.get(i).i32(1).add().set(i).br(0);
    c.end().end();
    c.i32(1);
    return c;
  }

  // (p) → p is `true`, or a list with a `true` element
  #isTrue(): Code {
    const c = new Code([I32], [I32]);
    const i = c.local(), n = c.local();
    c.get(0).eqz().if().i32(0).return().end();
    c.get(0).load(0).i32(TAG.BOOL).eq().if().get(0).load(4).return().end();
    c.get(0).load(0).i32(TAG.LIST).ne().if().i32(0).return().end();
    c.get(0).load(4).set(n);
    c.block().loop();
    c.get(i).get(n).geU().brIf(1);
    this.burn(c);
    c.get(0).get(i).i32(2).shl().add().load(8).call(this.isTrue).if().i32(1).return().end();
    c.get(i).i32(1).add().set(i).br(0);
    c.end().end();
    c.i32(0);
    return c;
  }

  // (p) → the scalar a function argument stands for (a one-element list its element), 0 for null
  #sole(): Code {
    const c = new Code([I32], [I32]);
    c.block().loop();
    c.get(0).eqz().if().i32(0).return().end();
    c.get(0).load(0).i32(TAG.LIST).ne().brIf(1);
    c.get(0).load(4).i32(1).ne().if().i32(0).return().end();
    c.get(0).load(8).set(0).br(0);
    c.end().end();
    c.get(0).load(0).i32(TAG.NULL).eq().if().i32(0).return().end();
    c.get(0);
    return c;
  }

  // (x: f64) → a new number value
  #numValue(): Code {
    const c = new Code([F64], [I32]);
    const p = c.local();
    c.i32(16).call(this.alloc).tee(p).i32(TAG.NUM).store(0);
    c.get(p).get(0).storeF64(8);
    c.get(p);
    return c;
  }
}

function trap(reason: number): Code {
  const c = new Code([], []);
  c.i32(HEADER.TRAP).i32(reason).store(0).unreachable();
  return c;
}
