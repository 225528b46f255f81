// Where the archive is: --archive or -C first, then $TAPES_DIR, then the
// nearest .tapes/ upward from the working directory (docs/archive-discovery.md).
import { promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { NotAnArchiveError } from '../errors/index.js';

export const ARCHIVE_DIR_NAME = '.tapes';

export interface Location {
  cwd: string;
  env: Record<string, string | undefined>;
  /** --archive: the archive directory itself (or a directory holding .tapes). */
  archive?: string;
  /** -C: run as if started in this directory. */
  chdir?: string;
}

export async function isArchiveDir(dir: string): Promise<boolean> {
  const checks = await Promise.all([
    fs.stat(join(dir, 'objects')).then((s) => s.isDirectory(), () => false),
    fs.stat(join(dir, 'refs')).then((s) => s.isDirectory(), () => false),
    fs.stat(join(dir, 'config')).then((s) => s.isFile(), () => false),
  ]);
  return checks.every(Boolean);
}

/** The working directory after -C. */
export function workingDir(loc: Location): string {
  return loc.chdir ? resolve(loc.cwd, loc.chdir) : loc.cwd;
}

const HINT = 'Run "tapes init" to create an archive here, or point at one with --archive or $TAPES_DIR.';

export async function findArchive(loc: Location): Promise<string> {
  const cwd = workingDir(loc);
  if (loc.archive !== undefined) {
    const p = resolve(cwd, loc.archive);
    if (await isArchiveDir(p)) return p;
    if (await isArchiveDir(join(p, ARCHIVE_DIR_NAME))) return join(p, ARCHIVE_DIR_NAME);
    throw new NotAnArchiveError(`not a tapes archive: ${p}`, { path: p }, HINT);
  }
  const envDir = loc.chdir === undefined ? loc.env.TAPES_DIR : undefined;
  if (envDir) {
    const p = resolve(cwd, envDir);
    if (await isArchiveDir(p)) return p;
    throw new NotAnArchiveError(`not a tapes archive: ${p} (from $TAPES_DIR)`, { path: p }, HINT);
  }
  for (let dir = cwd; ; dir = dirname(dir)) {
    const candidate = join(dir, ARCHIVE_DIR_NAME);
    if (await isArchiveDir(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new NotAnArchiveError(`not a tapes archive (nor any parent directory): ${cwd}`, { path: cwd }, HINT);
}

/** Where `init` creates an archive. */
export function initTarget(loc: Location, dir?: string): string {
  const cwd = workingDir(loc);
  if (loc.archive !== undefined) return resolve(cwd, loc.archive);
  if (dir !== undefined) return join(resolve(cwd, dir), ARCHIVE_DIR_NAME);
  if (loc.env.TAPES_DIR && loc.chdir === undefined) return resolve(cwd, loc.env.TAPES_DIR);
  return join(cwd, ARCHIVE_DIR_NAME);
}
