// Where the archive is: --archive or -C first, then $TAPES_DIR, then the
// nearest .tapes/ upward from the working directory, then the user's own
// archive, $XDG_DATA_HOME/tapes (docs/archive-discovery.md).
import { promises as fs } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
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

const HINT = 'Run "tapes init" to create an archive here, "tapes init --user" to create your own (used wherever no other is found), or point at one with --archive or $TAPES_DIR.';

/**
 * The user's own archive: `$XDG_DATA_HOME/tapes`, or `~/.local/share/tapes`
 * when that is unset (or, as the XDG specification says, not absolute);
 * undefined when the environment names no home at all.
 */
export function userArchiveDir(env: Record<string, string | undefined>): string | undefined {
  const xdg = env.XDG_DATA_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'tapes');
  const home = env.HOME || env.USERPROFILE;
  return home ? join(home, '.local', 'share', 'tapes') : undefined;
}

/** How the archive was found: --archive, $TAPES_DIR, the upward search, or the user's own archive. */
export type ArchiveSource = 'option' | 'env' | 'upward' | 'user';

export interface FoundArchive {
  path: string;
  source: ArchiveSource;
}

export const SOURCE_WORDS: Record<ArchiveSource, string> = {
  option: 'from --archive',
  env: 'from $TAPES_DIR',
  upward: 'the nearest .tapes/ upward from the working directory',
  user: "the user's archive ($XDG_DATA_HOME/tapes, else ~/.local/share/tapes)",
};

export async function locateArchive(loc: Location): Promise<FoundArchive> {
  const cwd = workingDir(loc);
  if (loc.archive !== undefined) {
    const p = resolve(cwd, loc.archive);
    if (await isArchiveDir(p)) return { path: p, source: 'option' };
    if (await isArchiveDir(join(p, ARCHIVE_DIR_NAME))) return { path: join(p, ARCHIVE_DIR_NAME), source: 'option' };
    throw new NotAnArchiveError(`not a tapes archive: ${p}`, { path: p }, HINT);
  }
  const envDir = loc.chdir === undefined ? loc.env.TAPES_DIR : undefined;
  if (envDir) {
    const p = resolve(cwd, envDir);
    if (await isArchiveDir(p)) return { path: p, source: 'env' };
    throw new NotAnArchiveError(`not a tapes archive: ${p} (from $TAPES_DIR)`, { path: p }, HINT);
  }
  for (let dir = cwd; ; dir = dirname(dir)) {
    const candidate = join(dir, ARCHIVE_DIR_NAME);
    if (await isArchiveDir(candidate)) return { path: candidate, source: 'upward' };
    if (dirname(dir) === dir) break;
  }
  const user = userArchiveDir(loc.env);
  if (user && (await isArchiveDir(user))) return { path: user, source: 'user' };
  throw new NotAnArchiveError(`not a tapes archive (nor any parent directory): ${cwd}`, { path: cwd, ...(user ? { user } : {}) }, HINT);
}

export async function findArchive(loc: Location): Promise<string> {
  return (await locateArchive(loc)).path;
}

/** Whether nothing chose an archive explicitly (no --archive, no $TAPES_DIR): the user's archive may then be made. */
export function mayUseUserArchive(loc: Location): boolean {
  return loc.archive === undefined && !(loc.chdir === undefined && loc.env.TAPES_DIR);
}

/** Where `init` creates an archive; `user`: the user's own archive (init --user). */
export function initTarget(loc: Location, dir?: string, user = false): string {
  const cwd = workingDir(loc);
  if (user) {
    const p = userArchiveDir(loc.env);
    if (!p) throw new NotAnArchiveError('cannot place the user archive: neither $XDG_DATA_HOME nor $HOME is set', { path: cwd }, 'Set $XDG_DATA_HOME or $HOME, or give the archive with --archive.');
    return p;
  }
  if (loc.archive !== undefined) return resolve(cwd, loc.archive);
  if (dir !== undefined) return join(resolve(cwd, dir), ARCHIVE_DIR_NAME);
  if (loc.env.TAPES_DIR && loc.chdir === undefined) return resolve(cwd, loc.env.TAPES_DIR);
  return join(cwd, ARCHIVE_DIR_NAME);
}
