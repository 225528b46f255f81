// Reading records and walking a chain from its tip back to its first record.
import { InvalidInputError } from '../errors/index.js';
import type { ObjectStore } from '../odb/index.js';
import { parseRecordHead, type RecordHead } from './record-head.js';
import { decodeUtf8, parseRecordBody, type ParsedRecord } from './record.js';

export interface StoredRecord extends ParsedRecord {
  id: string;
}

export async function readRecord(store: ObjectStore, id: string): Promise<StoredRecord> {
  return { id, ...parseRecordBody(await recordBody(store, id), id) };
}

/** A record read as readRecord reads it (verified, checked), its line template left out where that is exact (record-head.ts). */
export async function readRecordHead(store: ObjectStore, id: string): Promise<RecordHead & { id: string }> {
  const what = `record ${id}`;
  return { id, ...parseRecordHead(decodeUtf8(await recordBody(store, id), what), what) };
}

async function recordBody(store: ObjectStore, id: string): Promise<Uint8Array> {
  const obj = await store.read(id);
  if (obj.type !== 'record') {
    throw new InvalidInputError(`object ${id} is a ${obj.type}, not a record`, { id, type: obj.type });
  }
  return obj.body;
}

/** Records from `tip` back to the root, newest first. */
export async function* walkChain(store: ObjectStore, tip: string, limit = Infinity): AsyncGenerator<StoredRecord> {
  let id: string | null = tip;
  let n = 0;
  while (id !== null && n < limit) {
    const rec: StoredRecord = await readRecord(store, id);
    yield rec;
    id = rec.parent;
    n++;
  }
}
