// The import stat cache, .tapes/index/import-stat.json, as git's index keeps
// file stats: a transcript whose device, inode, size, mtime and ctime are as
// they were when it was last imported, and whose session ref still points at
// the tip that import left, is not read again — `tapes import` of an
// unchanged history is a stat per file. Any doubt means reading: an entry of
// another file, a ref that moved, a different --format, a file changed within
// two seconds of being recorded (a later change in the same clock tick would
// leave its stats as they were: git's "racily clean" case), or a missing,
// damaged or linked cache file. It is derived data (derived-file.ts).
import type { Stats } from 'node:fs';
import { derivedPath, readDerived, writeDerived } from './derived-file.js';

const MAGIC = 'tapes-import-stat';
const VERSION = 1;
/** A file changed less than this long before it was recorded is not trusted (its next change may keep the same times). */
export const RACY_MS = 2000;

export interface StatEntry {
  dev: number;
  ino: number;
  size: number;
  mtime_ms: number;
  ctime_ms: number;
  /** What --format asked for ('auto' or a format) and the format read. */
  kind: string;
  format: string;
  ref: string;
  tip: string;
  records: number;
  /** The problems the import reported, with the path as it was shown then. */
  display: string;
  problems: string[];
}

function isEntry(e: unknown): e is StatEntry {
  const x = e as StatEntry;
  return (
    x !== null &&
    typeof x === 'object' &&
    ['dev', 'ino', 'size', 'mtime_ms', 'ctime_ms', 'records'].every((k) => typeof (x as unknown as Record<string, unknown>)[k] === 'number') &&
    ['kind', 'format', 'ref', 'tip', 'display'].every((k) => typeof (x as unknown as Record<string, unknown>)[k] === 'string') &&
    Array.isArray(x.problems) &&
    x.problems.every((p) => typeof p === 'string')
  );
}

export class ImportStatCache {
  private changed = false;

  private constructor(
    private readonly path: string,
    private readonly entries: Map<string, StatEntry>,
  ) {}

  static open(archiveDir: string): ImportStatCache {
    const path = derivedPath(archiveDir, 'import-stat.json');
    const body = readDerived(path, MAGIC, VERSION);
    const entries = new Map<string, StatEntry>();
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
      for (const [file, e] of Object.entries(body)) if (isEntry(e)) entries.set(file, e);
    }
    return new ImportStatCache(path, entries);
  }

  /** The entry for `file` when its stats are unchanged and it was recorded for the same --format; the caller checks the ref. */
  lookup(file: string, st: Stats, kind: string): StatEntry | undefined {
    const e = this.entries.get(file);
    if (!e || e.kind !== kind) return undefined;
    const same = e.dev === st.dev && e.ino === st.ino && e.size === st.size && e.mtime_ms === st.mtimeMs && e.ctime_ms === st.ctimeMs;
    return same ? e : undefined;
  }

  /** Records what an import of `file` left; a file changed within RACY_MS of `nowMs` is forgotten instead. */
  record(file: string, st: Stats, nowMs: number, e: Omit<StatEntry, 'dev' | 'ino' | 'size' | 'mtime_ms' | 'ctime_ms'>): void {
    this.changed = true;
    if (nowMs - st.mtimeMs < RACY_MS) {
      this.entries.delete(file);
      return;
    }
    this.entries.set(file, { dev: st.dev, ino: st.ino, size: st.size, mtime_ms: st.mtimeMs, ctime_ms: st.ctimeMs, ...e });
  }

  /** Moves every entry's tip through `map` (a scrub rewrote them); true when one changed. */
  retip(map: (id: string) => string): boolean {
    for (const e of this.entries.values()) {
      const tip = map(e.tip);
      if (tip !== e.tip) {
        e.tip = tip;
        this.changed = true;
      }
    }
    return this.changed;
  }

  forget(file: string): void {
    if (this.entries.delete(file)) this.changed = true;
  }

  async save(): Promise<void> {
    if (!this.changed) return;
    await writeDerived(this.path, MAGIC, VERSION, Object.fromEntries(this.entries));
    this.changed = false;
  }
}
