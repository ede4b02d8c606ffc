/**
 * What an ELF file is, as far as exec blocking cares: the dynamic loaders
 * of this machine (executable mappings are checked only in processes
 * running one), and whether a block target is a shared library or a loader
 * (refused: a block on it would stop every program that loads it).
 *
 * @module
 */
/** Loader paths of the common ABIs, besides the one `/bin/sh` names. */
const KNOWN_LOADERS = [
  "/lib64/ld-linux-x86-64.so.2",
  "/lib/ld-linux-aarch64.so.1",
  "/lib/ld-linux-armhf.so.3",
  "/lib/ld-linux.so.2",
  "/lib/ld-musl-x86_64.so.1",
  "/lib/ld-musl-aarch64.so.1",
];

const ET_DYN = 3;
const PT_DYNAMIC = 2, PT_INTERP = 3;
const DT_FLAGS_1 = 0x6ffffffbn, DF_1_PIE = 0x08000000n;
/** Program headers and dynamic sections read at most (a real one is a few KiB). */
const READ_MAX = 1 << 20;

/** The parts of an ELF file read here. */
export interface ElfInfo {
  /** `e_type` (2 executable, 3 shared object or PIE). */
  type: number;
  /** The PT_INTERP path, when there is one. */
  interp?: string;
  /** DF_1_PIE is set in DT_FLAGS_1 (a static PIE has no PT_INTERP, but this). */
  pie: boolean;
}

function readAt(f: Deno.FsFile, offset: number, length: number): Uint8Array {
  const buf = new Uint8Array(Math.min(length, READ_MAX));
  f.seekSync(offset, Deno.SeekMode.Start);
  let got = 0;
  while (got < buf.length) {
    const n = f.readSync(buf.subarray(got));
    if (n === null) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** Reads `path`'s ELF header, PT_INTERP and DT_FLAGS_1; undefined when it is not ELF (or unreadable). */
export function elfInfo(path: string): ElfInfo | undefined {
  let f: Deno.FsFile;
  try {
    f = Deno.openSync(path);
  } catch {
    return undefined;
  }
  try {
    const h = readAt(f, 0, 64);
    if (h.length < 52 || h[0] !== 0x7f || h[1] !== 0x45 || h[2] !== 0x4c || h[3] !== 0x46) {
      return undefined;
    }
    const wide = h[4] === 2;
    const le = h[5] === 1;
    const dv = new DataView(h.buffer, h.byteOffset, h.length);
    const type = dv.getUint16(16, le);
    const phoff = wide ? Number(dv.getBigUint64(32, le)) : dv.getUint32(28, le);
    const phentsize = dv.getUint16(wide ? 54 : 42, le);
    const phnum = dv.getUint16(wide ? 56 : 44, le);
    const ph = readAt(f, phoff, phentsize * phnum);
    const pv = new DataView(ph.buffer, ph.byteOffset, ph.length);
    const info: ElfInfo = { type, pie: false };
    for (let i = 0; (i + 1) * phentsize <= ph.length; i++) {
      const o = i * phentsize;
      const ptype = pv.getUint32(o, le);
      const off = wide ? Number(pv.getBigUint64(o + 8, le)) : pv.getUint32(o + 4, le);
      const size = wide ? Number(pv.getBigUint64(o + 32, le)) : pv.getUint32(o + 16, le);
      if (ptype === PT_INTERP) {
        info.interp = new TextDecoder().decode(readAt(f, off, size)).replace(/\0.*$/s, "");
      } else if (ptype === PT_DYNAMIC) {
        const d = readAt(f, off, size);
        const dd = new DataView(d.buffer, d.byteOffset, d.length);
        const step = wide ? 16 : 8;
        for (let j = 0; j + step <= d.length; j += step) {
          const tag = wide ? dd.getBigInt64(j, le) : BigInt(dd.getInt32(j, le));
          if (tag === 0n) break;
          const val = wide ? dd.getBigUint64(j + 8, le) : BigInt(dd.getUint32(j + 4, le));
          if (tag === DT_FLAGS_1 && (val & DF_1_PIE) !== 0n) info.pie = true;
        }
      }
    }
    return info;
  } catch {
    return undefined;
  } finally {
    f.close();
  }
}

/** A file's inode and kernel device. */
export interface FileKey {
  ino: bigint;
  dev: number;
}

/**
 * The dynamic loaders present here (`/bin/sh`'s interpreter and the known
 * ones), by `ino:dev`; `resolve` gives a path's file (symlinks followed).
 */
export function loaderFiles(
  resolve: (path: string) => FileKey | undefined,
): Map<string, FileKey & { path: string }> {
  const out = new Map<string, FileKey & { path: string }>();
  const sh = elfInfo("/bin/sh")?.interp;
  for (const path of [...(sh ? [sh] : []), ...KNOWN_LOADERS]) {
    const id = resolve(path);
    if (id) out.set(`${id.ino}:${id.dev}`, { ...id, path });
  }
  return out;
}

/**
 * Why a block on `path` is refused, or undefined when it is a program: a
 * shared library (ET_DYN with neither PT_INTERP nor DF_1_PIE) or a dynamic
 * loader would stop every program loading it.
 */
export function refusedTarget(
  path: string,
  loaders: ReadonlyMap<string, unknown>,
  id: FileKey,
): string | undefined {
  if (loaders.has(`${id.ino}:${id.dev}`)) {
    return `${path} is the dynamic loader: blocking it would stop every dynamic program`;
  }
  const elf = elfInfo(path);
  if (elf && elf.type === ET_DYN && elf.interp === undefined && !elf.pie) {
    return `${path} is a shared library, not a program: blocking it would stop every program loading it`;
  }
  return undefined;
}
