// Sixteen processes race to move one ref with compare-and-swap: exactly the
// expected ones win, none is lost silently, the reflog has every successful
// move, and no lock file is left behind.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Archive } from '../../src/archive/index.js';
import { canonicalRecordBytes } from '../../src/record/index.js';
import { repoRoot, spawnTapes, tempDir } from '../helpers/cli.js';

const N = 16;

async function setup(): Promise<{ cwd: string; archive: Archive; ids: string[] }> {
  const cwd = tempDir();
  await Archive.init({ cwd, env: {} });
  const archive = await Archive.open({ cwd, env: {} });
  const store = await archive.objects();
  const ids: string[] = [];
  for (let i = 0; i <= N; i++) ids.push(await store.write('record', canonicalRecordBytes({ parent: null, n: i })));
  await archive.refs.update('refs/sessions/race', ids[0]!, { expectedOld: null, reason: 'start' });
  return { cwd, archive, ids };
}

async function locksLeft(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else if (e.name.endsWith('.lock')) out.push(join(d, e.name));
    }
  };
  await walk(dir);
  return out;
}

t.test('all expect the same old value: exactly one wins', async (t) => {
  const { cwd, archive, ids } = await setup();
  const results = await Promise.all(
    ids.slice(1).map((id) => spawnTapes(['update-ref', '-m', `race ${id}`, 'refs/sessions/race', id, ids[0]!], { cwd })),
  );
  const winners = results.filter((r) => r.code === 0);
  t.equal(winners.length, 1, 'one winner');
  for (const r of results.filter((r) => r.code !== 0)) {
    t.equal(r.code, 1);
    t.match(r.stderr, /cannot update refs\/sessions\/race: expected|cannot lock refs\/sessions\/race/, 'loser told why');
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const final = await archive.refs.resolve('refs/sessions/race');
  const winnerIndex = results.findIndex((r) => r.code === 0);
  t.equal(final, ids[winnerIndex + 1], 'the ref holds the winner’s value');
  const log = await archive.refs.readReflog('refs/sessions/race');
  t.equal(log.length, 2, 'start + one move');
  t.same(await locksLeft(archive.dir), []);
});

t.test('each retries with the value it read: all sixteen moves land, in one unbroken reflog chain', async (t) => {
  const { cwd, archive, ids } = await setup();
  const script = join(cwd, 'mover.mjs');
  const refsModule = join(repoRoot, 'build/src/refs/index.js');
  await fs.writeFile(
    script,
    `import { RefStore } from ${JSON.stringify(refsModule)};
const [dir, id] = process.argv.slice(2);
const refs = new RefStore(dir);
for (let attempt = 0; attempt < 2000; attempt++) {
  const current = await refs.resolve('refs/sessions/race');
  try {
    await refs.update('refs/sessions/race', id, { expectedOld: current, reason: 'mover ' + id, lockTimeoutMs: 5000 });
    process.stdout.write('attempts=' + (attempt + 1) + '\\n');
    process.exit(0);
  } catch (err) {
    if (err.code !== 'RefConflictError') { console.error(err.code, err.message); process.exit(3); }
  }
}
process.exit(4);
`,
  );
  const run = (id: string) =>
    new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [script, archive.dir, id], { stdio: ['ignore', 'pipe', 'inherit'] });
      child.on('close', (code) => resolve(code ?? -1));
    });
  const codes = await Promise.all(ids.slice(1).map(run));
  t.same(codes, Array(N).fill(0), 'every mover succeeded');
  const log = (await archive.refs.readReflog('refs/sessions/race')).map((l) => (l.ok ? l.entry : undefined));
  t.equal(log.length, N + 1);
  for (let i = 1; i < log.length; i++) t.equal(log[i]!.old, log[i - 1]!.new, `reflog line ${i + 1} continues line ${i}`);
  t.same(new Set(log.slice(1).map((e) => e!.new)), new Set(ids.slice(1)), 'each value appears once');
  t.equal(await archive.refs.resolve('refs/sessions/race'), log[log.length - 1]!.new);
  t.same(await locksLeft(archive.dir), []);
});
