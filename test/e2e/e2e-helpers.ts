// What the end-to-end tests share: running the built CLI as the user would
// (a process, a temp HOME, the archive named by TAPES_DIR), listing files,
// and looking for a key in every object's content and every other file of an
// archive.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

/**
 * With TAPES_E2E_KEEP=<dir>, a copy of the file the agent wrote is kept in
 * <dir> (how test/fixtures/agents/ was made: see its README).
 */
export function keep(file: string, name: string): void {
  const dir = process.env.TAPES_E2E_KEEP;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  copyFileSync(file, join(dir, name));
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

type Run = ReturnType<typeof runTapes>;
export interface Logged {
  id: string;
  kind: string;
  content: Array<Record<string, unknown>>;
}

/**
 * Imports the transcript an agent wrote and checks that the run is one
 * session, its capture the session's view; returns the session's records
 * as `log --json` gives them.
 */
export async function importedRun(t: Test, run: Run, arch: string, file: string, sid: string): Promise<Logged[]> {
  const imp = await run(['import', '--json', file], arch);
  t.equal(imp.code, 0, `import exited 0 (${imp.stderr})`);
  const sessions = (await run(['sessions', '--json'], arch)).stdout.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { name: string });
  t.same(sessions.map((s) => s.name), [sid], 'one session for the run');
  const refs = (await run(['for-each-ref', '--format=%(refname)'], arch)).stdout.toString().trim().split('\n').sort();
  t.same(refs, [`refs/captures/sessions/${sid}`, `refs/sessions/${sid}`], 'the capture is the view of the session, not a session of its own');
  return (await run(['log', '--json', sid], arch)).stdout.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Logged);
}

/** The prompt, the tool call (the block `isCall` picks), its result with the command's real output, and the closing answer: each once. */
export function everyTurnOnce(t: Test, records: Logged[], o: { prompt: string; isCall: (b: Record<string, unknown>) => boolean; closing: string }): Record<string, unknown> | undefined {
  const blocks = records.flatMap((rec) => rec.content.map((b) => ({ rec, b })));
  t.equal(records.filter((rec) => rec.kind === 'user' && JSON.stringify(rec.content).includes(o.prompt)).length, 1, 'the prompt once');
  const calls = blocks.filter(({ b }) => b.type === 'tool_use' && o.isCall(b));
  t.equal(calls.length, 1, 'the tool call once');
  const results = blocks.filter(({ b }) => b.type === 'tool_result' && b.tool_use_id === calls[0]?.b.id);
  t.equal(results.length, 1, 'its result once');
  t.match(JSON.stringify(results[0]?.b.content), 'hello from the agent', "the command's real output");
  t.equal(blocks.filter(({ b }) => b.type === 'text' && b.text === o.closing).length, 1, 'the answer once');
  return calls[0] && { ...calls[0].b, record: calls[0].rec.id };
}

/** `export --format original` gives the agent's file back, SHA-256 identical. */
export async function givenBack(t: Test, run: Run, arch: string, sid: string, file: string): Promise<void> {
  const back = await run(['export', '--format', 'original', sid], arch);
  t.equal(createHash('sha256').update(back.stdout).digest('hex'), createHash('sha256').update(readFileSync(file)).digest('hex'), 'the transcript given back byte for byte');
}
