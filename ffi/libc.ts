/**
 * The few libc functions Kestrel calls directly: memory mapping, epoll and
 * eventfd for the ring buffer, errno, `prctl` (the self-test trigger), and
 * `clock_gettime` (to place kernel boot-time stamps on the epoch).
 * The library is opened on first use.
 *
 * @module
 */
import { errnoName } from "./errno.ts";

const SYMBOLS = {
  mmap: {
    parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"],
    result: "pointer",
  },
  munmap: { parameters: ["pointer", "usize"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
  // Same function on a worker thread, so JS keeps running while it blocks.
  epoll_wait_async: {
    name: "epoll_wait",
    parameters: ["i32", "buffer", "i32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  sysconf: { parameters: ["i32"], result: "i64" },
  gettid: { parameters: [], result: "i32" },
  prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  malloc_trim: { parameters: ["usize"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The bound libc functions. */
export type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let lib: Libc | null = null;

/** Opens libc on first use and returns its bound functions. */
export function libc(): Libc {
  lib ??= Deno.dlopen("libc.so.6", SYMBOLS).symbols;
  return lib;
}

/** The calling thread's errno; read it right after the failing call. */
export function errno(): number {
  const p = libc().__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

/** An Error naming the failed call and errno, e.g. `mmap: EPERM`. */
export function libcError(call: string, err = errno()): Error {
  return new Error(`${call}: ${errnoName(err)}`);
}

/** mmap protection and flag bits. */
export const PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;
/** epoll and eventfd constants. */
export const EPOLLIN = 1, EPOLL_CTL_ADD = 1, EPOLL_CLOEXEC = 0x80000, EFD_CLOEXEC = 0x80000;
/** Size of `struct epoll_event` (packed on x86-64: u32 events, u64 data). */
export const EPOLL_EVENT_SIZE = Deno.build.arch === "x86_64" ? 12 : 16;
const SC_PAGESIZE = 30;
const MAP_FAILED = 0xffff_ffff_ffff_ffffn; // (void *)-1

let page = 0;

/** The system page size. */
export function pageSize(): number {
  page ||= Number(libc().sysconf(SC_PAGESIZE));
  return page;
}

/** A mapping: its address and length, for `unmap`. */
export interface Mapping {
  /** Start address. */
  ptr: Deno.PointerObject;
  /** Length in bytes. */
  length: number;
}

/** `mmap`; throws `mmap: ERRNO` on failure. */
export function map(length: number, prot: number, flags: number, fd = -1, offset = 0): Mapping {
  const ptr = libc().mmap(null, BigInt(length), prot, flags, fd, BigInt(offset));
  if (ptr === null || BigInt(Deno.UnsafePointer.value(ptr)) === MAP_FAILED) throw libcError("mmap");
  return { ptr, length };
}

/** `munmap`. */
export function unmap(m: Mapping): void {
  libc().munmap(m.ptr, BigInt(m.length));
}

/** An ArrayBuffer over a mapping's memory (no copy; invalid after `unmap`). */
export function mappedBuffer(m: Mapping): ArrayBuffer {
  return Deno.UnsafePointerView.getArrayBuffer(m.ptr, m.length);
}

/** `clock_gettime` clock ids: wall time, and time since boot including suspend (BPF's boot ns). */
export const CLOCK_REALTIME = 0, CLOCK_BOOTTIME = 7;

/** `clock_gettime(clock)` in nanoseconds; throws `clock_gettime: ERRNO` on failure. */
export function clockNs(clock: number): bigint {
  const ts = new BigInt64Array(2); // struct timespec: tv_sec, tv_nsec (64-bit each on 64-bit Linux)
  if (libc().clock_gettime(clock, ts) !== 0) throw libcError("clock_gettime");
  return ts[0] * 1_000_000_000n + ts[1];
}

/**
 * Returns freed heap memory to the system (`malloc_trim(0)`): libbpf parses
 * the kernel's BTF while loading objects and frees it, but glibc keeps the
 * pages otherwise.
 */
export function trimHeap(): void {
  libc().malloc_trim(0n);
}

/** Adds `fd` to epoll set `epfd` for `events`, tagging it with `tag` (returned in `epoll_event.data`). */
export function epollAdd(epfd: number, fd: number, events: number, tag = 0): void {
  const ev = new Uint8Array(EPOLL_EVENT_SIZE);
  const dv = new DataView(ev.buffer);
  dv.setUint32(0, events >>> 0, true);
  dv.setBigUint64(EPOLL_EVENT_SIZE - 8, BigInt(tag), true);
  if (libc().epoll_ctl(epfd, EPOLL_CTL_ADD, fd, ev) < 0) throw libcError("epoll_ctl");
}
