// How a JSON value from the outside world (a transcript line, an API body) is
// stored inside a record, and read back:
// - a string longer than the threshold (UTF-8 bytes) becomes {"$blob": id},
//   the blob holding its UTF-8 bytes — the same text anywhere is one blob;
// - a string holding a lone UTF-16 surrogate (which canonical JSON cannot
//   carry) becomes {"$wtf16": "<its JSON literal, surrogates \u-escaped>"};
// - an object key starting with "$" is stored with one more "$" in front
//   ("$schema" → "$$schema"), so markers never collide with data.
import { InvalidInputError } from '../errors/index.js';
import { hasLoneSurrogate, type JsonValue } from '../hash/index.js';
import { BLOB_REF_KEY } from './record.js';

export const WTF16_KEY = '$wtf16';

function toWellFormed(s: string): string {
  const native = (String.prototype as { toWellFormed?: () => string }).toWellFormed;
  return native ? native.call(s) : s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
export const DEFAULT_BLOB_THRESHOLD = 1024;

/**
 * Stores content and returns its id (chunking as needed). `text`, when
 * there, stores a string's UTF-8 bytes and may know the string already: an
 * importer keeps a line's long strings, for the same one is often there
 * more than once (a tool's output in the message and in toolUseResult), and
 * comparing strings costs less than encoding and comparing their bytes.
 */
export type PutContent = ((bytes: Uint8Array) => Promise<string>) & { text?: (s: string) => Promise<string> };

/** Stores the UTF-8 bytes of `s` through `put`. */
export function putText(put: PutContent, s: string): Promise<string> {
  return put.text ? put.text(s) : put(Buffer.from(s, 'utf8'));
}
export type GetContent = (id: string) => Promise<Uint8Array>;

/**
 * Strings that stand for text not held in memory (the long strings of a
 * transcript line read in pieces, import/long-text.ts), and what to store
 * for each: the form the text itself would be stored in.
 */
export interface StandIns {
  /**
   * For a string that stands for such a text: whether it is stored as a
   * $wtf16 literal's blob (the text holds a lone surrogate) or as its own,
   * and `put`, which stores that blob; undefined for any other string.
   * Throws when the string cannot be stored.
   */
  storedForm(s: string): { wtf16: boolean; put: () => Promise<string> } | undefined;
  /** Throws when the key cannot be stored as it is. */
  key(k: string): void;
}

/**
 * How deep a value may nest. Transcripts nest a few levels; every reader of a
 * record (this codec, canonical JSON, the views) recurses, and a line nested
 * 20,000 deep overflowed the stack. A deeper value is refused with
 * NestingTooDeepError, and an import keeps such a line whole, unparsed.
 */
export const MAX_VALUE_DEPTH = 1000;

export class NestingTooDeepError extends InvalidInputError {
  constructor() {
    super(`nested deeper than ${MAX_VALUE_DEPTH} levels`, { max: MAX_VALUE_DEPTH });
  }
}

/** A blob reference whose blob is stored once the whole value has been walked. */
interface PendingBlob {
  ref: { [BLOB_REF_KEY]: string };
  text?: string;
  put?: () => Promise<string>;
}

/**
 * The stored form of `value`. The value is walked at once (an await at each
 * of its members was most of what encoding a record cost), and its long
 * strings are then stored in the order they were reached, as when each was
 * stored on the way: a value that fails part way (too deep, a stand-in that
 * cannot be stored) has had what came before it stored, and then throws.
 */
export async function encodeValue(value: unknown, put: PutContent, threshold = DEFAULT_BLOB_THRESHOLD, standIns?: StandIns, depth = 0): Promise<JsonValue> {
  const pending: PendingBlob[] = [];
  let out: JsonValue;
  try {
    out = encodeNow(value, threshold, standIns, depth, pending);
  } catch (err) {
    await storeBlobs(pending, put);
    throw err;
  }
  await storeBlobs(pending, put);
  return out;
}

async function storeBlobs(pending: PendingBlob[], put: PutContent): Promise<void> {
  for (const p of pending) p.ref[BLOB_REF_KEY] = p.text !== undefined ? await putText(put, p.text) : await p.put!();
}

function blobRef(pending: PendingBlob[], text: string | undefined, put?: () => Promise<string>): { [BLOB_REF_KEY]: string } {
  const ref = { [BLOB_REF_KEY]: '' };
  pending.push({ ref, text, put });
  return ref;
}

function encodeNow(value: unknown, threshold: number, standIns: StandIns | undefined, depth: number, pending: PendingBlob[]): JsonValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return value;
  if (depth > MAX_VALUE_DEPTH && typeof value === 'object') throw new NestingTooDeepError();
  if (typeof value === 'string') {
    const stand = standIns?.storedForm(value);
    if (stand) {
      const ref = blobRef(pending, undefined, stand.put);
      return stand.wtf16 ? { [WTF16_KEY]: ref } : ref;
    }
    if (hasLoneSurrogate(value)) {
      // The JSON literal writes each lone surrogate as a \\u escape, so it is valid
      // text; a long one goes to a blob like any long string.
      const literal = JSON.stringify(value);
      return { [WTF16_KEY]: literal.length > threshold ? blobRef(pending, literal) : literal };
    }
    if (value.length > threshold / 3 && Buffer.byteLength(value, 'utf8') > threshold) return blobRef(pending, value);
    return value;
  }
  if (Array.isArray(value)) {
    const out: JsonValue[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = encodeNow(value[i], threshold, standIns, depth + 1, pending);
    return out;
  }
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    const out: { [k: string]: JsonValue } = {};
    let ordered = true;
    let prev = '';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = obj[k];
      if (v === undefined) continue;
      standIns?.key(k);
      // Keys cannot hold markers; a lone surrogate in a key becomes U+FFFD here
      // (the record's source keeps the exact key).
      const key = hasLoneSurrogate(k) ? toWellFormed(k) : k;
      const stored = key.charCodeAt(0) === 0x24 /* $ */ ? '$' + key : key;
      if (i > 0 && !(prev < stored)) ordered = false;
      prev = stored;
      // Walked in the value's own order (the order blobs are stored in, and so a pack's).
      out[stored] = encodeNow(v, threshold, standIns, depth + 1, pending);
    }
    return ordered ? out : inKeyOrder(out);
  }
  throw new InvalidInputError(`cannot store a value of type ${typeof value}`, {});
}

