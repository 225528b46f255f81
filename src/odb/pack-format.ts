// The pack and pack-index formats (docs/format.md §3.4), as pure functions:
// the bytes of a pack's header and trailer, and the index built from and
// parsed back into tables. Reading and writing files is in pack-reader.ts
// and pack-writer.ts.
//
// A pack is nothing but zstd frames: a skippable frame as header, data frames
// each holding whole encoded objects back to back, and a skippable frame as
// trailer whose last 32 bytes are the SHA-256 of everything before them. Any
// zstd decoder therefore turns a pack into the concatenation of its objects.
import { createHash } from 'node:crypto';
import { CorruptObjectError } from '../errors/index.js';

/** Magic of the skippable frames (RFC 8878 §3.1.2) that open and close a pack. */
export const SKIPPABLE_MAGIC = 0x184d2a5a;
export const PACK_SIGNATURE = 'TPCK';
export const PACK_END_SIGNATURE = 'TEND';
export const INDEX_SIGNATURE = 'TIDX';
export const PACK_VERSION = 1;
/** Header frame: magic, size, "TPCK", version. */
export const PACK_HEADER_SIZE = 16;
/** Trailer frame: magic, size, "TEND", frame count, object count, SHA-256. */
export const PACK_TRAILER_SIZE = 52;
/** No data frame decodes to more than this: the codec's single-call limit (see object/compress.ts). */
export const MAX_FRAME_CONTENT = 4 * 1024 * 1024;
/** Index: signature, version, frame count, object count, then the fan-out table. */
const INDEX_HEADER_SIZE = 16;
const FANOUT_SIZE = 256 * 4;
const ID_SIZE = 32;
const ENTRY_SIZE = 16;
const FRAME_SIZE = 16;
const CHECKSUM_SIZE = 32;

export interface FrameInfo {
  /** Where the frame starts in the pack file. */
  offset: number;
  /** Its compressed length in the pack. */
  length: number;
  /** How many bytes it decodes to. */
  contentLength: number;
}

export function packHeader(): Uint8Array {
  const b = Buffer.alloc(PACK_HEADER_SIZE);
  b.writeUInt32LE(SKIPPABLE_MAGIC, 0);
  b.writeUInt32LE(PACK_HEADER_SIZE - 8, 4);
  b.write(PACK_SIGNATURE, 8, 'latin1');
  b.writeUInt32BE(PACK_VERSION, 12);
  return b;
}

/** The trailer without its checksum (the writer hashes the whole file up to here). */
export function packTrailerStart(frames: number, objects: number): Uint8Array {
  const b = Buffer.alloc(PACK_TRAILER_SIZE - CHECKSUM_SIZE);
  b.writeUInt32LE(SKIPPABLE_MAGIC, 0);
  b.writeUInt32LE(PACK_TRAILER_SIZE - 8, 4);
  b.write(PACK_END_SIGNATURE, 8, 'latin1');
  b.writeUInt32BE(frames, 12);
  b.writeUInt32BE(objects, 16);
  return b;
}

/** Checks a pack's header bytes; the message says what is wrong. */
export function checkPackHeader(b: Uint8Array): string | undefined {
  if (b.length < PACK_HEADER_SIZE) return 'the pack is shorter than its header';
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (v.readUInt32LE(0) !== SKIPPABLE_MAGIC || v.readUInt32LE(4) !== PACK_HEADER_SIZE - 8) return 'the pack does not start with its header frame';
  if (v.toString('latin1', 8, 12) !== PACK_SIGNATURE) return 'the pack header lacks the "TPCK" signature';
  const version = v.readUInt32BE(12);
  if (version !== PACK_VERSION) return `pack version ${version} is not supported (this tapes reads version ${PACK_VERSION})`;
  return undefined;
}

export interface PackTrailer {
  frames: number;
  objects: number;
  checksum: Uint8Array;
}

/** Parses the last PACK_TRAILER_SIZE bytes of a pack. */
export function parsePackTrailer(b: Uint8Array): PackTrailer | string {
  if (b.length !== PACK_TRAILER_SIZE) return 'the pack is shorter than its trailer';
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (v.readUInt32LE(0) !== SKIPPABLE_MAGIC || v.readUInt32LE(4) !== PACK_TRAILER_SIZE - 8 || v.toString('latin1', 8, 12) !== PACK_END_SIGNATURE) {
    return 'the pack does not end with its trailer frame';
  }
  return { frames: v.readUInt32BE(12), objects: v.readUInt32BE(16), checksum: b.slice(PACK_TRAILER_SIZE - CHECKSUM_SIZE) };
}

