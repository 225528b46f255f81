// The file transport: another archive on a path or file:// URL (another disk,
// a NAS, a mounted share). Objects travel as their compressed files; the
// receiving side decompresses and hashes each one (LooseObjectStore.verify)
// before linking it into place with the loose store's write protocol (temp
// file, fsync, link). Objects are stored oldest first, so that a record is
// only ever stored after its parent and its blobs: whoever finds a record
// may stop walking there. A pusher may hand over what it has already read
// and verified (push's walk, PushExtras.walked): those objects are not read
// again, unless they must be written one by one. Remote refs move only
// through the remote's RefStore (its lock files and reflog), compare-and-swap
// on the value the pusher saw, many at once.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidInputError, NotFoundError, RefConflictError, isTapesError } from '../errors/index.js';
import { isObjectId } from '../hash/index.js';
import { decodeChunkList, encodeObject, loadCodec, startsWithChunkMagic, type TapesObject } from '../object/index.js';
import { DEFAULT_PACK_OPTIONS, LooseObjectStore, PackWriter, copyPack, type ObjectStore, type Pack } from '../odb/index.js';
import { AGENTS_PREFIX, CAPTURES_PREFIX, MAX_REF_FILE_SIZE, RefStore, SESSIONS_PREFIX, TAGS_PREFIX, readRefFile } from '../refs/index.js';
import { parseRecordBody } from '../record/index.js';
import type { PushExtras, RefUpdate, RefUpdateOutcome, RemoteRef, TransferProgress, Transport, WalkedObjects } from './transport.js';

