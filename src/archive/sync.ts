// push, fetch, pull and clone over a Transport (src/remote). Objects always
// move before refs; remote refs move by compare-and-swap on the value seen;
// every name and object that comes from a remote is checked, and a fetch that
// finds anything wrong stops before it moves a single local ref.
import { promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AlreadyExistsError, InvalidInputError, NotFoundError, UsageError, isTapesError } from '../errors/index.js';
import { isObjectId } from '../hash/index.js';
import {
  AGENTS_PREFIX,
  CAPTURES_PREFIX,
  REMOTES_PREFIX,
  SESSIONS_PREFIX,
  TAGS_PREFIX,
  checkFullRefName,
  holdsChain,
  refNameProblem,
} from '../refs/index.js';
import { readRecord, type SecretDetector } from '../record/index.js';
import type { ObjectStore } from '../odb/index.js';
import { fileRemoteDir, forEachRef, openTransport, type RefUpdate, type RemoteRef, type TransferProgress, type Transport } from '../remote/index.js';
import { Archive } from './archive.js';
import { addRemote, getRemote, normalizeRemoteUrl, redactUrl } from './remote.js';
import { refsWithStatCache } from './ref-stat-cache.js';
import { sessionChains } from './session-chains.js';
import { archiveSecretDetector, type ChainSecret } from './secrets.js';
import { PARALLEL_SCAN_FROM, walkChains } from './secret-scan.js';
import type { StitchedWalk } from './push-walk.js';

export interface SyncOptions {
  /** Called as objects move (for progress on a terminal). */
  progress?: (p: TransferProgress) => void;
  /** Overrides the transport the URL would choose (tests). */
  transport?: Transport;
  /** The environment, where an http(s) transport finds credentials. */
  env?: Record<string, string | undefined>;
}

interface Target {
  /** The configured remote's name; undefined when a URL was given directly. */
  name?: string;
  url: string;
}

async function target(archive: Archive, remote: string, cwd: string): Promise<Target> {
  try {
    const r = await getRemote(archive, remote);
    return { name: r.name, url: r.url };
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    if (!/[/\\:]/.test(remote) && remote !== '.' && remote !== '..') throw err;
    return { url: normalizeRemoteUrl(remote, cwd) };
  }
}

