// Crash and concurrency safety of gc, with real processes: a gc killed
// (SIGKILL) at several points leaves every object readable and fsck clean,
// and the next gc completes; an import running while gc runs loses nothing.
import t from 'tap';
import { cpSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fsckJson, makeFixture, tapes, type Fixture } from '../fsck/fixtures/archive.js';
import { LooseObjectStore } from '../../src/odb/index.js';
import { corpusDir, spawnTapes, tempDir } from '../helpers/cli.js';

const child = fileURLToPath(new URL('./fixtures/gc-child.js', import.meta.url));

/** Every object id with a digest of its content, read through a fresh store. */
async function contents(dir: string): Promise<Map<string, string>> {
  const store = await LooseObjectStore.open(join(dir, 'objects'));
  const out = new Map<string, string>();
  for await (const id of store.ids()) {
    const o = await store.read(id);
    out.set(id, `${o.type} ${o.body.length}`);
  }
  store.packs.close();
  return out;
}

function transcripts(): string[] {
  const root = join(corpusDir, 'claude-code', 'projects');
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((n) => n.endsWith('.jsonl') && !n.includes('subagents'))
    .map((n) => join(root, n))
    .sort();
}

/** Runs gc-child until it prints STOP (then kills it) or a timer fires (then kills it), or it finishes. */
function runAndKill(dir: string, how: { phase: string; n: number } | { afterMs: number }, mode = 'full'): Promise<'killed' | 'finished'> {
  return new Promise((resolve, reject) => {
    const args = 'phase' in how ? [child, dir, how.phase, String(how.n), mode] : [child, dir, 'never', '0', mode];
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      p.kill('SIGKILL');
    };
    p.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('STOP')) kill();
    });
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = 'afterMs' in how ? setTimeout(kill, how.afterMs) : setTimeout(kill, 60_000);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0 && out.includes('DONE')) resolve('finished');
      else reject(new Error(`gc child exited with ${code}: ${err}`));
    });
  });
}

/** A fixture archive, packed, plus two imported transcripts left loose. */
async function prepared(t: Tap): Promise<Fixture> {
  const f = await makeFixture(t, { bigSize: 2_500_000 });
  await tapes(f.root, ['gc']);
  const files = transcripts().slice(0, 2);
  const r = await tapes(f.root, ['import', ...files]);
  if (r.code !== 0) throw new Error(r.stderr);
  return f;
}
type Tap = Parameters<typeof makeFixture>[0];

t.test('gc killed at any point leaves a valid archive; the next gc completes', async (t) => {
  const f = await prepared(t);
  const before = await contents(f.dir);
  const loose = readdirSync(join(f.dir, 'objects')).filter((d) => d.length === 2).length;
  t.ok(loose > 0, 'there are loose objects to pack');
  const points: Array<{ phase: string; n: number } | { afterMs: number }> = [
    { phase: 'counting', n: 0 },
    { phase: 'packing', n: 1 },
    { phase: 'packing', n: Math.floor(before.size / 2) },
    { phase: 'pruning', n: 0 }, // new pack in place, nothing removed yet
    { phase: 'pruning', n: 1 }, // old pack removed, loose copies being removed
    { phase: 'pruning', n: Math.floor(before.size / 3) },
    { afterMs: 250 },
    { afterMs: 600 },
    { afterMs: 1200 },
  ];
  for (const [i, point] of points.entries()) {
    const work = join(tempDir(), 'copy');
    cpSync(f.root, work, { recursive: true });
    t.teardown(() => rmSync(work, { recursive: true, force: true }));
    const dir = join(work, '.tapes');
    const what = JSON.stringify(point);
    const outcome = await runAndKill(dir, point);
    if ('phase' in point) t.equal(outcome, 'killed', `${what}: killed there`);
    const r = await fsckJson(work);
    t.equal(r.code, 0, `${what}: fsck exits 0 after the kill (${outcome})`);
    t.same(r.report.findings.filter((x) => x.severity === 'error'), [], `${what}: no errors`);
    t.same(await contents(dir), before, `${what}: every object is there, unchanged`);
    const again = await tapes(work, ['gc']);
    t.equal(again.code, 0, `${what}: the next gc completes ${again.stderr}`);
    const clean = await fsckJson(work);
    t.same(clean.report.findings, [], `${what}: and fsck is clean (no leftovers)`);
    t.same(await contents(dir), before, `${what}: still every object`);
    if (i === 0) t.same(readdirSync(join(dir, 'objects')), ['pack'], 'only the pack directory remains');
  }
});

t.test('an incremental gc killed midway leaves a valid archive too', async (t) => {
  const f = await prepared(t);
  const before = await contents(f.dir);
  for (const point of [{ phase: 'packing', n: 2 }, { phase: 'pruning', n: 0 }, { phase: 'pruning', n: 5 }]) {
    const work = join(tempDir(), 'copy');
    cpSync(f.root, work, { recursive: true });
    t.teardown(() => rmSync(work, { recursive: true, force: true }));
    t.equal(await runAndKill(join(work, '.tapes'), point, 'incremental'), 'killed');
    const r = await fsckJson(work);
    t.equal(r.code, 0, `${JSON.stringify(point)}: fsck exits 0`);
    t.same(await contents(join(work, '.tapes')), before);
  }
});

t.test('an import running while gc runs loses nothing', async (t) => {
  const f = await makeFixture(t, { bigSize: 2_500_000 });
  const files = transcripts();
  const first = files.slice(0, 4);
  const rest = files.slice(4, 14);
  t.equal((await tapes(f.root, ['import', ...first])).code, 0);
  t.equal((await tapes(f.root, ['gc'])).code, 0);
  const env = { HOME: f.root };
  // The import and a run of gcs, as separate processes, at the same time.
  const importing = spawnTapes(['import', '--json', ...rest], { cwd: f.root, env });
  let gcs = 0;
  let done = false;
  void importing.then(() => (done = true));
  while (!done || gcs < 2) {
    const g = await spawnTapes(['gc', '--json'], { cwd: f.root, env });
    t.equal(g.code, 0, `gc ${gcs} ran beside the import ${g.stderr}`);
    gcs++;
  }
  const imported = await importing;
  t.equal(imported.code, 0, imported.stderr);
  const summary = JSON.parse(imported.stdout);
  t.equal(summary.files_refused, 0);
  t.ok(summary.records_added > 0);
  const r = await fsckJson(f.root);
  t.equal(r.code, 0, 'fsck exits 0');
  t.same(r.report.findings, [], 'and finds nothing: every reachable object is there');
  // Importing the same files again adds nothing: every record and blob is stored.
  const again = JSON.parse((await tapes(f.root, ['import', '--json', ...first, ...rest])).stdout);
  t.equal(again.records_added, 0);
  t.equal(again.objects_written, 0, 'not one object had to be written again');
  t.equal(again.sessions.unchanged, first.length + rest.length);
  // And the sessions imported during the gcs export back to their original bytes.
  for (const file of rest.slice(0, 3)) {
    const session = basename(file, '.jsonl');
    const exported = await tapes(f.root, ['export', '-o', join(f.root, 'out.jsonl'), session]);
    t.equal(exported.code, 0, exported.stderr);
    t.ok(readFileSync(join(f.root, 'out.jsonl')).equals(readFileSync(file)), `${session}: the original bytes`);
  }
});
