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

/** The canonical JSON text of a value. */
export function canonicalJson(value: unknown): string {
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
