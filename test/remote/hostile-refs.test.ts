// A remote's ref files are untrusted: a ref that is a symbolic link (to a
// file or a directory outside the remote) or a file far longer than any ref
// is refused by name, nothing behind a link is read, at most a bounded prefix
// of a huge file is read, and clone and fetch go on with the other refs.
import t from 'tap';
import { promises as fs, mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_REF_FILE_SIZE } from '../../src/refs/index.js';
import { copyArchive, tempDir } from '../helpers/cli.js';
import { listing } from '../helpers/outside.js';
import { SMALL, SMALL_SESSION, archive, must, refOf, run, transcript } from './helpers.js';

const HUGE = 50 * 1024 * 1024;

/** Bytes this process has read through read(2) so far (Linux counts them in /proc/self/io). */
function bytesRead(): number {
  return Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
}

let imported: Promise<string> | undefined;

/** A remote holding the small session: imported once per file, and each test gets its own copy. */
async function remoteWithSession() {
  imported ??= (async () => {
    const remote = await archive();
    // SMALL's first 12 lines of 78, under its name: the remote needs a session of a few records; each record more was copied, cloned or fetched, each object fsynced.
    await must(['import', await transcript(tempDir('tapes-remote-src-'), SMALL, 12)], remote);
    return remote;
  })();
  const remote = tempDir('tapes-remote-');
  copyArchive(await imported, remote);
  const tip = (await refOf(remote, SMALL_SESSION))!;
  return { remote, tip, refs: join(remote, '.tapes', 'refs', 'sessions') };
}

t.test('clone refuses a symlinked ref by name, reads nothing behind it, and clones the rest', async (t) => {
  const s = await remoteWithSession();
  const out = tempDir('tapes-outside-');
  // The other side of the link holds a plausible tip: the remote session's own id.
  writeFileSync(join(out, 'file'), s.tip + '\n');
  mkdirSync(join(out, 'dir'));
  writeFileSync(join(out, 'dir', 'inside'), s.tip + '\n');
  symlinkSync(join(out, 'file'), join(s.refs, 'to-file'));
  symlinkSync(join(out, 'dir'), join(s.refs, 'to-dir'));
  const before = listing(out);
  const dest = join(tempDir(), 'clone');
  const r = await run(['clone', s.remote, dest], tempDir());
  t.equal(r.code, 0, `the clone is made: ${r.stderr}`);
  t.match(r.stderr, /refs\/sessions\/to-dir.*symbolic link/, 'the link to a directory is named (no raw EISDIR)');
  t.match(r.stderr, /refs\/sessions\/to-file.*symbolic link/, 'the link to a file is named');
  t.notMatch(r.stderr, /EISDIR/);
  t.equal(await refOf(dest, SMALL_SESSION), s.tip, 'the real session is cloned');
  t.equal(await refOf(dest, 'refs/sessions/to-file'), undefined, 'the linked ref is not');
  t.equal(await refOf(dest, 'refs/sessions/to-dir'), undefined);
  t.same(listing(out), before, 'nothing behind the links was changed');
  t.equal((await run(['fsck'], dest)).code, 0, 'the clone is whole');

  const check = await run(['fsck', '--json'], s.remote);
  const found = JSON.parse(check.stdout).findings.map((f: { id: string; path?: string }) => [f.id, f.path]);
  t.same(
    found,
    [
      ['symlinkInArchive', 'refs/sessions/to-dir'],
      ['symlinkInArchive', 'refs/sessions/to-file'],
    ],
    'fsck on the remote names both links',
  );
});

t.test('fetch refuses a symlinked ref by name and updates the other refs', async (t) => {
  const s = await remoteWithSession();
  const local = await archive();
  await must(['remote', 'add', 'origin', s.remote], local);
  const out = tempDir('tapes-outside-');
  mkdirSync(join(out, 'dir'));
  symlinkSync(join(out, 'dir'), join(s.refs, 'a-dir'));
  const r = await run(['fetch'], local);
  t.equal(r.code, 1, 'a refused ref makes fetch exit 1, as a rejected one does');
  t.match(r.stdout + r.stderr, /refs\/sessions\/a-dir/, 'naming it');
  t.notMatch(r.stderr, /EISDIR/);
  const tracking = `refs/remotes/origin/sessions/${SMALL.replace('.jsonl', '')}`;
  t.equal(await refOf(local, tracking), s.tip, 'the other ref was fetched');
  t.equal(await refOf(local, 'refs/remotes/origin/sessions/a-dir'), undefined);
});

t.test('a huge ref file: refused by name, at most its bound read, the rest cloned and fetched', async (t) => {
  const s = await remoteWithSession();
  const huge = join(s.refs, 'huge');
  const cloneOnce = async (name: string) => {
    const dest = join(tempDir(), name);
    const before = bytesRead();
    const r = await run(['clone', s.remote, dest], tempDir());
    return { r, dest, read: bytesRead() - before };
  };
  // The same clone without the huge ref, for what a clone reads anyway.
  const plain = await cloneOnce('plain');
  t.equal(plain.r.code, 0, plain.r.stderr);
  writeFileSync(huge, '');
  truncateSync(huge, HUGE); // sparse: 50 MB of zeros, no disk used
  const big = await cloneOnce('big');
  t.equal(big.r.code, 0, `the clone is made: ${big.r.stderr}`);
  t.match(big.r.stderr, /refs\/sessions\/huge/, 'the huge ref is named');
  t.equal(await refOf(big.dest, SMALL_SESSION), s.tip, 'the other session is cloned');
  t.equal(await refOf(big.dest, 'refs/sessions/huge'), undefined);
  t.ok(big.read - plain.read <= MAX_REF_FILE_SIZE + 64 * 1024, `read ${big.read - plain.read} bytes more than a clone without it (bound ${MAX_REF_FILE_SIZE})`);

  const local = await archive();
  await must(['remote', 'add', 'origin', s.remote], local);
  const before = bytesRead();
  const f = await run(['fetch'], local);
  const read = bytesRead() - before;
  t.equal(f.code, 1, 'fetch names the refused ref with exit 1');
  t.match(f.stdout + f.stderr, /refs\/sessions\/huge/);
  t.equal(await refOf(local, `refs/remotes/origin/sessions/${SMALL.replace('.jsonl', '')}`), s.tip, 'and fetches the rest');
  t.ok(read < HUGE / 10, `fetch read ${read} bytes in all`);

  const fsckBefore = bytesRead();
  const check = await run(['fsck', '--json'], s.remote);
  const fsckRead = bytesRead() - fsckBefore;
  const findings = JSON.parse(check.stdout).findings as Array<{ id: string; path?: string; detail: string }>;
  t.same(findings.map((x) => [x.id, x.path]), [['badRefContent', 'refs/sessions/huge']], 'fsck on the remote names it');
  t.match(findings[0]!.detail, `longer than ${MAX_REF_FILE_SIZE} bytes`);
  t.ok(fsckRead < HUGE / 10, `fsck read ${fsckRead} bytes in all`);
  await fs.rm(huge);
});
