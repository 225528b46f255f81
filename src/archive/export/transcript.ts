// A session as the transcript renderers (Markdown, HTML) and the JSONL export
// want it: its records in captured order with every blob read back, each
// subagent's thread under the record that spawned it, ids abbreviated, secrets
// masked when asked. The model builds it; src/view/markdown.ts and
// src/view/html.ts only format it.
import type { JsonValue } from '../../hash/index.js';
import { readEvent, resolveValue, sourceBytes, sourceObject } from '../../record/index.js';
import { SESSIONS_PREFIX, shortRefName } from '../../refs/index.js';
import type { Archive } from '../archive.js';
import { isObj, recordTokens, summariseEvent, type RecordTokens } from '../event/index.js';
import { Abbreviator, allItems, loadSessionLog, resolveTarget, sessionsContaining, type ChainItem, type LogAgent, type LogEntry } from '../log/index.js';
import { listSessions } from '../sessions/index.js';
import type { Redactor } from './redact.js';

export interface TranscriptRecord {
  id: string;
  /** Abbreviated id (what show, log and checkout accept). */
  abbrev: string;
  kind: string;
  /** As log shows it: user, assistant, thinking, tool, tool_result, system … */
  label: string;
  role: string | null;
  time: string | null;
  /** One line saying what the record was (log's line). */
  summary: string;
  error: boolean;
  /** Content blocks with every blob read back. */
  content: unknown[];
  meta: Record<string, unknown>;
  source: { format: string; line: number; eol: string } | null;
  /** An unparsed line as found, or the original line's data for records without content. */
  raw: string | null;
  tokens: RecordTokens | null;
  /** Set when the record could not be read. */
  damaged: string | null;
}

export interface TranscriptThread {
  /** refs/agents/<session>/<agent> */
  ref: string;
  name: string;
  agentType: string | null;
  description: string | null;
  entries: TranscriptEntry[];
}

export type TranscriptEntry = { type: 'record'; record: TranscriptRecord; threads: TranscriptThread[] } | { type: 'thread'; thread: TranscriptThread };

export interface Transcript {
  /** The session's name (or the revision, for a chain no session holds). */
  name: string;
  ref: string | null;
  tip: string;
  title: string | null;
  start: string | null;
  end: string | null;
  model: string | null;
  cwd: string | null;
  harness: string | null;
  /** Records in all, subagents included. */
  records: number;
  entries: TranscriptEntry[];
}

/** Every record of a transcript in display order. */
export function* transcriptRecords(entries: TranscriptEntry[]): Generator<TranscriptRecord> {
  for (const e of entries) {
    if (e.type === 'thread') yield* transcriptRecords(e.thread.entries);
    else {
      yield e.record;
      for (const t of e.threads) yield* transcriptRecords(t.entries);
    }
  }
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
export async function loadTranscript(archive: Archive, rev: string, opts: { redactor?: Redactor } = {}): Promise<Transcript> {
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
