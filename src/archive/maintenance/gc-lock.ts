// The gc lock, `.tapes/gc.pid`: one gc at a time per archive, as git's
// gc.pid does.
import { promises as fs, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LockedError } from '../../errors/index.js';

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
      try {
        await fs.writeFile(path, me, { flag: 'wx' });
        return new GcLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let text = '';
      let age = 0;
      try {
        text = readFileSync(path, 'utf8');
        age = Date.now() - statSync(path).mtimeMs;
      } catch {
        continue; // removed meanwhile: try again
      }
      const m = /^(\d+) (\S+)/.exec(text);
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
