/**
 * The question of a DNS message (RFC 1035 §4), read from the first bytes of
 * a UDP payload the kernel copied. Every read is bounds-checked and nothing
 * here throws: a short or malformed message gives `undefined`.
 *
 * Names are printed as `dig` prints them: labels joined with dots, bytes
 * outside printable ASCII as `\DDD`, a dot or backslash inside a label
 * escaped with a backslash, the root as `.`; no trailing dot otherwise.
 * Compression pointers are followed only backwards and at most
 * {@link MAX_POINTERS} times, so a crafted message cannot loop.
 *
 * @module
 */

/** The first question of a DNS message. */
export interface DnsQuestion {
  /** Message id (header bytes 0–1). */
  id: number;
  /** True for a query (QR bit clear). */
  query: boolean;
  /** The name asked for, e.g. `www.example.com`. */
  name: string;
  /** QTYPE number (1 = A). */
  typeCode: number;
  /** QTYPE mnemonic (`A`, `AAAA`, …, or `TYPE<n>` as RFC 3597 writes unknown ones). */
  type: string;
  /** QCLASS number (1 = IN). */
  classCode: number;
  /** QCLASS mnemonic (`IN`, …, or `CLASS<n>`). */
  class: string;
}

/** Most compression pointers followed in one name. */
export const MAX_POINTERS = 16;

/** Longest name on the wire (RFC 1035 §2.3.4: 255 octets including length bytes). */
const MAX_WIRE_NAME = 255;
const HEADER = 12;

const TYPES: Readonly<Record<number, string>> = {
  1: "A",
  2: "NS",
  5: "CNAME",
  6: "SOA",
  10: "NULL",
  11: "WKS",
  12: "PTR",
  13: "HINFO",
  14: "MINFO",
  15: "MX",
  16: "TXT",
  17: "RP",
  18: "AFSDB",
  24: "SIG",
  25: "KEY",
  28: "AAAA",
  29: "LOC",
  33: "SRV",
  35: "NAPTR",
  37: "CERT",
  39: "DNAME",
  41: "OPT",
  42: "APL",
  43: "DS",
  44: "SSHFP",
  45: "IPSECKEY",
  46: "RRSIG",
  47: "NSEC",
  48: "DNSKEY",
  49: "DHCID",
  50: "NSEC3",
  51: "NSEC3PARAM",
  52: "TLSA",
  59: "CDS",
  60: "CDNSKEY",
  61: "OPENPGPKEY",
  64: "SVCB",
  65: "HTTPS",
  99: "SPF",
  251: "IXFR",
  252: "AXFR",
  255: "ANY",
  256: "URI",
  257: "CAA",
};

const CLASSES: Readonly<Record<number, string>> = {
  1: "IN",
  3: "CH",
  4: "HS",
  254: "NONE",
  255: "ANY",
};

/** The mnemonic of QTYPE `code` (`TYPE<n>` when unknown). */
export function dnsTypeName(code: number): string {
  return TYPES[code] ?? `TYPE${code}`;
}

/** The mnemonic of QCLASS `code` (`CLASS<n>` when unknown). */
export function dnsClassName(code: number): string {
  return CLASSES[code] ?? `CLASS${code}`;
}

/**
 * The first question of the DNS message in `msg`, or `undefined` when the
 * message has no question or is cut or malformed before its end.
 *
 * @example
 * ```ts
 * parseDnsQuestion(bytes)?.name; // "www.example.com"
 * ```
 */
export function parseDnsQuestion(msg: Uint8Array): DnsQuestion | undefined {
  return parseDnsQuestions(msg, 1)[0];
}

/**
 * Up to `max` questions of the DNS message in `msg`, in order; stops at the
 * first one that is cut or malformed. A query normally has one question; a
 * later one may name an earlier one through a compression pointer.
 */
export function parseDnsQuestions(msg: Uint8Array, max = 4): DnsQuestion[] {
  const out: DnsQuestion[] = [];
  if (msg.length < HEADER) return out;
  const id = (msg[0] << 8) | msg[1];
  const query = (msg[2] & 0x80) === 0;
  const qdcount = Math.min((msg[4] << 8) | msg[5], max);
  let at = HEADER;
  for (let q = 0; q < qdcount; q++) {
    const read = readName(msg, at);
    if (read === undefined || read.end + 4 > msg.length) break;
    at = read.end;
    const typeCode = (msg[at] << 8) | msg[at + 1];
    const classCode = (msg[at + 2] << 8) | msg[at + 3];
    at += 4;
    out.push({
      id,
      query,
      name: read.name,
      typeCode,
      type: dnsTypeName(typeCode),
      classCode,
      class: dnsClassName(classCode),
    });
  }
  return out;
}

/**
 * Reads the (possibly compressed) name at `start`: its text, and where the
 * bytes after it begin (after the first pointer when there is one).
 */
function readName(msg: Uint8Array, start: number): { name: string; end: number } | undefined {
  let pos = start;
  let end = -1; // set at the first pointer: the name continues elsewhere
  let floor = start; // a pointer must point before every position read so far
  let pointers = 0;
  let wire = 0;
  let name = "";
  for (;;) {
    if (pos >= msg.length) return undefined;
    const len = msg[pos];
    if (len === 0) {
      if (end < 0) end = pos + 1;
      return { name: name === "" ? "." : name, end };
    }
    const tag = len & 0xc0;
    if (tag === 0xc0) {
      if (pos + 1 >= msg.length || ++pointers > MAX_POINTERS) return undefined;
      const target = ((len & 0x3f) << 8) | msg[pos + 1];
      // Only backwards and never into the header: no loops, no garbage names.
      if (target >= floor || target < HEADER) return undefined;
      if (end < 0) end = pos + 2;
      pos = floor = target;
      continue;
    }
    if (tag !== 0) return undefined; // 0x40 / 0x80: obsolete extended label types
    wire += len + 1;
    if (wire + 1 > MAX_WIRE_NAME || pos + 1 + len > msg.length) return undefined;
    if (name !== "") name += ".";
    name += label(msg, pos + 1, pos + 1 + len);
    pos += len + 1;
  }
}

function label(msg: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) {
    const b = msg[i];
    if (b === 0x2e || b === 0x5c) s += "\\" + String.fromCharCode(b);
    else if (b > 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += "\\" + String(b).padStart(3, "0");
  }
  return s;
}
