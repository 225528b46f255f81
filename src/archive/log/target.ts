// Which chain a command reads: the revision given (keeping the session ref a
// session name or HEAD stands for), else HEAD, else the session active last;
// and, for a record, the sessions whose chains hold it.
import { NotFoundError } from '../../errors/index.js';
import type { ObjectStore } from '../../odb/index.js';
import { readEvent, type EventView } from '../../record/index.js';
import { AGENTS_PREFIX, SESSIONS_PREFIX, shortRefName } from '../../refs/index.js';
import type { Archive } from '../archive.js';
import { str } from '../event/index.js';
import { chainRefs, compareStrings, listSessions, sessionTips } from '../sessions/index.js';
import { chainIds } from './chain-index.js';

export interface LogTarget {
  /** What the user asked for (or what was chosen for them). */
  rev: string;
  id: string;
  /** The session or agent ref that holds the chain, when known. */
  ref: string | null;
}

/**
 * Where `tapes log` with no revision starts: HEAD, or, when HEAD does not
 * resolve (a new archive, or HEAD on a session not imported yet), the session
 * that was active last (by the time of its newest record).
 */
export async function defaultTarget(archive: Archive): Promise<LogTarget> {
  const head = await archive.refs.follow('HEAD');
  if (head.value?.kind === 'id') {
    return { rev: 'HEAD', id: head.value.id, ref: head.name === 'HEAD' ? null : head.name };
  }
  const sessions = (await listSessions(archive)).filter((s) => s.ref.startsWith(SESSIONS_PREFIX));
  if (sessions.length === 0) {
    throw new NotFoundError('there are no sessions in the archive', {}, 'Run "tapes import" to bring sessions in.');
  }
  sessions.sort((a, b) => compareStrings(b.end ?? '', a.end ?? '') || compareStrings(a.ref, b.ref));
  const s = sessions[0]!;
  return { rev: s.name, id: s.tip, ref: s.ref };
}

/** Resolves a revision for log: the ref a session name or HEAD stands for is kept. */
export async function resolveTarget(archive: Archive, rev: string): Promise<LogTarget> {
  const r = await archive.resolve(rev);
  let ref = r.ref ?? null;
  if (ref === 'HEAD') {
    const name = (await archive.refs.follow('HEAD')).name;
    ref = name === 'HEAD' ? null : name;
  }
  if (ref && !ref.startsWith(SESSIONS_PREFIX) && !ref.startsWith(AGENTS_PREFIX)) ref = null;
  return { rev, id: r.id, ref };
}

/**
 * The session and agent refs whose chains hold record `ev`. Cheap: only refs
 * the record points to are looked at (its session id names them, or their
 * tip carries the same session id), each through its chain's ids in the
 * derived chain index (chain-index.ts), which a walk from the tip builds or
 * brings up to date when it is missing or stale; a chain that cannot be
 * read whole is walked as far as the record's line. Refs whose tip is the
 * record count without a look.
 */
export async function sessionsContaining(archive: Archive, ev: EventView): Promise<string[]> {
  const store = await archive.objects();
  const refs = await chainRefs(archive);
  // Which session each tip holds, from the summaries (kept per tip in the
  // derived index, trusted only while the ref still points at that tip); a
  // chain without one (its summary failed) has its tip read.
  const held = new Map<string, { tip: string; sid: string | null; format: string | null }>();
  for (const s of (await sessionTips(archive, refs)).values()) held.set(s.ref, { tip: s.tip, sid: s.sid, format: s.format });
  const sid = str(ev.meta.session_id)?.split('#')[0] ?? null;
  const agent = str(ev.meta.agent_id);
  const parentSession = str(ev.meta.parent_session);
  const format = ev.source?.format ?? null;
  const candidates: Array<{ name: string; id: string }> = [];
  for (const r of refs) {
    if (r.id === ev.id) {
      candidates.push(r);
      continue;
    }
    const short = shortRefName(r.name);
    const named =
      sid !== null &&
      ((r.name.startsWith(SESSIONS_PREFIX) && !agent && short.startsWith(sid)) ||
        (agent !== null && (r.name === `${AGENTS_PREFIX}${sid}/agent-${agent}` || r.name === `${AGENTS_PREFIX}${parentSession}/agent-${agent}`)));
    if (named) {
      candidates.push(r);
      continue;
    }
    // Files named otherwise: the tip tells which session (and format) it holds.
    let tip = held.get(r.name);
    if (!tip || tip.tip !== r.id) {
      const tipEv = await readEvent(store, r.id).catch(() => undefined);
      if (!tipEv) continue;
      tip = { tip: r.id, sid: str(tipEv.meta.session_id)?.split('#')[0] ?? null, format: tipEv.source?.format ?? null };
    }
    if (format !== null && tip.format !== format) continue;
    if (sid !== null ? tip.sid === sid : tip.sid === null) candidates.push(r);
  }
  const out: string[] = [];
  for (const c of candidates) {
    if (c.id === ev.id) {
      out.push(c.name);
      continue;
    }
    const ids = await chainIds(archive, c.name, c.id);
    if (ids ? ids.has(ev.id) : await chainHolds(store, c.id, ev)) out.push(c.name);
  }
  return [...new Set(out)];
}

async function chainHolds(store: ObjectStore, tip: string, ev: EventView): Promise<boolean> {
  const line = ev.source?.line;
  for (let id: string | null = tip; id !== null; ) {
    if (id === ev.id) return true;
    let cur: EventView;
    try {
      cur = await readEvent(store, id);
    } catch {
      return false;
    }
    if (line !== undefined && cur.source && cur.source.line < line) return false;
    id = cur.parent;
  }
  return false;
}
