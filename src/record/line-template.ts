// The lossless half of an imported record: the original line as a template
// whose long string literals are replaced by references to blobs, so that a
// large tool output appears once in the archive (shared with the record's
// normalised view, which references the same blob) and the exact line can
// still be rebuilt.
//
//   template := [ part, ... ]
//   part     := "<raw JSON text, verbatim>"
//             | {"$blob": id}              — JSON.stringify(utf8(blob))
//             | {"$blob": id, "raw": true} — the blob's bytes verbatim
//
// A long literal becomes {"$blob"} only when JSON.stringify of its decoded
// value reproduces it exactly (Node and serde escape the same way); otherwise
// (e.g. Python's \u-escaped non-ASCII, or a lone surrogate) the literal's own
// text is kept as a raw blob. A line that is not valid UTF-8 is kept whole as
// one raw blob.
import { hasLoneSurrogate } from '../hash/index.js';

export type TemplatePart = string | { $blob: string; raw?: true };

/** Something that stores content and returns its id (chunking as needed). */
import { putText, type PutContent } from './value-codec.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Start and end (exclusive, past the closing quote) of every string literal in valid JSON text. */
export function stringLiterals(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const q = text.indexOf('"', i);
    if (q < 0) break;
    let j = q + 1;
    for (;;) {
      const next = text.indexOf('"', j);
      if (next < 0) return out; // not valid JSON; caller only uses parsed lines
      let backslashes = 0;
      for (let k = next - 1; k > q && text.charCodeAt(k) === 0x5c; k--) backslashes++;
      if (backslashes % 2 === 0) {
        j = next;
        break;
      }
      j = next + 1;
    }
    out.push([q, j + 1]);
    i = j + 1;
  }
  return out;
}

/** What a literal of `units` code units costs a template at the least, at any threshold: itself, or a blob reference (76 bytes). */
export function literalCostAtLeast(units: number): number {
  return Math.min(units, 76);
}

/**
 * A lower bound of the size of the line template of `text` (valid JSON), in
 * canonical JSON, at every threshold: each character outside string
 * literals is at least one byte, and each literal is either kept in the
 * text or becomes a blob reference. A line past the largest record body
 * has no record that fits (docs/format.md 6.1.8), whatever the threshold.
 */
export function templateSizeAtLeast(text: string): number {
  let n = text.length;
  for (const [s, e] of stringLiterals(text)) n -= e - s - literalCostAtLeast(e - s);
  return n;
}

/**
 * Does JSON.stringify write `literal` (a valid JSON string literal, quotes
 * included) for the value it decodes to? It does exactly when every escape is
 * one JSON.stringify writes: \" \\ \b \f \n \r \t, or \u00xx (lower-case
 * hex) for the other characters below U+0020. (A valid literal holds no raw
 * quote, backslash or control character, and a lone surrogate is checked on
 * the decoded value.) This replaces a JSON.stringify and a comparison of the
 * whole text, for every long literal of every line imported.
 */
export function isStringifyLiteral(literal: string): boolean {
  const end = literal.length - 1;
  let k = literal.indexOf('\\', 1);
  while (k >= 0 && k < end) {
    const c = literal.charCodeAt(k + 1);
    if (c === 0x22 || c === 0x5c || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) {
      k = literal.indexOf('\\', k + 2);
      continue;
    }
    if (c !== 0x75 || literal.charCodeAt(k + 2) !== 0x30 || literal.charCodeAt(k + 3) !== 0x30) return false;
    const hi = literal.charCodeAt(k + 4);
    const lo = literal.charCodeAt(k + 5);
    const loVal = lo >= 0x30 && lo <= 0x39 ? lo - 0x30 : lo >= 0x61 && lo <= 0x66 ? lo - 0x61 + 10 : -1;
    if ((hi !== 0x30 && hi !== 0x31) || loVal < 0) return false;
    const code = (hi - 0x30) * 16 + loVal;
    // These five have short forms, which JSON.stringify uses instead.
    if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) return false;
    k = literal.indexOf('\\', k + 6);
  }
  return true;
}

