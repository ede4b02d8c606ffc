/**
 * Unicode tables for lower-casing inside the module, built from the host
 * engine's own `String.prototype.toLowerCase` so that the Wasm runtime
 * folds case exactly like the JavaScript runtime.
 *
 * Per code point, `toLowerCase` maps one code point to one code point,
 * except U+0130 (to `i̇`, two code units) and U+03A3 (Σ), which becomes ς
 * at the end of a word (Unicode's Final_Sigma condition, decided with the
 * Cased and Case_Ignorable properties). The module handles those two
 * specially and looks every other code point up in two-level tables:
 * a 16-bit block index per 256 code points, and blocks of 32-bit deltas
 * (lower-case = code point + delta) or of property flags (bit 0 Cased,
 * bit 1 Case_Ignorable). Identical blocks are stored once.
 *
 * @module
 */

/** Blocks of 256 code points up to U+10FFFF. */
const BLOCKS = 0x110000 >> 8;

/** The tables as one byte blob, with the offsets of each part inside it. */
export interface UnicodeTables {
  bytes: Uint8Array;
  /** u16 block index per 256 code points, into `lowerBlocks`. */
  lowerIndex: number;
  /** i32 deltas, 256 per block. */
  lowerBlocks: number;
  /** u16 block index per 256 code points, into `flagBlocks`. */
  flagIndex: number;
  /** u8 flags, 256 per block: 1 Cased, 2 Case_Ignorable. */
  flagBlocks: number;
}

let cached: UnicodeTables | undefined;

/** The tables (computed once per process). */
export function unicodeTables(): UnicodeTables {
  return cached ??= build();
}

function build(): UnicodeTables {
  const cased = /\p{Cased}/u, ignorable = /\p{Case_Ignorable}/u;
  const lowerIndex = new Uint16Array(BLOCKS), flagIndex = new Uint16Array(BLOCKS);
  const lowerBlocks: Int32Array[] = [new Int32Array(256)];
  const flagBlocks: Uint8Array[] = [new Uint8Array(256)];
  const lowerKeys = new Map<string, number>([[lowerBlocks[0].join(","), 0]]);
  const flagKeys = new Map<string, number>([[flagBlocks[0].join(","), 0]]);
  for (let b = 0; b < BLOCKS; b++) {
    const deltas = new Int32Array(256), flags = new Uint8Array(256);
    for (let i = 0; i < 256; i++) {
      const cp = (b << 8) | i;
      if (cp >= 0xd800 && cp <= 0xdfff) continue; // lone surrogates stay as they are
      const ch = String.fromCodePoint(cp);
      const lower = ch.toLowerCase();
      const lcp = lower.codePointAt(0)!;
      // Multi-code-point results (U+0130) are handled by the module itself.
      if (lower.length === String.fromCodePoint(lcp).length) deltas[i] = lcp - cp;
      flags[i] = (cased.test(ch) ? 1 : 0) | (ignorable.test(ch) ? 2 : 0);
    }
    lowerIndex[b] = intern(lowerKeys, lowerBlocks, deltas);
    flagIndex[b] = intern(flagKeys, flagBlocks, flags);
  }
  const lowerIndexAt = 0;
  const flagIndexAt = lowerIndexAt + BLOCKS * 2;
  const lowerBlocksAt = flagIndexAt + BLOCKS * 2;
  const flagBlocksAt = lowerBlocksAt + lowerBlocks.length * 1024;
  const bytes = new Uint8Array(flagBlocksAt + flagBlocks.length * 256);
  const view = new DataView(bytes.buffer);
  for (let b = 0; b < BLOCKS; b++) {
    view.setUint16(lowerIndexAt + b * 2, lowerIndex[b], true);
    view.setUint16(flagIndexAt + b * 2, flagIndex[b], true);
  }
  lowerBlocks.forEach((blk, k) => {
    for (let i = 0; i < 256; i++) view.setInt32(lowerBlocksAt + k * 1024 + i * 4, blk[i], true);
  });
  flagBlocks.forEach((blk, k) => bytes.set(blk, flagBlocksAt + k * 256));
  return {
    bytes,
    lowerIndex: lowerIndexAt,
    lowerBlocks: lowerBlocksAt,
    flagIndex: flagIndexAt,
    flagBlocks: flagBlocksAt,
  };
}

function intern<T extends Int32Array | Uint8Array>(
  keys: Map<string, number>,
  blocks: T[],
  block: T,
): number {
  const key = block.join(",");
  let k = keys.get(key);
  if (k === undefined) {
    k = blocks.length;
    blocks.push(block);
    keys.set(key, k);
  }
  return k;
}
