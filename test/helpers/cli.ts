// Runs the CLI in-process with captured streams, as the entry point would.
import { PassThrough, Readable } from 'node:stream';
import { cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { createCli } from '../../cmd/cli.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  stdin?: string | Uint8Array;
  now?: () => Date;
  /** Run as on a terminal: standard output and error are TTYs (200 columns), the terminal's controls do nothing. */
  tty?: boolean;
}

export async function tapes(args: string[], opts: RunOptions): Promise<RunResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const cli = createCli({
    cwd: opts.cwd,
    env: opts.env ?? {},
    stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    stdout,
    stderr,
    stdoutIsTTY: opts.tty === true,
    stderrIsTTY: opts.tty === true,
    now: opts.now ?? (() => new Date('2026-01-02T03:04:05.000Z')),
    ...(opts.tty ? { terminal: { setRawMode: () => undefined, size: () => ({ columns: 200, rows: 50 }), onResize: () => () => undefined, onSignal: () => () => undefined } } : {}),
  });
  const code = await cli.run(args);
  const stdoutBytes = Buffer.concat(out);
  return { code, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes };
}

/**
 * Polls `done` every 10 ms until it holds; true then, false after `ms`. The
 * bound is one that only a hang reaches, never a slow machine: a test that
 * waits for something that does come never fails for being slow.
 */
export async function until(done: () => boolean, ms = 60_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** The folders tempDir made in this process: removed when it exits (thousands were left in the temp folder by each run of the suite). */
const madeDirs: string[] = [];

/** A fresh temporary directory (realpath, so paths compare equal), removed when the process exits. */
export function tempDir(prefix = 'tapes-test-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  if (madeDirs.length === 0) {
    process.on('exit', () => {
      for (const d of madeDirs) {
        try {
          rmSync(d, { recursive: true, force: true });
        } catch {
          // Left behind (made unreadable by its test): only a temp folder.
        }
      }
    });
  }
  madeDirs.push(dir);
  return dir;
}

/**
 * A copy of the folder `from` (the one holding .tapes) at `to`, for a test to
 * change: its loose object files are hard links to the originals, everything
 * else is copied. An object file is never written in place (a store writes a
 * new file and links it; gc and the tests remove them, which leaves the other
 * name), so the copy is as good as a full one at a fraction of its cost; a
 * test that damages an object file's bytes must copy with cpSync instead.
 */
export function copyArchive(from: string, to: string): void {
  const objects = join(from, '.tapes', 'objects');
  const fanout = /^[0-9a-f]{2}$/;
  const linked: string[] = [];
  cpSync(from, to, {
    recursive: true,
    filter: (src) => {
      const rel = src.slice(objects.length + 1);
      if (!src.startsWith(objects + '/') || !fanout.test(rel)) return true;
      linked.push(rel);
      return false;
    },
  });
  for (const fan of linked) {
    mkdirSync(join(to, '.tapes', 'objects', fan));
    for (const name of readdirSync(join(objects, fan))) linkSync(join(objects, fan, name), join(to, '.tapes', 'objects', fan, name));
  }
}

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const binPath = join(repoRoot, 'build', 'bin', 'tapes.js');
/** The real transcripts and captures the tests read: a subset of the shared corpus, kept in the repository (test/fixtures/README.md). */
export const corpusDir = join(repoRoot, 'test', 'fixtures', 'corpus');

/**
 * The whole shared corpus, for the long suite's whole-corpus tests: where
 * `$TAPES_CORPUS` points (.ci/run sets it). Without it those tests fail at
 * once, saying what to set, rather than pass without having run.
 */
export function fullCorpusDir(): string {
  const dir = process.env.TAPES_CORPUS;
  if (!dir || !existsSync(join(dir, 'claude-code', 'projects'))) {
    throw new Error(
      'this test needs the whole corpus: set TAPES_CORPUS to a copy of the shared corpus (the folder holding claude-code/, codex/, edge-cases/, wire/)' +
        (dir ? `; ${dir} has no claude-code/projects` : ''),
    );
  }
  return dir;
}

/** Runs the built binary as a separate process. */
export function spawnTapes(args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH, FORCE_COLOR: '0', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code: code ?? -1, stdout: stdoutBytes.toString(), stderr: Buffer.concat(err).toString(), stdoutBytes });
    });
    child.stdin.end(opts.stdin === undefined ? undefined : Buffer.from(opts.stdin));
  });
}
