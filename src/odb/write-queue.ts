// Writes objects with bounded concurrency. Ids are computed at once (they do
// not depend on the disk), so an importer can build a whole chain while the
// fsyncs of earlier objects are still in flight; `flush` waits for all of them
// before any ref is moved, so a ref never points at an object not yet on disk.
import { IdSet, sha256Hex } from '../hash/index.js';
import { encodeObject, type ObjectType, type TapesObject } from '../object/index.js';
import { writeContent } from './content.js';
import type { BatchWriteTarget, ObjectStore } from './object-store.js';

export interface WriteStats {
  objectsWritten: number;
  bytesWritten: number;
}

export class WriteQueue implements ObjectStore {
  private readonly pending = new Set<Promise<void>>();
  private failure: unknown;
  readonly stats: WriteStats = { objectsWritten: 0, bytesWritten: 0 };
  /** Every id taken or found, for the whole of a run (an import's 100k+ ids: 32 bytes each, see IdSet). */
  private readonly known = new IdSet();
  /** Dry run: records that would have been written, so later steps can still read them. */
  private readonly plannedRecords = new Map<string, Uint8Array>();

  /** With `dryRun`, ids are computed and the store is read, but nothing is written. */
  constructor(
    private readonly target: BatchWriteTarget,
    private readonly dryRun = false,
    private readonly concurrency = 16,
  ) {}

  /** True for objects in the store and objects this queue has taken. */
  async has(id: string): Promise<boolean> {
    if (this.known.has(id)) return true;
    if (!(await this.target.has(id))) return false;
    this.known.add(id);
    return true;
  }

  /** True only for objects that were in the store (or fully written). */
  stored(id: string): Promise<boolean> {
    return this.target.has(id);
  }

  read(id: string): Promise<TapesObject> {
    const planned = this.plannedRecords.get(id);
    if (planned) return Promise.resolve({ type: 'record', body: planned });
    return this.target.read(id);
  }

  ids(): AsyncIterable<string> {
    return this.target.ids();
  }

  findByPrefix(prefix: string): Promise<string[]> {
    return this.target.findByPrefix(prefix);
  }

  async write(type: ObjectType, body: Uint8Array): Promise<string> {
    if (this.failure) throw this.failure;
    return (await this.writeNew(type, body)).id;
  }

  /** Stores an object; `isNew` says whether it was absent from the store before. */
  async writeNew(type: ObjectType, body: Uint8Array): Promise<{ id: string; isNew: boolean }> {
    if (this.failure) throw this.failure;
    // Encoded and hashed once: the target takes both rather than doing it again.
    const encoded = encodeObject(type, body);
    const id = sha256Hex(encoded);
    if (this.known.has(id)) return { id, isNew: false };
    this.known.add(id);
    // freshen: found objects get their time refreshed, so a concurrent gc's prune spares them.
    if (this.target.freshen ? this.target.freshen(id) : await this.target.has(id)) return { id, isNew: false };
    if (this.dryRun) {
      if (type === 'record') this.plannedRecords.set(id, body);
      return { id, isNew: true };
    }
    while (this.pending.size >= this.concurrency) await Promise.race(this.pending);
    const target = this.target;
    const p: Promise<void> = target.writeReporting(type, body, true, { id, bytes: encoded }).then(
      (r) => {
        if (r.written > 0) {
          this.stats.objectsWritten++;
          this.stats.bytesWritten += r.written;
        }
      },
      (err: unknown) => {
        this.failure ??= err;
        this.known.delete(id);
      },
    );
    const tracked = p.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
    return { id, isNew: true };
  }

  /** Stores content of any size (chunked as needed) and returns its id. */
  async putContent(bytes: Uint8Array): Promise<string> {
    return (await writeContent(this, bytes)).id;
  }

  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
    if (this.failure) throw this.failure;
  }

  /** Ids the queue remembers as taken or found (tests check that an import's checkpoints bound it). */
  get knownCount(): number {
    return this.known.size;
  }

  /**
   * Forgets the ids taken so far, once they are all stored (after a flush,
   * and a checkpoint that finished their pack): `has` and `writeNew` then ask
   * the store, as for any stored object. An import's queue would otherwise
   * hold every id of the run. Not in a dry run, whose ids were never written.
   */
  forgetStored(): void {
    if (this.dryRun || this.pending.size > 0) return;
    this.known.clear();
  }
}
