/**
 * IP address and CIDR block parsing and matching for `cidrMatch`.
 *
 * Every address is held as 128 bits (four unsigned 32-bit words, most
 * significant first); an IPv4 address `a.b.c.d` is stored as the
 * IPv4-mapped IPv6 address `::ffff:a.b.c.d`, which is how Elasticsearch
 * compares IPv4 with IPv6. Matching a block is then four masked word
 * comparisons.
 *
 * Accepted text: dotted-quad IPv4 (no leading zeros, as both references
 * reject them) and RFC 4291 IPv6 (`::` once, an embedded IPv4 tail, an
 * optional `%zone` that is ignored). Blocks are `address/prefix`, or a plain
 * address meaning a single host; bits past the prefix may be set and are
 * masked off. Invalid input never throws: {@link parseIp} returns null and an
 * invalid address never matches.
 *
 * @module
 */

/** A parsed IP address. */
export interface IpAddress {
  /** 4 when written as dotted-quad IPv4, 6 otherwise (including IPv4-mapped IPv6). */
  readonly family: 4 | 6;
  /** The 128-bit address; IPv4 `a.b.c.d` is `[0, 0, 0xffff, a.b.c.d]`. */
  readonly words: readonly [number, number, number, number];
}

/** A parsed CIDR block. */
export interface Cidr {
  /** Address family of the block's address. */
  readonly family: 4 | 6;
  /** Prefix length for the family: 0–32 for IPv4, 0–128 for IPv6. */
  readonly prefix: number;
  /** The network address (host bits cleared). */
  readonly network: IpAddress;
}

/**
 * How IPv4 addresses relate to IPv6 blocks and vice versa:
 * - `unify` (Elasticsearch): IPv4 `a.b.c.d` and IPv6 `::ffff:a.b.c.d` are the
 *   same address, so either matches blocks written in either form;
 * - `separate` (Endgame, Python `ipaddress`): an address only matches blocks
 *   of its own family.
 */
export type MappedMode = "unify" | "separate";

function parseIpv4(s: string): number | null {
  let value = 0;
  let parts = 0;
  let i = 0;
  while (parts < 4) {
    const start = i;
    let octet = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      octet = octet * 10 + (c - 48);
      i++;
    }
    const len = i - start;
    // Leading zeros are rejected: `010` could be read as octal.
    if (len === 0 || len > 3 || octet > 255 || (len > 1 && s.charCodeAt(start) === 48)) {
      return null;
    }
    value = value * 256 + octet;
    parts++;
    if (parts < 4) {
      if (s[i] !== ".") return null;
      i++;
    }
  }
  return i === s.length ? value : null;
}

function parseHextets(groups: string[], allowIpv4Tail: boolean): number[] | null {
  const out: number[] = [];
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g];
    if (allowIpv4Tail && g === groups.length - 1 && group.includes(".")) {
      const v4 = parseIpv4(group);
      if (v4 === null) return null;
      out.push(Math.floor(v4 / 65536), v4 % 65536);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
      out.push(parseInt(group, 16));
    }
  }
  return out;
}

function parseIpv6(text: string): [number, number, number, number] | null {
  let s = text;
  const zone = s.indexOf("%");
  if (zone !== -1) {
    if (zone === s.length - 1) return null;
    s = s.slice(0, zone);
  }
  const gap = s.indexOf("::");
  let hextets: number[] | null;
  if (gap === -1) {
    hextets = parseHextets(s.split(":"), true);
    if (hextets === null || hextets.length !== 8) return null;
  } else {
    if (s.indexOf("::", gap + 1) !== -1) return null;
    const headText = s.slice(0, gap);
    const tailText = s.slice(gap + 2);
    const head = headText === "" ? [] : parseHextets(headText.split(":"), false);
    const tail = tailText === "" ? [] : parseHextets(tailText.split(":"), true);
    if (head === null || tail === null) return null;
    // `::` stands for at least one zero group.
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    hextets = [...head, ...new Array<number>(missing).fill(0), ...tail];
  }
  return [
    hextets[0] * 65536 + hextets[1],
    hextets[2] * 65536 + hextets[3],
    hextets[4] * 65536 + hextets[5],
    hextets[6] * 65536 + hextets[7],
  ];
}

