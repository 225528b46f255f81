// `<path>.lock` files: created exclusively, written, fsynced and renamed over
// the target. A lock left by a crashed writer is never broken silently: after a
// short wait the caller is told exactly which file to remove.
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { LockedError } from '../errors/index.js';

export const LOCK_SUFFIX = '.lock';

export interface LockOptions {
  /** How long to keep retrying a held lock, in milliseconds. */
  timeoutMs?: number;
  /** Shown in the error as what the lock protects. */
  what: string;
}

export class LockFile {
  private done = false;
  private constructor(
    readonly target: string,
    readonly path: string,
    private readonly handle: fs.FileHandle,
  ) {}

  static async acquire(target: string, opts: LockOptions): Promise<LockFile> {
    const path = target + LOCK_SUFFIX;
    const deadline = Date.now() + (opts.timeoutMs ?? 1000);
    let wait = 2;
    await fs.mkdir(dirname(path), { recursive: true });
    for (;;) {
      try {
        const handle = await fs.open(path, 'wx', 0o644);
        return new LockFile(target, path, handle);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (Date.now() >= deadline) {
          throw new LockedError(
            `cannot lock ${opts.what}: ${path} exists`,
            { path, what: opts.what },
            `Another tapes process is updating it, or one crashed and left the lock behind.\n` +
              `If no tapes process is running, remove the file: rm '${path}'`,
          );
        }
        await new Promise((r) => setTimeout(r, wait + Math.random() * wait));
        wait = Math.min(wait * 2, 50);
      }
    }
  }

  /** Writes the new content, fsyncs it and renames the lock over the target. */
  async commit(content: string): Promise<void> {
    await this.handle.writeFile(content);
    await this.handle.sync();
    await this.handle.close();
    this.done = true;
    await fs.rename(this.path, this.target);
  }

  /** Releases the lock without touching the target (removes the lock file). */
  async release(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.handle.close().catch(() => undefined);
    await fs.rm(this.path, { force: true });
  }

  /** Removes the lock and the target together (a ref deletion). */
  async commitDelete(): Promise<void> {
    await fs.rm(this.target, { force: true });
    await this.release();
  }
}
