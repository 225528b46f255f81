// tapes tag: creating (at HEAD or a revision, with a message), listing with
// patterns and messages, moving with -f, deleting, refusals, and tags
// travelling to another archive with push and coming back with fetch/clone
// over the file transport.
import t from 'tap';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyArchive, corpusDir, tapes, tempDir } from '../helpers/cli.js';

/** A command's --json when it lists many things: one object a line (docs/json.md). */
function ndjson(text: string): unknown[] {
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const REAL = 'bc3bf53b-19fe-4209-b30a-a1acffaf6703';
const realFile = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', `${REAL}.jsonl`);
const env = { TZ: 'UTC' };

function scratch(t: { teardown(fn: () => void): void }): string {
  const dir = tempDir('tapes-tag-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const run = (cwd: string, args: string[]) => tapes(args, { cwd, env });
async function must(cwd: string, args: string[]) {
  const r = await run(cwd, args);
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}
const revParse = async (cwd: string, rev: string) => (await must(cwd, ['rev-parse', rev])).stdout.trim();

let imported: Promise<string> | undefined;

/** An archive holding the transcript: imported once per file, and each test gets its own copy. */
async function setup(t: { teardown(fn: () => void): void }): Promise<string> {
  imported ??= (async () => {
    const dir = tempDir('tapes-tag-');
    await must(dir, ['init', '-q']);
    await must(dir, ['import', realFile]);
    return dir;
  })();
  const cwd = scratch(t);
  copyArchive(await imported, cwd);
  return cwd;
}

t.test('tag at HEAD and at a revision, list, -n messages, patterns, JSON', async (t) => {
  const cwd = await setup(t);
  const noHead = await run(cwd, ['tag', 'first']);
  t.equal(noHead.code, 2, 'no HEAD yet: nothing to tag');
  await must(cwd, ['checkout', `${REAL}~20`]);
  const r = await run(cwd, ['tag', 'checkpoint-1']);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '');
  t.equal(await revParse(cwd, 'checkpoint-1'), await revParse(cwd, `${REAL}~20`), 'the tag names HEAD');
  await must(cwd, ['tag', 'release/ok', REAL, '-m', 'the run that passed\nsecond line']);
  await must(cwd, ['tag', 'checkpoint-2', `${REAL}~3`]);

  t.equal((await must(cwd, ['tag'])).stdout, 'checkpoint-1\ncheckpoint-2\nrelease/ok\n', 'tag alone lists, sorted');
  t.equal((await must(cwd, ['tag', '-l', 'checkpoint-*'])).stdout, 'checkpoint-1\ncheckpoint-2\n');
  t.equal((await must(cwd, ['tag', '-l', 'check?oint-2', 'rel*'])).stdout, 'checkpoint-2\nrelease/ok\n');
  t.equal((await must(cwd, ['tag', '-n'])).stdout, 'checkpoint-1\ncheckpoint-2\nrelease/ok    the run that passed second line\n', 'messages are one line');
  const none = await run(cwd, ['tag', '-l', 'zzz*']);
  t.equal(none.code, 2, 'a pattern that matches nothing exits 2');
  t.equal(none.stdout, '');

  const j = ndjson((await must(cwd, ['tag', '-l', '--json', 'release/*'])).stdout);
  t.same(j, [{ name: 'release/ok', ref: 'refs/tags/release/ok', id: await revParse(cwd, REAL), type: 'record', message: 'the run that passed second line', time: '2026-01-02T03:04:05.000Z' }]);

  // Other commands take a tag as any revision.
  t.equal((await run(cwd, ['diff', 'release/ok', REAL])).code, 0);
  const log = await must(cwd, ['rev-list', 'checkpoint-2']);
  t.equal(log.stdout.split('\n').filter(Boolean).length, 37);
});

t.test('an existing tag is kept unless -f; -d deletes; bad names are refused', async (t) => {
  const cwd = await setup(t);
  const tip = await revParse(cwd, REAL);
  const old = await revParse(cwd, `${REAL}~1`);
  await must(cwd, ['tag', 'v1', old]);
  const dup = await run(cwd, ['tag', 'v1', REAL]);
  t.equal(dup.code, 1);
  t.match(dup.stderr, /^tapes: error: tag 'v1' already exists/);
  t.match(dup.stderr, /hint: Use -f/);
  t.equal(await revParse(cwd, 'v1'), old, 'not moved');
  const f = await run(cwd, ['tag', '-f', 'v1', REAL, '-m', 'moved']);
  t.equal(f.code, 0);
  t.match(f.stderr, `Updated tag v1 (was ${old.slice(0, 12)})`);
  t.equal(await revParse(cwd, 'v1'), tip);
  t.equal((await must(cwd, ['tag', '-n'])).stdout, 'v1  moved\n', 'the message of the last move');

  const d = await run(cwd, ['tag', '-d', 'v1']);
  t.equal(d.code, 0);
  t.equal(d.stdout, `Deleted tag v1 (was ${tip.slice(0, 12)})\n`);
  t.notOk(existsSync(join(cwd, '.tapes', 'refs', 'tags', 'v1')));
  t.notOk(existsSync(join(cwd, '.tapes', 'logs', 'refs', 'tags', 'v1')), 'its reflog goes with it');
  const gone = await run(cwd, ['tag', '-d', 'v1']);
  t.equal(gone.code, 2);
  t.match(gone.stderr, "tapes: error: tag 'v1' not found");

  for (const bad of ['a..b', 'x.lock', 'has space', 'a:b']) {
    const r = await run(cwd, ['tag', bad, REAL]);
    t.equal(r.code, 1, `${bad} refused`);
    t.match(r.stderr, /^tapes: error: /);
  }
  const usage = await run(cwd, ['tag', '-d']);
  t.equal(usage.code, 129);
  const nope = await run(cwd, ['tag', 'x', 'no-such-rev']);
  t.equal(nope.code, 2);
});

t.test('tags travel with push and come back with fetch and clone (file remote)', async (t) => {
  const a = await setup(t);
  const b = scratch(t);
  await must(b, ['init', '-q']);
  await must(a, ['tag', 'good', `${REAL}~4`, '-m', 'last green run']);
  await must(a, ['remote', 'add', 'origin', join(b, '.tapes')]);
  const p = JSON.parse((await must(a, ['push', '--json'])).stdout);
  t.same(p.refs.find((r: { ref: string }) => r.ref === 'refs/tags/good')?.status, 'new', 'push sends the tag');
  t.equal(await revParse(b, 'refs/tags/good'), await revParse(a, 'good'), 'the remote holds it');

  const c = scratch(t);
  await must(c, ['clone', join(b, '.tapes'), 'copy']);
  const copy = join(c, 'copy');
  t.equal(await revParse(copy, 'good'), await revParse(a, 'good'), 'clone brings it');
  t.equal((await must(copy, ['tag'])).stdout, 'good\n');
  t.equal((await must(copy, ['diff', 'good', `${REAL}~4`])).code, 0, 'and it names the same history');

  // A new tag on the remote's side arrives with fetch.
  await must(b, ['tag', 'later', REAL]);
  await must(copy, ['fetch', 'origin']);
  t.equal(await revParse(copy, 'later'), await revParse(b, 'later'), 'fetch brings new tags');
  // The message lives in the reflog of the archive that set it (docs/checkout.md).
  t.equal((await must(copy, ['tag', '-n', 'good'])).stdout, 'good\n');
});
