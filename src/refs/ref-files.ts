// The files of refs/ and logs/, and the lock files beside HEAD and config:
// one walk that fsck (every file, judged), the ref store (ref names) and gc
// (the ids reflogs name) share, so that only this layer walks them.
import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { LOCK_SUFFIX } from './lock-file.js';

export interface RefFile {
  /** Path below the walked directory, "/"-separated. */
  rel: string;
  abs: string;
  /** What the directory entry is; a symlink is not followed. */
  type: 'file' | 'symlink' | 'other';
}

export interface RefFiles {
  /** Every entry that is not a directory and not a lock file, in path order (by name within a directory). */
  files: RefFile[];
  locks: RefFile[];
}

/**
 * Walks `<archive>/refs` or `<archive>/logs`. A directory that cannot be
 * listed is passed over, as if empty. Synchronous, as all of fsck's reading
 * is: an archive can hold thousands of session refs, and each fs.promises
 * call costs a thread-pool round trip that a direct call does not.
 */
export function listRefFiles(archiveDir: string, area: 'refs' | 'logs'): RefFiles {
  const files: RefFile[] = [];
  const locks: RefFile[] = [];
  const visit = (abs: string, rel: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const childAbs = join(abs, e.name);
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        visit(childAbs, childRel);
        continue;
      }
      const file: RefFile = { rel: childRel, abs: childAbs, type: e.isFile() ? 'file' : e.isSymbolicLink() ? 'symlink' : 'other' };
      (e.name.endsWith(LOCK_SUFFIX) ? locks : files).push(file);
    }
  };
  visit(join(archiveDir, area), '');
  return { files, locks };
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
