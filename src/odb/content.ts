// Content of any size: one blob when it fits in an object, otherwise
// content-defined chunks plus a chunk list (see object/chunk-list.ts).
import { CorruptObjectError, InvalidInputError } from '../errors/index.js';
import {
  CHUNK_LIST_MAGIC,
  chunkBoundaries,
  decodeChunkList,
  encodeChunkList,
  maxBodySize,
  startsWithChunkMagic,
  type ChunkEntry,
  type ChunkList,
} from '../object/index.js';
import type { ObjectStore } from './object-store.js';

const MAX_BLOB_BODY = maxBodySize('blob');
// Each list line is at most "l " + 64 + " " + 16 digits + LF.
const MAX_LIST_ENTRIES = Math.floor((MAX_BLOB_BODY - CHUNK_LIST_MAGIC.length - 32) / 84);

export interface StoredContent {
  id: string;
  size: number;
  chunked: boolean;
}

/** The id `writeContent` would give, without storing anything. */
export function needsChunking(bytes: Uint8Array): boolean {
  return bytes.length > MAX_BLOB_BODY || startsWithChunkMagic(bytes);
}

export async function writeContent(store: ObjectStore, bytes: Uint8Array): Promise<StoredContent> {
  if (!needsChunking(bytes)) {
    return { id: await store.write('blob', bytes), size: bytes.length, chunked: false };
  }
  const entries: ChunkEntry[] = [];
  for (const [start, end] of chunkBoundaries(bytes, MAX_BLOB_BODY)) {
    const id = await store.write('blob', bytes.subarray(start, end));
    entries.push({ kind: 'c', id, size: end - start });
  }
  return { id: await writeChunkList(store, entries, bytes.length), size: bytes.length, chunked: true };
}

/** Stores the chunk list of `entries` (nested until one list fits in an object); returns its id. */
export async function writeChunkList(store: ObjectStore, chunks: ChunkEntry[], size: number): Promise<string> {
  let entries = chunks;
  // Group into nested lists until one list fits in an object.
  while (entries.length > MAX_LIST_ENTRIES) {
    const grouped: ChunkEntry[] = [];
    for (let i = 0; i < entries.length; i += MAX_LIST_ENTRIES) {
      const part = entries.slice(i, i + MAX_LIST_ENTRIES);
      const size = part.reduce((n, e) => n + e.size, 0);
      const id = await store.write('blob', encodeChunkList({ size, entries: part }));
      grouped.push({ kind: 'l', id, size });
    }
    entries = grouped;
  }
  return store.write('blob', encodeChunkList({ size, entries }));
}

/** Parses the chunk list in blob `id`, naming the object when it is damaged. */
export async function readChunkList(store: ObjectStore, id: string): Promise<ChunkList | undefined> {
  const obj = await store.read(id);
  if (obj.type !== 'blob' || !startsWithChunkMagic(obj.body)) return undefined;
  return chunkList(id, obj.body);
}

/** The chunk list `body` of blob `id` (it starts with the magic), naming the object when it is damaged. */
function chunkList(id: string, body: Uint8Array): ChunkList {
  try {
    return decodeChunkList(body);
  } catch (err) {
    throw new CorruptObjectError(`chunk list ${id}: ${(err as InvalidInputError).message}`, {
      id,
      reason: 'badChunkList',
    });
  }
}

/** What a sink of streamContent returns to stop the stream: nothing after the piece it was given is read. */
export const STOP_STREAM: unique symbol = Symbol('stop the stream');

/** Takes one piece of content; STOP_STREAM ends the stream there. */
export type ContentSink = (piece: Uint8Array) => void | typeof STOP_STREAM | Promise<void | typeof STOP_STREAM>;

/**
 * Calls `sink` with each piece of content `id`, in order, verifying every
 * object; returns the bytes given to it (all of the content, unless the sink
 * stopped the stream).
 */
export async function streamContent(store: ObjectStore, id: string, sink: ContentSink): Promise<number> {
  const obj = await store.read(id);
  if (obj.type !== 'blob') {
    throw new InvalidInputError(`object ${id} is a ${obj.type}, not a blob`, { id, type: obj.type });
  }
  if (!startsWithChunkMagic(obj.body)) {
    await sink(obj.body);
    return obj.body.length;
  }
  return (await streamList(store, id, chunkList(id, obj.body), sink)).bytes;
}

/** A chunk list's content through `sink`: the bytes given, and whether the sink stopped the stream (then no size is checked past it). */
async function streamList(store: ObjectStore, id: string, list: ChunkList, sink: ContentSink): Promise<{ bytes: number; stopped: boolean }> {
  let total = 0;
  for (const e of list.entries) {
    let got: number;
    if (e.kind === 'l') {
      // A nested list must be one (readChunkList gives nothing for a plain blob).
      const nested = await readChunkList(store, e.id);
      if (!nested) {
        throw new CorruptObjectError(`chunk list ${id}: entry ${e.id} is not a chunk list`, { id, entry: e.id });
      }
      const inner = await streamList(store, e.id, nested, sink);
      if (inner.stopped) return { bytes: total + inner.bytes, stopped: true };
      got = inner.bytes;
    } else {
      const chunk = await store.read(e.id);
      if (chunk.type !== 'blob') {
        throw new CorruptObjectError(`chunk list ${id}: entry ${e.id} is a ${chunk.type}, not a blob`, {
          id,
          entry: e.id,
        });
      }
      got = chunk.body.length;
      if (got === e.size && (await sink(chunk.body)) === STOP_STREAM) return { bytes: total + got, stopped: true };
    }
    if (got !== e.size) {
      throw new CorruptObjectError(`chunk list ${id}: entry ${e.id} holds ${got} bytes, list says ${e.size}`, {
        id,
        entry: e.id,
      });
    }
    total += got;
  }
  return { bytes: total, stopped: false };
}

/**
 * The first `max` bytes of content `id` (all of it when shorter), reading no
 * further than needed: a reader that shows or indexes a beginning never
 * holds a 100 MB tool output to do so.
 */
export async function readContentPrefix(store: ObjectStore, id: string, max: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let got = 0;
  await streamContent(store, id, (p) => {
    const take = Math.min(p.length, max - got);
    parts.push(take === p.length ? p : p.subarray(0, take));
    got += take;
    return got >= max ? STOP_STREAM : undefined;
  });
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** The whole content of blob `id` (chunk lists expanded) in memory. */
export async function readContent(store: ObjectStore, id: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await streamContent(store, id, (p) => {
    parts.push(p);
  });
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
