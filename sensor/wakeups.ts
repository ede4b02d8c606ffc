/**
 * Waiting for the kernel's ring buffer wake-ups, edge-triggered.
 *
 * The programs flag records `BPF_RB_NO_WAKEUP` until `wakeup_bytes` are
 * pending and force a wake-up from then on. A level-triggered epoll (what
 * `RingBuffer.wait` uses) returns at once whenever any record is pending,
 * so under a steady trickle the reader would wake for every few records.
 * Registered with `EPOLLET`, the map's fd only reports the kernel's
 * wake-ups: the sensor sleeps until a batch worth reading has built up,
 * its poll timeout, or `interrupt`. Waiting runs on a worker thread
 * (`nonblocking` FFI), so the event loop stays free.
 *
 * @module
 */
import {
  EFD_CLOEXEC,
  EPOLL_CLOEXEC,
  EPOLL_EVENT_SIZE,
  epollAdd,
  EPOLLIN,
  libc,
  libcError,
} from "../ffi/libc.ts";

const EPOLLET = 0x8000_0000;
const EFD_NONBLOCK = 0x800;

/** An edge-triggered epoll on a ring buffer map, with an interrupt. */
export class RingWakeups implements Disposable {
  readonly #epfd: number;
  readonly #wakeFd: number;
  // Written by a worker thread while waiting: its own buffer, never moved.
  readonly #events = new Uint8Array(new ArrayBuffer(EPOLL_EVENT_SIZE * 2));
  #waiting: Promise<number> | null = null;
  #closed = false;

  private constructor(epfd: number, wakeFd: number) {
    this.#epfd = epfd;
    this.#wakeFd = wakeFd;
  }

  /** Watches the ring buffer map `mapFd` (owned by its BPF object; close this first). */
  static open(mapFd: number): RingWakeups {
    const c = libc();
    const epfd = c.epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) throw libcError("epoll_create1");
    const wakeFd = c.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wakeFd < 0) {
      c.close(epfd);
      throw libcError("eventfd");
    }
    try {
      epollAdd(epfd, mapFd, EPOLLIN | EPOLLET);
      epollAdd(epfd, wakeFd, EPOLLIN);
    } catch (e) {
      c.close(epfd);
      c.close(wakeFd);
      throw e;
    }
    return new RingWakeups(epfd, wakeFd);
  }

  /** Resolves on the kernel's next wake-up, an `interrupt`, or after `timeoutMs`. One wait at a time. */
  async wait(timeoutMs: number): Promise<void> {
    if (this.#closed) return;
    if (this.#waiting) throw new Error("ring wake-ups: already waiting");
    this.#waiting = libc().epoll_wait_async(this.#epfd, this.#events, 2, timeoutMs);
    try {
      await this.#waiting;
    } finally {
      this.#waiting = null;
      if (this.#closed) this.#release();
    }
    if (!this.#closed) libc().read(this.#wakeFd, new Uint8Array(8), 8n); // EAGAIN unless interrupted
  }

  /** Ends the current wait now, or else the next one. */
  interrupt(): void {
    if (!this.#closed) this.#kick();
  }

  #kick(): void {
    const one = new Uint8Array(8);
    one[0] = 1;
    libc().write(this.#wakeFd, one, 8n);
  }

  /** Closes the fds (once a pending wait has returned). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#waiting) this.#kick();
    else this.#release();
  }

  #release(): void {
    libc().close(this.#epfd);
    libc().close(this.#wakeFd);
  }

  /** Same as `close` (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }
}
