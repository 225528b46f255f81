// `tapes export`: a session written out. `original` gives the source bytes of
// an imported session, rebuilt from its records and their blobs (sha256 equal
// to the original); `jsonl` the normalised records with every blob read back
// (docs/export-jsonl.md); `markdown` and `html` a transcript to read
// (src/view/markdown.ts, src/view/html.ts). `--redact` masks secrets in any of
// them; `--all` writes every session into a folder with an index page.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InvalidInputError, isTapesError } from '../errors/index.js';
import type { JsonValue } from '../hash/index.js';
import { readContent } from '../odb/index.js';
import { readEvent, renderTemplate, resolveValue, sourceBytes, sourceObject, sourceOf, walkChain, type RecordSource } from '../record/index.js';
import { AGENTS_PREFIX, SESSIONS_PREFIX, shortRefName } from '../refs/index.js';
import { summariseEvent } from '../view/event-summary.js';
import { renderHtml, renderHtmlIndex } from '../view/html.js';
import { renderMarkdown, renderMarkdownIndex } from '../view/markdown.js';
import type { Redactor } from '../view/redact.js';
import { recordTokens } from '../view/timeline.js';
import { isObj, transcriptRecords, type Transcript, type TranscriptEntry, type TranscriptRecord, type TranscriptThread } from '../view/transcript.js';
import type { Archive } from './archive.js';
import { Abbreviator, allItems, loadSessionLog, resolveTarget, sessionsContaining, type ChainItem, type LogAgent, type LogEntry } from './log.js';
import { listSessions, sortSessions } from './sessions.js';


