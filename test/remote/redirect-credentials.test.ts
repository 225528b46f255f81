// Credentials go only to where they were given: an HTTP remote that
// redirects to another host, scheme or port does not get the user's
// Authorization sent on to it, as with git and curl (issue 16, item 12).
// The remote the user named answers every request with a 307 to a real
// `git http-backend` on another port.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { tapes, tempDir } from '../helpers/cli.js';
import { startGitHttpServer } from '../helpers/git-http-server.js';

const TOKEN = 'tapes-redirect-secret-token';

t.test('a redirect to another origin: the push completes there, without the credential', async (t) => {
  const git = await startGitHttpServer();
  t.teardown(() => git.close());
  const repo = git.repo('moved');
  const target = new URL(repo.url);
  const seen: Array<string | undefined> = [];
  const redirector = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    req.resume();
    req.on('end', () => {
      res.writeHead(307, { location: `${target.origin}${req.url!.replace(/^\/old\.git/, target.pathname)}` });
      res.end();
    });
  });
  await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => {
    redirector.closeAllConnections();
    redirector.close();
  });
  const cwd = tempDir();
  t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
  await tapes(['init', '-q'], { cwd });
  const rec = await tapes(['hash-object', '-t', 'record', '-w', '--stdin'], { cwd, stdin: '{"parent":null,"kind":"user","text":"hi"}' });
  await tapes(['update-ref', 'refs/sessions/s', rec.stdout.trim(), ''], { cwd });
  await tapes(['remote', 'add', 'origin', `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/old.git`], { cwd });

  const push = await tapes(['push', 'origin'], { cwd, env: { TAPES_GIT_TOKEN: TOKEN } });
  t.equal(push.code, 0, `the push completes at the redirect's target: ${push.stderr}`);
  t.ok(seen.some((a) => a?.startsWith('Basic ')), 'the remote the user named was given the credential');
  t.ok(git.requests.some((r) => r.startsWith('POST') && r.includes('git-receive-pack')), 'the pack went to the other origin');
  t.same(git.authorizations.filter((a) => a !== undefined), [], 'which never saw the credential');
  t.notMatch(push.stdout + push.stderr, TOKEN, 'and it is not printed');
});
