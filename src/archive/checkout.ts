// `tapes checkout` and `tapes status`: where HEAD is and moving it. HEAD is
// attached to a session (`ref: refs/sessions/<name>`) or detached on a record
// (`<id>`), as docs/format.md §7.3 fixes. Every move of HEAD is written to
// logs/HEAD under HEAD's lock, including a move between two sessions whose
// tips are the same record (RefStore.setSymbolic logs only id changes; a
// checkpoint history that skips such moves would not say where HEAD was).
import { InvalidInputError, NotFoundError, RefConflictError } from '../errors/index.js';
import { ZERO_ID } from '../hash/index.js';
import { readEvent, readRecord, type EventView } from '../record/index.js';
import { LockFile, SESSIONS_PREFIX, TAGS_PREFIX, appendReflog, checkFullRefName, shortRefName } from '../refs/index.js';
import type { Archive } from './archive.js';
import { sessionsContaining } from './log/index.js';

/** Where HEAD is. */
export interface HeadState {
  /** `attached`: on a session; `detached`: on a record; `unborn`: on a session that does not exist yet; `none`: no HEAD file. */
  state: 'attached' | 'detached' | 'unborn' | 'none';
  /** The session ref HEAD is on (attached or unborn). */
  ref: string | null;
  /** The record HEAD resolves to. */
  id: string | null;
}

export async function readHead(archive: Archive): Promise<HeadState> {
  const value = await archive.refs.read('HEAD');
  if (value === undefined) return { state: 'none', ref: null, id: null };
  if (value.kind === 'id') return { state: 'detached', ref: null, id: value.id };
  const id = (await archive.refs.resolve(value.target)) ?? null;
  return { state: id === null ? 'unborn' : 'attached', ref: value.target, id };
}

/** How a HEAD state reads in a reflog reason: a session's short name, else the abbreviated id. */
function describe(h: HeadState): string {
  if (h.ref) return shortRefName(h.ref);
  return h.id ? h.id.slice(0, 12) : '(nothing)';
}

/**
 * Points HEAD at a session (`{ref}`) or a record (`{id}`), under HEAD's lock,
 * appending one line to logs/HEAD. Returns false when HEAD already was there.
 */
export async function moveHead(archive: Archive, to: { ref: string } | { id: string }, reason: string): Promise<boolean> {
  const refs = archive.refs;
  const content = 'ref' in to ? `ref: ${checkFullRefName(to.ref)}\n` : `${to.id}\n`;
  const lock = await LockFile.acquire(refs.pathOf('HEAD'), { what: 'HEAD' });
  try {
    const before = await readHead(archive);
    const same = 'ref' in to ? before.ref === to.ref && before.state !== 'detached' : before.state === 'detached' && before.id === to.id;
    if (same) return false;
    const after = 'ref' in to ? ((await refs.resolve(to.ref)) ?? ZERO_ID) : to.id;
    await appendReflog(refs.reflogPath('HEAD'), { old: before.id ?? ZERO_ID, new: after, time: archive.now().toISOString(), reason });
    await lock.commit(content);
    return true;
  } finally {
    await lock.release();
  }
}

export interface CheckoutOptions {
  /** `-b <name>`: create session `<name>` at the record and attach HEAD to it. */
  create?: string;
  /** Detach HEAD even when the revision names a session. */
  detach?: boolean;
}

export interface CheckoutResult {
  /** Where HEAD was, and is now. */
  from: HeadState;
  to: HeadState;
  /** False when HEAD already was where it was asked to go. */
  moved: boolean;
  /** The session `-b` created. */
  created: string | null;
}

/** The record a revision names, refusing anything else (HEAD holds records only). */
async function recordAt(archive: Archive, rev: string): Promise<{ id: string; ref?: string }> {
  const r = await archive.resolve(rev);
  const store = await archive.objects();
  const obj = await store.read(r.id);
  if (obj.type !== 'record') {
    throw new InvalidInputError(`cannot check out '${rev}': it names a ${obj.type} (${r.id}), and HEAD holds a record`, { rev, id: r.id, type: obj.type });
  }
  return r;
}

