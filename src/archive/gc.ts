// `tapes gc`: pack objects and prune unreachable ones (docs/format.md §3.4,
// man/tapes-gc.md). Two modes, as git has:
//
// - full (`tapes gc`, `--aggressive`): every object reachable from a ref,
//   HEAD or a reflog entry goes into one new pack, session by session, oldest
//   first; then the old packs and the loose copies are removed.
// - incremental (`gc --auto`, run after import): only loose objects are
//   packed (the walk stops at packed records, whose history is packed
//   already); existing packs stay, unless there are too many of them.
//
// Crash safety: the new pack and index are complete, fsynced and renamed into
// place before anything is removed; unreachable objects of an old pack that
// are still inside the grace period are written back as loose objects (with
// the pack's time, so they keep ageing) before that pack goes. A gc killed at
// any point leaves every object readable, at worst twice.
//
// Concurrent writers (an import while gc runs): gc removes only loose files
// it listed when it started and has either packed or found older than the
// grace period; objects written since are newer than any grace period, and a
// writer that finds an object already stored refreshes its time (see
// LooseObjectStore.freshen).
import { promises as fs, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync, utimesSync, type Dirent } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError, LockedError, NotFoundError, UsageError, isTapesError } from '../errors/index.js';
import { ZERO_ID, isObjectId } from '../hash/index.js';
import { decodeChunkList, encodeObject, loadCodec, startsWithChunkMagic } from '../object/index.js';
import {
  LooseObjectStore,
  PACK_TEMP_PREFIX,
  PackWriter,
  TEMP_PREFIX,
  listPackNames,
  maxFrameForLevel,
  syncDir,
  type WrittenPack,
  DEFAULT_PACK_OPTIONS,
} from '../odb/index.js';
import { LOCK_SUFFIX, parseReflog } from '../refs/index.js';
import { parseRecordBody } from '../record/index.js';
import type { Archive } from './archive.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Pack settings, measured on the claude-code corpus (see bench/gc.ts and docs/format.md §3.4). */
export const GC_DEFAULTS = DEFAULT_PACK_OPTIONS;
/** Loose objects before `gc --auto` packs them (gc.auto; git's default). */
export const DEFAULT_GC_AUTO = 6700;
/** Packs before `gc --auto` repacks them all into one (gc.autoPackLimit; git's default). */
export const DEFAULT_AUTO_PACK_LIMIT = 50;
export const DEFAULT_PRUNE = '2.weeks.ago';
/** A gc.pid older than this is stale even if its process seems alive (git's rule). */
const GC_LOCK_STALE_MS = 12 * 60 * 60 * 1000;

export type PruneCutoff = Date | 'never';

export interface GcOptions {
  /** Remove unreachable objects older than this; 'never' keeps them all (packed). */
  prune?: PruneCutoff;
  aggressive?: boolean;
  /** Incremental: pack loose objects only (see the file comment). */
  incremental?: boolean;
  /** Overrides of the pack settings (benchmarks measure frame sizes with them). */
  frameSize?: number;
  level?: number;
  /** Called as work proceeds, for a progress display. */
  onProgress?: (phase: GcPhase, done: number) => void;
}

export type GcPhase = 'counting' | 'packing' | 'pruning';

export interface GcResult {
  mode: 'full' | 'incremental';
  /** The pack written (undefined when there was nothing to pack). */
  pack?: WrittenPack;
  packsBefore: number;
  packsAfter: number;
  looseBefore: number;
  looseAfter: number;
  /** Reachable objects found (in full mode, every one; incremental, the loose ones). */
  reachable: number;
  /** Loose files removed because a pack now holds them. */
  looseRemoved: number;
  /** Unreachable objects removed (loose files and objects of dropped packs). */
  pruned: number;
  /** Unreachable objects of removed packs kept as loose files (inside the grace period). */
  loosened: number;
  /** Old packs removed. */
  packsRemoved: number;
  /** Stale temp files and index-less packs removed. */
  tempRemoved: number;
}

// ---- Ages -----------------------------------------------------------------

const UNITS: Record<string, number> = {
  second: 1000,
  minute: 60 * 1000,
  hour: 60 * 60 * 1000,
  day: DAY_MS,
  week: 7 * DAY_MS,
  month: 30 * DAY_MS,
  year: 365 * DAY_MS,
};