/**
 * Builds the template of one line of valid JSON text. Literals whose value
 * is longer than `threshold` UTF-8 bytes become blob references.
 */
export function buildTemplate(text: string, threshold: number, put: PutContent): Promise<TemplatePart[]> {
  return buildSegmentedTemplate([text], threshold, put);
}

/**
 * The same for a line given as segments (a line read in pieces,
 * import/huge-line.ts): text, each segment made of whole literals and the
 * JSON between them, and, between segments, parts made elsewhere (a long
 * literal's blob, which the line's text does not hold).
 */
export async function buildSegmentedTemplate(
  segments: ReadonlyArray<string | (() => Promise<TemplatePart>)>,
  threshold: number,
  put: PutContent,
): Promise<TemplatePart[]> {
  const parts: TemplatePart[] = [];
  for (const text of segments) {
    if (typeof text === 'string') await textParts(text, threshold, put, parts);
    else parts.push(await text());
  }
  if (parts.length === 0) parts.push('');
  return mergeStrings(parts);
}

/** The parts of `text` (whole literals and the JSON between them), added to `parts`. */
async function textParts(text: string, threshold: number, put: PutContent, parts: TemplatePart[]): Promise<void> {
  let last = 0;
  // The literals are found as stringLiterals finds them, without building the
  // list: most are short and are passed over.
  const n = text.length;
  let i = 0;
  scan: while (i < n) {
    const s = text.indexOf('"', i);
    if (s < 0) break;
    let j = s + 1;
    let escaped = false;
    for (;;) {
      const next = text.indexOf('"', j);
      if (next < 0) break scan; // not valid JSON; callers pass parsed lines
      let backslashes = 0;
      for (let k = next - 1; k > s && text.charCodeAt(k) === 0x5c; k--) backslashes++;
      if (backslashes > 0) escaped = true;
      if (backslashes % 2 === 0) {
        j = next;
        break;
      }
      j = next + 1;
    }
    const e = j + 1;
    i = e;
    // Cheap filter first: a literal of n characters decodes to at most 3n bytes.
    if ((e - s - 2) * 3 <= threshold) continue;
    const literal = text.slice(s, e);
    // A literal without a backslash is its value between the quotes
    // (`escaped` already knows of the backslashes before quotes).
    const plain = !escaped && literal.indexOf('\\') < 0;
    const decoded = plain ? literal.slice(1, -1) : (JSON.parse(literal) as string);
    const lone = hasLoneSurrogate(decoded);
    // The same rule as the value codec (UTF-8 bytes of the value), so that a
    // string blobbed in the normalised view is the same blob here.
    if (Buffer.byteLength(decoded, 'utf8') <= threshold && !(lone && literal.length > threshold)) continue;
    if (s > last) parts.push(text.slice(last, s));
    if (!lone && (plain || isStringifyLiteral(literal))) {
      parts.push({ $blob: await putText(put, decoded) });
    } else {
      parts.push({ $blob: await put(Buffer.from(literal, 'utf8')), raw: true });
    }
    last = e;
  }
  if (last < text.length) parts.push(text.slice(last));
}

function mergeStrings(parts: TemplatePart[]): TemplatePart[] {
  const out: TemplatePart[] = [];
  for (const p of parts) {
    const prev = out[out.length - 1];
    if (typeof p === 'string' && typeof prev === 'string') out[out.length - 1] = prev + p;
    else out.push(p);
  }
  return out;
}

/** Rebuilds the exact line bytes from a template. */
export async function renderTemplate(
  parts: TemplatePart[],
  get: (id: string) => Promise<Uint8Array>,
  sink: (bytes: Uint8Array) => void | Promise<void>,
): Promise<void> {
  for (const p of parts) {
    if (typeof p === 'string') {
      await sink(Buffer.from(p, 'utf8'));
    } else if (p.raw) {
      await sink(await get(p.$blob));
    } else {
      const s = Buffer.from(await get(p.$blob)).toString('utf8');
      await sink(Buffer.from(JSON.stringify(s), 'utf8'));
    }
  }
}
