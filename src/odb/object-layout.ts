// The files of objects/, and the one place that knows their names: fan-out
// directories `<2 hex>/` of loose object files `<62 hex>`, the temp files of
// writes in progress beside them, and pack/ with its packs, indexes and temp
// packs (docs/format.md). The store reads and writes through it; gc sweeps
// and counts, fsck lists and search abbreviates through it, none of them
// knowing a file name. Nothing here needs the zstd codec.
import { promises as fs, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync, utimesSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { isObjectId } from '../hash/index.js';
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
   *  notObjectName: a file in a fan-out directory not named as an object; notRegular: neither file nor symlink. */
  | { kind: 'stray'; path: string; reason: 'notFanout' | 'outsideFanout' | 'notObjectName' | 'notRegular' }
  | { kind: 'unlistable'; path: string; message: string };

/** One file of objects/pack/, by what its name says. */
export type PackDirEntry =
  /** A pack with its index (`base` is the name without extension). */
  | { kind: 'pack'; base: string }
  | { kind: 'indexWithoutPack'; name: string }
  | { kind: 'packWithoutIndex'; name: string }
  | { kind: 'temp'; name: string }
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

export class ObjectLayout {
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

  /** The fan-out directory names present, sorted; [] when objects/ cannot be listed. */
  private fanoutDirs(): string[] {
    try {
      return readdirSync(this.dir).filter((d) => FANOUT_RE.test(d)).sort();
    } catch {
      return [];
    }
  }

  /** A loose object file's modification time (its age, for pruning), or undefined when there is none. */
  looseMtime(id: string): number | undefined {
    return statSync(this.pathOf(id), { throwIfNoEntry: false })?.mtimeMs;
  }

  /** Sets a loose object file's times (best effort: false when it cannot). */
  setLooseMtime(id: string, ms: number): boolean {
    try {
      utimesSync(this.pathOf(id), new Date(ms), new Date(ms));
      return true;
    } catch {
      return false;
    }
  }

  /** Removes a loose object file; false when it was not there (or could not go). */
  removeLoose(id: string): boolean {
    return unlinkQuiet(this.pathOf(id));
  }

  /** A pack's file or its index's; `base` is the pack's name without extension. */
  packFile(base: string, ext: 'pack' | 'idx'): string {
    return join(this.packDir, `${base}.${ext}`);
  }

  /** Removes a pack: the index first, so that a reader never finds an index without its pack. */
  removePack(base: string): void {
    unlinkQuiet(this.packFile(base, 'idx'));
    unlinkQuiet(this.packFile(base, 'pack'));
  }

  /** The ids of the loose object files, sorted. */
  async *looseIds(): AsyncIterable<string> {
    let fanout: string[];
    try {
      fanout = (await fs.readdir(this.dir)).sort();
    } catch {
      return;
    }
    for (const d of fanout) {
      if (!FANOUT_RE.test(d)) continue;
      let names: string[];
      try {
        names = (await fs.readdir(join(this.dir, d))).sort();
      } catch {
        continue;
      }
      for (const n of names) {
        const id = d + n;
        if (isObjectId(id)) yield id;
      }
    }
  }

  /** Loose ids starting with `prefix` (at least 2 lowercase hex digits), unsorted. */
  async looseIdsWithPrefix(prefix: string): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(join(this.dir, prefix.slice(0, 2)));
    } catch {
      return [];
    }
    const rest = prefix.slice(2);
    return names
      .filter((n) => n.startsWith(rest))
      .map((n) => prefix.slice(0, 2) + n)
      .filter(isObjectId);
  }

  /** Counts loose objects, stopping once the count passes `limit` (a cheap test for `gc --auto`). */
  countLoose(limit: number): number {
    let n = 0;
    for (let b = 0; b < 256 && n <= limit; b++) {
      try {
        n += readdirSync(join(this.dir, b.toString(16).padStart(2, '0'))).filter((x) => LOOSE_NAME_RE.test(x)).length;
      } catch {
        // no such fan-out directory
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
        const t = statSync(p, { throwIfNoEntry: false })?.mtimeMs;
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
      } catch {
        // not empty, or gone already
      }
    }
  }

  /**
   * Every entry of objects/ outside pack/, in path order, each said to be an
   * object, a temp file or a stray. Symlinks count as files. Synchronous:
   * for hundreds of directories it costs half of fs.promises.
   */
  scan(): LooseEntry[] {
    const out: LooseEntry[] = [];
    let top: Dirent[];
    try {
      top = readdirSync(this.dir, { withFileTypes: true });
    } catch {
      // A missing objects/ is an empty store.
      return out;
    }
    for (const d of top.sort(byName)) {
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
        const isFile = f.isFile() || f.isSymbolicLink();
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
    let names: string[];
    try {
      names = readdirSync(this.packDir).sort();
    } catch {
      return [];
    }
    const have = new Set(names);
    const out: PackDirEntry[] = [];
    for (const name of names) {
      const m = PACK_FILE_RE.exec(name);
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
