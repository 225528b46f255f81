// Reading and moving refs (.tapes/HEAD, .tapes/refs/…) with compare-and-swap
// through lock files, and a reflog line for every move.
//
// No symbolic link under the archive is followed (docs/security.md, "Inside
// .tapes"): a ref, a reflog or a directory above either that is a link is
// refused by name, by readers and writers alike; listings leave such refs
// out. A ref file is read as a bounded prefix (MAX_REF_FILE_SIZE).
import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { BadArchiveError, NotFoundError, RefConflictError } from '../errors/index.js';
import { ZERO_ID, isObjectId } from '../hash/index.js';
import { RealDirs, archivePath, entryKind, readBounded, symlinkError } from '../odb/no-follow.js';
import { LOCK_SUFFIX, LockFile } from './lock-file.js';
import { appendReflog, parseReflog, type ParsedReflogLine, type ReflogEntry } from './reflog.js';
import { MAX_REF_FILE_SIZE, MAX_REFLOG_FILE_SIZE, listRefFiles, readRefFile, type RefFile } from './ref-files.js';
import { checkFullRefName } from './ref-name.js';

export type RefValue = { kind: 'id'; id: string } | { kind: 'symbolic'; target: string };

export interface RefUpdateOptions {
  /** undefined: no check; null: the ref must not exist; an id: the ref must hold it. */
  expectedOld?: string | null;
  reason?: string;
  /** Follow a symbolic ref (HEAD) and move the ref it names. Default true. */
  deref?: boolean;
  lockTimeoutMs?: number;
}

export interface RefUpdateResult {
  name: string;
  old: string | null;
  new: string | null;
}

const MAX_SYMREF_DEPTH = 5;

/** Moves updateAll makes at once (measured on 300 new refs: 8 at once took 0.4× the time of one at a time). */
const UPDATE_CONCURRENCY = 8;

export class RefStore {
  private readonly real = new RealDirs();

