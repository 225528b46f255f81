// push, fetch, pull and clone between two archives on disk (the file
// transport), with real corpus transcripts.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { spawnTapes, tempDir } from '../helpers/cli.js';
import { FILES, PROJECT, SMALL, SMALL_SESSION, archive, corpusLines, must, objectCount, projectArchive, refOf, run, transcript } from './helpers.js';

t.test('push to an empty archive, then fsck both; a second push sends nothing', async (t) => {
  const a = await projectArchive();
  const b = await archive();
  await must(['remote', 'add', 'origin', join(b, '.tapes')], a);
  const r = await must(['push', '--json'], a);
  const out = JSON.parse(r.stdout);
  t.equal(out.refs.length, FILES.length);
  t.ok(out.refs.every((x: { status: string }) => x.status === 'new'));
  t.equal(out.objects, await objectCount(b), 'every object on the remote came with this push');
  t.equal(await objectCount(b), await objectCount(a));
  t.equal((await run(['fsck'], a)).code, 0, 'fsck local');
  t.equal((await run(['fsck'], b)).code, 0, 'fsck remote');
  for (const f of FILES) {
    const ref = 'refs/sessions/' + f.replace(/\.jsonl$/, '');
    t.equal(await refOf(b, ref), await refOf(a, ref), `${ref} on the remote`);
    t.equal(await refOf(a, `refs/remotes/origin/sessions/${f.replace(/\.jsonl$/, '')}`), await refOf(a, ref), 'tracking ref');
  }
  const again = await must(['push'], a);
  t.match(again.stdout, /Everything up-to-date/);
  const exported = await must(['export', SMALL.replace(/\.jsonl$/, '')], b);
  t.equal(exported.stdout, (await fs.readFile(join(PROJECT, SMALL), 'utf8')), 'the remote gives the transcript back byte for byte');
});

/**
 * The tests that grow, cut or fork SMALL take its first 20 lines of 78:
 * a handful of records moving is what they look at, and every record
 * more was written, pushed, fetched and cloned, each object fsynced.
 */
const SHORT = 20;

t.test('an incremental push of one new record transfers a handful of objects', async (t) => {
  const a = await archive();
  const b = await archive();
  const src = tempDir();
  const lines = corpusLines(SMALL).slice(0, SHORT);
  await transcript(src, SMALL, lines.length - 1);
  for (const f of FILES.slice(1)) await transcript(src, f);
  await must(['import', src], a);
  await must(['remote', 'add', 'origin', b], a);
  await must(['push'], a);
  const before = await objectCount(b);
  await transcript(src, SMALL, lines.length);
  await must(['import', src], a);
  const r = await must(['push', '--json'], a);
  const out = JSON.parse(r.stdout);
  const moved = out.refs.filter((x: { status: string }) => x.status !== 'up-to-date');
  t.same(moved.map((x: { ref: string; status: string }) => [x.ref, x.status]), [[SMALL_SESSION, 'fast-forward']]);
  const added = (await objectCount(b)) - before;
  t.equal(added, out.objects);
  t.ok(added >= 1 && added <= 5, `${added} objects sent`);
  t.equal((await run(['fsck'], b)).code, 0);
});

