// The rows of a session's timeline as `tapes log` prints them (elapsed time,
// what happened, tokens), kept per session ref in .tapes/index/timelines/ so
// that the log of a long session does not read and summarise every record
// again (2,331 records of the scale corpus's longest session: some 4 MB of
// frames decoded and 2,331 summaries made, for lines that never change).
//
// Derived data (docs/index.md): a file is used only while its session ref
// points at the tip it was built from and the session's subagent refs are
// exactly those it was built with, at the same tips; anything else (a moved
// ref, a new or moved subagent, a damaged or foreign file, another version of
// the rows) reads as absent, and the timeline is built from the records.
// Only whole, undamaged timelines are kept: a record that cannot be read is
// reported every time, never remembered.
import { createHash } from 'node:crypto';
import { isObjectId, type JsonValue } from '../../hash/index.js';
import { AGENTS_PREFIX, SESSIONS_PREFIX } from '../../refs/index.js';
import type { Archive } from '../archive.js';
import { derivedPath, readDerived, writeDerived } from '../derived-file.js';
import { str as eventStr, type EventSummary, type RecordTokens } from '../event/index.js';
import type { LogAgent, LogEntry, SessionLog } from './tree.js';

export const TIMELINE_CACHE_MAGIC = 'tapes-timeline';
/** Bump when what a row holds, or how a summary is made (archive/event/event-summary.ts), changes. */
export const TIMELINE_CACHE_VERSION = 2;

/** One record's line, before colour, width and its abbreviated id are applied. */
export interface TimelineRow {
  elapsedMs: number | null;
  summary: EventSummary;
  tokens: RecordTokens | null;
  /** The agent's bookkeeping (record/bookkeeping.ts): folded unless --all-records. */
  bookkeeping: boolean;
}

type CachedEntry = { r: string; row: TimelineRow; a?: CachedAgent[] } | CachedAgent;

interface CachedAgent {
  agent: { ref: string; name: string; agentType: string | null; description: string | null; spawnedBy: string | null };
  e: CachedEntry[];
}

interface TimelineFile {
  ref: string;
  tip: string;
  /** The session's subagent refs and their tips, sorted by name. */
  agents: Array<[string, string]>;
  start: string | null;
  model: string | null;
  cwd: string | null;
  entries: CachedEntry[];
}

/** The file holding `ref`'s timeline (named by a digest of the ref name, as chain files are). */
export function timelineCachePath(archive: Archive, ref: string): string {
  return derivedPath(archive.dir, `timelines/${createHash('sha256').update(ref).digest('hex').slice(0, 32)}.json`);
}

