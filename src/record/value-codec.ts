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

export type PutContent = (bytes: Uint8Array) => Promise<string>;
export type GetContent = (id: string) => Promise<Uint8Array>;

/**
 * Strings that stand for text not held in memory (the long strings of a
 * transcript line read in pieces, import/long-text.ts), and what to store
 * for each: the form the text itself would be stored in.
 */
export interface StandIns {
  /** The stored form of `s` when it stands for such a text; undefined for any other string. */
  encode(s: string): Promise<JsonValue> | undefined;
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

export async function encodeValue(value: unknown, put: PutContent, threshold = DEFAULT_BLOB_THRESHOLD, standIns?: StandIns, depth = 0): Promise<JsonValue> {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return value;
  if (depth > MAX_VALUE_DEPTH && typeof value === 'object') throw new NestingTooDeepError();
  if (typeof value === 'string') {
    const stored = standIns?.encode(value);
    if (stored) return stored;
    if (hasLoneSurrogate(value)) {
      // The JSON literal writes each lone surrogate as a \\u escape, so it is valid
      // text; a long one goes to a blob like any long string.
      const literal = JSON.stringify(value);
      return { [WTF16_KEY]: literal.length > threshold ? { [BLOB_REF_KEY]: await put(Buffer.from(literal, 'utf8')) } : literal };
    }
    if (value.length > threshold / 3 && Buffer.byteLength(value, 'utf8') > threshold) {
      return { [BLOB_REF_KEY]: await put(Buffer.from(value, 'utf8')) };
    }
    return value;
  }
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (const v of value) out.push(await encodeValue(v, put, threshold, standIns, depth + 1));
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
      // Values are stored in the value's own order (the order blobs are put in, and so a pack's).
      out[stored] = await encodeValue(v, put, threshold, standIns, depth + 1);
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