t.test('an incremental fetch brings a handful of objects; an interrupted push completes when run again', async (t) => {
  const a = await archive();
  const b = await archive();
  const c = await archive();
  const src = tempDir();
  const lines = corpusLines(SMALL).slice(0, SHORT);
  await transcript(src, SMALL, lines.length - 2);
  for (const f of FILES.slice(1)) await transcript(src, f);
  await must(['import', src], a);
  await must(['remote', 'add', 'origin', b], a);
  await must(['remote', 'add', 'origin', b], c);
  await must(['push'], a);
  await must(['fetch'], c);
  const before = await objectCount(c);
  await transcript(src, SMALL, lines.length - 1);
  await must(['import', src], a);
  await must(['push'], a);
  const fetched = JSON.parse((await must(['fetch', '--json'], c)).stdout);
  t.equal(fetched.objects, (await objectCount(c)) - before);
  t.ok(fetched.objects >= 1 && fetched.objects <= 5, `${fetched.objects} objects fetched`);

  // As if a push were killed after its objects were stored, before the ref moved.
  await transcript(src, SMALL, lines.length);
  await must(['import', src], a);
  await must(['push'], a);
  const tip = await refOf(b, SMALL_SESSION);
  const old = await refOf(c, `refs/remotes/origin/sessions/${SMALL.replace('.jsonl', '')}`);
  await fs.writeFile(join(b, '.tapes', SMALL_SESSION), old + '\n');
  const again = JSON.parse((await must(['push', '--json'], a)).stdout);
  t.equal(again.objects, 0, 'nothing is sent twice');
  t.same(again.refs.filter((r: { status: string }) => r.status !== 'up-to-date').map((r: { status: string }) => r.status), ['fast-forward']);
  t.equal(await refOf(b, SMALL_SESSION), tip);
  t.equal((await run(['fsck'], b)).code, 0);
});

t.test('fetch, pull and clone; a diverged session is kept on both ends', async (t) => {
  const origin = await archive();
  const a = await archive();
  const src = tempDir();
  const lines = corpusLines(SMALL).slice(0, SHORT);
  await transcript(src, SMALL, lines.length - 2);
  await must(['import', src], a);
  await must(['remote', 'add', 'origin', origin], a);
  await must(['push'], a);

  const parent = tempDir();
  const c = await must(['clone', join(origin, '.tapes'), 'copy'], parent);
  const b = join(parent, 'copy');
  t.match(c.stdout, /Cloned .* 1 session/);
  t.equal(await refOf(b, SMALL_SESSION), await refOf(a, SMALL_SESSION), 'the clone checked out the session');
  t.equal((await must(['remote', 'get-url', 'origin'], b)).stdout, join(origin, '.tapes') + '\n');
  t.equal((await run(['fsck'], b)).code, 0);

  // a grows the session by one record and pushes; b pulls it (fast-forward).
  await transcript(src, SMALL, lines.length - 1);
  await must(['import', src], a);
  await must(['push'], a);
  const fetched = JSON.parse((await must(['fetch', '--json'], b)).stdout);
  t.same(fetched.refs.map((r: { local: string; status: string }) => [r.local, r.status]), [[`refs/remotes/origin/sessions/${SMALL.replace('.jsonl', '')}`, 'fast-forward']]);
  t.not(await refOf(b, SMALL_SESSION), await refOf(a, SMALL_SESSION), 'fetch leaves local sessions alone');
  const pulled = JSON.parse((await must(['pull', '--json'], b)).stdout);
  t.same(pulled.sessions.map((s: { status: string }) => s.status), ['fast-forward']);
  t.equal(await refOf(b, SMALL_SESSION), await refOf(a, SMALL_SESSION));

  // Both add a different record: b's push is refused, b's pull keeps both ends.
  await transcript(src, SMALL, lines.length);
  await must(['import', src], a);
  await must(['push'], a);
  const srcB = tempDir();
  await transcript(srcB, SMALL, lines.length - 1, [lines[lines.length - 2]!]);
  await must(['import', srcB], b);
  const mineB = await refOf(b, SMALL_SESSION);
  const refused = await run(['push'], b);
  t.equal(refused.code, 1);
  t.match(refused.stdout, /rejected/);
  t.match(refused.stderr, /tapes pull/);
  t.equal(await refOf(origin, SMALL_SESSION), await refOf(a, SMALL_SESSION), 'the remote kept a\'s record');
  const diverged = await run(['pull', '--json'], b);
  t.equal(diverged.code, 1);
  t.same(JSON.parse(diverged.stdout).sessions.map((s: { status: string }) => s.status), ['diverged']);
  t.equal(await refOf(b, SMALL_SESSION), mineB, 'the local end is kept');
  t.equal(await refOf(b, `refs/remotes/origin/sessions/${SMALL.replace('.jsonl', '')}`), await refOf(a, SMALL_SESSION), 'the remote end is kept');
  // a has nothing new to pull: its session is the remote's.
  t.same(JSON.parse((await must(['pull', '--json'], a)).stdout).sessions.map((s: { status: string }) => s.status), ['up-to-date']);
  // --force overwrites, --dry-run first shows it.
  const dry = JSON.parse((await must(['push', '--force', '--dry-run', '--json'], b)).stdout);
  t.same(dry.refs.map((r: { status: string }) => r.status), ['forced']);
  t.equal(await refOf(origin, SMALL_SESSION), await refOf(a, SMALL_SESSION), 'dry run moved nothing');
  await must(['push', '--force'], b);
  t.equal(await refOf(origin, SMALL_SESSION), mineB);
  // --delete, then fetch --prune.
  await must(['push', '--delete', 'origin', SMALL.replace('.jsonl', '')], b);
  t.equal(await refOf(origin, SMALL_SESSION), undefined);
  const pruned = JSON.parse((await must(['fetch', '--prune', '--json'], a)).stdout);
  t.same(pruned.refs.map((r: { status: string }) => r.status), ['pruned']);
  t.equal(await refOf(a, SMALL_SESSION), await refOf(a, SMALL_SESSION), 'local session kept');
  t.equal((await run(['fsck'], origin)).code, 0);
});

