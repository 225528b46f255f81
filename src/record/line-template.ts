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
import type { PutContent } from './value-codec.js';

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
    if (typeof text !== 'string') {
      parts.push(await text());
      continue;
    }
    let last = 0;
    for (const [s, e] of stringLiterals(text)) {
      // Cheap filter first: a literal of n characters decodes to at most 3n bytes.
      if ((e - s - 2) * 3 <= threshold) continue;
      const literal = text.slice(s, e);
      const decoded = JSON.parse(literal) as string;
      // The same rule as the value codec (UTF-8 bytes of the value), so that a
      // string blobbed in the normalised view is the same blob here.
      if (Buffer.byteLength(decoded, 'utf8') <= threshold && !(hasLoneSurrogate(decoded) && literal.length > threshold)) continue;
      if (s > last) parts.push(text.slice(last, s));
      if (!hasLoneSurrogate(decoded) && JSON.stringify(decoded) === literal) {
        parts.push({ $blob: await put(Buffer.from(decoded, 'utf8')) });
      } else {
        parts.push({ $blob: await put(Buffer.from(literal, 'utf8')), raw: true });
      }
      last = e;
    }
    if (last < text.length) parts.push(text.slice(last));
  }
  if (parts.length === 0) parts.push('');
  return mergeStrings(parts);
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
