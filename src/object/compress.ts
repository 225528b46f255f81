// The one place that knows which zstd code we use. The archive holds plain
// zstd frames, so any conforming decoder reads it and the binding can be
// swapped without a format change.
//
// Two decoders, one contract (docs/codec.md). zstd-codec (WebAssembly) costs
// some 30 ms to start and 10 ms more to warm up, which was most of what
// `show` or `cat-object` spent after Node's own start; fzstd, a small pure
// JavaScript decoder, starts in about 2 ms but decodes bulk data some 1.4
// times slower. decompressFrame uses fzstd until a process has decoded
// JS_DECODE_BUDGET bytes; async readers then load zstd-codec (codecWanted)
// and decode with it from there on. Compression is always zstd-codec's.
//
// zstd-codec runs zstd in WebAssembly with a fixed 16 MiB heap, and a call
// that outgrows it prints "OOM" and leaves the module unusable. Every call
// here is therefore bounded: objects never exceed MAX_OBJECT_SIZE, and a frame
// is only handed to the decoder after its header has been read and its
// declared content size checked.
import { createRequire } from 'node:module';
import { CorruptObjectError, ObjectTooLargeError } from '../errors/index.js';
import { Decompress as JsStream, decompress as jsDecompress } from 'fzstd';
import { readZstdFrameHeader, zstdFrameLength } from './zstd-frame.js';

export interface Codec {
  /** One zstd frame of `bytes`; `level` defaults to 3 (packs pass their own, see docs/format.md §3.4). */
  compress(bytes: Uint8Array, level?: number): Uint8Array;
  /** Decompresses one frame whose declared content size must be <= maxSize. */
  decompress(frame: Uint8Array, maxSize: number): Uint8Array;
}

interface ZstdSimple {
  compress(bytes: Uint8Array, level?: number): Uint8Array | null;
  /** `declared`: the frame header's content size, when the caller has read it. */
  decompress(bytes: Uint8Array, declared?: number): Uint8Array | null;
}

/** A byte vector in the WebAssembly heap (embind's std::vector<uint8_t>). */
interface WasmVector {
  size(): number;
  resize(size: number, fill: number): void;
  delete(): void;
}

/** What zstd-codec's WebAssembly module exports (lib/module.js), as its `Simple` class uses it. */
export interface ZstdBinding {
  ZstdCodec: new () => {
    compressBound(size: number): number;
    contentSize(src: WasmVector): number;
    compress(dest: WasmVector, src: WasmVector, level: number): number;
    decompress(dest: WasmVector, src: WasmVector): number;
  };
  VectorU8: new () => WasmVector;
  cloneToVector(dest: WasmVector, bytes: Uint8Array): void;
  cloneAsTypedArray(src: WasmVector): Uint8Array;
}

/**
 * Vectors kept from one call to the next while they are at most this large.
 * A larger call (a loose object, a gc frame at level 9) first frees them and
 * uses vectors of its own, freed when it returns, as zstd-codec's `Simple`
 * does: the heap is a fixed 16 MiB, and what the largest calls need of it
 * is the same as before.
 */
export const KEPT_VECTOR_BYTES = 512 * 1024;

/**
 * zstd-codec's calls, made as its `Simple` class makes them but with the
 * vectors kept between calls (up to KEPT_VECTOR_BYTES): `Simple` made two
 * vectors a call and resized each output vector with zeros to its full
 * size, which was a fifth of the time an import's compression and its
 * second thread's decompression took (a byte loop in WebAssembly). A kept
 * output vector is resized only when a call needs more room, or less than
 * half of what it has. The
 * frames are byte for byte those `Simple` makes (test/object/compress.test.ts).
 */
export class WasmCodec implements ZstdSimple {
  private readonly codec: InstanceType<ZstdBinding['ZstdCodec']>;
  private kept: { src: WasmVector; dest: WasmVector } | undefined;

  constructor(private readonly binding: ZstdBinding) {
    this.codec = new binding.ZstdCodec();
  }

