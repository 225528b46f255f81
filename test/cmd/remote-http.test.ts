// The porcelain over an http(s) git remote (git http-backend on 127.0.0.1):
// remote add, push, clone, an incremental push, pull; credentials from the
// environment, never from config.
import t from 'tap';
import { join } from 'node:path';
import { tapes, tempDir } from '../helpers/cli.js';
import { startGitHttpServer } from '../helpers/git-http-server.js';
import { SMALL, SMALL_SESSION, corpusLines, refOf, transcript } from '../remote/helpers.js';

const server = await startGitHttpServer();
t.teardown(() => server.close());

async function must(args: string[], cwd: string) {
  const r = await tapes(args, { cwd });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

t.test('push, clone, incremental push and pull over http', async (t) => {
  const { url } = server.repo('porcelain');
  const a = tempDir();
  await must(['init', '-q'], a);
  const src = tempDir();
  // SMALL's first 20 lines of 78: one record is what the incremental push and pull move; each record more was pushed, cloned and fsynced.
  const lines = corpusLines(SMALL).slice(0, 20);
  await transcript(src, SMALL, lines.length - 1);
  await must(['import', src], a);
  await must(['remote', 'add', 'origin', url], a);
  const pushed = JSON.parse((await must(['push', '--json'], a)).stdout);
  t.same(pushed.refs.map((r: { ref: string; status: string }) => [r.ref, r.status]), [[SMALL_SESSION, 'new']]);

  const parent = tempDir();
  await must(['clone', url, 'copy'], parent);
  const b = join(parent, 'copy');
  t.equal(await refOf(b, SMALL_SESSION), await refOf(a, SMALL_SESSION), 'the clone has the session');
  t.equal((await tapes(['fsck'], { cwd: b })).code, 0);

  await transcript(src, SMALL, lines.length);
  await must(['import', src], a);
  const inc = JSON.parse((await must(['push', '--json'], a)).stdout);
  t.same(inc.refs.map((r: { status: string }) => r.status), ['fast-forward']);
  const pulled = JSON.parse((await must(['pull', '--json'], b)).stdout);
  t.same(pulled.sessions.map((s: { status: string }) => s.status), ['fast-forward']);
  t.equal(await refOf(b, SMALL_SESSION), await refOf(a, SMALL_SESSION));
  const exported = await must(['export', SMALL.replace('.jsonl', '')], b);
  t.equal(exported.stdout, (await import('node:fs')).readFileSync(join(src, SMALL), 'utf8'), 'export gives the transcript back');
});