/**
 * Parses a prune age as git's --prune does: "now", "never", "<n>.<unit>[.ago]"
 * (or with spaces: "2 weeks ago"; units second … year, plural or not), or an
 * ISO-8601 date. Returns the cutoff: objects older than it may be removed.
 */
export function parsePruneAge(text: string, now: Date): PruneCutoff {
  const t = text.trim().toLowerCase();
  if (t === 'never' || t === 'false') return 'never';
  if (t === 'now' || t === 'all') return new Date(now.getTime() + 1000);
  const m = /^(\d+)[. ]+([a-z]+?)s?(?:[. ]+ago)?$/.exec(t);
  if (m && UNITS[m[2]!] !== undefined) return new Date(now.getTime() - Number(m[1]) * UNITS[m[2]!]!);
  if (/^\d{4}-\d\d-\d\d(?:[t ][\d:.]+z?)?$/.test(t)) {
    const d = new Date(text.trim());
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new UsageError(`--prune: cannot read "${text}" as an age (use now, never, <n>.<unit>.ago such as 2.weeks.ago, or a date)`, { value: text });
}

// ---- The gc lock --------------------------------------------------------------

/**
 * `.tapes/gc.pid`, created exclusively, holding "<pid> <host>". Another gc
 * finding it alive is refused; one left by a killed gc (its process gone, on
 * this host) or older than 12 hours is taken over, as git does.
 */
class GcLock {
  private constructor(private readonly path: string) {}

  static async acquire(dir: string, isRunning: (pid: number) => boolean): Promise<GcLock> {
    const path = join(dir, 'gc.pid');
    const me = `${process.pid} ${hostname()}\n`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await fs.writeFile(path, me, { flag: 'wx' });
        return new GcLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let text = '';
      let age = 0;
      try {
        text = readFileSync(path, 'utf8');
        age = Date.now() - statSync(path).mtimeMs;
      } catch {
        continue; // removed meanwhile: try again
      }
      const m = /^(\d+) (\S+)/.exec(text);
      const alive = m !== null && m[2] === hostname() && isRunning(Number(m[1])) && age < GC_LOCK_STALE_MS;
      const foreign = m !== null && m[2] !== hostname() && age < GC_LOCK_STALE_MS;
      if (alive || foreign) {
        throw new LockedError(`gc is already running (${m![1]} on ${m![2]}, ${path}); if it is not, remove the file: rm '${path}'`, { path });
      }
      await fs.unlink(path).catch(() => undefined);
    }
    throw new LockedError(`cannot take ${path}; if no gc is running, remove it: rm '${path}'`, { path });
  }

  async release(): Promise<void> {
    await fs.unlink(this.path).catch(() => undefined);
  }
}

function processRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---- Roots ------------------------------------------------------------------

/**
 * Every id gc must keep with everything it reaches: refs (all of refs/),
 * a detached HEAD, and both ids of every reflog entry. Refs come first, in
 * name order, so that packs follow sessions; a reflog's old tips mostly lie on
 * chains already walked.
 */
export async function gcRoots(archive: Archive): Promise<string[]> {
  const roots: string[] = [];
  for (const r of await archive.refs.list('refs/')) roots.push(r.id);
  const head = await archive.refs.read('HEAD').catch(() => undefined);
  if (head?.kind === 'id') roots.push(head.id);
  const logs = join(archive.dir, 'logs');
  const walk = (d: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !e.name.endsWith(LOCK_SUFFIX)) {
        let text: string;
        try {
          text = readFileSync(p, 'utf8');
        } catch {
          continue;
        }
        for (const line of parseReflog(text)) {
          if (!line.ok) continue;
          for (const id of [line.entry.new, line.entry.old]) if (id !== ZERO_ID) roots.push(id);
        }
      }
    }
  };
  walk(logs);
  return roots;
}

// ---- Walking and packing ----------------------------------------------------------

class Packer {
  readonly visited = new Set<string>();

  constructor(
    private readonly store: LooseObjectStore,
    private readonly writer: Pick<PackWriter, 'add'>,
    /** Incremental mode: stop at objects a pack already holds. */
    private readonly stopAtPacked: boolean,
    private readonly onObject: () => void,
  ) {}

