// The CPU work inside a write and a read, timed piece by piece in this process
// on the same objects the corpus turns into, next to what git does for the
// same step (zlib level 1 is git's default for loose objects, SHA-1 its id).
// It says how much of a gap is codec and hashing, and how much is everything
// else (process start-up, file-system calls).
import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { chunkBoundaries, encodeObject, loadCodec, maxBodySize, MAX_OBJECT_SIZE } from '../src/object/index.js';
import { nowMs } from './lib.js';

export interface ComponentTimes {
  /** Encoded objects the files become (chunks for large files; chunk lists left out). */
  objects: number;
  /** Their encoded bytes. */
  bytes: number;
  /** Bytes of the files that need chunking. */
  chunkedBytes: number;
  zstdBytes: number;
  zlibBytes: number;
  ms: {
    chunk: number[];
    sha256: number[];
    sha1: number[];
    zstdCompress: number[];
    zlibDeflate: number[];
    zstdDecompress: number[];
    zlibInflate: number[];
  };
}

function time(f: () => void): number {
  const t0 = nowMs();
  f();
  return nowMs() - t0;
}

export async function measureComponents(originals: Buffer[], reps: number): Promise<ComponentTimes> {
  const codec = await loadCodec();
  const max = maxBodySize('blob');
  const big = originals.filter((b) => b.length > max);
  const pieces: Uint8Array[] = [];
  for (const b of originals) {
    if (b.length <= max) pieces.push(b);
    else for (const [s, e] of chunkBoundaries(b, max)) pieces.push(b.subarray(s, e));
  }
  const encoded = pieces.map((p) => encodeObject('blob', p));
  let zstd: Uint8Array[] = [];
  let zlib: Buffer[] = [];
  const ms: ComponentTimes['ms'] = {
    chunk: [],
    sha256: [],
    sha1: [],
    zstdCompress: [],
    zlibDeflate: [],
    zstdDecompress: [],
    zlibInflate: [],
  };
  for (let rep = 0; rep < reps; rep++) {
    ms.chunk.push(time(() => big.forEach((b) => chunkBoundaries(b, max))));
    ms.sha256.push(time(() => encoded.forEach((e) => createHash('sha256').update(e).digest('hex'))));
    ms.sha1.push(time(() => encoded.forEach((e) => createHash('sha1').update(e).digest('hex'))));
    ms.zstdCompress.push(time(() => (zstd = encoded.map((e) => codec.compress(e)))));
    ms.zlibDeflate.push(time(() => (zlib = encoded.map((e) => deflateSync(e, { level: 1 })))));
    ms.zstdDecompress.push(time(() => zstd.forEach((z) => codec.decompress(z, MAX_OBJECT_SIZE))));
    ms.zlibInflate.push(time(() => zlib.forEach((z) => inflateSync(z))));
  }
  return {
    objects: encoded.length,
    bytes: encoded.reduce((n, e) => n + e.length, 0),
    chunkedBytes: big.reduce((n, b) => n + b.length, 0),
    zstdBytes: zstd.reduce((n, z) => n + z.length, 0),
    zlibBytes: zlib.reduce((n, z) => n + z.length, 0),
    ms,
  };
}
