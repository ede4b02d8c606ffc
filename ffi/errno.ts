/**
 * Linux errno numbers (the generic table shared by x86-64 and arm64) and
 * their names, for error messages built from negative return codes.
 *
 * @module
 */

/** errno values Kestrel tests for by name. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  EINVAL: 22,
  EMFILE: 24,
  ENOTTY: 25,
  EFBIG: 27,
  ENOSPC: 28,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ELOOP: 40,
  ENODATA: 61,
  EPROTO: 71,
  EBADMSG: 74,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  ENOTSUPP: 524, // kernel-internal, but BPF returns it to user space
} as const;

const NAMES = new Map<number, string>(Object.entries(Errno).map(([name, n]) => [n, name]));

/** `EPERM` for 1 or -1; `errno 123` for a number without a known name. */
export function errnoName(err: number): string {
  const n = Math.abs(err);
  return NAMES.get(n) ?? `errno ${n}`;
}
