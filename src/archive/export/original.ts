// `tapes export --format original`: the source bytes of an imported session,
// rebuilt from its records and their blobs (sha256 equal to the original),
// and the same bytes with secrets masked line by line for `--redact`.
import { InvalidInputError } from '../../errors/index.js';
import { readContent } from '../../odb/index.js';
import { renderTemplate, sourceOf, walkChain, type RecordSource } from '../../record/index.js';
import type { Archive } from '../archive.js';
import type { Redactor } from './redact.js';

export async function exportOriginal(archive: Archive, rev: string, sink: (bytes: Uint8Array) => Promise<void>, marks?: ScrubMarks): Promise<number> {
  const store = await archive.objects();
  const { id } = await archive.resolve(rev);
  const sources: Array<{ id: string; source: RecordSource }> = [];
  for await (const rec of walkChain(store, id)) {
    if (marks) addScrubMark(marks, rec.value);
    const source = sourceOf(rec.value);
    if (!source) {
      throw new InvalidInputError(`record ${rec.id} has no original source to export (it was not imported from a file)`, { id: rec.id });
    }
    sources.push({ id: rec.id, source });
  }
  sources.reverse();
  let bytes = 0;
  const get = (blob: string) => readContent(store, blob);
  const out = async (b: Uint8Array) => {
    bytes += b.length;
    await sink(b);
  };
  for (const { source } of sources) {
    await renderTemplate(source.text, get, out);
    if (source.eol) await out(Buffer.from(source.eol));
  }
  return bytes;
}

/** The original bytes with secrets masked line by line (lines that are not valid UTF-8 are kept as they are). */
export async function exportOriginalRedacted(archive: Archive, rev: string, sink: (bytes: Uint8Array) => Promise<void>, redactor: Redactor, marks?: ScrubMarks): Promise<number> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let line: Uint8Array[] = [];
  const emit = async (b: Uint8Array) => {
    bytes += b.length;
    await sink(b);
  };
  const flushLine = async (eol: Uint8Array | null) => {
    const buf = Buffer.concat(line);
    line = [];
    let out: Uint8Array = buf;
    try {
      out = Buffer.from(redactor.redact(decoder.decode(buf)));
    } catch {
      // Not UTF-8: kept byte for byte.
    }
    await emit(out);
    if (eol) await emit(eol);
  };
  const split = async (b: Uint8Array) => {
    let start = 0;
    for (let i = 0; i < b.length; i++) {
      if (b[i] === 0x0a) {
        line.push(b.subarray(start, i));
        await flushLine(b.subarray(i, i + 1));
        start = i + 1;
      }
    }
    if (start < b.length) line.push(Buffer.from(b.subarray(start)));
  };
  await exportOriginal(archive, rev, split, marks);
  if (line.length) await flushLine(null);
  return bytes;
}

export interface ScrubMarks {
  /** Records of the chain that `tapes scrub` rewrote with replacements. */
  records: number;
  replacements: number;
  rules: string[];
}

/** No marks yet: what exportOriginal fills in as it reads the records. */
export function emptyScrubMarks(): ScrubMarks {
  return { records: 0, replacements: 0, rules: [] };
}

/** Counts one record's `scrubbed` member (docs/format.md §6.4), when it has one. */
function addScrubMark(marks: ScrubMarks, value: Record<string, unknown>): void {
  const s = value.scrubbed as { replacements?: unknown; rules?: unknown } | undefined;
  if (!s || typeof s !== 'object') return;
  marks.records++;
  if (typeof s.replacements === 'number') marks.replacements += s.replacements;
  if (Array.isArray(s.rules)) for (const r of s.rules) if (typeof r === 'string' && !marks.rules.includes(r)) marks.rules.push(r);
  marks.rules.sort();
}
