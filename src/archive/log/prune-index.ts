// gc's sweep of the per-ref derived files (index/chains/, index/timelines/, index/abbrev/):
// a file whose ref no longer exists, or that is not a file of its kind, is
// removed, so a deleted or renamed session leaves nothing behind.
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { entryKind } from '../../odb/index.js';
import type { Archive } from '../archive.js';
import { derivedPath, readDerived } from '../derived-file.js';
import { chainFileRef, chainIndexPath } from './chain-index.js';
import { TIMELINE_CACHE_MAGIC, TIMELINE_CACHE_VERSION, timelineCachePath } from './timeline-cache.js';
import { ABBREV_MEMO_MAGIC, ABBREV_MEMO_VERSION, AbbrevMemo } from './abbrev-memo.js';

/** The ref a JSON derived file names, or undefined (not a file of its kind). */
const jsonRef = (path: string, magic: string, version: number): string | undefined => {
  const body = readDerived(path, magic, version) as { ref?: unknown } | undefined;
  return body && typeof body.ref === 'string' ? body.ref : undefined;
};

const KINDS = [
  { dir: 'chains', name: /^[0-9a-f]{32}\.ids$/, refOf: chainFileRef, pathOf: chainIndexPath },
  { dir: 'timelines', name: /^[0-9a-f]{32}\.json$/, refOf: (p: string) => jsonRef(p, TIMELINE_CACHE_MAGIC, TIMELINE_CACHE_VERSION), pathOf: timelineCachePath },
  {
    dir: 'abbrev',
    name: /^[0-9a-f]{32}\.json$/,
    refOf: (p: string) => jsonRef(p, ABBREV_MEMO_MAGIC, ABBREV_MEMO_VERSION),
    pathOf: (archive: Archive, ref: string) => AbbrevMemo.path(archive, ref),
  },
];

/**
 * Removes the per-ref files of refs that no longer exist, and files there
 * that are not of their kind (damaged, of another version, left by a torn
 * write). Only regular files directly in those folders are removed; a link
 * in the way of index/ or of a folder means nothing there is touched.
 * Returns how many went.
 */
export async function pruneRefIndexes(archive: Archive): Promise<number> {
  if (entryKind(derivedPath(archive.dir, '')) !== 'dir') return 0;
  let removed = 0;
  for (const kind of KINDS) {
    const dir = derivedPath(archive.dir, kind.dir);
    if (entryKind(dir) !== 'dir') continue;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isFile()) continue;
      const path = join(dir, e.name);
      const ref = kind.name.test(e.name) ? kind.refOf(path) : undefined;
      let keep = false;
      if (ref !== undefined && kind.pathOf(archive, ref) === path) {
        try {
          keep = (await archive.refs.read(ref)) !== undefined;
        } catch {
          keep = false; // not a valid ref name, or an unreadable ref: its file is no use
        }
      }
      if (keep) continue;
      try {
        unlinkSync(path);
        removed++;
      } catch {
        // Gone already, or not ours to remove: a later gc tries again.
      }
    }
  }
  return removed;
}
