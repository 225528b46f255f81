// An ObjectStore that only computes ids: `hash-object` without -w uses it so
// that large content gets the same id it would get when written.
import { NotFoundError } from '../errors/index.js';
import { objectId, type ObjectType, type TapesObject } from '../object/index.js';
import type { ObjectStore } from './object-store.js';

export class HashingStore implements ObjectStore {
  async has(): Promise<boolean> {
    return false;
  }
  async read(id: string): Promise<TapesObject> {
    throw new NotFoundError(`object ${id} not found (nothing is stored when only hashing)`, { id });
  }
  async write(type: ObjectType, body: Uint8Array): Promise<string> {
    return objectId(type, body);
  }
  async *ids(): AsyncIterable<string> {}
  async findByPrefix(): Promise<string[]> {
    return [];
  }
}
