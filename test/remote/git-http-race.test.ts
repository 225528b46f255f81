// Two machines pushing the same session to one git server at once: one wins,
// the other is told to fetch first, and the server's history holds the
// winner's records (receive-pack checks each update's old value under its
// ref lock; nothing is overwritten).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { spawnTapes, tempDir } from '../helpers/cli.js';
import { startGitHttpServer } from '../helpers/git-http-server.js';
import { SMALL, SMALL_SESSION, archive, corpusLines, must, refOf, run, transcript } from './helpers.js';

t.test('two pushers racing over HTTP: one wins, the other is told to fetch first', async (t) => {
  const server = await startGitHttpServer();
  t.teardown(() => server.close());
  const { url, dir } = server.repo('race');
  // SMALL's first 20 lines of 78: the race is over one record; every record more was pushed and cloned twice.
  const lines = corpusLines(SMALL).slice(0, 20);
  const seed = await archive();
  const base = tempDir();
  await transcript(base, SMALL, lines.length - 2);
  await must(['import', base], seed);
  await must(['remote', 'add', 'origin', url], seed);
  await must(['push', 'origin'], seed);
  const parent = tempDir();
  await must(['clone', url, 'x'], parent);
  await must(['clone', url, 'y'], parent);
  const x = join(parent, 'x');
  const y = join(parent, 'y');
  const sx = tempDir();
  const sy = tempDir();
  await transcript(sx, SMALL, lines.length - 1);
  await transcript(sy, SMALL, lines.length - 2, [lines[0]!]);
  await must(['import', sx], x);
  await must(['import', sy], y);
  const [rx, ry] = await Promise.all([spawnTapes(['push'], { cwd: x }), spawnTapes(['push'], { cwd: y })]);
  t.same([rx.code, ry.code].sort(), [0, 1], `one wins (${rx.code}/${ry.code}): ${rx.stderr}${ry.stderr}`);
  const [winner, loser] = rx.code === 0 ? [x, ry] : [y, rx];
  t.match(loser.stdout + loser.stderr, /fetch first|tapes pull/);
  t.comment(loser.stderr.trim());
  const serverTip = execFileSync('git', ['--git-dir', dir, 'log', '-1', '--format=%B', `refs/tapes/${SMALL_SESSION.slice('refs/'.length)}`], { encoding: 'utf8' });
  t.match(serverTip, `Tapes-Id: ${await refOf(winner, SMALL_SESSION)}`, "the winner's record is the server's tip");
  execFileSync('git', ['--git-dir', dir, 'fsck', '--strict', '--no-dangling'], { stdio: 'pipe' });
  // The loser pulls: the session diverged, both ends are kept.
  const pulled = await run(['pull'], rx.code === 0 ? y : x);
  t.match(pulled.stdout + pulled.stderr, /diverged/);
});
