// The ids of a chain, tip first, kept per ref in .tapes/index/chains/: the
// answer to "does this session hold that record?" without reading the
// records between its tip and the record (show, export and checkout ask it
// for every record they name). Derived data (docs/index.md): a file is used
// only while its ref still points at the tip it was built from; when the ref
// has moved on, the walk from the new tip stops at the old one and the rest is
// taken from the file; a missing, damaged or stale file is rebuilt by walking
// the chain, and one that cannot be written costs time, never correctness.
import { createHash } from 'node:crypto';
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isTapesError } from '../../errors/index.js';
import { isObjectId } from '../../hash/index.js';
import { entryKind } from '../../odb/index.js';
import { readEvent } from '../../record/index.js';
import type { Archive } from '../archive.js';
import { derivedPath, readDerived, writeDerived } from '../derived-file.js';

export const CHAIN_INDEX_MAGIC = 'tapes-chain';
export const CHAIN_INDEX_VERSION = 1;

interface ChainFile {
  ref: string;
  tip: string;
  /** Tip first, down to the chain's first record. */
  ids: string[];
}

/** The file holding `ref`'s chain: named by a digest of the ref name (names may nest and hold any character a ref allows). */
export function chainIndexPath(archive: Archive, ref: string): string {
  return derivedPath(archive.dir, `chains/${createHash('sha256').update(ref).digest('hex').slice(0, 32)}.json`);
}

function parse(value: unknown, ref: string): ChainFile | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<ChainFile>;
  if (v.ref !== ref || typeof v.tip !== 'string' || !Array.isArray(v.ids) || v.ids[0] !== v.tip) return undefined;
  for (const id of v.ids) if (typeof id !== 'string' || !isObjectId(id)) return undefined;
  return v as ChainFile;
}

/**
 * The ids of the chain `ref` points at (`tip`), tip first; null when a
 * record of it cannot be read (the caller walks it as before, and reports
 * what is wrong). Every record read on the way is verified against its id.
 */
export async function chainIds(archive: Archive, ref: string, tip: string): Promise<string[] | null> {
  const path = chainIndexPath(archive, ref);
  const cached = parse(readDerived(path, CHAIN_INDEX_MAGIC, CHAIN_INDEX_VERSION), ref);
  if (cached && cached.tip === tip) return cached.ids;
  const store = await archive.objects();
  const ids: string[] = [];
  const seen = new Set<string>();
  for (let id: string | null = tip; id !== null; ) {
    if (cached && id === cached.tip) {
      // The ref moved on from the tip the file was built at: the rest is the file's.
      ids.push(...cached.ids);
      break;
    }
    if (seen.has(id)) return null; // a loop: not a chain (fsck names it)
    seen.add(id);
    ids.push(id);
    try {
      id = (await readEvent(store, id)).parent;
    } catch (err) {
      if (isTapesError(err)) return null;
      throw err;
    }
  }
  await writeDerived(path, CHAIN_INDEX_MAGIC, CHAIN_INDEX_VERSION, { ref, tip, ids } satisfies ChainFile);
  return ids;
}

/**
 * Removes the chain files of refs that no longer exist, and files that are
 * not chain files (damaged, of another version, left by a torn write): gc
 * calls it, so that a deleted or renamed session leaves nothing behind.
 * Only regular files directly in index/chains/ are removed; a link in the
 * way of index/ or chains/ means nothing is touched. Returns how many went.
 */
export async function pruneChainIndex(archive: Archive): Promise<number> {
  const indexDir = derivedPath(archive.dir, '');
  const dir = derivedPath(archive.dir, 'chains');
  if (entryKind(indexDir) !== 'dir' || entryKind(dir) !== 'dir') return 0;
  let removed = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(dir, e.name);
    const body = /^[0-9a-f]{32}\.json$/.test(e.name) ? (readDerived(path, CHAIN_INDEX_MAGIC, CHAIN_INDEX_VERSION) as Partial<ChainFile> | undefined) : undefined;
    let keep = false;
    if (body && typeof body.ref === 'string' && chainIndexPath(archive, body.ref) === path) {
      try {
        keep = (await archive.refs.read(body.ref)) !== undefined;
      } catch {
        keep = false; // not a valid ref name, or an unreadable ref: its chain file is no use
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
  return removed;
}