/** The archive directory a path or file:// URL names (the directory itself, or its .tapes). */
export function fileRemoteDir(url: string): string {
  const path = /^file:\/\//i.test(url) ? fileURLToPath(url) : resolve(url);
  for (const candidate of [path, join(path, '.tapes')]) {
    if (['objects', 'refs'].every((d) => isDir(join(candidate, d))) && isFile(join(candidate, 'config'))) return candidate;
  }
  throw new InvalidInputError(`remote ${url} is not a tapes archive`, { url, path });
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** One object on its way: its id, the object, and its loose file when it was read from one. */
export interface Carried {
  id: string;
  compressed?: Uint8Array;
  object: TapesObject;
}

/** An object to send that was verified by push's walk and not read here: read only if it must be written one by one. */
export interface Walked {
  id: string;
  compressed?: undefined;
  object?: undefined;
}

/** Where objects are read from while walking: a store and how to get an object's compressed bytes. */
interface Source {
  label: string;
  readFile(id: string): Promise<Uint8Array>;
  /**
   * A packed object, read and verified by the store (undefined when the
   * object is a loose file, which readFile gives as it is stored).
   */
  readPacked?(id: string): Promise<TapesObject | undefined>;
}

/**
 * From this many objects on, a transfer arrives as one pack rather than a
 * file per object (git's transfer.unpackLimit is the same idea, and number):
 * writing, syncing and linking thousands of small files is what a transfer of
 * a whole archive spent its time on.
 */
export const UNPACK_LIMIT = 100;

function storeSource(store: LooseObjectStore, label: string): Source {
  return {
    label,
    readFile: (id) => store.readFile(id),
    readPacked: async (id) => (store.hasLooseQuick(id) ? undefined : store.read(id)),
  };
}

/** Why a remote's ref file is refused, in words. */
const REFUSED: Partial<Record<string, string>> = {
  symlink: 'it is a symbolic link, which tapes never follows',
  tooLarge: `it is longer than ${MAX_REF_FILE_SIZE} bytes, and a ref is one line`,
  notFile: 'it is not a regular file',
  directory: 'it is not a regular file',
};

export class FileTransport implements Transport {
  readonly refs: RefStore;
  readonly takesWalked = true;
  private storePromise?: Promise<LooseObjectStore>;

  constructor(
    readonly url: string,
    readonly dir: string = fileRemoteDir(url),
    now: () => Date = () => new Date(),
  ) {
    this.refs = new RefStore(this.dir, now);
  }

  private store(): Promise<LooseObjectStore> {
    // The codec is loaded when something is compressed, not to open the store.
    this.storePromise ??= Promise.resolve(LooseObjectStore.openLookup(join(this.dir, 'objects')));
    return this.storePromise;
  }

  async listRefs(): Promise<RemoteRef[]> {
    const out: RemoteRef[] = [];
    for (const prefix of [SESSIONS_PREFIX, AGENTS_PREFIX, CAPTURES_PREFIX, TAGS_PREFIX]) {
      for (const name of await this.refs.listNames(prefix)) {
        // Names are checked by the caller (sync); reading one that breaks the
        // rules would throw here, so the raw file is read instead: bounded,
        // never through a link (listNames only walks real directories).
        const read = readRefFile(join(this.dir, ...name.split('/')));
        if (!read.ok) {
          if (read.why === 'missing') continue; // deleted meanwhile
          out.push({ name, id: '', refused: REFUSED[read.why] ?? `it cannot be read: ${read.message}` });
          continue;
        }
        const text = read.text;
        if (text.startsWith('ref: ')) continue;
        const id = text.trim();
        if (!isObjectId(id) || !/^[0-9a-f]{64}\n?$/.test(text)) {
          throw new InvalidInputError(`remote ${this.url}: ref ${JSON.stringify(name)} does not hold an object id`, { ref: name });
        }
        out.push({ name, id });
      }
    }
    return out;
  }

  async push(
    local: ObjectStore,
    tips: string[],
    _haves: string[],
    updates: RefUpdate[],
    progress?: (p: TransferProgress) => void,
    extras: PushExtras = {},
  ): Promise<RefUpdateOutcome[]> {
    const { walked, moved } = extras;
    const remote = await this.store();
    const source = sourceOf(local, 'local archive');
    const verify = (id: string, c: Uint8Array) => remote.verify(id, c);
    // An empty remote (a first push) has nothing: no lookup per object.
    const has = isEmptyStore(remote) ? () => false : (id: string) => remote.hasQuick(id);
    const found = await collectMissing(source, tips, has, verify, 'local archive', walked);
    const copied = local instanceof LooseObjectStore ? await copyWholePacks(local, remote, found, progress) : { rest: found, objects: 0, bytes: 0 };
    // What no whole pack covers is written object by object: those the walk verified are read now.
    const rest: Carried[] = [];
    for (const c of copied.rest) rest.push(c.object ? c : await readCarried(source, c.id, undefined, verify, 'local archive'));
    await storeAll(remote, rest, progress && ((p) => progress({ objects: copied.objects + p.objects, bytes: copied.bytes + p.bytes })));
    // Each ref as it moves is handed on (the pusher's note of it overlaps the moves of the others).
    return forEachRef(updates, async (u) => {
      const outcome = await this.move(u);
      if (outcome.ok && moved) await moved(outcome);
      return outcome;
    });
  }

  /** Moves one remote ref by compare-and-swap; a refusal is an outcome, not an error. */
  private async move(u: RefUpdate): Promise<RefUpdateOutcome> {
    try {
      if (u.new === null) {
        if (u.old === null) return { name: u.name, ok: true };
        await this.refs.delete(u.name, { expectedOld: u.force ? undefined : u.old, reason: 'push: delete', deref: false });
      } else {
        await this.refs.update(u.name, u.new, {
          expectedOld: u.force ? undefined : u.old,
          reason: u.force ? 'push: forced update' : 'push',
          deref: false,
        });
      }
      return { name: u.name, ok: true };
    } catch (err) {
      if (err instanceof RefConflictError || (err instanceof NotFoundError && u.new === null)) {
        return { name: u.name, ok: false, reason: 'fetch first: the remote ref moved since it was read' };
      } else if (isTapesError(err)) {
        return { name: u.name, ok: false, reason: err.message };
      }
      throw err;
    }
  }

  async fetch(local: ObjectStore, wants: string[], progress?: (p: TransferProgress) => void): Promise<{ objects: number; bytes: number }> {
    const remote = await this.store();
    const verifier = local instanceof LooseObjectStore ? local : remote;
    const carried = await collectMissing(
      storeSource(remote, `remote ${this.url}`),
      wants,
      (id) => local.has(id),
      (id, c) => verifier.verify(id, c),
      `remote ${this.url}`,
    );
    return storeAll(local, carried, progress);
  }

  async close(): Promise<void> {}
}

/** True when a store holds no pack and no fan-out directory (nothing loose): a new archive's. */
function isEmptyStore(store: LooseObjectStore): boolean {
  if (store.packs.list.length > 0) return false;
  let names: string[];
  try {
    names = readdirSync(store.dir);
  } catch {
    return false;
  }
  return !names.some((n) => /^[0-9a-f]{2}$/.test(n));
}

function sourceOf(store: ObjectStore, label: string): Source {
  if (store instanceof LooseObjectStore) return storeSource(store, label);
  throw new InvalidInputError(`the file transport needs a loose object store to push from`, {});
}

/** Reads and verifies one object from `source`; a missing one is named with what named it. */
async function readCarried(
  source: Source,
  id: string,
  referrer: string | undefined,
  verify: (id: string, compressed: Uint8Array) => TapesObject,
  where: string,
): Promise<Carried> {
  let compressed: Uint8Array;
  try {
    const packed = await source.readPacked?.(id);
    if (packed) return { id, object: packed };
    compressed = await source.readFile(id);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new InvalidInputError(referrer ? `${where}: object ${id}, named by ${referrer}, is missing` : `${where}: object ${id} is missing`, {
        id,
        referrer: referrer ?? null,
      });
    }
    throw err;
  }
  return { id, compressed, object: verify(id, compressed) };
}

