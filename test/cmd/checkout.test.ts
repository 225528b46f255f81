// tapes checkout and tapes status on a real transcript: attaching HEAD to a
// session, detaching it on a record, -b, what HEAD files and reflogs hold after
// each move, refusals (a blob, an existing session, a bad revision), and the
// position and time status reports.
import t from 'tap';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyArchive, corpusDir, tapes, tempDir } from '../helpers/cli.js';

/** 40 records. */
const REAL = 'bc3bf53b-19fe-4209-b30a-a1acffaf6703';
const realFile = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', `${REAL}.jsonl`);
const env = { TZ: 'UTC' };

let imported: Promise<string> | undefined;

/** An archive holding the transcript: imported once per file, and each test gets its own copy. */
async function setup(t: { teardown(fn: () => void): void }): Promise<string> {
  imported ??= (async () => {
    const dir = tempDir('tapes-checkout-');
    for (const args of [['init', '-q'], ['import', realFile]]) {
      const r = await tapes(args, { cwd: dir, env });
      if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
    }
    return dir;
  })();
  const cwd = tempDir('tapes-checkout-');
  t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
  copyArchive(await imported, cwd);
  return cwd;
}

const run = (cwd: string, args: string[]) => tapes(args, { cwd, env });
async function must(cwd: string, args: string[]) {
  const r = await run(cwd, args);
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}
const head = (cwd: string) => readFileSync(join(cwd, '.tapes', 'HEAD'), 'utf8');
const reflog = (cwd: string, name = 'HEAD') =>
  readFileSync(join(cwd, '.tapes', 'logs', ...name.split('/')), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [ids, reason] = l.split('\t');
      const [oldId, newId, time] = ids!.split(' ');
      return { oldId, newId, time, reason };
    });
const revParse = async (cwd: string, rev: string) => (await must(cwd, ['rev-parse', rev])).stdout.trim();

t.test('checkout of a session attaches HEAD; of a record detaches it; every move is in logs/HEAD', async (t) => {
  const cwd = await setup(t);
  const tip = await revParse(cwd, REAL);
  const r = await run(cwd, ['checkout', REAL.slice(0, 8)]);
  t.equal(r.code, 0);
  t.equal(r.stdout, '', 'messages go to stderr');
  t.match(r.stderr, `Switched to session '${REAL}'`);
  t.equal(head(cwd), `ref: refs/sessions/${REAL}\n`, 'a unique session-name prefix attaches to the session');

  const five = await revParse(cwd, `${REAL}~5`);
  const d = await run(cwd, ['checkout', `${REAL}~5`]);
  t.equal(d.code, 0);
  t.match(d.stderr, `HEAD is now at ${five.slice(0, 12)} (detached)`);
  t.equal(head(cwd), `${five}\n`, 'a record detaches HEAD');
  t.equal(await revParse(cwd, `refs/sessions/${REAL}`), tip, 'the session did not move');

  const again = await run(cwd, ['checkout', five]);
  t.equal(again.code, 0);
  t.match(again.stderr, 'already');

  await must(cwd, ['checkout', '--detach', REAL]);
  t.equal(head(cwd), `${tip}\n`, '--detach on a session holds its tip id');

  const log = reflog(cwd);
  t.same(
    log.map((l) => [l.oldId, l.newId, l.reason]),
    [
      ['0'.repeat(64), tip, `checkout: moving from (nothing) to ${REAL}`],
      [tip, five, `checkout: moving from ${REAL} to ${five.slice(0, 12)}`],
      [five, tip, `checkout: moving from ${five.slice(0, 12)} to ${tip.slice(0, 12)}`],
    ],
    'one line per move, none for the no-op',
  );
  t.ok(log.every((l) => l.time === '2026-01-02T03:04:05.000Z'), 'times come from the clock given');
  t.equal(await revParse(cwd, 'HEAD@{1}'), five, 'HEAD@{1} is where HEAD was before');
});

