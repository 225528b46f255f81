// Writing a pack: objects arrive in the order they should be read (a
// session's blobs and records, oldest first), are gathered into frames of at
// most `frameSize` decoded bytes, and each frame is compressed as one zstd
// frame. Pack and index go to temp files in objects/pack/, are fsynced, and
// are renamed into place pack first, index second: readers only look for
// indexes, so a pack is never seen before it is complete, and a crash leaves
// either nothing, a pack without an index (removed by the next gc), or both.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdirSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InvalidInputError } from '../errors/index.js';
import { IdSet } from '../hash/index.js';
import { MAX_OBJECT_SIZE, type Codec } from '../object/index.js';
import { MAX_FRAME_CONTENT, PACK_HEADER_SIZE, PackEntryTable, encodePackIndex, packHeader, packTrailerStart, type FrameInfo } from './pack-format.js';
import { entryKind, symlinkError } from './no-follow.js';
import { PACK_PREFIX } from './pack-reader.js';

export const PACK_TEMP_PREFIX = 'tmp_pack_';

/** How gc and transfers write packs: 2 MiB blob frames and 512 KiB record frames at zstd level 9 (measured: docs/format.md §3.4). */
export const DEFAULT_PACK_OPTIONS = { frameSize: 2 * 1024 * 1024, recordFrameSize: 512 * 1024, level: 9 } as const;

export interface PackWriterOptions {
  /** Decoded bytes per frame before a new frame starts (1 to 4 MiB). */
  frameSize: number;
  /**
   * The same for frames of records (64 KiB up to frameSize; frameSize when
   * unset). Reading one record decodes its whole frame, and `show` reads
   * one: smaller record frames cost a little compression for that time.
   */
  recordFrameSize?: number;
  /**
   * The same for frames of blobs (64 KiB up to frameSize; frameSize when
   * unset). A blob larger than this is a frame of its own. Reading one blob
   * decodes its whole frame: the import's second thread reads some 13,000
   * blobs of the scale corpus scattered over its frames (docs/format.md §3.4).
   */
  blobFrameSize?: number;
  /** zstd level (the codec's heap limits high levels to small frames; see docs/format.md §3.4). */
  level: number;
}

/**
 * The largest frame the codec compresses at `level` without outgrowing its
 * fixed 16 MiB heap (measured: levels up to 5 take 4 MiB, 7 takes 3 MiB,
 * 9 takes 2 MiB, 11 and above fail even on 1 MiB). 0 for levels it cannot use.
 */
export function maxFrameForLevel(level: number): number {
  const MiB = 1024 * 1024;
  if (!Number.isInteger(level) || level < 1) return 0;
  if (level <= 5) return 4 * MiB;
  if (level <= 7) return 3 * MiB;
  if (level <= 9) return 2 * MiB;
  return 0;
}

export interface WrittenPack {
  name: string;
  objects: number;
  frames: number;
  bytes: number;
}

/** Syncs a directory so that renames in it survive a crash (not every platform can open one). */
export async function syncDir(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await fs.open(dir, 'r');
    await h.sync();
  } catch {
    // Windows and some network file systems cannot fsync a directory.
  } finally {
    await h?.close();
  }
}

/**
 * Writes all of `bytes` at the file's position, synchronously: a frame goes
 * to the page cache in a copy, where an awaited write waited for a thread of
 * the pool, and on two busy cores (the import's two threads) that wait was
 * time the importing thread stood idle (some 0.5 s of an import of the
 * scale corpus; docs/import-speed.md).
 */
function writeAll(h: FileHandle, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(h.fd, bytes, done, bytes.length - done);
}

/**
 * A frame being filled: its objects are copied into one buffer kept for the
 * whole pack, so that an added object's own bytes are garbage at once (young,
 * and freed by the next scavenge) rather than held until the frame is full.
 */
interface FrameStream {
  buf: Buffer;
  bytes: number;
  /** Ids and encoded lengths of the objects in `buf`, in order. */
  ids: string[];
  lengths: number[];
}