/**
 * Every object reachable from `tips` that `has` says is missing, each read
 * and verified, oldest first (parents and blobs before the records that name
 * them). The walk of a chain stops at the first record the other side has.
 * Nothing is stored here: a damaged or missing object aborts before any write.
 * Objects in `walked` (read and verified by push's walk) are taken from it,
 * not read again, and come back without their content (Walked).
 */
export async function collectMissing(
  source: Source,
  tips: string[],
  has: (id: string) => boolean | Promise<boolean>,
  verify: (id: string, compressed: Uint8Array) => TapesObject,
  where: string,
): Promise<Carried[]>;
export async function collectMissing(
  source: Source,
  tips: string[],
  has: (id: string) => boolean | Promise<boolean>,
  verify: (id: string, compressed: Uint8Array) => TapesObject,
  where: string,
  walked: WalkedObjects | undefined,
): Promise<Array<Carried | Walked>>;
export async function collectMissing(
  source: Source,
  tips: string[],
  has: (id: string) => boolean | Promise<boolean>,
  verify: (id: string, compressed: Uint8Array) => TapesObject,
  where: string,
  walked?: WalkedObjects,
): Promise<Array<Carried | Walked>> {
  const seen = new Set<string>();
  const order: Array<Carried | Walked> = [];
  // Blobs (and the chunks of chunk lists), depth first, children before lists.
  const blob = async (id: string, referrer: string, out: Array<Carried | Walked>): Promise<void> => {
    if (seen.has(id)) return;
    seen.add(id);
    // A synchronous answer (the file transport's) is taken as it is: no promise per object.
    const held = has(id);
    if (typeof held === 'boolean' ? held : await held) return;
    const chunks = walked?.blobs.get(id);
    if (chunks !== undefined) {
      for (const e of chunks ?? []) await blob(e, `chunk list ${id}`, out);
      out.push({ id });
      return;
    }
    const c = await readCarried(source, id, referrer, verify, where);
    if (c.object.type !== 'blob') {
      throw new InvalidInputError(`${where}: object ${id}, named as a blob by ${referrer}, is a ${c.object.type}`, { id });
    }
    if (startsWithChunkMagic(c.object.body)) {
      let entries;
      try {
        entries = decodeChunkList(c.object.body).entries;
      } catch (err) {
        throw new InvalidInputError(`${where}: chunk list ${id}: ${(err as Error).message}`, { id });
      }
      for (const e of entries) await blob(e.id, `chunk list ${id}`, out);
    }
    out.push(c);
  };
  for (const tip of tips) {
    // One chain at a time: newest first while walking, stored oldest first.
    const chain: Array<Array<Carried | Walked>> = [];
    let id: string | null = tip;
    let referrer: string | undefined;
    while (id !== null && !seen.has(id)) {
      seen.add(id);
      const held = has(id);
      if (typeof held === 'boolean' ? held : await held) break;
      const group: Array<Carried | Walked> = [];
      const known: { readonly parent: string | null; readonly blobs: readonly string[] } | undefined = walked?.records.get(id);
      if (known) {
        for (const b of known.blobs) await blob(b, `record ${id}`, group);
        group.push({ id });
        chain.push(group);
        referrer = `record ${id} as its parent`;
        id = known.parent;
        continue;
      }
      const c = await readCarried(source, id, referrer, verify, where);
      if (c.object.type === 'record') {
        let parsed;
        try {
          parsed = parseRecordBody(c.object.body, id);
        } catch (err) {
          throw new InvalidInputError(`${where}: ${(err as Error).message}`, { id });
        }
        for (const b of parsed.blobs) await blob(b, `record ${id}`, group);
        group.push(c);
        chain.push(group);
        referrer = `record ${id} as its parent`;
        id = parsed.parent;
      } else {
        if (referrer !== undefined) {
          throw new InvalidInputError(`${where}: object ${id}, named by ${referrer}, is a ${c.object.type}, not a record`, { id });
        }
        // A tag may name a blob.
        seen.delete(id);
        await blob(id, 'a ref', group);
        chain.push(group);
        id = null;
      }
    }
    for (const group of chain.reverse()) order.push(...group);
  }
  return order;
}

