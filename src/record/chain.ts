// Reading records and walking a chain from its tip back to its first record.
import { InvalidInputError } from '../errors/index.js';
import type { ObjectStore } from '../odb/index.js';
import { parseRecordBody, type ParsedRecord } from './record.js';

export interface StoredRecord extends ParsedRecord {
  id: string;
}

export async function readRecord(store: ObjectStore, id: string): Promise<StoredRecord> {
  const obj = await store.read(id);
  if (obj.type !== 'record') {
    throw new InvalidInputError(`object ${id} is a ${obj.type}, not a record`, { id, type: obj.type });
  }
  return { id, ...parseRecordBody(obj.body, id) };
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