/** Compares two 32-byte ids in `a` at `ai` and `b` at `bi`. */
export function compareIds(a: Uint8Array, ai: number, b: Uint8Array, bi: number): number {
  for (let k = 0; k < ID_SIZE; k++) {
    const d = a[ai + k]! - b[bi + k]!;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * A pack's entries as a writer collects them: the 32-byte ids in one growing
 * buffer and the three numbers in typed arrays, 48 bytes an entry and no
 * object per entry. (An entry object with its own `Buffer.from(id, 'hex')`
 * cost more than 100 bytes, and each such small Buffer kept alive the whole
 * 8 KiB slab of Node's buffer pool it was cut from, with whatever else had
 * been cut from it: some 24 MB at the peak of a large import.)
 */
export class PackEntryTable {
  private ids = Buffer.alloc(0);
  private frameOffsets = new Float64Array(0);
  private offsets = new Uint32Array(0);
  private lengths = new Uint32Array(0);
  private n = 0;

  get count(): number {
    return this.n;
  }

  /** Bytes held by the table's arrays. */
  get bytesHeld(): number {
    return this.ids.byteLength + this.frameOffsets.byteLength + this.offsets.byteLength + this.lengths.byteLength;
  }

  /** Appends an entry; `id` as 64 hex digits or 32 bytes. */
  add(id: string | Uint8Array, frameOffset: number, offset: number, length: number): void {
    if (this.n === this.offsets.length) this.grow();
    const at = this.n * ID_SIZE;
    if (typeof id === 'string') {
      if (this.ids.write(id, at, ID_SIZE, 'hex') !== ID_SIZE || id.length !== 2 * ID_SIZE) throw new Error(`not an object id: ${id}`);
    } else {
      if (id.length !== ID_SIZE) throw new Error(`an object id is ${ID_SIZE} bytes, not ${id.length}`);
      this.ids.set(id, at);
    }
    this.frameOffsets[this.n] = frameOffset;
    this.offsets[this.n] = offset;
    this.lengths[this.n] = length;
    this.n++;
  }

  /** Entry i's id (a view into the table: copy it to keep it). */
  id(i: number): Uint8Array {
    return this.ids.subarray(i * ID_SIZE, (i + 1) * ID_SIZE);
  }

  /**
   * Entry numbers in the order of their ids, one per id: of entries with the
   * same id (a merge copies whole frames, and an object two of them hold is
   * in both), the first added.
   */
  sortedOrder(): Uint32Array {
    const order = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    const ids = this.ids;
    order.sort((x, y) => compareIds(ids, x * ID_SIZE, ids, y * ID_SIZE) || x - y);
    let kept = 0;
    for (let i = 0; i < order.length; i++) {
      if (kept > 0 && compareIds(ids, order[kept - 1]! * ID_SIZE, ids, order[i]! * ID_SIZE) === 0) continue;
      order[kept++] = order[i]!;
    }
    return kept === order.length ? order : order.slice(0, kept);
  }

  /** Room for `count` entries in all, allocated once (a merge knows how many its packs hold). */
  reserve(count: number): void {
    if (count > this.offsets.length) this.resize(count);
  }

  /** Writes entry i's index fields (frame offset, offset, length) at `p` of `b`. */
  writeEntry(i: number, b: Buffer, p: number): void {
    b.writeBigUInt64BE(BigInt(this.frameOffsets[i]!), p);
    b.writeUInt32BE(this.offsets[i]!, p + 8);
    b.writeUInt32BE(this.lengths[i]!, p + 12);
  }

  private grow(): void {
    this.resize(Math.max(256, this.offsets.length * 2));
  }

  private resize(cap: number): void {
    const ids = Buffer.alloc(cap * ID_SIZE);
    ids.set(this.ids.subarray(0, this.n * ID_SIZE));
    this.ids = ids;
    const f = new Float64Array(cap);
    f.set(this.frameOffsets);
    this.frameOffsets = f;
    const o = new Uint32Array(cap);
    o.set(this.offsets);
    this.offsets = o;
    const l = new Uint32Array(cap);
    l.set(this.lengths);
    this.lengths = l;
  }
}

/**
 * The index of a pack: entries sorted by id, one an id (`order`: the table's sortedOrder),
 * frames in pack order, the pack's checksum, then a SHA-256 of all of it.
 */
export function encodePackIndex(table: PackEntryTable, frames: FrameInfo[], packChecksum: Uint8Array, order = table.sortedOrder()): Uint8Array {
  const n = order.length;
  const size = INDEX_HEADER_SIZE + FANOUT_SIZE + n * (ID_SIZE + ENTRY_SIZE) + frames.length * FRAME_SIZE + 2 * CHECKSUM_SIZE;
  const b = Buffer.alloc(size);
  b.write(INDEX_SIGNATURE, 0, 'latin1');
  b.writeUInt32BE(PACK_VERSION, 4);
  b.writeUInt32BE(frames.length, 8);
  b.writeUInt32BE(n, 12);
  const counts = new Uint32Array(256);
  for (let i = 0; i < n; i++) counts[table.id(order[i]!)[0]!]!++;
  let acc = 0;
  for (let i = 0; i < 256; i++) {
    acc += counts[i]!;
    b.writeUInt32BE(acc, INDEX_HEADER_SIZE + i * 4);
  }
  const idsAt = INDEX_HEADER_SIZE + FANOUT_SIZE;
  const entriesAt = idsAt + n * ID_SIZE;
  for (let i = 0; i < n; i++) {
    const e = order[i]!;
    b.set(table.id(e), idsAt + i * ID_SIZE);
    table.writeEntry(e, b, entriesAt + i * ENTRY_SIZE);
  }
  const framesAt = entriesAt + n * ENTRY_SIZE;
  frames.forEach((f, i) => {
    const p = framesAt + i * FRAME_SIZE;
    b.writeBigUInt64BE(BigInt(f.offset), p);
    b.writeUInt32BE(f.length, p + 8);
    b.writeUInt32BE(f.contentLength, p + 12);
  });
  const sumAt = framesAt + frames.length * FRAME_SIZE;
  b.set(packChecksum, sumAt);
  b.set(createHash('sha256').update(b.subarray(0, sumAt + CHECKSUM_SIZE)).digest(), sumAt + CHECKSUM_SIZE);
  return b;
}

/**
 * Reads `length` bytes at `position` of an index file into `into` at
 * `offset`; throws when the file is shorter (it was checked at open).
 */
export type IndexRead = (into: Uint8Array, offset: number, length: number, position: number) => void;

/**
 * A parsed index: views into its bytes, nothing copied. An index opened from
 * a file (openFile) reads only what lookups touch — the header and fan-out
 * at once, then the ids under one first byte, one entry, the frame table —
 * as git reads its mmapped .idx: a command that looks up a few objects does
 * not read a whole index of a large archive (5.8 MB for the scale corpus).
 */
export class PackIndex {
  readonly count: number;
  readonly frameCount: number;
  private readonly idsAt: number;
  private readonly entriesAt: number;
  private readonly framesAt: number;
  readonly checksumAt: number;
  private readonly view: Buffer;
  /** Set while parts of `bytes` are still unread (an index opened from a file). */
  private lazy?: { read: IndexRead; buckets: Uint8Array; entries: Uint8Array; frames: boolean; bucketsRead: number; entriesRead: number };

  private constructor(readonly bytes: Uint8Array, read?: IndexRead) {
    this.view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.frameCount = this.view.readUInt32BE(8);
    this.count = this.view.readUInt32BE(12);
    this.idsAt = INDEX_HEADER_SIZE + FANOUT_SIZE;
    this.entriesAt = this.idsAt + this.count * ID_SIZE;
    this.framesAt = this.entriesAt + this.count * ENTRY_SIZE;
    this.checksumAt = this.framesAt + this.frameCount * FRAME_SIZE;
    if (read) this.lazy = { read, buckets: new Uint8Array(256), entries: new Uint8Array(this.count), frames: false, bucketsRead: 0, entriesRead: 0 };
  }

  /**
   * An index read from its file as lookups need it (see the class comment):
   * `size` is the file's size, `read` reads from it. Checked as parse()
   * checks, on the header, fan-out and size; the trailing checksums are read
   * at once (the pack's is compared with the pack's trailer on open).
   */
  static openFile(size: number, read: IndexRead, what: string): PackIndex {
    const bad = (why: string) => new CorruptObjectError(`${what}: ${why}`, { path: what, reason: 'badPackIndex' });
    if (size < INDEX_HEADER_SIZE + FANOUT_SIZE + 2 * CHECKSUM_SIZE) throw bad('the index is too short');
    const bytes = Buffer.allocUnsafe(size);
    read(bytes, 0, INDEX_HEADER_SIZE + FANOUT_SIZE, 0);
    checkHead(bytes, size, bad);
    read(bytes, size - 2 * CHECKSUM_SIZE, 2 * CHECKSUM_SIZE, size - 2 * CHECKSUM_SIZE);
    return new PackIndex(bytes, read);
  }

  /** Reads bytes [start, end) of the file into place. */
  private fill(start: number, end: number): void {
    if (end > start) this.lazy!.read(this.bytes, start, end - start, start);
  }

  /** Makes the ids whose first byte is `b` readable. */
  private ids(b: number): void {
    const l = this.lazy;
    if (!l || l.buckets[b]) return;
    // Past a quarter of the buckets, the rest of the ids table costs about as much as the lookups to come.
    if (++l.bucketsRead > 64) {
      this.fill(this.idsAt, this.entriesAt);
      l.buckets.fill(1);
      return;
    }
    this.fill(this.idsAt + this.fanout(b - 1) * ID_SIZE, this.idsAt + this.fanout(b) * ID_SIZE);
    l.buckets[b] = 1;
  }

  /** The first byte of the id at position `i` (from the fan-out table). */
  private bucketOf(i: number): number {
    let lo = 0;
    let hi = 255;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.fanout(mid) > i) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Reads everything still unread (verify checks it all). */
  private all(): void {
    const l = this.lazy;
    if (!l) return;
    this.fill(this.idsAt, this.checksumAt);
    this.lazy = undefined;
  }

  /**
   * Parses an index, checking what every lookup relies on (signature,
   * version, size, a non-decreasing fan-out that ends at the count). The
   * checksum, the order of the ids and the bounds of the entries are fsck's
   * job (see verify()), as git leaves them to `git verify-pack`.
   */
  static parse(bytes: Uint8Array, what: string): PackIndex {
    const bad = (why: string) => new CorruptObjectError(`${what}: ${why}`, { path: what, reason: 'badPackIndex' });
    if (bytes.length < INDEX_HEADER_SIZE + FANOUT_SIZE + 2 * CHECKSUM_SIZE) throw bad('the index is too short');
    checkHead(bytes, bytes.length, bad);
    return new PackIndex(bytes);
  }

  private fanout(b: number): number {
    return b < 0 ? 0 : this.view.readUInt32BE(INDEX_HEADER_SIZE + b * 4);
  }

  /**
   * The first position in [lo, hi) whose id is above `key` (with `orEqual`,
   * at or above it): one binary search over the sorted ids, for find,
   * prefixRange and neighbourIds alike.
   */
  private firstAbove(lo: number, hi: number, key: Uint8Array, orEqual: boolean): number {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareIds(this.bytes, this.idsAt + mid * ID_SIZE, key, 0);
      if (c < 0 || (c === 0 && !orEqual)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The positions [start, end) of the ids whose first byte is `id`'s (made readable first). */
  private bucket(id: Uint8Array): [number, number] {
    this.ids(id[0]!);
    return [this.fanout(id[0]! - 1), this.fanout(id[0]!)];
  }

  private idIs(i: number, id: Uint8Array): boolean {
    return compareIds(this.bytes, this.idsAt + i * ID_SIZE, id, 0) === 0;
  }

  /** The position of a 32-byte id, or -1. */
  find(id: Uint8Array): number {
    const [first, end] = this.bucket(id);
    const i = this.firstAbove(first, end, id, true);
    return i < end && this.idIs(i, id) ? i : -1;
  }

  /** Positions [start, end) of the ids starting with `prefix` (lowercase hex, at least 2 digits). */
  prefixRange(prefix: string): [number, number] {
    const low = Buffer.from(prefix.padEnd(64, '0'), 'hex');
    const [first, end] = this.bucket(low);
    const start = this.firstAbove(first, end, low, true);
    // Up to the first id above every id with the prefix.
    return [start, this.firstAbove(start, end, Buffer.from(prefix.padEnd(64, 'f'), 'hex'), false)];
  }

  /** The ids next to `id` in this index (before it, and after it or at its place when absent), as hex; under its first byte only. */
  neighbourIds(id: Uint8Array): string[] {
    const [first, end] = this.bucket(id);
    const at = this.firstAbove(first, end, id, true);
    const after = at < end && this.idIs(at, id) ? at + 1 : at;
    const out: string[] = [];
    if (at > first) out.push(this.idHex(at - 1));
    if (after < end) out.push(this.idHex(after));
    return out;
  }

  /**
   * How many leading hex digits `id` shares with the ids next to it in this
   * index (itself left out): what neighbourIds gives, without making strings
   * of them. Under its first byte only, as neighbourIds.
   */
  sharedDigits(id: Uint8Array): number {
    const [first, end] = this.bucket(id);
    const at = this.firstAbove(first, end, id, true);
    const after = at < end && this.idIs(at, id) ? at + 1 : at;
    let best = 0;
    if (at > first) best = this.commonDigits(at - 1, id);
    if (after < end) best = Math.max(best, this.commonDigits(after, id));
    return best;
  }

  private commonDigits(i: number, id: Uint8Array): number {
    const base = this.idsAt + i * ID_SIZE;
    for (let k = 0; k < ID_SIZE; k++) {
      const a = this.bytes[base + k]!;
      const b = id[k]!;
      if (a !== b) return 2 * k + (a >> 4 === b >> 4 ? 1 : 0);
    }
    return 2 * ID_SIZE;
  }

  /** The ids at positions [start, end), as hex (one conversion for the whole run). */
  idsHex(start: number, end: number): string[] {
    if (this.lazy && end > start) for (let b = this.bucketOf(start); b <= this.bucketOf(end - 1); b++) this.ids(b);
    const hex = this.view.toString('hex', this.idsAt + start * ID_SIZE, this.idsAt + end * ID_SIZE);
    const out = new Array<string>(end - start);
    for (let i = 0; i < out.length; i++) out[i] = hex.slice(i * 64, i * 64 + 64);
    return out;
  }

  idBytes(i: number): Uint8Array {
    if (this.lazy) this.ids(this.bucketOf(i));
    return this.bytes.subarray(this.idsAt + i * ID_SIZE, this.idsAt + (i + 1) * ID_SIZE);
  }

  idHex(i: number): string {
    if (this.lazy) this.ids(this.bucketOf(i));
    return this.view.toString('hex', this.idsAt + i * ID_SIZE, this.idsAt + (i + 1) * ID_SIZE);
  }

  entry(i: number): { frameOffset: number; offset: number; length: number } {
    const p = this.entriesAt + i * ENTRY_SIZE;
    if (this.lazy && !this.lazy.entries[i]) {
      // Past a few hundred lookups (a walk over a session), the table at once.
      if (++this.lazy.entriesRead > 256) {
        this.fill(this.entriesAt, this.framesAt);
        this.lazy.entries.fill(1);
      } else {
        this.fill(p, p + ENTRY_SIZE);
        this.lazy.entries[i] = 1;
      }
    }
    return { frameOffset: Number(this.view.readBigUInt64BE(p)), offset: this.view.readUInt32BE(p + 8), length: this.view.readUInt32BE(p + 12) };
  }

  frame(i: number): FrameInfo {
    if (this.lazy && !this.lazy.frames) {
      this.fill(this.framesAt, this.checksumAt);
      this.lazy.frames = true;
    }
    const p = this.framesAt + i * FRAME_SIZE;
    return { offset: Number(this.view.readBigUInt64BE(p)), length: this.view.readUInt32BE(p + 8), contentLength: this.view.readUInt32BE(p + 12) };
  }

  /** Entry positions by the offset of the frame each names (for reading a pack frame by frame: fsck, a merge). */
  entriesByFrame(): Map<number, number[]> {
    const byFrame = new Map<number, number[]>();
    for (let i = 0; i < this.count; i++) {
      const at = this.entry(i).frameOffset;
      let list = byFrame.get(at);
      if (!list) byFrame.set(at, (list = []));
      list.push(i);
    }
    return byFrame;
  }

  /** The checksum of the pack this index describes. */
  packChecksum(): Uint8Array {
    return this.bytes.subarray(this.checksumAt, this.checksumAt + CHECKSUM_SIZE);
  }

  /**
   * Everything a lookup does not check: the index's own checksum, ids in
   * strictly increasing order under the right fan-out slot, frames that tile
   * the pack between header and trailer, and entries that lie inside a frame.
   * Returns one message per problem (empty when sound).
   */
  verify(packSize: number): string[] {
    this.all();
    const problems: string[] = [];
    const sum = createHash('sha256').update(this.bytes.subarray(0, this.checksumAt + CHECKSUM_SIZE)).digest();
    if (Buffer.compare(sum, this.bytes.subarray(this.checksumAt + CHECKSUM_SIZE)) !== 0) problems.push('the index checksum does not match its content');
    for (let i = 0; i < this.count; i++) {
      const at = this.idsAt + i * ID_SIZE;
      if (i > 0 && compareIds(this.bytes, at - ID_SIZE, this.bytes, at) >= 0) {
        problems.push(`ids out of order at position ${i} (${this.idHex(i - 1)} before ${this.idHex(i)})`);
        break;
      }
      const b = this.bytes[at]!;
      if (i < this.fanout(b - 1) || i >= this.fanout(b)) {
        problems.push(`id ${this.idHex(i)} at position ${i} lies outside its fan-out slot`);
        break;
      }
    }
    const frames = new Map<number, FrameInfo>();
    let expect = PACK_HEADER_SIZE;
    let tiled = true;
    for (let i = 0; i < this.frameCount; i++) {
      const f = this.frame(i);
      if (f.offset !== expect) {
        problems.push(`frame ${i} starts at ${f.offset}, not at ${expect} where the previous one ends`);
        tiled = false;
        break;
      }
      if (f.contentLength > MAX_FRAME_CONTENT || f.contentLength === 0) {
        problems.push(`frame ${i} declares ${f.contentLength} bytes of content (1 to ${MAX_FRAME_CONTENT} allowed)`);
      }
      frames.set(f.offset, f);
      expect = f.offset + f.length;
    }
    if (tiled && expect !== packSize - PACK_TRAILER_SIZE) {
      problems.push(`the frames end at ${expect}, the pack's trailer starts at ${packSize - PACK_TRAILER_SIZE}`);
    }
    for (let i = 0; i < this.count; i++) {
      const e = this.entry(i);
      const f = frames.get(e.frameOffset);
      if (!f) {
        problems.push(`object ${this.idHex(i)}: frame offset ${e.frameOffset} is not a frame of the pack`);
      } else if (e.length === 0 || e.offset + e.length > f.contentLength) {
        problems.push(`object ${this.idHex(i)}: bytes ${e.offset}+${e.length} lie outside its frame's ${f.contentLength}`);
      }
    }
    return problems;
  }
}

/** What parse() and openFile() check of an index's first bytes (header and fan-out) and its size. */
function checkHead(bytes: Uint8Array, size: number, bad: (why: string) => Error): void {
  const v = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.toString('latin1', 0, 4) !== INDEX_SIGNATURE) throw bad('the index lacks the "TIDX" signature');
  const version = v.readUInt32BE(4);
  if (version !== PACK_VERSION) throw bad(`index version ${version} is not supported (this tapes reads version ${PACK_VERSION})`);
  const frames = v.readUInt32BE(8);
  const n = v.readUInt32BE(12);
  const expected = INDEX_HEADER_SIZE + FANOUT_SIZE + n * (ID_SIZE + ENTRY_SIZE) + frames * FRAME_SIZE + 2 * CHECKSUM_SIZE;
  if (size !== expected) throw bad(`the index is ${size} bytes, its counts call for ${expected}`);
  let prev = 0;
  for (let i = 0; i < 256; i++) {
    const f = v.readUInt32BE(INDEX_HEADER_SIZE + i * 4);
    if (f < prev) throw bad(`fan-out entry ${i} decreases`);
    prev = f;
  }
  if (prev !== n) throw bad(`the fan-out table counts ${prev} objects, the header ${n}`);
}