/**
 * Copies whole the local packs whose every object is carried (odb/pack-copy.ts),
 * as git reuses packed objects rather than compressing them again: a push of
 * an imported or gc'd archive to an empty remote is then mostly file copies.
 * Every carried object was read and verified first (by collectMissing, or by
 * push's walk before it), and the copy is checked against the pack's name; what the packs do not cover is
 * stored as before. Small pushes (under UNPACK_LIMIT objects) are left as
 * they are: a pack of theirs is rarely wholly missing on the other side.
 */
async function copyWholePacks<T extends { id: string }>(
  local: LooseObjectStore,
  remote: LooseObjectStore,
  carried: T[],
  progress?: (p: TransferProgress) => void,
): Promise<{ rest: T[]; objects: number; bytes: number }> {
  if (carried.length < UNPACK_LIMIT) return { rest: carried, objects: 0, bytes: 0 };
  const want = new Set(carried.map((c) => c.id));
  const copied = new Set<string>();
  const whole: Pack[] = [];
  for (const pack of local.packs.list) {
    const index = pack.index;
    let all = index.count > 0;
    for (let i = 0; i < index.count && all; i++) {
      const id = index.idHex(i);
      all = want.has(id) && !copied.has(id);
    }
    if (!all) continue;
    whole.push(pack);
    for (let i = 0; i < index.count; i++) copied.add(index.idHex(i));
  }
  if (whole.length === 0) return { rest: carried, objects: 0, bytes: 0 };
  // All at once: one pack read and hashed while others are written and synced.
  let objects = 0;
  let bytes = 0;
  const copies = await Promise.allSettled(
    whole.map(async (pack) => {
      bytes += await copyPack(pack, remote.layout.packDir);
      objects += pack.index.count;
      progress?.({ objects, bytes });
    }),
  );
  const failed = copies.find((c): c is PromiseRejectedResult => c.status === 'rejected');
  if (failed) throw failed.reason;
  remote.packs.rescan();
  return { rest: carried.filter((c) => !copied.has(c.id)), objects, bytes };
}

