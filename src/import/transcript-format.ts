// Which transcript format a file holds, decided from its lines: a file is of
// a format when at least one line is of it and such lines are at least half
// of the non-blank lines (so a few damaged lines do not make a file foreign,
// and a pretty-printed JSON document is never taken for a transcript).
import { isClaudeLine } from './claude-transcript.js';
import { isCodexLine } from './codex-rollout.js';
import type { RawLine } from './jsonl-lines.js';

export type TranscriptFormat = 'claude-code' | 'codex';

export interface ParsedLine extends RawLine {
  value?: unknown;
  /** Why the line did not parse, in stable words (stored in the record). */
  error?: string;
  /** The parser's own message (reported, never stored: it differs between Node versions). */
  detail?: string;
  text?: string;
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
  if (nonBlank.some((l) => l.bytes.includes(0))) {
    const binary = nonBlank.filter((l) => l.bytes.includes(0)).length;
    if (binary * 2 >= nonBlank.length) return { ok: false, reason: 'the file is binary' };
  }
  const test = format === 'claude-code' ? isClaudeLine : isCodexLine;
  const matching = nonBlank.filter((l) => l.value !== undefined && test(l.value)).length;
  const name = format === 'claude-code' ? 'a Claude Code transcript' : 'a Codex rollout';
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
  for (const f of ['claude-code', 'codex'] as const) if (formatVerdict(lines, f).ok) return f;
  return undefined;
}
