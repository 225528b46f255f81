// What the end-to-end tests share: running the built CLI as the user would
// (a process, a temp HOME, the archive named by TAPES_DIR), listing files,
// and looking for a key in every object's content and every other file of an
// archive.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { LooseObjectStore } from '../../src/odb/index.js';
import { repoRoot } from '../helpers/cli.js';

const BUNDLE = join(repoRoot, 'build', 'bundle', 'tapes.js');

export interface Ran {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** A runner of the bundle with HOME and TAPES_DIR set (and PATH, TZ; nothing else of ours). */
export function runTapes(home: string, arch: string) {
  return (args: string[], cwd: string, env: Record<string, string> = {}): Promise<Ran> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BUNDLE, ...args], {
        cwd,
        env: { PATH: process.env.PATH ?? '', HOME: home, TZ: 'UTC', TAPES_DIR: join(arch, '.tapes'), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() });
      });
    });
}

/** Every file below `dir`. */
export function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** The key in no object's content (decompressed) and in no other file of the archive. */
export async function keyNowhere(t: Test, arch: string, key: string): Promise<void> {
  const store = await LooseObjectStore.open(join(arch, '.tapes', 'objects'));
  let objects = 0;
  let holding = 0;
  for await (const id of store.ids()) {
    objects++;
    if (Buffer.from((await store.read(id)).body).includes(key)) holding++;
  }
  t.ok(objects > 10, `${objects} objects looked at`);
  t.equal(holding, 0, 'no object holds the key');
  const others = files(join(arch, '.tapes')).filter((f) => !f.startsWith(join(arch, '.tapes', 'objects')));
  t.same(others.filter((f) => readFileSync(f).includes(key)), [], `no other file of the archive holds it (${others.length} files)`);
}
