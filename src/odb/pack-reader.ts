// Reading packs: objects/pack/pack-<sha256>.{pack,idx}. A Pack is one index
// (held in memory) and an open descriptor on its pack file; a PackSet is every
// pack of an archive with a small cache of decompressed frames, so that
// walking a session (whose objects sit together, oldest first) decodes each
// frame once. Every object handed out is re-hashed against its id.
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CorruptObjectError, HashMismatchError } from '../errors/index.js';
import { isObjectId, sha256Hex } from '../hash/index.js';
import { decodeObject, type Codec, type ProgressiveFrame, type TapesObject } from '../object/index.js';
import { READ_NOFOLLOW, entryKind } from './no-follow.js';
import { MAX_FRAME_CONTENT, PACK_HEADER_SIZE, PACK_TRAILER_SIZE, PackIndex, parsePackTrailer, type FrameInfo } from './pack-format.js';
import type { PackDigitsMemo } from './object-store.js';

export const PACK_PREFIX = 'pack-';
const PACK_NAME_RE = /^pack-[0-9a-f]{64}$/;

/**
 * The pack names (without extension) that have an index in `dir`
 * (objects/pack), sorted. Only regular files count, and only when neither
 * objects/ nor pack/ is a link: nothing is read through one.
 */
export function listPackNames(dir: string): string[] {
  if (entryKind(dirname(dir)) !== 'dir' || entryKind(dir) !== 'dir') return [];
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.idx') && PACK_NAME_RE.test(n.slice(0, -4)))
    .map((n) => n.slice(0, -4))
    .sort();
}

/** Reads exactly `length` bytes at `position` of `fd`; a file cut short since it was opened is a damaged index. */
function readFully(fd: number, into: Uint8Array, offset: number, length: number, position: number, what: string): void {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, into, offset + got, length - got, position + got);
    if (n === 0) throw new CorruptObjectError(`${what}: the index is cut short`, { path: what, reason: 'badPackIndex' });
    got += n;
  }
}

export class Pack {
  private constructor(
    readonly dir: string,
    readonly name: string,
    readonly index: PackIndex,
    private fd: number | undefined,
    readonly size: number,
    private idxFd: number | undefined,
  ) {}

  /**
   * Opens a pack: parses its index and opens the pack file at once, so that a
   * gc deleting the pack afterwards does not pull it from under this reader.
   * Throws CorruptObjectError when the index does not belong to the pack.
   */
  static open(dir: string, name: string): Pack {
    const idxPath = join(dir, `${name}.idx`);
    const packPath = join(dir, `${name}.pack`);
    // The index is read as lookups need it (PackIndex.openFile), through a
    // descriptor kept open, so a gc removing the file does not pull it away.
    const idxFd = openSync(idxPath, READ_NOFOLLOW);
    let index: PackIndex;
    try {
      const what = `objects/pack/${name}.idx`;
      const st = fstatSync(idxFd);
      if (!st.isFile()) throw new CorruptObjectError(`${what}: not a regular file`, { path: what, reason: 'badPackIndex' });
      index = PackIndex.openFile(st.size, (into, offset, length, position) => readFully(idxFd, into, offset, length, position, what), what);
    } catch (err) {
      closeSync(idxFd);
      throw err;
    }
    let fd: number;
    try {
      fd = openSync(packPath, READ_NOFOLLOW);
    } catch (err) {
      closeSync(idxFd);
      throw err;
    }
    try {
      const size = fstatSync(fd).size;
      const bad = (why: string) =>
        new CorruptObjectError(`objects/pack/${name}.pack: ${why}`, { path: `objects/pack/${name}.pack`, reason: 'badPack' });
      if (size < PACK_HEADER_SIZE + PACK_TRAILER_SIZE) throw bad('the pack is shorter than its header and trailer');
      const tail = Buffer.alloc(PACK_TRAILER_SIZE);
      readSync(fd, tail, 0, PACK_TRAILER_SIZE, size - PACK_TRAILER_SIZE);
      const trailer = parsePackTrailer(tail);
      if (typeof trailer === 'string') throw bad(trailer);
      if (Buffer.compare(trailer.checksum, index.packChecksum()) !== 0) throw bad('its checksum differs from the one its index names');
      return new Pack(dir, name, index, fd, size, idxFd);
    } catch (err) {
      closeSync(fd);
      closeSync(idxFd);
      throw err;
    }
  }

  get packPath(): string {
    return join(this.dir, `${this.name}.pack`);
  }

  /** The pack file's modification time (its age, for pruning), or undefined once it is gone. */
  mtimeMs(): number | undefined {
    try {
      return statSync(this.packPath).mtimeMs;
    } catch {
      return undefined;
    }
  }

