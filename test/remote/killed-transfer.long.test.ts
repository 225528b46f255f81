// Push and fetch killed for real (SIGKILL, mid-transfer) over both
// transports: neither side is left with a ref pointing at a missing object
// (fsck clean, `git fsck` clean on the git server), and running the same
// command again completes the transfer.
import t from 'tap';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, rmSync } from 'node:fs';
import { join } from 'node:path';
import { binPath, fullCorpusDir } from '../helpers/cli.js';
import { startGitHttpServer } from '../helpers/git-http-server.js';
import { archive, looseObjectCount, must, objectCount, packFiles, run } from './helpers.js';

// A project of the corpus with thousands of objects, so a transfer
// takes long enough to be cut in the middle.
const BIG = join(fullCorpusDir(), 'claude-code/projects/-Users-gtrrz-victor-wks-cli');

/** Starts `tapes <args>` and kills it with SIGKILL once `ready()` says so (polled), or fails after a bound. */
async function killWhen(args: string[], cwd: string, ready: () => Promise<boolean>): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  const child: ChildProcess = spawn(process.execPath, [binPath, ...args], { cwd, env: { PATH: process.env.PATH, FORCE_COLOR: '0' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ signal: NodeJS.Signals | null; code: number | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  let exited = false;
  void done.then(() => (exited = true));
  const deadline = Date.now() + 120_000;
  while (!exited && Date.now() < deadline) {
    if (await ready()) {
      child.kill('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  if (!exited && Date.now() >= deadline) child.kill('SIGKILL');
  return { ...(await done), stderr };
}

async function sessionRefs(dir: string): Promise<string> {
  return (await must(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/sessions/', 'refs/agents/'], dir)).stdout;
}

/** Objects arriving: loose files, or a pack being written (a temp pack of some size). */
async function arriving(dir: string): Promise<boolean> {
  if ((await looseObjectCount(dir).catch(() => 0)) >= 100) return true;
  for (const f of await packFiles(dir)) {
    if (f.startsWith('tmp_pack_') && f.endsWith('.pack')) {
      const size = await fs.stat(join(dir, '.tapes/objects/pack', f)).then((s) => s.size, () => 0);
      if (size > 0) return true;
    }
  }
  return false;
}

t.test('a file push killed mid-transfer leaves both archives valid, and a rerun completes it', async (t) => {
  const a = await archive();
  const b = await archive();
  await must(['import', '--no-progress', BIG], a);
  await must(['remote', 'add', 'origin', b], a);
  const total = await objectCount(a);
  const killed = await killWhen(['push', '--no-progress', 'origin'], a, () => arriving(b));
  t.equal(killed.signal, 'SIGKILL', `the push was killed mid-way (${killed.stderr})`);
  const landed = await objectCount(b);
  t.ok(landed < total, `not every object had arrived (${landed}/${total}): the push was cut mid-transfer`);
  t.equal((await run(['fsck'], b)).code, 0, 'the remote is valid after the kill');
  t.equal((await run(['fsck'], a)).code, 0, 'the local archive is valid after the kill');
  const again = await run(['push', '--no-progress', 'origin'], a);
  t.equal(again.code, 0, again.stderr);
  t.equal(await sessionRefs(b), await sessionRefs(a), 'every session reached the remote');
  t.equal((await run(['fsck'], b)).code, 0);
});

t.test('a file fetch killed mid-transfer leaves the archive valid, and a rerun completes it', async (t) => {
  const origin = await archive();
  await must(['import', '--no-progress', BIG], origin);
  const c = await archive();
  await must(['remote', 'add', 'origin', origin], c);
  const killed = await killWhen(['pull', '--no-progress', 'origin'], c, () => arriving(c));
  t.equal(killed.signal, 'SIGKILL', `the pull was killed mid-way (${killed.stderr})`);
  t.ok((await objectCount(c)) < (await objectCount(origin)), 'the fetch was cut short');
  const fsck = await run(['fsck'], c);
  t.equal(fsck.code, 0, `the archive is valid after the kill: ${fsck.stdout}${fsck.stderr}`);
  const again = await run(['pull', '--no-progress', 'origin'], c);
  t.equal(again.code, 0, again.stderr);
  t.equal(await sessionRefs(c), await sessionRefs(origin), 'every session arrived');
  t.equal((await run(['fsck'], c)).code, 0);
});

t.test('over HTTP: push and fetch killed mid-way, then rerun', async (t) => {
  const server = await startGitHttpServer();
  t.teardown(() => server.close());
  const { url, dir } = server.repo('killed');
  const a = await archive();
  await must(['import', '--no-progress', BIG], a);
  await must(['remote', 'add', 'origin', url], a);
  // Killed while the pack is on its way to receive-pack (or just before).
  const seen = server.requests.length;
  const push = await killWhen(['push', '--no-progress', 'origin'], a, async () => server.requests.slice(seen).some((r) => r.includes('git-receive-pack')));
  t.equal(push.signal, 'SIGKILL', `the push was killed (${push.stderr})`);
  execFileSync('git', ['--git-dir', dir, 'fsck', '--strict', '--no-dangling'], { stdio: 'pipe' });
  t.pass('git fsck --strict is clean on the server after the kill');
  t.equal((await run(['fsck'], a)).code, 0, 'the local archive is valid after the kill');
  const again = await run(['push', '--no-progress', 'origin'], a);
  t.equal(again.code, 0, again.stderr);
  execFileSync('git', ['--git-dir', dir, 'fsck', '--strict', '--no-dangling'], { stdio: 'pipe' });
  const serverRefs = execFileSync('git', ['--git-dir', dir, 'for-each-ref', '--format=%(refname)', 'refs/tapes/'], { encoding: 'utf8' }).trim().split('\n');
  t.equal(serverRefs.length, (await sessionRefs(a)).trim().split('\n').length, 'every session reached the server');

  const c = await archive();
  t.teardown(() => rmSync(c, { recursive: true, force: true }));
  await must(['remote', 'add', 'origin', url], c);
  const fetched = await killWhen(['pull', '--no-progress', 'origin'], c, () => arriving(c));
  t.equal(fetched.signal, 'SIGKILL', `the pull was killed mid-way (${fetched.stderr})`);
  const fsck = await run(['fsck'], c);
  t.equal(fsck.code, 0, `the archive is valid after the kill: ${fsck.stdout}${fsck.stderr}`);
  t.equal((await fs.readdir(join(c, '.tapes/refs/sessions')).catch(() => [])).length, 0, 'no session ref moved before its objects were all stored');
  const again2 = await run(['pull', '--no-progress', 'origin'], c);
  t.equal(again2.code, 0, again2.stderr);
  t.equal(await sessionRefs(c), await sessionRefs(a), 'every session arrived');
  t.equal((await run(['fsck'], c)).code, 0);
});
