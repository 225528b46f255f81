// gc's walk: from each root, the objects it reaches, handed to a pack writer
// in the order a reader meets them (a session's records oldest first, each
// record's blobs before it, a chunk list before its chunks).
import { InvalidInputError, NotFoundError, isTapesError } from '../../errors/index.js';
import { isObjectId } from '../../hash/index.js';
import { decodeChunkList, encodeObject, startsWithChunkMagic } from '../../object/index.js';
import type { LooseObjectStore, PackWriter } from '../../odb/index.js';
import { parseRecordBody } from '../../record/index.js';

export class Packer {
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

/** Adds an object the walk did not reach (`--prune=never`); a damaged or vanished one is left for fsck. */
export async function addById(store: LooseObjectStore, writer: Pick<PackWriter, 'add'>, id: string): Promise<void> {
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
