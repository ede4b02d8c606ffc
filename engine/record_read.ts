/**
 * Reads and formats the values inside a kernel record: descriptor strings
 * and lists, paths split into ECS parts, addresses, ids. Callers validate
 * the record's descriptors first (`RecordDecoder` does), so these reads stay
 * within the record; they never throw on odd bytes (invalid UTF-8 decodes
 * with replacement characters).
 *
 * @module
 */

/** One decoder for all strings: decoding is stateless, and this spares an allocation per read. */
const utf8 = new TextDecoder();

/** The bytes `[at, at + len)` of `view` as a string (invalid UTF-8 gives U+FFFD). */
export function decodeBytes(view: DataView, at: number, len: number): string {
  return utf8.decode(new Uint8Array(view.buffer, view.byteOffset + at, len));
}

/**
 * The string of the descriptor at `rec + desc` (`kestrel_str` or the first
 * half of `kestrel_path`: u16 offset from the record start, u16 length), or
 * `undefined` when its length is 0 (absent).
 */
export function descString(view: DataView, rec: number, desc: number): string | undefined {
  const len = view.getUint16(rec + desc + 2, true);
  const at = rec + view.getUint16(rec + desc, true);
  // Validated records always fit; the check keeps a stale event (read after the ring
  // moved on, without retain) from reading past the view.
  if (len === 0 || at + len > view.byteLength) return undefined;
  return decodeBytes(view, at, len);
}

/** The NUL-separated list of the descriptor at `rec + desc` (argv, env), or `undefined` if absent. */
export function descList(view: DataView, rec: number, desc: number): string[] | undefined {
  const s = descString(view, rec, desc);
  return s === undefined ? undefined : s.split("\0");
}

/** A fixed `char[n]` field: the bytes up to the first NUL. */
export function fixedString(view: DataView, at: number, n: number): string {
  let len = 0;
  while (len < n && view.getUint8(at + len) !== 0) len++;
  return decodeBytes(view, at, len);
}

/** The last component of `path` (the whole string if it has no `/`). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * The directory of `path` as ECS `file.directory` writes it: everything
 * before the last `/` (`/` for a file in the root), or `undefined` for a
 * path without a `/`.
 */
export function dirName(path: string): string | undefined {
  const slash = path.lastIndexOf("/");
  if (slash < 0) return undefined;
  return slash === 0 ? "/" : path.slice(0, slash);
}

/**
 * ECS `file.extension`: what follows the last dot of the base name, without
 * the dot (`gz` for `a.tar.gz`); `undefined` when there is none, and for
 * a name whose only dot leads it (`.bashrc`) or ends it.
 */
export function extension(path: string): string | undefined {
  const name = baseName(path);
  const dot = name.lastIndexOf(".");
  return dot <= 0 || dot === name.length - 1 ? undefined : name.slice(dot + 1);
}

/** `AF_INET`. */
export const AF_INET = 2;
/** `AF_INET6`. */
export const AF_INET6 = 10;

/**
 * The address of `family` at `view[at]` (network order, IPv4 in the first
 * 4 bytes) as text: dotted quad, or RFC 5952 IPv6 (lower case, longest run
 * of two or more zero groups as `::`). IPv4-mapped IPv6 addresses
 * (`::ffff:a.b.c.d`) are written as the IPv4 address, so rules and
 * `cidrMatch` see one form. `undefined` for other families.
 */
export function ipAddress(view: DataView, at: number, family: number): string | undefined {
  if (family === AF_INET) return ipv4(view, at);
  if (family !== AF_INET6) return undefined;
  let mapped = view.getUint16(at + 10) === 0xffff;
  for (let i = 0; mapped && i < 10; i += 2) mapped = view.getUint16(at + i) === 0;
  if (mapped) return ipv4(view, at + 12);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(view.getUint16(at + i)); // big endian: network order
  return ipv6Text(groups);
}

/** RFC 5952 text of eight 16-bit groups: the longest run of two or more zero groups becomes `::`. */
export function ipv6Text(groups: readonly number[]): string {
  let best = -1, bestLen = 1; // runs of one zero group stay written out (RFC 5952 §4.2.2)
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (gs: readonly number[]) => gs.map((g) => g.toString(16)).join(":");
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

function ipv4(view: DataView, at: number): string {
  return `${view.getUint8(at)}.${view.getUint8(at + 1)}.${view.getUint8(at + 2)}.${
    view.getUint8(at + 3)
  }`;
}

/** Small non-negative integers as strings, shared (ids repeat: uid 0, 1000, …). */
const ID_STRINGS: string[] = Array.from({ length: 4096 }, (_, i) => String(i));

/** A u32 id as the string ECS wants (`user.id == "0"`). */
export function idString(id: number): string {
  return id < 4096 ? ID_STRINGS[id] : String(id);
}
