// Canonical JSON per RFC 8785 (JCS): keys sorted by UTF-16 code units, no
// insignificant whitespace, ECMAScript shortest number form, UTF-8 output.
// Records are stored only in this form, so the same record hashes the same on
// every machine. Lone surrogates cannot be written as I-JSON, so they are
// refused here with the path to the value; the record layer decides how to
// keep such strings (see docs/format.md).
import { InvalidInputError } from '../errors/index.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const wellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;

export function hasLoneSurrogate(s: string): boolean {
  // isWellFormed (native since V8 11.2) is many times faster than the regex,
  // and this runs on every string of every record.
  return wellFormed ? !wellFormed.call(s) : LONE_SURROGATE.test(s);
}

function pointer(path: (string | number)[]): string {
  if (path.length === 0) return '/';
  return path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

function serialiseString(s: string, path: (string | number)[]): string {
  if (hasLoneSurrogate(s)) {
    throw new InvalidInputError(`string at ${pointer(path)} holds a lone UTF-16 surrogate, which canonical JSON cannot represent`, {
      pointer: pointer(path),
    });
  }
  return JSON.stringify(s);
}

/**
 * Appends the canonical form of `value` to `out`. `path` is where `value`
 * sits, kept as one stack (pushed and popped, never copied: this runs on
 * every value of every record), read only to name a value that is refused.
 */
function serialise(value: unknown, path: (string | number)[], out: string[]): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new InvalidInputError(`number at ${pointer(path)} is not finite`, { pointer: pointer(path) });
      }
      // JSON.stringify of a finite number is ECMAScript's Number::toString,
      // which is exactly JCS's number form (and prints -0 as 0).
      out.push(JSON.stringify(value));
      return;
    case 'string':
      out.push(serialiseString(value, path));
      return;
    case 'object': {
      if (Array.isArray(value)) {
        out.push('[');
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out.push(',');
          path.push(i);
          serialise(value[i], path, out);
          path.pop();
        }
        out.push(']');
        return;
      }
      const obj = value as Record<string, unknown>;
      // Default sort compares UTF-16 code units, which is what JCS asks for.
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      out.push('{');
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        if (i > 0) out.push(',');
        path.push(k);
        out.push(serialiseString(k, path));
        out.push(':');
        serialise(obj[k], path, out);
        path.pop();
      }
      out.push('}');
      return;
    }
    default:
      throw new InvalidInputError(`value at ${pointer(path)} has type ${typeof value}, which JSON cannot hold`, {
        pointer: pointer(path),
      });
  }
}

/**
 * How deep `nativeForm` looks before it leaves a value to `serialise` (which
 * then fails, or not, as it always did: a record nests at most 1000 levels).
 */
const NATIVE_DEPTH = 64;

/**
 * Is JSON.stringify's text of `value` its canonical JSON? It is when every
 * object is a plain one whose keys it enumerates in canonical order (the
 * order JSON.stringify writes them in: array-index keys first, in numeric
 * order, then the others as they were added), every array a plain one with
 * no hole, every number finite and every string well formed: JSON.stringify
 * then writes numbers by Number::toString and strings with the escapes
 * serialise uses (it calls JSON.stringify on each). Anything else (a value
 * to refuse, one JSON.stringify would write differently, keys out of order)
 * is left to `serialise`. The value codec adds keys in order, so a record
 * body is written by one native call instead of a walk that pushes every
 * piece.
 */
function nativeForm(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
      return !hasLoneSurrogate(value);
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    case 'object': {
      if (value === null) return true;
      if (depth >= NATIVE_DEPTH) return false;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) if (!nativeForm(value[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      const obj = value as Record<string, unknown>;
      let prev = '';
      let first = true;
      for (const k in obj) {
        // Own keys, in Object.keys order (a plain object's prototype has no enumerable ones).
        if ((!first && !(prev < k)) || hasLoneSurrogate(k)) return false;
        const v = obj[k];
        if (v !== undefined && !nativeForm(v, depth + 1)) return false;
        prev = k;
        first = false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** Does canonicalJson write `value` with one JSON.stringify? (Tests check that records are written so.) */
export function stringifiesCanonically(value: unknown): boolean {
  return nativeForm(value, 0);
}

/** The canonical JSON text of a value. */
export function canonicalJson(value: unknown): string {
  if (nativeForm(value, 0)) return JSON.stringify(value);
  const out: string[] = [];
  serialise(value, [], out);
  return out.join('');
}

/**
 * Canonical JSON indented for people: the same key order and number and string
 * forms as canonicalJson, with two-space indentation (JSON.stringify would put
 * integer-like keys first).
 */
export function prettyCanonicalJson(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return canonicalJson(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return '[\n' + value.map((v) => inner + prettyCanonicalJson(v, inner)).join(',\n') + '\n' + indent + ']';
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  if (keys.length === 0) return '{}';
  return '{\n' + keys.map((k) => `${inner}${canonicalJson(k)}: ${prettyCanonicalJson(obj[k], inner)}`).join(',\n') + '\n' + indent + '}';
}

/** The canonical JSON of a value as UTF-8 bytes. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return Buffer.from(canonicalJson(value), 'utf8');
}
