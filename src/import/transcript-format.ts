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
  return line.huge ? line.huge.hasNul : line.bytes.includes(0);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function parseLine(line: RawLine): ParsedLine {
  let text: string;
  try {
    text = utf8.decode(line.bytes);
  } catch {
    return { ...line, error: 'not valid UTF-8' };
  }
  if (text.trim() === '') return { ...line, text, error: line.bytes.length === 0 ? 'empty line' : 'blank line' };
  try {
    return { ...line, text, value: JSON.parse(text) };
  } catch (err) {
    return { ...line, text, error: 'not JSON', detail: (err as Error).message };
  }
}

export function formatVerdict(lines: ParsedLine[], format: TranscriptFormat): { ok: boolean; reason?: string } {
  const nonBlank = lines.filter((l) => l.error !== 'empty line' && l.error !== 'blank line');
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
  const matching = nonBlank.filter((l) => l.value !== undefined && test(l.value)).length;
  if (matching === 0) {
    const parsed = nonBlank.filter((l) => l.value !== undefined).length;
    return {
      ok: false,
      reason: parsed === 0 ? `not ${name}: none of its ${nonBlank.length} lines is a JSON value` : `not ${name}: none of its lines has the shape of one`,
    };
  }
  if (matching * 2 < nonBlank.length) {
    return { ok: false, reason: `not ${name}: only ${matching} of ${nonBlank.length} lines have its shape` };
  }
  return { ok: true };
}

export function detectFormat(lines: ParsedLine[]): TranscriptFormat | undefined {
  for (const f of ['claude-code', 'codex', 'gemini'] as const) if (formatVerdict(lines, f).ok) return f;
  return undefined;
}
