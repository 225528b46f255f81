// Object ids: lowercase hex SHA-256 of an object's encoded bytes.
import { hash } from 'node:crypto';

export const ID_HEX_LENGTH = 64;
export const MIN_PREFIX_LENGTH = 4;
export const ZERO_ID = '0'.repeat(ID_HEX_LENGTH);

const ID_RE = /^[0-9a-f]{64}$/;
const PREFIX_RE = /^[0-9a-f]{4,64}$/;

export function sha256Hex(bytes: Uint8Array): string {
  // The one-shot form (Node 20.12+): no Hash object per call, a third less
  // time for the object-sized inputs an import hashes by the hundred thousand.
  return hash('sha256', bytes, 'hex');
}

export function isObjectId(s: string): boolean {
  // The length first: most strings asked about (every string of a record a scan walks) are not 64 long.
  return s.length === ID_HEX_LENGTH && ID_RE.test(s);
}

/** A string that could name an object by unique prefix (4 to 64 lowercase hex). */
export function isIdPrefix(s: string): boolean {
  return PREFIX_RE.test(s);
}

export function shortId(id: string, length = 12): string {
  return id.slice(0, length);
}