  /** Where the object at index position `i` lies. */
  locate(i: number): { frame: FrameInfo; offset: number; length: number } {
    const e = this.index.entry(i);
    const frame = this.frameAt(e.frameOffset);
    if (!frame || e.offset + e.length > frame.contentLength) {
      throw new CorruptObjectError(`object ${this.index.idHex(i)}: its entry in objects/pack/${this.name}.idx lies outside the pack's frames`, {
        id: this.index.idHex(i),
        reason: 'badPackIndex',
      });
    }
    return { frame, offset: e.offset, length: e.length };
  }

  /** Frames looked up so far, by offset. */
  private readonly frames = new Map<number, FrameInfo>();

  /**
   * The frame that starts at `offset`: a binary search of the index's frame
   * table, which lists the frames in pack order (they tile the pack: fsck
   * checks it). Reading one record used to map all of a pack's frames first
   * (2,535 for the scale corpus: some 4 ms of `show` in a cold process).
   * Undefined when no frame starts there (a damaged index).
   */
  frameAt(offset: number): FrameInfo | undefined {
    const known = this.frames.get(offset);
    if (known) return known;
    let lo = 0;
    let hi = this.index.frameCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const f = this.index.frame(mid);
      if (f.offset === offset) {
        this.frames.set(offset, f);
        return f;
      }
      if (f.offset < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** The compressed bytes of one frame, as the index locates it. */
  readFrame(frame: FrameInfo): Uint8Array {
    if (this.fd === undefined) throw new Error(`pack ${this.name} is closed`);
    if (frame.offset + frame.length > this.size - PACK_TRAILER_SIZE) {
      throw new CorruptObjectError(`objects/pack/${this.name}.idx: a frame runs past the end of the pack`, { reason: 'badPackIndex' });
    }
    const buf = Buffer.allocUnsafe(frame.length);
    let got = 0;
    while (got < frame.length) {
      const n = readSync(this.fd, buf, got, frame.length - got, frame.offset + got);
      if (n === 0) break;
      got += n;
    }
    if (got !== frame.length) throw new CorruptObjectError(`objects/pack/${this.name}.pack is cut short`, { reason: 'badPack' });
    return buf;
  }

  /** Raw bytes of the pack file (for a copy of the whole pack: pack-copy.ts). */
  readBytes(position: number, length: number): Buffer {
    if (this.fd === undefined) throw new Error(`pack ${this.name} is closed`);
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, buf, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    if (got !== length) throw new CorruptObjectError(`objects/pack/${this.name}.pack is cut short`, { reason: 'badPack' });
    return buf;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    if (this.idxFd !== undefined) closeSync(this.idxFd);
    this.fd = undefined;
    this.idxFd = undefined;
  }
}

/** Decompressed frames, least recently used dropped first, bounded in bytes. */
class FrameCache {
  private readonly map = new Map<string, Uint8Array>();
  private bytes = 0;
  constructor(private readonly budget: number) {}

  get(key: string): Uint8Array | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, v: Uint8Array): void {
    this.map.set(key, v);
    this.bytes += v.length;
    for (const [k, old] of this.map) {
      if (this.bytes <= this.budget || k === key) break;
      this.map.delete(k);
      this.bytes -= old.length;
    }
  }
}

/** What a PackSet decodes frames with: whole, and (optionally) only as far as a read needs (object/compress.ts progressiveFrame). */
export interface PackCodec extends Pick<Codec, 'decompress'> {
  progressive?(frame: Uint8Array, maxSize: number): ProgressiveFrame | undefined;
}

/** Frames being decoded progressively at once (each holds a buffer of its frame's size). */
const MAX_PARTIAL_FRAMES = 4;

/** Frames kept decompressed: a few frames of the largest size, about what a session's log touches at once. */
export const FRAME_CACHE_BYTES = 4 * MAX_FRAME_CONTENT;

let frameCacheBytes = FRAME_CACHE_BYTES;

/**
 * Sets the budget of the frame cache of the pack sets opened from here on in
 * this thread: the import's second thread, which reads each chain once,
 * oldest frames first, keeps less (docs/import-memory.md).
 */
export function setFrameCacheBytes(bytes: number): void {
  frameCacheBytes = bytes;
}


/**
 * Packs a caller knows do not hold what it looks for, by name (the import's
 * own packs, for an id its filter rules out). `version` changes whenever
 * `names` does: the packs left to search are kept by it, not worked out
 * again for every id (for each of an import's 300,000 objects, a look-up
 * of each of its 27 packs' names was 0.3 s of the importing thread).
 */
export interface PackSkip {
  readonly names: ReadonlySet<string>;
  readonly version: number;
}

export class PackSet {
  private packs: Pack[] = [];
  private names = '';
  private readonly cache = new FrameCache(frameCacheBytes);
  /** Frames decompressed so far (tests and benchmarks check the cache with it). */
  framesDecoded = 0;
  /** Pack indexes searched for an id so far (tests check what a lookup skips). */
  indexSearches = 0;