  compress(bytes: Uint8Array, level = LEVEL): Uint8Array | null {
    const bound = this.codec.compressBound(bytes.length);
    if (!(bound > 0)) return null;
    return this.withVectors(Math.max(bound, bytes.length), (src, dest) => {
      this.binding.cloneToVector(src, bytes);
      // Grown (zeros written past its size) only when too small; cut (nothing
      // written) when more than twice what this call needs, since the whole
      // vector is copied out: after a large frame, each small object would
      // otherwise copy the large frame's room.
      if (dest.size() < bound || dest.size() > 2 * bound) dest.resize(bound, 0);
      const size = this.codec.compress(dest, src, level);
      if (size < 0) return null;
      // The frame is the vector's first `size` bytes.
      return this.binding.cloneAsTypedArray(dest).slice(0, size);
    });
  }

  decompress(frame: Uint8Array, declared = readZstdFrameHeader(frame).contentSize): Uint8Array | null {
    // `declared`: the header's content size (checkedDecode has read it, and checked it against the caller's bound).
    if (!(declared > 0)) return null;
    return this.withVectors(Math.max(declared, frame.length), (src, dest) => {
      this.binding.cloneToVector(src, frame);
      const size = this.codec.contentSize(src);
      if (size !== declared) return null;
      dest.resize(size, 0);
      const got = this.codec.decompress(dest, src);
      return got === size ? this.binding.cloneAsTypedArray(dest) : null;
    });
  }

  /** Runs `f` with the kept vectors when `bytes` fits them, else with vectors of its own (the kept ones freed first). */
  private withVectors<T>(bytes: number, f: (src: WasmVector, dest: WasmVector) => T): T {
    if (bytes <= KEPT_VECTOR_BYTES) {
      this.kept ??= { src: new this.binding.VectorU8(), dest: new this.binding.VectorU8() };
      return f(this.kept.src, this.kept.dest);
    }
    if (this.kept) {
      this.kept.src.delete();
      this.kept.dest.delete();
      this.kept = undefined;
    }
    const src = new this.binding.VectorU8();
    const dest = new this.binding.VectorU8();
    try {
      return f(src, dest);
    } finally {
      src.delete();
      dest.delete();
    }
  }
}

const LEVEL = 3;
let pending: Promise<Codec> | undefined;
/** The WebAssembly codec once loaded (by anyone in this process). */
let loaded: Codec | undefined;

/** Bytes a process decodes with fzstd before it loads the WebAssembly codec for the rest. */
export const JS_DECODE_BUDGET = 4 * 1024 * 1024;
let jsDecoded = 0;

/** How many frames each decoder has decoded in this process (tests and benches read it). */
export const decodeCounts = { js: 0, wasm: 0 };

