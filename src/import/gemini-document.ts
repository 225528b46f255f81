// The older Gemini CLI session file, `session-*.json`: one pretty-printed JSON
// document {sessionId, projectHash, startTime, lastUpdated, messages: [...],
// …}. It is cut into pieces whose bytes, joined, are the file: the head (up to
// and including the `[` that opens `messages`), one piece per message (the
// separator before it, then the message), and the tail (the `]` and whatever
// members follow). Each piece becomes one record (docs/format.md 6.1.11), so a
// message is a record as it is in every other format, and the file's exact
// bytes (whitespace, key order, escapes) come back from the pieces' templates.
//
// A document that stops parsing part way (a file cut short while the CLI
// rewrote it) keeps every piece before the damage; the rest is one piece
// without a value, stored as its bytes and reported.
import type { ParsedLine } from './transcript-format.js';

export type GeminiPiece = 'head' | 'message' | 'tail';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A JSON document whose first member is `sessionId`: how every Gemini CLI
 * session document begins. The JSONL form's metadata line begins the same
 * way, but is a whole object on its first line without `messages`, followed
 * by more lines; a document printed on one line is still a document.
 */
export function isGeminiDocument(bytes: Uint8Array): boolean {
  if (!beginsAsGeminiDocument(bytes)) return false;
  const nl = bytes.indexOf(0x0a);
  if (nl < 0) return true;
  try {
    const first = JSON.parse(Buffer.from(bytes.subarray(0, nl)).toString('utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>;
    const rest = Buffer.from(bytes.subarray(nl + 1)).toString('utf8').trim();
    return Array.isArray(first.messages) && rest === '';
  } catch {
    return true;
  }
}

function beginsAsGeminiDocument(bytes: Uint8Array): boolean {
  return /^\uFEFF?\s*\{\s*"sessionId"\s*:/.test(Buffer.from(bytes.subarray(0, 256)).toString('utf8'));
}

/**
 * The same question for a file read line by line (read-transcript.ts), given
 * its first 256 bytes and its lines. A first line read in pieces (too long
 * to hold) that begins as a document is taken for one.
 */
export function isGeminiDocumentLines(head: Uint8Array, lines: readonly ParsedLine[]): boolean {
  const first = lines[0];
  if (!first || !beginsAsGeminiDocument(head)) return false;
  if (lines.length === 1 && first.eol === '') return true;
  if (first.huge) return true;
  try {
    const value = JSON.parse(Buffer.from(first.bytes).toString('utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>;
    // What follows the first line is only whitespace exactly when each later line is empty or blank.
    return Array.isArray(value.messages) && lines.slice(1).every((l) => l.error === 'empty line' || l.error === 'blank line');
  } catch {
    return true;
  }
}

class Cut extends Error {}

const WHITESPACE = /[ \t\r\n]*/y;

function skipWs(text: string, i: number): number {
  WHITESPACE.lastIndex = i;
  WHITESPACE.exec(text);
  return WHITESPACE.lastIndex;
}

/** The index just past the string literal that starts at `i`: the next quote not escaped (an even run of backslashes before it). */
function skipString(text: string, i: number): number {
  let from = i + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) throw new Cut();
    let run = 0;
    while (text.charCodeAt(quote - 1 - run) === 0x5c) run++;
    if (run % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The index just past the JSON value that starts at `i` (not checked beyond its nesting). */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === undefined) throw new Cut();
  if (c === '"') return skipString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text[j];
      if (d === '"') j = skipString(text, j) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw new Cut();
  }
  let j = i;
  while (j < text.length && !/[\s,\]}]/.test(text[j]!)) j++;
  if (j === i) throw new Cut();
  return j;
}

interface Piece {
  start: number;
  end: number;
  piece?: GeminiPiece;
  value?: unknown;
}

/** Where the head, messages and tail of a document are; the last piece has no value when the document is damaged from there. */
function cutDocument(text: string): Piece[] {
  const pieces: Piece[] = [];
  let i = skipWs(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  const bare = (s: string) => (s.charCodeAt(0) === 0xfeff ? s.slice(1) : s);
  let headEnd = -1;
  try {
    if (text[i] !== '{') throw new Cut();
    i = skipWs(text, i + 1);
    for (;;) {
      if (text[i] === '}') break;
      if (text[i] !== '"') throw new Cut();
      const keyEnd = skipString(text, i);
      const key = JSON.parse(text.slice(i, keyEnd)) as string;
      i = skipWs(text, keyEnd);
      if (text[i] !== ':') throw new Cut();
      i = skipWs(text, i + 1);
      if (key === 'messages' && text[i] === '[') {
        headEnd = i + 1;
        break;
      }
      i = skipWs(text, skipValue(text, i));
      if (text[i] === ',') i = skipWs(text, i + 1);
      else if (text[i] !== '}') throw new Cut();
    }
  } catch (err) {
    if (!(err instanceof Cut) && !(err instanceof SyntaxError)) throw err;
  }
  if (headEnd < 0) {
    // No messages array: the whole document is its head, when it parses.
    try {
      const value = JSON.parse(bare(text)) as unknown;
      return [{ start: 0, end: text.length, piece: 'head', value }];
    } catch {
      return [{ start: 0, end: text.length }];
    }
  }
  let head: unknown;
  try {
    head = JSON.parse(bare(text.slice(0, headEnd)) + ']}');
  } catch {
    return [{ start: 0, end: text.length }];
  }
  pieces.push({ start: 0, end: headEnd, piece: 'head', value: head });
  let cut = headEnd;
  try {
    i = skipWs(text, headEnd);
    if (text[i] !== ']') {
      for (;;) {
        const start = skipWs(text, i);
        const end = skipValue(text, start);
        const value = JSON.parse(text.slice(start, end)) as unknown;
        pieces.push({ start: cut, end, piece: 'message', value });
        cut = end;
        i = skipWs(text, end);
        if (text[i] === ',') i++;
        else if (text[i] === ']') break;
        else throw new Cut();
      }
    }
    const tail = JSON.parse('{"messages":[' + text.slice(cut)) as unknown;
    pieces.push({ start: cut, end: text.length, piece: 'tail', value: tail });
  } catch (err) {
    if (!(err instanceof Cut) && !(err instanceof SyntaxError)) throw err;
    if (cut < text.length) pieces.push({ start: cut, end: text.length });
  }
  return pieces;
}

/** A document's pieces, as the importer takes lines: bytes, the line each begins on, and its parsed value. */
export function splitGeminiDocument(bytes: Buffer): ParsedLine[] {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return [{ number: 1, bytes, eol: '', error: 'not valid UTF-8' }];
  }
  const out: ParsedLine[] = [];
  let line = 1;
  let counted = 0;
  for (const p of cutDocument(text)) {
    const s = text.slice(p.start, p.end);
    // The line a piece is known by: where its first byte of substance is (past the separator).
    const at = p.start + (/^[\s,]*/.exec(s)?.[0].length ?? 0);
    for (let k = counted; k < Math.min(at, text.length); k++) if (text.charCodeAt(k) === 0x0a) line++;
    counted = Math.max(counted, Math.min(at, text.length));
    const unit: ParsedLine = { number: line, bytes: Buffer.from(s, 'utf8'), eol: '', text: s };
    if (p.piece) {
      unit.value = p.value;
      unit.piece = p.piece;
    } else {
      unit.error = 'not JSON';
      unit.detail = p.start === 0 ? 'not a Gemini CLI session document' : 'the document stops parsing here (cut short?)';
    }
    out.push(unit);
  }
  return out;
}
