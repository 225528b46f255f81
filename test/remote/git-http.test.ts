// The git-http transport against a real git server (git http-backend behind
// a local HTTP server): push, `git fsck --strict` and `git log` on the bare
// repository, fetch into a fresh archive, incremental push, and a tampered
// server refused.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { canonicalRecordBytes } from '../../src/record/index.js';
import { gitCredentialsFromEnv } from '../../src/remote/git-credential.js';
import { GitHttpTransport } from '../../src/remote/git-http-transport.js';
import { copyArchive, corpusDir, tapes, tempDir } from '../helpers/cli.js';
import { startGitHttpServer } from '../helpers/git-http-server.js';

const SESSION = 'bc3bf53b-19fe-4209-b30a-a1acffaf6703';
const realFile = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', `${SESSION}.jsonl`);

/** Archives made so far, by the files imported: each is imported once per file, and every archiveWith gets a copy. */
const imported = new Map<string, Promise<string>>();

async function archiveWith(files: string[]): Promise<{ cwd: string; archive: Archive }> {
  const key = JSON.stringify(files);
  let made = imported.get(key);
  if (!made) {
    made = (async () => {
      const dir = tempDir('tapes-git-http-');
      for (const args of [['init', '-q'], ...(files.length ? [['import', ...files]] : [])]) {
        const r = await tapes(args, { cwd: dir });
        if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
      }
      return dir;
    })();
    imported.set(key, made);
  }
  const cwd = tempDir('tapes-git-http-');
  t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
  copyArchive(await made, cwd);
  return { cwd, archive: await Archive.openAt(join(cwd, '.tapes')) };
}

const transportFor = (archive: Archive, url: string, env: Record<string, string> = {}): GitHttpTransport =>
  new GitHttpTransport({ url, gitDir: join(archive.dir, 'index', 'git'), credentials: gitCredentialsFromEnv(env) });

const server = await startGitHttpServer();
t.teardown(() => server.close());

t.test('push, git fsck, git log, fetch into a fresh archive, incremental push', async (t) => {
  const { url, dir } = server.repo('push');
  const a = await archiveWith([realFile]);
  const store = await a.archive.objects();
  const refs = await a.archive.refs.list('refs/sessions/');
  t.equal(refs.length, 1);
  const ref = refs[0]!;
  const ta = transportFor(a.archive, url);
  t.same(await ta.listRefs(), [], 'an empty server has no tapes refs');
  const out = await ta.push(store, [ref.id], [], [{ name: ref.name, old: null, new: ref.id, force: false }]);
  t.same(out, [{ name: ref.name, ok: true }]);
  await ta.close();

  execFileSync('git', ['-C', dir, 'fsck', '--strict', '--no-progress'], { stdio: 'pipe' });
  t.pass('git fsck --strict is clean');
  const serverRef = `refs/tapes/sessions/${ref.name.slice('refs/sessions/'.length)}`;
  const log = execFileSync('git', ['-C', dir, 'log', '--format=%s%x09%(trailers:key=Tapes-Id,valueonly)', serverRef], { encoding: 'utf8' });
  const lines = log.trim().split('\n\n').map((l) => l.trim()).filter(Boolean);
  let n = 0;
  for await (const _ of (await import('../../src/record/index.js')).walkChain(store, ref.id)) n++;
  t.equal(lines.length, n, 'one commit per record');
  t.ok(lines.some((l) => /^user: \S/.test(l)), 'commits are titled with the record summary');
  t.ok(lines.every((l) => /^[a-z_]+(: .+)?\t[0-9a-f]{64}$/.test(l)), 'every commit has a summary and its Tapes-Id');
  t.ok(lines[0]!.endsWith(ref.id), 'the tip commit names the tip record');

  // Fetch into a fresh archive: the same ids, and export gives the original bytes.
  const b = await archiveWith([]);
  const tb = transportFor(b.archive, url);
  const remote = await tb.listRefs();
  t.same(remote, [{ name: ref.name, id: ref.id }]);
  const storeB = await b.archive.objects();
  const got = await tb.fetch(storeB, [ref.id]);
  t.ok(got.objects > n, `fetched ${got.objects} objects`);
  const idsA = new Set<string>();
  for await (const id of store.ids()) idsA.add(id);
  const idsB = new Set<string>();
  for await (const id of storeB.ids()) idsB.add(id);
  t.same([...idsB].sort(), [...idsA].sort(), 'the fresh archive holds exactly the same objects');
  await b.archive.refs.update(ref.name, ref.id);
  const exported = await tapes(['export', ref.name], { cwd: b.cwd });
  t.equal(exported.code, 0, exported.stderr);
  t.ok(exported.stdoutBytes.equals(readFileSync(realFile)), 'tapes export gives the original bytes');
  t.same(await tb.fetch(storeB, [ref.id]), { objects: 0, bytes: 0 }, 'fetching again brings nothing');
  await tb.close();

  // Incremental push: one new record, one new commit on the server.
  const next = await store.write('record', canonicalRecordBytes({ parent: ref.id, kind: 'user', role: 'user', time: null, content: [{ type: 'text', text: 'one more' }], meta: {} }));
  const before = Number(execFileSync('git', ['-C', dir, 'count-objects', '-v'], { encoding: 'utf8' }).match(/in-pack: (\d+)/)?.[1] ?? 0);
  const ta2 = transportFor(a.archive, url);
  t.same(await ta2.listRefs(), [{ name: ref.name, id: ref.id }]);
  t.same(await ta2.push(store, [next], [ref.id], [{ name: ref.name, old: ref.id, new: next, force: false }]), [{ name: ref.name, ok: true }]);
  const counts = execFileSync('git', ['-C', dir, 'count-objects', '-v'], { encoding: 'utf8' });
  const after = Number(counts.match(/in-pack: (\d+)/)?.[1] ?? 0) + Number(counts.match(/^count: (\d+)/m)?.[1] ?? 0);
  t.ok(after - before <= 4, `the incremental push sent ${after - before} objects (commit, tree, record blob)`);
  t.equal(execFileSync('git', ['-C', dir, 'rev-list', '--count', serverRef], { encoding: 'utf8' }).trim(), String(n + 1));

  // Stale old value: refused, nothing moved.
  const other = await store.write('record', canonicalRecordBytes({ parent: ref.id, kind: 'user', role: 'user', time: null, content: [{ type: 'text', text: 'diverged' }], meta: {} }));
  const [stale] = await ta2.push(store, [other], [], [{ name: ref.name, old: ref.id, new: other, force: false }]);
  t.equal(stale!.ok, false, 'a push from a stale view is refused');
  const [nonFf] = await ta2.push(store, [other], [], [{ name: ref.name, old: next, new: other, force: false }]);
  t.equal(nonFf!.ok, false, 'a non-fast-forward is refused');
  t.match(nonFf!.reason, /fast-forward/);
  const [forced] = await ta2.push(store, [other], [], [{ name: ref.name, old: next, new: other, force: true }]);
  t.equal(forced!.ok, true, 'unless forced');
  // A tag on a blob travels as a blob commit; a delete removes the server ref.
  const blob = await store.write('blob', Buffer.from('a checkpoint note\n'));
  t.same(await ta2.push(store, [blob], [], [{ name: 'refs/tags/note', old: null, new: blob, force: false }]), [{ name: 'refs/tags/note', ok: true }]);
  t.same(await ta2.push(store, [], [], [{ name: 'refs/tags/note', old: blob, new: null, force: false }]), [{ name: 'refs/tags/note', ok: true }]);
  await ta2.close();
  execFileSync('git', ['-C', dir, 'fsck', '--strict', '--no-progress'], { stdio: 'pipe' });
  const tc = transportFor((await archiveWith([])).archive, url);
  t.same(await tc.listRefs(), [{ name: ref.name, id: other }], 'the tag is gone, the forced session is there');
});

