// A JSON reader for one line that arrives in pieces and may be far larger
// than memory should hold (huge-line.ts). It checks the whole grammar as
// JSON.parse does, and splits the line into what is held — its structure
// and its shorter strings, as text — and its long string values, which are
// only decoded and measured as they pass (json-literal.ts) and stand in the
// held text as placeholders (long-text.ts). JSON.parse of the held text
// then gives the line's value with exactly JSON.parse's meaning (numbers,
// duplicate keys, key order, "__proto__"), each long string a placeholder.
//
// Nothing here recurses: nesting is a bit per level, so a line of a million
// "[" is read in a few hundred kilobytes (and then found to be too much
// structure to hold, below).
import { BadLiteral, joinPieces, LiteralDecoder, type LiteralStats } from './json-literal.js';
import { literalCostAtLeast } from '../record/index.js';
import { placeholderOf } from './long-text.js';

export interface ScanLimits {
  /**
   * String values (never keys) whose literal is longer than this, in code
   * units with its quotes, are not held. Whatever the setting, only a string
   * of more than 1024 UTF-8 bytes is ever one (whose record is the same at
   * every blob threshold the importer tries, docs/format.md 6.1.8).
   */
  longTextAbove: number;
  /** Code units of held text (structure and shorter strings) past which the line is not read this way. */
  heldAbove: number;
  /** Hold only what this projection keeps (the rest as stubs of its type); long strings are then never decoded unless kept. */
  project?: Projection;
}

/**
 * What of a value to hold, for a line whose record keeps only its kind,
 * role and time (huge-line.ts): a `value` as it is (an object or array as
 * an empty one); a `stub`, a value of the same type ("", 0, {}, [] — true,
 * false and null as they are); `members` of an object, each projected so
 * (the others stubbed, their keys kept), any other value stubbed; `blocks`,
 * each element of an array (or an object itself) projected by `block`.
 */
export type Projection =
  | { kind: 'value' }
  | { kind: 'stub' }
  | { kind: 'members'; members: Record<string, Projection> }
  | { kind: 'blocks'; block: Projection };

const STUB: Projection = { kind: 'stub' };

/** A long string value of the line: where its literal is (byte offsets in the line, quotes included) and what it holds. */
export interface LongLiteral {
  start: number;
  end: number;
  stats: LiteralStats;
  placeholder: string;
}

/** The line in order: held text, and long literals between. */
export type LineSegment = string | LongLiteral;

export type ScanResult =
  /** `templateAtLeast`: a lower bound of its line template's size at any threshold (record/line-template.ts). */
  | { kind: 'value'; value: unknown; segments: LineSegment[]; templateAtLeast: number }
  | { kind: 'not-json'; detail: string }
  /** Valid JSON whose held text passed `heldAbove`. */
  | { kind: 'too-much-structure'; templateAtLeast: number };

/** Can a text that begins with `prefix` be JSON? (false: JSON.parse of it surely fails) */
export function mayBeJson(prefix: string): boolean {
  const s = new JsonLineScanner({ longTextAbove: Infinity, heldAbove: Infinity });
  s.push(prefix);
  return !s.failed;
}

/** Past this, a literal's text is surely long (a literal of n code units decodes to at least n/6, so to more than 1024 UTF-8 bytes). */
const SURELY_LONG = 6 * 1024 + 2;

const enum St {
  Value,
  ValueOrClose,
  KeyOrClose,
  Key,
  Colon,
  Comma,
  Str,
  Num,
  Word,
  Done,
  Failed,
}

