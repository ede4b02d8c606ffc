/**
 * The BPF ring buffer map read from user space without an FFI call per
 * record: its pages are mapped into this process and walked by
 * `./ring_reader.ts`. Waiting for data uses epoll on the map's fd, on a
 * worker thread (`nonblocking` FFI), so the event loop stays responsive.
 *
 * Mapping (as the kernel and libbpf do): the consumer page read-write at
 * offset 0, one page; the producer page plus the data area read-only at
 * offset one page, `page + 2 × size` bytes (the kernel maps the data twice).
 *
 * Wake-ups: the kernel notifies (epoll) when a record is committed while the
 * consumer has caught up with it. So `wait` first looks at the ring itself
 * and sleeps only when nothing is ready at the head; after a batch the reader
 * must consume again until `pending()` is false before waiting.
 *
 * Lost records: the ring buffer does not count records the kernel could not
 * reserve; the BPF programs do, in the per-CPU map `kestrel_counters` (see
 * `./counters.ts`). What the ring itself tells is its backlog (`backlog()`).
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
  map,
  MAP_SHARED,
  mappedBuffer,
  type Mapping,
  pageSize,
  PROT_READ,
  PROT_WRITE,
  unmap,
} from "./libc.ts";
import { type RecordHandler, RingReader } from "./ring_reader.ts";

export { type RecordHandler, recordSpan } from "./ring_reader.ts";

const EFD_NONBLOCK = 0x800;
const WAKE_TAG = 1; // epoll data of the eventfd; the map's is 0

/** A mapped BPF ring buffer map with an epoll wait. */
export class RingBuffer implements Disposable {
  /** Size of the data area in bytes (the map's max_entries). */
  readonly size: number;
  readonly #reader: RingReader;
  readonly #mappings: Mapping[];
  readonly #buffers: ArrayBuffer[];
  readonly #epfd: number;
  readonly #wakeFd: number;
  // Off the V8 heap: a worker thread writes it during `wait`.
  readonly #events = new Uint8Array(new ArrayBuffer(EPOLL_EVENT_SIZE * 2));
  #waiting: Promise<number> | null = null;
  #closed = false;

  private constructor(
    size: number,
    mappings: Mapping[],
    epfd: number,
    wakeFd: number,
  ) {
    this.size = size;
    this.#mappings = mappings;
    this.#buffers = mappings.map(mappedBuffer);
    this.#reader = new RingReader({
      consumer: this.#buffers[0],
      producer: this.#buffers[1],
      dataOffset: pageSize(),
      size,
    });
    this.#epfd = epfd;
    this.#wakeFd = wakeFd;
  }

  /**
   * Maps the ring buffer map `mapFd` of `size` bytes (its max_entries). The
   * fd stays owned by its BPF object; close the RingBuffer first.
   */
  static open(mapFd: number, size: number): RingBuffer {
    const page = pageSize();
    if (size < page || (size & (size - 1)) !== 0) {
      throw new RangeError(`ring buffer size ${size} must be a power of 2 and at least a page`);
    }
    const c = libc();
    const mappings: Mapping[] = [];
    const fds: number[] = [];
    try {
      mappings.push(map(page, PROT_READ | PROT_WRITE, MAP_SHARED, mapFd, 0));
      mappings.push(map(page + 2 * size, PROT_READ, MAP_SHARED, mapFd, page));
      const epfd = c.epoll_create1(EPOLL_CLOEXEC);
      if (epfd < 0) throw libcError("epoll_create1");
      fds.push(epfd);
      const wakeFd = c.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
      if (wakeFd < 0) throw libcError("eventfd");
      fds.push(wakeFd);
      epollAdd(epfd, mapFd, EPOLLIN, 0);
      epollAdd(epfd, wakeFd, EPOLLIN, WAKE_TAG);
      return new RingBuffer(size, mappings, epfd, wakeFd);
    } catch (e) {
      for (const m of mappings) unmap(m);
      for (const fd of fds) c.close(fd);
      throw e;
    }
  }

  #open(): RingReader {
    if (this.#closed) throw new Error("ring buffer is closed");
    return this.#reader;
  }

  /** True when a record (or a discarded one to skip) is ready at the head. */
  pending(): boolean {
    return this.#open().pending();
  }

  /** Bytes produced and not yet consumed. */
  backlog(): number {
    return this.#open().backlog();
  }

  /** Hands the ready records to `onRecord` and frees their space (see `RingReader.consume`). */
  consume(onRecord: RecordHandler, maxRecords = Infinity): number {
    return this.#open().consume(onRecord, maxRecords);
  }

  /**
   * Blocks this thread up to `timeoutMs` (-1: forever) until a record is
   * ready; true when one is. For tests and tools: it stops the event loop.
   */
  poll(timeoutMs: number): boolean {
    if (this.pending()) return true;
    const n = libc().epoll_wait(this.#epfd, this.#events, 2, timeoutMs);
    if (n < 0) return false; // EINTR: let the caller loop
    this.#drainWake();
    return this.pending();
  }

  /**
   * Waits up to `timeoutMs` (-1: until `interrupt`) for a record without
   * blocking the event loop; resolves true when one is ready, false on
   * timeout, interrupt or close. One wait at a time.
   */
  async wait(timeoutMs: number): Promise<boolean> {
    if (this.pending()) return true;
    if (this.#waiting) throw new Error("ring buffer: already waiting");
    this.#waiting = libc().epoll_wait_async(this.#epfd, this.#events, 2, timeoutMs);
    let closed = false;
    try {
      await this.#waiting;
    } finally {
      this.#waiting = null;
      closed = this.#closed;
      if (closed) this.#release();
    }
    if (closed) return false;
    this.#drainWake();
    return this.pending();
  }

  /** Ends a pending `wait` now, or else the next one (it resolves false unless data is ready). */
  interrupt(): void {
    if (this.#closed) return;
    const one = new Uint8Array(8);
    one[0] = 1;
    libc().write(this.#wakeFd, one, 8n);
  }

  #drainWake(): void {
    const buf = new Uint8Array(8);
    libc().read(this.#wakeFd, buf, 8n); // non-blocking: EAGAIN when not woken
  }

  /** Unmaps the ring and closes the epoll fds; a pending `wait` resolves false first. */
  close(): void {
    if (this.#closed) return;
    if (this.#waiting) {
      this.interrupt();
      this.#closed = true; // the wait releases once the worker thread returns
    } else {
      this.#closed = true;
      this.#release();
    }
  }

  #release(): void {
    // Detach the views first: a stale DataView then throws instead of faulting.
    for (const b of this.#buffers) b.transfer(0);
    for (const m of this.#mappings) unmap(m);
    libc().close(this.#epfd);
    libc().close(this.#wakeFd);
  }

  /** Same as `close` (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }
}
