// Content-defined chunking (FastCDC with normalised chunking) for content that
// does not fit in one object. Boundaries depend only on nearby bytes, so a
// large tool output that grows or changes in the middle keeps most of its old
// chunks and stores only a few new ones.
//
// The gear table and the masks are part of the format: changing them changes
// the ids of chunked content. gear[i] is the first four bytes (big-endian) of
// SHA-256("tapes-gear-" + i).
import { createHash } from 'node:crypto';

export const CHUNK_MIN = 64 * 1024;
export const CHUNK_AVG = 256 * 1024;
// Hash bits that must be zero: more below the average size, fewer above it.
const MASK_SMALL = 0xfffff000 >>> 0; // 20 bits
const MASK_LARGE = 0xffff0000 >>> 0; // 16 bits

let gearTable: Uint32Array | undefined;

function gear(): Uint32Array {
  if (gearTable) return gearTable;
  gearTable = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    gearTable[i] = createHash('sha256').update(`tapes-gear-${i}`).digest().readUInt32BE(0);
  }
  return gearTable;
}

/**
 * Length of the chunk that starts at `start` (never more than `max`). When at
 * least `max` bytes follow `start`, the answer does not depend on anything
 * after them, which is what lets content be chunked as it streams in.
 */
export function chunkLength(data: Uint8Array, start: number, max: number): number {
  const remaining = data.length - start;
  if (remaining <= CHUNK_MIN) return remaining;
  const g = gear();
  const end = start + Math.min(remaining, max);
  const normal = start + Math.min(remaining, CHUNK_AVG);
  let h = 0;
  let i = start + CHUNK_MIN;
  for (; i < normal; i++) {
    h = ((h << 1) + g[data[i]!]!) >>> 0;
    if ((h & MASK_SMALL) === 0) return i + 1 - start;
  }
  for (; i < end; i++) {
    h = ((h << 1) + g[data[i]!]!) >>> 0;
    if ((h & MASK_LARGE) === 0) return i + 1 - start;
  }
  return end - start;
}

/** Splits data into content-defined chunks of at most `max` bytes each. */
export function chunkBoundaries(data: Uint8Array, max: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let pos = 0;
  while (pos < data.length) {
    const len = chunkLength(data, pos, max);
    out.push([pos, pos + len]);
    pos += len;
  }
  return out;
}
