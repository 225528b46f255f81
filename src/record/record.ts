// The record envelope: a JSON object stored as canonical JSON whose `parent`
// is the id of the previous record of its chain (or null), and whose large
// values are references to blobs, written `{"$blob": "<id>"}`. Keys starting
// with "$" are reserved for such markers (see docs/format.md).
import { InvalidInputError } from '../errors/index.js';
import { canonicalJson, isObjectId, type JsonValue } from '../hash/index.js';

export const BLOB_REF_KEY = '$blob';

export interface ParsedRecord {
  value: { [key: string]: JsonValue };
  parent: string | null;
  /** Ids of every blob the record references, in document order (may repeat). */
  blobs: string[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 strictly; names the byte offset of the first bad sequence. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    let i = 0;
    // Find the first offending offset for the message.
    for (let lo = 0, hi = bytes.length; lo < hi; ) {
      const mid = (lo + hi) >> 1;
      try {
        utf8.decode(bytes.subarray(0, mid));
        lo = mid + 1;
        i = mid;
      } catch {
        hi = mid;
      }
    }
    throw new InvalidInputError(`${what} is not valid UTF-8 (near byte ${i})`, { offset: i });
  }
}

/** Parses and validates record JSON (from a body or from user input). */
export function parseRecordJson(text: string, what = 'record'): ParsedRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`${what} is not JSON: ${(err as Error).message}`, {});
  }
  return checkRecordValue(value, what);
}

export function checkRecordValue(value: unknown, what = 'record'): ParsedRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidInputError(`${what} must be a JSON object`, {});
  }
  const obj = value as { [key: string]: JsonValue };
  if (!('parent' in obj)) throw new InvalidInputError(`${what} has no "parent" field (use null for the first record)`, {});
  const parent = obj.parent;
  if (parent !== null && (typeof parent !== 'string' || !isObjectId(parent))) {
    throw new InvalidInputError(`${what}: "parent" must be null or a 64-hex object id`, {});
  }
  const blobs: string[] = [];
  collectBlobRefs(obj, [], blobs, what);
  return { value: obj, parent, blobs };
}

/**
 * The blob ids a record refers to, in document order. `path` is a stack of
 * the keys leading to `v` (pushed and popped: this walks every value of every
 * record read), joined only to name a bad reference.
 */
function collectBlobRefs(v: JsonValue, path: string[], out: string[], what: string): void {
  if (v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (x === null || typeof x !== 'object') continue;
      path.push(String(i));
      collectBlobRefs(x, path, out, what);
      path.pop();
    }
    return;
  }
  if (BLOB_REF_KEY in v) {
    const id = v[BLOB_REF_KEY];
    if (typeof id !== 'string' || !isObjectId(id)) {
      const at = path.length ? `/${path.join('/')}` : '/';
      throw new InvalidInputError(`${what}: "${BLOB_REF_KEY}" at ${at} must be a 64-hex object id`, { pointer: at });
    }
    out.push(id);
  }
  for (const k of Object.keys(v)) {
    if (k === BLOB_REF_KEY) continue;
    const x = v[k]!;
    if (x === null || typeof x !== 'object') continue;
    path.push(k);
    collectBlobRefs(x, path, out, what);
    path.pop();
  }
}

/** Parses a stored record body; callers that must know whether it is canonical
 * compare it with `canonicalRecordBytes` of the parsed value. */
export function parseRecordBody(body: Uint8Array, id?: string): ParsedRecord {
  const what = id ? `record ${id}` : 'record';
  return parseRecordJson(decodeUtf8(body, what), what);
}

/** The canonical bytes a record value is stored as. */
export function canonicalRecordBytes(value: unknown): Uint8Array {
  checkRecordValue(value);
  return Buffer.from(canonicalJson(value), 'utf8');
}

/** True when every object's keys, in the order the value holds them, are sorted as canonical JSON sorts them. */
function keysSorted(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (Array.isArray(v)) {
    for (const x of v) if (!keysSorted(x)) return false;
    return true;
  }
  const obj = v as Record<string, unknown>;
  let prev: string | undefined;
  for (const k of Object.keys(obj)) {
    if (prev !== undefined && !(prev < k)) return false;
    prev = k;
    if (!keysSorted(obj[k])) return false;
  }
  return true;
}

/**
 * isCanonicalRecordBody for a body already decoded with decodeUtf8: the
 * strings are compared instead of their bytes. A strict decoding (no
 * replacement, no BOM dropped) is one-to-one, so the body is the canonical
 * bytes exactly when its text is the canonical text; fsck, which decodes
 * every record anyway, saves encoding each one back.
 */
export function isCanonicalRecordText(text: string, parsed: ParsedRecord): boolean {
  const quick = JSON.stringify(parsed.value);
  if ((!quick.includes('\\ud') || !/\\ud[89a-f]/.test(quick)) && keysSorted(parsed.value)) return quick === text;
  try {
    return canonicalJson(parsed.value) === text;
  } catch {
    return false;
  }
}

export function isCanonicalRecordBody(body: Uint8Array, parsed: ParsedRecord): boolean {
  // JSON.stringify writes numbers, strings and literals as canonical JSON
  // does; where the keys are already in order and no lone surrogate is
  // escaped (canonical JSON refuses those), its output is the canonical form,
  // several times faster to make (fsck checks every record).
  const quick = JSON.stringify(parsed.value);
  if ((!quick.includes('\\ud') || !/\\ud[89a-f]/.test(quick)) && keysSorted(parsed.value)) return Buffer.from(quick, 'utf8').equals(Buffer.from(body));
  let canonical: string;
  try {
    canonical = canonicalJson(parsed.value);
  } catch {
    return false;
  }
  return Buffer.from(canonical, 'utf8').equals(Buffer.from(body));
}
