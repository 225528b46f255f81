// The user's own archive: with HOME and XDG_DATA_HOME pointing at temporary
// folders and no .tapes/ anywhere above the working directory, `tapes import`
// creates $XDG_DATA_HOME/tapes (else ~/.local/share/tapes) and every command
// then uses it; --verbose and status say so; a local .tapes/ still wins;
// --archive and $TAPES_DIR never fall back to it.
import t, { type Test } from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const jsonlFile = join(corpusDir, 'gemini', 'tmp', 'demo', 'chats', 'session-2026-12-04T17-24-9207bfd2.jsonl');

async function world(t: Test) {
  const root = tempDir('tapes-user-');
  t.teardown(() => fs.rm(root, { recursive: true, force: true }));
  const home = join(root, 'home');
  const project = join(root, 'work', 'project');
  await fs.mkdir(join(home, '.gemini', 'tmp', 'demo', 'chats'), { recursive: true });
  await fs.mkdir(project, { recursive: true });
  await fs.copyFile(jsonlFile, join(home, '.gemini', 'tmp', 'demo', 'chats', 'session-2026-12-04T17-24-9207bfd2.jsonl'));
  return { root, home, project };
}

t.test('user archive: tapes import && tapes sessions, run anywhere, under $XDG_DATA_HOME', async (t) => {
  const { root, home, project } = await world(t);
  const env = { HOME: home, XDG_DATA_HOME: join(root, 'data') };
  const before = await tapes(['sessions'], { cwd: project, env });
  t.equal(before.code, 128, 'no archive anywhere: sessions fails');
  t.match(before.stderr, /"tapes init --user" to create your own/);
  const imp = await tapes(['import'], { cwd: project, env });
  t.equal(imp.code, 0, imp.stderr);
  t.match(imp.stderr, `Initialized the user archive in ${join(root, 'data', 'tapes')}/`, 'the first import says it made the archive');
  t.match(imp.stdout, /^imported 1 of 1 files: 1 new/);
  const list = await tapes(['sessions', '--json'], { cwd: project, env });
  t.equal(list.code, 0);
  t.equal(JSON.parse(list.stdout).name, '9207bfd2-0e43-4b40-9c26-c047dcb8181f', 'sessions lists what import stored');
  t.ok((await fs.stat(join(root, 'data', 'tapes', 'config'))).isFile(), 'the archive is $XDG_DATA_HOME/tapes');
  await t.rejects(fs.stat(join(project, '.tapes')), 'nothing written in the project');
  const verbose = await tapes(['--verbose', 'sessions'], { cwd: root, env });
  t.match(verbose.stderr, `tapes: using archive ${join(root, 'data', 'tapes')} (the user's archive`, '--verbose names it');
  const status = await tapes(['status'], { cwd: project, env });
  t.match(status.stdout, `Archive: ${join(root, 'data', 'tapes')} (the user's archive)`);
  const sj = JSON.parse((await tapes(['status', '--json'], { cwd: project, env })).stdout);
  t.same(sj.archive, { path: join(root, 'data', 'tapes'), source: 'user' });
  const again = await tapes(['import'], { cwd: project, env });
  t.notMatch(again.stderr, /Initialized/, 'made once');
});

t.test('user archive: ~/.local/share/tapes without XDG_DATA_HOME; a local .tapes/ still wins', async (t) => {
  const { home, project } = await world(t);
  const env = { HOME: home };
  t.equal((await tapes(['init', '--user', '-q'], { cwd: project, env })).code, 0);
  const user = join(home, '.local', 'share', 'tapes');
  t.ok((await fs.stat(join(user, 'objects'))).isDirectory(), 'init --user makes ~/.local/share/tapes');
  t.equal((await tapes(['import', 'gemini'], { cwd: project, env })).code, 0);
  t.equal((await tapes(['init', '-q'], { cwd: project, env })).code, 0, 'a project archive');
  const local = await tapes(['--verbose', 'sessions', '--json'], { cwd: join(project), env });
  t.equal(local.code, 0);
  t.equal(local.stdout, '', 'the project archive is used: it is empty');
  t.match(local.stderr, `tapes: using archive ${join(project, '.tapes')} (the nearest .tapes/ upward`);
  const status = await tapes(['status'], { cwd: project, env });
  t.notMatch(status.stdout, /Archive:/, 'status names the archive only when it fell back to the user one');
  const json = JSON.parse((await tapes(['init', '--user', '--json'], { cwd: project, env })).stdout);
  t.same(json, { path: user, created: false }, 'init --user again finds it');
  const both = await tapes(['init', '--user', 'elsewhere'], { cwd: project, env });
  t.equal(both.code, 129, '--user with a <dir> is a usage error');
});

t.test('user archive: --archive and $TAPES_DIR never fall back to it; a foreign folder there is not taken over', async (t) => {
  const { root, home, project } = await world(t);
  const env = { HOME: home, XDG_DATA_HOME: join(root, 'data') };
  const named = await tapes(['--archive', join(root, 'nowhere'), 'import'], { cwd: project, env });
  t.equal(named.code, 128, '--archive naming no archive fails');
  const fromEnv = await tapes(['import'], { cwd: project, env: { ...env, TAPES_DIR: join(root, 'nowhere') } });
  t.equal(fromEnv.code, 128, '$TAPES_DIR naming no archive fails');
  await t.rejects(fs.stat(join(root, 'data', 'tapes')), 'and no user archive was made');
  await fs.mkdir(join(root, 'data', 'tapes'), { recursive: true });
  await fs.writeFile(join(root, 'data', 'tapes', 'notes.txt'), 'mine');
  const foreign = await tapes(['import'], { cwd: project, env });
  t.equal(foreign.code, 128);
  t.match(foreign.stderr, `not a tapes archive: ${join(root, 'data', 'tapes')} (the user archive)`);
  t.same(await fs.readdir(join(root, 'data', 'tapes')), ['notes.txt'], 'the folder is left as it was');
});