/** Loads the codec once per process (about 30 ms), on first use only. */
export function loadCodec(): Promise<Codec> {
  pending ??= new Promise<Codec>((resolve, reject) => {
    try {
      const require = createRequire(import.meta.url);
      // The module's binding itself (zstd-codec's own entry wraps the same
      // functions in `Simple`, which makes two vectors and zero-fills each
      // output buffer on every call: see WasmCodec).
      const { run } = require('zstd-codec/lib/module.js') as { run(cb: (binding: ZstdBinding) => void): void };
      run((binding) => resolve((loaded = makeCodec(new WasmCodec(binding)))));
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
      return checkedDecode(frame, maxSize, (f, declared) => {
        decodeCounts.wasm++;
        return simple.decompress(f, declared);
      });
    },
  };
}

/** fzstd behind the same checks as the codec's decompress. */
export const jsDecoder: Pick<Codec, 'decompress'> = {
  decompress(frame, maxSize) {
    return checkedDecode(frame, maxSize, (f) => {
      decodeCounts.js++;
      return jsDecompress(f);
    });
  },
};

/**
 * Decodes one frame (declared size at most `maxSize`) with whichever decoder
 * serves best now: fzstd while the process has decoded little, zstd-codec
 * once it is loaded. Same checks and errors either way.
 */
export function decompressFrame(frame: Uint8Array, maxSize: number): Uint8Array {
  if (loaded) return loaded.decompress(frame, maxSize);
  const out = jsDecoder.decompress(frame, maxSize);
  jsDecoded += out.length;
  return out;
}

/**
 * True once this process has decoded its budget with fzstd and the
 * WebAssembly codec is not loaded yet: an async reader then awaits
 * loadCodec() before decoding more (a reader that never yields to the event
 * loop would never see a codec loading in the background).
 */
export function codecWanted(): boolean {
  return loaded === undefined && jsDecoded > JS_DECODE_BUDGET;
}

/**
 * The checks every decode passes: a declared content size within the bound,
 * exactly one frame (its blocks walked to find its end, so nothing after it
 * is decoded), and output of the declared size.
 */
function checkedDecode(frame: Uint8Array, maxSize: number, decode: (frame: Uint8Array, declared: number) => Uint8Array | null): Uint8Array {
  const header = readZstdFrameHeader(frame);
  if (header.contentSize > maxSize) {
    throw new ObjectTooLargeError(`zstd frame declares ${header.contentSize} bytes, more than the ${maxSize}-byte bound`, {
      declared: header.contentSize,
      max: maxSize,
    });
  }
  if (header.contentSize === 0) {
    throw new CorruptObjectError('zstd frame declares no content', {});
  }
  const end = zstdFrameLength(frame, header);
  if (end !== frame.length) throw new CorruptObjectError(`zstd frame is followed by ${frame.length - end} more bytes`, { size: frame.length });
  let out: Uint8Array | null;
  try {
    out = decode(frame, header.contentSize);
  } catch (err) {
    throw new CorruptObjectError(`zstd frame does not decode: ${(err as Error).message}`, {});
  }
  if (!out || out.length !== header.contentSize) {
    throw new CorruptObjectError('zstd frame does not decode to its declared size', { declared: header.contentSize });
  }
  return out;
}

/**
 * A frame decoded as far as a reader needs and no further, then on from
 * there when more is asked for: fzstd's streaming decoder fed one block at a
 * time. A pack frame holds hundreds of records; `show` or `cat-object` of
 * one needs the frame only up to its end, on average half of it, and the
 * decoding was most of what such a command did after Node's start.
 */
export interface ProgressiveFrame {
  /** The declared content size: what the whole frame decodes to. */
  readonly size: number;
  /** The decoded content so far, at least `need` bytes of it (all of it once complete). */
  upTo(need: number): Uint8Array;
  readonly complete: boolean;
}

/** True once this process has loaded the WebAssembly codec (it then decodes whole frames faster than fzstd decodes half of one). */
export function codecLoaded(): boolean {
  return loaded !== undefined;
}

/** A progressive decoding of `frame` (declared size at most `maxSize`, checked as decompressFrame checks it). */
export function progressiveFrame(frame: Uint8Array, maxSize: number): ProgressiveFrame {
  const header = readZstdFrameHeader(frame);
  if (header.contentSize > maxSize) {
    throw new ObjectTooLargeError(`zstd frame declares ${header.contentSize} bytes, more than the ${maxSize}-byte bound`, {
      declared: header.contentSize,
      max: maxSize,
    });
  }
  // The frame's extent is checked whole first (every block header), as checkedDecode does.
  const end = zstdFrameLength(frame, header);
  decodeCounts.js++;
  return new Progressive(frame.subarray(0, end), header.headerSize, header.contentSize);
}

class Progressive implements ProgressiveFrame {
  private readonly out: Uint8Array;
  private have = 0;
  /** Where the next block starts in the frame. */
  private at: number;
  complete = false;
  private readonly stream: JsStream;

  constructor(
    private readonly frame: Uint8Array,
    headerSize: number,
    readonly size: number,
  ) {
    this.out = new Uint8Array(size);
    this.stream = new JsStream((chunk) => {
      if (this.have + chunk.length > this.size) throw new CorruptObjectError(`zstd frame decodes past its declared ${this.size} bytes`, { declared: this.size });
      this.out.set(chunk, this.have);
      this.have += chunk.length;
    });
    this.stream.push(frame.subarray(0, headerSize));
    this.at = headerSize;
  }

  upTo(need: number): Uint8Array {
    const frame = this.frame;
    while (this.have < need && !this.complete) {
      const pos = this.at;
      const bh = frame[pos]! | (frame[pos + 1]! << 8) | (frame[pos + 2]! << 16);
      const last = (bh & 1) === 1;
      const type = (bh >> 1) & 3;
      // The last block carries the frame's checksum after it, if it has one.
      let next = pos + 3 + (type === 1 ? 1 : bh >>> 3);
      if (last) next = frame.length;
      const before = this.have;
      this.stream.push(frame.subarray(pos, next), last);
      jsDecoded += this.have - before;
      this.at = next;
      if (last) this.complete = true;
    }
    if (this.complete && this.have !== this.size) {
      throw new CorruptObjectError(`zstd frame decodes to ${this.have} bytes, not the ${this.size} it declares`, { declared: this.size, actual: this.have });
    }
    return this.out.subarray(0, this.have);
  }
}