t.test('checkout -b creates a session at the record and attaches HEAD; the new session has its own reflog', async (t) => {
  const cwd = await setup(t);
  const ten = await revParse(cwd, `${REAL}~10`);
  const r = await run(cwd, ['checkout', '-b', 'retry', `${REAL}~10`]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, `Switched to a new session 'retry' at ${ten.slice(0, 12)}`);
  t.equal(head(cwd), 'ref: refs/sessions/retry\n');
  t.equal(await revParse(cwd, 'retry'), ten);
  t.same(reflog(cwd, 'refs/sessions/retry').map((l) => [l.oldId, l.newId, l.reason]), [['0'.repeat(64), ten, `checkout -b: created from ${REAL}~10`]]);
  t.same(reflog(cwd).map((l) => l.reason), ['checkout: moving from (nothing) to retry']);

  // A session at the same record as HEAD: switching to it is still a move.
  await must(cwd, ['checkout', '-b', 'twin']);
  t.equal(head(cwd), 'ref: refs/sessions/twin\n');
  await must(cwd, ['checkout', 'retry']);
  const last = reflog(cwd).slice(-2);
  t.same(last.map((l) => [l.oldId, l.newId, l.reason]), [
    [ten, ten, 'checkout: moving from retry to twin'],
    [ten, ten, 'checkout: moving from twin to retry'],
  ], 'moves between sessions at the same record are logged');

  const dup = await run(cwd, ['checkout', '-b', 'retry', REAL]);
  t.equal(dup.code, 1, 'an existing session is not overwritten');
  t.match(dup.stderr, /^tapes: error: a session named 'retry' already exists/);
  t.equal(await revParse(cwd, 'retry'), ten, 'and it did not move');

  const bad = await run(cwd, ['checkout', '-b', 'no..pe', REAL]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /tapes: error: .*no\.\.pe/);
});

t.test('refusals: a bad revision exits 2, a blob cannot be HEAD, no revision is a usage error', async (t) => {
  const cwd = await setup(t);
  const before = await run(cwd, ['status', '--json']);
  const nope = await run(cwd, ['checkout', 'nope']);
  t.equal(nope.code, 2);
  t.match(nope.stderr, /^tapes: error: unknown revision 'nope'/);
  const id = (await tapes(['hash-object', '-w', '--stdin'], { cwd, env, stdin: 'hello\n' })).stdout.trim();
  const b = await run(cwd, ['checkout', id]);
  t.equal(b.code, 1);
  t.match(b.stderr, `cannot check out '${id}': it names a blob`);
  t.equal((await run(cwd, ['status', '--json'])).stdout, before.stdout, 'HEAD did not move');
  const u = await run(cwd, ['checkout']);
  t.equal(u.code, 129);
});

t.test('status: session, record, position n/total, time; detached: the session that holds it; tags', async (t) => {
  const cwd = await setup(t);
  const none = await must(cwd, ['status']);
  t.match(none.stdout, /^No HEAD yet/);
  t.same(JSON.parse((await must(cwd, ['status', '--json'])).stdout).head, 'none');

  await must(cwd, ['checkout', REAL]);
  const tip = await revParse(cwd, REAL);
  const s = await must(cwd, ['status']);
  t.same(s.stdout.split('\n'), [
    `On session ${REAL}`,
    `Record 40/40  ${tip.slice(0, 7)}  2026-01-28 21:52:53 +00:00  [7:16]`,
    '  progress: hook_progress',
    '',
  ]);

  const rec = await revParse(cwd, `${REAL}~37`);
  await must(cwd, ['checkout', rec]);
  await must(cwd, ['tag', 'start']);
  const d = await must(cwd, ['status']);
  const lines = d.stdout.split('\n');
  t.equal(lines[0], `HEAD detached at ${rec.slice(0, 7)}`);
  t.match(lines[1], new RegExp(`^Record 3/40  ${rec.slice(0, 7)}  2026-01-28 21:46:01 \\+00:00  \\[0:24\\]$`));
  t.equal(lines[2], '  user: "can you update go in all the right places to 1.25.6"');
  t.equal(lines[3], `In session ${REAL}`);
  t.equal(lines[4], 'Tags: start');
  const j = JSON.parse((await must(cwd, ['status', '--json'])).stdout);
  t.same(
    { head: j.head, session: j.session, id: j.id, position: j.position, total: j.total, label: j.label, tags: j.tags, elapsed_ms: j.elapsed_ms },
    { head: 'detached', session: REAL, id: rec, position: 3, total: 40, label: 'user', tags: ['start'], elapsed_ms: 24_000 + (j.elapsed_ms % 1000) },
  );
  t.equal(j.time, '2026-01-28T21:46:01.244Z');
});
