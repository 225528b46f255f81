// fsck: checks a whole archive without changing it. The passes run in a
// fixed order (links at the archive's top, object files, objects, refs,
// links between objects, connectivity) and report each finding as soon as
// it is known, so output streams and memory holds only per-object numbers
// and links (see object-graph.ts).
import type { VerifyingStore } from '../odb/index.js';
import { checkArchiveLinks } from './check-links.js';
import { checkObjects } from './check-objects.js';
import { checkPacks, countPackedObjects } from './check-packs.js';
import { checkRefs } from './check-refs.js';
import { checkConnectivity, checkLinks, markReachable } from './connectivity.js';
import { CHECK_IDS, exitMask, type CheckId, type Finding, type Severity } from './findings.js';
import { listLooseObjects } from './loose-layout.js';
import { ObjectGraph } from './object-graph.js';

export interface FsckTarget {
  /** The archive directory (.tapes). */
  dir: string;
  objectsDir: string;
  store: VerifyingStore;
}

export type FsckPhase = 'objects' | 'refs' | 'connectivity';

export interface FsckOptions {
  /** Receives the findings to show, in order. Info findings come only when asked for below. */
  onFinding: (f: Finding) => void | Promise<void>;
  dangling?: boolean;
  unreachable?: boolean;
  /** `total` is known for the objects phase only. */
  onProgress?: (phase: FsckPhase, done: number, total?: number) => void;
}

export interface FsckCounts {
  /** Objects read: loose object files, and every object of every pack (copies counted each). */
  objects: number;
  /** Ref files under refs/ (HEAD and lock files not included). */
  refs: number;
  /** Reflog files under logs/ (lock files not included). */
  reflogs: number;
  /** Findings by severity, shown or not. */
  error: number;
  warning: number;
  info: number;
  /** Findings by id, shown or not; every id of the table is present. */
  byId: Record<CheckId, number>;
}

export interface FsckResult {
  /** Bit mask of the areas with error findings: objects 1, chains 2, refs 4. */
  exitCode: number;
  counts: FsckCounts;
}

export async function fsck(target: FsckTarget, opts: FsckOptions): Promise<FsckResult> {
  const byId = Object.fromEntries(CHECK_IDS.map((id) => [id, 0])) as Record<CheckId, number>;
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  let exitCode = 0;
  const report = async (f: Finding): Promise<void> => {
    byId[f.id]++;
    bySeverity[f.severity]++;
    exitCode |= exitMask([f]);
    if (f.id === 'dangling' && !opts.dangling) return;
    if (f.id === 'unreachable' && !opts.unreachable) return;
    await opts.onFinding(f);
  };
  const progress = opts.onProgress ?? (() => undefined);

  // Links at the archive's top (and in index/) first: nothing behind one is read.
  for (const f of checkArchiveLinks(target.dir)) await report(f);
  const listing = listLooseObjects(target.objectsDir);
  for (const f of listing.findings) await report(f);
  const packed = countPackedObjects(target.objectsDir);
  const graph = new ObjectGraph(listing.ids.length + packed);
  const total = listing.ids.length + packed;
  progress('objects', 0, total);
  await checkObjects(target.store, listing.ids, graph, report, (done) => progress('objects', done, total));
  let done = listing.ids.length;
  const read = await checkPacks(target.objectsDir, graph, report, () => progress('objects', ++done, total));
  // Refs before links: a ref naming a blob decides that the blob is content
  // (see ObjectGraph.isActiveList), which the link checks depend on.
  progress('refs', 0);
  const refs = await checkRefs(target.dir, graph, report);
  progress('connectivity', 0);
  markReachable(graph);
  await checkLinks(graph, report);
  await checkConnectivity(graph, report);
  return {
    exitCode,
    counts: { objects: listing.ids.length + read, refs: refs.refs, reflogs: refs.reflogs, ...bySeverity, byId },
  };
}
