// Loose objects: one zstd frame per object at objects/<2 hex>/<62 hex>
// (the file names are object-layout.ts's business).
// Writes go to a temp file in the same directory, are fsynced, and are then
// hard-linked into place: link() fails if the name exists, so an object file is
// never overwritten, even by two writers racing on the same object.
// Reads look at loose objects first, then at the packs in objects/pack/
// (pack-reader.ts); a miss re-reads the pack directory once, since a gc in
// another process may have packed the object and removed its loose file.
// A loose file is a regular file in a real fan-out directory: a link in the
// way is never followed (it reads as missing, and a write refuses it).
import { closeSync, fstatSync, openSync, readFileSync, statSync, utimesSync, promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { CorruptObjectError, HashMismatchError, NotFoundError } from '../errors/index.js';
import { isObjectId, sha256Hex } from '../hash/index.js';
import {
  MAX_OBJECT_SIZE,
  codecWanted,
  decodeObject,
  codecLoaded,
  decompressFrame,
  progressiveFrame,
  encodeObject,
  loadCodec,
  type Codec,
  type ObjectType,
  type TapesObject,
} from '../object/index.js';
import { READ_NOFOLLOW } from './no-follow.js';
import { ObjectLayout } from './object-layout.js';
import type { BatchWriteTarget, EncodedObject, PackDigitsMemo, VerifyingStore } from './object-store.js';
import { PackSet, type PackSkip } from './pack-reader.js';

/**
 * A write that finds its object already stored refreshes the object's
 * modification time (or its pack's) when it is older than this, so that a
 * gc pruning unreachable objects by age never removes an object a writer has
 * just counted on (git "freshens" objects the same way).
 */
const FRESHEN_AFTER_MS = 60 * 60 * 1000;

// Temp names: one random prefix per process and a counter, so that writers in
// different processes never collide and no randomness is drawn per object.
const tempStem = randomBytes(6).toString('hex');

/** Reads decode with whichever decoder serves best at the time (object/compress.ts). */
// Frames are decoded progressively (as far as a read needs) by fzstd, and
// whole once the WebAssembly codec is loaded (object/compress.ts).
const DECODER = { decompress: decompressFrame, progressive: (frame: Uint8Array, max: number) => (codecLoaded() ? undefined : progressiveFrame(frame, max)) };
let tempCounter = 0;

export class LooseObjectStore implements BatchWriteTarget, VerifyingStore {
  readonly layout: ObjectLayout;

  private constructor(
    readonly dir: string,
    private codecLoaded: Codec | undefined,
  ) {
    this.layout = new ObjectLayout(dir);
  }

  /** Opens the store in `<archive>/objects`; loads the codec (once per process). */
  static async open(objectsDir: string): Promise<LooseObjectStore> {
    return new LooseObjectStore(objectsDir, await loadCodec());
  }

  /**
   * Opens the store without loading the codec (about 30 ms of WebAssembly
   * start-up): reads decode with decompressFrame (object/compress.ts), which
   * needs no start-up, and writes load the codec when they first compress.
   */
  static openLookup(objectsDir: string): LooseObjectStore {
    return new LooseObjectStore(objectsDir, undefined);
  }

  /** Loads the codec if it is not yet (once per process); the store, ready for every call. */
  async codecReady(): Promise<this> {
    this.codecLoaded ??= await loadCodec();
    return this;
  }

  private get codec(): Codec {
    if (!this.codecLoaded) throw new Error('the zstd codec is not loaded: await LooseObjectStore.codecReady() before a synchronous read');
    return this.codecLoaded;
  }

  pathOf(id: string): string {
    return this.layout.pathOf(id);
  }

  private packSet?: PackSet;

  /** The packs of this store, opened on first use. */
  get packs(): PackSet {
    this.packSet ??= new PackSet(this.layout.packDir, DECODER);
    return this.packSet;
  }

  /** Loose or packed. Quick: a pack added by another process since the last miss is not seen (a false "no" only costs a duplicate write). */
  async has(id: string): Promise<boolean> {
    return isObjectId(id) && (this.layout.hasLoose(id) || this.packs.has(id));
  }

  /** True when the object exists as a loose file (not counting packs). */
  hasLoose(id: string): boolean {
    return this.layout.hasLoose(id);
  }

  /**
   * has() for a transfer deciding what to send: packs first, then loose files
   * as listed once per fan-out directory (ObjectLayout.quickHasLoose: an
   * object added meanwhile may be missed, which costs only sending it).
   */
  hasQuick(id: string): boolean {
    return isObjectId(id) && (this.packs.has(id) || this.layout.quickHasLoose(id));
  }

  /** hasLoose() with the same listing (see hasQuick). */
  hasLooseQuick(id: string): boolean {
    return this.layout.quickHasLoose(id);
  }

  /** The loose file's bytes, or undefined when there is none (a link or a FIFO in its place is none). */
  private readLoose(id: string): Uint8Array | undefined {
    if (!this.layout.fanoutReadable(id)) return undefined;
    let fd: number;
    try {
      // Synchronous, like the existence checks of writes: one small file is
      // read in microseconds, about a tenth of fs.promises.readFile's round
      // trips through the thread pool, and readers walk chains one at a time.
      fd = openSync(this.pathOf(id), READ_NOFOLLOW);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EMLINK') return undefined;
      throw err;
    }
    try {
      return fstatSync(fd).isFile() ? readFileSync(fd) : undefined;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The compressed bytes of an object, unverified for a loose file. A packed
   * object (verified) is compressed on its own, so that what the file
   * transport copies is always a loose object file.
   */
  async readFile(id: string): Promise<Uint8Array> {
    if (!isObjectId(id)) throw new NotFoundError(`"${id}" is not an object id`, { id });
    // The codec (some 30 ms to load) only to compress a packed object: a
    // loose file is sent as it is (a push of one new record sends one).
    const loose = this.readLoose(id);
    if (loose) return loose;
    const encoded = this.packs.encoded(id) ?? (this.packs.rescan() ? this.packs.encoded(id) : undefined);
    if (encoded) return (this.codecLoaded ?? (await this.codecReady()).codec).compress(encoded);
    const again = this.readLoose(id);
    if (again) return again;
    throw new NotFoundError(`object ${id} not found`, { id });
  }

  /** Decompresses and verifies compressed bytes that claim to be object `id`. */
  verify(id: string, compressed: Uint8Array): TapesObject {
    let encoded: Uint8Array;
    try {
      encoded = decompressFrame(compressed, MAX_OBJECT_SIZE);
    } catch (err) {
      const e = err as CorruptObjectError;
      throw new CorruptObjectError(`object ${id}: ${e.message}`, { id, reason: 'badCompression', ...e.data });
    }
    const actual = sha256Hex(encoded);
    if (actual !== id) {
      throw new HashMismatchError(`object ${id}: content hashes to ${actual}`, { id, actual });
    }
    try {
      return decodeObject(encoded);
    } catch (err) {
      const e = err as CorruptObjectError;
      throw new CorruptObjectError(`object ${id}: ${e.message}`, { id, ...e.data });
    }
  }

  async read(id: string): Promise<TapesObject> {
    if (!isObjectId(id)) throw new NotFoundError(`"${id}" is not an object id`, { id });
    if (codecWanted()) await this.codecReady();
    // The packs first (after gc, most objects are packed and their fan-out
    // directories gone, so a loose lookup first would be wasted); should a
    // pack's copy be damaged, a loose copy still serves.
    let damaged: unknown;
    try {
      const packed = this.packs.read(id);
      if (packed) return packed;
    } catch (err) {
      damaged = err;
    }
    const loose = this.readLoose(id);
    if (loose) return this.verify(id, loose);
    if (damaged) throw damaged;
    // Not found: another process may have packed it (and removed the loose
    // file) since the packs were listed.
    if (this.packs.rescan()) {
      const again = this.packs.read(id);
      if (again) return again;
    }
    const late = this.readLoose(id);
    if (late) return this.verify(id, late);
    throw new NotFoundError(`object ${id} not found`, { id });
  }

  /**
   * Whether a writer may count on object `id` being stored: true when it is
   * loose or packed, after refreshing the file's (or the pack's) time if it
   * is older than an hour, so that a concurrent gc's age-based prune spares it.
   */
  freshen(id: string): boolean {
    const path = this.pathOf(id);
    const mtime = this.layout.looseMtime(id);
    if (mtime === undefined) return this.freshenPacked(id);
    if (Date.now() - mtime > FRESHEN_AFTER_MS) touch(path, 0);
    return true;
  }

  /**
   * freshen, with loose files looked up as quickHasLoose does (one listing
   * per fan-out directory, not an lstat per object): for a packed import,
   * to which a wrong "absent" costs only a second copy of the object in its
   * pack. On a fresh archive the lstat of a missing file or directory for
   * every object was 4 % of importing the scale corpus.
   */
  quickFreshen(id: string, skipPacks?: PackSkip): boolean {
    return this.layout.quickHasLoose(id) ? this.freshen(id) : this.freshenPacked(id, skipPacks);
  }

  /** `skipPacks`: packs the caller knows do not hold `id` (names), not searched. */
  private freshenPacked(id: string, skipPacks?: PackSkip): boolean {
    const pack = this.packs.packOf(id, skipPacks);
    if (!pack) return false;
    if (!this.freshenedPacks.has(pack.name)) {
      this.freshenedPacks.add(pack.name);
      touch(pack.packPath, FRESHEN_AFTER_MS);
    }
    return true;
  }

  private readonly freshenedPacks = new Set<string>();

  async write(type: ObjectType, body: Uint8Array): Promise<string> {
    return (await this.writeReporting(type, body)).id;
  }

  /**
   * Like write, and says how many compressed bytes it added (0 if the object
   * existed). `checked`: the caller has just seen that the object is absent,
   * so the existence check is skipped (link() still never overwrites).
   */
  async writeReporting(type: ObjectType, body: Uint8Array, checked = false, pre?: EncodedObject): Promise<{ id: string; written: number }> {
    if (!this.codecLoaded) await this.codecReady();
    const encoded = pre?.bytes ?? encodeObject(type, body);
    const id = pre?.id ?? sha256Hex(encoded);
    // Synchronous checks: a stat is microseconds, far less than a round trip
    // through libuv's thread pool, and most writes on re-import stop here.
    if (!checked && this.freshen(id)) return { id, written: 0 };
    const compressed = this.codec.compress(encoded);
    return { id, written: (await this.storeFile(id, compressed)) ? compressed.length : 0 };
  }

  /**
   * Stores an object that arrives already compressed (from another archive):
   * verified against its id first (unless the caller just did), then written
   * like any other object.
   * Returns false when the object was already there.
   */
  async writeCompressed(id: string, compressed: Uint8Array, verified = false): Promise<boolean> {
    // Verifying decodes with fzstd until the process has decoded enough for the WebAssembly codec to pay.
    if (codecWanted()) await this.codecReady();
    if (this.freshen(id)) return false;
    if (!verified) this.verify(id, compressed);
    return this.storeFile(id, compressed);
  }

  /**
   * Writes a verified object as a loose file even when a pack holds it (gc
   * keeps unreachable objects of a pack it removes this way). False when the
   * loose file exists.
   */
  async writeLooseCopy(id: string, compressed: Uint8Array): Promise<boolean> {
    if (this.hasLoose(id)) return false;
    return this.storeFile(id, compressed);
  }

  /** The write protocol: temp file in the fan-out directory, fsync, link (never overwrites). */
  private async storeFile(id: string, compressed: Uint8Array): Promise<boolean> {
    const path = this.pathOf(id);
    // A listing kept for neighbours() no longer holds every loose id there.
    this.looseByFanout.delete(id.slice(0, 2));
    // Creates the fan-out directory when missing; refuses a link in its place.
    this.layout.prepareFanout(id);
    const tmp = this.layout.tempPathFor(id, `${tempStem}_${(tempCounter++).toString(36)}`);
    let handle;
    try {
      handle = await fs.open(tmp, 'wx', 0o444);
    } catch (err) {
      // A gc removes fan-out directories it has emptied: make it again.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.layout.forgetFanout(id);
      this.layout.prepareFanout(id);
      handle = await fs.open(tmp, 'wx', 0o444);
    }
    try {
      try {
        await handle.writeFile(compressed);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await fs.link(tmp, path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') {
          // Something already has the object's name: an object file (a
          // writer won the race), or a link or directory that must not pass
          // for the object.
          const blocked = this.layout.blockedPlace(id);
          if (blocked) throw blocked;
          return false;
        }
        // Some file systems (network shares, exFAT) have no hard links. The
        // object's name is its content's hash, so a rename over a file that
        // appeared meanwhile replaces it with identical bytes.
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err;
        await fs.rename(tmp, path);
      }
      return true;
    } finally {
      // unlink, not rm: rm stats first, and this runs once per object.
      await fs.unlink(tmp).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
  }

  /** Loose ids, then packed ids that are not also loose. */
  async *ids(): AsyncIterable<string> {
    const loose = new Set<string>();
    for await (const id of this.looseIds()) {
      loose.add(id);
      yield id;
    }
    this.packs.rescan();
    for (const id of this.packs.ids()) if (!loose.has(id)) yield id;
  }

  /** The ids of the loose object files, sorted. */
  looseIds(): AsyncIterable<string> {
    return this.layout.looseIds();
  }

  private readonly looseByFanout = new Map<string, Promise<string[]>>();

  /**
   * Ids sharing the most leading digits with `id`: every loose id under its
   * first two digits (a fan-out directory, listed once per store; after gc
   * most are gone) and its neighbours in each pack's sorted ids.
   */
  async neighbours(id: string): Promise<string[]> {
    if (!isObjectId(id)) return [];
    const fanout = id.slice(0, 2);
    let loose = this.looseByFanout.get(fanout);
    if (!loose) {
      loose = this.layout.looseIdsWithPrefix(fanout);
      this.looseByFanout.set(fanout, loose);
    }
    return [...(await loose).filter((x) => x !== id), ...this.packs.neighbours(id).filter((x) => x !== id)];
  }

  /** The most leading digits `id` shares with another stored id: loose ids as neighbours() lists them, packed ones from each pack's index. */
  async sharedDigits(id: string, memo?: PackDigitsMemo): Promise<number> {
    if (!isObjectId(id)) return 0;
    const fanout = id.slice(0, 2);
    let loose = this.looseByFanout.get(fanout);
    if (!loose) {
      loose = this.layout.looseIdsWithPrefix(fanout);
      this.looseByFanout.set(fanout, loose);
    }
    let best = this.packs.sharedDigits(id, memo);
    for (const other of await loose) {
      if (other === id) continue;
      let k = 0;
      while (k < 64 && other[k] === id[k]) k++;
      best = Math.max(best, k);
    }
    return best;
  }

  async findByPrefix(prefix: string): Promise<string[]> {
    if (!/^[0-9a-f]{2,64}$/.test(prefix)) return [];
    const loose = await this.layout.looseIdsWithPrefix(prefix);
    this.packs.rescan();
    const packed = this.packs.findByPrefix(prefix);
    if (loose.length === 0) return packed;
    if (packed.length === 0) return loose.slice().sort();
    return [...new Set([...loose, ...packed])].sort();
  }
}

/** Sets a file's times to now, when it is older than `olderThanMs` (0: always); best effort. */
function touch(path: string, olderThanMs: number): void {
  try {
    if (olderThanMs > 0 && Date.now() - statSync(path).mtimeMs <= olderThanMs) return;
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // Not ours to change (another user's shared archive), or gone: nothing to protect.
  }
}
