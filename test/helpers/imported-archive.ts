// An archive imported once per test file and copied for each test that
// changes it: importing real transcripts is most of what such a test costs.
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyArchive, tapes, tempDir } from './cli.js';

interface Owner {
  teardown(fn: () => void): void;
}

/** A temp folder removed when `owner` (a test, or the file's `t`) ends. */
export function scratchDir(owner: Owner, prefix: string): string {
  const dir = tempDir(prefix);
  owner.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * `tapes init` and `tapes import` of what `sources` gives (called with the
 * archive's folder, so it may write transcripts there first), made once
 * when first asked for, kept until `owner` (the file's `t`) ends. With
 * `packed`, its objects are in one pack, as a large import writes them:
 * each copy is then a few files, not one per object.
 */
export class ImportedArchive {
  private made: Promise<string> | undefined;

  constructor(
    private readonly owner: Owner,
    private readonly prefix: string,
    private readonly sources: (dir: string) => string[],
    private readonly opts: { env: Record<string, string>; packed?: boolean },
  ) {}

  /** A copy for `owner` (removed when it ends). */
  async copy(owner: Owner): Promise<string> {
    this.made ??= this.make();
    const dir = scratchDir(owner, this.prefix);
    copyArchive(await this.made, dir);
    return dir;
  }

  private async make(): Promise<string> {
    const dir = scratchDir(this.owner, this.prefix);
    const sources = this.sources(dir);
    for (const args of [['init', '-q'], ['import', ...sources]]) {
      if (args[0] === 'import' && this.opts.packed) appendFileSync(join(dir, '.tapes', 'config'), '[import]\n\tpackAbove = 1\n');
      const r = await tapes(args, { cwd: dir, env: this.opts.env });
      if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
    }
    return dir;
  }
}