const STRING_SPECIAL = /["\\\x00-\x1f]/g;
const HEX = /^[0-9a-fA-F]$/;
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/** A stack of object/array levels, one bit each. */
class LevelStack {
  private bits = new Uint8Array(64);
  depth = 0;
  push(isArray: boolean): void {
    if (this.depth >> 3 >= this.bits.length) {
      const grown = new Uint8Array(this.bits.length * 2);
      grown.set(this.bits);
      this.bits = grown;
    }
    const byte = this.depth >> 3;
    const bit = 1 << (this.depth & 7);
    this.bits[byte] = isArray ? this.bits[byte]! | bit : this.bits[byte]! & ~bit;
    this.depth++;
  }
  topIsArray(): boolean {
    const d = this.depth - 1;
    return (this.bits[d >> 3]! & (1 << (d & 7))) !== 0;
  }
  pop(): void {
    this.depth--;
  }
}

interface OpenLiteral {
  isKey: boolean;
  /** Byte offset of its opening quote in the line. */
  start: number;
  /** Code units of its inside so far. */
  units: number;
  /** Its inside, while it may still be held. */
  pieces: string[];
  /** Set once it is surely long: its inside goes here and is not held. */
  decoder?: LiteralDecoder;
  /** An escape cut by the end of a piece: what of it was seen ("\\", "\\u", "\\u1" …). */
  escape: string;
  /** Passed over, not held (a projection stubs it, or it is inside a stubbed container). */
  quiet?: boolean;
}

export class JsonLineScanner {
  private state: St = St.Value;
  private readonly levels = new LevelStack();
  private failure: string | undefined;
  /** Held text since the last long literal. */
  private held: string[] = [];
  private heldUnits = 0;
  private tooMuch = false;
  private readonly segments: LineSegment[] = [];
  private lit: OpenLiteral | undefined;
  private numState = 0;
  private word = '';
  private wordAt = 0;
  /** Code units and bytes of the line before the current piece. */
  private unitBase = 0;
  private byteBase = 0;
  // Byte offset of a position in the current piece, found incrementally.
  private piece = '';
  private ascii = true;
  private lastIndex = 0;
  private lastByte = 0;
  /** A high surrogate that ended the last piece. */
  private highCarry = '';
  /** What the line's literals are shorter in a template, at the most, than in the line (templateSizeAtLeast). */
  private literalSaving = 0;
  /** Where held text of the current piece starts. */
  private copyFrom = 0;
  // With a projection: the projection of each open container (by depth), the
  // current member's key, and the stubbed value being passed over (a
  // container's depth, a number, or the open literal's `quiet`).
  private readonly specs: Projection[] = [];
  private key = '';
  private quietDepth = -1;
  private quietNumber = false;

  constructor(private readonly limits: ScanLimits) {}

  /** Reads the next piece of the line's text. */
  push(text: string): void {
    if (this.state === St.Failed) return;
    // A surrogate pair cut between pieces is read whole (its UTF-8 length is that of the pair).
    const [t, carry] = joinPieces(this.highCarry, text);
    this.highCarry = carry;
    this.scan(t);
  }

  private scan(t: string): void {
    this.piece = t;
    const bytes = Buffer.byteLength(t, 'utf8');
    this.ascii = bytes === t.length;
    this.lastIndex = 0;
    this.lastByte = this.byteBase;
    this.copyFrom = 0;
    let i = 0;
    const n = t.length;
    while (i < n && (this.state as St) !== St.Failed) {
      switch (this.state) {
        case St.Str: {
          const lit = this.lit!;
          if (lit.decoder) {
            // A long literal's decoder checks its escapes: only its closing quote is looked for here.
            i = this.longInside(t, i);
            if ((this.state as St) !== St.Str) this.copyFrom = i;
            break;
          }
          const from = i;
          if (lit.escape !== '') {
            i = this.finishEscape(t, i);
            if (i < 0) break;
          }
          for (;;) {
            STRING_SPECIAL.lastIndex = i;
            const m = STRING_SPECIAL.exec(t);
            if (!m) {
              this.inside(t, from, n);
              i = n;
              break;
            }
            const j = m.index;
            const c = t.charCodeAt(j);
            if (c === 0x22) {
              this.inside(t, from, j);
              this.closeLiteral(this.byteAt(j + 1));
              i = j + 1;
              this.copyFrom = i;
              break;
            }
            if (c !== 0x5c) {
              this.fail(`Bad control character in string literal in JSON at position ${this.unitBase + j}`);
              break;
            }
            const k = j + 1 < n ? this.simpleEscape(t, j) : -1;
            if (k === -2) break;
            if (k >= 0) {
              i = k;
              continue;
            }
            // The escape goes on in the next piece.
            lit.escape = t.slice(j);
            this.inside(t, from, n);
            i = n;
            break;
          }
          break;
        }
        case St.Num:
          i = this.number(t, i);
          break;
        case St.Word: {
          const c = t[i]!;
          if (c !== this.word[this.wordAt]) {
            this.fail(`Unexpected token '${c}' in JSON at position ${this.unitBase + i}`);
            break;
          }
          i++;
          if (++this.wordAt === this.word.length) this.valueDone();
          break;
        }
        default: {
          const c = t.charCodeAt(i);
          if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
            i++;
            break;
          }
          if (c === 0x22) {
            if (this.state === St.Value || this.state === St.ValueOrClose || this.state === St.KeyOrClose || this.state === St.Key) {
              const isKey = this.state === St.KeyOrClose || this.state === St.Key;
              this.hold(t, this.copyFrom, i);
              const quiet = this.quietDepth >= 0 || (!isKey && this.stubbed(this.valueSpec(), '""'));
              this.lit = { isKey, start: this.byteAt(i), units: 0, pieces: [], escape: '', quiet };
              this.state = St.Str;
              i++;
              this.copyFrom = i;
              break;
            }
          }
          this.structure(t, i);
          i++;
        }
      }
    }
    if (this.state === St.Str) this.copyFrom = n;
    if ((this.state as St) !== St.Failed) this.hold(t, this.copyFrom, n);
    this.unitBase += n;
    this.byteBase += bytes;
  }

  /** Has what was read so far stopped being the beginning of a JSON text? */
  get failed(): boolean {
    return this.state === St.Failed;
  }

  /** The line's value (long strings as placeholders), why it is not JSON, or that it holds too much structure. */
  end(): ScanResult {
    if (this.highCarry !== '') {
      const c = this.highCarry;
      this.highCarry = '';
      if (this.state !== St.Failed) this.scan(c);
    }
    if (this.state === St.Num) {
      if (this.numState === 1 || this.numState === 2 || this.numState === 4 || this.numState === 7) this.valueDone();
      else this.fail('Unexpected end of JSON input');
    }
    if (this.state === St.Str) this.fail(`Unterminated string in JSON at position ${this.unitBase}`);
    else if (this.state !== St.Done && this.state !== St.Failed) this.fail('Unexpected end of JSON input');
    if (this.failure !== undefined) return { kind: 'not-json', detail: this.failure };
    if (this.tooMuch) return { kind: 'too-much-structure', templateAtLeast: this.unitBase - this.literalSaving };
    this.flushHeld();
    const text = this.segments.map((s) => (typeof s === 'string' ? s : JSON.stringify(s.placeholder))).join('');
    return { kind: 'value', value: JSON.parse(text) as unknown, segments: this.segments, templateAtLeast: this.unitBase - this.literalSaving };
  }

  private fail(detail: string): void {
    this.failure ??= detail;
    this.state = St.Failed;
    this.held = [];
    this.lit = undefined;
  }

  private hold(t: string, from: number, to: number): void {
    if (to <= from || this.tooMuch || this.quietDepth >= 0 || this.quietNumber) return;
    this.count(to - from);
    if (!this.tooMuch) this.held.push(from === 0 && to === t.length ? t : t.slice(from, to));
  }

  private flushHeld(): void {
    this.segments.push(this.held.length === 1 ? this.held[0]! : this.held.join(''));
    this.held = [];
  }

  /** Byte offset in the line of position `i` of the current piece (asked in increasing order). */
  private byteAt(i: number): number {
    if (this.ascii) return this.byteBase + i;
    if (i < this.lastIndex) {
      this.lastIndex = 0;
      this.lastByte = this.byteBase;
    }
    this.lastByte += Buffer.byteLength(this.piece.slice(this.lastIndex, i), 'utf8');
    this.lastIndex = i;
    return this.lastByte;
  }

  /** A long literal's inside from t[i], up to its closing quote (the index after it) or the piece's end. */
  private longInside(t: string, i: number): number {
    const lit = this.lit!;
    const n = t.length;
    // Whether an odd run of backslashes ended the last piece (so t[i] is escaped).
    let odd = lit.escape === '\\';
    lit.escape = '';
    for (let j = i; ; ) {
      const q = t.indexOf('"', j);
      const end = q < 0 ? n : q;
      let k = end;
      while (k > i && t.charCodeAt(k - 1) === 0x5c) k--;
      const run = end - k + (k === i && odd ? 1 : 0);
      if (q < 0) {
        this.inside(t, i, n);
        if (run % 2 === 1) lit.escape = '\\';
        return n;
      }
      if (run % 2 === 0) {
        this.inside(t, i, q);
        if ((this.state as St) === St.Failed) return n;
        this.closeLiteral(this.byteAt(q + 1));
        return q + 1;
      }
      j = q + 1;
      if (k === i) odd = false;
    }
  }

  /** A literal's inside, t[from, to). */
  private inside(t: string, from: number, to: number): void {
    if (to <= from) return;
    const lit = this.lit!;
    lit.units += to - from;
    // Past the held text's bound the line will not be read this way: it is only checked from here on.
    if (this.tooMuch || lit.quiet) return;
    const text = from === 0 && to === t.length ? t : t.slice(from, to);
    if (lit.decoder) {
      this.feed(lit.decoder, text);
      return;
    }
    lit.pieces.push(text);
    // A key is held; a value only once it is known not to be long (a value holds at most SURELY_LONG meanwhile).
    if (lit.isKey) this.count(to - from);
    else if (lit.units + 2 > Math.max(this.limits.longTextAbove, SURELY_LONG)) {
      // Surely long: from here on it is decoded and measured, not held.
      lit.decoder = new LiteralDecoder();
      this.feed(lit.decoder, lit.pieces.join(''));
      lit.pieces = [];
    }
  }

  private feed(d: LiteralDecoder, text: string): void {
    try {
      d.feed(text);
    } catch (err) {
      if (!(err instanceof BadLiteral)) throw err;
      this.fail(`Bad string in JSON (${err.message})`);
    }
  }

  private closeLiteral(end: number): void {
    const lit = this.lit!;
    this.lit = undefined;
    this.valueOrKeyDone(lit.isKey);
    this.literalSaving += lit.units + 2 - literalCostAtLeast(lit.units + 2);
    if (this.tooMuch || lit.quiet) return;
    // A member's key, for its projection (keys are held, so short).
    if (lit.isKey && this.project) this.key = JSON.parse(`"${lit.pieces.join('')}"`) as string;
    let stats: LiteralStats | undefined;
    if (lit.decoder) {
      try {
        stats = lit.decoder.finish();
      } catch (err) {
        if (!(err instanceof BadLiteral)) throw err;
        this.fail(`Bad string in JSON (${err.message})`);
        return;
      }
    } else if (!lit.isKey && lit.units + 2 > this.limits.longTextAbove) {
      // Between the setting and SURELY_LONG: long only if its text is (and so blobbed at every threshold).
      const d = new LiteralDecoder();
      d.feed(lit.pieces.length === 1 ? lit.pieces[0]! : lit.pieces.join(''));
      const s = d.finish();
      if (s.utf8 > 1024 && (!s.loneSurrogate || s.stringified > 1024)) stats = s;
    }
    if (stats) {
      this.flushHeld();
      this.segments.push({ start: lit.start, end, stats, placeholder: placeholderOf(stats) });
      return;
    }
    this.held.push('"', ...lit.pieces, '"');
    this.count(lit.isKey ? 2 : lit.units + 2);
  }

  /** Counts held code units; past the bound, nothing more is held. */
  private count(units: number): void {
    this.heldUnits += units;
    if (this.heldUnits > this.limits.heldAbove) {
      this.tooMuch = true;
      this.held = [];
      if (this.lit) this.lit.pieces = [];
    }
  }

  /** The escape at t[j] when it is whole in this piece: the index after it; -1 when cut by the piece's end; -2 when bad. */
  private simpleEscape(t: string, j: number): number {
    const c = t[j + 1]!;
    if (SIMPLE_ESCAPES.has(c)) return j + 2;
    if (c !== 'u') {
      this.fail(`Bad escaped character in JSON at position ${this.unitBase + j + 1}`);
      return -2;
    }
    for (let k = 2; k < 6; k++) {
      if (j + k >= t.length) return -1;
      if (!HEX.test(t[j + k]!)) {
        this.fail(`Bad Unicode escape in JSON at position ${this.unitBase + j + k}`);
        return -2;
      }
    }
    return j + 6;
  }

  /** Completes an escape cut by the last piece; the index after it, or -1 (failed, or still cut). */
  private finishEscape(t: string, i: number): number {
    const lit = this.lit!;
    while (i < t.length) {
      const e = lit.escape + t[i];
      if (e.length === 2) {
        if (SIMPLE_ESCAPES.has(e[1]!)) {
          lit.escape = '';
          return i + 1;
        }
        if (e[1] !== 'u') {
          this.fail(`Bad escaped character in JSON at position ${this.unitBase + i}`);
          return -1;
        }
      } else if (!HEX.test(t[i]!)) {
        this.fail(`Bad Unicode escape in JSON at position ${this.unitBase + i}`);
        return -1;
      }
      lit.escape = e;
      i++;
      if (e.length === 6) {
        lit.escape = '';
        return i;
      }
    }
    return i;
  }

  private valueOrKeyDone(isKey: boolean): void {
    if (isKey) this.state = St.Colon;
    else this.valueDone();
  }

  private valueDone(): void {
    this.state = this.levels.depth === 0 ? St.Done : St.Comma;
  }

  /** A character other than whitespace or a quote, outside strings, numbers and words. */
  private structure(t: string, i: number): void {
    const c = t[i]!;
    const at = this.unitBase + i;
    switch (this.state) {
      case St.Value:
      case St.ValueOrClose:
        if (c === ']' && this.state === St.ValueOrClose) {
          this.close(i);
        } else if (c === '{' || c === '[') {
          this.open(t, i, c === '[');
        } else if (c === '-' || (c >= '0' && c <= '9')) {
          if (this.quietDepth < 0 && this.stubbed(this.valueSpec(), '0', t, i)) this.quietNumber = true;
          this.state = St.Num;
          this.numState = c === '-' ? 0 : c === '0' ? 1 : 2;
        } else if (c === 't' || c === 'f' || c === 'n') {
          this.state = St.Word;
          this.word = c === 't' ? 'true' : c === 'f' ? 'false' : 'null';
          this.wordAt = 1;
        } else {
          this.fail(`Unexpected token '${c}' in JSON at position ${at}`);
        }
        return;
      case St.KeyOrClose:
        if (c === '}') this.close(i);
        else this.fail(`Expected property name or '}' in JSON at position ${at}`);
        return;
      case St.Key:
        this.fail(`Expected double-quoted property name in JSON at position ${at}`);
        return;
      case St.Colon:
        if (c === ':') this.state = St.Value;
        else this.fail(`Expected ':' after property name in JSON at position ${at}`);
        return;
      case St.Comma: {
        const inArray = this.levels.topIsArray();
        if (c === ',') this.state = inArray ? St.Value : St.Key;
        else if (c === (inArray ? ']' : '}')) this.close(i);
        else this.fail(`Expected ',' or '${inArray ? ']' : '}'}' after ${inArray ? 'array element' : 'property value'} in JSON at position ${at}`);
        return;
      }
      default:
        this.fail(`Unexpected non-whitespace character after JSON at position ${at}`);
    }
  }

  /** The projection of the value that starts now. */
  private valueSpec(): Projection {
    const root = this.limits.project;
    if (!root) return { kind: 'value' };
    const depth = this.levels.depth;
    if (depth === 0) return root;
    const parent = this.specs[depth - 1]!;
    if (parent.kind === 'members') return Object.hasOwn(parent.members, this.key) ? parent.members[this.key]! : STUB;
    if (parent.kind === 'blocks') return parent.block;
    return STUB;
  }

  private get project(): Projection | undefined {
    return this.limits.project;
  }

  /**
   * Whether `spec` stubs a value of this kind; if so, the stub is held in
   * its place (the text before it first, when `t` is given) and the value
   * is passed over.
   */
  private stubbed(spec: Projection, stub: string, t?: string, i?: number): boolean {
    const kept =
      stub === '{}' ? spec.kind === 'members' || (spec.kind === 'blocks' && spec.block.kind === 'members') : stub === '[]' ? spec.kind === 'blocks' : spec.kind === 'value';
    if (kept) return false;
    if (t !== undefined) this.hold(t, this.copyFrom, i!);
    if (!this.tooMuch) this.held.push(stub);
    this.count(stub.length);
    return true;
  }

  /** An object or array opens at t[i]. */
  private open(t: string, i: number, isArray: boolean): void {
    if (this.project && this.quietDepth < 0) {
      const spec = this.valueSpec();
      if (this.stubbed(spec, isArray ? '[]' : '{}', t, i)) this.quietDepth = this.levels.depth;
      else this.specs[this.levels.depth] = !isArray && spec.kind === 'blocks' ? spec.block : spec;
    }
    this.levels.push(isArray);
    this.state = isArray ? St.ValueOrClose : St.KeyOrClose;
  }

  /** The innermost object or array closes at t[i]. */
  private close(i: number): void {
    this.levels.pop();
    if (this.quietDepth === this.levels.depth) {
      this.quietDepth = -1;
      this.copyFrom = i + 1;
    }
    this.valueDone();
  }

  /** Number characters from t[i]; the index of the first character after the number (or n). */
  private number(t: string, i: number): number {
    const n = t.length;
    for (; i < n; i++) {
      const c = t.charCodeAt(i);
      const digit = c >= 0x30 && c <= 0x39;
      switch (this.numState) {
        case 0: // after "-"
          if (!digit) return this.numberFails('No number after minus sign', i);
          this.numState = c === 0x30 ? 1 : 2;
          continue;
        case 1: // "0"
        case 2: // integer digits
          if (digit && this.numState === 2) continue;
          if (c === 0x2e) this.numState = 3;
          else if (c === 0x65 || c === 0x45) this.numState = 5;
          else return this.numberEnds(i);
          continue;
        case 3: // after "."
          if (!digit) return this.numberFails('Unterminated fractional number', i);
          this.numState = 4;
          continue;
        case 4: // fraction digits
          if (digit) continue;
          if (c === 0x65 || c === 0x45) this.numState = 5;
          else return this.numberEnds(i);
          continue;
        case 5: // after "e"
          if (c === 0x2b || c === 0x2d) this.numState = 6;
          else if (digit) this.numState = 7;
          else return this.numberFails('Exponent part is missing a number', i);
          continue;
        case 6: // after the exponent's sign
          if (!digit) return this.numberFails('Exponent part is missing a number', i);
          this.numState = 7;
          continue;
        default: // exponent digits
          if (digit) continue;
          return this.numberEnds(i);
      }
    }
    return n;
  }

  private numberEnds(i: number): number {
    if (this.quietNumber) {
      this.quietNumber = false;
      this.copyFrom = i;
    }
    this.valueDone();
    return i;
  }

  private numberFails(what: string, i: number): number {
    this.fail(`${what} in JSON at position ${this.unitBase + i}`);
    return i;
  }
}
