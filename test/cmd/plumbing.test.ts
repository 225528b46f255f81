// The plumbing commands end to end, in-process, with their documented output
// and exit codes.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tapes, tempDir } from '../helpers/cli.js';

/** A command's --json when it lists many things: one object a line (docs/json.md). */
function ndjson(text: string): unknown[] {
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const ZERO = '0'.repeat(64);

async function archiveDir(): Promise<string> {
  const cwd = tempDir();
  const r = await tapes(['init'], { cwd });
  if (r.code !== 0) throw new Error(r.stderr);
  return cwd;
}

t.test('init creates the layout; again is a safe no-op', async (t) => {
  const cwd = tempDir();
  const r = await tapes(['init'], { cwd });
  t.equal(r.code, 0);
  t.equal(r.stdout, `Initialized empty tapes archive in ${cwd}/.tapes/\n`);
  for (const d of ['objects', 'refs/sessions', 'refs/tags', 'logs']) t.ok((await fs.stat(join(cwd, '.tapes', d))).isDirectory(), d);
  t.equal(await fs.readFile(join(cwd, '.tapes/config'), 'utf8'), '[core]\n\tformatVersion = 1\n');
  const again = await tapes(['init', '--json'], { cwd });
  t.same(JSON.parse(again.stdout), { path: join(cwd, '.tapes'), created: false });
  const sub = await tapes(['init', 'sub', '-q'], { cwd });
  t.equal(sub.stdout, '');
  t.ok((await fs.stat(join(cwd, 'sub/.tapes/objects'))).isDirectory());
});

t.test('archive discovery: upward, -C, --archive, $TAPES_DIR; none gives 128 with a hint', async (t) => {
  const cwd = await archiveDir();
  await fs.mkdir(join(cwd, 'a/b'), { recursive: true });
  const up = await tapes(['rev-parse', '--tapes-dir'], { cwd: join(cwd, 'a/b') });
  t.equal(up.stdout, join(cwd, '.tapes') + '\n');
  const other = tempDir();
  t.equal((await tapes(['-C', cwd, 'rev-parse', '--tapes-dir'], { cwd: other })).stdout, join(cwd, '.tapes') + '\n');
  t.equal((await tapes(['--archive', join(cwd, '.tapes'), 'rev-parse', '--tapes-dir'], { cwd: other })).stdout, join(cwd, '.tapes') + '\n');
  t.equal((await tapes(['--archive', cwd, 'rev-parse', '--tapes-dir'], { cwd: other })).stdout, join(cwd, '.tapes') + '\n');
  t.equal((await tapes(['rev-parse', '--tapes-dir'], { cwd: other, env: { TAPES_DIR: join(cwd, '.tapes') } })).stdout, join(cwd, '.tapes') + '\n');
  const none = await tapes(['show-ref'], { cwd: other });
  t.equal(none.code, 128);
  t.match(none.stderr, /^tapes: fatal: not a tapes archive/);
  t.match(none.stderr, /hint: Run "tapes init"/);
  const badEnv = await tapes(['show-ref'], { cwd: other, env: { TAPES_DIR: join(other, 'nope') } });
  t.equal(badEnv.code, 128);
  t.match(badEnv.stderr, /TAPES_DIR/);
  await fs.writeFile(join(cwd, '.tapes/config'), '[core]\n\tformatVersion = 9\n');
  const future = await tapes(['show-ref'], { cwd });
  t.equal(future.code, 128);
  t.match(future.stderr, /format version 9 is not supported/);
});

t.test('hash-object and cat-object', async (t) => {
  const cwd = await archiveDir();
  await fs.writeFile(join(cwd, 'hello.txt'), 'hello\n');
  const h = await tapes(['hash-object', 'hello.txt'], { cwd });
  t.equal(h.code, 0);
  t.match(h.stdout, /^[0-9a-f]{64}\n$/);
  const id = h.stdout.trim();
  t.equal((await tapes(['cat-object', '-e', id], { cwd })).code, 2, 'not written without -w (not found: 2)');
  t.equal((await tapes(['hash-object', '-w', 'hello.txt'], { cwd })).stdout.trim(), id);
  t.equal((await tapes(['cat-object', '-e', id], { cwd })).code, 0);
  t.equal((await tapes(['cat-object', '-t', id], { cwd })).stdout, 'blob\n');
  t.equal((await tapes(['cat-object', '-s', id.slice(0, 8)], { cwd })).stdout, '6\n');
  t.equal((await tapes(['cat-object', id], { cwd })).stdout, 'hello\n');
  const viaStdin = await tapes(['hash-object', '--stdin', '-w'], { cwd, stdin: 'hello\n' });
  t.equal(viaStdin.stdout.trim(), id);
  const js = ndjson((await tapes(['hash-object', '--json', 'hello.txt'], { cwd })).stdout);
  t.same(js, [{ id, type: 'blob', size: 6, chunked: false, input: 'hello.txt' }]);

  // Records: canonicalised, parent and blobs must exist when written.
  const rec = `{ "parent": null, "z": 1, "a": {"$blob": "${id}"} }`;
  const r1 = await tapes(['hash-object', '-t', 'record', '-w', '--stdin'], { cwd, stdin: rec });
  t.equal(r1.code, 0, r1.stderr);
  const rid = r1.stdout.trim();
  t.equal((await tapes(['cat-object', rid], { cwd })).stdout, `{"a":{"$blob":"${id}"},"parent":null,"z":1}`);
  t.same(JSON.parse((await tapes(['cat-object', '-p', rid], { cwd })).stdout), { a: { $blob: id }, parent: null, z: 1 });
  t.match((await tapes(['cat-object', '-p', rid], { cwd })).stdout, /\n  "a": \{/);
  const info = JSON.parse((await tapes(['cat-object', '--json', rid], { cwd })).stdout);
  t.same(info, { id: rid, type: 'record', size: `{"a":{"$blob":"${id}"},"parent":null,"z":1}`.length, record: { a: { $blob: id }, parent: null, z: 1 } });
  const child = await tapes(['hash-object', '-t', 'record', '-w', '--stdin'], { cwd, stdin: `{"parent":"${rid}","n":2}` });
  t.equal(child.code, 0);

  // Bad input.
  const missingParent = await tapes(['hash-object', '-t', 'record', '-w', '--stdin'], { cwd, stdin: `{"parent":"${'e'.repeat(64)}"}` });
  t.equal(missingParent.code, 2);
  t.match(missingParent.stderr, /parent e{64} is not in the archive/);
  const notJson = await tapes(['hash-object', '-t', 'record', '--stdin'], { cwd, stdin: '{"parent": null,' });
  t.equal(notJson.code, 1);
  t.match(notJson.stderr, /<stdin> is not JSON/);
  const noParent = await tapes(['hash-object', '-t', 'record', '--stdin'], { cwd, stdin: '{"a":1}' });
  t.match(noParent.stderr, /no "parent" field/);
  const lone = await tapes(['hash-object', '-t', 'record', '--stdin'], { cwd, stdin: '{"parent":null,"s":"\\ud800"}' });
  t.equal(lone.code, 1);
  t.match(lone.stderr, /string at \/s holds a lone UTF-16 surrogate/);
  await fs.writeFile(join(cwd, 'latin1.json'), Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]));
  const notUtf8 = await tapes(['hash-object', '-t', 'record', 'latin1.json'], { cwd });
  t.equal(notUtf8.code, 1);
  t.match(notUtf8.stderr, /latin1\.json is not valid UTF-8/);
  const missing = await tapes(['hash-object', 'nope.txt'], { cwd });
  t.equal(missing.code, 2);
  t.match(missing.stderr, /cannot read nope\.txt: no such file/);
  const usage = await tapes(['hash-object'], { cwd });
  t.equal(usage.code, 129);
  t.match(usage.stderr, /Name a file or use --stdin/);
  const badType = await tapes(['hash-object', '-t', 'tree', 'hello.txt'], { cwd });
  t.equal(badType.code, 129);
  t.equal((await tapes(['cat-object', 'zzzz'], { cwd })).code, 2);
});

