// A line too long to read the ordinary way (a 100 MB tool output): the
// ordinary way holds its bytes, their text, JSON.parse's value and the
// encoded copies of its long strings at once, some fifteen times the line.
// Here the line is read once in pieces (HugeLineReader): its bytes are
// hashed, checked as UTF-8 and scanned as JSON (json-line-scanner.ts),
// which holds only its structure and shorter strings, each long string a
// placeholder (long-text.ts). A long string is stored only when the record
// refers to it, by reading its bytes from the file again (LongTextStore),
// as a stream into the chunker: nothing of it is ever whole in memory. The
// records and objects are the same as the ordinary way's (docs/format.md
// 6.1.5-6.1.8; docs/import-memory.md).
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { InvalidInputError } from '../errors/index.js';
import { ContentStreamWriter, type ObjectStore } from '../odb/index.js';
import { MAX_RECORD_BODY, type StandIns, type TemplatePart } from '../record/index.js';
import { joinPieces, LiteralDecoder } from './json-literal.js';
import { JsonLineScanner, type LineSegment, type LongLiteral, type Projection, type ScanLimits } from './json-line-scanner.js';
import { holdsLongText, longTextFacts, NeedsWholeFile } from './long-text.js';
import type { ParsedLine } from './transcript-format.js';

/** What is known of a line read in pieces; its bytes stay in the file. */
export interface HugeLine {
  /** The file it is in, and its byte offsets there (its LF not included). */
  path: string;
  start: number;
  end: number;
  /** sha256 of its bytes. */
  digest: string;
  hasNul: boolean;
  /** The line in order, held text and long literals (offsets within the line), when it parsed. */
  segments?: LineSegment[];
  /** When it parsed: a lower bound of its line template's size at any threshold. */
  templateAtLeast?: number;
  /**
   * Its record cannot fit (templateAtLeast), and its value is only what the
   * normalisers read for the record's kind, role and time (RECORD_FIELDS).
   */
  projected?: boolean;
}

const NO_BYTES = Buffer.alloc(0);
/** Bytes read from the file at a time when a long string is stored. */
const READ_SIZE = 1024 * 1024;
/**
 * Bytes decoded to text at a time. Their text (and its copies) stays below
 * V8's large-object size, so it dies young instead of piling up in the old
 * generation until a full collection: measured, the first pass of a 100 MB
 * line peaked at 208 MB of RSS decoding 1 MiB at a time.
 */
const DECODE_BYTES = 32 * 1024;

/** Reads one line in pieces (the first pass); `end` gives its parsed line. */
export class HugeLineReader {
  private readonly hash = createHash('sha256');
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private readonly scanner: JsonLineScanner;
  private validUtf8 = true;
  private blank = true;
  private hasNul = false;
  private size = 0;

  constructor(
    private readonly path: string,
    private readonly number: number,
    /** Byte offset of the line in the file. */
    private readonly start: number,
    limits: ScanLimits,
  ) {
    this.scanner = new JsonLineScanner(limits);
  }

  push(bytes: Uint8Array): void {
    this.hash.update(bytes);
    this.size += bytes.length;
    if (!this.hasNul && bytes.includes(0)) this.hasNul = true;
    for (let at = 0; at < bytes.length && this.validUtf8; at += DECODE_BYTES) {
      let text: string;
      try {
        text = this.utf8.decode(bytes.subarray(at, at + DECODE_BYTES), { stream: true });
      } catch {
        this.validUtf8 = false;
        return;
      }
      this.text(text);
    }
  }

  /** The line, parsed as parseLine (transcript-format.ts) parses one, but with its long strings as placeholders. */
  end(eol: '\n' | ''): ParsedLine {
    if (this.validUtf8) {
      try {
        this.text(this.utf8.decode());
      } catch {
        this.validUtf8 = false;
      }
    }
    const huge: HugeLine = { path: this.path, start: this.start, end: this.start + this.size, digest: this.hash.digest('hex'), hasNul: this.hasNul };
    const line = { number: this.number, bytes: NO_BYTES, eol, huge };
    // The same verdicts, in the same order, as parseLine's.
    if (!this.validUtf8) return { ...line, error: 'not valid UTF-8' };
    if (this.blank) return { ...line, error: 'blank line' };
    const r = this.scanner.end();
    if (r.kind === 'not-json') return { ...line, error: 'not JSON', detail: r.detail };
    if (r.kind === 'too-much-structure') {
      // More structure than is held. When its template alone is too large for a record, the record keeps only
      // the line's kind, role and time (docs/format.md 6.1.8): the line is read again for those (projectLine).
      if (r.templateAtLeast <= MAX_RECORD_BODY) throw new NeedsWholeFile(`line ${this.number} holds more structure than is held, in a record that may fit`);
      return { ...line, huge: { ...huge, templateAtLeast: r.templateAtLeast, projected: true } };
    }
    return { ...line, value: r.value, huge: { ...huge, segments: r.segments, templateAtLeast: r.templateAtLeast } };
  }