  private skip(id: string): boolean {
    return this.stopAtPacked && this.store.packs.has(id);
  }

  private async read(id: string, referrer: string): Promise<{ type: 'blob' | 'record'; body: Uint8Array }> {
    try {
      return await this.store.read(id);
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new InvalidInputError(`gc: object ${id}, ${referrer}, is missing; nothing was changed (run tapes fsck)`, { id });
      }
      throw err;
    }
  }

  /** One root: its chain back to the first object already seen, then stored oldest first. */
  async root(tip: string): Promise<void> {
    if (!isObjectId(tip)) return;
    const chain: Array<{ id: string; encoded: Uint8Array; blobs: string[] }> = [];
    let id: string | null = tip;
    let referrer = 'named by a ref, HEAD or reflog entry';
    while (id !== null && !this.visited.has(id)) {
      if (this.skip(id)) {
        this.visited.add(id);
        break;
      }
      const obj = await this.read(id, referrer);
      if (obj.type !== 'record') {
        // A tag may name a blob (only a root can).
        if (chain.length === 0) await this.blob(id, referrer);
        break;
      }
      this.visited.add(id);
      const parsed = parseRecordBody(obj.body, id);
      chain.push({ id, encoded: encodeObject('record', obj.body), blobs: parsed.blobs });
      referrer = `the parent of record ${id}`;
      id = parsed.parent;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const r = chain[i]!;
      for (const b of r.blobs) await this.blob(b, `named by record ${r.id}`);
      await this.writer.add(r.id, r.encoded);
      this.onObject();
    }
  }

  /** A blob, and when it is a chunk list, its chunks after it (the order a reader meets them). */
  async blob(id: string, referrer: string): Promise<void> {
    if (this.visited.has(id)) return;
    this.visited.add(id);
    if (this.skip(id)) return;
    const obj = await this.read(id, referrer);
    await this.writer.add(id, encodeObject(obj.type, obj.body));
    this.onObject();
    if (obj.type === 'blob' && startsWithChunkMagic(obj.body)) {
      let entries;
      try {
        entries = decodeChunkList(obj.body).entries;
      } catch {
        return; // data that merely starts like a list (fsck decides what it is)
      }
      for (const e of entries) await this.blob(e.id, `an entry of chunk list ${id}`);
    }
  }
}

// ---- gc ---------------------------------------------------------------------------

function mtimeOf(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs;
}

function unlinkQuiet(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}

export async function gc(archive: Archive, opts: GcOptions = {}, isRunning: (pid: number) => boolean = processRunning): Promise<GcResult> {
  // Ages are compared with file times, which the system clock sets: so they
  // are measured with it, not with the archive's (injectable) clock.
  const prune = opts.prune ?? parsePruneAge(archive.config.get('gc.pruneexpire') ?? DEFAULT_PRUNE, new Date());
  const frameSize = opts.frameSize ?? GC_DEFAULTS.frameSize;
  const level = opts.level ?? GC_DEFAULTS.level;
  if (frameSize > maxFrameForLevel(level)) {
    throw new UsageError(`gc: zstd level ${level} cannot compress ${frameSize}-byte frames within the codec's heap`, { level, frameSize });
  }
  const lock = await GcLock.acquire(archive.dir, isRunning);
  try {
    return await runGc(archive, prune, Boolean(opts.incremental) && !opts.aggressive, Boolean(opts.aggressive), frameSize, level, opts.onProgress);
  } finally {
    await lock.release();
  }
}

