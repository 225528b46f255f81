// A directory outside the archive that a symlink under .tapes/ points at, and
// a listing of it (names, times, bytes) to show that no command read through
// the link into it, wrote there or deleted anything there.
import { lstatSync, readdirSync, readFileSync, readlinkSync, utimesSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { objectId } from '../../src/object/index.js';

const DAY = 24 * 60 * 60 * 1000;

/**
 * Every entry below `dir`: name, modification time and bytes of files, the
 * target of links (not followed), and names of anything else.
 */
export function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a: Dirent, b: Dirent) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = join(d, e.name);
      const st = lstatSync(p);
      if (e.isDirectory()) {
        out.push(`${rel}${e.name}/`);
        walk(p, `${rel}${e.name}/`);
      } else if (e.isSymbolicLink()) out.push(`${rel}${e.name} -> ${readlinkSync(p)}`);
      else if (e.isFile()) out.push(`${rel}${e.name} ${st.mtimeMs} ${readFileSync(p).toString('base64')}`);
      else out.push(`${rel}${e.name} (${st.mode.toString(8)})`);
    }
  };
  walk(dir, '');
  return out;
}

/** Sets a file's times `days` back. */
export function age(path: string, days: number): void {
  const when = new Date(Date.now() - days * DAY);
  utimesSync(path, when, when);
}

/** A blob body whose id starts with `prefix` (two hex digits take about 256 tries). */
export function blobWithPrefix(prefix: string, seed = 'behind a link'): { body: Buffer; id: string } {
  for (let i = 0; ; i++) {
    const body = Buffer.from(`${seed} ${i}`);
    const id = objectId('blob', body);
    if (id.startsWith(prefix)) return { body, id };
  }
}

/** The first two-hex fan-out name no directory in `objectsDir` has. */
export function unusedFanout(objectsDir: string): string {
  const used = new Set(readdirSync(objectsDir));
  for (let b = 0; b < 256; b++) {
    const name = b.toString(16).padStart(2, '0');
    if (!used.has(name)) return name;
  }
  throw new Error(`${objectsDir} uses every fan-out directory`);
}
