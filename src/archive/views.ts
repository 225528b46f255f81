// One run, two views (docs/format.md §7.2, docs/capture.md "One run, two
// views"): the transcript an agent wrote holds the session's ref, the wire
// capture of the same session id its capture view, refs/captures/<area>/<name>.
// Here: the reading rules that link them (the capture view of a session, the
// model turn behind a record for `show --wire`), and the migration of
// archives written before the link, where the two views were two sessions.
import { shortId } from '../hash/index.js';
import { readContent, type ObjectStore } from '../odb/index.js';
import { chainViewAt, decodeValue, readRecord, renderTemplate, walkChain, type StoredRecord } from '../record/index.js';
import { AGENTS_PREFIX, CAPTURES_PREFIX, SESSIONS_PREFIX, captureViewRef, shortRefName, viewOwnerRef, type RefStore } from '../refs/index.js';
import { decodeBody, matchDigest } from '../capture/index.js';
import { NotFoundError, RefConflictError, TapesError } from '../errors/index.js';
import type { Archive } from './archive.js';

export interface Relinked {
  /** The session (short name) whose views were linked. */
  session: string;
  /** Its capture view (full ref name). */
  capture: string;
  /** The old ref that held one of the views and is gone (its records are held by the new refs). */
  removed: string | null;
}

/** The names a legacy layout gave the second view: <name>-capture, or <name>-<8 hex>[-<n>] for a transcript kept separately. */
const LEGACY_CAPTURE = /^(.+)-capture$/;
const LEGACY_KEPT = /^(.+)-([0-9a-f]{8})(?:-\d+)?$/;

/**
 * Links the views of runs stored before they were linked (the two-session
 * layout): `<name>-capture` (a capture whose transcript held `<name>`) becomes
 * the capture view of `<name>`; a transcript kept separately as
 * `<name>-<8 hex>` because a capture held `<name>` takes `<name>`, and the
 * capture becomes its view. Every move is a compare-and-swap, so a writer at
 * work on the same refs makes a step fail and be left for next time, never
 * lose a record; a ref HEAD is on is left as it is. Cheap when there is
 * nothing to do (the names alone are looked at), so imports and the proxy run
 * it every time.
 */
export async function relinkViews(archive: Archive): Promise<Relinked[]> {
  const refs = archive.refs;
  const names = [...(await refs.listNames(SESSIONS_PREFIX)), ...(await refs.listNames(AGENTS_PREFIX))];
  const present = new Set(names);
  const candidates = names.filter((n) => (LEGACY_CAPTURE.test(n) || LEGACY_KEPT.test(n)) && present.has((LEGACY_CAPTURE.exec(n) ?? LEGACY_KEPT.exec(n))![1]!));
  if (candidates.length === 0) return [];
  const store = await archive.objects();
  const head = await refs.read('HEAD').catch(() => undefined);
  const headRef = head?.kind === 'symbolic' ? head.target : undefined;
  const out: Relinked[] = [];
  const done = new Set<string>();
  for (const name of candidates.sort()) {
    if (name === headRef) continue;
    try {
      const legacyCapture = LEGACY_CAPTURE.exec(name);
      if (legacyCapture) {
        const owner = legacyCapture[1]!;
        const r = await relinkCapture(store, refs, owner, name);
        if (r) out.push(r);
        continue;
      }
      const kept = LEGACY_KEPT.exec(name)!;
      const owner = kept[1]!;
      if (done.has(owner)) continue;
      const r = await relinkKept(store, refs, owner, name, kept[2]!, headRef);
      if (r) {
        done.add(owner);
        out.push(r);
      }
    } catch (err) {
      // Another writer moved a ref meanwhile: left as it is, for the next run.
      if (!(err instanceof RefConflictError)) throw err;
    }
  }
  return out;
}

/** `<owner>-capture` holds a capture and `<owner>` a transcript: the capture becomes the view. */
async function relinkCapture(store: ObjectStore, refs: RefStore, owner: string, name: string): Promise<Relinked | undefined> {
  const [ownerTip, tip] = [await refs.resolve(owner), await refs.resolve(name)];
  if (!ownerTip || !tip) return undefined;
  if ((await chainViewAt(store, ownerTip)) !== 'transcript' || (await chainViewAt(store, tip)) !== 'capture') return undefined;
  const view = captureViewRef(owner);
  const viewTip = (await refs.resolve(view)) ?? null;
  if (viewTip !== null && viewTip !== tip && !(await onChain(store, tip, viewTip))) return undefined;
  if (viewTip !== tip) await refs.update(view, tip, { expectedOld: viewTip, reason: `relink views: the capture of ${shortRefName(owner)} (was ${shortRefName(name)})` });
  await refs.delete(name, { expectedOld: tip, reason: `relink views: now ${view}` });
  return { session: shortRefName(owner), capture: view, removed: name };
}

