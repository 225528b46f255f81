// The strings of a huge line that are never held in memory (huge-line.ts):
// each stands in the line's parsed value as a placeholder string, which says
// what a normaliser may know of the text without reading it: a digest of
// its code units (its identity: equal texts, equal placeholders) and its
// first 400 code units.
//
// A placeholder is a string, so a normaliser's `typeof v === 'string'`
// checks, its comparisons with short constants and its copying of values
// into content and meta all behave as they would with the real text (which
// is longer than any constant they compare with, and than 64, the longest
// role kept). What a placeholder cannot answer is the text itself: a
// normaliser that would read it (a timestamp, a Codex arguments string that
// may be JSON, a concatenation) asks through `readableText`, which throws
// `NeedsWholeFile`, and the file is imported the ordinary way instead, so
// that what is stored never depends on which way a line was read.
import { createHash, randomBytes } from 'node:crypto';

/** Unguessable for this process: no string from a transcript can pass for a placeholder. */
const NONCE = randomBytes(16).toString('hex');
const MARKER = `\u0000tapes-long-text ${NONCE} `;
/** Code units of a text's beginning carried in its placeholder (Codex reads the first 400 of a tool output). */
export const PREFIX_UNITS = 400;

export interface LongTextFacts {
  /** sha256 of the text's UTF-16 code units (little-endian), hex. */
  digest: string;
  /** The text's first PREFIX_UNITS code units. */
  prefix: string;
}

// MARKER, digest, space, the prefix's length as 3 digits, space, prefix.
const HEAD = MARKER.length + 64 + 1 + 3 + 1;

export function placeholderOf(f: LongTextFacts): string {
  return `${MARKER}${f.digest} ${String(f.prefix.length).padStart(3, '0')} ${f.prefix}`;
}

/** The facts a placeholder carries; undefined for any other string. */
export function longTextFacts(s: string): LongTextFacts | undefined {
  if (s.length < HEAD || s.charCodeAt(0) !== 0 || !s.startsWith(MARKER)) return undefined;
  const prefixLength = Number(s.slice(HEAD - 4, HEAD - 1));
  if (s.length !== HEAD + prefixLength) return undefined;
  return { digest: s.slice(MARKER.length, MARKER.length + 64), prefix: s.slice(HEAD) };
}

/** Does `s` hold a placeholder (as itself, or within a longer string a normaliser put together)? */
export function holdsLongText(s: string): boolean {
  return s.includes(MARKER);
}

/**
 * A line was read with placeholders, and what the importer does next needs
 * the text of one: the file is imported again, read whole (archive/import.ts).
 */
export class NeedsWholeFile extends Error {
  constructor(why: string) {
    super(`the importer needs the text of a long string: ${why}`);
    this.name = 'NeedsWholeFile';
  }
}

/** `v` itself, for a normaliser that reads the text of a string it was given; a placeholder cannot be read. */
export function readableText<T>(v: T, why: string): T {
  if (typeof v === 'string' && holdsLongText(v)) throw new NeedsWholeFile(why);
  return v;
}

/**
 * Strings longer than this are compared by digest in `textKey`. Every
 * placeholder stands for a longer text: one of more than 1024 UTF-8 bytes
 * has more than 341 code units.
 */
const KEY_DIGEST_ABOVE = 256;

/**
 * A key for comparing strings that gives a placeholder and the real text it
 * stands for the same key (a session's state compares what one line showed
 * with what another shows, and either may have been read with placeholders).
 */
export function textKey(s: string): string {
  const facts = longTextFacts(s);
  if (facts) return `${MARKER}${facts.digest}`;
  if (s.length <= KEY_DIGEST_ABOVE) return s;
  if (holdsLongText(s)) throw new NeedsWholeFile('a string built from a long one, compared');
  return `${MARKER}${createHash('sha256').update(s, 'utf16le').digest('hex')}`;
}

/** JSON.stringify of `v` with every string keyed by `textKey` (equal values, equal keys, however they were read). */
export function valueKey(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' ? textKey(x) : x));
}
