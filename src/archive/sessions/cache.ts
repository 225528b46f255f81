// The derived index that keeps session summaries: .tapes/index/sessions.json,
// and beside it session-details.json. The index is never the source of
// truth: an entry is trusted only while its ref still points at the tip it
// was computed from, and is recomputed from the objects otherwise; a
// missing, damaged or older-version index is rebuilt.
//
// A summary is kept in two files: what `tapes sessions` lists (sessions.json)
// and its per-kind, per-tool counts and times (session-details.json), which
// only `tapes stats` and the other readers of whole summaries want. They
// were 37 % of one file's bytes on the scale corpus and more of its parsing
// (objects keyed by tool name), which `tapes sessions` paid at every run.
// Both are written together, from the same summaries; each entry of either
// holds the tip it was computed from.
import { existsSync } from 'node:fs';
import { derivedHead, derivedPath, readDerived, writeDerived } from '../derived-file.js';
import { AGENTS_PREFIX, SESSIONS_PREFIX, shortRefName } from '../../refs/index.js';
import { refsWithStatCache } from '../ref-stat-cache.js';
import type { Archive } from '../archive.js';
import { summariseSession, type SessionSummary, type ToolCount, type ToolTime } from './summary.js';

/** What `tapes sessions` lists of a chain: its summary without the counts by kind and tool and the times by tool. */
export type SessionListing = Omit<SessionSummary, 'records_by_kind' | 'tools' | 'tool_time'>;

/** A summary's counts by kind and tool and times by tool, with the tip they were computed from. */
interface SessionDetails extends Pick<SessionSummary, 'records_by_kind' | 'tools' | 'tool_time'> {
  tip: string;
}

/** Bumped whenever a summary would come out differently, so older indexes are rebuilt. */
export const SESSION_INDEX_VERSION = 5;
const INDEX_MAGIC = 'tapes-session-index';
const DETAILS_MAGIC = 'tapes-session-details';

function indexPath(archive: Archive): string {
  return derivedPath(archive.dir, 'sessions.json');
}

function detailsPath(archive: Archive): string {
  return derivedPath(archive.dir, 'session-details.json');
}

/** The index's entries, or an empty map when it is missing, damaged or from another version. */
function readIndex(path: string): Map<string, SessionListing> {
  const parsed = readDerived(path, INDEX_MAGIC, SESSION_INDEX_VERSION);
  if (!Array.isArray(parsed)) return new Map();
  const out = new Map<string, SessionListing>();
  for (const s of parsed as unknown[]) if (isListing(s)) out.set(s.ref, s);
  return out;
}

/** The details file's entries by ref ([ref, tip, records_by_kind, tools, tool_time]), or an empty map as readIndex. */
function readDetails(path: string): Map<string, SessionDetails> {
  const parsed = readDerived(path, DETAILS_MAGIC, SESSION_INDEX_VERSION);
  if (!Array.isArray(parsed)) return new Map();
  const out = new Map<string, SessionDetails>();
  for (const e of parsed as unknown[]) {
    if (!Array.isArray(e) || e.length !== 5) continue;
    const [ref, tip, records_by_kind, tools, tool_time] = e as unknown[];
    if (typeof ref !== 'string' || typeof tip !== 'string' || !isCountMap(records_by_kind) || !isToolCounts(tools) || !isToolTimes(tool_time)) continue;
    out.set(ref, { tip, records_by_kind, tools, tool_time } as SessionDetails);
  }
  return out;
}

/** A summary put back together from its two entries, its fields in the order a summary is made with (after tool_errors, the details). */
function joined(listing: SessionListing, d: SessionDetails): SessionSummary {
  const out: Record<string, unknown> = {};
  const from = listing as unknown as Record<string, unknown>;
  for (const k in from) {
    out[k] = from[k];
    if (k === 'tool_errors') {
      out.records_by_kind = d.records_by_kind;
      out.tools = d.tools;
      out.tool_time = d.tool_time;
    }
  }
  return out as unknown as SessionSummary;
}

