// An open archive: its directory, refs, and (loaded on first use, because the
// codec costs ~30 ms to start) its object store. Commands reach storage only
// through this: the ObjectStore interface, and by name the few capabilities
// beyond it (batched writes, fsck's raw reads, the layout of objects/).
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { BadArchiveError } from '../errors/index.js';
import { LooseObjectStore, ObjectLayout, PackingTarget, READ_NOFOLLOW, symlinkError, type BatchWriteTarget, type ObjectStore, type VerifyingStore } from '../odb/index.js';
import { loadCodec } from '../object/index.js';
import { RefStore } from '../refs/index.js';
import { resolveRevision, type ResolvedRevision } from '../record/index.js';
import { FORMAT_VERSION, INITIAL_CONFIG, parseConfig, type Config } from './config.js';
import { initTarget, isArchiveDir, locateArchive, mayUseUserArchive, userArchiveDir, type ArchiveSource, type Location } from './discover.js';
import { NotAnArchiveError } from '../errors/index.js';

export interface ArchiveOptions {
  now?: () => Date;
}

/** How an opened archive was found, and whether this run created it (the user's archive, made on first import). */
export interface ArchiveOrigin {
  source: ArchiveSource;
  created: boolean;
}

export class Archive {
  readonly refs: RefStore;
  private store?: LooseObjectStore;
  /** Set by open and openOrCreate; undefined for an archive opened by path. */
  origin?: ArchiveOrigin;

  private constructor(
    readonly dir: string,
    readonly config: Config,
    readonly now: () => Date,
  ) {
    this.refs = new RefStore(dir, now);
  }

  static async open(loc: Location, opts: ArchiveOptions = {}): Promise<Archive> {
    const found = await locateArchive(loc);
    const archive = await Archive.openAt(found.path, opts);
    archive.origin = { source: found.source, created: false };
    return archive;
  }

  /**
   * The archive found as `open` finds it; when there is none and nothing
   * named one (no --archive, no $TAPES_DIR), the user's archive, created
   * (what lets `tapes import` work anywhere on a new machine).
   */
  static async openOrCreate(loc: Location, opts: ArchiveOptions = {}): Promise<Archive> {
    try {
      return await Archive.open(loc, opts);
    } catch (err) {
      if (!(err instanceof NotAnArchiveError) || !mayUseUserArchive(loc) || typeof err.data.user !== 'string') throw err;
      // Only a missing or empty folder is made into the archive: anything else there is not ours to take over.
      const user = err.data.user;
      const entries = await fs.readdir(user).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
      if (entries.length > 0) throw new NotAnArchiveError(`not a tapes archive: ${user} (the user archive)`, { path: user }, err.hint);
      const made = await Archive.init(loc, undefined, true);
      const archive = await Archive.openAt(made.path, opts);
      archive.origin = { source: 'user', created: made.created };
      return archive;
    }
  }

  static async openAt(dir: string, opts: ArchiveOptions = {}): Promise<Archive> {
    const path = join(dir, 'config');
    // Never through a link (docs/security.md): a linked config is not the archive's.
    const text = await fs.readFile(path, { encoding: 'utf8', flag: READ_NOFOLLOW }).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ELOOP' || err.code === 'EMLINK' ? symlinkError(dir, path) : err;
    });
    const config = parseConfig(text, path);
    const version = Number(config.get('core.formatversion') ?? '1');
    if (!Number.isInteger(version) || version > FORMAT_VERSION) {
      throw new BadArchiveError(
        `${path}: archive format version ${config.get('core.formatversion')} is not supported (this tapes reads up to ${FORMAT_VERSION})`,
        { path },
      );
    }
    return new Archive(dir, config, opts.now ?? (() => new Date()));
  }

  /**
   * The user's archive itself, created when missing (the archive agent hooks
   * import into, whatever directory the agent runs in). A folder there that
   * is not an archive and not empty is refused, never taken over.
   */
  static async openUser(env: Record<string, string | undefined>, opts: ArchiveOptions = {}): Promise<Archive> {
    const dir = userArchiveDir(env);
    if (!dir) throw new NotAnArchiveError('cannot place the user archive: neither $XDG_DATA_HOME nor $HOME is set', {});
    let created = false;
    if (!(await isArchiveDir(dir))) {
      const entries = await fs.readdir(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
      if (entries.length > 0) throw new NotAnArchiveError(`not a tapes archive: ${dir} (the user archive)`, { path: dir });
      created = (await Archive.init({ cwd: dir, env }, undefined, true)).created;
    }
    const archive = await Archive.openAt(dir, opts);
    archive.origin = { source: 'user', created };
    return archive;
  }

  /** Creates an archive (or finds an existing one, as `git init` does). */
  static async init(loc: Location, dir?: string, user = false): Promise<{ path: string; created: boolean }> {
    const path = initTarget(loc, dir, user);
    if (await isArchiveDir(path)) return { path, created: false };
    for (const sub of ['objects', 'refs/sessions', 'refs/tags', 'logs', 'index']) {
      await fs.mkdir(join(path, sub), { recursive: true });
    }
    await fs.writeFile(join(path, 'config'), INITIAL_CONFIG, { flag: 'wx' }).catch((err) => {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    });
    return { path, created: true };
  }

  get objectsDir(): string {
    return join(this.dir, 'objects');
  }

  /** The store, its codec not necessarily loaded (resolve: lookups, and reads that load it when they decode). */
  private lookupStore(): LooseObjectStore {
    this.store ??= LooseObjectStore.openLookup(this.objectsDir);
    return this.store;
  }

  private looseStore(): Promise<LooseObjectStore> {
    return this.lookupStore().codecReady();
  }

  /** The store for reading (its reads need no codec start-up; a write loads the codec when it first compresses). */
  async objects(): Promise<ObjectStore> {
    return this.lookupStore();
  }

  /** The same store as a WriteQueue drives it: writes that say what they added. */
  objectWriter(): Promise<BatchWriteTarget> {
    return this.looseStore();
  }

  /** A writer that puts new objects into one pack (a large import; see odb/packing-target.ts). */
  async packingWriter(): Promise<PackingTarget> {
    const store = await this.looseStore();
    return new PackingTarget(store, await loadCodec());
  }

  /** The same store as fsck reads it: object files by path, verified from raw bytes. */
  objectVerifier(): Promise<VerifyingStore> {
    return this.looseStore();
  }

  private layout?: ObjectLayout;

  /** The files of objects/ (listing, counting, sweeping, ids by prefix), without loading the codec. */
  objectLayout(): ObjectLayout {
    this.layout ??= new ObjectLayout(this.objectsDir);
    return this.layout;
  }

  async resolve(rev: string): Promise<ResolvedRevision> {
    // Without loading the codec: a full id or a prefix is looked up, not
    // decoded; a revision that walks records (session~3) loads it on its first read.
    // <ref>~N takes the id from the ref's chain index when there is one.
    return resolveRevision(this.lookupStore(), this.refs, rev, async (ref, tip) => (await import('./log/chain-index.js')).chainIds(this, ref, tip));
  }
}
