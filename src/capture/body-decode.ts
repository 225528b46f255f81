// Decoding a response body for recording only: the client always receives the
// bytes as the upstream sent them. A body cut short decodes as far as it goes.
import zlib from 'node:zlib';
import { promisify } from 'node:util';

type Decoder = (buf: Buffer, opts: zlib.ZlibOptions | zlib.BrotliOptions) => Promise<Buffer>;

const z = zlib as unknown as Record<string, unknown>;
const DECODERS: Record<string, Decoder | undefined> = {
  gzip: promisify(zlib.gunzip) as Decoder,
  'x-gzip': promisify(zlib.gunzip) as Decoder,
  deflate: promisify(zlib.inflate) as Decoder,
  br: promisify(zlib.brotliDecompress) as Decoder,
  // Node 22.15+ / 23.8+ only; elsewhere zstd is not requested (headers.ts).
  zstd: typeof z.zstdDecompress === 'function' ? (promisify(z.zstdDecompress as typeof zlib.gunzip) as Decoder) : undefined,
};

export function zlibCanDecode(coding: string): boolean {
  return DECODERS[coding.toLowerCase()] !== undefined;
}

export interface DecodedBody {
  bytes: Buffer;
  /** Set when the body could not be decoded (whole or in part). */
  problem?: string;
}

/**
 * Undoes a content-encoding (a list, applied in order, as in the header).
 * Identity and an absent header return the bytes as they are.
 */
export async function decodeBody(bytes: Buffer, contentEncoding: string | undefined): Promise<DecodedBody> {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s && s !== 'identity');
  let out = bytes;
  for (const coding of codings.reverse()) {
    const decode = DECODERS[coding];
    if (!decode) return { bytes: out, problem: `content-encoding ${coding} cannot be decoded here` };
    try {
      out = await decode(out, {});
    } catch (err) {
      // A stream cut short: take what decodes (sync flush keeps the partial output).
      try {
        const flush = coding === 'br' ? { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH } : { finishFlush: zlib.constants.Z_SYNC_FLUSH };
        out = await decode(out, flush);
        return { bytes: out, problem: `${coding} body ends early (${(err as Error).message})` };
      } catch (again) {
        return { bytes: out, problem: `${coding} body cannot be decoded (${(again as Error).message})` };
      }
    }
  }
  return { bytes: out };
}

type Encoder = (buf: Buffer) => Buffer;
const ENCODERS: Record<string, Encoder | undefined> = {
  gzip: (b) => zlib.gzipSync(b),
  'x-gzip': (b) => zlib.gzipSync(b),
  deflate: (b) => zlib.deflateSync(b),
  br: (b) => zlib.brotliCompressSync(b),
  zstd: typeof z.zstdCompressSync === 'function' ? (z.zstdCompressSync as Encoder) : undefined,
};

/**
 * Applies a content-encoding again (the list in header order), for a body the
 * proxy's --redact changed after decoding it; undefined when a coding cannot
 * be applied here.
 */
export function encodeBody(bytes: Buffer, contentEncoding: string | undefined): Buffer | undefined {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s && s !== 'identity');
  let out = bytes;
  for (const coding of codings) {
    const encode = ENCODERS[coding];
    if (!encode) return undefined;
    out = encode(out);
  }
  return out;
}
