// Content that arrives as a stream (a proxied body too large to hold), stored
// as it passes: the same blob or chunk list, with the same ids, that
// `writeContent` gives for the whole bytes, while holding only about two
// chunks in memory. Content-defined boundaries depend only on the bytes from
// the chunk's start up to `max` past it, so a chunk is cut as soon as that
// many bytes are buffered.
import { chunkLength, maxBodySize, type ChunkEntry } from '../object/index.js';
import { needsChunking, writeChunkList, type StoredContent } from './content.js';
import type { ObjectStore } from './object-store.js';

const MAX_BLOB_BODY = maxBodySize('blob');

export class ContentStreamWriter {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private readonly entries: ChunkEntry[] = [];
  private total = 0;
  private writing: Promise<void> = Promise.resolve();
  private ended = false;

  constructor(private readonly store: ObjectStore) {}

  /** Bytes taken so far. */
  get size(): number {
    return this.total;
  }

  /** Bytes held in memory, not yet stored. */
  get held(): number {
    return this.bufferedBytes;
  }

  /**
   * Takes the next piece. The promise settles when every chunk it completed
   * is stored; a caller that waits for it before pushing more holds at most
   * about two chunks.
   */
  push(piece: Uint8Array): Promise<void> {
    if (this.ended) throw new Error('ContentStreamWriter: push after end');
    this.buffered.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    this.bufferedBytes += piece.byteLength;
    this.total += piece.byteLength;
    if (this.bufferedBytes < 2 * MAX_BLOB_BODY) return this.writing;
    this.writing = this.writing.then(() => this.cutWhole());
    return this.writing;
  }

  /** Stores what is left and returns the content's id. */
  async end(): Promise<StoredContent> {
    this.ended = true;
    await this.writing;
    const rest = Buffer.concat(this.buffered);
    this.buffered = [];
    this.bufferedBytes = 0;
    if (this.entries.length === 0 && !needsChunking(rest)) {
      return { id: await this.store.write('blob', rest), size: rest.length, chunked: false };
    }
    let pos = 0;
    while (pos < rest.length) pos += await this.storeChunk(rest, pos, chunkLength(rest, pos, MAX_BLOB_BODY));
    return { id: await writeChunkList(this.store, this.entries, this.total), size: this.total, chunked: true };
  }

  /** Stores every chunk whose end is already decided (at least `max` bytes follow its start). */
  private async cutWhole(): Promise<void> {
    // A window of about two chunks at a time, so no more than that is ever copied.
    while (this.bufferedBytes >= 2 * MAX_BLOB_BODY) {
      let taken = 0;
      let takenBytes = 0;
      while (takenBytes < 2 * MAX_BLOB_BODY) takenBytes += this.buffered[taken++]!.length;
      const data = taken === 1 ? this.buffered[0]! : Buffer.concat(this.buffered.slice(0, taken));
      let pos = 0;
      while (data.length - pos >= MAX_BLOB_BODY) pos += await this.storeChunk(data, pos, chunkLength(data, pos, MAX_BLOB_BODY));
      // Pieces pushed while chunks were being stored stay behind these.
      const rest = data.subarray(pos);
      this.buffered = [...(rest.length ? [Buffer.from(rest)] : []), ...this.buffered.slice(taken)];
      this.bufferedBytes -= pos;
    }
  }

  private async storeChunk(data: Buffer, start: number, length: number): Promise<number> {
    const id = await this.store.write('blob', data.subarray(start, start + length));
    this.entries.push({ kind: 'c', id, size: length });
    return length;
  }
}
