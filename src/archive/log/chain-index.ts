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
import { derivedPath, readDerivedBytes, writeDerivedBytes } from '../derived-file.js';

export const CHAIN_INDEX_MAGIC = 'tapes-chain';
// 2: the body is the ref's name, a newline, then the chain's ids as bytes,
// 32 to an id, tip first. Version 1 held JSON, the ids an array of hex
// strings: parsing and checking 2,331 of them for the longest session of
// the scale corpus cost `show` (which reads the file of every chain of the
// record's session, four there) more than the rest of the look. Any 32
// bytes are an id, so there is nothing left to check but the length.
export const CHAIN_INDEX_VERSION = 2;
const ID_BYTES = ID_HEX_LENGTH / 2;
const HEX_ID_RE = /^[0-9a-f]{64}$/;

/** The ids of a chain, tip first, held as the bytes its file holds them in. */
export class ChainList {
  /** `bytes`: ids of 32 bytes, one after another. */
  private constructor(private readonly bytes: Buffer) {}

  /** From ids in hex, tip first. */
  static of(ids: readonly string[]): ChainList {
    return new ChainList(Buffer.from(ids.join(''), 'hex'));
  }

  /** From a file's bytes, when they are a whole number of ids (one at least). */
  static parse(bytes: Buffer): ChainList | undefined {
    return bytes.length > 0 && bytes.length % ID_BYTES === 0 ? new ChainList(bytes) : undefined;
  }

  get length(): number {
    return this.bytes.length / ID_BYTES;
  }

  /** The id `i` records below the tip (0: the tip). */
  at(i: number): string | undefined {
    return Number.isInteger(i) && i >= 0 && i < this.length ? this.bytes.toString('hex', i * ID_BYTES, (i + 1) * ID_BYTES) : undefined;
  }

  /** Whether the chain holds `id` (64 lowercase hex digits; anything else names no record). */
  has(id: string): boolean {
    if (!HEX_ID_RE.test(id)) return false;
    const want = Buffer.from(id, 'hex');
    // A match counts only where an id begins: not across two ids.
    for (let at = this.bytes.indexOf(want); at !== -1; at = this.bytes.indexOf(want, at + 1)) if (at % ID_BYTES === 0) return true;
    return false;
  }

  toArray(): string[] {
    const out: string[] = new Array(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.bytes.toString('hex', i * ID_BYTES, (i + 1) * ID_BYTES);
    return out;
  }

  /** This chain with `newer` (ids above its tip, in hex, newest first) on top. */
  below(newer: readonly string[]): ChainList {
    return new ChainList(Buffer.concat([Buffer.from(newer.join(''), 'hex'), this.bytes]));
  }

  /** The bytes a file holds. */
  raw(): Buffer {
    return this.bytes;
  }
}

/** The file holding `ref`'s chain: named by a digest of the ref name (names may nest and hold any character a ref allows). */
export function chainIndexPath(archive: Archive, ref: string): string {
  return derivedPath(archive.dir, `chains/${createHash('sha256').update(ref).digest('hex').slice(0, 32)}.ids`);
}

/** A chain file's body split into the ref it names and its ids; undefined when it is not one. */
function splitBody(body: Buffer | undefined): { ref: string; ids: ChainList } | undefined {
  const nl = body?.indexOf(10) ?? -1;
  if (body === undefined || nl < 0) return undefined;
  const ids = ChainList.parse(body.subarray(nl + 1));
  return ids && { ref: body.toString('utf8', 0, nl), ids };
}

/** The ref a chain file names, or undefined when it is not a chain file of this version. */
export function chainFileRef(path: string): string | undefined {
  return splitBody(readDerivedBytes(path, CHAIN_INDEX_MAGIC, CHAIN_INDEX_VERSION))?.ref;
}

/** A chain file's body: the ref's name, a newline, the ids. */
export function chainFileBody(ref: string, ids: ChainList): Buffer {
  return Buffer.concat([Buffer.from(`${ref}\n`, 'utf8'), ids.raw()]);
}

/** The chain file's ids and tip, when it is `ref`'s and holds at least one id. */
function parse(body: Buffer | undefined, ref: string): { tip: string; ids: ChainList } | undefined {
  const file = splitBody(body);
  const tip = file?.ids.at(0);
  return file && file.ref === ref && tip ? { tip, ids: file.ids } : undefined;
}

/**
 * The ids of the chain `ref` points at (`tip`), tip first; null when a
 * record of it cannot be read (the caller walks it as before, and reports
 * what is wrong). Every record read on the way is verified against its id.
 */
export async function chainIds(archive: Archive, ref: string, tip: string): Promise<ChainList | null> {
  const path = chainIndexPath(archive, ref);
  const cached = parse(readDerivedBytes(path, CHAIN_INDEX_MAGIC, CHAIN_INDEX_VERSION), ref);
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
  if (!archive.readOnly) await writeDerivedBytes(path, CHAIN_INDEX_MAGIC, CHAIN_INDEX_VERSION, chainFileBody(ref, list));
  return list;
}
