// Symbolic links under .tapes/: each one is an error (symlinkInArchive),
// because no command follows one (docs/security.md, "Inside .tapes"): what a
// link points at is not part of the archive, so fsck does not read it either.
// Links inside objects/, refs/ and logs/ are found by the passes that list
// those; this pass looks at the archive's own entries (HEAD, config,
// objects/ itself …) and at index/, which no other pass lists.
import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { entryKind } from '../odb/index.js';
import { compareBytes } from '../refs/index.js';
import { finding, type Finding } from './findings.js';

/** The finding for one link; `path` is relative to the archive, `abs` is what to remove. */
export function symlinkFinding(path: string, abs: string): Finding {
  return finding(
    'symlinkInArchive',
    { path },
    `symbolic link; tapes never follows one, so what it points at is not part of the archive; remove it: rm '${abs}'`,
  );
}

const byName = (a: Dirent, b: Dirent) => compareBytes(a.name, b.name);

/** Links at the top of the archive and anywhere under index/, in path order. */
export function checkArchiveLinks(archiveDir: string): Finding[] {
  const out: Finding[] = [];
  let top: Dirent[];
  try {
    top = readdirSync(archiveDir, { withFileTypes: true }).sort(byName);
  } catch {
    return out;
  }
  for (const e of top) {
    if (e.isSymbolicLink()) out.push(symlinkFinding(e.name, join(archiveDir, e.name)));
    else if (e.name === 'index' && e.isDirectory()) walk(join(archiveDir, 'index'), 'index', out);
  }
  return out;
}

function walk(abs: string, rel: string, out: Finding[]): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(abs, { withFileTypes: true }).sort(byName);
  } catch {
    return; // derived data: what cannot be listed is rebuilt, not judged
  }
  for (const e of entries) {
    const childAbs = join(abs, e.name);
    const childRel = `${rel}/${e.name}`;
    if (e.isSymbolicLink()) out.push(symlinkFinding(childRel, childAbs));
    else if (e.isDirectory() && entryKind(childAbs) === 'dir') walk(childAbs, childRel, out);
  }
}
