// The files of objects/, and the one place that knows their names: fan-out
// directories `<2 hex>/` of loose object files `<62 hex>`, the temp files of
// writes in progress beside them, and pack/ with its packs, indexes and temp
// packs (docs/format.md). The store reads and writes through it; gc sweeps
// and counts, fsck lists and search abbreviates through it, none of them
// knowing a file name. Nothing here needs the zstd codec.
//
// No symbolic link under objects/ is ever followed (no-follow.ts): a linked
// fan-out directory, pack directory or object file is not part of the store.
// Listings skip it (scan names it, for fsck), reads miss it, writes refuse
// it, and nothing is removed or touched behind it.
import { promises as fs, lstatSync, lutimesSync, mkdirSync, readdirSync, readFileSync, rmdirSync, unlinkSync, type Dirent } from 'node:fs';
import { dirname, join } from 'node:path';
import { BadArchiveError } from '../errors/index.js';
import { isObjectId } from '../hash/index.js';
import { RealDirs, archivePath, entryKind, symlinkError } from './no-follow.js';
import { PackIndex } from './pack-format.js';
import { listPackNames } from './pack-reader.js';
import { PACK_TEMP_PREFIX } from './pack-writer.js';

/** Loose temp files start with this: `<fan-out>/tmp_obj_…`. */
export const TEMP_PREFIX = 'tmp_obj_';

const FANOUT_RE = /^[0-9a-f]{2}$/;
const LOOSE_NAME_RE = /^[0-9a-f]{62}$/;
const PACK_FILE_RE = /^pack-([0-9a-f]{64})\.(pack|idx)$/;
/** Directories of objects/ that belong to the format but hold no loose objects. */
const RESERVED_DIRS = new Set(['pack']);

/** One entry of objects/ as fsck sees it; paths are relative to objects/, "/"-separated. */
export type LooseEntry =
  | { kind: 'object'; id: string }
  | { kind: 'temp'; path: string; abs: string }
  /** notFanout: a directory that is not a fan-out one; outsideFanout: a file at the top;
   *  notObjectName: a file in a fan-out directory not named as an object; notRegular: neither a file nor a link. */
  | { kind: 'stray'; path: string; reason: 'notFanout' | 'outsideFanout' | 'notObjectName' | 'notRegular' }
  /** A symbolic link (to a directory or a file): never followed, so nothing behind it is listed. */
  | { kind: 'symlink'; path: string }
  | { kind: 'unlistable'; path: string; message: string };

/** One file of objects/pack/, by what its name says. */
export type PackDirEntry =
  /** A pack with its index (`base` is the name without extension). */
  | { kind: 'pack'; base: string }
  | { kind: 'indexWithoutPack'; name: string }
  | { kind: 'packWithoutIndex'; name: string }
  | { kind: 'temp'; name: string }
  | { kind: 'symlink'; name: string }
  | { kind: 'stray'; name: string };