t.test('large content through the CLI round-trips byte for byte', async (t) => {
  const cwd = await archiveDir();
  const big = randomBytes(5 * 1024 * 1024 + 17);
  await fs.writeFile(join(cwd, 'big.bin'), big);
  const r = await tapes(['hash-object', '-w', '--json', 'big.bin'], { cwd });
  const [res] = ndjson(r.stdout) as Array<{ id: string; chunked: boolean }>;
  t.equal(res.chunked, true);
  t.equal((await tapes(['hash-object', 'big.bin'], { cwd })).stdout.trim(), res.id, 'same id without -w');
  const out = await tapes(['cat-object', res.id], { cwd });
  t.ok(out.stdoutBytes.equals(big), 'content identical');
  // -p means the same whatever the size (issue 16): the content, so `-p > file` gives the file back.
  const pretty = await tapes(['cat-object', '-p', res.id], { cwd });
  t.ok(pretty.stdoutBytes.equals(big), '-p prints the content of a chunked blob, as of any blob');
  const small = await tapes(['hash-object', '-w', '--stdin'], { cwd, stdin: 'small\n' });
  t.equal((await tapes(['cat-object', '-p', small.stdout.trim()], { cwd })).stdout, 'small\n', 'and of a small one');
  const list = await tapes(['cat-object', '--raw', res.id], { cwd });
  t.match(list.stdout, /^tapes-chunks 1\nsize 5242897\n(c [0-9a-f]{64} \d+\n)+$/, '--raw shows the chunk list as stored');
  t.equal((await tapes(['cat-object', '--raw', '-p', res.id], { cwd })).code, 129, '--raw and -p do not go together');
  const info = JSON.parse((await tapes(['cat-object', '--json', res.id], { cwd })).stdout);
  t.equal(info.chunks.size, big.length);
});

