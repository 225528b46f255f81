// The files of refs/ and logs/, and the lock files beside HEAD and config:
// one walk that fsck (every file, judged), the ref store (ref names) and gc
// (the ids refs and reflogs name) share, so that only this layer walks them;
// and the one bounded, no-follow read of a ref file that every reader uses.
// A symbolic link is never followed (docs/security.md, "Inside .tapes"): the
// walk lists it as a link, whether it points at a file or a directory.
import { readdirSync, type Dirent } from 'node:fs';
import { join, sep } from 'node:path';
import { entryKind, readBounded, type BoundedRead } from '../odb/no-follow.js';
import { LOCK_SUFFIX } from './lock-file.js';

/**
 * The most a ref file may hold. A ref is one line of at most a few hundred
 * bytes ("<64 hex>\n", or "ref: <name>\n"); reading stops one byte past this,
 * so memory never follows the size of a hostile file.
 */
export const MAX_REF_FILE_SIZE = 4096;

/**
 * A reflog grows with every move of its ref, so its bound is far above any
 * real one (a line is about 160 bytes: this is a million moves of one ref),
 * only so that a hostile file cannot fill memory.
 */
export const MAX_REFLOG_FILE_SIZE = 256 * 1024 * 1024;

export interface RefFile {
  /** Path below the walked directory, "/"-separated. */
  rel: string;
  abs: string;
  /** What the directory entry is; a symlink is not followed. */
  type: 'file' | 'symlink' | 'other';
}

/** A directory of the walk that could not be listed (its refs are unknown). */
export interface UnlistableDir {
  /** Path below the walked directory ("" for refs/ or logs/ itself). */
  rel: string;
  abs: string;
  message: string;
}

export interface RefFiles {
  /** Every entry that is not a directory and not a lock file, in path order (by name within a directory). */
  files: RefFile[];
  locks: RefFile[];
  /** Directories that could not be listed, and refs/ or logs/ itself when it is a link. */
  unlistable: UnlistableDir[];
}

/**
 * Walks `<archive>/refs` or `<archive>/logs`. A directory that cannot be
 * listed is named in `unlistable` (a missing refs/ or logs/ is simply empty).
 * Synchronous, as all of fsck's reading is: an archive can hold thousands of
 * session refs, and each fs.promises call costs a thread-pool round trip
 * that a direct call does not.
 */
export function listRefFiles(archiveDir: string, area: 'refs' | 'logs', under = ''): RefFiles {
  const files: RefFile[] = [];
  const locks: RefFile[] = [];
  const unlistable: UnlistableDir[] = [];
  const visit = (abs: string, rel: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (err) {
      if (rel === '' && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
      unlistable.push({ rel, abs, message: (err as Error).message });
      return;
    }
    // In name order (UTF-16, as `<` compares), sorted by the engine's own
    // string order rather than a comparator called thousands of times in a
    // process too short-lived to compile it.
    const byName = new Map<string, Dirent>();
    for (const e of entries) byName.set(e.name, e);
    for (const name of [...byName.keys()].sort()) {
      const e = byName.get(name)!;
      // A listed name holds no separator: joined without path.join's normalising (a cost per ref).
      const childAbs = abs + sep + e.name;
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        visit(childAbs, childRel);
        continue;
      }
      const file: RefFile = { rel: childRel, abs: childAbs, type: e.isFile() ? 'file' : e.isSymbolicLink() ? 'symlink' : 'other' };
      (e.name.endsWith(LOCK_SUFFIX) ? locks : files).push(file);
    }
  };
  const root = join(archiveDir, area);
  if (entryKind(root) === 'symlink') {
    unlistable.push({ rel: '', abs: root, message: 'is a symbolic link' });
    return { files, locks, unlistable };
  }
  // A walk of one subtree (`under`, "/"-separated below the area) checks
  // each directory on the way down as the whole walk would have: a link
  // there is listed as the walk lists links, nothing below it is.
  let abs = root;
  let rel = '';
  for (const part of under.split('/').filter(Boolean)) {
    abs = join(abs, part);
    rel = rel ? `${rel}/${part}` : part;
    const kind = entryKind(abs);
    if (kind === 'missing') return { files, locks, unlistable };
    if (kind !== 'dir') {
      const file: RefFile = { rel, abs, type: kind === 'file' ? 'file' : kind === 'symlink' ? 'symlink' : 'other' };
      (part.endsWith(LOCK_SUFFIX) ? locks : files).push(file);
      return { files, locks, unlistable };
    }
  }
  visit(abs, rel);
  return { files, locks, unlistable };
}

/** Lock files at the top of the archive (HEAD.lock, config.lock …), by name; [] when it cannot be listed. */
export function listTopLevelLocks(archiveDir: string): RefFile[] {
  let top: Dirent[];
  try {
    top = readdirSync(archiveDir, { withFileTypes: true });
  } catch {
    return [];
  }
  return top
    .filter((e) => !e.isDirectory() && e.name.endsWith(LOCK_SUFFIX))
    .map((e): RefFile => ({ rel: e.name, abs: join(archiveDir, e.name), type: e.isFile() ? 'file' : e.isSymbolicLink() ? 'symlink' : 'other' }));
}

export type RefFileRead = { ok: true; text: string } | Extract<BoundedRead, { ok: false }>;

/**
 * A ref file's text: at most MAX_REF_FILE_SIZE bytes read, never through a
 * link as its last component, never blocking on a FIFO. The directories
 * above it are the caller's to check (RefStore does, with lstat).
 */
export function readRefFile(abs: string): RefFileRead {
  const r = readBounded(abs, MAX_REF_FILE_SIZE);
  return r.ok ? { ok: true, text: r.bytes.toString('utf8') } : r;
}
