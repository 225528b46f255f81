// After a scrub: push refuses nothing (the secrets are gone), a plain push
// is rejected because the history was rewritten, `push --force` replaces the
// remote's sessions and says the remote keeps the old objects until its own
// gc; the remote-tracking refs that still held the old history are reported
// by the scrub, and once pushed, `scrub --all --prune` leaves no copy of any
// secret here. Before the scrub, push refuses to send the secrets.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { tapes, tempDir } from '../helpers/cli.js';
import { ACME_RULE, MAIN, PLANTED, grepArchive, writeProjects } from '../archive/scrub-helpers.js';

async function must(args: string[], cwd: string) {
  const r = await tapes(args, { cwd });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

const VALUES = Object.values(PLANTED).map((p) => p.value);

t.test('push refuses the secrets; after scrub, push --force replaces the remote and scrub --all --prune removes every old copy here', async (t) => {
  const a = tempDir('tapes-scrub-push-');
  const b = tempDir('tapes-scrub-remote-');
  await must(['init', '-q'], a);
  await must(['init', '-q'], b);
  await fs.appendFile(join(a, '.tapes', 'config'), ACME_RULE);
  await must(['import', await writeProjects(a)], a);
  await must(['remote', 'add', 'origin', b], a);

  const refused = await tapes(['push'], { cwd: a });
  t.equal(refused.code, 1, 'push refuses to send secrets');
  t.match(refused.stderr, /refusing to push/);
  await must(['push', '--allow-secrets'], a); // someone did it anyway
  t.ok((await grepArchive(join(b, '.tapes'), VALUES)).length > 0, 'the remote holds them');

  const s = await must(['scrub', MAIN], a);
  t.match(s.stderr, new RegExp(`note: refs/remotes/origin/sessions/${MAIN} still holds the old history`), 'the tracking ref is reported');
  t.match(s.stderr, /push --force/);

  const auditTip = (await must(['rev-parse', 'refs/audit/scrub'], a)).stdout;
  const idle = await must(['scrub', '--all'], a);
  t.match(idle.stdout, /only in history that remote-tracking refs hold: nothing to rewrite here/, 'a scrub that could move nothing says why');
  t.equal((await must(['rev-parse', 'refs/audit/scrub'], a)).stdout, auditTip, 'and writes no audit record');

  const plain = await tapes(['push'], { cwd: a });
  t.equal(plain.code, 1, 'a plain push is rejected: the history was rewritten');
  t.notMatch(plain.stderr, /refusing to push/, 'and not for secrets: there are none left');
  const forced = await must(['push', '--force'], a);
  t.match(forced.stderr, /note: 2 refs replaced on .*: the remote keeps the objects of the replaced history until its own gc/);
  t.equal((await must(['rev-parse', MAIN], b)).stdout, (await must(['rev-parse', MAIN], a)).stdout, 'the remote has the scrubbed session');
  t.equal((await tapes(['push'], { cwd: a })).stdout.includes('Everything up-to-date'), true);

  const again = await must(['scrub', '--all', '--prune'], a);
  // The tracking refs' reflogs still named the old tips (the lines push --force wrote): --all rewrites those too.
  t.match(again.stdout, new RegExp(`^remotes/origin/sessions/${MAIN} [0-9a-f]{12} `, 'm'), 'found through the tracking reflog');
  t.match(again.stdout, /\n {2}refs|\naudit: /, 'rewritten, with no ref left to move but the audit');
  t.notMatch(again.stderr, /still holds/, 'no ref holds the old history any more');
  t.same(await grepArchive(join(a, '.tapes'), VALUES), [], 'no copy of any secret is left here');
  t.equal((await tapes(['fsck'], { cwd: a })).code, 0, 'fsck is clean');

  // The remote, a tapes archive, scrubbed the same way there.
  await fs.appendFile(join(b, '.tapes', 'config'), ACME_RULE);
  await must(['scrub', '--all', '--prune'], b);
  t.same(await grepArchive(join(b, '.tapes'), VALUES), [], 'and none on the remote after its own scrub --prune');
});
