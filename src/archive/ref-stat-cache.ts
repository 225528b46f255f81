// .tapes/index/ref-stat.json: the chain refs' files as they were when last
// read (inode, size, mtime and ctime, in milliseconds with their fraction)
// and the id each held, so that listing hundreds of sessions costs one lstat
// per ref instead of an open, fstat, read and close. It is git's index trick applied to refs, and
// trusted as little:
// - an entry is used only while every one of those facts is unchanged (tapes
//   moves a ref by renaming a new file over it, which changes the inode and
//   ctime; an edit in place changes mtime and ctime);
// - a ref changed less than RACY_MS before the cache was written is read
//   every time ("racy" in git's sense: a second change within the same
//   timestamp tick would otherwise go unseen) until a later write of the
//   cache finds it old enough;
// - anything that is not a plain file (a link, a directory), a missing,
//   damaged or other-version cache, or a linked index/ means reading the
//   ref itself (derived-file.ts).
// So a stale cache costs a read, never a wrong id.
import { lstatSync, type Stats } from 'node:fs';
import { derivedPath, readDerived, writeDerived } from './derived-file.js';
import { parseRefContent, readRefFile } from '../refs/index.js';
import type { Archive } from './archive.js';

const MAGIC = 'tapes-ref-stat';
// 2: the stats as numbers (milliseconds with their fraction, as Node's
// lstat gives them); 1 held them as decimal strings of BigInt nanoseconds,
// whose conversions and checks cost more than the lstat calls themselves.
const VERSION = 2;
/** Two seconds: coarser than any file system's timestamp tick that tapes runs on. */
const RACY_MS = 2000;

/**
 * name, id, inode, size, mtime ms, ctime ms. A double holds a timestamp in
 * milliseconds to a fraction of a microsecond: any change made after the
 * cache was written is at least RACY_MS later than what it holds, and one
 * made before is read again (racy) until the cache is older than it by that.
 */
type Entry = [string, string, number, number, number, number];

interface Cache {
  entries: Map<string, Entry>;
  /** The cache file's own mtime: entries changed within RACY_MS of it are not trusted. */
  writtenMs: number;
}

function cachePath(archive: Archive): string {
  return derivedPath(archive.dir, 'ref-stat.json');
}

function readCache(path: string): Cache | undefined {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st === undefined || !st.isFile()) return undefined;
  const parsed = readDerived(path, MAGIC, VERSION);
  if (!Array.isArray(parsed)) return undefined;
  const entries = new Map<string, Entry>();
  for (const e of parsed as unknown[]) {
    if (!isEntry(e)) return undefined;
    entries.set(e[0], e);
  }
  return { entries, writtenMs: st.mtimeMs };
}

function isEntry(e: unknown): e is Entry {
  if (!Array.isArray(e) || e.length !== 6) return false;
  const [name, id, ino, size, mtime, ctime] = e as unknown[];
  return typeof name === 'string' && typeof id === 'string' && typeof ino === 'number' && typeof size === 'number' && typeof mtime === 'number' && typeof ctime === 'number';
}

function entryOf(name: string, id: string, st: Stats): Entry {
  return [name, id, st.ino, st.size, st.mtimeMs, st.ctimeMs];
}

function trusted(e: Entry | undefined, st: Stats, cache: Cache): boolean {
  if (e === undefined) return false;
  if (e[2] !== st.ino || e[3] !== st.size || e[4] !== st.mtimeMs || e[5] !== st.ctimeMs) return false;
  return st.mtimeMs + RACY_MS < cache.writtenMs && st.ctimeMs + RACY_MS < cache.writtenMs;
}

/**
 * The refs under `prefixes` (always the same prefixes: the cache holds
 * exactly their refs) that hold an id, in the order listed, each read
 * from its file unless the cache vouches for it (see the file comment). A
 * ref that cannot be read as a plain file is left out, as RefStore.list
 * leaves it out (fsck names it).
 */
export async function refsWithStatCache(archive: Archive, prefixes: readonly string[]): Promise<Array<{ name: string; id: string }>> {
  const path = cachePath(archive);
  const cache = readCache(path);
  const out: Array<{ name: string; id: string }> = [];
  const fresh: Entry[] = [];
  let read = 0;
  for (const prefix of prefixes) {
    for (const { name, path: abs } of archive.refs.listPaths(prefix)) {
      // lstat before reading: a change after it shows as a different stat next time.
      const st = lstatSync(abs, { throwIfNoEntry: false });
      if (st === undefined || !st.isFile()) continue; // gone since listed, or a link: never followed
      const known = cache?.entries.get(name);
      if (cache !== undefined && trusted(known, st, cache)) {
        out.push({ name, id: known![1] });
        fresh.push(known!);
        continue;
      }
      read++;
      // Bounded and never through a link (docs/security.md, "Inside .tapes").
      const r = readRefFile(abs);
      if (!r.ok) continue;
      const v = parseRefContent(name, r.text);
      if (v.kind !== 'id') continue;
      out.push({ name, id: v.id });
      fresh.push(entryOf(name, v.id, st));
    }
  }
  // Entries of refs outside these prefixes (another command listed them) are
  // kept as they were, so that commands listing different areas do not take
  // turns rewriting the file. Rewritten when a ref was read (new, changed or
  // racy) or one has gone.
  let listedBefore = 0;
  if (cache !== undefined) {
    for (const [name, e] of cache.entries) {
      if (prefixes.some((p) => name.startsWith(p))) listedBefore++;
      else fresh.push(e);
    }
  }
  const changed = cache === undefined || read > 0 || out.length !== listedBefore;
  if (changed && !archive.readOnly) await writeDerived(path, MAGIC, VERSION, fresh);
  return out;
}