/**
 * The object with its keys in canonical order (UTF-16 code units), so that
 * canonicalJson writes a record with one JSON.stringify (canonical-json.ts,
 * nativeForm). Adding a "$" keeps keys in order (every key that has one gets
 * one), so this sorts the value's own keys; canonical JSON is the same either
 * way, only faster to write.
 */
function inKeyOrder(obj: { [k: string]: JsonValue }): { [k: string]: JsonValue } {
  const keys = Object.keys(obj).sort();
  const out: { [k: string]: JsonValue } = {};
  for (const k of keys) out[k] = obj[k]!;
  return out;
}

/** The value as it was given to encodeValue, with blobs read back. */
export async function decodeValue(value: JsonValue, get: GetContent): Promise<unknown> {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) out.push(await decodeValue(v, get));
    return out;
  }
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === BLOB_REF_KEY && typeof value[BLOB_REF_KEY] === 'string') {
    return Buffer.from(await get(value[BLOB_REF_KEY])).toString('utf8');
  }
  if (keys.length === 1 && keys[0] === WTF16_KEY) {
    const inner = value[WTF16_KEY];
    if (typeof inner === 'string') return JSON.parse(inner) as string;
    const literal = await decodeValue(inner!, get);
    if (typeof literal === 'string') return JSON.parse(literal) as string;
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k.startsWith('$$') ? k.slice(1) : k] = await decodeValue(value[k]!, get);
  return out;
}