t.test('update-ref, show-ref, for-each-ref, rev-parse, rev-list', async (t) => {
  const cwd = await archiveDir();
  const ids: string[] = [];
  let parent: string | null = null;
  for (let i = 0; i < 4; i++) {
    const r = await tapes(['hash-object', '-t', 'record', '-w', '--stdin'], { cwd, stdin: JSON.stringify({ parent, i }) });
    parent = r.stdout.trim();
    ids.push(parent);
  }
  const blob = (await tapes(['hash-object', '-w', '--stdin'], { cwd, stdin: 'x' })).stdout.trim();
  t.equal((await tapes(['update-ref', 'refs/sessions/s1', ids[3]!, ''], { cwd })).code, 0);
  t.equal((await tapes(['update-ref', 'refs/sessions/s2', ids[1]!, ZERO], { cwd })).code, 0);
  t.equal((await tapes(['update-ref', 'refs/tags/blob', blob], { cwd })).code, 0, 'tags may name blobs');
  const toBlob = await tapes(['update-ref', 'refs/sessions/b', blob], { cwd });
  t.equal(toBlob.code, 1);
  t.match(toBlob.stderr, /refs\/sessions\/b must point at a record/);
  const cas = await tapes(['update-ref', 'refs/sessions/s1', ids[0]!, ids[1]!], { cwd });
  t.equal(cas.code, 1);
  t.match(cas.stderr, /expected [0-9a-f]{64}, but it is at/);
  const exists = await tapes(['update-ref', 'refs/sessions/s1', ids[0]!, ''], { cwd });
  t.match(exists.stderr, /already exists/);
  for (const bad of ['../x', 'refs/sessions/a..b', 'refs/sessions/a\x01b', 'refs/sessions/x.lock', 'sessions/x']) {
    const r = await tapes(['update-ref', bad, ids[0]!], { cwd });
    t.equal(r.code, 1, `refused ${JSON.stringify(bad)}`);
    t.match(r.stderr, /invalid ref name .*: /);
  }
  const moved = await tapes(['update-ref', '--json', '-m', 'rewind', 'refs/sessions/s1', 's1~1', 's1'], { cwd });
  t.same(JSON.parse(moved.stdout), { name: 'refs/sessions/s1', old: ids[3], new: ids[2] });

  t.equal((await tapes(['show-ref'], { cwd })).stdout, `${ids[2]} refs/sessions/s1\n${ids[1]} refs/sessions/s2\n${blob} refs/tags/blob\n`);
  t.equal((await tapes(['show-ref', 's1'], { cwd })).stdout, `${ids[2]} refs/sessions/s1\n`);
  t.equal((await tapes(['show-ref', '--tags', '-s'], { cwd })).stdout, `${blob}\n`);
  t.same(ndjson((await tapes(['show-ref', '--json', '--sessions'], { cwd })).stdout), [
    { ref: 'refs/sessions/s1', id: ids[2] },
    { ref: 'refs/sessions/s2', id: ids[1] },
  ]);
  t.equal((await tapes(['show-ref', 'nomatch'], { cwd })).code, 2);
  t.equal((await tapes(['show-ref', '--verify', 'refs/sessions/s2'], { cwd })).stdout, `${ids[1]} refs/sessions/s2\n`);

  t.equal((await tapes(['for-each-ref'], { cwd })).stdout, `${ids[2]} record\trefs/sessions/s1\n${ids[1]} record\trefs/sessions/s2\n${blob} blob\trefs/tags/blob\n`);
  t.equal((await tapes(['for-each-ref', '--format=%(refname:short) %(objectname:short)', 'refs/sessions'], { cwd })).stdout, `s1 ${ids[2]!.slice(0, 12)}\ns2 ${ids[1]!.slice(0, 12)}\n`);
  t.equal((await tapes(['for-each-ref', '--format=%(refname)', 'refs/*/s2'], { cwd })).stdout, 'refs/sessions/s2\n');
  t.equal((await tapes(['for-each-ref', '--format=%(nonsense)'], { cwd })).code, 129);
  t.equal((await tapes(['for-each-ref', '--format=%%09%(refname:short)%%', 'refs/sessions/s1'], { cwd })).stdout, '%09s1%\n');
  t.equal((await tapes(['for-each-ref', '--format=%(refname)', 'refs/sessions/[x'], { cwd })).code, 0, 'a [ in a pattern is literal');

  t.equal((await tapes(['rev-parse', 's1', 's1^', 's1@{1}'], { cwd })).stdout, `${ids[2]}\n${ids[1]}\n${ids[3]}\n`);
  t.equal((await tapes(['rev-parse', '--short', 's1'], { cwd })).stdout, `${ids[2]!.slice(0, 12)}\n`);
  t.equal((await tapes(['rev-parse', '--short=6', 's1'], { cwd })).stdout, `${ids[2]!.slice(0, 6)}\n`);
  t.equal((await tapes(['rev-parse', '--symbolic-full-name', 's2'], { cwd })).stdout, 'refs/sessions/s2\n');
  t.equal((await tapes(['rev-parse', '--symbolic-full-name', 's2~1'], { cwd })).stdout, '', 'not a ref once walked');
  t.equal((await tapes(['rev-parse', ''], { cwd })).code, 2, 'the empty string is no revision');
  t.equal((await tapes(['rev-parse', 'help'], { cwd })).code, 2, 'a last word "help" is a revision, not --help');
  t.same(ndjson((await tapes(['rev-parse', '--json', 's2~1'], { cwd })).stdout), [{ rev: 's2~1', id: ids[0], type: 'record', ref: null }]);
  const amb = await tapes(['rev-parse', 's'], { cwd });
  t.equal(amb.code, 2);
  t.match(amb.stderr, /revision 's' is ambiguous/);
  t.match(amb.stderr, /hint:   session refs\/sessions\/s1\nhint:   session refs\/sessions\/s2/);
  const unknown = await tapes(['rev-parse', 'nosuch'], { cwd });
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /unknown revision 'nosuch'/);
  const quiet = await tapes(['rev-parse', '--verify', '-q', 'nosuch'], { cwd });
  t.equal(quiet.code, 2);
  t.equal(quiet.stderr, '');

  t.equal((await tapes(['rev-list', 's1'], { cwd })).stdout, `${ids[2]}\n${ids[1]}\n${ids[0]}\n`);
  t.equal((await tapes(['rev-list', '--reverse', 's1'], { cwd })).stdout, `${ids[0]}\n${ids[1]}\n${ids[2]}\n`);
  t.equal((await tapes(['rev-list', '-n', '1', 's1'], { cwd })).stdout, `${ids[2]}\n`);
  t.equal((await tapes(['rev-list', '--count', 's1'], { cwd })).stdout, '3\n');
  t.equal((await tapes(['rev-list', '--parents', 's2'], { cwd })).stdout, `${ids[1]} ${ids[0]}\n${ids[0]}\n`);
  t.same(ndjson((await tapes(['rev-list', '--json', 's2'], { cwd })).stdout), [
    { id: ids[1], parent: ids[0] },
    { id: ids[0], parent: null },
  ]);
  t.equal((await tapes(['rev-list', 'refs/tags/blob'], { cwd })).code, 1, 'a blob is not a chain');

  const del = await tapes(['update-ref', '-d', 'refs/sessions/s2', ids[1]!], { cwd });
  t.equal(del.code, 0);
  t.equal((await tapes(['show-ref', 's2'], { cwd })).code, 2);
  const delMissing = await tapes(['update-ref', '-d', 'refs/sessions/s2'], { cwd });
  t.equal(delMissing.code, 2);
});

t.test('usage errors exit 129 and never print a stack', async (t) => {
  const cwd = await archiveDir();
  for (const args of [['frobnicate'], [], ['cat-object'], ['cat-object', '-t', '-s', 'x'], ['rev-list', '--max-count']]) {
    const r = await tapes(args, { cwd });
    t.equal(r.code, 129, args.join(' '));
    t.match(r.stderr, /^tapes: usage: /);
    t.notMatch(r.stderr, /\n\s+at /);
  }
});