const byName = (a: Dirent, b: Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function unlinkQuiet(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Something other than a link where a directory (or an object file) belongs: a FIFO, a file, a directory. */
function notDirError(archiveDir: string, path: string, want = 'a directory'): BadArchiveError {
  const rel = archivePath(archiveDir, path);
  return new BadArchiveError(`${rel} is not ${want}`, { path: rel }, `Move it out of the way (tapes fsck names what else is out of place).`);
}

export class ObjectLayout {
  private readonly real = new RealDirs();

  /** `dir`: the archive's objects/ directory. */
  constructor(readonly dir: string) {}

  get packDir(): string {
    return join(this.dir, 'pack');
  }

  pathOf(id: string): string {
    return join(this.dir, id.slice(0, 2), id.slice(2));
  }

  /** The fan-out directory an object's file lies in. */
  fanoutDirOf(id: string): string {
    return join(this.dir, id.slice(0, 2));
  }

  /** A temp file for writing object `id`; `unique` makes the name the writer's own. */
  tempPathFor(id: string, unique: string): string {
    return join(this.fanoutDirOf(id), `${TEMP_PREFIX}${unique}`);
  }

  /** True when objects/ and the fan-out directory `d` (2 hex) are real directories, not links. */
  private fanoutUsable(d: string): boolean {
    return this.real.all([this.dir, join(this.dir, d)]);
  }

  /** True when object `id`'s file may be read: objects/ and its fan-out directory are real directories. */
  fanoutReadable(id: string): boolean {
    return isObjectId(id) && this.fanoutUsable(id.slice(0, 2));
  }

  /** True when objects/ and objects/pack are real directories. */
  packDirUsable(): boolean {
    return this.real.all([this.dir, this.packDir]);
  }

  /** The fan-out directory names present as real directories, sorted; [] when objects/ cannot be listed. */
  private fanoutDirs(): string[] {
    if (this.real.kind(this.dir) !== 'dir') return [];
    try {
      return readdirSync(this.dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && FANOUT_RE.test(d.name))
        .map((d) => d.name)
        .sort();
    } catch {
      return [];
    }
  }

  /** A loose object's file, when it is one: a regular file in a real fan-out directory. */
  private looseStat(id: string) {
    if (!isObjectId(id) || !this.fanoutUsable(id.slice(0, 2))) return undefined;
    const st = lstatSync(this.pathOf(id), { throwIfNoEntry: false });
    return st?.isFile() ? st : undefined;
  }

  /** True when object `id` has a loose file (a regular file, reached through no link). */
  hasLoose(id: string): boolean {
    return this.looseStat(id) !== undefined;
  }

  /** Each fan-out directory's file names as first listed (null: no such real directory), for quickHasLoose. */
  private readonly listed = new Map<string, Set<string> | null>();

  /**
   * hasLoose from a listing of the fan-out directory taken the first time it
   * is asked about (git's "quick" object lookups do the same): one readdir
   * per directory instead of an lstat per object, which is what a transfer
   * of a whole archive spent a quarter of its time on. A file added after
   * the listing is not seen, so only callers to whom a wrong "no" costs a
   * little work are to use it (a transfer then sends an object the other
   * side has, which is stored once). A "yes" is checked as hasLoose checks.
   */
  quickHasLoose(id: string): boolean {
    if (!isObjectId(id)) return false;
    const d = id.slice(0, 2);
    let names = this.listed.get(d);
    if (names === undefined) {
      names = null;
      if (this.fanoutUsable(d)) {
        try {
          names = new Set(readdirSync(join(this.dir, d)));
        } catch {
          names = null;
        }
      }
      this.listed.set(d, names);
    }
    return names !== null && names.has(id.slice(2)) && this.hasLoose(id);
  }

  /** A loose object file's modification time (its age, for pruning), or undefined when there is none. */
  looseMtime(id: string): number | undefined {
    return this.looseStat(id)?.mtimeMs;
  }

  /** Sets a loose object file's times (best effort: false when it cannot). */
  setLooseMtime(id: string, ms: number): boolean {
    if (!this.looseStat(id)) return false;
    try {
      lutimesSync(this.pathOf(id), new Date(ms), new Date(ms));
      return true;
    } catch {
      return false;
    }
  }

  /** Removes a loose object file; false when it was not there (or could not go). Never behind a link. */
  removeLoose(id: string): boolean {
    if (!isObjectId(id) || !this.fanoutUsable(id.slice(0, 2))) return false;
    return unlinkQuiet(this.pathOf(id));
  }

  /**
   * Makes sure a write of object `id` lands in the archive: objects/ and the
   * fan-out directory are created when missing, and a link in the place of
   * either is refused, naming it.
   */
  prepareFanout(id: string): void {
    const fanout = this.fanoutDirOf(id);
    for (const d of [this.dir, fanout]) {
      let kind = this.real.kind(d);
      if (kind === 'missing') {
        mkdirSync(d, { recursive: true });
        kind = this.real.kind(d);
      }
      if (kind === 'symlink') throw symlinkError(dirname(this.dir), d);
      if (kind !== 'dir') throw notDirError(dirname(this.dir), d);
    }
  }

  /** Called when a write finds the fan-out directory gone (a gc removed it): it is looked at anew. */
  forgetFanout(id: string): void {
    this.real.forget(this.fanoutDirOf(id));
  }

  /** Why an object's place holds something a write must not count as the object (a link, a directory), if it does. */
  blockedPlace(id: string): Error | undefined {
    const kind = entryKind(this.pathOf(id));
    if (kind === 'symlink') return symlinkError(dirname(this.dir), this.pathOf(id));
    if (kind !== 'file' && kind !== 'missing') return notDirError(dirname(this.dir), this.pathOf(id), 'a regular file');
    return undefined;
  }

  /** A pack's file or its index's; `base` is the pack's name without extension. */
  packFile(base: string, ext: 'pack' | 'idx'): string {
    return join(this.packDir, `${base}.${ext}`);
  }

  /** Removes a pack: the index first, so that a reader never finds an index without its pack. */
  removePack(base: string): void {
    if (!this.packDirUsable()) return;
    unlinkQuiet(this.packFile(base, 'idx'));
    unlinkQuiet(this.packFile(base, 'pack'));
  }

  /** The ids of the loose object files, sorted. */
  async *looseIds(): AsyncIterable<string> {
    if (this.real.kind(this.dir) !== 'dir') return;
    let fanout: Dirent[];
    try {
      fanout = (await fs.readdir(this.dir, { withFileTypes: true })).sort(byName);
    } catch {
      return;
    }
    for (const d of fanout) {
      if (!d.isDirectory() || !FANOUT_RE.test(d.name)) continue;
      let names: Dirent[];
      try {
        names = (await fs.readdir(join(this.dir, d.name), { withFileTypes: true })).sort(byName);
      } catch {
        continue;
      }
      for (const n of names) {
        const id = d.name + n.name;
        if (n.isFile() && isObjectId(id)) yield id;
      }
    }
  }

  /** Loose ids starting with `prefix` (at least 2 lowercase hex digits), unsorted. */
  async looseIdsWithPrefix(prefix: string): Promise<string[]> {
    if (!this.fanoutUsable(prefix.slice(0, 2))) return [];
    let names: Dirent[];
    try {
      names = await fs.readdir(join(this.dir, prefix.slice(0, 2)), { withFileTypes: true });
    } catch {
      return [];
    }
    const rest = prefix.slice(2);
    return names
      .filter((n) => n.isFile() && n.name.startsWith(rest))
      .map((n) => prefix.slice(0, 2) + n.name)
      .filter(isObjectId);
  }

  /** Counts loose objects, stopping once the count passes `limit` (a cheap test for `gc --auto`). */
  countLoose(limit: number): number {
    let n = 0;
    for (const d of this.fanoutDirs()) {
      if (n > limit) break;
      try {
        n += readdirSync(join(this.dir, d)).filter((x) => LOOSE_NAME_RE.test(x)).length;
      } catch {
        // removed meanwhile
      }
    }
    return n;
  }

  /** Removes loose temp files older than `cutoffMs` (a live writer's are new); returns how many. */
  sweepTemps(cutoffMs: number): number {
    let n = 0;
    for (const d of this.fanoutDirs()) {
      let names: string[];
      try {
        names = readdirSync(join(this.dir, d));
      } catch {
        continue;
      }
      for (const name of names) {
        if (!name.startsWith(TEMP_PREFIX)) continue;
        const p = join(this.dir, d, name);
        // lstat: a temp file's own time (unlink removes a link, never what it names).
        const t = lstatSync(p, { throwIfNoEntry: false })?.mtimeMs;
        if (t !== undefined && t < cutoffMs && unlinkQuiet(p)) n++;
      }
    }
    return n;
  }

  /**
   * Removes the fan-out directories left empty (each costs a disk block).
   * rmdir refuses a directory a writer has just filled, and writers recreate
   * a missing one (LooseObjectStore).
   */
  removeEmptyFanout(): void {
    for (const d of this.fanoutDirs()) {
      try {
        rmdirSync(join(this.dir, d));
        this.real.forget(join(this.dir, d));
      } catch {
        // not empty, or gone already
      }
    }
  }

  /**
   * Every entry of objects/ outside pack/, in path order, each said to be an
   * object, a temp file, a link (never followed) or a stray. Synchronous:
   * for hundreds of directories it costs half of fs.promises. objects/
   * itself being a link lists nothing (fsck names it at the archive's top).
   */
  scan(): LooseEntry[] {
    const out: LooseEntry[] = [];
    if (this.real.kind(this.dir) === 'symlink') return out;
    let top: Dirent[];
    try {
      top = readdirSync(this.dir, { withFileTypes: true });
    } catch {
      // A missing objects/ is an empty store.
      return out;
    }
    for (const d of top.sort(byName)) {
      if (d.isSymbolicLink()) {
        out.push({ kind: 'symlink', path: d.name });
        continue;
      }
      if (d.isDirectory() && RESERVED_DIRS.has(d.name)) continue;
      if (!d.isDirectory() || !FANOUT_RE.test(d.name)) {
        out.push({ kind: 'stray', path: d.name, reason: d.isDirectory() ? 'notFanout' : 'outsideFanout' });
        continue;
      }
      let names: Dirent[];
      try {
        names = readdirSync(join(this.dir, d.name), { withFileTypes: true });
      } catch (err) {
        out.push({ kind: 'unlistable', path: d.name, message: (err as Error).message });
        continue;
      }
      for (const f of names.sort(byName)) {
        const path = `${d.name}/${f.name}`;
        if (f.isSymbolicLink()) {
          out.push({ kind: 'symlink', path });
          continue;
        }
        const isFile = f.isFile();
        if (isFile && LOOSE_NAME_RE.test(f.name)) out.push({ kind: 'object', id: d.name + f.name });
        else if (isFile && f.name.startsWith(TEMP_PREFIX)) out.push({ kind: 'temp', path, abs: join(this.dir, d.name, f.name) });
        else out.push({ kind: 'stray', path, reason: isFile ? 'notObjectName' : 'notRegular' });
      }
    }
    return out;
  }

  /** The pack names (without extension) that have an index, sorted. */
  packNames(): string[] {
    return listPackNames(this.packDir);
  }

  /** Every file of objects/pack/ by name (a pack and its index are one entry); [] when there is no pack directory. */
  scanPackDir(): PackDirEntry[] {
    if (!this.packDirUsable()) return [];
    let entries: Dirent[];
    try {
      entries = readdirSync(this.packDir, { withFileTypes: true }).sort(byName);
    } catch {
      return [];
    }
    const have = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
    const out: PackDirEntry[] = [];
    for (const e of entries) {
      const name = e.name;
      if (e.isSymbolicLink()) {
        out.push({ kind: 'symlink', name });
        continue;
      }
      const m = e.isFile() ? PACK_FILE_RE.exec(name) : null;
      if (!m) {
        out.push(name.startsWith(PACK_TEMP_PREFIX) ? { kind: 'temp', name } : { kind: 'stray', name });
        continue;
      }
      const base = name.slice(0, -(m[2]!.length + 1));
      if (m[2] === 'idx') out.push(have.has(`${base}.pack`) ? { kind: 'pack', base } : { kind: 'indexWithoutPack', name });
      else if (!have.has(`${base}.idx`)) out.push({ kind: 'packWithoutIndex', name });
    }
    return out;
  }

  /**
   * Removes what interrupted gcs leave in pack/: temp packs, and pack files
   * no index names (any `*.pack`, as gc always has). Only a gc holding its
   * lock may call this. Returns how many files went.
   */
  sweepPackDir(): number {
    if (!this.packDirUsable()) return 0;
    let n = 0;
    for (const e of this.scanPackDir()) {
      const stale = e.kind === 'temp' || e.kind === 'packWithoutIndex' || (e.kind === 'stray' && e.name.endsWith('.pack'));
      if (stale && unlinkQuiet(join(this.packDir, e.name))) n++;
    }
    return n;
  }

  private indexes?: { key: string; list: PackIndex[] };

  /** The packs' indexes, read without opening the packs (ids only, so no codec); a damaged one is skipped. */
  private packIndexes(): PackIndex[] {
    const names = this.packNames();
    const key = names.join(',');
    if (this.indexes?.key !== key) {
      const list: PackIndex[] = [];
      for (const n of names) {
        try {
          list.push(PackIndex.parse(readFileSync(this.packFile(n, 'idx')), `objects/pack/${n}.idx`));
        } catch {
          // removed meanwhile, or damaged (fsck names it)
        }
      }
      this.indexes = { key, list };
    }
    return this.indexes.list;
  }

  /**
   * Ids, loose and packed, that start with `prefix`, sorted, each once: for
   * abbreviations, which need names, not contents, so the codec (about a
   * fifth of a search's run time) is never loaded.
   */
  async findByPrefix(prefix: string): Promise<string[]> {
    if (!/^[0-9a-f]{2,64}$/.test(prefix)) return [];
    const out = new Set(await this.looseIdsWithPrefix(prefix));
    for (const index of this.packIndexes()) {
      const [a, b] = index.prefixRange(prefix);
      for (let i = a; i < b; i++) out.add(index.idHex(i));
    }
    return [...out].sort();
  }
}