t.test('two pushers racing: one wins, the other is told to fetch first', async (t) => {
  const origin = await archive();
  const lines = corpusLines(SMALL).slice(0, SHORT);
  const base = tempDir();
  const seed = await archive();
  await transcript(base, SMALL, lines.length - 2);
  await must(['import', base], seed);
  await must(['push', join(origin, '.tapes')], seed);
  const parent = tempDir();
  await must(['clone', origin, 'x'], parent);
  await must(['clone', origin, 'y'], parent);
  const x = join(parent, 'x');
  const y = join(parent, 'y');
  const sx = tempDir();
  const sy = tempDir();
  await transcript(sx, SMALL, lines.length - 1);
  await transcript(sy, SMALL, lines.length - 2, [lines[0]!]);
  await must(['import', sx], x);
  await must(['import', sy], y);
  const [rx, ry] = await Promise.all([spawnTapes(['push'], { cwd: x }), spawnTapes(['push'], { cwd: y })]);
  const codes = [rx.code, ry.code].sort();
  t.same(codes, [0, 1], `one wins (${rx.code}/${ry.code}): ${rx.stderr}${ry.stderr}`);
  const [winner, loser] = rx.code === 0 ? [x, ry] : [y, rx];
  t.match(loser.stdout + loser.stderr, /fetch first/);
  t.equal(await refOf(origin, SMALL_SESSION), await refOf(winner, SMALL_SESSION), 'the winner\'s record is on the remote');
  t.equal((await run(['fsck'], origin)).code, 0);
});

t.test('--progress reports objects, bytes and rate on stderr; --no-progress and --json stay quiet', async (t) => {
  const a = await projectArchive();
  const b = await archive();
  await must(['remote', 'add', 'origin', b], a);
  const pushed = await must(['push', '--progress', 'origin'], a);
  t.match(pushed.stderr, /Writing objects: \d+ objects, [\d.]+ (B|KiB|MiB), [\d.]+ (B|KiB|MiB)\/s, done\.\n/);
  const n = Number(/Writing objects: (\d+) objects[^\r\n]*done/.exec(pushed.stderr.split('\r').pop()!)![1]);
  t.equal(n, await objectCount(b), 'the count is the objects sent');
  const c = await archive();
  await must(['remote', 'add', 'origin', b], c);
  const fetched = await must(['fetch', '--progress', 'origin'], c);
  t.match(fetched.stderr, /Receiving objects: \d+ objects, [^\n]*done\.\n/);
  const quiet = await must(['fetch', '--no-progress', 'origin'], c);
  t.notMatch(quiet.stderr, /objects/);
});
