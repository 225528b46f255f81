// The derived index that keeps session summaries: .tapes/index/sessions.json.
// The index is never the source of truth: an entry is trusted only while its
// ref still points at the tip it was computed from, and is recomputed from the
// objects otherwise; a missing, damaged or older-version index is rebuilt.
import { existsSync } from 'node:fs';
import { derivedPath, readDerived, writeDerived } from '../derived-file.js';
import { AGENTS_PREFIX, SESSIONS_PREFIX, parseRefContent, readRefFile, shortRefName } from '../../refs/index.js';
import type { Archive } from '../archive.js';
import { summariseSession, type SessionSummary, type ToolCount, type ToolTime } from './summary.js';

/** Bumped whenever a summary would come out differently, so older indexes are rebuilt. */
export const SESSION_INDEX_VERSION = 4;
const INDEX_MAGIC = 'tapes-session-index';

function indexPath(archive: Archive): string {
  return derivedPath(archive.dir, 'sessions.json');
}

/** The index's entries, or an empty map when it is missing, damaged or from another version. */
function readIndex(path: string): Map<string, SessionSummary> {
  const parsed = readDerived(path, INDEX_MAGIC, SESSION_INDEX_VERSION);
  if (!Array.isArray(parsed)) return new Map();
  return new Map(parsed.filter(isSummary).map((s) => [s.ref, s]));
}

function isSummary(x: unknown): x is SessionSummary {
  const s = x as SessionSummary;
  const str = (v: unknown) => typeof v === 'string';
  const strOrNull = (v: unknown) => v === null || typeof v === 'string';
  const tokens = (t: unknown) => t !== null && typeof t === 'object' && ['input', 'output', 'cache_read', 'cache_write'].every((k) => typeof (t as Record<string, unknown>)[k] === 'number');
  const map = (v: unknown, ok: (e: unknown) => boolean) => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every(ok);
  return (
    x !== null &&
    typeof x === 'object' &&
    str(s.ref) &&
    str(s.name) &&
    str(s.tip) &&
    typeof s.records === 'number' &&
    strOrNull(s.start) &&
    strOrNull(s.end) &&
    (s.duration_ms === null || typeof s.duration_ms === 'number') &&
    Array.isArray(s.models) &&
    s.models.every(str) &&
    [s.harness, s.harness_version, s.cwd, s.git_branch, s.title, s.parent_session, s.tip_session_id, s.tip_format].every(strOrNull) &&
    tokens(s.tokens) &&
    map(s.tokens_by_model, tokens) &&
    typeof s.tool_calls === 'number' &&
    typeof s.tool_errors === 'number' &&
    map(s.records_by_kind, (n) => typeof n === 'number') &&
    map(s.tools, (t) => t !== null && typeof t === 'object' && typeof (t as ToolCount).calls === 'number' && typeof (t as ToolCount).errors === 'number') &&
    map(s.tool_time, (t) => t !== null && typeof t === 'object' && typeof (t as ToolTime).timed === 'number' && typeof (t as ToolTime).ms === 'number')
  );
}

function writeIndex(path: string, sessions: SessionSummary[]): Promise<void> {
  return writeDerived(path, INDEX_MAGIC, SESSION_INDEX_VERSION, sessions);
}

/**
 * The refs holding chains (sessions, then subagents), read synchronously: a
 * ref file is a few bytes, and thousands of them read through the thread pool
 * one await at a time cost ten times as much.
 */
export async function chainRefs(archive: Archive): Promise<Array<{ name: string; id: string }>> {
  const out: Array<{ name: string; id: string }> = [];
  for (const prefix of [SESSIONS_PREFIX, AGENTS_PREFIX]) {
    for (const name of await archive.refs.listNames(prefix)) {
      // Bounded and never through a link (docs/security.md, "Inside .tapes").
      const read = readRefFile(archive.refs.pathOf(name));
      if (!read.ok) continue; // deleted since it was listed, or not a ref file (fsck names it)
      const v = parseRefContent(name, read.text);
      if (v.kind === 'id') out.push({ name, id: v.id });
    }
  }
  return out;
}

/** How many chains are summarised at once when the index is cold (their reads overlap). */
const SUMMARY_CONCURRENCY = 8;

export interface ListOptions {
  /**
   * Called for a chain that cannot be summarised (a record missing or
   * damaged); the chain is left out of the result and of the index, so it is
   * tried again next time. Without it such chains are left out silently, so
   * that import, which refreshes the index, never fails on another session.
   */
  onError?: (ref: string, err: unknown) => void;
  /** The chain refs, when the caller has just read them (chainRefs): they are not read twice. */
  refs?: Array<{ name: string; id: string }>;
}

/** Every session and subagent chain with its summary, from the index where it is current. */
export async function listSessions(archive: Archive, opts: ListOptions = {}): Promise<SessionSummary[]> {
  const path = indexPath(archive);
  const index = readIndex(path);
  const refs = opts.refs ?? (await chainRefs(archive));
  const byTip = new Map<string, SessionSummary>();
  for (const s of index.values()) byTip.set(s.tip, s);
  const out: Array<SessionSummary | undefined> = new Array(refs.length);
  const stale: number[] = [];
  let changed = index.size !== refs.length || !existsSync(path);
  for (const [i, r] of refs.entries()) {
    const cached = index.get(r.name);
    if (cached && cached.tip === r.id) {
      out[i] = cached;
      continue;
    }
    changed = true;
    // A ref renamed (or copied) keeps its chain: the summary is the same but for its name.
    const same = byTip.get(r.id);
    if (same) {
      out[i] = {
        ...same,
        ref: r.name,
        name: shortRefName(r.name),
        parent_session: r.name.startsWith(AGENTS_PREFIX) ? (r.name.slice(AGENTS_PREFIX.length).split('/')[0] ?? null) : null,
      };
    } else stale.push(i);
  }
  if (stale.length) {
    const store = await archive.objects();
    let next = 0;
    const worker = async () => {
      while (next < stale.length) {
        const i = stale[next++]!;
        try {
          out[i] = await summariseSession(store, refs[i]!.name, refs[i]!.id);
        } catch (err) {
          opts.onError?.(refs[i]!.name, err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(SUMMARY_CONCURRENCY, stale.length) }, worker));
  }
  const listed = out.filter((s): s is SessionSummary => s !== undefined);
  if (changed) await writeIndex(path, listed);
  return listed;
}
