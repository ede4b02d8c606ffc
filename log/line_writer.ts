/**
 * A buffered writer of text lines (NDJSON): lines accumulate in memory and
 * go out in one write when the buffer passes a threshold or on `flush`, so
 * a busy producer does not pay a write call per line.
 *
 * @module
 */

/** Where lines go: an open file, stdout, or anything with `write`. */
export interface ByteSink {
  write(p: Uint8Array): Promise<number>;
}

/** Buffers lines and writes them to a {@link ByteSink}. */
export class LineWriter {
  readonly #out: ByteSink;
  readonly #threshold: number;
  readonly #encoder = new TextEncoder();
  #lines: string[] = [];
  #bytes = 0;
  /** Lines written (or buffered) so far. */
  count = 0;

  /** Writes to `out`, flushing by itself past `thresholdBytes` when asked via {@link flushIfFull}. */
  constructor(out: ByteSink, thresholdBytes = 64 * 1024) {
    this.#out = out;
    this.#threshold = thresholdBytes;
  }

  /** Buffers one line (without its newline). */
  push(line: string): void {
    this.#lines.push(line);
    this.#bytes += line.length + 1;
    this.count++;
  }

  /** True when the buffer has grown past the threshold. */
  get full(): boolean {
    return this.#bytes >= this.#threshold;
  }

  /** Writes out the buffer when it has grown past the threshold. */
  async flushIfFull(): Promise<void> {
    if (this.full) await this.flush();
  }

  /** Writes out everything buffered. */
  async flush(): Promise<void> {
    if (this.#lines.length === 0) return;
    const data = this.#encoder.encode(this.#lines.join("\n") + "\n");
    this.#lines = [];
    this.#bytes = 0;
    for (let off = 0; off < data.length;) off += await this.#out.write(data.subarray(off));
  }
}