/** A summary's entry in sessions.json: all of it but the details. */
function listingOf(s: SessionSummary): SessionListing {
  const { records_by_kind: _k, tools: _t, tool_time: _tt, ...listing } = s;
  return listing;
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

function isListing(x: unknown): x is SessionListing {
  if (x === null || typeof x !== 'object') return false;
  const s = x as SessionListing;
  if (!isStr(s.ref) || !isStr(s.name) || !isStr(s.tip) || typeof s.records !== 'number') return false;
  if (!isStrOrNull(s.start) || !isStrOrNull(s.end) || (s.duration_ms !== null && typeof s.duration_ms !== 'number')) return false;
  if (!Array.isArray(s.models)) return false;
  for (const m of s.models) if (!isStr(m)) return false;
  if (!isStrOrNull(s.harness) || !isStrOrNull(s.harness_version) || !isStrOrNull(s.cwd) || !isStrOrNull(s.git_branch)) return false;
  if (!isStrOrNull(s.title) || !isStrOrNull(s.parent_session) || !isStrOrNull(s.tip_session_id) || !isStrOrNull(s.tip_format)) return false;
  return isTokens(s.tokens) && isTokensMap(s.tokens_by_model) && typeof s.tool_calls === 'number' && typeof s.tool_errors === 'number';
}

/** Writes both files of the summaries; returns the first lines written (undefined: a file not written). */
async function writeIndex(path: string, details: string, sessions: SessionSummary[]): Promise<{ head?: string; detailsHead?: string }> {
  const head = await writeDerived(path, INDEX_MAGIC, SESSION_INDEX_VERSION, sessions.map(listingOf));
  const detailsHead = await writeDerived(
    details,
    DETAILS_MAGIC,
    SESSION_INDEX_VERSION,
    sessions.map((s) => [s.ref, s.tip, s.records_by_kind, s.tools, s.tool_time]),
  );
  return { head, detailsHead };
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

function writeTips(path: string, sessions: readonly SessionListing[]): Promise<string | undefined> {
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
  /** The first line of index/session-details.json as written. */
  detailsHead?: string;
  /** The summaries they hold, by ref. */
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
   * Reads the index (both files) and compares it with `refs` (the chain
   * refs: chainRefs). A chain's summary is current when both its entries
   * are of its ref's tip. With `memo`, the summaries an earlier update of
   * this process wrote are not read back while each file still begins with
   * the line it wrote.
   */
  static plan(archive: Archive, refs: Array<{ name: string; id: string }>, memo?: SessionsMemo): SessionIndexUpdate {
    const path = indexPath(archive);
    const details = detailsPath(archive);
    const remembered = memo?.head !== undefined && memo.detailsHead !== undefined && memo.index && derivedHead(path) === memo.head && derivedHead(details) === memo.detailsHead;
    let index: Map<string, SessionSummary>;
    if (remembered) index = memo.index!;
    else {
      index = new Map();
      const detailed = readDetails(details);
      for (const [ref, l] of readIndex(path)) {
        const d = detailed.get(ref);
        if (d && d.tip === l.tip) index.set(ref, joined(l, d));
      }
    }
    const byTip = new Map<string, SessionSummary>();
    for (const s of index.values()) byTip.set(s.tip, s);
    const out: Array<SessionSummary | undefined> = new Array(refs.length);
    const stale: number[] = [];
    let changed = index.size !== refs.length || !existsSync(path) || !existsSync(details);
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
      const { head, detailsHead } = await writeIndex(this.path, detailsPath(this.archive), listed);
      if (memo) {
        memo.head = head;
        memo.detailsHead = detailsHead;
        memo.index = head === undefined || detailsHead === undefined ? undefined : new Map(listed.map((s) => [s.ref, s]));
      }
    }
    if (this.changed || !existsSync(tips)) await writeTips(tips, listed);
    return listed;
  }
}

/**
 * What `tapes sessions` lists of every session and subagent chain: from
 * sessions.json alone while every entry is of its ref's tip (and the tips
 * file is there); otherwise as listSessions, which brings both files up to
 * date.
 */
export async function listSessionListings(archive: Archive, opts: ListOptions = {}): Promise<SessionListing[]> {
  const refs = opts.refs ?? (await chainRefs(archive));
  const index = readIndex(indexPath(archive));
  if (index.size === refs.length && (archive.readOnly || existsSync(tipsPath(archive)))) {
    const out: SessionListing[] = [];
    for (const r of refs) {
      const cached = index.get(r.name);
      if (!cached || cached.tip !== r.id) break;
      out.push(cached);
    }
    if (out.length === refs.length) return out;
  }
  return listSessions(archive, { ...opts, refs });
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