/** How many object writes (each a temp file, fsync and link) are in flight at once. */
const WRITE_CONCURRENCY = 16;

/**
 * Runs `fn` on each ref, many at once (each ref update is a lock file and a
 * reflog line, each fsynced: one at a time, 522 refs took 1.6 s), and
 * returns the results in the order of `refs`. Two refs of which one would be
 * a directory of the other (refs/sessions/a and refs/sessions/a/b), or a ref
 * named twice, are never in flight together: those go one by one, after the
 * rest, so that the ref store's checks see each other's outcome.
 */
export async function forEachRef<T extends { name: string }, R>(refs: readonly T[], fn: (ref: T) => Promise<R>): Promise<R[]> {
  const names = new Set<string>();
  const nested = new Set<string>();
  for (const r of refs) {
    if (names.has(r.name)) nested.add(r.name);
    names.add(r.name);
  }
  for (const n of names) {
    for (let at = n.indexOf('/'); at >= 0; at = n.indexOf('/', at + 1)) {
      if (names.has(n.slice(0, at))) nested.add(n.slice(0, at)).add(n);
    }
  }
  const out: R[] = new Array(refs.length);
  const free = refs.map((r, i) => ({ r, i })).filter(({ r }) => !nested.has(r.name));
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < free.length) {
      const { r, i } = free[next++]!;
      try {
        out[i] = await fn(r);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, free.length) }, worker));
  if (failure) throw failure.err;
  for (const [i, r] of refs.entries()) if (nested.has(r.name)) out[i] = await fn(r);
  return out;
}

/**
 * Stores verified objects: as one pack when there are UNPACK_LIMIT or more
 * (temp files, fsync, rename; docs/format.md §3.4), otherwise as loose files
 * through temp file, fsync and link, many at once (the fsyncs overlap).
 * Objects may reach the disk in any order; everything is on disk before this
 * returns, and so before any ref moves.
 */
async function storeAll(
  target: ObjectStore,
  carried: Carried[],
  progress?: (p: TransferProgress) => void,
): Promise<{ objects: number; bytes: number }> {
  if (target instanceof LooseObjectStore && carried.length >= UNPACK_LIMIT) return storePack(target, carried, progress);
  const codec = carried.some((c) => !c.compressed) ? await loadCodec() : undefined;
  const done = { objects: 0, bytes: 0 };
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < carried.length) {
      const c = carried[next++]!;
      try {
        // Verified when collected: written as it came, through the store's own protocol.
        const compressed = c.compressed ?? codec!.compress(encodeObject(c.object.type, c.object.body));
        const written = target instanceof LooseObjectStore ? await target.writeCompressed(c.id, compressed, true) : await writeDecoded(target, c);
        if (written) {
          done.objects++;
          done.bytes += compressed.length;
          progress?.({ ...done });
        }
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, carried.length) }, worker));
  if (failure !== undefined) throw failure;
  return done;
}

/** Writes the carried objects, in the order they came (chain order), as one pack of `target`. */
export async function storePack(target: LooseObjectStore, carried: Carried[], progress?: (p: TransferProgress) => void): Promise<{ objects: number; bytes: number }> {
  const writer = await PackWriter.create(join(target.dir, 'pack'), await loadCodec(), DEFAULT_PACK_OPTIONS);
  let written;
  try {
    let encodedBytes = 0;
    for (const c of carried) {
      const encoded = encodeObject(c.object.type, c.object.body);
      await writer.add(c.id, encoded);
      encodedBytes += encoded.length;
      if (writer.objectCount % 256 === 0) progress?.({ objects: writer.objectCount, bytes: encodedBytes });
    }
    written = await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  target.packs.rescan();
  const done = { objects: written?.objects ?? 0, bytes: written?.bytes ?? 0 };
  progress?.(done);
  return done;
}

async function writeDecoded(target: ObjectStore, c: Carried): Promise<boolean> {
  if (await target.has(c.id)) return false;
  await target.write(c.object.type, c.object.body);
  return true;
}