t.test('a tag on a blob is fetched back and verified', async (t) => {
  const { url } = server.repo('blob-tag');
  const a = await archiveWith([]);
  const store = await a.archive.objects();
  const blob = await store.write('blob', Buffer.from('a checkpoint note\n'));
  const ta = transportFor(a.archive, url);
  await ta.push(store, [blob], [], [{ name: 'refs/tags/note', old: null, new: blob, force: false }]);
  const b = await archiveWith([]);
  const tb = transportFor(b.archive, url);
  t.same(await tb.listRefs(), [{ name: 'refs/tags/note', id: blob }]);
  const storeB = await b.archive.objects();
  t.equal((await tb.fetch(storeB, [blob])).objects, 1);
  t.equal(Buffer.from((await storeB.read(blob)).body).toString(), 'a checkpoint note\n');
});

t.test('a tampered server is refused and the local archive is left as it was', async (t) => {
  const { url, dir } = server.repo('tampered');
  const a = await archiveWith([realFile]);
  const store = await a.archive.objects();
  const [ref] = await a.archive.refs.list('refs/sessions/');
  const ta = transportFor(a.archive, url);
  await ta.push(store, [ref!.id], [], [{ name: ref!.name, old: null, new: ref!.id, force: false }]);
  await ta.close();
  // Rewrite the tip commit on the server so its record no longer matches its id.
  const serverRef = `refs/tapes/sessions/${ref!.name.slice('refs/sessions/'.length)}`;
  const tip = execFileSync('git', ['-C', dir, 'rev-parse', serverRef], { encoding: 'utf8' }).trim();
  const commit = execFileSync('git', ['-C', dir, 'cat-file', 'commit', tip], { encoding: 'utf8' });
  const tree = execFileSync('git', ['-C', dir, 'ls-tree', tip], { encoding: 'utf8' });
  const recordBlob = /blob ([0-9a-f]{40})\trecord/.exec(tree)![1]!;
  const body = execFileSync('git', ['-C', dir, 'cat-file', 'blob', recordBlob], { encoding: 'utf8' });
  const forgedBlob = execFileSync('git', ['-C', dir, 'hash-object', '-w', '--stdin'], { input: body.replace('"kind":"', '"kind":"x'), encoding: 'utf8' }).trim();
  const forgedTree = execFileSync('git', ['-C', dir, 'mktree'], { input: tree.replace(recordBlob, forgedBlob), encoding: 'utf8' }).trim();
  const forged = execFileSync('git', ['-C', dir, 'hash-object', '-t', 'commit', '-w', '--stdin'], { input: commit.replace(/^tree .*/m, `tree ${forgedTree}`), encoding: 'utf8' }).trim();
  execFileSync('git', ['-C', dir, 'update-ref', serverRef, forged]);

  const b = await archiveWith([]);
  const storeB = await b.archive.objects();
  const tb = transportFor(b.archive, url);
  const remote = await tb.listRefs();
  t.same(remote.map((r) => r.id), [ref!.id], 'the server claims the real id');
  await t.rejects(tb.fetch(storeB, [ref!.id]), { code: 'HashMismatchError' });
  const left: string[] = [];
  for await (const id of storeB.ids()) left.push(id);
  t.same(left, [], 'nothing was stored');
});

