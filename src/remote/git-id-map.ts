// Which git commit stands for which tapes object, kept under
// .tapes/index/git/ so that the commits a server's refs name are known
// without downloading them, and an incremental push encodes only new records.
// Derived data: one "<tapes id> SP <git oid> LF" line per pair, appended;
// deleting the file only costs a download of the server's tip commits (to
// read which records they stand for). A line that does not parse is skipped.
import { promises as fs, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class GitIdMap {
  private readonly toGit = new Map<string, string>();
  private readonly toTapes = new Map<string, string>();
  private pending: string[] = [];

  private constructor(readonly path: string) {}

  static async open(path: string): Promise<GitIdMap> {
    const map = new GitIdMap(path);
    let text = '';
    try {
      text = readFileSync(path, 'latin1');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      const m = /^([0-9a-f]{64}) ([0-9a-f]{40})$/.exec(line);
      if (m) map.set(m[1]!, m[2]!);
    }
    return map;
  }

  private set(id: string, oid: string): void {
    this.toGit.set(id, oid);
    this.toTapes.set(oid, id);
  }

  gitOf(id: string): string | undefined {
    return this.toGit.get(id);
  }

  tapesOf(oid: string): string | undefined {
    return this.toTapes.get(oid);
  }

  add(id: string, oid: string): void {
    if (this.toGit.get(id) === oid) return;
    this.set(id, oid);
    this.pending.push(`${id} ${oid}\n`);
  }

  /** Appends the pairs learned since the last save. */
  async save(): Promise<void> {
    if (!this.pending.length) return;
    const text = this.pending.join('');
    this.pending = [];
    await fs.mkdir(dirname(this.path), { recursive: true });
    await fs.appendFile(this.path, text);
  }
}