  private text(text: string): void {
    if (text === '') return;
    if (this.blank && text.trim() !== '') this.blank = false;
    this.scanner.push(text);
  }
}

/**
 * What the normalisers read of a line to give its kind, role and time, the
 * format verdicts, and what Codex carries to later lines (claude-transcript.ts,
 * codex-rollout.ts, transcript-format.ts): the only part of a line whose
 * record cannot fit (its template alone is too large) that matters. A
 * Gemini session's later lines depend on all of a message, so a Gemini file
 * with such a line is read whole (buildChain). test/import/huge-line.test.ts
 * checks, line by line over real transcripts, that the projection gives
 * the normalisers' answers.
 */
const VALUE = { kind: 'value' } as const;
const BLOCKS: Projection = { kind: 'blocks', block: { kind: 'members', members: { type: VALUE } } };
const SCALARS = { type: VALUE, role: VALUE, id: VALUE, cwd: VALUE, cli_version: VALUE, model: VALUE };
export const RECORD_FIELDS: Projection = {
  kind: 'members',
  members: {
    ...SCALARS,
    timestamp: VALUE,
    message: { kind: 'members', members: { role: VALUE, content: BLOCKS } },
    content: BLOCKS,
    payload: { kind: 'members', members: SCALARS },
  },
};

/** Reads a line that `end` left to be projected: its value, as RECORD_FIELDS keeps it. */
export async function projectLine(line: ParsedLine, limits: ScanLimits): Promise<void> {
  const huge = line.huge!;
  const scanner = new JsonLineScanner({ ...limits, project: RECORD_FIELDS });
  const hash = createHash('sha256');
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    await readRange(huge.path, huge.start, huge.end, async (bytes) => {
      hash.update(bytes);
      for (let at = 0; at < bytes.length; at += DECODE_BYTES) scanner.push(utf8.decode(bytes.subarray(at, at + DECODE_BYTES), { stream: true }));
    });
    scanner.push(utf8.decode());
  } catch (err) {
    if (err instanceof TypeError) throw changed(huge.path);
    throw err;
  }
  if (hash.digest('hex') !== huge.digest) throw changed(huge.path);
  const r = scanner.end();
  if (r.kind === 'not-json') throw changed(huge.path);
  if (r.kind === 'too-much-structure') throw new NeedsWholeFile(`line ${line.number} holds more than its kind, role and time need, even projected`);
  line.value = r.value;
  // Its long strings (a kept scalar can be one) stand in the value as in any line's.
  huge.segments = r.segments;
}


/** sha256 of a line's first `n` bytes (read from the file again for a line read in pieces). */
export async function linePrefixDigest(line: ParsedLine, n: number): Promise<string> {
  const hash = createHash('sha256');
  if (!line.huge) return hash.update(line.bytes.subarray(0, n)).digest('hex');
  await readRange(line.huge.path, line.huge.start, line.huge.start + n, async (bytes) => {
    hash.update(bytes);
  });
  return hash.digest('hex');
}

/** The form of a long string to store: its text, its JSON.stringify form, or its literal as the line writes it. */
type Form = 'text' | 'stringified' | 'literal';

/**
 * Stores, on demand, the long strings and whole lines of a file's huge
 * lines, reading them from the file again (the second pass). It is the
 * value codec's stand-ins (record/value-codec.ts) for their placeholders,
 * and gives each long literal's template part. What it reads is checked
 * against what the first pass saw: a file that changed meanwhile is refused.
 */
export class LongTextStore implements StandIns {
  private readonly byPlaceholder = new Map<string, { line: HugeLine; lit: LongLiteral }>();
  private readonly stored = new Map<string, Promise<string>>();

  constructor(private readonly store: ObjectStore) {}

  /** Makes the placeholders of `line` known (a line read in pieces that parsed). */
  add(line: HugeLine): void {
    for (const s of line.segments ?? []) if (typeof s !== 'string') this.byPlaceholder.set(s.placeholder, { line, lit: s });
  }

  /** The value codec's stored form of a placeholder: the text's blob reference, or its $wtf16 form (docs/format.md 6.1.5). */
  storedForm(s: string): { wtf16: boolean; put: () => Promise<string> } | undefined {
    if (!holdsLongText(s)) return undefined;
    const at = longTextFacts(s) ? this.byPlaceholder.get(s) : undefined;
    if (!at) throw new NeedsWholeFile('a string built from a long one is stored');
    const wtf16 = at.lit.stats.loneSurrogate;
    return { wtf16, put: () => this.content(at.line, at.lit, wtf16 ? 'stringified' : 'text') };
  }

  key(k: string): void {
    if (holdsLongText(k)) throw new NeedsWholeFile('a long string is used as a key');
  }

