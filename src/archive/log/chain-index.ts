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
// 2: the ids as one string, each 64 hex digits, tip first. Version 1 held an
// array of strings: parsing and checking 2,331 of them for the longest
// session of the scale corpus cost `show` (which reads the file of every
// chain of the record's session, four there) more than the rest of the look.
export const CHAIN_INDEX_VERSION = 2;
const HEX_RE = /^[0-9a-f]*$/;

/** What a chain file holds. */
export interface ChainFile {
  ref: string;
  tip: string;
  /** The chain's ids, tip first, down to its first record, written one after another. */
  ids: string;
}

/** The ids of a chain, tip first, held as the one string its file holds them in. */
export class ChainList {
  /** `hex`: ids of 64 lowercase hex digits, one after another (checked by the caller). */
  private constructor(private readonly hex: string) {}

  static of(ids: readonly string[]): ChainList {
    return new ChainList(ids.join(''));
  }

  /** From a file's string, when it is a whole number of ids, all lowercase hex. */
  static parse(hex: string): ChainList | undefined {
    return hex.length > 0 && hex.length % ID_HEX_LENGTH === 0 && HEX_RE.test(hex) ? new ChainList(hex) : undefined;
  }

  get length(): number {
    return this.hex.length / ID_HEX_LENGTH;
  }

  /** The id `i` records below the tip (0: the tip). */
  at(i: number): string | undefined {
    return Number.isInteger(i) && i >= 0 && i < this.length ? this.hex.slice(i * ID_HEX_LENGTH, (i + 1) * ID_HEX_LENGTH) : undefined;
  }

  /** Whether the chain holds `id` (a whole id, 64 lowercase hex digits). */
  has(id: string): boolean {
    if (id.length !== ID_HEX_LENGTH) return false;
    // A match counts only where an id begins: not across two ids.
    for (let at = this.hex.indexOf(id); at !== -1; at = this.hex.indexOf(id, at + 1)) if (at % ID_HEX_LENGTH === 0) return true;
    return false;
  }

  toArray(): string[] {
    const out: string[] = new Array(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.hex.slice(i * ID_HEX_LENGTH, (i + 1) * ID_HEX_LENGTH);
    return out;
  }

  /** This chain with `newer` (ids above its tip, newest first) on top. */
  below(newer: readonly string[]): ChainList {
    return new ChainList(newer.join('') + this.hex);
  }

  /** The string a file holds. */
  text(): string {
    return this.hex;
  }
}

/** The file holding `ref`'s chain: named by a digest of the ref name (names may nest and hold any character a ref allows). */
export function chainIndexPath(archive: Archive, ref: string): string {
  return derivedPath(archive.dir, `chains/${createHash('sha256').update(ref).digest('hex').slice(0, 32)}.json`);
}

function parse(value: unknown, ref: string): { tip: string; ids: ChainList } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<Record<keyof ChainFile, unknown>>;
  if (v.ref !== ref || typeof v.tip !== 'string' || typeof v.ids !== 'string') return undefined;
  const ids = ChainList.parse(v.ids);
  if (ids === undefined || ids.at(0) !== v.tip) return undefined;
  return { tip: v.tip, ids };
}

/**
 * The ids of the chain `ref` points at (`tip`), tip first; null when a
 * record of it cannot be read (the caller walks it as before, and reports
 * what is wrong). Every record read on the way is verified against its id.
 */
export async function chainIds(archive: Archive, ref: string, tip: string): Promise<ChainList | null> {
  const path = chainIndexPath(archive, ref);
  const cached = parse(readDerived(path, CHAIN_INDEX_MAGIC, CHAIN_INDEX_VERSION), ref);
  if (cached && cached.tip === tip) return cached.ids;
  const store = await archive.objects();
  const ids: string[] = [];
  const seen = new Set<string>();
  let list: ChainList | undefined;
  for (let id: string | null = tip; id !== null; ) {
    if (cached && id === cached.tip) {
      // The ref moved on from the tip the file was built at: the rest is the file's.
      list = cached.ids.below(ids);
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
  list ??= ChainList.of(ids);
  if (!archive.readOnly) await writeDerived(path, CHAIN_INDEX_MAGIC, CHAIN_INDEX_VERSION, { ref, tip, ids: list.text() } satisfies ChainFile);
  return list;
}
