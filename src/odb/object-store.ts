// The interface every reader and writer of objects goes through, so that loose
// objects and packs look the same to fsck, records and remotes; and the two
// named capabilities beyond it that the loose store also offers.
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
  /**
   * Stored ids that share the most leading digits with `id` (its neighbours
   * in sorted order, `id` itself left out), for abbreviating it without
   * listing every id under its first two digits. Optional: without it,
   * abbreviations list them (findByPrefix).
   */
  neighbours?(id: string): Promise<string[]>;
  /**
   * The most leading hex digits `id` shares with another stored id (what
   * neighbours() tells, as a number). With `memo`, a pack's count comes from
   * memo.get(packName) when it has one, and counts computed are handed to
   * memo.set: a pack never changes, so its count for an id holds for as long
   * as it exists (the log keeps them, archive/log/abbrev-memo.ts). Optional.
   */
  sharedDigits?(id: string, memo?: PackDigitsMemo): Promise<number>;
}

/** Per pack, the digits an id shares with that pack's ids (see ObjectStore.sharedDigits). */
export interface PackDigitsMemo {
  get(pack: string): number | undefined;
  set(pack: string, digits: number): void;
}

/** An object's encoded form and its id, computed once by a writer that needed the id first. */
export interface EncodedObject {
  id: string;
  bytes: Uint8Array;
}

/** What a batched writer (WriteQueue) drives: writes that say what they added. */
export interface BatchWriteTarget extends ObjectStore {
  /** Like write, with the compressed bytes added (0 if the object existed);
   * `checked`: the caller has just seen that the object is absent;
   * `encoded`: the caller has already encoded the object and computed its
   * id (from this body, in this process), so neither is done again. */
  writeReporting(type: ObjectType, body: Uint8Array, checked?: boolean, encoded?: EncodedObject): Promise<{ id: string; written: number }>;
  /** Whether the object is stored, refreshing its time so that a concurrent
   * gc's age-based prune spares it; without it, has() is asked. */
  freshen?(id: string): boolean;
}

/** Object files read whole by the caller and verified here (fsck reads each file once, bounded). */
export interface VerifyingStore {
  pathOf(id: string): string;
  /** Decompresses and checks bytes claimed to be object `id`; throws typed errors. */
  verify(id: string, compressed: Uint8Array): TapesObject;
}
