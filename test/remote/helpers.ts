// Archives with real transcripts from test/fixtures, and fingerprints of
// whole directories to show that a refused fetch changed nothing.
import { createHash } from 'node:crypto';
import { copyFileSync, promises as fs, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LooseObjectStore } from '../../src/odb/index.js';
import { copyArchive, corpusDir, tapes, tempDir } from '../helpers/cli.js';

const projects = join(corpusDir, 'claude-code', 'projects');
/** Three small real transcripts (78, 40 and 19 lines, 240 KB in all: about 150 objects, so a whole push still goes as a pack). */
const SOURCES = [
  join(projects, '-Users-alex-workspace-cli--worktrees-2', '2b945d54-dd2b-4f60-b3b0-7b0252349003.jsonl'),
  join(projects, '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl'),
  join(projects, '-Users-soph-Work-entire-devenv-cli', '19abe528-a510-4c89-a1f8-138956474766.jsonl'),
];
export const FILES = SOURCES.map((p) => basename(p));
export const SMALL = FILES[0]!;
export const SMALL_SESSION = 'refs/sessions/' + SMALL.replace(/\.jsonl$/, '');

/** A project folder holding exactly FILES (copies, made once per test process, never written to by the tests). */
export const PROJECT = tempDir('tapes-remote-project-');
for (const p of SOURCES) copyFileSync(p, join(PROJECT, basename(p)));
process.on('exit', () => rmSync(PROJECT, { recursive: true, force: true }));

export async function run(args: string[], cwd: string) {
  const r = await tapes(args, { cwd });
  return r;
}

export async function must(args: string[], cwd: string) {
  const r = await tapes(args, { cwd });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

/** A new archive in a temp directory (the directory holding .tapes). */
export async function archive(): Promise<string> {
  const dir = tempDir('tapes-remote-');
  await must(['init', '-q'], dir);
  return dir;
}

let projectImported: Promise<string> | undefined;
/** An archive of PROJECT: imported once per test process, and each caller gets its own copy (object files linked). */
export async function projectArchive(): Promise<string> {
  projectImported ??= (async () => {
    const dir = await archive();
    await must(['import', PROJECT], dir);
    return dir;
  })();
  const dir = tempDir('tapes-remote-');
  copyArchive(await projectImported, dir);
  return dir;
}

/** Writes the first `lines` lines of a corpus transcript (all when undefined) plus `extra` lines to `dir/<name>`. */
export async function transcript(dir: string, name: string, lines?: number, extra: string[] = []): Promise<string> {
  const all = readFileSync(join(PROJECT, name), 'utf8').split('\n').filter((l) => l !== '');
  const kept = (lines === undefined ? all : all.slice(0, lines)).concat(extra);
  await fs.mkdir(dir, { recursive: true });
  const path = join(dir, basename(name));
  await fs.writeFile(path, kept.join('\n') + '\n');
  return path;
}

export function corpusLines(name: string): string[] {
  return readFileSync(join(PROJECT, name), 'utf8').split('\n').filter((l) => l !== '');
}

/**
 * Every file under `dir` with the hash of its content (and every directory),
 * sorted; `skip` (paths under `dir`, such as `index`) left out. Read
 * synchronously: an awaited call per file made each fingerprint of an
 * archive cost a tenth of a second or more.
 */
export async function fingerprint(dir: string, skip: string[] = []): Promise<string[]> {
  const out: string[] = [];
  const skipped = new Set(skip.map((s) => join(dir, s)));
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (skipped.has(p)) continue;
      if (e.isDirectory()) {
        out.push(`${p}/`);
        walk(p);
      } else out.push(`${p} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(dir);
  return out;
}

/** Objects in an archive, loose or packed (each once). */
export async function objectCount(dir: string): Promise<number> {
  const store = await LooseObjectStore.open(join(dir, '.tapes/objects'));
  let n = 0;
  for await (const _ of store.ids()) n++;
  store.packs.close();
  return n;
}

/** Loose object files in an archive. */
export async function looseObjectCount(dir: string): Promise<number> {
  let n = 0;
  const objects = join(dir, '.tapes/objects');
  for (const d of await fs.readdir(objects)) {
    if (!/^[0-9a-f]{2}$/.test(d)) continue;
    n += (await fs.readdir(join(objects, d))).filter((f) => /^[0-9a-f]{62}$/.test(f)).length;
  }
  return n;
}

/** Pack files (and temp packs being written) in an archive. */
export async function packFiles(dir: string): Promise<string[]> {
  return fs.readdir(join(dir, '.tapes/objects/pack')).catch(() => []);
}

export async function refOf(dir: string, ref: string): Promise<string | undefined> {
  return fs.readFile(join(dir, '.tapes', ref), 'utf8').then((t) => t.trim(), () => undefined);
}
