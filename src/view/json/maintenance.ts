// The --json shapes of gc, fsck and index (one document each, docs/json.md),
// with snake_case field names over the model's own.
import type { GcResult } from '../../archive/index.js';
import type { FsckCounts } from '../../fsck/index.js';

// fsck's `byId` is keyed by check id (camelCase ids, as git's fsck names
// them: data, not field names), so its keys are kept as they are.

/** gc: the pack written (absent when nothing was) and the counts before and after. */
export function gcJson(r: GcResult) {
  return {
    mode: r.mode,
    ...(r.pack ? { pack: { name: r.pack.name, objects: r.pack.objects, frames: r.pack.frames, bytes: r.pack.bytes } } : {}),
    packs_before: r.packsBefore,
    packs_after: r.packsAfter,
    loose_before: r.looseBefore,
    loose_after: r.looseAfter,
    reachable: r.reachable,
    loose_removed: r.looseRemoved,
    pruned: r.pruned,
    loosened: r.loosened,
    packs_removed: r.packsRemoved,
    temp_removed: r.tempRemoved,
    index_removed: r.indexRemoved,
  };
}

/** gc --auto: whether it ran, its result when it did, and why not when it did not. */
export function autoGcJson(o: { ran: boolean; result?: GcResult; note?: string }) {
  return { ran: o.ran, ...(o.result ? { result: gcJson(o.result) } : {}), ...(o.note !== undefined ? { note: o.note } : {}) };
}

/** fsck: every finding shown, the counts, and the exit status (the bit mask). */
export function fsckJson(findings: unknown[], counts: FsckCounts, exitCode: number) {
  const { byId, ...rest } = counts;
  return { findings, counts: { ...rest, by_id: byId }, exit_code: exitCode };
}

/** What the shape reads of an index update (the model's search index report). */
export interface IndexReportLike {
  path: string | null;
  rebuilt: boolean;
  chains: number;
  records: number;
  bytes: number;
  sync: { chains_updated: number; chains_removed: number; records_indexed: number; failed: unknown[] };
}

/** index: where the index is, what it holds, and what this update did. */
export function indexJson(r: IndexReportLike) {
  return { path: r.path, rebuilt: r.rebuilt, chains: r.chains, records: r.records, bytes: r.bytes, ...r.sync };
}
