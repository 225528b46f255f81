// The one place that knows which zstd binding we use. The archive holds plain
// zstd frames, so any conforming decoder reads it and this binding can be
// swapped without a format change.
//
// zstd-codec runs zstd in WebAssembly with a fixed 16 MiB heap, and a call
// that outgrows it prints "OOM" and leaves the module unusable. Every call
// here is therefore bounded: objects never exceed MAX_OBJECT_SIZE, and a frame
// is only handed to the decoder after its header has been read and its
// declared content size checked.
import { createRequire } from 'node:module';
import { CorruptObjectError, ObjectTooLargeError } from '../errors/index.js';
import { readZstdFrameHeader } from './zstd-frame.js';

export interface Codec {
  /** One zstd frame of `bytes`; `level` defaults to 3 (packs pass their own, see docs/format.md §3.4). */
  compress(bytes: Uint8Array, level?: number): Uint8Array;
  /** Decompresses one frame whose declared content size must be <= maxSize. */
  decompress(frame: Uint8Array, maxSize: number): Uint8Array;
}

interface ZstdSimple {
  compress(bytes: Uint8Array, level?: number): Uint8Array | null;
  decompress(bytes: Uint8Array): Uint8Array | null;
}

const LEVEL = 3;
let pending: Promise<Codec> | undefined;

/** Loads the codec once per process (about 30 ms), on first use only. */
export function loadCodec(): Promise<Codec> {
  pending ??= new Promise<Codec>((resolve, reject) => {
    try {
      const require = createRequire(import.meta.url);
      const { ZstdCodec } = require('zstd-codec') as {
        ZstdCodec: { run(cb: (zstd: { Simple: new () => ZstdSimple }) => void): void };
      };
      ZstdCodec.run((zstd) => resolve(makeCodec(new zstd.Simple())));
    } catch (err) {
      reject(err);
    }
  });
  return pending;
}

function makeCodec(simple: ZstdSimple): Codec {
  return {
    compress(bytes, level = LEVEL) {
      const out = simple.compress(bytes, level);
      if (!out) throw new CorruptObjectError('zstd compression failed', { size: bytes.length });
      return out;
    },
    decompress(frame, maxSize) {
      const header = readZstdFrameHeader(frame);
      if (header.contentSize > maxSize) {
        throw new ObjectTooLargeError(
          `zstd frame declares ${header.contentSize} bytes, more than the ${maxSize}-byte bound`,
          { declared: header.contentSize, max: maxSize },
        );
      }
      if (header.contentSize === 0) {
        throw new CorruptObjectError('zstd frame declares no content', {});
      }
      let out: Uint8Array | null;
      try {
        out = simple.decompress(frame);
      } catch (err) {
        throw new CorruptObjectError(`zstd frame does not decode: ${(err as Error).message}`, {});
      }
      if (!out || out.length !== header.contentSize) {
        throw new CorruptObjectError('zstd frame does not decode to its declared size', {
          declared: header.contentSize,
        });
      }
      return out;
    },
  };
}