t.test('credentials come from the environment and go in the Authorization header', async (t) => {
  const locked = await startGitHttpServer({ auth: { username: 'alice', password: 's3cret' } });
  t.teardown(() => locked.close());
  const { url } = locked.repo('locked');
  const a = await archiveWith([realFile]);
  const store = await a.archive.objects();
  const [ref] = await a.archive.refs.list('refs/sessions/');
  await t.rejects(transportFor(a.archive, url).listRefs());
  const ok = transportFor(a.archive, url, { TAPES_GIT_USERNAME: 'alice', TAPES_GIT_PASSWORD: 's3cret' });
  t.same(await ok.push(store, [ref!.id], [], [{ name: ref!.name, old: null, new: ref!.id, force: false }]), [{ name: ref!.name, ok: true }]);
  const b = await archiveWith([]);
  const tb = transportFor(b.archive, url, { TAPES_GIT_USERNAME: 'alice', TAPES_GIT_PASSWORD: 's3cret' });
  await tb.listRefs();
  t.ok((await tb.fetch(await b.archive.objects(), [ref!.id])).objects > 0);
  const config = readFileSync(join(a.archive.dir, 'index', 'git', 'config'), 'utf8');
  t.notMatch(config, /s3cret/, 'the password is written nowhere');
});

t.test("credentials from git's credential helper: used when the server asks, never stored", async (t) => {
  const PASS = 'helper-pass-7f3e9c1d';
  const locked = await startGitHttpServer({ auth: { username: 'carol', password: PASS } });
  t.teardown(() => locked.close());
  const { url } = locked.repo('helper');
  const a = await archiveWith([realFile]);
  const home = tempDir('tapes-home-');
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const helper = (pass: string) =>
    `[credential]\n\thelper = "!f() { test \\"$1\\" = get || exit 0; cat >/dev/null; echo username=carol; echo password=${pass}; }; f"\n`;
  const env = (h: string) => ({ PATH: process.env.PATH, HOME: h, GIT_CONFIG_NOSYSTEM: '1', XDG_CONFIG_HOME: join(h, '.config') });
  writeFileSync(join(home, '.gitconfig'), helper(PASS));
  const r1 = await tapes(['remote', 'add', 'origin', url], { cwd: a.cwd });
  t.equal(r1.code, 0);
  const pushed = await tapes(['push', 'origin'], { cwd: a.cwd, env: env(home) });
  t.equal(pushed.code, 0, pushed.stderr);
  const b = await archiveWith([]);
  const cloned = await tapes(['clone', url, 'c'], { cwd: b.cwd, env: env(home) });
  t.equal(cloned.code, 0, cloned.stderr);
  // The password is nowhere in either archive (config, git directory, maps, objects are zstd
  // but hold only transcript content).
  for (const dir of [join(a.cwd, '.tapes'), join(b.cwd, 'c', '.tapes')]) {
    const grep = spawnSync('grep', ['-rl', PASS, dir], { encoding: 'utf8' });
    t.equal(grep.status, 1, `no file under ${dir} holds the password ${grep.stdout}`);
  }

  // A helper with a wrong password: a clear refusal, nothing moved.
  const wrongHome = tempDir('tapes-home-');
  t.teardown(() => rmSync(wrongHome, { recursive: true, force: true }));
  writeFileSync(join(wrongHome, '.gitconfig'), helper('wrong'));
  const c = await archiveWith([]);
  await tapes(['remote', 'add', 'origin', url], { cwd: c.cwd });
  const refused = await tapes(['fetch', 'origin'], { cwd: c.cwd, env: env(wrongHome) });
  t.equal(refused.code, 1);
  t.match(refused.stderr, /refused the credentials \(HTTP 401\).*credential helper/);
  t.notMatch(refused.stderr, /\n\s+at /, 'no stack trace');
  // No helper and no environment: told what to set.
  const none = await tapes(['fetch', 'origin'], { cwd: c.cwd, env: env(tempDir('tapes-home-')) });
  t.equal(none.code, 1);
  t.match(none.stderr, /asks for credentials \(HTTP 401\); set TAPES_GIT_TOKEN/);
});
