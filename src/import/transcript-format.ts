// Which transcript format a file holds, decided from its lines: a file is of
// a format when at least one line is of it and such lines are at least half
// of the non-blank lines (so a few damaged lines do not make a file foreign,
// and a pretty-printed JSON document is never taken for a transcript). The
// one pretty-printed document read, the Gemini CLI's session-*.json, is
// recognised by its opening (gemini-document.ts) and cut into pieces instead.
import { isClaudeLine } from './claude-transcript.js';
import { isCodexLine } from './codex-rollout.js';
import { isGeminiLine } from './gemini-session.js';
import type { GeminiPiece } from './gemini-document.js';
import type { HugeLine } from './huge-line.js';
import type { RawLine } from './jsonl-lines.js';

/** `gemini` is the Gemini CLI's JSONL form, `gemini-json` its older JSON document (cut into pieces, not lines). */
export type TranscriptFormat = 'claude-code' | 'codex' | 'gemini' | 'gemini-json';

const NAMES: Record<TranscriptFormat, string> = {
  'claude-code': 'a Claude Code transcript',
  codex: 'a Codex rollout',
  gemini: 'a Gemini CLI session',
  'gemini-json': 'a Gemini CLI session document',
};

/** The harness a format's records name in meta.harness (both Gemini forms are one harness). */
export function harnessOf(format: TranscriptFormat): string {
  return format === 'gemini-json' ? 'gemini' : format;
}

export interface ParsedLine extends RawLine {
  value?: unknown;
  /** Why the line did not parse, in stable words (stored in the record). */
  error?: string;
  /** The parser's own message (reported, never stored: it differs between Node versions). */
  detail?: string;
  text?: string;
  /** For a Gemini session document: which part of it this piece is. */
  piece?: GeminiPiece;
  /**
   * Set for a line read in pieces (huge-line.ts): its bytes stay in the file
   * (`bytes` is empty), and its value's long strings are placeholders.
   */
  huge?: HugeLine;
}

/** The line's length in bytes. */
export function lineLength(line: ParsedLine): number {
  return line.huge ? line.huge.end - line.huge.start : line.bytes.length;
}

