// Object framing, exactly as git frames objects: `<type> SP <length> NUL <body>`.
// The id of an object is the SHA-256 of these encoded bytes.
import { CorruptObjectError, InvalidInputError, ObjectTooLargeError } from '../errors/index.js';
import { sha256Hex } from '../hash/index.js';

export const OBJECT_TYPES = ['blob', 'record'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

/** No object's encoded form (header included) may exceed this. */
export const MAX_OBJECT_SIZE = 1024 * 1024;
/** Longest header: "record " + 7 digits + NUL. */
const MAX_HEADER = 32;

export interface TapesObject {
  type: ObjectType;
  body: Uint8Array;
}

export function isObjectType(s: string): s is ObjectType {
  return (OBJECT_TYPES as readonly string[]).includes(s);
}

export function headerFor(type: ObjectType, bodyLength: number): Uint8Array {
  return Buffer.from(`${type} ${bodyLength}\0`, 'latin1');
}

/** Largest body that fits in one object of this type. */
export function maxBodySize(type: ObjectType): number {
  let n = MAX_OBJECT_SIZE - headerFor(type, MAX_OBJECT_SIZE).length;
  while (headerFor(type, n).length + n > MAX_OBJECT_SIZE) n--;
  return n;
}

export function encodeObject(type: ObjectType, body: Uint8Array): Uint8Array {
  if (!isObjectType(type)) throw new InvalidInputError(`unknown object type "${type}"`, { type });
  const header = headerFor(type, body.length);
  if (header.length + body.length > MAX_OBJECT_SIZE) {
    throw new ObjectTooLargeError(
      `a ${type} of ${body.length} bytes exceeds the ${MAX_OBJECT_SIZE}-byte object bound`,
      { type, size: body.length, max: MAX_OBJECT_SIZE },
    );
  }
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}

export function objectId(type: ObjectType, body: Uint8Array): string {
  return sha256Hex(encodeObject(type, body));
}

/** Parses encoded bytes back into type and body, checking the framing strictly. */
export function decodeObject(encoded: Uint8Array): TapesObject {
  const limit = Math.min(encoded.length, MAX_HEADER);
  let nul = -1;
  for (let i = 0; i < limit; i++) {
    if (encoded[i] === 0) {
      nul = i;
      break;
    }
  }
  if (nul < 0) throw new CorruptObjectError('object header has no NUL terminator', { reason: 'badHeader' });
  const header = Buffer.from(encoded.subarray(0, nul)).toString('latin1');
  const m = /^([a-z]+) (0|[1-9][0-9]*)$/.exec(header);
  if (!m) throw new CorruptObjectError(`object header "${printable(header)}" is malformed`, { reason: 'badHeader' });
  const type = m[1]!;
  if (!isObjectType(type)) {
    throw new CorruptObjectError(`object has unknown type "${type}"`, { reason: 'badType', type });
  }
  const declared = Number(m[2]);
  const actual = encoded.length - nul - 1;
  if (declared !== actual) {
    throw new CorruptObjectError(`object header declares ${declared} bytes but the body has ${actual}`, {
      reason: 'badLength',
      declared,
      actual,
    });
  }
  return { type, body: encoded.subarray(nul + 1) };
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