  /** `codec`: the codec, or a function giving it when a frame is first decoded (a store opened for lookups loads it late). */
  constructor(
    readonly dir: string,
    private readonly codec: PackCodec | (() => PackCodec),
  ) {
    this.rescan();
  }

  get list(): readonly Pack[] {
    return this.packs;
  }

  /**
   * Re-reads the pack directory (a gc in another process may have added and
   * removed packs). Returns true when the set changed. A pack whose index is
   * damaged is skipped here; fsck reports it.
   */
  rescan(): boolean {
    const names = listPackNames(this.dir);
    const key = names.join(',');
    if (key === this.names) return false;
    this.names = key;
    const keep = new Map(this.packs.map((p) => [p.name, p]));
    const next: Pack[] = [];
    for (const n of names) {
      const old = keep.get(n);
      if (old) {
        next.push(old);
        keep.delete(n);
        continue;
      }
      try {
        next.push(Pack.open(this.dir, n));
      } catch {
        // Removed between the listing and the open, or damaged (fsck names it).
      }
    }
    for (const gone of keep.values()) gone.close();
    this.packs = next;
    return true;
  }

  private find(id: string, skip?: PackSkip): { pack: Pack; i: number } | undefined {
    const packs = skip ? this.searchable(skip) : this.packs;
    if (packs.length === 0 || !isObjectId(id)) return undefined;
    const bytes = Buffer.from(id, 'hex');
    for (let k = 0; k < packs.length; k++) {
      const pack = packs[k]!;
      this.indexSearches++;
      const i = pack.index.find(bytes);
      if (i >= 0) {
        // Most recently used first: the objects of one walk sit in one pack.
        if (k > 0) {
          packs.splice(k, 1);
          packs.unshift(pack);
        }
        return { pack, i };
      }
    }
    return undefined;
  }

  /** The packs `skip` leaves to search, kept while neither the packs nor `skip` change. */
  private left: { skip: PackSkip; version: number; names: string; packs: Pack[] } | undefined;

  private searchable(skip: PackSkip): Pack[] {
    const left = this.left;
    if (left && left.skip === skip && left.version === skip.version && left.names === this.names) return left.packs;
    const packs = this.packs.filter((p) => !skip.names.has(p.name));
    this.left = { skip, version: skip.version, names: this.names, packs };
    return packs;
  }

  has(id: string): boolean {
    return this.find(id) !== undefined;
  }

  /** The pack holding `id`, if any, not looking in the packs `skip` names. */
  packOf(id: string, skip?: PackSkip): Pack | undefined {
    return this.find(id, skip)?.pack;
  }

  /** Frames decoded only as far as reads have needed (PackCodec.progressive), by cache key; complete ones move to the cache. */
  private readonly partial = new Map<string, ProgressiveFrame>();

  /**
   * The decoded content of a frame, through the cache: all of it, or (with
   * `need`, when the codec decodes progressively) at least its first `need`
   * bytes, decoding on from where an earlier read stopped.
   */
  frameContent(pack: Pack, frame: FrameInfo, need = Infinity): Uint8Array {
    const key = `${pack.name}:${frame.offset}`;
    let content = this.cache.get(key);
    if (!content) {
      const codec = typeof this.codec === 'function' ? this.codec() : this.codec;
      const bad = (err: unknown) =>
        new CorruptObjectError(`objects/pack/${pack.name}.pack: frame at ${frame.offset}: ${(err as Error).message}`, {
          path: `objects/pack/${pack.name}.pack`,
          reason: 'badCompression',
        });
      let p = this.partial.get(key);
      if (!p && need < frame.contentLength && codec.progressive) {
        try {
          p = codec.progressive(pack.readFrame(frame), MAX_FRAME_CONTENT);
        } catch (err) {
          throw bad(err);
        }
        if (p && p.size !== frame.contentLength) {
          throw new CorruptObjectError(`objects/pack/${pack.name}.pack: frame at ${frame.offset} declares ${p.size} bytes, its index says ${frame.contentLength}`, {
            path: `objects/pack/${pack.name}.pack`,
            reason: 'badCompression',
          });
        }
        if (p) {
          // A few at a time: each holds its frame's whole size.
          if (this.partial.size >= MAX_PARTIAL_FRAMES) this.partial.delete(this.partial.keys().next().value!);
          this.partial.set(key, p);
        }
      }
      if (p) {
        let got: Uint8Array;
        try {
          got = p.upTo(need);
        } catch (err) {
          this.partial.delete(key);
          throw bad(err);
        }
        if (!p.complete) return got;
        this.partial.delete(key);
        this.framesDecoded++;
        this.cache.set(key, got);
        return got;
      }
      let decoded: Uint8Array;
      try {
        decoded = codec.decompress(pack.readFrame(frame), MAX_FRAME_CONTENT);
      } catch (err) {
        throw bad(err);
      }
      if (decoded.length !== frame.contentLength) {
        throw new CorruptObjectError(
          `objects/pack/${pack.name}.pack: frame at ${frame.offset} decodes to ${decoded.length} bytes, its index says ${frame.contentLength}`,
          { path: `objects/pack/${pack.name}.pack`, reason: 'badCompression' },
        );
      }
      this.framesDecoded++;
      content = decoded;
      this.cache.set(key, content);
    }
    return content;
  }

