// The ids of a chain, tip first, kept per ref in .tapes/index/chains/: the
// answer to "does this session hold that record?" without reading the
// records between its tip and the record (show, export and checkout ask it
// for every record they name). Derived data (docs/index.md): a file is used
// only while its ref still points at the tip it was built from; when the ref
// has moved on, the walk from the new tip stops at the old one and the rest is
// taken from the file; a missing, damaged or stale file is rebuilt by walking
// the chain, and one that cannot be written costs time, never correctness.
import { createHash } from 'node:crypto';
import { isTapesError } from '../../errors/index.js';
import { ID_HEX_LENGTH } from '../../hash/index.js';
import { readEvent } from '../../record/index.js';
import type { Archive } from '../archive.js';
import { derivedPath, readDerived, writeDerived } from '../derived-file.js';

export const CHAIN_INDEX_MAGIC = 'tapes-chain';
export const CHAIN_INDEX_VERSION = 1;
const HEX_RE = /^[0-9a-f]*$/;

export interface ChainFile {
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
  // Each id 64 long, then all of them lowercase hex at once: one regular
  // expression over the joined ids costs a tenth of one per id (`show` parses
  // the files of every session holding the record, thousands of ids).
  for (const id of v.ids) if (typeof id !== 'string' || id.length !== ID_HEX_LENGTH) return undefined;
  if (!HEX_RE.test(v.ids.join(''))) return undefined;
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
  if (!archive.readOnly) await writeDerived(path, CHAIN_INDEX_MAGIC, CHAIN_INDEX_VERSION, { ref, tip, ids } satisfies ChainFile);
  return ids;
}