export class PackWriter {
  private readonly seen = new IdSet();
  private readonly entries = new PackEntryTable();
  private readonly frames: FrameInfo[] = [];
  /** One frame being filled per stream (records, blobs), so that each kind is compressed with its own kind. */
  private readonly streams: FrameStream[] = [
    { buf: Buffer.alloc(0), bytes: 0, ids: [], lengths: [] },
    { buf: Buffer.alloc(0), bytes: 0, ids: [], lengths: [] },
  ];
  private offset = PACK_HEADER_SIZE;
  private readonly hash: Hash = createHash('sha256');
  private done = false;

  private constructor(
    readonly dir: string,
    private readonly codec: Codec,
    private readonly opts: PackWriterOptions,
    private readonly handle: FileHandle,
    readonly tempPath: string,
  ) {}

  static async create(dir: string, codec: Codec, opts: PackWriterOptions): Promise<PackWriter> {
    if (!(opts.frameSize >= MAX_OBJECT_SIZE && opts.frameSize <= MAX_FRAME_CONTENT)) {
      throw new InvalidInputError(`pack frame size ${opts.frameSize} is outside 1 MiB to 4 MiB`, { frameSize: opts.frameSize });
    }
    if (opts.recordFrameSize !== undefined && !(opts.recordFrameSize >= 64 * 1024 && opts.recordFrameSize <= opts.frameSize)) {
      throw new InvalidInputError(`pack record frame size ${opts.recordFrameSize} is outside 64 KiB to the frame size`, { recordFrameSize: opts.recordFrameSize });
    }
    if (opts.blobFrameSize !== undefined && !(opts.blobFrameSize >= 64 * 1024 && opts.blobFrameSize <= opts.frameSize)) {
      throw new InvalidInputError(`pack blob frame size ${opts.blobFrameSize} is outside 64 KiB to the frame size`, { blobFrameSize: opts.blobFrameSize });
    }
    if (opts.frameSize > maxFrameForLevel(opts.level)) {
      throw new InvalidInputError(`zstd level ${opts.level} cannot compress frames of ${opts.frameSize} bytes in the codec's heap`, opts as unknown as Record<string, unknown>);
    }
    // `dir` is <archive>/objects/pack: neither it nor objects/ may be a link to elsewhere.
    const archiveDir = dirname(dirname(dir));
    for (const d of [dirname(dir), dir]) if (entryKind(d) === 'symlink') throw symlinkError(archiveDir, d);
    mkdirSync(dir, { recursive: true });
    const tempPath = join(dir, `${PACK_TEMP_PREFIX}${randomBytes(8).toString('hex')}.pack`);
    const handle = await fs.open(tempPath, 'wx', 0o444);
    const w = new PackWriter(dir, codec, opts, handle, tempPath);
    try {
      await w.append(packHeader());
    } catch (err) {
      // A full disk can fail the very first write: leave no temp pack behind.
      await w.abort();
      throw err;
    }
    return w;
  }

  get objectCount(): number {
    return this.seen.size;
  }

  has(id: string): boolean {
    return this.seen.has(id);
  }

  /**
   * Adds an object by its verified encoded bytes; a second add of the same id
   * is ignored. Records and blobs fill separate frames (`encoded` starts with
   * its type), each in the order added.
   */
  async add(id: string, encoded: Uint8Array): Promise<void> {
    if (this.done) throw new Error('pack already finished');
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const record = encoded[0] === 0x72; /* "r"ecord */
    const s = this.streams[record ? 0 : 1]!;
    const limit = (record ? this.opts.recordFrameSize : this.opts.blobFrameSize) ?? this.opts.frameSize;
    if (s.bytes > 0 && s.bytes + encoded.length > limit) await this.flushFrame(s);
    if (s.bytes + encoded.length > s.buf.length) {
      // Allocated once per stream at its frame size (larger only for an object larger than a frame).
      const buf = Buffer.allocUnsafeSlow(Math.max(limit, s.bytes + encoded.length));
      s.buf.copy(buf, 0, 0, s.bytes);
      s.buf = buf;
    }
    s.buf.set(encoded, s.bytes);
    s.bytes += encoded.length;
    s.ids.push(id);
    s.lengths.push(encoded.length);
  }

