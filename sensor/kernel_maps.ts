/**
 * Byte layouts of the maps user space writes or reads by key, as fixed in
 * `ebpf/events.h`: `kestrel_config`, `kestrel_prefixes`, `kestrel_interest`
 * and `kestrel_pid_stats`. Little endian throughout.
 *
 * @module
 */
import type { BpfMap } from "../ffi/libbpf.ts";

/** `KESTREL_CFG_OPEN_FAILURES`: also submit opens that failed. */
export const CFG_OPEN_FAILURES = 0x1;
/** `KESTREL_CFG_MMAP_ALL_FILES`: also report exec mappings of linked regular files. */
export const CFG_MMAP_ALL_FILES = 0x2;

/** Entries of `kestrel_prefixes` (`KESTREL_PREFIX_MAX`). */
export const PREFIX_MAX = 64;
/** Bytes of one prefix (`KESTREL_PREFIX_LEN`). */
export const PREFIX_LEN = 64;

/** `struct kestrel_config`. */
export interface KernelConfig {
  /** The sensor's tgid: its own events are ignored (0: none). */
  selfTgid: number;
  /** `CFG_*` bits. */
  flags: number;
  /** Bit t: file events of type t must match a prefix. */
  pathTypes: bigint;
  /** Non-zero: modification and read opens need `open_flags & mask`. */
  openFlagsMask: number;
  /** Entries of `kestrel_prefixes` in use. */
  nprefixes: number;
  /** UDP destination port read as DNS (0: 53). */
  dnsPort: number;
  /** Wake the reader only once this many bytes are pending (0: every record). */
  wakeupBytes: number;
}

const CONFIG_SIZE = 32;
const PREFIX_SIZE = 80;

/** Encodes `c` as the 32-byte `struct kestrel_config`. */
export function encodeConfig(c: KernelConfig): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(CONFIG_SIZE);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, c.selfTgid, true);
  dv.setUint32(4, c.flags, true);
  dv.setBigUint64(8, c.pathTypes, true);
  dv.setUint32(16, c.openFlagsMask, true);
  dv.setUint32(20, c.nprefixes, true);
  dv.setUint32(24, c.dnsPort, true);
  dv.setUint32(28, c.wakeupBytes, true);
  return out;
}

/** Decodes a `struct kestrel_config`. */
export function decodeConfig(bytes: Uint8Array): KernelConfig {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, CONFIG_SIZE);
  return {
    selfTgid: dv.getUint32(0, true),
    flags: dv.getUint32(4, true),
    pathTypes: dv.getBigUint64(8, true),
    openFlagsMask: dv.getUint32(16, true),
    nprefixes: dv.getUint32(20, true),
    dnsPort: dv.getUint32(24, true),
    wakeupBytes: dv.getUint32(28, true),
  };
}

/** A `u32` key. */
export function u32Key(n: number): Uint8Array<ArrayBuffer> {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, n, true);
  return key;
}

const CONFIG_KEY = u32Key(0);

/** Reads `kestrel_config` (all zero before anything was written). */
export function readConfig(map: BpfMap): KernelConfig {
  return decodeConfig(map.lookup(CONFIG_KEY) ?? new Uint8Array(CONFIG_SIZE));
}

/** Writes `kestrel_config`. */
export function writeConfig(map: BpfMap, c: KernelConfig): void {
  map.update(CONFIG_KEY, encodeConfig(c));
}

/** Changes some fields of `kestrel_config`, keeping the others. */
export function updateConfig(map: BpfMap, change: Partial<KernelConfig>): KernelConfig {
  const c = { ...readConfig(map), ...change };
  writeConfig(map, c);
  return c;
}

/** Encodes one `struct kestrel_prefix`: `bytes` (1–64 bytes) for the types in `types`. */
export function encodePrefix(types: bigint, bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.length < 1 || bytes.length > PREFIX_LEN) {
    throw new RangeError(`a path prefix has 1 to ${PREFIX_LEN} bytes, not ${bytes.length}`);
  }
  const out = new Uint8Array(PREFIX_SIZE);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, types, true);
  dv.setUint32(8, bytes.length, true);
  out.set(bytes, 16);
  return out;
}

/** Writes entry `index` of `kestrel_prefixes`. */
export function writePrefix(map: BpfMap, index: number, types: bigint, bytes: Uint8Array): void {
  map.update(u32Key(index), encodePrefix(types, bytes));
}

/** Sets `kestrel_interest[type]` (true: the kernel submits events of this type). */
export function writeInterestEntry(map: BpfMap, type: number, wanted: boolean): void {
  const value = new Uint8Array(4);
  value[0] = wanted ? 1 : 0;
  map.update(u32Key(type), value);
}

/** Reads `kestrel_interest[type]`. */
export function readInterestEntry(map: BpfMap, type: number): boolean {
  const v = map.lookup(u32Key(type));
  return v !== null && new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true) !== 0;
}

/** `struct kestrel_pid_stats`: what the kernel did with one process's events. */
export interface PidStats {
  /** Records written to the ring. */
  submitted: bigint;
  /** Records lost: the ring was full. */
  dropped: bigint;
  /** Events not needed (interest, prefix, open flags, trust level). */
  filtered: bigint;
}

/** `kestrel_pid_stats[tgid]`, or null when the kernel has no entry for it. */
export function readPidStats(map: BpfMap, tgid: number): PidStats | null {
  const v = map.lookup(u32Key(tgid));
  if (v === null) return null;
  const dv = new DataView(v.buffer, v.byteOffset, 24);
  return {
    submitted: dv.getBigUint64(0, true),
    dropped: dv.getBigUint64(8, true),
    filtered: dv.getBigUint64(16, true),
  };
}

/** Deletes `kestrel_pid_stats[tgid]` (entries outlive their process). */
export function deletePidStats(map: BpfMap, tgid: number): void {
  map.delete(u32Key(tgid));
}
