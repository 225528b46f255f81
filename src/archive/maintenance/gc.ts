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
import { UsageError, systemError } from '../../errors/index.js';
import { loadCodec } from '../../object/index.js';
import { DEFAULT_PACK_OPTIONS, LooseObjectStore, PackWriter, maxFrameForLevel, syncDir, type WrittenPack } from '../../odb/index.js';
import type { Archive } from '../archive.js';
import { GcLock, processRunning } from './gc-lock.js';
import { Packer, addById } from './packer.js';
import { parseExpiry, type Expiry } from '../timespec/index.js';
import { gcRoots } from './roots.js';
import { pruneRefIndexes } from '../log/prune-index.js';

/** Pack settings, measured on the claude-code corpus (see bench/gc.ts and docs/format.md §3.4). */
export const GC_DEFAULTS = DEFAULT_PACK_OPTIONS;
export const DEFAULT_PRUNE = '2.weeks.ago';
/**
 * Loose temp files younger than this are never swept, whatever --prune says:
 * a writer holds one for the moment between writing an object and linking
 * it into place (docs/format.md §3.3), and a gc that swept it would make the
 * writer fail. A crashed writer's temp files go at the first gc an hour on.
 */
export const TEMP_GRACE_MS = 60 * 60 * 1000;

export interface GcOptions {
  /** Remove unreachable objects older than this; 'never' keeps them all (packed). */
  prune?: Expiry;
  /** IANA zone in which gc.pruneExpire's dates are read (docs/timespec.md); the process's when undefined. */
  timeZone?: string;
  aggressive?: boolean;
  /** Incremental: pack loose objects only (see the file comment). */
  incremental?: boolean;
  /** Overrides of the pack settings (benchmarks measure frame sizes with them; a frameSize given alone sets the record frames too). */
  frameSize?: number;
  recordFrameSize?: number;
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
  /** Derived per-ref files (index/chains/, index/timelines/) of refs that no longer exist, removed. */
  indexRemoved: number;
}

export async function gc(archive: Archive, opts: GcOptions = {}, isRunning: (pid: number) => boolean = processRunning): Promise<GcResult> {
  // Ages are compared with file times, which the system clock sets: so they
  // are measured with it, not with the archive's (injectable) clock.
  const prune = opts.prune ?? parseExpiry(archive.config.get('gc.pruneexpire') ?? DEFAULT_PRUNE, new Date(), opts.timeZone);
  const frameSize = opts.frameSize ?? GC_DEFAULTS.frameSize;
  const recordFrameSize = opts.recordFrameSize ?? (opts.frameSize !== undefined ? frameSize : GC_DEFAULTS.recordFrameSize);
  const level = opts.level ?? GC_DEFAULTS.level;
  if (frameSize > maxFrameForLevel(level)) {
    throw new UsageError(`gc: zstd level ${level} cannot compress ${frameSize}-byte frames within the codec's heap`, { level, frameSize });
  }
  const lock = await GcLock.acquire(archive.dir, isRunning);
  try {
    return await runGc(archive, {
      prune,
      incremental: Boolean(opts.incremental) && !opts.aggressive,
      aggressive: Boolean(opts.aggressive),
      frameSize,
      recordFrameSize,
      level,
      progress: opts.onProgress ?? (() => undefined),
    });
  } catch (err) {
    // A system error (a full disk) in words; what was stored before is intact.
    throw systemError(err, 'gc');
  } finally {
    await lock.release();
  }
}

/** gc's settings, resolved: the defaults applied and checked. */
interface GcRun {
  prune: Expiry;
  incremental: boolean;
  aggressive: boolean;
  frameSize: number;
  recordFrameSize: number;
  level: number;
  progress: NonNullable<GcOptions['onProgress']>;
}

async function runGc(archive: Archive, run: GcRun): Promise<GcResult> {
  const { prune, incremental, aggressive, progress } = run;
  // A store of our own: its pack list must not be shared with readers in this process.
  const store = await LooseObjectStore.open(archive.objectsDir);
  const layout = store.layout;
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
    indexRemoved: 0,
  };
  const cutoff = prune === 'never' ? undefined : prune.getTime();

  // Leftovers of interrupted gcs (we hold the lock, so none is in use). A
  // loose temp file may be a live writer's, between its write and its link:
  // only those older than TEMP_GRACE_MS go, even with --prune=now.
  result.tempRemoved += layout.sweepPackDir();
  result.indexRemoved = await pruneRefIndexes(archive);
  if (cutoff !== undefined) result.tempRemoved += layout.sweepTemps(Math.min(cutoff, Date.now() - TEMP_GRACE_MS));

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

  const writer = await PackWriter.create(layout.packDir, codec, { frameSize: run.frameSize, recordFrameSize: run.recordFrameSize, level: run.level });
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
          // Best effort: failing, the object simply starts its grace period anew.
          if (age !== undefined) layout.setLooseMtime(id, age);
          result.loosened++;
        } else if (!keep) result.pruned++;
      }
      layout.removePack(p.name);
      result.packsRemoved++;
    }
    await syncDir(layout.packDir);
  }
  let done = 0;
  for (const id of loose) {
    if (inNewPack(id) || (incremental && store.packs.has(id))) {
      if (layout.removeLoose(id)) result.looseRemoved++;
    } else if (!packer!.visited.has(id) && cutoff !== undefined) {
      // Unreachable (as far as this gc walked): removed once older than the cutoff,
      // checked again now, since a writer may have refreshed it meanwhile.
      const t = layout.looseMtime(id);
      if (t !== undefined && t < cutoff && layout.removeLoose(id)) result.pruned++;
    }
    progress('pruning', ++done);
  }
  layout.removeEmptyFanout();
  store.packs.rescan();
  result.packsAfter = store.packs.list.length;
  let after = 0;
  for await (const _ of store.looseIds()) after++;
  result.looseAfter = after;
  store.packs.close();
  return result;
}
