// Reads the header of a zstd frame (RFC 8878 §3.1.1) without decoding it, so
// that a frame's declared size can be checked before the bounded codec sees it.
import { CorruptObjectError } from '../errors/index.js';

export const ZSTD_MAGIC = 0xfd2fb528;

export interface ZstdFrameHeader {
  contentSize: number;
  headerSize: number;
}

export function readZstdFrameHeader(frame: Uint8Array): ZstdFrameHeader {
  if (frame.length < 6) throw new CorruptObjectError('not a zstd frame: too short', { size: frame.length });
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (view.getUint32(0, true) !== ZSTD_MAGIC) {
    throw new CorruptObjectError('not a zstd frame: bad magic number', {});
  }
  const fhd = frame[4]!;
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  const reserved = (fhd >> 3) & 1;
  const dictFlag = fhd & 3;
  if (reserved) throw new CorruptObjectError('zstd frame header has the reserved bit set', {});
  let pos = 5;
  if (!singleSegment) pos += 1; // window descriptor
  pos += [0, 1, 2, 4][dictFlag]!;
  const fcsSize = fcsFlag === 0 ? (singleSegment ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
  if (fcsSize === 0) {
    throw new CorruptObjectError('zstd frame does not declare its content size', {});
  }
  if (frame.length < pos + fcsSize) throw new CorruptObjectError('zstd frame header is cut short', {});
  let size: number;
  switch (fcsSize) {
    case 1:
      size = frame[pos]!;
      break;
    case 2:
      size = view.getUint16(pos, true) + 256;
      break;
    case 4:
      size = view.getUint32(pos, true);
      break;
    default: {
      const big = view.getBigUint64(pos, true);
      size = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
    }
  }
  return { contentSize: size, headerSize: pos + fcsSize };
}

/** The largest block a frame may hold (RFC 8878 §3.1.1.2.4: Block_Maximum_Size). */
const MAX_BLOCK = 128 * 1024;

/**
 * Where the frame starting at 0 ends: its blocks walked by their headers
 * (RFC 8878 §3.1.1.2), plus the checksum when the header announces one. A
 * block of the reserved type, one larger than a block may be, or a frame cut
 * short is refused.
 */
export function zstdFrameLength(frame: Uint8Array, header: ZstdFrameHeader): number {
  let pos = header.headerSize;
  for (;;) {
    if (pos + 3 > frame.length) throw new CorruptObjectError('zstd frame is cut short (in a block header)', { size: frame.length });
    const bh = frame[pos]! | (frame[pos + 1]! << 8) | (frame[pos + 2]! << 16);
    const last = bh & 1;
    const type = (bh >> 1) & 3;
    const size = bh >>> 3;
    if (type === 3) throw new CorruptObjectError('zstd frame holds a block of the reserved type', {});
    if (size > MAX_BLOCK) throw new CorruptObjectError(`zstd frame holds a block of ${size} bytes, more than a block may hold`, {});
    pos += 3 + (type === 1 ? 1 : size);
    if (pos > frame.length) throw new CorruptObjectError('zstd frame is cut short (in a block)', { size: frame.length });
    if (last) break;
  }
  if ((frame[4]! >> 2) & 1) pos += 4;
  if (pos > frame.length) throw new CorruptObjectError('zstd frame is cut short (in its checksum)', { size: frame.length });
  return pos;
}