  constructor(
    readonly dir: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Checks the directories between the archive and `path` (refs/, refs/sessions/ …):
   * a link among them is refused by name; 'missing' when one does not exist
   * (or is a file: then nothing below it does either).
   */
  private dirsAbove(path: string): 'ok' | 'missing' {
    const rel = archivePath(this.dir, path).split('/');
    let at = this.dir;
    for (const part of rel.slice(0, -1)) {
      at = join(at, part);
      const kind = this.real.kind(at);
      if (kind === 'symlink') throw symlinkError(this.dir, at);
      if (kind !== 'dir') return 'missing';
    }
    return 'ok';
  }

  /** Refuses a link in the place of `path` or above it (a ref or reflog about to be written). */
  private noLinkAt(path: string): void {
    if (this.dirsAbove(path) === 'ok' && entryKind(path) === 'symlink') throw symlinkError(this.dir, path);
  }

  pathOf(name: string): string {
    return join(this.dir, ...name.split('/'));
  }

  reflogPath(name: string): string {
    return join(this.dir, 'logs', ...name.split('/'));
  }

  /** The raw value of one ref, or undefined when it does not exist. */
  async read(name: string): Promise<RefValue | undefined> {
    checkFullRefName(name);
    const path = this.pathOf(name);
    if (this.dirsAbove(path) === 'missing') return undefined;
    // Synchronous: a ref is a few dozen bytes, and listing thousands of
    // sessions one await at a time costs twenty times as much.
    const r = readRefFile(path);
    if (r.ok) return parseRefContent(name, r.text);
    // A name too long for the file system names no ref; a directory is a
    // ref's namespace (refs/sessions/a of refs/sessions/a/b), not a ref.
    if (r.why === 'missing' || r.why === 'directory') return undefined;
    if (r.why === 'symlink') throw symlinkError(this.dir, path);
    const what = r.why === 'tooLarge' ? `${r.message}; a ref is one line` : r.message;
    throw new BadArchiveError(`ref ${name}: ${archivePath(this.dir, path)} ${what}`, { name, path: archivePath(this.dir, path) });
  }

  /** Follows symbolic refs to the ref that holds an id (which may not exist yet). */
  async follow(name: string): Promise<{ name: string; value: RefValue | undefined }> {
    let current = name;
    for (let depth = 0; depth <= MAX_SYMREF_DEPTH; depth++) {
      const value = await this.read(current);
      if (value?.kind !== 'symbolic') return { name: current, value };
      current = value.target;
    }
    throw new BadArchiveError(`ref ${name}: symbolic refs nest deeper than ${MAX_SYMREF_DEPTH}`, { name });
  }

  /** The id a ref finally points at, or undefined (missing, or unborn HEAD). */
  async resolve(name: string): Promise<string | undefined> {
    const { value } = await this.follow(name);
    return value?.kind === 'id' ? value.id : undefined;
  }

  /** All refs under `prefix` holding an id, sorted by name (symbolic refs skipped). */
  async list(prefix = 'refs/'): Promise<Array<{ name: string; id: string }>> {
    const out: Array<{ name: string; id: string }> = [];
    for (const name of await this.listNames(prefix)) {
      const v = await this.read(name).catch(() => undefined);
      if (v?.kind === 'id') out.push({ name, id: v.id });
    }
    return out;
  }

  /** Every file under refs/ that looks like a ref (lock files excluded), sorted. */
  async listNames(prefix = 'refs/'): Promise<string[]> {
    return this.listPaths(prefix).map((r) => r.name);
  }

  /**
   * listNames with each ref's file as the walk found it (the path pathOf
   * gives, without joining and normalising it again: a cost per ref of a
   * listing of hundreds).
   */
  listPaths(prefix = 'refs/'): Array<{ name: string; path: string }> {
    // Only the subtree the prefix names is walked (refs/agents/<session>/ of
    // an archive with hundreds of sessions is a handful of files).
    const dir = prefix.startsWith('refs/') ? prefix.slice('refs/'.length, prefix.lastIndexOf('/') + 1) : '';
    const paths = new Map<string, string>();
    for (const f of listRefFiles(this.dir, 'refs', dir).files) {
      const name = `refs/${f.rel}`;
      if (name.startsWith(prefix)) paths.set(name, f.abs);
    }
    return sortByBytes([...paths.keys()]).map((name) => ({ name, path: paths.get(name)! }));
  }

  /**
   * Every id gc must keep with all it reaches: the id of every ref under
   * refs/ (in name order), a detached HEAD, then both ids of every reflog
   * entry. Stricter than the readers: a ref or reflog that cannot be read
   * whole is refused, naming it (BadArchiveError), since the objects only it
   * keeps would otherwise look unreachable and be pruned. A ref or line whose
   * content names no id keeps nothing and is passed over (fsck names it).
   */
  rootIds(): string[] {
    const ids: string[] = [];
    const refs = this.rootFiles('refs');
    refs.sort((a, b) => compareBytes(a.rel, b.rel));
    for (const f of refs) {
      const text = this.rootText(f, 'refs');
      const id = /^([0-9a-f]{64})\n?$/.exec(text)?.[1];
      if (id) ids.push(id);
    }
    const head = join(this.dir, 'HEAD');
    const kind = entryKind(head);
    // No HEAD, or a directory in its place (fsck says badHead), holds no id.
    if (kind !== 'missing' && kind !== 'dir') {
      const text = this.rootText({ rel: 'HEAD', abs: head, type: kind === 'file' ? 'file' : kind === 'symlink' ? 'symlink' : 'other' }, '');
      const id = /^([0-9a-f]{64})\n?$/.exec(text)?.[1];
      if (id) ids.push(id);
    }
    ids.push(...this.reflogIds());
    return ids;
  }

  /**
   * Both ids of every reflog entry (new, then old; the zero id left out),
   * reflogs in path order. Lines that do not parse are passed over; a reflog
   * that cannot be read is refused by name, as in rootIds.
   */
  reflogIds(): string[] {
    const ids: string[] = [];
    for (const f of this.rootFiles('logs')) {
      for (const line of parseReflog(this.rootText(f, 'logs', MAX_REFLOG_FILE_SIZE))) {
        if (!line.ok) continue;
        for (const id of [line.entry.new, line.entry.old]) if (id !== ZERO_ID) ids.push(id);
      }
    }
    return ids;
  }

  /**
   * The files of refs/ or logs/ that gc's roots come from. A directory that
   * cannot be listed (or refs/, logs/ being a link) is refused by name: the
   * refs in it are unknown.
   */
  private rootFiles(area: 'refs' | 'logs'): RefFile[] {
    const listing = listRefFiles(this.dir, area);
    for (const u of listing.unlistable) {
      const rel = u.rel ? `${area}/${u.rel}` : area;
      if (u.message === 'is a symbolic link') throw rootError(rel, 'it is a symbolic link (tapes never follows one)');
      throw rootError(rel, `the directory cannot be listed (${u.message})`);
    }
    return listing.files;
  }

  /**
   * A root file's whole text (a ref: at most MAX_REF_FILE_SIZE bytes), or an
   * error naming it: a link, a FIFO, a file that cannot be read or is too
   * long. A file removed meanwhile keeps nothing.
   */
  private rootText(f: RefFile, area: 'refs' | 'logs' | '', max = MAX_REF_FILE_SIZE): string {
    const rel = area ? `${area}/${f.rel}` : f.rel;
    if (f.type === 'symlink') throw rootError(rel, 'it is a symbolic link (tapes never follows one)');
    if (f.type !== 'file') throw rootError(rel, 'it is not a regular file');
    const r = readBounded(f.abs, max);
    if (r.ok) return r.bytes.toString('utf8');
    if (r.why === 'missing') return '';
    if (r.why === 'symlink') throw rootError(rel, 'it is a symbolic link (tapes never follows one)');
    if (r.why === 'tooLarge') throw rootError(rel, `it ${r.message}`);
    if (r.why === 'unreadable') throw rootError(rel, `it cannot be read (${r.message})`);
    throw rootError(rel, 'it is not a regular file');
  }

  async readReflog(name: string): Promise<ParsedReflogLine[]> {
    checkFullRefName(name);
    const path = this.reflogPath(name);
    if (this.dirsAbove(path) === 'missing') return [];
    const r = readBounded(path, MAX_REFLOG_FILE_SIZE);
    if (r.ok) return parseReflog(r.bytes.toString('utf8'));
    if (r.why === 'missing') return [];
    if (r.why === 'symlink') throw symlinkError(this.dir, path);
    const rel = archivePath(this.dir, path);
    throw new BadArchiveError(`reflog of ${name}: ${rel} ${r.message}`, { name, path: rel });
  }

  /** The refs that have a reflog (HEAD and refs/…), in path order; unreadable ones are refused by name, as rootIds does. */
  reflogNames(): string[] {
    return this.rootFiles('logs')
      .filter((f) => f.type === 'file' || f.type === 'symlink')
      .map((f) => f.rel)
      .filter((rel) => rel === 'HEAD' || (rel.startsWith('refs/') && !rel.endsWith(LOCK_SUFFIX)));
  }

  /**
   * Rewrites the ids of a reflog's lines through `map` (an id it does not
   * change is kept), under the ref's lock, so that no move is appended
   * meanwhile: the new text is written beside the reflog, fsynced and renamed
   * over it. Times and reasons stay; lines that do not parse are kept as they
   * are. Returns how many lines changed (0: the file was not touched).
   */
  async rewriteReflog(name: string, map: (id: string) => string, lockTimeoutMs?: number): Promise<number> {
    checkFullRefName(name);
    const path = this.reflogPath(name);
    this.checkNoLinks(name);
    if (this.dirsAbove(path) === 'missing') return 0;
    const lock = await LockFile.acquire(this.pathOf(name), { what: name, timeoutMs: lockTimeoutMs });
    try {
      const r = readBounded(path, MAX_REFLOG_FILE_SIZE);
      if (!r.ok) {
        if (r.why === 'missing') return 0;
        if (r.why === 'symlink') throw symlinkError(this.dir, path);
        throw new BadArchiveError(`reflog of ${name}: ${archivePath(this.dir, path)} ${r.message}`, { name, path: archivePath(this.dir, path) });
      }
      const lines = r.bytes.toString('utf8').split('\n');
      let changed = 0;
      const out = lines.map((text) => {
        const m = /^([0-9a-f]{64}) ([0-9a-f]{64}) (.*)$/s.exec(text);
        if (!m) return text;
        const o = m[1] === ZERO_ID ? ZERO_ID : map(m[1]!);
        const n = m[2] === ZERO_ID ? ZERO_ID : map(m[2]!);
        if (o === m[1] && n === m[2]) return text;
        changed++;
        return `${o} ${n} ${m[3]}`;
      });
      if (changed === 0) return 0;
      // "<reflog>.lock": no ref name ends so, and we hold the ref's lock, so
      // one already there was left by a crash and is ours to replace.
      const tmp = path + LOCK_SUFFIX;
      await fs.rm(tmp, { force: true });
      const handle = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
      try {
        await handle.writeFile(out.join('\n'));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, path);
      return changed;
    } finally {
      await lock.release();
    }
  }

  /** Moves a ref to `newId` if it still holds the expected old value. */
  async update(name: string, newId: string, opts: RefUpdateOptions = {}): Promise<RefUpdateResult> {
    checkFullRefName(name);
    if (!isObjectId(newId)) throw new BadArchiveError(`refusing to store "${newId}" in ${name}: not an object id`, { name });
    const target = opts.deref === false ? name : (await this.follow(name)).name;
    this.checkNoLinks(target);
    await this.checkNoDirectoryConflict(target);
    const lock = await LockFile.acquire(this.pathOf(target), { what: target, timeoutMs: opts.lockTimeoutMs });
    try {
      const current = await this.readLocked(target, opts.deref === false);
      checkExpected(target, current, opts.expectedOld);
      const entry: ReflogEntry = {
        old: current ?? ZERO_ID,
        new: newId,
        time: this.now().toISOString(),
        reason: opts.reason ?? 'update-ref',
      };
      await appendReflog(this.reflogPath(target), entry);
      // As in git, HEAD's reflog also records moves of the session HEAD is on.
      if (target !== name || (target !== 'HEAD' && (await this.headTarget()) === target)) {
        await appendReflog(this.reflogPath('HEAD'), entry);
      }
      await lock.commit(newId + '\n');
      return { name: target, old: current ?? null, new: newId };
    } finally {
      await lock.release();
    }
  }

  /**
   * Makes many moves, as `update` makes each, several at once: each move
   * is some fifteen file operations and two fsyncs, and one after another
   * a packed import's 522 moves on the scale corpus kept the importing
   * thread waiting 1.0 s (docs/import-speed.md). Moves of the same name are
   * made in the order given; moves of different names have no order. A
   * batch where a name is outside refs/ (HEAD, which moves the ref it
   * names) or is a directory of another name (refs/a beside refs/a/b: one
   * of the two is refused, and which must not depend on timing) is made one
   * move at a time, in order. Every move is tried; the outcomes come back
   * in the order of `moves`.
   */
  async updateAll(moves: ReadonlyArray<{ name: string; id: string; opts?: RefUpdateOptions }>): Promise<Array<PromiseSettledResult<RefUpdateResult>>> {
    const out = new Array<PromiseSettledResult<RefUpdateResult>>(moves.length);
    const attempt = async (i: number): Promise<void> => {
      const m = moves[i]!;
      try {
        out[i] = { status: 'fulfilled', value: await this.update(m.name, m.id, m.opts) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    };
    const names = new Set(moves.map((m) => m.name));
    const apart = [...names].every((n) => n.startsWith('refs/') && !n.split('/').some((_, k, parts) => k > 0 && names.has(parts.slice(0, k).join('/'))));
    if (!apart) {
      for (let i = 0; i < moves.length; i++) await attempt(i);
      return out;
    }
    // One lane per name (its moves in order), UPDATE_CONCURRENCY lanes at a time.
    const lanes = new Map<string, number[]>();
    moves.forEach((m, i) => {
      const lane = lanes.get(m.name);
      if (lane) lane.push(i);
      else lanes.set(m.name, [i]);
    });
    const queue = [...lanes.values()];
    const runner = async (): Promise<void> => {
      for (let lane = queue.shift(); lane; lane = queue.shift()) for (const i of lane) await attempt(i);
    };
    await Promise.all(Array.from({ length: Math.min(UPDATE_CONCURRENCY, queue.length) }, runner));
    return out;
  }

  /** Deletes a ref if it holds the expected old value; its reflog goes with it, as in git. */
  async delete(name: string, opts: RefUpdateOptions = {}): Promise<RefUpdateResult> {
    checkFullRefName(name);
    const target = opts.deref === false ? name : (await this.follow(name)).name;
    this.checkNoLinks(name, target);
    const lock = await LockFile.acquire(this.pathOf(target), { what: target, timeoutMs: opts.lockTimeoutMs });
    try {
      const current = await this.readLocked(target, opts.deref === false);
      if (current === undefined) throw new NotFoundError(`ref ${target} does not exist`, { name: target });
      checkExpected(target, current, opts.expectedOld);
      if (target !== name) {
        await appendReflog(this.reflogPath(name), {
          old: current,
          new: ZERO_ID,
          time: this.now().toISOString(),
          reason: opts.reason ?? 'delete',
        });
      }
      await fs.rm(this.reflogPath(target), { force: true });
      await lock.commitDelete();
      await this.pruneEmptyDirs(target);
      return { name: target, old: current, new: null };
    } finally {
      await lock.release();
    }
  }

  /** Points a symbolic ref (HEAD) at another ref. */
  async setSymbolic(name: string, target: string, reason: string): Promise<void> {
    checkFullRefName(name);
    checkFullRefName(target);
    this.checkNoLinks(name);
    const lock = await LockFile.acquire(this.pathOf(name), { what: name });
    try {
      const before = await this.resolve(name).catch(() => undefined);
      const after = await this.resolve(target);
      if (after !== undefined && before !== after) {
        await appendReflog(this.reflogPath(name), {
          old: before ?? ZERO_ID,
          new: after ?? ZERO_ID,
          time: this.now().toISOString(),
          reason,
        });
      }
      await lock.commit(`ref: ${target}\n`);
    } finally {
      await lock.release();
    }
  }

  /**
   * Before any write: the refs and reflogs a move of `names` touches (HEAD's
   * reflog too), and the directories above them, must not be links.
   */
  private checkNoLinks(...names: string[]): void {
    for (const n of new Set(names)) {
      this.noLinkAt(this.pathOf(n));
      this.noLinkAt(this.reflogPath(n));
    }
    this.noLinkAt(this.reflogPath('HEAD'));
  }

  /** The id a locked ref holds now; a symbolic ref being overwritten (HEAD
   * detached with --no-deref) counts as holding what it resolves to. */
  private async headTarget(): Promise<string | undefined> {
    const v = await this.read('HEAD').catch(() => undefined);
    return v?.kind === 'symbolic' ? v.target : undefined;
  }

  private async readLocked(name: string, replacingSymbolic = false): Promise<string | undefined> {
    const v = await this.read(name);
    if (v === undefined) return undefined;
    if (v.kind === 'id') return v.id;
    if (replacingSymbolic) return this.resolve(v.target);
    throw new BadArchiveError(`ref ${name} is symbolic; cannot move it as a value`, { name });
  }

  /** git cannot hold refs/a and refs/a/b at once (a file cannot be a directory). */
  private async checkNoDirectoryConflict(name: string): Promise<void> {
    const parts = name.split('/');
    for (let i = 2; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const st = await fs.stat(this.pathOf(prefix)).catch(() => undefined);
      if (st?.isFile()) {
        throw new RefConflictError(`cannot create ${name}: ref ${prefix} exists`, { name, existing: prefix });
      }
    }
    const st = await fs.stat(this.pathOf(name)).catch(() => undefined);
    if (st?.isDirectory()) {
      const inside = (await this.listNames(name + '/'))[0] ?? name + '/…';
      throw new RefConflictError(`cannot create ${name}: ref ${inside} exists`, { name, existing: inside });
    }
  }

  private async pruneEmptyDirs(name: string): Promise<void> {
    const parts = name.split('/');
    // Keep the area directories (refs/sessions, refs/tags) themselves.
    for (let i = parts.length - 1; i >= 3; i--) {
      for (const base of [this.pathOf(parts.slice(0, i).join('/')), this.reflogPath(parts.slice(0, i).join('/'))]) {
        await fs.rmdir(base).catch(() => undefined);
      }
    }
  }
}

/** Why gc cannot take a ref or reflog as a root: it names the file, and says nothing was removed. */
function rootError(rel: string, why: string): BadArchiveError {
  return new BadArchiveError(
    `cannot read ${rel}: ${why}; the objects it keeps cannot be known, so nothing was removed`,
    { path: rel },
    'Repair or remove it (tapes fsck names what is wrong with it), then run the command again.',
  );
}

export function parseRefContent(name: string, text: string): RefValue {
  const sym = /^ref: (\S+)\n?$/.exec(text);
  if (sym) return { kind: 'symbolic', target: sym[1]! };
  const id = /^([0-9a-f]{64})\n?$/.exec(text);
  if (id) return { kind: 'id', id: id[1]! };
  throw new BadArchiveError(`ref ${name}: content is neither an object id nor "ref: <name>"`, { name });
}

function checkExpected(name: string, current: string | undefined, expected: string | null | undefined): void {
  if (expected === undefined) return;
  const want = expected === null || expected === ZERO_ID ? undefined : expected;
  if (current === want) return;
  throw new RefConflictError(
    want === undefined
      ? `cannot create ${name}: it already exists at ${current}`
      : current === undefined
        ? `cannot update ${name}: expected ${want}, but it does not exist`
        : `cannot update ${name}: expected ${want}, but it is at ${current}`,
    { name, expected: want ?? null, actual: current ?? null },
  );
}

const SURROGATE = /[\ud800-\udfff]/;

/**
 * `names` in the order of their UTF-8 bytes. Without a surrogate (a code
 * point past U+FFFF) that is UTF-16 order, which the engine's own sort
 * keeps without calling back into JavaScript (a comparator called
 * thousands of times in a cold process costs milliseconds).
 */
export function sortByBytes(names: string[]): string[] {
  return names.some((n) => SURROGATE.test(n)) ? names.sort(compareBytes) : names.sort();
}

/**
 * The order of the names' UTF-8 bytes (git's order), without encoding them:
 * UTF-8 byte order is code point order, which UTF-16 code unit order
 * differs from only where a surrogate (a code point past U+FFFF) meets a
 * unit that is not one.
 */
export function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
