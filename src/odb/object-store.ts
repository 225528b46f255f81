// The interface every reader and writer of objects goes through, so that loose
// objects and (later) packs look the same to fsck, records and remotes.
import type { ObjectType, TapesObject } from '../object/index.js';

export interface ObjectStore {
  /** True when the object is stored (its content is not checked). */
  has(id: string): Promise<boolean>;
  /** Reads, decompresses and verifies an object; throws NotFoundError,
   * HashMismatchError or CorruptObjectError, never returns unverified data. */
  read(id: string): Promise<TapesObject>;
  /** Stores an object and returns its id; storing an existing object is a no-op. */
  write(type: ObjectType, body: Uint8Array): Promise<string>;
  /** Every stored object id, in no particular order. */
  ids(): AsyncIterable<string>;
  /** Ids that start with a hex prefix (at least 2 characters). */
  findByPrefix(prefix: string): Promise<string[]>;
}
