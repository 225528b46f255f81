// Where a large import writes: one pack, as git fast-import writes one,
// instead of a loose file per object (each an open, a write, an fsync, a
// link and an unlink, and later gc's read, repack and unlink again). Objects
// are added to a PackWriter as they come; the pack is finished (fsynced and
// renamed into place) before any ref that needs its objects moves: the
// caller finishes it, then moves the refs (see archive/import.ts). An
// interrupted import leaves a temporary pack that gc sweeps, and no ref
// pointing into it.
import { encodeObject, type Codec, type ObjectType, type TapesObject } from '../object/index.js';
import { IdFilter, IdSet, sha256Hex } from '../hash/index.js';
import type { LooseObjectStore } from './loose-store.js';
import type { BatchWriteTarget, EncodedObject } from './object-store.js';
import { mergePacks } from './pack-merge.js';
import { PackWriter, type PackWriterOptions, type WrittenPack } from './pack-writer.js';

/**
 * Blob frames of 256 KiB and record frames of 128 KiB at zstd level 1 (level
 * 3, which loose objects use, cost the importing thread 0.7 s more CPU on
 * the scale corpus for a pack 3.7 % smaller: 65.0 MB against 67.5 MB; a gc
 * rewrites the pack at level 9 either way). A record
 * frame of 128 KiB is one zstd block: `show` or `cat-object` of a record
 * decodes at most that, where a 512 KiB frame made it decode up to four
 * blocks, in a process too short for the decoder to be compiled well (scale
 * corpus: 11 records across a session, 13 ms to read one instead of 21 on
 * average, 30 ms less CPU). Blob frames are small for the import's second
 * thread, which reads the blobs of each new record for the search index,
 * chain by chain, many of them blobs other sessions share: with 2 MiB frames
 * it decoded 958 MB of blob frames to read 57 MB of blobs (the frames hold
 * 168 MB), with 256 KiB frames 258 MB, and the whole import took some 1.3 s
 * less. The pack is 10.6 % larger for it (65.0 MB against 58.7 MB) until a
 * gc rewrites it (docs/format.md §3.4).
 */
export const IMPORT_PACK_OPTIONS: PackWriterOptions = { frameSize: 2 * 1024 * 1024, recordFrameSize: 128 * 1024, blobFrameSize: 256 * 1024, level: 1 };

export class PackingTarget implements BatchWriteTarget {
  private writer?: Promise<PackWriter>;
  /** Adds run one at a time (a frame is flushed inside an add). */
  private adding: Promise<void> = Promise.resolve();
  /** Ids added to the unfinished pack (32 bytes each: a pack holds tens of thousands). */
  private readonly pending = new IdSet();
  /** The packs finished so far. */
  readonly packs: WrittenPack[] = [];
  /** Every id added, finished or not: an id it rules out is in none of `packs`. */
  private readonly addedIds = new IdFilter();
  /** The names of `packs`, which an id `addedIds` rules out need not be looked for in. */
  private readonly own = { names: new Set<string>(), version: 0 };

  constructor(
    private readonly store: LooseObjectStore,
    private readonly codec: Codec,
    private readonly opts: PackWriterOptions = IMPORT_PACK_OPTIONS,
  ) {}

  /** Objects added to the pack not yet finished. */
  get pendingCount(): number {
    return this.pending.size;
  }

  async has(id: string): Promise<boolean> {
    return this.pending.has(id) || this.store.has(id);
  }

  freshen(id: string): boolean {
    return this.pending.has(id) || this.storedElsewhere(id);
  }

  /**
   * Whether the store holds `id` (as quickFreshen says), not counting the
   * unfinished pack: the packs this target finished are searched only when
   * the filter of the ids it added cannot rule them out.
   */
  private storedElsewhere(id: string): boolean {
    return this.store.quickFreshen(id, this.addedIds.mightHave(id) ? undefined : this.own);
  }

  /** An object of the unfinished pack is read after finishing it (the import then reads back what it wrote). */
  async read(id: string): Promise<TapesObject> {
    if (this.pending.has(id)) await this.finish();
    return this.store.read(id);
  }

  /** Stored ids (the unfinished pack's are not listed). */
  ids(): AsyncIterable<string> {
    return this.store.ids();
  }

  async write(type: ObjectType, body: Uint8Array): Promise<string> {
    return (await this.writeReporting(type, body)).id;
  }

  findByPrefix(prefix: string): Promise<string[]> {
    return this.store.findByPrefix(prefix);
  }

  /** Adds the object to the pack; `written` is its encoded size (the pack's compressed size is known when it is finished). */
  async writeReporting(type: ObjectType, body: Uint8Array, checked = false, pre?: EncodedObject): Promise<{ id: string; written: number }> {
    const encoded = pre?.bytes ?? encodeObject(type, body);
    const id = pre?.id ?? sha256Hex(encoded);
    if (this.pending.has(id) || (!checked && this.storedElsewhere(id))) return { id, written: 0 };
    this.pending.add(id);
    this.addedIds.add(id);
    this.writer ??= PackWriter.create(this.store.layout.packDir, this.codec, this.opts);
    const writer = this.writer;
    const added = this.adding.then(async () => (await writer).add(id, encoded));
    this.adding = added.catch(() => undefined);
    await added;
    return { id, written: encoded.length };
  }

  /**
   * Finishes the pack being written (fsynced, renamed into place) so that
   * everything added so far is stored; a no-op when nothing is pending.
   */
  async finish(): Promise<void> {
    if (!this.writer) return;
    const writer = this.writer;
    this.writer = undefined;
    await this.adding;
    const written = await (await writer).finish();
    if (written) {
      this.packs.push(written);
      this.own.names.add(written.name);
      this.own.version++;
    }
    this.pending.clear();
    this.store.packs.rescan();
  }

  /**
   * Merges the packs finished so far into one (pack-merge.ts), which `packs`
   * then lists alone; nothing is done while a pack is being written, or when
   * there is one pack or none.
   */
  async mergeFinished(): Promise<void> {
    if (this.writer || this.packs.length < 2) return;
    const merged = await mergePacks(this.store, this.codec, this.opts, this.packs.map((p) => p.name));
    if (merged) {
      this.packs.splice(0, this.packs.length, merged);
      this.own.names.clear();
      this.own.names.add(merged.name);
      this.own.version++;
    }
  }

  /** Drops the unfinished pack (its temporary file is removed). */
  async abort(): Promise<void> {
    if (!this.writer) return;
    const writer = this.writer;
    this.writer = undefined;
    this.pending.clear();
    await this.adding;
    await (await writer).abort().catch(() => undefined);
  }
}
