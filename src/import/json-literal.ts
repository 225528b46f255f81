// Decodes the inside of one JSON string literal that arrives in pieces (a
// long string of a huge line, huge-line.ts), and learns as it goes what the
// value codec and the line template decide by (docs/format.md 6.1.5,
// 6.1.6): the text's UTF-8 length, whether it holds a lone surrogate, the
// length of its JSON.stringify form, and whether the literal is exactly that
// form. It never holds the text: each piece's decoded text is returned.
//
// The pieces are known to be valid (the scanner checked every escape and
// character); the decoder still refuses a bad escape, since a file read a
// second time may have changed.
import { createHash, type Hash } from 'node:crypto';
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

const SHORT_ESCAPES: Record<number, number> = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 0x08, 0x66: 0x0c, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09 };
/** The code units JSON.stringify writes as a two-character escape. */
const STRINGIFY_SHORT = new Set([0x22, 0x5c, 0x08, 0x09, 0x0a, 0x0c, 0x0d]);
const HEX4 = /^[0-9a-fA-F]{4}$/;
const NOT_JSON_WS = /[^ \t\n\r]/;

export class LiteralDecoder {
  private carry = '';
  private units = 0;
  private utf8 = 0;
  private lone = false;
  private stringified = 2;
  private canonical = true;
  private jsonStart = -1;
  private prefix = '';
  private readonly hash: Hash = createHash('sha256');
  /** An escaped high surrogate not yet known to be paired, and whether its escape was in lower case. */
  private high: { lower: boolean } | undefined;

  /** Decodes the next piece of the literal's inside (an escape may be cut between pieces); returns its text. */
  feed(raw: string): string {
    const s = this.carry === '' ? raw : this.carry + raw;
    this.carry = '';
    const out: string[] = [];
    let i = 0;
    const n = s.length;
    while (i < n) {
      const bs = s.indexOf('\\', i);
      const runEnd = bs < 0 ? n : bs;
      if (runEnd > i) {
        const run = i === 0 && runEnd === n ? s : s.slice(i, runEnd);
        this.run(run);
        out.push(run);
      }
      if (bs < 0) break;
      if (bs + 1 >= n) {
        this.carry = s.slice(bs);
        break;
      }
      const c = s.charCodeAt(bs + 1);
      if (c === 0x75) {
        if (bs + 6 > n) {
          this.carry = s.slice(bs);
          break;
        }
        const hex = s.slice(bs + 2, bs + 6);
        if (!HEX4.test(hex)) throw new BadLiteral(`bad \\u escape "\\u${hex}"`);
        const unit = parseInt(hex, 16);
        this.escaped(unit, hex === hex.toLowerCase() ? 'lower' : 'upper');
        out.push(String.fromCharCode(unit));
        i = bs + 6;
      } else {
        const unit = SHORT_ESCAPES[c];
        if (unit === undefined) throw new BadLiteral(`bad escape "\\${s[bs + 1]}"`);
        this.escaped(unit, 'short');
        out.push(String.fromCharCode(unit));
        i = bs + 2;
      }
    }
    const text = out.length === 1 ? out[0]! : out.join('');
    if (text !== '') this.hash.update(text, 'utf16le');
    return text;
  }

  /** What the whole literal was; throws when it ended inside an escape. */
  finish(): LiteralStats {
    if (this.carry !== '') throw new BadLiteral('the literal ends inside an escape');
    this.settleHigh();
    return {
      units: this.units,
      utf8: this.utf8,
      loneSurrogate: this.lone,
      stringified: this.stringified,
      canonical: this.canonical,
      digest: this.hash.digest('hex'),
      jsonStart: this.jsonStart,
      prefix: this.prefix,
    };
  }

  /** Characters as written (no quote, backslash or control character: the scanner saw to that). */
  private run(run: string): void {
    // A run never begins with a low surrogate: raw text is valid UTF-16, so an escaped high before it is lone.
    this.settleHigh();
    this.units += run.length;
    this.utf8 += Buffer.byteLength(run, 'utf8');
    this.stringified += run.length;
    this.seen(run);
  }

  private escaped(unit: number, form: 'short' | 'lower' | 'upper'): void {
    if (unit >= 0xdc00 && unit <= 0xdfff && this.high) {
      // A pair written as two escapes: JSON.stringify writes the character itself.
      this.high = undefined;
      this.units += 1;
      this.utf8 += 1; // 3 counted for the high one, 4 for the pair
      this.stringified += 2 - 6;
      this.canonical = false;
      this.seen(String.fromCharCode(unit));
      return;
    }
    this.settleHigh();
    this.units += 1;
    this.seen(String.fromCharCode(unit));
    if (unit >= 0xd800 && unit <= 0xdbff) {
      this.high = { lower: form === 'lower' };
      this.utf8 += 3;
      this.stringified += 6;
      return;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) {
      this.lone = true;
      this.utf8 += 3;
      this.stringified += 6;
      if (form !== 'lower') this.canonical = false;
      return;
    }
    this.utf8 += unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
    if (STRINGIFY_SHORT.has(unit)) {
      this.stringified += 2;
      if (form !== 'short') this.canonical = false;
    } else if (unit < 0x20) {
      this.stringified += 6;
      if (form !== 'lower') this.canonical = false;
    } else {
      // Written escaped (\/, \u0041, \u00e9 …) where JSON.stringify writes the character.
      this.stringified += 1;
      this.canonical = false;
    }
  }

  /** An escaped high surrogate followed by anything but a low one is lone. */
  private settleHigh(): void {
    if (!this.high) return;
    this.lone = true;
    if (!this.high.lower) this.canonical = false;
    this.high = undefined;
  }

  private seen(text: string): void {
    if (this.prefix.length < PREFIX_UNITS) this.prefix += text.slice(0, PREFIX_UNITS - this.prefix.length);
    if (this.jsonStart < 0) {
      const m = NOT_JSON_WS.exec(text);
      if (m) this.jsonStart = text.charCodeAt(m.index);
    }
  }
}