  /** The verified encoded bytes (`<type> <len>\0<body>`) of the object at position `i` of `pack`. */
  encodedAt(pack: Pack, i: number): Uint8Array {
    const id = pack.index.idHex(i);
    const at = pack.locate(i);
    const encoded = this.frameContent(pack, at.frame, at.offset + at.length).subarray(at.offset, at.offset + at.length);
    const actual = sha256Hex(encoded);
    if (actual !== id) {
      throw new HashMismatchError(`object ${id}: its copy in objects/pack/${pack.name}.pack hashes to ${actual}`, { id, actual, pack: pack.name });
    }
    return encoded;
  }

  /** The verified encoded bytes of `id`, or undefined when no pack holds it. */
  encoded(id: string): Uint8Array | undefined {
    const hit = this.find(id);
    return hit && this.encodedAt(hit.pack, hit.i);
  }

  /** The verified object `id`, or undefined when no pack holds it. */
  read(id: string): TapesObject | undefined {
    const encoded = this.encoded(id);
    if (!encoded) return undefined;
    try {
      return decodeObject(encoded);
    } catch (err) {
      const e = err as CorruptObjectError;
      throw new CorruptObjectError(`object ${id}: ${e.message}`, { id, ...e.data });
    }
  }

  /**
   * Every packed id once, in the order the objects lie in their packs (so
   * that reading them all decodes each frame once, as sorted order would not).
   */
  *ids(): Iterable<string> {
    const seen = this.packs.length > 1 ? new Set<string>() : undefined;
    for (const p of this.packs) {
      const order = Array.from({ length: p.index.count }, (_, i) => i);
      const entries = order.map((i) => p.index.entry(i));
      order.sort((x, y) => entries[x]!.frameOffset - entries[y]!.frameOffset || entries[x]!.offset - entries[y]!.offset);
      for (const i of order) {
        const id = p.index.idHex(i);
        if (seen) {
          if (seen.has(id)) continue;
          seen.add(id);
        }
        yield id;
      }
    }
  }

  /** Packed ids starting with `prefix` (lowercase hex), sorted, each once. */
  /** The ids next to `id` in each pack (see PackIndex.neighbourIds). */
  neighbours(id: string): string[] {
    if (!isObjectId(id)) return [];
    const bytes = Buffer.from(id, 'hex');
    return this.packs.flatMap((p) => p.index.neighbourIds(bytes));
  }

  /** The most leading digits `id` shares with another id of any pack (see PackIndex.sharedDigits). */
  sharedDigits(id: string, memo?: PackDigitsMemo): number {
    if (!isObjectId(id)) return 0;
    let bytes: Buffer | undefined;
    let best = 0;
    for (const p of this.packs) {
      let n = memo?.get(p.name);
      if (n === undefined) {
        n = p.index.sharedDigits((bytes ??= Buffer.from(id, 'hex')));
        memo?.set(p.name, n);
      }
      best = Math.max(best, n);
    }
    return best;
  }

  findByPrefix(prefix: string): string[] {
    const runs = this.packs.map((p) => p.index.idsHex(...p.index.prefixRange(prefix))).filter((r) => r.length > 0);
    // One pack (the usual case after gc): its ids are sorted and unique already.
    if (runs.length <= 1) return runs[0] ?? [];
    return [...new Set(runs.flat())].sort();
  }

  close(): void {
    for (const p of this.packs) p.close();
    this.packs = [];
    this.names = '';
  }
}
