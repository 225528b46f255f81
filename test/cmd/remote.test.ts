// tapes remote: config round trips through .tapes/config, bad names and URLs,
// credentials refused.
import t from 'tap';
import { promises as fs, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tapes, tempDir } from '../helpers/cli.js';

/** A command's --json when it lists many things: one object a line (docs/json.md). */
function ndjson(text: string): unknown[] {
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function archiveDir(): Promise<string> {
  const cwd = tempDir();
  const r = await tapes(['init', '-q'], { cwd });
  if (r.code !== 0) throw new Error(r.stderr);
  return cwd;
}

const config = (cwd: string) => fs.readFile(join(cwd, '.tapes/config'), 'utf8');

t.test('add, list, get-url, set-url, rename, remove round trip through config', async (t) => {
  const cwd = await archiveDir();
  t.equal((await tapes(['remote'], { cwd })).stdout, '', 'no remotes at first');
  t.equal((await tapes(['remote', 'add', 'origin', '../team'], { cwd })).code, 0);
  t.equal((await tapes(['remote', 'add', 'nas', 'file:///mnt/nas/tapes'], { cwd })).code, 0);
  t.equal((await tapes(['remote', 'add', 'gh', 'https://example.com/team/tapes.git'], { cwd })).code, 0);
  t.equal(
    await config(cwd),
    '[core]\n\tformatVersion = 1\n' +
      `[remote "origin"]\n\turl = ${join(cwd, '../team')}\n\tfetch = +refs/sessions/*:refs/remotes/origin/sessions/*\n` +
      '[remote "nas"]\n\turl = file:///mnt/nas/tapes\n\tfetch = +refs/sessions/*:refs/remotes/nas/sessions/*\n' +
      '[remote "gh"]\n\turl = https://example.com/team/tapes.git\n\tfetch = +refs/sessions/*:refs/remotes/gh/sessions/*\n',
    'git-config sections, a relative path made absolute',
  );
  t.equal((await tapes(['remote'], { cwd })).stdout, 'origin\nnas\ngh\n');
  t.equal(
    (await tapes(['remote', '-v'], { cwd })).stdout.split('\n')[2],
    'nas\tfile:///mnt/nas/tapes (fetch)',
  );
  t.same(ndjson((await tapes(['remote', '--json'], { cwd })).stdout)[2], { name: 'gh', url: 'https://example.com/team/tapes.git' });
  t.equal((await tapes(['remote', 'get-url', 'nas'], { cwd })).stdout, 'file:///mnt/nas/tapes\n');
  t.equal((await tapes(['remote', 'set-url', 'nas', 'file:///srv/tapes'], { cwd })).code, 0);
  t.equal((await tapes(['remote', 'get-url', 'nas'], { cwd })).stdout, 'file:///srv/tapes\n');

  // rename and remove move and delete the remote-tracking refs.
  const id = 'a'.repeat(64);
  await fs.mkdir(join(cwd, '.tapes/refs/remotes/nas/sessions'), { recursive: true });
  await fs.writeFile(join(cwd, '.tapes/refs/remotes/nas/sessions/s1'), id + '\n');
  t.equal((await tapes(['remote', 'rename', 'nas', 'backup'], { cwd })).code, 0);
  t.equal(await fs.readFile(join(cwd, '.tapes/refs/remotes/backup/sessions/s1'), 'utf8'), id + '\n');
  t.notOk(existsSync(join(cwd, '.tapes/refs/remotes/nas/sessions/s1')));
  t.match(await config(cwd), '[remote "backup"]\n\turl = file:///srv/tapes\n\tfetch = +refs/sessions/*:refs/remotes/backup/sessions/*\n');
  t.equal((await tapes(['remote', 'remove', 'backup'], { cwd })).code, 0);
  t.notOk(existsSync(join(cwd, '.tapes/refs/remotes/backup/sessions/s1')));
  t.equal((await tapes(['remote'], { cwd })).stdout, 'origin\ngh\n');
  t.notOk(existsSync(join(cwd, '.tapes/config.lock')), 'no lock left behind');
});

t.test('comments and unknown sections survive edits', async (t) => {
  const cwd = await archiveDir();
  await fs.appendFile(join(cwd, '.tapes/config'), '# kept\n[user]\n\tname = someone ; a comment\n');
  await tapes(['remote', 'add', 'origin', '/srv/a'], { cwd });
  await tapes(['remote', 'remove', 'origin'], { cwd });
  t.equal(await config(cwd), '[core]\n\tformatVersion = 1\n# kept\n[user]\n\tname = someone ; a comment\n');
});

t.test('bad names, bad URLs and credentials are refused, config untouched', async (t) => {
  const cwd = await archiveDir();
  await tapes(['remote', 'add', 'origin', '/srv/a'], { cwd });
  const before = await config(cwd);
  const cases: Array<[string[], number, RegExp]> = [
    [['remote', 'add', 'origin', '/srv/b'], 1, /remote origin already exists/],
    [['remote', 'add', '../x', '/srv/b'], 1, /invalid remote name/],
    [['remote', 'add', 'a/b', '/srv/b'], 1, /invalid remote name/],
    [['remote', 'add', 'x.lock', '/srv/b'], 1, /invalid remote name/],
    [['remote', 'add', 'x', 'https://user:secret@example.com/r.git'], 1, /refusing a remote URL with credentials in it: https:\/\/\*\*\*@example\.com/],
    [['remote', 'add', 'x', 'https://token@example.com/r.git'], 1, /credentials/],
    [['remote', 'set-url', 'origin', 'http://u:p@example.com/'], 1, /credentials/],
    [['remote', 'add', 'x', 'ftp://example.com/r'], 1, /unsupported remote URL/],
    [['remote', 'add', 'x', 'git@github.com:team/r.git'], 1, /unsupported remote URL/],
    [['remote', 'add', 'x', 'file://otherhost/r'], 1, /only local paths/],
    [['remote', 'add', 'x', 'https://exa mple.com/'], 1, /invalid remote URL/],
    [['remote', 'add', 'x', ''], 1, /invalid remote URL/],
    [['remote', 'get-url', 'nope'], 2, /no such remote: nope/],
    [['remote', 'remove', 'nope'], 2, /no such remote/],
    [['remote', 'rename', 'nope', 'x'], 2, /no such remote/],
    [['remote', 'add', 'x'], 129, /usage/],
  ];
  for (const [args, code, pattern] of cases) {
    const r = await tapes(args, { cwd });
    t.equal(r.code, code, `${args.join(' ')}: exit ${code}`);
    t.match(r.stderr, pattern, args.join(' '));
    t.notMatch(r.stderr, /secret/, 'the password is never shown');
  }
  t.equal(await config(cwd), before, 'config unchanged');
});

t.test('push, fetch and clone with a bad remote', async (t) => {
  const cwd = await archiveDir();
  const nowhere = join(tempDir(), 'nothing-here');
  await tapes(['remote', 'add', 'gone', nowhere], { cwd });
  await tapes(['remote', 'add', 'web', 'https://example.com/r.git'], { cwd });
  for (const args of [['push', 'gone'], ['fetch', 'gone'], ['pull', 'gone']]) {
    const r = await tapes(args, { cwd });
    t.equal(r.code, 1, args.join(' '));
    t.match(r.stderr, /is not a tapes archive/);
  }
  t.equal((await tapes(['fetch', 'nope'], { cwd })).code, 2, 'an unknown remote name');
  const refused = await tapes(['push', 'http://127.0.0.1:9/x.git'], { cwd });
  t.equal(refused.code, 1, 'a server that is not there');
  t.match(refused.stderr, /^tapes: error: remote http:\/\/127\.0\.0\.1:9\/x\.git: /);
  t.equal((await tapes(['push', 'https://u:p@example.com/r.git'], { cwd })).code, 1, 'credentials in a URL given directly');
  const parent = tempDir();
  const c = await tapes(['clone', nowhere, 'x'], { cwd: parent });
  t.equal(c.code, 1);
  t.notOk(existsSync(join(parent, 'x')), 'a failed clone leaves nothing behind');
  await fs.mkdir(join(parent, 'full'));
  await fs.writeFile(join(parent, 'full/file'), '');
  const full = await tapes(['clone', join(cwd, '.tapes'), 'full'], { cwd: parent });
  t.equal(full.code, 1);
  t.match(full.stderr, /already exists and is not empty/);
  t.ok(existsSync(join(parent, 'full/file')), 'an existing directory is left alone');
});