  /**
   * The template of a parsed huge line at `threshold`, its held text by the
   * ordinary rules (`template` is record/line-template.ts's, on segments)
   * and each long literal as the ordinary way writes one that long: its
   * text's blob when the literal is JSON.stringify of it, else its own bytes.
   */
  templateSegments(line: HugeLine): Array<string | (() => Promise<TemplatePart>)> {
    return (line.segments ?? []).map((s) => {
      if (typeof s === 'string') return s;
      if (s.stats.canonical && !s.stats.loneSurrogate) return async () => ({ $blob: await this.content(line, s, 'text') });
      return async () => ({ $blob: await this.content(line, s, 'literal'), raw: true as const });
    });
  }

  /** The content id of the whole line's bytes. */
  wholeLine(line: HugeLine): Promise<string> {
    return this.once(`line:${line.path}:${line.start}`, async () => {
      const hash = createHash('sha256');
      const w = new ContentStreamWriter(this.store);
      await readRange(
        line.path,
        line.start,
        line.end,
        (bytes) => {
          hash.update(bytes);
          return w.push(bytes);
        },
        true,
      );
      if (hash.digest('hex') !== line.digest) throw changed(line.path);
      return (await w.end()).id;
    });
  }

  private content(line: HugeLine, lit: LongLiteral, form: Form): Promise<string> {
    // Equal texts are one blob: stored once, wherever they are.
    const key = form === 'literal' ? `literal:${line.path}:${line.start + lit.start}` : `${form}:${lit.stats.digest}`;
    return this.once(key, async () => {
      const w = new ContentStreamWriter(this.store);
      const text = new TextWriter(w, form === 'stringified');
      // The literal's bytes are decoded again (without its quotes) and checked against the first pass.
      const decoder = new LiteralDecoder(false);
      const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
      const from = line.start + lit.start;
      const to = line.start + lit.end;
      if (form === 'stringified') await text.quote();
      await readRange(line.path, from, to, async (bytes, at) => {
        if (form === 'literal') await w.push(bytes);
        const inside = bytes.subarray(at === from ? 1 : 0, at + bytes.length === to ? bytes.length - 1 : bytes.length);
        for (let i = 0; i < inside.length; i += DECODE_BYTES) {
          let decoded: string;
          try {
            decoded = decoder.feed(utf8.decode(inside.subarray(i, i + DECODE_BYTES), { stream: true }));
          } catch {
            throw changed(line.path);
          }
          if (form !== 'literal') await text.push(decoded);
        }
      }, form === 'literal');
      let digest: string;
      try {
        if (utf8.decode() !== '') throw changed(line.path);
        digest = decoder.finish().digest;
      } catch {
        throw changed(line.path);
      }
      if (digest !== lit.stats.digest) throw changed(line.path);
      await text.end();
      if (form === 'stringified') await text.quote();
      return (await w.end()).id;
    });
  }

  private once(key: string, make: () => Promise<string>): Promise<string> {
    let p = this.stored.get(key);
    if (!p) {
      p = make();
      this.stored.set(key, p);
      p.catch(() => this.stored.delete(key));
    }
    return p;
  }
}

/**
 * Reads bytes [from, to) of a file a piece at a time, into one buffer read
 * into again, or (`keeps`: a content writer is given the bytes, and keeps
 * them) a fresh buffer each time.
 */
async function readRange(path: string, from: number, to: number, each: (bytes: Buffer, at: number) => Promise<void>, keeps = false): Promise<void> {
  const fh = await fs.open(path, 'r');
  let reused: Buffer | undefined;
  try {
    for (let at = from; at < to; ) {
      const buf = keeps || !reused ? Buffer.allocUnsafeSlow(Math.min(READ_SIZE, to - at)) : reused;
      if (!keeps) reused = buf;
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, to - at), at);
      if (bytesRead === 0) throw changed(path);
      await each(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead), at);
      at += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

function changed(path: string): InvalidInputError {
  return new InvalidInputError(`${path} changed while it was being read: import it again`, { path });
}

/**
 * A long string's decoded text into a content writer, as UTF-8 or as the
 * inside of its JSON.stringify form. A piece that ends with a high surrogate
 * keeps it for the next: a pair cut between pieces is written as a pair, and
 * JSON.stringify piece by piece then gives the whole's form.
 */
class TextWriter {
  private carry = '';
  constructor(
    private readonly w: ContentStreamWriter,
    private readonly stringify: boolean,
  ) {}

  quote(): Promise<void> {
    return this.w.push(Buffer.from('"'));
  }

  push(decoded: string): Promise<void> {
    const [t, carry] = joinPieces(this.carry, decoded);
    this.carry = carry;
    return this.write(t);
  }

  /** A last high surrogate is lone: only the stringified form holds one (escaped). */
  end(): Promise<void> {
    const t = this.carry;
    this.carry = '';
    return this.write(t);
  }

  private write(t: string): Promise<void> {
    if (t === '') return Promise.resolve();
    return this.w.push(Buffer.from(this.stringify ? JSON.stringify(t).slice(1, -1) : t, 'utf8'));
  }
}