async function runGc(
  archive: Archive,
  prune: PruneCutoff,
  incremental: boolean,
  aggressive: boolean,
  frameSize: number,
  level: number,
  progress: GcOptions['onProgress'] = () => undefined,
): Promise<GcResult> {
  // A store of our own: its pack list must not be shared with readers in this process.
  const store = await LooseObjectStore.open(archive.objectsDir);
  const packDir = join(archive.objectsDir, 'pack');
  const codec = await loadCodec();
  const result: GcResult = {
    mode: incremental ? 'incremental' : 'full',
    packsBefore: 0,
    packsAfter: 0,
    looseBefore: 0,
    looseAfter: 0,
    reachable: 0,
    looseRemoved: 0,
    pruned: 0,
    loosened: 0,
    packsRemoved: 0,
    tempRemoved: 0,
  };
  const cutoff = prune === 'never' ? undefined : prune.getTime();

  // Leftovers of interrupted gcs (we hold the lock, so none is in use).
  result.tempRemoved += removeStalePackFiles(packDir);
  result.tempRemoved += removeStaleLooseTemps(archive.objectsDir, cutoff);

  const loose: string[] = [];
  for await (const id of store.looseIds()) loose.push(id);
  const oldPacks = [...store.packs.list];
  result.looseBefore = loose.length;
  result.packsBefore = oldPacks.length;

  // Already one pack of exactly the reachable objects: nothing to gain but
  // the same pack again (--aggressive rewrites it anyway).
  if (!incremental && !aggressive && loose.length === 0 && oldPacks.length === 1) {
    const counter = new Packer(store, { add: async () => undefined }, false, () => undefined);
    for (const root of await gcRoots(archive)) await counter.root(root);
    if (counter.visited.size === oldPacks[0]!.index.count) {
      store.packs.close();
      return { ...result, reachable: counter.visited.size, packsAfter: 1 };
    }
  }

  const writer = await PackWriter.create(packDir, codec, { frameSize, level });
  let written: WrittenPack | undefined;
  let packer: Packer;
  try {
    let n = 0;
    packer = new Packer(store, writer, incremental, () => progress('packing', ++n));
    progress('counting', 0);
    for (const root of await gcRoots(archive)) await packer.root(root);
    result.reachable = writer.objectCount;
    if (prune === 'never') {
      // Nothing may go: unreachable objects join the pack (after the reachable ones).
      for (const id of loose) if (!packer.visited.has(id) && !(incremental && store.packs.has(id))) await addById(store, writer, id);
      if (!incremental) {
        for (const p of oldPacks) {
          for (let i = 0; i < p.index.count; i++) {
            const id = p.index.idHex(i);
            if (!writer.has(id)) await writer.add(id, store.packs.encodedAt(p, i));
          }
        }
      }
    }
    written = await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  result.pack = written;

  // From here on the new pack is in place: removals only.
  progress('pruning', 0);
  store.packs.rescan();
  const inNewPack = (id: string) => writer.has(id);
  if (!incremental) {
    for (const p of oldPacks) {
      if (written && p.name === written.name) continue; // the same objects, packed the same way
      const age = p.mtimeMs();
      for (let i = 0; i < p.index.count; i++) {
        const id = p.index.idHex(i);
        if (inNewPack(id)) continue;
        // Unreachable: kept loose while inside the grace period, else dropped.
        const keep = cutoff === undefined || age === undefined || age >= cutoff;
        if (keep && !store.hasLoose(id)) {
          const encoded = store.packs.encodedAt(p, i);
          await store.writeLooseCopy(id, codec.compress(encoded));
          if (age !== undefined) {
            try {
              utimesSync(store.pathOf(id), new Date(age), new Date(age));
            } catch {
              // best effort: the object then simply starts its grace period anew
            }
          }
          result.loosened++;
        } else if (!keep) result.pruned++;
      }
      // The index first: a reader never finds an index without its pack.
      unlinkQuiet(p.idxPath);
      unlinkQuiet(p.packPath);
      result.packsRemoved++;
    }
    await syncDir(packDir);
  }
  let done = 0;
  for (const id of loose) {
    const path = store.pathOf(id);
    if (inNewPack(id) || (incremental && store.packs.has(id))) {
      if (unlinkQuiet(path)) result.looseRemoved++;
    } else if (!packer!.visited.has(id) && cutoff !== undefined) {
      // Unreachable (as far as this gc walked): removed once older than the cutoff,
      // checked again now, since a writer may have refreshed it meanwhile.
      const t = mtimeOf(path);
      if (t !== undefined && t < cutoff && unlinkQuiet(path)) result.pruned++;
    }
    progress('pruning', ++done);
  }
  removeEmptyFanout(archive.objectsDir);
  store.packs.rescan();
  result.packsAfter = store.packs.list.length;
  let after = 0;
  for await (const _ of store.looseIds()) after++;
  result.looseAfter = after;
  store.packs.close();
  return result;
}

async function addById(store: LooseObjectStore, writer: PackWriter, id: string): Promise<void> {
  let obj;
  try {
    obj = await store.read(id);
  } catch (err) {
    // A damaged (or meanwhile removed) unreachable object is left where it is, for fsck to report.
    if (isTapesError(err)) return;
    throw err;
  }
  await writer.add(id, encodeObject(obj.type, obj.body));
}

/** Temp packs and packs without an index, left by interrupted gcs. */
function removeStalePackFiles(packDir: string): number {
  let names: string[];
  try {
    names = readdirSync(packDir);
  } catch {
    return 0;
  }
  const indexed = new Set(listPackNames(packDir));
  let n = 0;
  for (const name of names) {
    const stale = name.startsWith(PACK_TEMP_PREFIX) || (name.endsWith('.pack') && !indexed.has(name.slice(0, -5)));
    if (stale && unlinkQuiet(join(packDir, name))) n++;
  }
  return n;
}

/** Loose temp files of interrupted writes, once older than the prune cutoff (a live writer's are new). */
function removeStaleLooseTemps(objectsDir: string, cutoff: number | undefined): number {
  if (cutoff === undefined) return 0;
  let n = 0;
  let fanout: string[];
  try {
    fanout = readdirSync(objectsDir).filter((d) => /^[0-9a-f]{2}$/.test(d));
  } catch {
    return 0;
  }
  for (const d of fanout) {
    let names: string[];
    try {
      names = readdirSync(join(objectsDir, d));
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      const p = join(objectsDir, d, name);
      const t = mtimeOf(p);
      if (t !== undefined && t < cutoff && unlinkQuiet(p)) n++;
    }
  }
  return n;
}

/**
 * Fan-out directories left empty (each costs a disk block). rmdir refuses a
 * directory a writer has just filled, and writers recreate a missing one
 * (LooseObjectStore.storeFile).
 */
function removeEmptyFanout(objectsDir: string): void {
  let fanout: string[];
  try {
    fanout = readdirSync(objectsDir).filter((d) => /^[0-9a-f]{2}$/.test(d));
  } catch {
    return;
  }
  for (const d of fanout) {
    try {
      rmdirSync(join(objectsDir, d));
    } catch {
      // not empty, or gone already
    }
  }
}

// ---- Automatic gc ----------------------------------------------------------------

export interface AutoGcOutcome {
  ran: boolean;
  result?: GcResult;
  /** Why it did not run, or what went wrong (auto gc never fails the command that triggered it). */
  note?: string;
}

function configInt(archive: Archive, key: string, dflt: number): number {
  const v = archive.config.get(key);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidInputError(`config ${key} = ${JSON.stringify(v)} is not an integer`, { key, value: v });
  return n;
}

/** Counts loose objects, stopping once the count passes `limit`. */
function countLoose(objectsDir: string, limit: number): number {
  let n = 0;
  for (let b = 0; b < 256 && n <= limit; b++) {
    try {
      n += readdirSync(join(objectsDir, b.toString(16).padStart(2, '0'))).filter((x) => x.length === 62).length;
    } catch {
      // no such fan-out directory
    }
  }
  return n;
}

/**
 * What runs after an import or a fetch: nothing while the loose objects are
 * at most gc.auto (default 6700; 0 turns it off); otherwise an incremental gc,
 * or a full one once there are more than gc.autoPackLimit packs. Never
 * throws: a gc already running, or any failure, comes back as a note.
 */
export async function autoGc(archive: Archive): Promise<AutoGcOutcome> {
  try {
    const limit = configInt(archive, 'gc.auto', DEFAULT_GC_AUTO);
    if (limit <= 0) return { ran: false, note: 'gc.auto is 0' };
    if (countLoose(archive.objectsDir, limit) <= limit) return { ran: false };
    const packLimit = configInt(archive, 'gc.autopacklimit', DEFAULT_AUTO_PACK_LIMIT);
    const packs = listPackNames(join(archive.objectsDir, 'pack')).length;
    const incremental = !(packLimit > 0 && packs >= packLimit);
    const result = await gc(archive, { incremental });
    return { ran: true, result };
  } catch (err) {
    return { ran: false, note: (err as Error).message };
  }
}
