// The original line of an imported record, rebuilt from its source template,
// for readers that need a field the normalised view does not carry (a tool's
// structured result, progress data, a snapshot).
import { createHash } from 'node:crypto';
import { readContent, readContentPrefix, streamContent, type ObjectStore } from '../odb/index.js';
import { renderTemplate, type TemplatePart } from './line-template.js';

export interface RecordSource {
  format: string;
  line: number;
  eol: '\n' | '';
  text: TemplatePart[];
}

/** A record's source without its line template (`text`), as a record read without it has (record-head.ts). */
export type SourceHead = Omit<RecordSource, 'text'> & { text?: RecordSource['text'] };

export function sourceOf(value: Record<string, unknown>): RecordSource | undefined {
  const s = sourceHeadOf(value);
  return s && Array.isArray(s.text) ? (s as RecordSource) : undefined;
}

/** The source as sourceOf judges it, but for its template, which a head has left out (or, read whole, has as sourceOf needs it). */
export function sourceHeadOf(value: Record<string, unknown>): SourceHead | undefined {
  const s = value.source as Partial<RecordSource> | undefined;
  if (!s || (s.eol !== '\n' && s.eol !== '')) return undefined;
  return s as SourceHead;
}

/**
 * The exact bytes of the original line (without its newline); with `max`,
 * about its first `max` bytes, reading no more of its blobs than that needs
 * (the last character may be cut).
 */
export async function sourceBytes(store: ObjectStore, source: RecordSource, max?: number): Promise<Buffer> {
  if (max === undefined) {
    const parts: Uint8Array[] = [];
    await renderTemplate(source.text, (id) => readContent(store, id), (b) => {
      parts.push(b);
    });
    return Buffer.concat(parts);
  }
  const parts: Uint8Array[] = [];
  let got = 0;
  for (const p of source.text) {
    if (got >= max) break;
    await renderTemplate([p], (id) => readContentPrefix(store, id, max - got), (b) => {
      parts.push(b);
      got += b.length;
    });
  }
  return Buffer.concat(parts).subarray(0, max);
}

/**
 * The size and sha256 of the original line (without its newline), read a
 * piece at a time: the line may be far larger than should be held.
 */
export async function sourceDigest(store: ObjectStore, source: RecordSource): Promise<{ size: number; digest: string }> {
  const hash = createHash('sha256');
  let size = 0;
  const take = (b: Uint8Array) => {
    hash.update(b);
    size += b.length;
  };
  for (const p of source.text) {
    if (typeof p === 'string') take(Buffer.from(p, 'utf8'));
    else if (p.raw) await streamContent(store, p.$blob, take);
    else {
      // JSON.stringify of the content's text, a piece at a time (a surrogate pair cut between pieces kept whole).
      const utf8 = new TextDecoder('utf-8');
      let carry = '';
      const text = (t: string, last: boolean) => {
        let s = carry + t;
        carry = '';
        const c = s.charCodeAt(s.length - 1);
        if (!last && c >= 0xd800 && c <= 0xdbff) {
          carry = s[s.length - 1]!;
          s = s.slice(0, -1);
        }
        if (s !== '') take(Buffer.from(JSON.stringify(s).slice(1, -1), 'utf8'));
      };
      take(Buffer.from('"'));
      await streamContent(store, p.$blob, (b) => text(utf8.decode(b, { stream: true }), false));
      text(utf8.decode(), true);
      take(Buffer.from('"'));
    }
  }
  return { size, digest: hash.digest('hex') };
}

/** The original line parsed as JSON, or undefined when it is not JSON (an unparsed line). */
export async function sourceObject(store: ObjectStore, source: RecordSource): Promise<unknown> {
  try {
    return JSON.parse((await sourceBytes(store, source)).toString('utf8'));
  } catch {
    return undefined;
  }
}
