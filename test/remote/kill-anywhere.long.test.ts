// Fault injection: import, gc, push, fetch and clone are each killed with
// SIGKILL at seeded random moments (a fraction of how long an uninterrupted
// run of the same command took, so any machine speed gives the same spread
// of kill points: before the start, mid-way, after the end). After every
// kill: fsck is clean on every archive involved, and running the command
// again converges to the refs of an uninterrupted run. Each failure names its
// seed; TAPES_FAULT_SEED=<n> repeats one run, TAPES_FAULT_TRIALS=<n> changes
// how many kills each command gets (issue 16).
import t from 'tap';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { binPath, tempDir } from '../helpers/cli.js';
import { PROJECT, archive, must, run } from './helpers.js';
import { seededRandom } from '../helpers/random.js';

const TRIALS = Number(process.env.TAPES_FAULT_TRIALS ?? 5);
const BASE_SEED = Number(process.env.TAPES_FAULT_SEED ?? 20261204);

/** Runs `tapes <args>` and kills it after `ms` (if it has not ended by then). */
async function killAfter(args: string[], cwd: string, ms: number): Promise<{ killed: boolean; code: number | null }> {
  const child = spawn(process.execPath, [binPath, ...args], { cwd, env: { PATH: process.env.PATH, FORCE_COLOR: '0' }, stdio: 'ignore' });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const { code, signal } = await done;
  clearTimeout(timer);
  return { killed: signal === 'SIGKILL', code };
}

async function timed(args: string[], cwd: string): Promise<number> {
  const t0 = performance.now();
  await must(args, cwd);
  return performance.now() - t0;
}

async function refs(dir: string, prefixes = ['refs/sessions/', 'refs/agents/', 'refs/tags/']): Promise<string> {
  return (await must(['for-each-ref', '--format=%(objectname) %(refname)', ...prefixes], dir)).stdout;
}

async function copyArchive(from: string): Promise<string> {
  const to = tempDir('tapes-fault-');
  await fs.cp(join(from, '.tapes'), join(to, '.tapes'), { recursive: true });
  return to;
}

interface Case {
  name: string;
  /** Sets up one trial; returns the directory the command runs in and the archives to check. */
  prepare(): Promise<{ cwd: string; archives: string[] }>;
  args: string[];
  /** The refs an uninterrupted run ends with, and where to read them after a trial. */
  converged(cwd: string): Promise<string>;
}

t.test('killed anywhere, every archive stays valid and a rerun converges', async (t) => {
  const source = await archive();
  await must(['import', '--no-progress', PROJECT], source);
  const sourceRefs = await refs(source);
  const empty = await archive();
  const parent = tempDir('tapes-fault-clones-');
  let clones = 0;

  const cases: Case[] = [
    {
      name: 'import',
      prepare: async () => ({ cwd: await copyArchive(empty), archives: [] }),
      args: ['import', '--no-progress', PROJECT],
      converged: (cwd) => refs(cwd),
    },
    {
      name: 'gc',
      prepare: async () => ({ cwd: await copyArchive(source), archives: [] }),
      args: ['gc', '--prune=now', '--quiet'],
      converged: (cwd) => refs(cwd),
    },
    {
      name: 'push',
      prepare: async () => {
        const local = await copyArchive(source);
        const remote = await copyArchive(empty);
        await must(['remote', 'add', 'origin', remote], local);
        return { cwd: local, archives: [remote] };
      },
      args: ['push', '--no-progress', 'origin'],
      converged: async (cwd) => {
        const remote = (await must(['remote', 'get-url', 'origin'], cwd)).stdout.trim();
        return refs(remote);
      },
    },
    {
      name: 'fetch',
      prepare: async () => {
        const local = await copyArchive(empty);
        await must(['remote', 'add', 'origin', source], local);
        return { cwd: local, archives: [] };
      },
      args: ['fetch', '--no-progress', 'origin'],
      converged: async (cwd) => (await refs(cwd, ['refs/remotes/origin/'])).replaceAll('refs/remotes/origin/', 'refs/'),
    },
    {
      name: 'clone',
      prepare: async () => ({ cwd: parent, archives: [] }),
      args: [],
      converged: (cwd) => refs(cwd),
    },
  ];

  for (const c of cases) {
    // The uninterrupted run: how long it takes here, and what it ends with.
    const ref = await c.prepare();
    const cloneDir = `clone-${clones++}`;
    const args = c.name === 'clone' ? ['clone', '--no-progress', '-q', source, cloneDir] : c.args;
    const ms = await timed(args, ref.cwd);
    const expected = await c.converged(c.name === 'clone' ? join(parent, cloneDir) : ref.cwd);
    t.ok(expected.length > 0, `${c.name}: the uninterrupted run ends with refs`);
    if (c.name !== 'fetch') t.equal(expected, sourceRefs, `${c.name}: which are the source's`);

    let killedMidway = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const seed = BASE_SEED + trial * 7919 + c.name.length;
      const next = seededRandom(seed);
      const at = Math.round(next() * ms * 1.1);
      const label = `${c.name} killed at ${at} ms of ~${Math.round(ms)} (seed ${seed})`;
      const setup = await c.prepare();
      const dir = `clone-${clones++}`;
      const cmd = c.name === 'clone' ? ['clone', '--no-progress', '-q', source, dir] : c.args;
      const k = await killAfter(cmd, setup.cwd, at);
      if (k.killed) killedMidway++;
      const cwd = c.name === 'clone' ? join(parent, dir) : setup.cwd;
      for (const a of [...(c.name === 'clone' ? [] : [cwd]), ...setup.archives, source]) {
        const fsck = await run(['fsck'], a);
        if (!t.equal(fsck.code, 0, `${label}: fsck of ${a === source ? 'the source' : a === cwd ? 'the archive' : 'the remote'} is clean`)) t.comment(fsck.stdout + fsck.stderr);
      }
      const again = await run(cmd, setup.cwd);
      if (!t.equal(again.code, 0, `${label}: the rerun succeeds`)) t.comment(again.stderr);
      if (again.code !== 0) continue;
      t.equal(await c.converged(cwd), expected, `${label}: the rerun converges to the uninterrupted refs`);
      const fsck = await run(['fsck'], cwd);
      if (!t.equal(fsck.code, 0, `${label}: fsck after the rerun`)) t.comment(fsck.stdout + fsck.stderr);
    }
    t.comment(`${c.name}: ${TRIALS} trials, ${killedMidway} killed before the end`);
  }
});
