// The one rule for every file under .tapes/: a symbolic link is never
// followed (docs/security.md, "Inside .tapes"). What a link points at is not
// part of the archive, so a reader treats it as absent, a writer refuses to
// write through it, a sweep never deletes behind it, and fsck names it.
// These are the primitives the stores (objects here, refs in src/refs) use:
// lstat-based directory checks, and opens that refuse a link as the last
// component (O_NOFOLLOW) and never block on a FIFO (O_NONBLOCK).
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { BadArchiveError } from '../errors/index.js';

/** Flags to open a file for reading without following a link or waiting on a FIFO. */
export const READ_NOFOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** What an entry is, by lstat: a link is never looked through. */
export type EntryKind = 'dir' | 'file' | 'symlink' | 'other' | 'missing';

export function entryKind(path: string): EntryKind {
  let st;
  try {
    // No exception for a missing entry: building one costs three times the
    // lstat itself, and import asks about a missing fan-out directory for
    // every object it writes into a pack.
    st = lstatSync(path, { throwIfNoEntry: false });
  } catch {
    // A path that cannot name anything (too long, a file in the way).
    return 'missing';
  }
  if (st === undefined) return 'missing';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  return st.isFile() ? 'file' : 'other';
}

/** A path below the archive, as findings and errors show it ("objects/ab", "refs/tags"). */
export function archivePath(archiveDir: string, path: string): string {
  return relative(archiveDir, path).split(sep).join('/');
}

/** The error for a write (or a read that must not miss) that would go through a link. */
export function symlinkError(archiveDir: string, path: string): BadArchiveError {
  const rel = archivePath(archiveDir, path);
  return new BadArchiveError(
    `${rel} is a symbolic link; tapes never follows a link inside the archive`,
    { path: rel },
    `What it points at is not part of the archive. Remove the link (rm '${path}'); tapes fsck lists every one.`,
  );
}

/**
 * Remembers directories seen to be real (not links), so that a store checks
 * each once per process: the fan-out directories, pack/, the ref areas. Only
 * "real" is remembered; a missing directory is looked at again.
 */
export class RealDirs {
  private readonly seen = new Set<string>();

  /** The kind of `dir`, remembered when it is a real directory. */
  kind(dir: string): EntryKind {
    if (this.seen.has(dir)) return 'dir';
    const k = entryKind(dir);
    if (k === 'dir') this.seen.add(dir);
    return k;
  }

  /** True when every path in `dirs` (outermost first) is a real directory. */
  all(dirs: string[]): boolean {
    for (const d of dirs) if (this.kind(d) !== 'dir') return false;
    return true;
  }

  /** Forgets a directory (it was removed: whatever is made in its place is looked at anew). */
  forget(dir: string): void {
    this.seen.delete(dir);
  }
}

export type BoundedRead =
  | { ok: true; bytes: Buffer }
  | { ok: false; why: 'missing' | 'symlink' | 'directory' | 'notFile' | 'tooLarge' | 'unreadable'; message: string };

/**
 * Reads a whole file of at most `max` bytes, never through a link as its
 * last component (the caller checks the directories above it), never
 * blocking on a FIFO, and never reading (or allocating for) more than
 * `max + 1` bytes of a longer file.
 */
export function readBounded(path: string, max: number): BoundedRead {
  let fd: number;
  try {
    fd = openSync(path, READ_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return { ok: false, why: 'missing', message: 'no such file' };
    // O_NOFOLLOW on a link fails with ELOOP (Linux, macOS) or EMLINK (FreeBSD).
    if (code === 'ELOOP' || code === 'EMLINK') return { ok: false, why: 'symlink', message: 'is a symbolic link' };
    return { ok: false, why: 'unreadable', message: (err as Error).message };
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { ok: false, why: 'directory', message: 'is a directory' };
    if (!st.isFile()) return { ok: false, why: 'notFile', message: 'is not a regular file' };
    // Sized by the file, grown if it grows, and never past one byte beyond
    // the bound (which tells a file that is too long from one that fits).
    let buf = Buffer.allocUnsafe(Math.min(max + 1, st.size + 1));
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        if (got > max) break;
        const bigger = Buffer.allocUnsafe(Math.min(max + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, got);
        buf = bigger;
      }
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    if (got > max) return { ok: false, why: 'tooLarge', message: `is longer than ${max} bytes` };
    return { ok: true, bytes: buf.subarray(0, got) };
  } catch (err) {
    return { ok: false, why: 'unreadable', message: (err as Error).message };
  } finally {
    closeSync(fd);
  }
}
