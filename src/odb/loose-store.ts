// Loose objects: one zstd frame per object at objects/<2 hex>/<62 hex>.
// Writes go to a temp file in the same directory, are fsynced, and are then
// hard-linked into place: link() fails if the name exists, so an object file is
// never overwritten, even by two writers racing on the same object.
import { existsSync, mkdirSync, readFileSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CorruptObjectError, HashMismatchError, NotFoundError } from '../errors/index.js';
import { isObjectId, sha256Hex } from '../hash/index.js';
import {
  MAX_OBJECT_SIZE,
  decodeObject,
  encodeObject,
  loadCodec,
  type Codec,
  type ObjectType,
  type TapesObject,
} from '../object/index.js';
import type { ObjectStore } from './object-store.js';

export const TEMP_PREFIX = 'tmp_obj_';

// Temp names: one random prefix per process and a counter, so that writers in
// different processes never collide and no randomness is drawn per object.
const tempStem = randomBytes(6).toString('hex');
let tempCounter = 0;

export class LooseObjectStore implements ObjectStore {
  /** Fan-out directories known to exist, so each is created once. */
  private readonly dirs = new Set<string>();

  private constructor(
    readonly dir: string,
    private readonly codec: Codec,
  ) {}

  /** Opens the store in `<archive>/objects`; loads the codec (once per process). */
  static async open(objectsDir: string): Promise<LooseObjectStore> {
    return new LooseObjectStore(objectsDir, await loadCodec());
  }

  pathOf(id: string): string {
    return join(this.dir, id.slice(0, 2), id.slice(2));
  }

  async has(id: string): Promise<boolean> {
    return isObjectId(id) && existsSync(this.pathOf(id));
  }

  /** The compressed bytes of an object file, unverified. */
  async readFile(id: string): Promise<Uint8Array> {
    try {
      // Synchronous, like the existence checks of writes: one small file is
      // read in microseconds, about a tenth of fs.promises.readFile's round
      // trips through the thread pool, and readers walk chains one at a time.
      return readFileSync(this.pathOf(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
        throw new NotFoundError(`object ${id} not found`, { id });
      }
      throw err;
    }
  }

  /** Decompresses and verifies compressed bytes that claim to be object `id`. */
  verify(id: string, compressed: Uint8Array): TapesObject {
    let encoded: Uint8Array;
    try {
      encoded = this.codec.decompress(compressed, MAX_OBJECT_SIZE);
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
    return this.verify(id, await this.readFile(id));
  }

  async write(type: ObjectType, body: Uint8Array): Promise<string> {
    return (await this.writeReporting(type, body)).id;
  }

  /**
   * Like write, and says how many compressed bytes it added (0 if the object
   * existed). `checked`: the caller has just seen that the object is absent,
   * so the existence check is skipped (link() still never overwrites).
   */
  async writeReporting(type: ObjectType, body: Uint8Array, checked = false): Promise<{ id: string; written: number }> {
    const encoded = encodeObject(type, body);
    const id = sha256Hex(encoded);
    const path = this.pathOf(id);
    // Synchronous checks: a stat is microseconds, far less than a round trip
    // through libuv's thread pool, and most writes on re-import stop here.
    if (!checked && existsSync(path)) return { id, written: 0 };
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
    if (existsSync(this.pathOf(id))) return false;
    if (!verified) this.verify(id, compressed);
    return this.storeFile(id, compressed);
  }

  /** The write protocol: temp file in the fan-out directory, fsync, link (never overwrites). */
  private async storeFile(id: string, compressed: Uint8Array): Promise<boolean> {
    const path = this.pathOf(id);
    const dir = join(this.dir, id.slice(0, 2));
    if (!this.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.dirs.add(dir);
    }
    const tmp = join(dir, `${TEMP_PREFIX}${tempStem}_${(tempCounter++).toString(36)}`);
    const handle = await fs.open(tmp, 'wx', 0o444);
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
        if (code === 'EEXIST') return false;
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

  async *ids(): AsyncIterable<string> {
    let fanout: string[];
    try {
      fanout = (await fs.readdir(this.dir)).sort();
    } catch {
      return;
    }
    for (const d of fanout) {
      if (!/^[0-9a-f]{2}$/.test(d)) continue;
      let names: string[];
      try {
        names = (await fs.readdir(join(this.dir, d))).sort();
      } catch {
        continue;
      }
      for (const n of names) {
        const id = d + n;
        if (isObjectId(id)) yield id;
      }
    }
  }

  async findByPrefix(prefix: string): Promise<string[]> {
    if (!/^[0-9a-f]{2,64}$/.test(prefix)) return [];
    let names: string[];
    try {
      names = await fs.readdir(join(this.dir, prefix.slice(0, 2)));
    } catch {
      return [];
    }
    const rest = prefix.slice(2);
    return names
      .filter((n) => n.startsWith(rest))
      .map((n) => prefix.slice(0, 2) + n)
      .filter(isObjectId)
      .sort();
  }
}
