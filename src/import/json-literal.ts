// Decodes the inside of one JSON string literal that arrives in pieces (a
// long string of a huge line, huge-line.ts), and learns as it goes what the
// value codec and the line template decide by (docs/format.md 6.1.5,
// 6.1.6): the text's UTF-8 length, whether it holds a lone surrogate, the
// length of its JSON.stringify form, and whether the literal is exactly that
// form. It never holds the text: each piece's decoded text is returned.
//
// Each piece is decoded by JSON.parse of it as a literal of its own (cut
// where no escape or surrogate pair is cut), which also checks its escapes
// and characters; what it is measured by comes from comparing it with
// JSON.stringify of its text, piece by piece.
import { createHash, type Hash } from 'node:crypto';
import { hasLoneSurrogate } from '../hash/index.js';
import { PREFIX_UNITS, type LongTextFacts } from './long-text.js';

export class BadLiteral extends Error {}

export interface LiteralStats extends LongTextFacts {
  /** Code units of the decoded text. */
  units: number;
  /** Its UTF-8 bytes as Buffer.byteLength counts them (a lone surrogate as 3). */
  utf8: number;
  loneSurrogate: boolean;
  /** Code units of JSON.stringify of the text, quotes included. */
  stringified: number;
  /** The literal is exactly JSON.stringify of its text. */
  canonical: boolean;
}

/**
 * The text of `carry` and `piece` together, split before a high surrogate
 * that ends it (it may pair with the next piece's first code unit): the text
 * to use now, and what to carry to the next piece.
 */
export function joinPieces(carry: string, piece: string): [now: string, carry: string] {
  const t = carry === '' ? piece : carry + piece;
  const last = t.charCodeAt(t.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? [t.slice(0, -1), t.slice(-1)] : [t, ''];
}

/** Where an escape that the end of `s` cuts short begins (s.length when none is). */
function cutEscapeAt(s: string): number {
  const p = s.lastIndexOf('\\');
  // An escape is at most six characters: a backslash, "u" and four hex digits.
  if (p < 0 || p < s.length - 6) return s.length;
  let k = p;
  while (k > 0 && s.charCodeAt(k - 1) === 0x5c) k--;
  // In an even run of backslashes each pair is one escape, complete.
  if ((p - k + 1) % 2 === 0) return s.length;
  if (p + 1 >= s.length) return p;
  if (s[p + 1] !== 'u') return s.length;
  return s.length - p >= 6 ? s.length : p;
}

export class LiteralDecoder {
  private carry = '';
  private units = 0;
  private utf8 = 0;
  private lone = false;
  private stringified = 2;
  private canonical = true;
  private prefix = '';
  private readonly hash: Hash = createHash('sha256');

  /** `measure`: learn the text's lengths and forms too (a decoder that only decodes, and checks the digest, is faster). */
  constructor(private readonly measure = true) {}

  /** Decodes the next piece of the literal's inside (an escape may be cut between pieces); returns its text. */
  feed(raw: string): string {
    let s = this.carry === '' ? raw : this.carry + raw;
    this.carry = '';
    const cut = cutEscapeAt(s);
    if (cut < s.length) {
      this.carry = s.slice(cut);
      s = s.slice(0, cut);
    }
    if (s === '') return '';
    let text = this.decode(s);
    // A high surrogate at the end may pair with what comes next: it waits, with what wrote it.
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      const wrote = s.charCodeAt(s.length - 1) === last ? 1 : 6;
      this.carry = s.slice(s.length - wrote) + this.carry;
      s = s.slice(0, s.length - wrote);
      text = text.slice(0, -1);
    }
    this.account(s, text);
    return text;
  }

  /** What the whole literal was; throws when it ended inside an escape. */
  finish(): LiteralStats {
    if (this.carry !== '') {
      // Only a lone high surrogate can be left, unless the literal ends inside an escape.
      const s = this.carry;
      this.carry = '';
      if (cutEscapeAt(s) < s.length) throw new BadLiteral('the literal ends inside an escape');
      this.account(s, this.decode(s));
    }
    return {
      units: this.units,
      utf8: this.utf8,
      loneSurrogate: this.lone,
      stringified: this.stringified,
      canonical: this.canonical,
      digest: this.hash.digest('hex'),
      prefix: this.prefix,
    };
  }

  private decode(s: string): string {
    try {
      return JSON.parse('"' + s + '"') as string;
    } catch (err) {
      throw new BadLiteral((err as Error).message);
    }
  }

  /** `text` is what `s` (whole escapes, no surrogate pair cut) decodes to. */
  private account(s: string, text: string): void {
    this.hash.update(text, 'utf16le');
    if (!this.measure) return;
    this.units += text.length;
    this.utf8 += Buffer.byteLength(text, 'utf8');
    if (!this.lone && hasLoneSurrogate(text)) this.lone = true;
    const written = JSON.stringify(text);
    this.stringified += written.length - 2;
    if (this.canonical && (written.length !== s.length + 2 || !written.startsWith(s, 1))) this.canonical = false;
    if (this.prefix.length < PREFIX_UNITS) this.prefix += text.slice(0, PREFIX_UNITS - this.prefix.length);
  }
}
