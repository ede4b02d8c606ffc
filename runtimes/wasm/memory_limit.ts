/**
 * Puts the configured memory limit into a rule module before it runs.
 *
 * A module's memory maximum is fixed when it is compiled (`kestrel compile`
 * writes the `memory_limit_mb` of that moment into the package), but the
 * limit that counts is the one configured where the module runs. Rewriting
 * the memory section's maximum makes the engine itself refuse growth past
 * that limit: the module's allocator sees `memory.grow` fail and traps with
 * its memory reason, exactly as with a module compiled under that limit.
 *
 * @module
 */
import { uleb } from "./encoder.ts";

/** WebAssembly's page size. */
const PAGE = 65536;
const MEMORY_SECTION = 5;

/** A module that needs more memory to start than the configured limit allows. */
export class WasmMemoryLimitError extends Error {
  override name = "WasmMemoryLimitError";
}

/** Reads an unsigned LEB128 at `at`; returns the value and the offset after it. */
function readUleb(bytes: Uint8Array, at: number): [number, number] {
  let n = 0, shift = 0;
  for (;;) {
    if (at >= bytes.length || shift > 28) throw new Error("the rule module is malformed");
    const b = bytes[at++];
    n += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [n, at];
    shift += 7;
  }
}

/** The module's memory limits in pages (max undefined when it has none), or undefined. */
export function memoryLimits(bytes: Uint8Array): { min: number; max?: number } | undefined {
  const s = findMemorySection(bytes);
  return s && { min: s.min, max: s.max };
}

interface MemorySection {
  /** Offset of the section id byte. */
  start: number;
  /** Offset after the section. */
  end: number;
  min: number;
  max?: number;
}

function findMemorySection(bytes: Uint8Array): MemorySection | undefined {
  let at = 8; // magic and version
  while (at < bytes.length) {
    const start = at;
    const id = bytes[at++];
    let size;
    [size, at] = readUleb(bytes, at);
    const end = at + size;
    if (end > bytes.length) throw new Error("the rule module is malformed");
    if (id === MEMORY_SECTION) {
      let count, flags, min, max;
      [count, at] = readUleb(bytes, at);
      if (count !== 1) throw new Error(`the rule module declares ${count} memories, not 1`);
      [flags, at] = readUleb(bytes, at);
      if (flags !== 0 && flags !== 1) {
        throw new Error(`the rule module's memory has unsupported limits (flags ${flags})`);
      }
      [min, at] = readUleb(bytes, at);
      if (flags === 1) [max, at] = readUleb(bytes, at);
      return { start, end, min, max };
    }
    at = end;
  }
  return undefined;
}

/**
 * `bytes` with its memory maximum lowered to `limitMb` MiB (never raised).
 * Throws {@link WasmMemoryLimitError} when the module needs more memory than
 * that to start.
 */
export function limitModuleMemory(bytes: Uint8Array, limitMb: number): Uint8Array {
  const maxPages = Math.max(1, Math.floor(limitMb * 16));
  const s = findMemorySection(bytes);
  if (s === undefined) return bytes; // no memory of its own: instantiation reports it
  if (s.min > maxPages) {
    throw new WasmMemoryLimitError(
      `the rule module needs ${(s.min * PAGE) / 1048576} MiB of memory to start, ` +
        `more than the wasm memory limit of ${limitMb} MiB`,
    );
  }
  if (s.max !== undefined && s.max <= maxPages) return bytes;
  const content = [1, 1, ...uleb(s.min), ...uleb(maxPages)];
  const section = [MEMORY_SECTION, ...uleb(content.length), ...content];
  const out = new Uint8Array(bytes.length - (s.end - s.start) + section.length);
  out.set(bytes.subarray(0, s.start), 0);
  out.set(section, s.start);
  out.set(bytes.subarray(s.end), s.start + section.length);
  return out;
}