  /**
   * Appends a frame compressed elsewhere, as it is (another pack's: see
   * pack-merge.ts), with the objects it holds: each one's id (32 bytes), and
   * offset and length in the frame's content. An object this pack holds
   * already keeps its first entry (the index is written with one entry an
   * id); the frame is written whole either way. Its objects are not in
   * `has` or `objectCount`: a merge asks neither, and a set of the ids of
   * every object of an import (some 300,000) was the largest thing it held.
   * Only between frames of this writer's own: the frames being filled are
   * written out first.
   */
  async addFrame(compressed: Uint8Array, contentLength: number, objects: Iterable<{ id: Uint8Array; offset: number; length: number }>): Promise<void> {
    if (this.done) throw new Error('pack already finished');
    for (const s of this.streams) await this.flushFrame(s);
    const frame: FrameInfo = { offset: this.offset, length: compressed.length, contentLength };
    for (const o of objects) this.entries.add(o.id, frame.offset, o.offset, o.length);
    this.offset += compressed.length;
    this.frames.push(frame);
    await this.append(compressed);
  }

  /** Room for `count` objects in all, allocated at once (a merge knows how many its packs hold). */
  reserve(count: number): void {
    this.entries.reserve(count);
  }

  /** Bytes the writer holds for its entries and the ids it has seen (not the frames being filled): what grows with the objects of a pack. */
  get bookkeepingBytes(): number {
    return this.entries.bytesHeld + this.seen.tableBytes;
  }

  private async append(bytes: Uint8Array): Promise<void> {
    this.hash.update(bytes);
    writeAll(this.handle, bytes);
  }

  private async flushFrame(s: FrameStream): Promise<void> {
    if (s.bytes === 0) return;
    // The codec copies its input into its own heap: `buf` is free for the next frame once this returns.
    const compressed = this.codec.compress(s.buf.subarray(0, s.bytes), this.opts.level);
    const frame: FrameInfo = { offset: this.offset, length: compressed.length, contentLength: s.bytes };
    let at = 0;
    for (let i = 0; i < s.ids.length; i++) {
      this.entries.add(s.ids[i]!, frame.offset, at, s.lengths[i]!);
      at += s.lengths[i]!;
    }
    s.ids = [];
    s.lengths = [];
    s.bytes = 0;
    this.offset += compressed.length;
    this.frames.push(frame);
    await this.append(compressed);
  }

  /**
   * Completes the pack: last frame, trailer, fsync, index, fsync, renames,
   * directory fsync. Returns undefined (and leaves nothing behind) when no
   * object was added.
   */
  async finish(): Promise<WrittenPack | undefined> {
    for (const s of this.streams) await this.flushFrame(s);
    this.done = true;
    // One entry an id (frames a merge copied may hold an object twice).
    const order = this.entries.sortedOrder();
    if (order.length === 0) {
      await this.abort();
      return undefined;
    }
    const start = packTrailerStart(this.frames.length, order.length);
    this.hash.update(start);
    const checksum = this.hash.digest();
    writeAll(this.handle, start);
    writeAll(this.handle, checksum);
    const bytes = this.offset + start.length + checksum.length;
    await this.handle.sync();
    await this.handle.close();
    const name = `${PACK_PREFIX}${checksum.toString('hex')}`;
    const idxTemp = this.tempPath.replace(/\.pack$/, '.idx');
    const idx = await fs.open(idxTemp, 'wx', 0o444);
    try {
      await idx.writeFile(encodePackIndex(this.entries, this.frames, checksum, order));
      await idx.sync();
    } finally {
      await idx.close();
    }
    await fs.rename(this.tempPath, join(this.dir, `${name}.pack`));
    await syncDir(this.dir);
    await fs.rename(idxTemp, join(this.dir, `${name}.idx`));
    await syncDir(this.dir);
    return { name, objects: order.length, frames: this.frames.length, bytes };
  }

  /** Drops the temp files (after a failure, or for an empty pack). */
  async abort(): Promise<void> {
    this.done = true;
    await this.handle.close().catch(() => undefined);
    for (const p of [this.tempPath, this.tempPath.replace(/\.pack$/, '.idx')]) {
      await fs.unlink(p).catch(() => undefined);
    }
  }
}
