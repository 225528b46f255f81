// The derived index that keeps session summaries: .tapes/index/sessions.json.
// The index is never the source of truth: an entry is trusted only while its
// ref still points at the tip it was computed from, and is recomputed from the
// objects otherwise; a missing, damaged or older-version index is rebuilt.
import { existsSync } from 'node:fs';
import { derivedHead, derivedPath, readDerived, writeDerived } from '../derived-file.js';
import { AGENTS_PREFIX, SESSIONS_PREFIX, shortRefName } from '../../refs/index.js';
import { refsWithStatCache } from '../ref-stat-cache.js';
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
  const out = new Map<string, SessionSummary>();
  for (const s of parsed as unknown[]) if (isSummary(s)) out.set(s.ref, s);
  return out;
}

// The checks of an entry read back, as module functions and plain loops:
// they run for each of hundreds of summaries in a process too short-lived to
// compile closures made per call (`tapes sessions` reads them all).
function isStr(v: unknown): boolean {
  return typeof v === 'string';
}

function isStrOrNull(v: unknown): boolean {
  return v === null || typeof v === 'string';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isTokens(t: unknown): boolean {
  if (!isObject(t)) return false;
  return typeof t.input === 'number' && typeof t.output === 'number' && typeof t.cache_read === 'number' && typeof t.cache_write === 'number';
}

function isTokensMap(v: unknown): boolean {
  if (!isObject(v)) return false;
  for (const k in v) if (!isTokens(v[k])) return false;
  return true;
}

function isCountMap(v: unknown): boolean {
  if (!isObject(v)) return false;
  for (const k in v) if (typeof v[k] !== 'number') return false;
  return true;
}

function isToolCounts(v: unknown): boolean {
  if (!isObject(v)) return false;
  for (const k in v) {
    const t = v[k] as ToolCount | null;
    if (t === null || typeof t !== 'object' || typeof t.calls !== 'number' || typeof t.errors !== 'number') return false;
  }
  return true;
}

function isToolTimes(v: unknown): boolean {
  if (!isObject(v)) return false;
  for (const k in v) {
    const t = v[k] as ToolTime | null;
    if (t === null || typeof t !== 'object' || typeof t.timed !== 'number' || typeof t.ms !== 'number') return false;
  }
  return true;
}

function isSummary(x: unknown): x is SessionSummary {
  if (x === null || typeof x !== 'object') return false;
  const s = x as SessionSummary;
  if (!isStr(s.ref) || !isStr(s.name) || !isStr(s.tip) || typeof s.records !== 'number') return false;
  if (!isStrOrNull(s.start) || !isStrOrNull(s.end) || (s.duration_ms !== null && typeof s.duration_ms !== 'number')) return false;
  if (!Array.isArray(s.models)) return false;
  for (const m of s.models) if (!isStr(m)) return false;
  if (!isStrOrNull(s.harness) || !isStrOrNull(s.harness_version) || !isStrOrNull(s.cwd) || !isStrOrNull(s.git_branch)) return false;
  if (!isStrOrNull(s.title) || !isStrOrNull(s.parent_session) || !isStrOrNull(s.tip_session_id) || !isStrOrNull(s.tip_format)) return false;
  return (
    isTokens(s.tokens) &&
    isTokensMap(s.tokens_by_model) &&
    typeof s.tool_calls === 'number' &&
    typeof s.tool_errors === 'number' &&
    isCountMap(s.records_by_kind) &&
    isToolCounts(s.tools) &&
    isToolTimes(s.tool_time)
  );
}

function writeIndex(path: string, sessions: SessionSummary[]): Promise<string | undefined> {
  return writeDerived(path, INDEX_MAGIC, SESSION_INDEX_VERSION, sessions);
}

// Beside the summaries, the little that finding a record's sessions needs
// (log/target.ts, sessionsContaining): each chain's tip and the session id and
// format its tip carries. A tenth of the size, so `show` does not read and
// parse every summary. Written whenever sessions.json is, from the same
// summaries; an entry is trusted only while its ref still points at its tip.
const TIPS_MAGIC = 'tapes-session-tips';
const TIPS_VERSION = 1;

/** What a chain's tip says about its session. */
export interface SessionTip {
  ref: string;
  tip: string;
  sid: string | null;
  format: string | null;
}

function tipsPath(archive: Archive): string {
  return derivedPath(archive.dir, 'session-tips.json');
}

function writeTips(path: string, sessions: SessionSummary[]): Promise<string | undefined> {
  return writeDerived(
    path,
    TIPS_MAGIC,
    TIPS_VERSION,
    sessions.map((s) => [s.ref, s.tip, s.tip_session_id, s.tip_format]),
  );
}

/**
 * The tips of the chains, by ref, from session-tips.json; from the summaries
 * (which writes it) when it is missing or damaged. Entries may be stale: the
 * caller compares each tip with its ref.
 */
export async function sessionTips(archive: Archive, refs: Array<{ name: string; id: string }>): Promise<Map<string, SessionTip>> {
  const parsed = readDerived(tipsPath(archive), TIPS_MAGIC, TIPS_VERSION);
  const strOrNull = (v: unknown) => v === null || typeof v === 'string';
  if (Array.isArray(parsed) && parsed.every((e) => Array.isArray(e) && e.length === 4 && typeof e[0] === 'string' && typeof e[1] === 'string' && strOrNull(e[2]) && strOrNull(e[3]))) {
    return new Map((parsed as Array<[string, string, string | null, string | null]>).map(([ref, tip, sid, format]) => [ref, { ref, tip, sid, format }]));
  }
  const listed = await listSessions(archive, { refs });
  if (!archive.readOnly) await writeTips(tipsPath(archive), listed);
  return new Map(listed.map((s) => [s.ref, { ref: s.ref, tip: s.tip, sid: s.tip_session_id, format: s.tip_format }]));
}

/**
 * The refs holding chains (sessions, then subagents): each ref's file is
 * stat'ed, and read only when index/ref-stat.json cannot vouch for it
 * (ref-stat-cache.ts).
 */
export async function chainRefs(archive: Archive): Promise<Array<{ name: string; id: string }>> {
  return refsWithStatCache(archive, [SESSIONS_PREFIX, AGENTS_PREFIX]);
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
  /**
   * Chains summarised at once (default SUMMARY_CONCURRENCY). Each holds its
   * whole chain's records until it is summarised (they are visited oldest
   * first): a packed import, whose reads are from packs and never wait on
   * the disk, summarises one at a time and holds one chain, not eight.
   */
  concurrency?: number;
}

/**
 * One update of index/sessions.json: which chains' summaries are current
 * (their ref still at the tip they were computed from, or a renamed ref's
 * chain), which must be computed (`stale`), and, once the caller has put
 * those, the index written back. listSessions computes them itself; the
 * import's second thread computes them from the records it reads for the
 * search index too (search/derived-update.ts).
 */
/**
 * What an update of the summaries wrote, kept by a process that updates them
 * again and again (the import's second thread) for the next update.
 */
export interface SessionsMemo {
  /** The first line of index/sessions.json as written (writeDerived). */
  head?: string;
  /** The summaries it holds, by ref. */
  index?: Map<string, SessionSummary>;
}

export class SessionIndexUpdate {
  private constructor(
    private readonly archive: Archive,
    private readonly path: string,
    /** The chain refs, in the order the summaries are listed. */
    readonly refs: Array<{ name: string; id: string }>,
    private readonly out: Array<SessionSummary | undefined>,
    /** Positions in `refs` of the chains to summarise, in order. */
    readonly stale: number[],
    private changed: boolean,
  ) {}

  /**
   * Reads the index and compares it with `refs` (the chain refs: chainRefs).
   * With `memo`, the summaries an earlier update of this process wrote are
   * not read back while the file still begins with the line it wrote.
   */
  static plan(archive: Archive, refs: Array<{ name: string; id: string }>, memo?: SessionsMemo): SessionIndexUpdate {
    const path = indexPath(archive);
    const index = memo?.head !== undefined && memo.index && derivedHead(path) === memo.head ? memo.index : readIndex(path);
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
    return new SessionIndexUpdate(archive, path, refs, out, stale, changed);
  }

  /** The summary of the chain at `refs[i]` (one of `stale`). */
  put(i: number, summary: SessionSummary): void {
    this.out[i] = summary;
  }

  /**
   * The summaries (a stale chain not put is left out, so it is tried again
   * next time), after writing the index when anything changed.
   */
  async finish(memo?: SessionsMemo): Promise<SessionSummary[]> {
    const listed = this.out.filter((s): s is SessionSummary => s !== undefined);
    if (this.archive.readOnly) return listed;
    const tips = tipsPath(this.archive);
    if (this.changed) {
      const head = await writeIndex(this.path, listed);
      if (memo) {
        memo.head = head;
        memo.index = head === undefined ? undefined : new Map(listed.map((s) => [s.ref, s]));
      }
    }
    if (this.changed || !existsSync(tips)) await writeTips(tips, listed);
    return listed;
  }
}

/** Every session and subagent chain with its summary, from the index where it is current. */
export async function listSessions(archive: Archive, opts: ListOptions = {}): Promise<SessionSummary[]> {
  const update = SessionIndexUpdate.plan(archive, opts.refs ?? (await chainRefs(archive)));
  const { refs, stale } = update;
  if (stale.length) {
    const store = await archive.objects();
    let next = 0;
    const worker = async () => {
      while (next < stale.length) {
        const i = stale[next++]!;
        try {
          update.put(i, await summariseSession(store, refs[i]!.name, refs[i]!.id));
        } catch (err) {
          opts.onError?.(refs[i]!.name, err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? SUMMARY_CONCURRENCY, stale.length)) }, worker));
  }
  return update.finish();
}