/** `<owner>` holds a capture and `<name>` the same session's transcript kept separately: they swap places. */
async function relinkKept(store: ObjectStore, refs: RefStore, owner: string, name: string, short: string, headRef: string | undefined): Promise<Relinked | undefined> {
  const [ownerTip, tip] = [await refs.resolve(owner), await refs.resolve(name)];
  if (!ownerTip || !tip || owner === headRef) return undefined;
  if ((await chainViewAt(store, ownerTip)) !== 'capture' || (await chainViewAt(store, tip)) !== 'transcript') return undefined;
  // Only a ref the importer named after its chain's first record (not a session that happens to be so named).
  let first: StoredRecord | undefined;
  for await (const rec of walkChain(store, tip)) first = rec;
  if (!first || shortId(first.id, 8) !== short) return undefined;
  const view = captureViewRef(owner);
  const viewTip = (await refs.resolve(view)) ?? null;
  if (viewTip !== null && viewTip !== ownerTip && !(await onChain(store, ownerTip, viewTip))) return undefined;
  if (viewTip !== ownerTip) await refs.update(view, ownerTip, { expectedOld: viewTip, reason: `relink views: the capture of ${shortRefName(owner)}` });
  await refs.update(owner, tip, { expectedOld: ownerTip, reason: `relink views: the transcript of ${shortRefName(owner)} (was ${shortRefName(name)})` });
  await refs.delete(name, { expectedOld: tip, reason: `relink views: now ${owner}` });
  return { session: shortRefName(owner), capture: view, removed: name };
}

async function onChain(store: ObjectStore, tip: string, id: string): Promise<boolean> {
  for await (const rec of walkChain(store, tip)) if (rec.id === id) return true;
  return false;
}

export interface CaptureView {
  ref: string;
  tip: string;
  /** Model turns (records that close a turn) in the view. */
  turns: number;
  records: number;
}

/** The capture view of a session or agent ref, when it has one. */
export async function captureViewOf(archive: Archive, ref: string): Promise<CaptureView | undefined> {
  if (!ref.startsWith(SESSIONS_PREFIX) && !ref.startsWith(AGENTS_PREFIX)) return undefined;
  const view = captureViewRef(ref);
  const tip = await archive.refs.resolve(view);
  if (!tip) return undefined;
  const store = await archive.objects();
  let turns = 0;
  let records = 0;
  for await (const rec of walkChain(store, tip)) {
    records++;
    if (closesTurn(rec)) turns++;
  }
  return { ref: view, tip, turns, records };
}

function captureOf(rec: StoredRecord): Record<string, unknown> | undefined {
  const c = (rec.value as Record<string, unknown>).capture;
  return c !== null && typeof c === 'object' && !Array.isArray(c) ? (c as Record<string, unknown>) : undefined;
}

/** The record that closes a model turn carries the exchange (capture.request). */
function closesTurn(rec: StoredRecord): boolean {
  const c = captureOf(rec);
  return c !== undefined && c.request !== undefined;
}