/**
 * Parses an IPv4 or IPv6 address; null when `text` is not one.
 *
 * @example
 * ```ts
 * parseIp("10.1.2.3");   // { family: 4, words: [0, 0, 0xffff, 0x0a010203] }
 * parseIp("fe80::1%eth0")?.family; // 6
 * parseIp("10.1.2");     // null
 * ```
 */
export function parseIp(text: string): IpAddress | null {
  if (text.includes(":")) {
    const words = parseIpv6(text);
    return words === null ? null : { family: 6, words };
  }
  const v4 = parseIpv4(text);
  return v4 === null ? null : { family: 4, words: [0, 0, 0xffff, v4] };
}

/** The mask of 32-bit word `index` for a 128-bit prefix length. */
function wordMask(prefix128: number, index: number): number {
  const bits = Math.min(32, Math.max(0, prefix128 - 32 * index));
  return bits === 0 ? 0 : bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

function prefix128(cidr: Cidr): number {
  return cidr.family === 4 ? 96 + cidr.prefix : cidr.prefix;
}

/**
 * Parses a CIDR block (`10.0.0.0/8`, `fe80::/10`) or a single address (a
 * host block: /32 or /128). Surrounding whitespace is ignored.
 *
 * @example
 * ```ts
 * parseCidr("192.168.1.77/16"); // network 192.168.0.0, prefix 16
 * parseCidr("10.0.0.0/33");     // { error: "prefix length 33 is out of range 0-32" }
 * ```
 */
export function parseCidr(text: string): Cidr | { error: string } {
  const s = text.trim();
  const slash = s.indexOf("/");
  const addressText = slash === -1 ? s : s.slice(0, slash);
  const ip = parseIp(addressText);
  if (ip === null) return { error: `'${addressText}' is not a valid IP address` };
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const prefixText = s.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(prefixText)) {
      return { error: `'${prefixText}' is not a valid prefix length` };
    }
    prefix = Number(prefixText);
    if (prefix > max) return { error: `prefix length ${prefix} is out of range 0-${max}` };
  }
  const p128 = ip.family === 4 ? 96 + prefix : prefix;
  const w = ip.words;
  const network: IpAddress = {
    family: ip.family,
    words: [
      (w[0] & wordMask(p128, 0)) >>> 0,
      (w[1] & wordMask(p128, 1)) >>> 0,
      (w[2] & wordMask(p128, 2)) >>> 0,
      (w[3] & wordMask(p128, 3)) >>> 0,
    ],
  };
  return { family: ip.family, prefix, network };
}

/** Options for {@link compileCidrs}. */
export interface CidrMatchOptions {
  /** `unify` (default, Elasticsearch) or `separate` (Endgame); see {@link MappedMode}. */
  mapped?: MappedMode;
}

/**
 * Parses a list of CIDR blocks once and returns a fast test for address
 * strings. Invalid blocks in the list never match (validate them with
 * {@link parseCidr} first); an invalid address returns false.
 *
 * @example
 * ```ts
 * const internal = compileCidrs(["10.0.0.0/8", "fc00::/7"]);
 * internal("10.20.30.40");  // true
 * internal("fd12::1");      // true
 * internal("not an ip");    // false
 * ```
 */
export function compileCidrs(
  list: readonly string[],
  options: CidrMatchOptions = {},
): (ip: string) => boolean {
  const separate = options.mapped === "separate";
  const blocks: { family: 4 | 6; masks: number[]; net: readonly number[] }[] = [];
  for (const text of list) {
    const cidr = parseCidr(text);
    if ("error" in cidr) continue;
    const p = prefix128(cidr);
    blocks.push({
      family: cidr.family,
      masks: [wordMask(p, 0), wordMask(p, 1), wordMask(p, 2), wordMask(p, 3)],
      net: cidr.network.words,
    });
  }
  return (text) => {
    const ip = parseIp(text);
    if (ip === null) return false;
    const w = ip.words;
    for (const b of blocks) {
      if (separate && b.family !== ip.family) continue;
      if (
        ((w[3] & b.masks[3]) >>> 0) === b.net[3] &&
        ((w[2] & b.masks[2]) >>> 0) === b.net[2] &&
        ((w[1] & b.masks[1]) >>> 0) === b.net[1] &&
        ((w[0] & b.masks[0]) >>> 0) === b.net[0]
      ) return true;
    }
    return false;
  };
}