async function agentTips(archive: Archive, ref: string): Promise<Array<[string, string]>> {
  const session = ref.slice(SESSIONS_PREFIX.length);
  return (await archive.refs.list(`${AGENTS_PREFIX}${session}/`)).map((r): [string, string] => [r.name, r.id]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Only session refs are kept: their subagents are found by name, so a file can say it has them all. */
export function cacheableRef(ref: string | null): ref is string {
  return ref !== null && ref.startsWith(SESSIONS_PREFIX);
}

/**
 * The timeline of session `ref` at `tip` as last built, its records carrying
 * their rows (and no view: `item.ev` is null, `item.error` null); undefined
 * when there is no file that still describes the session.
 */
export async function readTimelineCache(archive: Archive, ref: string, tip: string): Promise<SessionLog | undefined> {
  if (!cacheableRef(ref)) return undefined;
  const v = readDerived(timelineCachePath(archive, ref), TIMELINE_CACHE_MAGIC, TIMELINE_CACHE_VERSION) as Partial<TimelineFile> | undefined;
  if (!v || v.ref !== ref || v.tip !== tip || !Array.isArray(v.agents) || !Array.isArray(v.entries)) return undefined;
  const agents = await agentTips(archive, ref);
  if (JSON.stringify(agents) !== JSON.stringify(v.agents)) return undefined;
  const entries = toEntries(v.entries);
  if (!entries) return undefined;
  return { ref, tip, entries, start: str(v.start), model: str(v.model), cwd: str(v.cwd), damaged: [] };
}

/** Keeps the timeline of session `ref` (every record with its row), when it is whole and undamaged. */
export async function writeTimelineCache(archive: Archive, log: SessionLog, rowOf: (e: LogEntry & { type: 'record' }) => TimelineRow | undefined): Promise<void> {
  if (archive.readOnly || !cacheableRef(log.ref) || log.damaged.length > 0) return;
  const agents = await agentTips(archive, log.ref);
  const entries = fromEntries(log.entries, rowOf);
  if (!entries) return;
  const file: TimelineFile = { ref: log.ref, tip: log.tip, agents, start: log.start, model: log.model, cwd: log.cwd, entries };
  await writeDerived(timelineCachePath(archive, log.ref), TIMELINE_CACHE_MAGIC, TIMELINE_CACHE_VERSION, file);
}

function fromEntries(list: LogEntry[], rowOf: (e: LogEntry & { type: 'record' }) => TimelineRow | undefined): CachedEntry[] | undefined {
  const out: CachedEntry[] = [];
  for (const e of list) {
    if (e.type === 'agent') {
      const inner = fromEntries(e.entries, rowOf);
      if (!inner) return undefined;
      out.push({ agent: { ref: e.ref, name: e.name, agentType: e.agentType, description: e.description, spawnedBy: e.spawnedBy }, e: inner });
      continue;
    }
    const row = rowOf(e);
    if (!row || e.item.error) return undefined;
    const agents: CachedAgent[] = [];
    for (const a of e.agents) {
      const inner = fromEntries(a.entries, rowOf);
      if (!inner) return undefined;
      agents.push({ agent: { ref: a.ref, name: a.name, agentType: a.agentType, description: a.description, spawnedBy: a.spawnedBy }, e: inner });
    }
    out.push(agents.length ? { r: e.item.id, row, a: agents } : { r: e.item.id, row });
  }
  return out;
}

function toEntries(list: unknown[]): LogEntry[] | undefined {
  const out: LogEntry[] = [];
  for (const c of list) {
    if (typeof c !== 'object' || c === null) return undefined;
    if ('agent' in c) {
      const a = toAgent(c as CachedAgent);
      if (!a) return undefined;
      out.push(a);
      continue;
    }
    const r = c as { r?: unknown; row?: unknown; a?: unknown };
    if (typeof r.r !== 'string' || !isObjectId(r.r) || !isRow(r.row)) return undefined;
    const agents: LogAgent[] = [];
    if (r.a !== undefined) {
      if (!Array.isArray(r.a)) return undefined;
      for (const x of r.a) {
        const a = toAgent(x as CachedAgent);
        if (!a) return undefined;
        agents.push(a);
      }
    }
    out.push({ type: 'record', item: { id: r.r, ev: null, error: null }, agents, row: r.row });
  }
  return out;
}

function toAgent(c: CachedAgent): LogAgent | undefined {
  const a = c.agent as Partial<CachedAgent['agent']> | undefined;
  if (!a || typeof a.ref !== 'string' || typeof a.name !== 'string' || !Array.isArray(c.e)) return undefined;
  const entries = toEntries(c.e);
  if (!entries) return undefined;
  return { type: 'agent', ref: a.ref, name: a.name, agentType: str(a.agentType), description: str(a.description), spawnedBy: str(a.spawnedBy), entries };
}

function isRow(v: unknown): v is TimelineRow {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Partial<TimelineRow>;
  const s = r.summary as Partial<EventSummary> | undefined;
  return (
    (r.elapsedMs === null || typeof r.elapsedMs === 'number') &&
    typeof s === 'object' &&
    s !== null &&
    typeof s.label === 'string' &&
    typeof s.text === 'string' &&
    typeof s.isError === 'boolean' &&
    Array.isArray(s.tools) &&
    Array.isArray(s.toolUseIds) &&
    (r.tokens === null || (typeof r.tokens === 'object' && r.tokens !== undefined)) &&
    typeof r.bookkeeping === 'boolean'
  );
}

/** What was written (a non-empty string or null) reads back the same; anything else is null. */
const str = (v: unknown): string | null => eventStr(v as JsonValue | undefined);
