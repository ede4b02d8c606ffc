/**
 * The libc calls enforcement needs: process file descriptors (a pidfd names
 * one process instance, so a signal sent through it can never reach a
 * process that reused the pid) and opening a directory for a raw fd (the
 * cgroup a `cgroup/*` BPF program attaches to).
 *
 * @module
 */
import { errno, libcError } from "./libc.ts";

const SYMBOLS = {
  pidfd_open: { parameters: ["i32", "u32"], result: "i32" },
  pidfd_send_signal: { parameters: ["i32", "i32", "pointer", "u32"], result: "i32" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

let lib: Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] | null = null;

function symbols() {
  lib ??= Deno.dlopen("libc.so.6", SYMBOLS).symbols;
  return lib;
}

/** `SIGKILL`. */
export const SIGKILL = 9;
const O_RDONLY = 0, O_DIRECTORY = 0o200000, O_CLOEXEC = 0o2000000, O_PATH = 0o10000000;

/** A failed call and its errno (`pidfd_open: ESRCH`), with the number in `errno`. */
export class SyscallError extends Error {
  /** The errno value. */
  readonly errno: number;

  /** `call` failed with `err`. */
  constructor(call: string, err: number) {
    super(libcError(call, err).message);
    this.name = "SyscallError";
    this.errno = err;
  }
}

/** Opens a pidfd for process `pid` (throws {@link SyscallError}, e.g. ESRCH when it is gone). */
export function pidfdOpen(pid: number): number {
  const fd = symbols().pidfd_open(pid, 0);
  if (fd < 0) throw new SyscallError("pidfd_open", errno());
  return fd;
}

/** Sends `signal` to the process behind `pidfd` (throws {@link SyscallError}). */
export function pidfdSendSignal(pidfd: number, signal: number): void {
  if (symbols().pidfd_send_signal(pidfd, signal, null, 0) < 0) {
    throw new SyscallError("pidfd_send_signal", errno());
  }
}

/** Opens directory `path` read-only and returns the raw fd (throws {@link SyscallError}). */
export function openDirectory(path: string): number {
  const fd = symbols().open(
    new TextEncoder().encode(path + "\0"),
    O_RDONLY | O_DIRECTORY | O_CLOEXEC,
  );
  if (fd < 0) throw new SyscallError(`open ${path}`, errno());
  return fd;
}

/**
 * Opens `path` with O_PATH (symlinks followed) and returns the raw fd: it
 * keeps the file's inode allocated, so its number is not reused while the fd
 * is open (throws {@link SyscallError}).
 */
export function openPath(path: string): number {
  const fd = symbols().open(new TextEncoder().encode(path + "\0"), O_PATH | O_CLOEXEC);
  if (fd < 0) throw new SyscallError(`open ${path}`, errno());
  return fd;
}

/** Closes a raw fd. */
export function closeFd(fd: number): void {
  symbols().close(fd);
}