/** Does the line hold a NUL byte? (binary files are told apart by them) */
export function lineHasNul(line: ParsedLine): boolean {
  return line.huge ? line.huge.hasNul : line instanceof TranscriptLine ? line.hasNul : line.bytes.includes(0);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A line of a transcript, decoded and parsed the first time its text, value
 * or error is read. A resumed Claude Code session begins with its parent's
 * lines, and an import that has built those records already recognises them
 * by their bytes (line-memo.ts): on the scale corpus 45 % of the bytes read
 * are such lines, and decoding and parsing them was a fifth of the importing
 * thread's time, for nothing. The format verdict reads the lines it needs
 * from the end of a file, where a resumed session's new lines are.
 */
class TranscriptLine implements ParsedLine {
  /** Parsed, or released (its text and value then read as undefined, and it is not parsed for them). */
  private parsed = false;
  private wasDecoded = false;
  /** What parsing found; read and written through `fields`, which parses first. */
  private readonly found: Pick<ParsedLine, 'text' | 'value' | 'error' | 'detail'> = { text: undefined, value: undefined, error: undefined, detail: undefined };
  private nul: boolean | undefined = undefined;

  constructor(
    readonly number: number,
    readonly bytes: Buffer,
    readonly eol: '\n' | '',
  ) {}

  /** The parsed fields, the line parsed first if it was not (a field set before then would be overwritten by the parse). */
  private get fields(): Pick<ParsedLine, 'text' | 'value' | 'error' | 'detail'> {
    if (!this.parsed) this.parse();
    return this.found;
  }

  // ParsedLine's fields are properties: each is a getter and a setter over `fields`.
  get text(): string | undefined {
    return this.fields.text;
  }
  set text(v: string | undefined) {
    this.fields.text = v;
  }
  get value(): unknown {
    return this.fields.value;
  }
  set value(v: unknown) {
    this.fields.value = v;
  }
  get error(): string | undefined {
    return this.fields.error;
  }
  set error(v: string | undefined) {
    this.fields.error = v;
  }
  get detail(): string | undefined {
    return this.fields.detail;
  }
  set detail(v: string | undefined) {
    this.fields.detail = v;
  }

  /** Were the line's bytes ever decoded? (Tests count the lines an import decoded and parsed.) */
  get decoded(): boolean {
    return this.wasDecoded;
  }

  /** Is it empty, or only white space? Read off the first byte when that is anything else, as it is on a JSON line. */
  get blank(): boolean {
    const b = this.bytes.length > 0 ? this.bytes[0]! : 0x20;
    // A byte below 0x80 that String.prototype.trim keeps (not TAB, LF, VT, FF, CR or space): the text is not blank.
    if (b < 0x80 && b !== 0x20 && (b < 0x09 || b > 0x0d)) return false;
    const e = this.error;
    return e === 'empty line' || e === 'blank line';
  }

  get hasNul(): boolean {
    this.nul ??= this.bytes.includes(0);
    return this.nul;
  }

  /** Drops the text and value (import-file.ts, release): the line is not parsed for them again. */
  release(): void {
    this.parsed = true;
    this.found.text = undefined;
    this.found.value = undefined;
    // A line never parsed keeps no error (one released unparsed is a line the line memo knew: a JSON object).
  }

  private parse(): void {
    this.parsed = true;
    this.wasDecoded = true;
    let text: string;
    try {
      text = utf8.decode(this.bytes);
    } catch {
      this.found.error = 'not valid UTF-8';
      return;
    }
    this.found.text = text;
    if (text.trim() === '') {
      this.found.error = this.bytes.length === 0 ? 'empty line' : 'blank line';
      return;
    }
    try {
      this.found.value = JSON.parse(text);
    } catch (err) {
      this.found.error = 'not JSON';
      this.found.detail = (err as Error).message;
    }
  }
}

/** The line, decoded and parsed when first read (TranscriptLine). */
export function parseLine(line: RawLine): ParsedLine {
  return new TranscriptLine(line.number, line.bytes, line.eol);
}

/** Drops a line's text and value once its record is built, without parsing a line that was never parsed. */
export function releaseLine(line: ParsedLine): void {
  if (line instanceof TranscriptLine) line.release();
  else {
    line.text = undefined;
    line.value = undefined;
  }
}

/** Were the line's bytes decoded (and parsed)? Lines made other than by parseLine always were. */
export function lineDecoded(line: ParsedLine): boolean {
  return line instanceof TranscriptLine ? line.decoded : true;
}

function lineBlank(line: ParsedLine): boolean {
  return line instanceof TranscriptLine ? line.blank : line.error === 'empty line' || line.error === 'blank line';
}

/**
 * Whether the lines are a transcript of `format`: at least half the lines
 * that are not blank have its shape. `known`: how many of the first lines
 * are known to have it without being parsed to test them (a resumed
 * session's lines this import built already: LineMemo.prefix).
 */
export function formatVerdict(lines: ParsedLine[], format: TranscriptFormat, known = 0): { ok: boolean; reason?: string } {
  const nonBlank = lines.filter((l) => !lineBlank(l));
  if (nonBlank.length === 0) return { ok: false, reason: 'the file is empty' };
  if (nonBlank.some(lineHasNul)) {
    const binary = nonBlank.filter(lineHasNul).length;
    if (binary * 2 >= nonBlank.length) return { ok: false, reason: 'the file is binary' };
  }
  const name = NAMES[format];
  if (format === 'gemini-json') {
    // Pieces of a document (gemini-document.ts): its head must have parsed.
    return lines[0]?.piece === 'head' ? { ok: true } : { ok: false, reason: `not ${name}: it does not begin as one` };
  }
  const test = format === 'claude-code' ? isClaudeLine : format === 'codex' ? isCodexLine : isGeminiLine;
  // From the last line back, and only until half of them are of the format:
  // a resumed session's first lines are its parent's, which the import may
  // not need to parse at all (TranscriptLine).
  // The known lines are JSON objects, never blank: the first `known` of nonBlank.
  const counted = Math.min(known, nonBlank.length);
  let matching = counted;
  if (matching > 0 && matching * 2 >= nonBlank.length) return { ok: true };
  for (let i = nonBlank.length - 1; i >= counted; i--) {
    const l = nonBlank[i]!;
    if (l.value !== undefined && test(l.value) && ++matching * 2 >= nonBlank.length) return { ok: true };
  }
  if (matching === 0) {
    const parsed = nonBlank.filter((l) => l.value !== undefined).length;
    return {
      ok: false,
      reason: parsed === 0 ? `not ${name}: none of its ${nonBlank.length} lines is a JSON value` : `not ${name}: none of its lines has the shape of one`,
    };
  }
  return { ok: false, reason: `not ${name}: only ${matching} of ${nonBlank.length} lines have its shape` };
}

/** The format the lines are a transcript of, if any. `knownClaude`: as formatVerdict's `known`, for Claude Code. */
export function detectFormat(lines: ParsedLine[], knownClaude = 0): TranscriptFormat | undefined {
  for (const f of ['claude-code', 'codex', 'gemini'] as const) if (formatVerdict(lines, f, f === 'claude-code' ? knownClaude : 0).ok) return f;
  return undefined;
}
