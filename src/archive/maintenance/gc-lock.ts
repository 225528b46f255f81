// The gc lock, `.tapes/gc.pid`: one gc at a time per archive, as git's
// gc.pid does. A gc that fails for any reason (a full disk included, even
// while taking the lock) removes its own lock.
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LockedError, systemError } from '../../errors/index.js';
import { entryKind, readBounded, symlinkError } from '../../odb/index.js';

/** A gc.pid older than this is stale even if its process seems alive (git's rule). */
const GC_LOCK_STALE_MS = 12 * 60 * 60 * 1000;

/**
 * `.tapes/gc.pid`, created exclusively, holding "<pid> <host>". Another gc
 * finding it alive is refused; one left by a killed gc (its process gone, on
 * this host) or older than 12 hours is taken over, as git does.
 */
export class GcLock {
  private constructor(private readonly path: string) {}

  static async acquire(dir: string, isRunning: (pid: number) => boolean): Promise<GcLock> {
    const path = join(dir, 'gc.pid');
    const me = `${process.pid} ${hostname()}\n`;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await create(path, me)) return new GcLock(path);
      // Never read through a link (docs/security.md); it is nobody's lock.
      if (entryKind(path) === 'symlink') throw symlinkError(dir, path);
      const read = readBounded(path, 256);
      if (!read.ok) continue; // removed meanwhile (or not a lock at all): try again
      const age = Date.now() - (await fs.lstat(path).then((s) => s.mtimeMs, () => Date.now()));
      const m = /^(\d+) (\S+)/.exec(read.bytes.toString('utf8'));
      const alive = m !== null && m[2] === hostname() && isRunning(Number(m[1])) && age < GC_LOCK_STALE_MS;
      const foreign = m !== null && m[2] !== hostname() && age < GC_LOCK_STALE_MS;
      if (alive || foreign) {
        throw new LockedError(`gc is already running (${m![1]} on ${m![2]}, ${path}); if it is not, remove the file: rm '${path}'`, { path });
      }
      await fs.unlink(path).catch(() => undefined);
    }
    throw new LockedError(`cannot take ${path}; if no gc is running, remove it: rm '${path}'`, { path });
  }

  async release(): Promise<void> {
    await fs.unlink(this.path).catch(() => undefined);
  }
}

/**
 * Creates the lock file holding `content`; false when it exists. A file
 * created but not written (a full disk fails the write, not the create) is
 * removed again before the error goes up, so no empty lock is left behind.
 */
async function create(path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await fs.open(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw systemError(err, `gc: cannot create its lock ${path}`, { path });
  }
  try {
    await handle.writeFile(content);
    await handle.close();
    return true;
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.unlink(path).catch(() => undefined);
    throw systemError(err, `gc: cannot write its lock ${path}`, { path });
  }
}

/** Whether a process of this host is alive (signal 0 probes without signalling). */
export function processRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