export async function checkout(archive: Archive, rev: string, opts: CheckoutOptions = {}): Promise<CheckoutResult> {
  const from = await readHead(archive);
  const target = await recordAt(archive, rev);
  if (opts.create !== undefined) {
    const ref = checkFullRefName(`${SESSIONS_PREFIX}${opts.create}`);
    const existing = await archive.refs.resolve(ref);
    if (existing !== undefined) {
      throw new RefConflictError(`a session named '${opts.create}' already exists (at ${existing})`, { name: ref, existing }, `Choose another name, or check it out with "tapes checkout ${opts.create}".`);
    }
    await archive.refs.update(ref, target.id, { expectedOld: null, reason: `checkout -b: created from ${rev}`, deref: false });
    const moved = await moveHead(archive, { ref }, `checkout: moving from ${describe(from)} to ${opts.create}`);
    return { from, to: await readHead(archive), moved, created: ref };
  }
  let ref = target.ref;
  if (ref === 'HEAD') ref = from.ref ?? undefined;
  const attach = !opts.detach && ref !== undefined && ref.startsWith(SESSIONS_PREFIX);
  const name = attach ? shortRefName(ref!) : target.id.slice(0, 12);
  const moved = await moveHead(archive, attach ? { ref: ref! } : { id: target.id }, `checkout: moving from ${describe(from)} to ${name}`);
  return { from, to: await readHead(archive), moved, created: null };
}

// ---------------------------------------------------------------- status

export interface HeadStatus extends HeadState {
  /** The session the record is shown within: HEAD's own, else one that holds the record. */
  session: string | null;
  /** 1-based position of the record in that session's chain (or in its own chain when no session holds it). */
  position: number | null;
  /** Records in that session (or the record's own chain). */
  total: number | null;
  /** The record's time (UTC ISO), and the session's first time. */
  time: string | null;
  start: string | null;
  /** The record itself. */
  event: EventView | null;
  /** Tags that point at the record. */
  tags: string[];
}

/** Records from the root of the chain to `tip`, oldest first (ids, times). */
async function chainOf(archive: Archive, tip: string): Promise<Array<{ id: string; time: string | null }>> {
  const store = await archive.objects();
  const out: Array<{ id: string; time: string | null }> = [];
  for (let id: string | null = tip; id !== null; ) {
    const rec = await readRecord(store, id);
    out.push({ id, time: typeof rec.value.time === 'string' ? rec.value.time : null });
    id = rec.parent;
  }
  return out.reverse();
}

function earliest(chain: Array<{ time: string | null }>): string | null {
  let t: string | null = null;
  for (const c of chain) if (c.time && (!t || c.time < t)) t = c.time;
  return t;
}

export async function headStatus(archive: Archive): Promise<HeadStatus> {
  const head = await readHead(archive);
  const out: HeadStatus = { ...head, session: head.ref, position: null, total: null, time: null, start: null, event: null, tags: [] };
  if (head.id === null) return out;
  const store = await archive.objects();
  const ev = await readEvent(store, head.id);
  out.event = ev;
  out.time = ev.time;
  let sessionTip = head.id;
  if (head.state === 'detached') {
    const holders = (await sessionsContaining(archive, ev)).filter((r) => r.startsWith(SESSIONS_PREFIX));
    out.session = holders[0] ?? null;
    if (out.session) sessionTip = (await archive.refs.resolve(out.session)) ?? head.id;
  }
  const chain = await chainOf(archive, sessionTip);
  const at = chain.findIndex((c) => c.id === head.id);
  if (at < 0) throw new NotFoundError(`record ${head.id} is not in ${out.session ?? 'its chain'}`, { id: head.id });
  out.position = at + 1;
  out.total = chain.length;
  out.start = earliest(chain);
  out.tags = (await archive.refs.list(TAGS_PREFIX)).filter((t) => t.id === head.id).map((t) => shortRefName(t.name));
  return out;
}