export async function exportOriginal(archive: Archive, rev: string, sink: (bytes: Uint8Array) => Promise<void>): Promise<number> {
  const store = await archive.objects();
  const { id } = await archive.resolve(rev);
  const sources: Array<{ id: string; source: RecordSource }> = [];
  for await (const rec of walkChain(store, id)) {
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

// ---------------------------------------------------------------------------
// jsonl, markdown, html: the normalised records, read back and rendered.

export type ExportFormat = 'original' | 'jsonl' | 'markdown' | 'html';

export interface ExportOptions {
  /** Masks what looks like a secret (src/view/redact.ts) and counts it. */
  redactor?: Redactor;
  /** IANA zone for the times Markdown and HTML show (the process's when undefined). */
  timeZone?: string;
  /** Tool output over this many lines is folded (Markdown: <details>). */
  foldLines?: number;
}

/** Where a revision's chain lives: its session (or agent) ref when one holds it, with the name to show. */
async function exportTarget(archive: Archive, rev: string): Promise<{ id: string; ref: string | null }> {
  const t = await resolveTarget(archive, rev);
  if (t.ref) return { id: t.id, ref: t.ref };
  const tip = await readEvent(await archive.objects(), t.id).catch(() => undefined);
  const holders = tip ? await sessionsContaining(archive, tip) : [];
  return { id: t.id, ref: holders.find((h) => h.startsWith(SESSIONS_PREFIX)) ?? holders[0] ?? null };
}

/** A session's records as the renderers want them: blobs read back, subagents nested, ids abbreviated. */
export async function loadTranscript(archive: Archive, rev: string, opts: ExportOptions = {}): Promise<Transcript> {
  const store = await archive.objects();
  const target = await exportTarget(archive, rev);
  const log = await loadSessionLog(archive, target.id, target.ref, { subagents: true });
  const abbr = await Abbreviator.create(archive);
  await abbr.prepare([...allItems(log.entries)].map((i) => i.id));
  const red = opts.redactor;
  let records = 0;
  let harness: string | null = null;
  let end: string | null = null;
  const record = async (item: ChainItem): Promise<TranscriptRecord> => {
    records++;
    const abbrev = await abbr.abbrev(item.id);
    const ev = item.ev;
    if (!ev) {
      return { id: item.id, abbrev, kind: 'damaged', label: 'damaged', role: null, time: null, summary: item.error?.message ?? 'unreadable', error: true, content: [], meta: {}, source: null, raw: null, tokens: null, damaged: item.error?.message ?? 'unreadable' };
    }
    harness ??= typeof ev.meta.harness === 'string' ? ev.meta.harness : null;
    if (ev.time && (!end || ev.time > end)) end = ev.time;
    let content = (await resolveValue(store, ev.content as JsonValue)) as unknown[];
    let meta = (await resolveValue(store, ev.meta)) as Record<string, unknown>;
    let raw: string | null = null;
    if (ev.kind === 'unparsed' && ev.source) raw = (await sourceBytes(store, ev.source)).toString('utf8');
    else if (content.length === 0 && ev.source && meta.data === undefined) {
      const line = await sourceObject(store, ev.source);
      if (line !== null && typeof line === 'object' && !Array.isArray(line)) {
        const skip = new Set(['parentUuid', 'isSidechain', 'userType', 'cwd', 'sessionId', 'version', 'gitBranch', 'uuid', 'timestamp', 'type', 'slug']);
        const rest = Object.fromEntries(Object.entries(line).filter(([k]) => !skip.has(k)));
        if (Object.keys(rest).length) raw = JSON.stringify(rest, null, 2);
      }
    }
    if (red) {
      content = red.redactValue(content);
      meta = red.redactValue(meta);
      if (raw !== null) raw = red.redact(raw);
    }
    // The summary is made from the (redacted) values, so it cannot show what was masked.
    const summary = await summariseEvent(store, { ...ev, content: content as JsonValue[], meta: meta as { [k: string]: JsonValue } }, 200);
    return {
      id: ev.id,
      abbrev,
      kind: ev.kind,
      label: summary.label,
      role: ev.role,
      time: ev.time,
      summary: summary.text,
      error: summary.isError || content.some((b) => isObj(b) && b.type === 'tool_result' && b.is_error === true),
      content,
      meta,
      source: ev.source ? { format: ev.source.format, line: ev.source.line, eol: ev.source.eol } : null,
      raw,
      tokens: recordTokens(ev),
      damaged: null,
    };
  };
  const convert = async (entries: LogEntry[]): Promise<TranscriptEntry[]> => {
    const out: TranscriptEntry[] = [];
    for (const e of entries) {
      if (e.type === 'agent') out.push({ type: 'thread', thread: await thread(e) });
      else out.push({ type: 'record', record: await record(e.item), threads: await Promise.all(e.agents.map(thread)) });
    }
    return out;
  };
  const thread = async (a: LogAgent): Promise<TranscriptThread> => ({
    ref: a.ref,
    name: a.name,
    agentType: red && a.agentType ? red.redact(a.agentType) : a.agentType,
    description: red && a.description ? red.redact(a.description) : a.description,
    entries: await convert(a.entries),
  });
  const entries = await convert(log.entries);
  // A call whose result failed is marked too, as log --errors selects both.
  const failed = new Set<string>();
  for (const r of transcriptRecords(entries)) {
    for (const b of r.content) if (isObj(b) && b.type === 'tool_result' && b.is_error === true && typeof b.tool_use_id === 'string') failed.add(b.tool_use_id);
  }
  for (const r of transcriptRecords(entries)) {
    if (r.content.some((b) => isObj(b) && (b.type === 'tool_use' || b.type === 'server_tool_use') && typeof b.id === 'string' && failed.has(b.id))) r.error = true;
  }
  const summary = log.ref ? (await listSessions(archive)).find((s) => s.ref === log.ref) : undefined;
  const title = summary?.title ?? null;
  return {
    name: log.ref ? shortRefName(log.ref) : rev,
    ref: log.ref,
    tip: log.tip,
    title: red && title ? red.redact(title) : title,
    start: log.start,
    end,
    model: log.model,
    cwd: log.cwd,
    harness,
    records,
    entries,
  };
}

/** One JSON object per record (docs/export-jsonl.md): the session's chain, each subagent's records after the record that spawned it. */
export async function exportJsonl(archive: Archive, rev: string, sink: (bytes: Uint8Array) => Promise<void>, opts: ExportOptions = {}): Promise<number> {
  const t = await loadTranscript(archive, rev, opts);
  const session = t.ref?.startsWith(SESSIONS_PREFIX) ? t.ref.slice(SESSIONS_PREFIX.length) : t.ref?.startsWith(AGENTS_PREFIX) ? t.ref.slice(AGENTS_PREFIX.length).split('/')[0]! : null;
  let bytes = 0;
  let pending = '';
  const flush = async () => {
    const b = Buffer.from(pending);
    pending = '';
    bytes += b.length;
    await sink(b);
  };
  const walk = async (entries: TranscriptEntry[], chain: string | null, agent: TranscriptThread | null, depth: number, parent: { seq: number }) => {
    for (const e of entries) {
      if (e.type === 'thread') {
        await walk(e.thread.entries, e.thread.ref, e.thread, depth + 1, { seq: 0 });
        continue;
      }
      const r = e.record;
      parent.seq++;
      const line = {
        v: JSONL_VERSION,
        id: r.id,
        session,
        chain: chain === null ? null : shortRefName(chain),
        agent: agent ? { name: agent.name, type: agent.agentType, description: agent.description } : null,
        depth,
        seq: parent.seq,
        ...(r.damaged !== null
          ? { error: r.damaged }
          : { kind: r.kind, label: r.label, role: r.role, time: r.time, is_error: r.error, content: r.content, meta: r.meta, source: r.source, tokens: r.tokens, ...(r.raw !== null && r.kind === 'unparsed' ? { line: r.raw } : {}) }),
      };
      pending += JSON.stringify(line) + '\n';
      if (pending.length > 1 << 16) await flush();
      for (const th of e.threads) await walk(th.entries, th.ref, th, depth + 1, { seq: 0 });
    }
  };
  await walk(t.entries, t.ref, null, 0, { seq: 0 });
  if (pending) await flush();
  return bytes;
}

/** The version of the JSONL line schema (`v`), bumped when a member changes meaning or goes away. */
export const JSONL_VERSION = 1;

export async function exportMarkdown(archive: Archive, rev: string, sink: (bytes: Uint8Array) => Promise<void>, opts: ExportOptions = {}): Promise<number> {
  const md = renderMarkdown(await loadTranscript(archive, rev, opts), { timeZone: opts.timeZone, foldLines: opts.foldLines });
  const b = Buffer.from(md);
  await sink(b);
  return b.length;
}

export async function exportHtml(archive: Archive, rev: string, sink: (bytes: Uint8Array) => Promise<void>, opts: ExportOptions = {}): Promise<number> {
  const html = renderHtml(await loadTranscript(archive, rev, opts), { timeZone: opts.timeZone });
  const b = Buffer.from(html);
  await sink(b);
  return b.length;
}

/** The original bytes with secrets masked line by line (lines that are not valid UTF-8 are kept as they are). */
export async function exportOriginalRedacted(archive: Archive, rev: string, sink: (bytes: Uint8Array) => Promise<void>, redactor: Redactor): Promise<number> {
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
  await exportOriginal(archive, rev, async (b) => {
    let start = 0;
    for (let i = 0; i < b.length; i++) {
      if (b[i] === 0x0a) {
        line.push(b.subarray(start, i));
        await flushLine(b.subarray(i, i + 1));
        start = i + 1;
      }
    }
    if (start < b.length) line.push(Buffer.from(b.subarray(start)));
  });
  if (line.length) await flushLine(null);
  return bytes;
}

export function exportFunction(format: ExportFormat, redactor?: Redactor) {
  return (archive: Archive, rev: string, sink: (bytes: Uint8Array) => Promise<void>, opts: ExportOptions = {}): Promise<number> => {
    switch (format) {
      case 'original':
        return redactor ? exportOriginalRedacted(archive, rev, sink, redactor) : exportOriginal(archive, rev, sink);
      case 'jsonl':
        return exportJsonl(archive, rev, sink, { ...opts, redactor });
      case 'markdown':
        return exportMarkdown(archive, rev, sink, { ...opts, redactor });
      case 'html':
        return exportHtml(archive, rev, sink, { ...opts, redactor });
    }
  };
}

export const EXTENSION: Record<ExportFormat, string> = { original: 'jsonl', jsonl: 'jsonl', markdown: 'md', html: 'html' };

export interface ExportAllResult {
  files: Array<{ session: string; file: string; bytes: number }>;
  index: string | null;
  failed: Array<{ session: string; message: string }>;
}

/**
 * Every session (subagents inside their session's file) into `dir`, one file
 * each named after the session, and for markdown and html an index page
 * linking them, newest first. Each file is written to a temporary name and
 * renamed, so a failed export never leaves half a file.
 */
export async function exportAll(archive: Archive, dir: string, format: ExportFormat, opts: ExportOptions & { redactor?: Redactor } = {}): Promise<ExportAllResult> {
  await fs.mkdir(dir, { recursive: true });
  const sessions = sortSessions((await listSessions(archive)).filter((s) => s.ref.startsWith(SESSIONS_PREFIX)), 'date');
  const run = exportFunction(format, opts.redactor);
  const result: ExportAllResult = { files: [], index: null, failed: [] };
  for (const s of sessions) {
    const file = `${s.name}.${EXTENSION[format]}`;
    try {
      const bytes = await writeFileAtomic(join(dir, file), (sink) => run(archive, s.ref, sink, opts));
      result.files.push({ session: s.name, file, bytes });
    } catch (err) {
      if (!isTapesError(err)) throw err;
      result.failed.push({ session: s.name, message: err.message });
    }
  }
  if (format === 'html' || format === 'markdown') {
    const written = new Set(result.files.map((f) => f.session));
    const rows = sessions.filter((s) => written.has(s.name)).map((s) => ({ ...s, file: `${s.name}.${EXTENSION[format]}`, title: opts.redactor && s.title ? opts.redactor.redact(s.title) : s.title }));
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

/** Writes through `<path>.tmp-<hex>`, renamed over `path` when complete. */
export async function writeFileAtomic(path: string, fill: (sink: (b: Uint8Array) => Promise<void>) => Promise<number>): Promise<number> {
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  const handle = await fs.open(tmp, 'w');
  try {
    const n = await fill(async (b) => {
      await handle.write(b);
    });
    await handle.close();
    await fs.rename(tmp, path);
    return n;
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw err;
  }
}