async function transportFor(archive: Archive, t: Target, opts: SyncOptions): Promise<Transport> {
  const inner = opts.transport ?? (await openTransport(t.url, { now: archive.now, archiveDir: archive.dir, env: opts.env, store: /^https?:\/\//i.test(t.url) ? await archive.objects() : undefined }));
  // System errors (a refused connection, a permission) are named with the remote they came from.
  const named = <T>(p: Promise<T>): Promise<T> =>
    p.catch((err: unknown) => {
      if (isTapesError(err) || !(err instanceof Error)) throw err;
      throw new InvalidInputError(`remote ${redactUrl(t.url)}: ${err.message}`, { url: redactUrl(t.url) });
    });
  return {
    listRefs: () => named(inner.listRefs()),
    push: (...a) => named(inner.push(...a)),
    takesWalked: inner.takesWalked,
    fetch: (...a) => named(inner.fetch(...a)),
    close: () => inner.close(),
  };
}

/** Checks every ref a remote lists: a valid, full name in sessions, agents or tags, holding an id. */
export function checkRemoteRefs(refs: RemoteRef[], url: string): void {
  for (const r of refs) {
    const problem =
      refNameProblem(r.name) ??
      (() => {
        try {
          checkFullRefName(r.name);
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      })() ??
      (![SESSIONS_PREFIX, AGENTS_PREFIX, CAPTURES_PREFIX, TAGS_PREFIX].some((p) => r.name.startsWith(p)) ? 'not under refs/sessions, refs/agents, refs/captures or refs/tags' : undefined);
    if (problem) {
      throw new InvalidInputError(`remote ${redactUrl(url)}: refusing ref ${JSON.stringify(r.name)}: ${problem}`, { ref: r.name, rule: problem });
    }
    if (!isObjectId(r.id)) {
      throw new InvalidInputError(`remote ${redactUrl(url)}: ref ${r.name} does not hold an object id`, { ref: r.name });
    }
  }
}

/**
 * The refs a remote listed, apart from those it refused to hand over (a
 * link, a file too long to be a ref): those are reported by name, and the
 * transfer goes on without them.
 */
function splitRefused(listed: RemoteRef[]): { remoteRefs: RemoteRef[]; refused: Array<RemoteRef & { refused: string }> } {
  const refused = listed.filter((r): r is RemoteRef & { refused: string } => r.refused !== undefined);
  return { remoteRefs: listed.filter((r) => r.refused === undefined), refused };
}

/** Where a remote's ref is kept locally after a fetch. */
export function trackingRef(remote: string, name: string): string {
  if (name.startsWith(TAGS_PREFIX)) return name;
  return `${REMOTES_PREFIX}${remote}/${name.slice('refs/'.length)}`;
}

/** True when `ancestor` is `tip` or on `tip`'s chain; walks back from `tip` only until it is found. */
export async function isAncestor(store: ObjectStore, ancestor: string, tip: string): Promise<boolean> {
  if (ancestor === tip) return true;
  if (!(await store.has(ancestor))) return false;
  let id: string | null = tip;
  while (id !== null) {
    if (id === ancestor) return true;
    if (!(await store.has(id))) return false;
    const obj = await store.read(id);
    if (obj.type !== 'record') return false;
    id = (await readRecord(store, id)).parent;
  }
  return false;
}

// ---- fetch ------------------------------------------------------------------

export type RefStatus = 'new' | 'fast-forward' | 'forced' | 'deleted' | 'up-to-date' | 'rejected' | 'diverged' | 'ahead' | 'pruned';

export interface RefReport {
  /** The ref on the remote. */
  ref: string;
  /** The local ref it updates (a remote-tracking ref, a tag or a session). */
  local?: string;
  old: string | null;
  new: string | null;
  status: RefStatus;
  reason?: string;
}

export interface FetchResult {
  remote: string;
  url: string;
  objects: number;
  bytes: number;
  refs: RefReport[];
  /** What the remote listed (checked), for pull. */
  remoteRefs: RemoteRef[];
}

export async function fetchRemote(
  archive: Archive,
  remote: string,
  opts: SyncOptions & { prune?: boolean; cwd?: string } = {},
): Promise<FetchResult> {
  const t = await target(archive, remote, opts.cwd ?? archive.dir);
  if (t.name === undefined) throw new UsageError(`fetch needs a configured remote; add one with "tapes remote add <name> ${t.url}"`);
  const transport = await transportFor(archive, t, opts);
  try {
    const { remoteRefs, refused } = splitRefused(await transport.listRefs());
    checkRemoteRefs(remoteRefs, t.url);
    const store = await archive.objects();
    const wants = [...new Set(remoteRefs.map((r) => r.id))];
    const moved = await transport.fetch(store, wants, opts.progress);
    // Objects first, refs last: every ref below points at something stored.
    // Only refs that move are checked, so the cost grows with what changed.
    const changed: RemoteRef[] = [];
    for (const r of remoteRefs) {
      if ((await archive.refs.resolve(trackingRef(t.name, r.name))) !== r.id) changed.push(r);
    }
    for (const r of changed) {
      if (!(await store.has(r.id))) {
        throw new InvalidInputError(`remote ${redactUrl(t.url)}: ref ${r.name} names ${r.id}, which the remote did not send`, { ref: r.name, id: r.id });
      }
      if (holdsChain(r.name)) {
        const obj = await store.read(r.id);
        if (obj.type !== 'record') {
          throw new InvalidInputError(`remote ${redactUrl(t.url)}: ref ${r.name} names ${r.id}, a ${obj.type}, not a record`, { ref: r.name, id: r.id });
        }
      }
    }
    const reports: RefReport[] = [];
    for (const r of refused) {
      const local = trackingRef(t.name, r.name);
      const old = (await archive.refs.resolve(local).catch(() => undefined)) ?? null;
      reports.push({ ref: r.name, local, old, new: old, status: 'rejected', reason: `refused ${r.name} on the remote: ${r.refused}` });
    }
    for (const r of remoteRefs) {
      const local = trackingRef(t.name, r.name);
      const old = (await archive.refs.resolve(local)) ?? null;
      if (old === r.id) {
        reports.push({ ref: r.name, local, old, new: r.id, status: 'up-to-date' });
        continue;
      }
      if (local.startsWith(TAGS_PREFIX) && old !== null) {
        reports.push({ ref: r.name, local, old, new: r.id, status: 'rejected', reason: 'would clobber an existing local tag' });
        continue;
      }
      await archive.refs.update(local, r.id, { expectedOld: old, reason: `fetch ${t.name}`, deref: false });
      const ff = old !== null && (await isAncestor(store, old, r.id));
      reports.push({ ref: r.name, local, old, new: r.id, status: old === null ? 'new' : ff ? 'fast-forward' : 'forced' });
    }
    if (opts.prune) {
      // A refused ref is still there on the remote: its tracking ref stays.
      const listed = new Set([...remoteRefs, ...refused].map((r) => trackingRef(t.name!, r.name)));
      for (const r of await archive.refs.list(`${REMOTES_PREFIX}${t.name}/`)) {
        if (listed.has(r.name)) continue;
        await archive.refs.delete(r.name, { expectedOld: r.id, reason: `fetch ${t.name}: prune`, deref: false });
        reports.push({ ref: 'refs/' + r.name.slice(`${REMOTES_PREFIX}${t.name}/`.length), local: r.name, old: r.id, new: null, status: 'pruned' });
      }
    }
    return { remote: t.name, url: t.url, objects: moved.objects, bytes: moved.bytes, refs: reports, remoteRefs };
  } finally {
    await transport.close();
  }
}

// ---- pull -------------------------------------------------------------------

export interface PullResult extends FetchResult {
  /** What happened to each local session and agent chain. */
  sessions: RefReport[];
}

/** Fetches, then fast-forwards (or creates) local sessions and agent chains; diverged ones are kept as they are. */
export async function pullRemote(archive: Archive, remote: string, opts: SyncOptions & { prune?: boolean; cwd?: string } = {}): Promise<PullResult> {
  const fetched = await fetchRemote(archive, remote, opts);
  const store = await archive.objects();
  const sessions: RefReport[] = [];
  for (const r of fetched.remoteRefs) {
    if (!holdsChain(r.name)) continue;
    const local = r.name;
    const mine = (await archive.refs.resolve(local)) ?? null;
    const report = (status: RefStatus, reason?: string) =>
      sessions.push({ ref: r.name, local, old: mine, new: status === 'new' || status === 'fast-forward' ? r.id : mine, status, ...(reason ? { reason } : {}) });
    if (mine === r.id) report('up-to-date');
    else if (mine === null) {
      await archive.refs.update(local, r.id, { expectedOld: null, reason: `pull ${fetched.remote}`, deref: false });
      report('new');
    } else if (await isAncestor(store, mine, r.id)) {
      await archive.refs.update(local, r.id, { expectedOld: mine, reason: `pull ${fetched.remote}: fast-forward`, deref: false });
      report('fast-forward');
    } else if (await isAncestor(store, r.id, mine)) report('ahead');
    else report('diverged', `both sides added records; the remote end is kept as ${trackingRef(fetched.remote, r.name)}`);
  }
  return { ...fetched, sessions };
}

// ---- push -------------------------------------------------------------------

export interface PushOptions extends SyncOptions {
  force?: boolean;
  dryRun?: boolean;
  delete?: boolean;
  cwd?: string;
  /** Send records the secret detector flags (refused by default). */
  allowSecrets?: boolean;
}

export interface PushResult {
  remote: string;
  url: string;
  objects: number;
  bytes: number;
  refs: RefReport[];
}

interface Planned {
  src: string | null;
  dst: string;
}

async function plan(archive: Archive, specs: string[], del: boolean): Promise<Planned[]> {
  const out: Planned[] = [];
  const full = async (name: string, mustExist: boolean): Promise<string> => {
    if (name.startsWith('refs/')) return checkFullRefName(name);
    for (const p of [SESSIONS_PREFIX, TAGS_PREFIX, AGENTS_PREFIX]) {
      if (!mustExist || (await archive.refs.resolve(checkFullRefName(p + name))) !== undefined) return p + name;
    }
    throw new NotFoundError(`no session or tag named ${name}`, { name });
  };
  if (specs.length === 0) {
    if (del) throw new UsageError('--delete needs the refs to delete');
    // One lstat per ref where index/ref-stat.json vouches for it (ref-stat-cache.ts).
    for (const r of await refsWithStatCache(archive, [SESSIONS_PREFIX, AGENTS_PREFIX, CAPTURES_PREFIX, TAGS_PREFIX])) out.push({ src: r.id, dst: r.name });
    return out;
  }
  for (const spec of specs) {
    const colon = spec.indexOf(':');
    if (del || spec.startsWith(':')) {
      out.push({ src: null, dst: await full(del ? spec : spec.slice(1), false) });
    } else if (colon >= 0) {
      const src = (await archive.resolve(spec.slice(0, colon))).id;
      out.push({ src, dst: await full(spec.slice(colon + 1), false) });
    } else {
      const name = await full(spec, true);
      const id = await archive.refs.resolve(name);
      if (id === undefined) throw new NotFoundError(`no ref ${name}`, { name });
      // A session travels with its subagent chains, and each with its capture view.
      if (name.startsWith(SESSIONS_PREFIX)) for (const c of await sessionChains(archive, name, id)) out.push({ src: c.id, dst: c.name });
      else out.push({ src: id, dst: name });
    }
  }
  return out;
}

export async function pushRemote(archive: Archive, remote: string, specs: string[], opts: PushOptions = {}): Promise<PushResult> {
  const t = await target(archive, remote, opts.cwd ?? archive.dir);
  const planned = await plan(archive, specs, Boolean(opts.delete));
  // Read first, so a bad custom rule is reported whether or not anything is sent.
  const detector = opts.allowSecrets ? undefined : await archiveSecretDetector(archive.dir);
  const transport = await transportFor(archive, t, opts);
  try {
    // A refused ref's value is unknown; an update of it is refused by the remote's ref store.
    const { remoteRefs } = splitRefused(await transport.listRefs());
    checkRemoteRefs(remoteRefs, t.url);
    const theirs = new Map(remoteRefs.map((r) => [r.name, r.id]));
    const store = await archive.objects();
    const reports: RefReport[] = [];
    const updates: RefUpdate[] = [];
    const reportOf = new Map<RefUpdate, RefReport>();
    for (const p of planned) {
      const old = theirs.get(p.dst) ?? null;
      const base = { ref: p.dst, old, new: p.src };
      if (p.src === null) {
        if (old === null) reports.push({ ...base, status: 'rejected', reason: 'no such ref on the remote' });
        else {
          reports.push({ ...base, status: 'deleted' });
          updates.push({ name: p.dst, old, new: null, force: Boolean(opts.force) });
        }
        continue;
      }
      if (old === p.src) {
        reports.push({ ...base, status: 'up-to-date' });
        continue;
      }
      // A session (or agent, or capture) ref must hold a record. A new one's
      // tip is looked at by the walk below, which reads it anyway (reading
      // 522 tips here, each in a frame of its own, was half a second before
      // the walk began); a moved one's is read now.
      if (holdsChain(p.dst) && old !== null && (await store.read(p.src)).type !== 'record') {
        reports.push({ ...base, status: 'rejected', reason: `${p.src} is not a record` });
        continue;
      }
      let status: RefStatus = 'new';
      if (old !== null) {
        const ff = !p.dst.startsWith(TAGS_PREFIX) && (await isAncestor(store, old, p.src));
        if (!ff && !opts.force) {
          const reason = !(await store.has(old))
            ? 'fetch first: the remote has records this archive lacks'
            : p.dst.startsWith(TAGS_PREFIX)
              ? 'the tag already exists on the remote'
              : 'not a fast-forward: the session diverged';
          reports.push({ ...base, status: 'rejected', reason });
          continue;
        }
        status = ff ? 'fast-forward' : 'forced';
      }
      const report: RefReport = { ...base, status };
      const update: RefUpdate = { name: p.dst, old, new: p.src, force: Boolean(opts.force) };
      reports.push(report);
      updates.push(update);
      reportOf.set(update, report);
    }
    // The records and blobs to send are read once: by the secret scan, which
    // refuses before anything is sent, or (--allow-secrets, many chains) by
    // the same walk without scanning, on threads; the transfer takes what
    // they read instead of reading it again.
    let walk: StitchedWalk | undefined;
    const tips = updates.flatMap((u) => (u.new === null ? [] : [u.new]));
    if (detector && tips.length > 0) walk = await refuseSecrets(archive, detector, updates, [...theirs.values()]);
    else if (tips.length > 0 && !opts.dryRun && transport.takesWalked) walk = await walkToSend(archive, tips, [...theirs.values()], t.url);
    // New chain refs whose tip is not a record are refused now, as moved ones were above.
    for (let i = 0; i < updates.length; i++) {
      const u = updates[i]!;
      if (u.new === null || u.old !== null || !holdsChain(u.name)) continue;
      // The walk's word for a tip it read; any other is read here.
      const type = walk?.walked.records.has(u.new) ? 'record' : (walk?.notRecords.get(u.new) ?? (await store.read(u.new)).type);
      if (type === 'record') continue;
      const r = reportOf.get(u)!;
      r.status = 'rejected';
      r.reason = `${u.new} is not a record`;
      updates.splice(i--, 1);
    }
    let moved = { objects: 0, bytes: 0 };
    if (!opts.dryRun && updates.length > 0) {
      const tips = updates.flatMap((u) => (u.new === null ? [] : [u.new]));
      let sent = { objects: 0, bytes: 0 };
      // The report an outcome belongs to, and the note of it kept here (as a fetch would keep it).
      const reportFor = (name: string) => reports.find((x) => x.ref === name && x.status !== 'rejected' && x.status !== 'up-to-date');
      const tracked = new Set<RefReport>();
      const named = new Set<string>();
      const twice = new Set<string>();
      for (const u of updates) (named.has(u.name) ? twice : named).add(u.name);
      const failures: unknown[] = [];
      const track = async (r: RefReport): Promise<void> => {
        if (t.name === undefined || r.ref.startsWith(TAGS_PREFIX) || tracked.has(r)) return;
        tracked.add(r);
        const local = trackingRef(t.name, r.ref);
        const before = (await archive.refs.resolve(local)) ?? null;
        if (r.new === null) {
          if (before !== null) await archive.refs.delete(local, { expectedOld: before, reason: `push ${t.name}`, deref: false });
        } else if (before !== r.new) {
          await archive.refs.update(local, r.new, { expectedOld: before, reason: `push ${t.name}`, deref: false });
        }
      };
      const outcomes = await transport.push(
        store,
        tips,
        [...theirs.values()],
        updates,
        (p) => {
          sent = p;
          opts.progress?.(p);
        },
        {
          walked: walk?.walked,
          // Noted as each moves, while the others move (a transport that does not call this has them noted below).
          // A ref named twice waits for every outcome: which report is whose is known only then.
          moved: async (o) => {
            const r = twice.has(o.name) ? undefined : reportFor(o.name);
            if (r) await track(r).catch((err: unknown) => void failures.push(err));
          },
        },
      );
      moved = sent;
      const rest: RefReport[] = [];
      for (const o of outcomes) {
        const r = reportFor(o.name);
        if (!r) continue;
        if (!o.ok) {
          r.status = 'rejected';
          r.reason = o.reason;
        } else if (!tracked.has(r)) rest.push(r);
      }
      await forEachRef(
        rest.map((r) => ({ name: r.ref, r })),
        ({ r }) => track(r),
      );
      if (failures.length > 0) throw failures[0];
    }
    return { remote: t.name ?? t.url, url: t.url, objects: moved.objects, bytes: moved.bytes, refs: reports };
  } finally {
    await transport.close();
  }
}

/**
 * Only what the remote lacks is scanned: each updated ref's records back to the
 * first one the remote's refs reach. Refuses naming the ref, record and rule;
 * otherwise returns what the scan read, for the transfer.
 */
async function refuseSecrets(archive: Archive, detector: SecretDetector, updates: RefUpdate[], remoteTips: string[]): Promise<StitchedWalk> {
  // Each chain is scanned back to the first record a remote ref points at
  // (for a fast-forward, the ref's old tip), not against every record the
  // remote's chains reach: collecting those read the whole archive (4 s on
  // the scale corpus) to push one record. A record the remote holds only
  // inside another of its chains is scanned again (docs/secrets.md).
  // A tip that is not a record (a tag may name a blob) holds no chain to scan.
  const known = new Set(remoteTips);
  const chains = updates.flatMap((u) => (u.new === null ? [] : [{ ref: u.name, tip: u.new }]));
  const scanned = await walkChains(archive, detector, chains.map((c) => c.tip), known);
  const found: Array<ChainSecret & { ref: string }> = [];
  for (const [i, c] of chains.entries()) for (const f of scanned.findings![i]!) found.push({ ref: c.ref, ...f });
  if (found.length === 0) return scanned;
  const lines = found.slice(0, 20).map((f) => `  ${f.ref} record ${f.record} ${f.path}${f.blob ? ` (blob ${f.blob})` : ''}: ${f.rule} (digest ${f.digest.slice(0, 16)})`);
  if (found.length > 20) lines.push(`  … and ${found.length - 20} more`);
  throw new InvalidInputError(
    `refusing to push: ${found.length} secret${found.length === 1 ? '' : 's'} in records the remote lacks:\n${lines.join('\n')}`,
    { secrets: found.map(({ ref, record, rule, path, blob, digest }) => ({ ref, record, rule, path, ...(blob ? { blob } : {}), digest })) },
    'share a masked copy with "tapes export --redact", allow a known value in .tapes/config ([secrets] allow = <rule>:<digest>), or push with --allow-secrets',
  );
}

/**
 * Without a scan, many chains are read on threads before the transfer (the
 * walk the scan does, stopping where the remote already holds a record);
 * few are left to the transfer to read as it goes.
 */
async function walkToSend(archive: Archive, tips: string[], remoteTips: string[], url: string): Promise<StitchedWalk | undefined> {
  if (tips.length < PARALLEL_SCAN_FROM) return undefined;
  const remoteObjects = /^https?:\/\//i.test(url) ? undefined : join(fileRemoteDir(url), 'objects');
  return walkChains(archive, undefined, tips, new Set(remoteTips), { remoteObjects });
}

// ---- clone ------------------------------------------------------------------

export interface CloneResult extends PullResult {
  path: string;
}

/** The directory `clone` creates when none is named: the source's last path part, without ".tapes". */
export function cloneDirName(url: string): string {
  let path = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/, '').replace(/[/\\]+$/, '');
  if (basename(path) === '.tapes') path = dirname(path);
  const name = basename(path).replace(/\.tapes$/, '').replace(/\.git$/, '');
  if (!name || name === '.' || name === '..') throw new UsageError(`cannot guess a directory name from ${url}; name one`);
  return name;
}

/**
 * Where a clone is built: beside the `.tapes` it becomes, renamed into place
 * only once it is whole (a rename is atomic). A clone that was killed leaves
 * only this directory, so running `clone` again into the same destination
 * starts over instead of refusing (nothing in it is the user's).
 */
export const CLONE_IN_PROGRESS = '.tapes.clone-in-progress';

/**
 * A new archive in `<dir>/.tapes` with `url` as origin and every session
 * checked out; removed again when it fails, and started over when an earlier
 * clone into the same place was killed.
 */
export async function cloneArchive(url: string, dir: string | undefined, cwd: string, opts: SyncOptions & { now?: () => Date } = {}): Promise<CloneResult> {
  const stored = normalizeRemoteUrl(url, cwd);
  const path = resolve(cwd, dir ?? cloneDirName(stored));
  if (!/^https?:\/\//i.test(stored)) {
    // Checked before anything is created: a missing source must not turn into a clone of the new directory.
    const source = fileRemoteDir(stored);
    if (source === join(path, '.tapes') || source === path || source === join(path, CLONE_IN_PROGRESS)) {
      throw new UsageError(`cannot clone ${url} into itself (${path})`);
    }
  }
  const entries = await fs.readdir(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  const building = join(path, CLONE_IN_PROGRESS);
  if (entries !== undefined && entries.length > 0) {
    if (entries.length !== 1 || entries[0] !== CLONE_IN_PROGRESS) throw new AlreadyExistsError(`destination ${path} already exists and is not empty`, { path });
    await fs.rm(building, { recursive: true, force: true });
  }
  const created = entries === undefined;
  try {
    await fs.mkdir(path, { recursive: true });
    const { path: buildDir } = await Archive.init({ cwd, env: {}, archive: building });
    const archive = await Archive.openAt(buildDir, { now: opts.now });
    await addRemote(archive, 'origin', stored, cwd);
    const pulled = await pullRemote(archive, 'origin', opts);
    const archiveDir = join(path, '.tapes');
    await fs.rename(buildDir, archiveDir);
    return { ...pulled, path: archiveDir };
  } catch (err) {
    await (created ? fs.rm(path, { recursive: true, force: true }) : fs.rm(building, { recursive: true, force: true }));
    throw err;
  }
}