export interface WireExchange {
  /** The record asked about. */
  record: string;
  /** The record that closes the model turn (holds the exchange). */
  turn: string;
  /** The chain it was found on (a session or its capture view), when known. */
  ref: string | null;
  api: string;
  request: { method: string; path: string; headers: Array<[string, string]>; body: Buffer };
  response: { status: number; headers: Array<[string, string]>; body: Buffer; raw_bytes: number; content_encoding: string | null; decode_problem: string | null };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Chains that may hold the capture of a record: named by its session (and agent) id, capture views first. */
async function captureChainsFor(archive: Archive, value: Record<string, unknown>, holder: string | undefined): Promise<string[]> {
  const meta = (value.meta ?? {}) as Record<string, unknown>;
  const sid = str(meta.session_id);
  const agent = str(meta.agent_id);
  const parent = str(meta.parent_session);
  const owners: string[] = [];
  if (holder) owners.push(viewOwnerRef(holder) ?? holder);
  if (sid && agent) owners.push(`${AGENTS_PREFIX}${sid}/agent-${agent}`);
  if (parent && agent) owners.push(`${AGENTS_PREFIX}${parent}/agent-${agent}`);
  if (sid) owners.push(`${SESSIONS_PREFIX}${sid}`);
  const out: string[] = [];
  const store = await archive.objects();
  for (const o of owners) {
    for (const r of o.startsWith(CAPTURES_PREFIX) ? [o] : [captureViewRef(o), o]) {
      if (out.includes(r)) continue;
      // Only chains of captures: a transcript has no wire exchange to give.
      const tip = await archive.refs.resolve(r).catch(() => undefined);
      if (tip && (await chainViewAt(store, tip)) === 'capture') out.push(r);
    }
  }
  return out;
}

/**
 * The exact request and response of the model turn behind a record
 * (`tapes show --wire`): for a capture record, the turn it belongs to (the
 * first turn closed at or after it: the one whose request carried it, or its
 * answer); for a transcript record, the same message found in the run's
 * capture view (by message id, else by what it says), then as for a capture
 * record.
 */
export async function wireExchange(archive: Archive, id: string, holder?: string): Promise<WireExchange> {
  const store = await archive.objects();
  const rec = await readRecord(store, id);
  const value = rec.value as Record<string, unknown>;
  const chains = await captureChainsFor(archive, value, holder);
  const isCapture = captureOf(rec) !== undefined;
  for (const ref of chains) {
    const tip = await archive.refs.resolve(ref);
    if (!tip) continue;
    const turn = isCapture
      ? await turnClosing(store, tip, (r) => r.id === id)
      : // By message id first: identical text ("Done.") in another turn must not win over the id.
        ((await turnClosing(store, tip, await sameMessage(store, rec, false))) ?? (await turnClosing(store, tip, await sameMessage(store, rec, true))));
    if (turn) return exchangeOf(store, id, turn, ref);
  }
  if (isCapture && closesTurn(rec)) return exchangeOf(store, id, rec, null);
  throw new NotFoundError(
    isCapture
      ? `record ${id} is a capture record, but no chain that holds it was found (looked in ${chains.map(shortRefName).join(', ') || 'no session named by it'})`
      : `record ${id} has no wire capture: ${chains.length ? `none of ${chains.map(shortRefName).join(', ')} holds the same message` : 'no capture of its session is stored'} (tapes run records one)`,
    { id },
  );
}

/** Walks the chain from its tip: the turn-closing record nearest after (or at) the first record that `hit` accepts. */
async function turnClosing(store: ObjectStore, tip: string, hit: (r: StoredRecord) => boolean | Promise<boolean>): Promise<StoredRecord | undefined> {
  let closing: StoredRecord | undefined;
  let found: StoredRecord | undefined;
  for await (const r of walkChain(store, tip)) {
    if (closesTurn(r)) closing = r;
    if (await hit(r)) found = closing;
  }
  // The earliest hit in chain order was seen last; the turn that closed after it is the one that sent (or answered) it.
  return found;
}

/**
 * A test for "the same message" as a transcript record: its message id, else
 * (no id) its blocks by match digest. With `byContent`, the blocks are
 * compared whatever the ids: Gemini's transcript and its capture give one
 * message different ids, so the caller tries that when no id matched.
 */
async function sameMessage(store: ObjectStore, rec: StoredRecord, byContent: boolean): Promise<(r: StoredRecord) => Promise<boolean>> {
  const value = rec.value as Record<string, unknown>;
  const meta = (value.meta ?? {}) as Record<string, unknown>;
  const messageId = str(meta.message_id);
  const decoded = (await decodeValue((value.content ?? []) as never, (b) => readContent(store, b))) as unknown[];
  const blocks = new Set((Array.isArray(decoded) ? decoded : []).map((b) => matchDigest(null, [b])));
  return async (r) => {
    if (captureOf(r) === undefined) return false;
    const m = ((r.value as Record<string, unknown>).meta ?? {}) as Record<string, unknown>;
    if (messageId !== null && str(m.message_id) === messageId) return true;
    if (blocks.size === 0 || (messageId !== null && !byContent)) return false;
    const content = (await decodeValue(((r.value as Record<string, unknown>).content ?? []) as never, (b) => readContent(store, b))) as unknown[];
    return Array.isArray(content) && content.some((b) => blocks.has(matchDigest(null, [b])));
  };
}

async function exchangeOf(store: ObjectStore, asked: string, turn: StoredRecord, ref: string | null): Promise<WireExchange> {
  const c = captureOf(turn)!;
  const req = (c.request ?? {}) as Record<string, unknown>;
  const res = (c.response ?? {}) as Record<string, unknown>;
  const blob = (v: unknown): string | undefined => (v !== null && typeof v === 'object' && typeof (v as { $blob?: unknown }).$blob === 'string' ? (v as { $blob: string }).$blob : undefined);
  const headers = async (v: unknown): Promise<Array<[string, string]>> => {
    const id = blob(v);
    if (!id) return [];
    try {
      const list = JSON.parse(Buffer.from(await readContent(store, id)).toString('utf8')) as unknown;
      return Array.isArray(list) ? (list.filter((h) => Array.isArray(h) && h.length === 2).map((h) => [String(h[0]), String(h[1])]) as Array<[string, string]>) : [];
    } catch {
      return [];
    }
  };
  const parts: Buffer[] = [];
  await renderTemplate((req.body ?? []) as never, (id) => readContent(store, id), (b) => void parts.push(Buffer.from(b)));
  const rawId = blob(res.body);
  const raw = rawId ? Buffer.from(await readContent(store, rawId)) : Buffer.alloc(0);
  const encoding = str(res.content_encoding);
  let body: Buffer = raw;
  let problem: string | null = null;
  try {
    const d = await decodeBody(raw, encoding ?? undefined);
    body = Buffer.from(d.bytes);
    problem = d.problem ?? null;
  } catch (err) {
    if (!(err instanceof TapesError)) throw err;
    problem = err.message;
  }
  return {
    record: asked,
    turn: turn.id,
    ref,
    api: String(c.api ?? ''),
    request: { method: str(c.method) ?? 'POST', path: str(c.path) ?? '', headers: await headers(req.headers), body: Buffer.concat(parts) },
    response: { status: typeof c.status === 'number' ? c.status : 0, headers: await headers(res.headers), body, raw_bytes: raw.length, content_encoding: encoding, decode_problem: problem },
  };
}
