// The four formats of `tapes export` as one table of writers: `original` and
// `jsonl` write the model's data as it is (src/archive/export/), `markdown`
// and `html` render the transcript the model loads. `--all` lets the model
// write one file per session, then renders the index page linking them.
import { join } from 'node:path';
import {
  exportJsonl,
  exportOriginal,
  exportOriginalRedacted,
  exportSessions,
  loadTranscript,
  sessionShape,
  writeFileAtomic,
  type ExportAllResult,
  type ExportFormat,
  type ExportOptions,
  type ExportRunner,
  type Redactor,
} from '../archive/export/index.js';
import type { Archive } from '../archive/archive.js';
import { renderHtml, renderHtmlIndex } from './html.js';
import { renderMarkdown, renderMarkdownIndex } from './markdown.js';

export async function exportMarkdown(archive: Archive, rev: string, sink: (bytes: Uint8Array) => Promise<void>, opts: ExportOptions = {}): Promise<number> {
  const md = renderMarkdown(await loadTranscript(archive, rev, opts), { timeZone: opts.timeZone, foldLines: opts.foldLines, allRecords: opts.allRecords });
  const b = Buffer.from(md);
  await sink(b);
  return b.length;
}

export async function exportHtml(archive: Archive, rev: string, sink: (bytes: Uint8Array) => Promise<void>, opts: ExportOptions = {}): Promise<number> {
  const transcript = await loadTranscript(archive, rev, opts);
  const html = renderHtml(transcript, { timeZone: opts.timeZone, shape: await sessionShape(archive, transcript) });
  const b = Buffer.from(html);
  await sink(b);
  return b.length;
}

/** The writer of one format, masking secrets with `redactor` when given. */
export function exportFunction(format: ExportFormat, redactor?: Redactor): ExportRunner {
  return (archive, rev, sink, opts = {}) => {
    switch (format) {
      case 'original':
        return redactor ? exportOriginalRedacted(archive, rev, sink, redactor, opts.scrubMarks) : exportOriginal(archive, rev, sink, opts.scrubMarks);
      case 'jsonl':
        return exportJsonl(archive, rev, sink, { ...opts, redactor });
      case 'markdown':
        return exportMarkdown(archive, rev, sink, { ...opts, redactor });
      case 'html':
        return exportHtml(archive, rev, sink, { ...opts, redactor });
    }
  };
}

/**
 * Every session (subagents inside their session's file) into `dir`, one file
 * each named after the session, and for markdown and html an index page
 * linking them, newest first.
 */
export async function exportAll(archive: Archive, dir: string, format: ExportFormat, opts: ExportOptions = {}): Promise<ExportAllResult> {
  const { result, rows } = await exportSessions(archive, dir, format, exportFunction(format, opts.redactor), opts);
  if (format === 'html' || format === 'markdown') {
    const name = format === 'html' ? 'index.html' : 'index.md';
    const text = format === 'html' ? renderHtmlIndex(rows, { timeZone: opts.timeZone }) : renderMarkdownIndex(rows, { timeZone: opts.timeZone });
    await writeFileAtomic(join(dir, name), async (sink) => {
      await sink(Buffer.from(text));
      return text.length;
    });
    result.index = name;
  }
  return result;
}
