// The operations behind the plumbing commands, so that commands only parse
// arguments and format results.
import { InvalidInputError, NotFoundError } from '../errors/index.js';
import { canonicalJson, type JsonValue } from '../hash/index.js';
import { HashingStore, WriteQueue, readChunkList, writeContent, type ObjectStore } from '../odb/index.js';
import { type ObjectType } from '../object/index.js';
import { decodeUtf8, parseRecordJson, readRecord, walkChain, type StoredRecord } from '../record/index.js';
import { holdsChain } from '../refs/index.js';
import type { Archive } from './archive.js';

export { WriteQueue };

export interface HashResult {
  id: string;
  type: ObjectType;
  /** Bytes of content (for a record, of its canonical JSON). */
  size: number;
  chunked: boolean;
}

/**
 * Hashes (and with a `queue`, stores) one input as a blob or a record. A
 * record is stored as canonical JSON; when written, its parent and blobs must
 * exist. Writes go through the queue so that many inputs and chunks are
 * written in parallel; the caller flushes it before reporting success.
 */
export async function hashObject(
  queue: WriteQueue | undefined,
  type: ObjectType,
  bytes: Uint8Array,
  what: string,
): Promise<HashResult> {
  const store: ObjectStore = queue ?? new HashingStore();
  const write = queue !== undefined;
  if (type === 'blob') {
    const stored = await writeContent(store, bytes);
    return { id: stored.id, type, size: stored.size, chunked: stored.chunked };
  }
  const parsed = parseRecordJson(decodeUtf8(bytes, what), what);
  const canonical = Buffer.from(canonicalJson(parsed.value), 'utf8');
  if (write) {
    await queue.flush(); // a parent written by this same call must be readable
    if (parsed.parent !== null) await expectType(store, parsed.parent, 'record', `${what}: parent`);
    for (const b of new Set(parsed.blobs)) await expectType(store, b, 'blob', `${what}: referenced blob`);
  }
  const id = await store.write('record', canonical);
  return { id, type, size: canonical.length, chunked: false };
}

async function expectType(store: ObjectStore, id: string, type: ObjectType, what: string): Promise<void> {
  if (!(await store.has(id))) throw new NotFoundError(`${what} ${id} is not in the archive`, { id });
  const obj = await store.read(id);
  if (obj.type !== type) throw new InvalidInputError(`${what} ${id} is a ${obj.type}, not a ${type}`, { id });
}

export interface ObjectInfo {
  id: string;
  type: ObjectType;
  size: number;
  /** For a chunk list: the size of the content it stands for, and its entries. */
  chunks?: { size: number; entries: Array<{ kind: 'c' | 'l'; id: string; size: number }> };
  record?: JsonValue;
}

export async function describeObject(archive: Archive, id: string): Promise<ObjectInfo> {
  const store = await archive.objects();
  const obj = await store.read(id);
  const info: ObjectInfo = { id, type: obj.type, size: obj.body.length };
  if (obj.type === 'blob') {
    const list = await readChunkList(store, id);
    if (list) info.chunks = list;
  } else {
    info.record = (await readRecord(store, id)).value;
  }
  return info;
}

/** Records of the chains ending at `tips`, newest first; a record reached twice is listed once. */
export async function* listChain(archive: Archive, tips: string[], limit = Infinity): AsyncGenerator<StoredRecord> {
  const store = await archive.objects();
  const seen = new Set<string>();
  let n = 0;
  for (const tip of tips) {
    for await (const rec of walkChain(store, tip)) {
      if (seen.has(rec.id) || n >= limit) break;
      seen.add(rec.id);
      n++;
      yield rec;
    }
  }
}

/** Checks a value a ref is about to hold: sessions hold records; tags anything. */
export async function checkRefTarget(archive: Archive, name: string, id: string): Promise<void> {
  const store = await archive.objects();
  const obj = await store.read(id);
  if ((holdsChain(name) || name === 'HEAD') && obj.type !== 'record') {
    throw new InvalidInputError(`${name} must point at a record, and ${id} is a ${obj.type}`, { name, id });
  }
}
