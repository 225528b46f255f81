// Nothing under .tapes/ is followed through a symbolic link, and fsck and the
// readers agree about it (docs/security.md, "Inside .tapes"): each link is one
// symlinkInArchive error; what lies behind it is not part of the archive, so
// an object behind a linked fan-out directory is missing to log, show,
// cat-object and clone exactly as fsck says; a linked ref is refused by name
// by every reader and writer, and nothing behind a link is read or changed.
import t from 'tap';
import { promises as fs, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCodec, encodeObject } from '../../src/object/index.js';
import { fsckJson, makeFixture, tapes, tempDir, type JsonFinding } from './fixtures/archive.js';
import { blobWithPrefix, listing, unusedFanout } from '../helpers/outside.js';

function pairs(findings: JsonFinding[]): Array<[string, string | undefined]> {
  return findings.map((f) => [f.id, f.object ?? f.path]);
}

t.test('a symlinked fan-out directory: log, show, cat-object and clone find the object missing, as fsck does', async (t) => {
  const fx = await makeFixture(t);
  const fan = fx.ids.r3.slice(0, 2);
  const outside = join(tempDir(t), 'moved');
  renameSync(join(fx.dir, 'objects', fan), outside);
  symlinkSync(outside, join(fx.dir, 'objects', fan));
  const before = listing(outside);

  const { code, report } = await fsckJson(fx.root);
  t.ok(code & 1, 'the objects bit');
  const found = pairs(report.findings);
  t.same(found[0], ['symlinkInArchive', `objects/${fan}`], 'the link, first');
  t.equal(report.findings[0]!.severity, 'error');
  t.ok(found.some(([id, at]) => id === 'refMissingObject' && at === 'refs/sessions/demo'), 'the session tip behind it is missing');

  for (const args of [['show', 'demo'], ['cat-object', '-p', fx.ids.r3], ['rev-list', 'demo']]) {
    const r = await tapes(fx.root, args);
    t.equal(r.code, 2, `${args.join(' ')}: not found`);
    t.match(r.stderr, fx.ids.r3, `${args.join(' ')}: names the missing record`);
  }
  // log shows what it can of a damaged chain, then fails naming the record, as for a deleted file.
  const log = await tapes(fx.root, ['log', 'demo']);
  t.equal(log.code, 1, 'log fails');
  t.match(log.stderr, new RegExp(`record ${fx.ids.r3} cannot be read: object ${fx.ids.r3} not found`));
  const dest = join(tempDir(t), 'clone');
  const clone = await tapes(fx.root, ['clone', fx.root, dest]);
  t.equal(clone.code, 1, 'clone fails');
  t.match(clone.stderr, new RegExp(`object ${fx.ids.r3}.* is missing`), 'naming the missing record');
  t.same(listing(outside), before, 'nothing behind the link was changed');
});

t.test('every symlink under .tapes is one error, and nothing behind it is read', async (t) => {
  const fx = await makeFixture(t);
  const out = tempDir(t);
  const codec = await loadCodec();
  // A linked fan-out directory holding a sound object, and a linked object file.
  const fan = unusedFanout(join(fx.dir, 'objects'));
  const behind = blobWithPrefix(fan);
  mkdirSync(join(out, 'fan'));
  writeFileSync(join(out, 'fan', behind.id.slice(2)), codec.compress(encodeObject('blob', behind.body)));
  symlinkSync(join(out, 'fan'), join(fx.dir, 'objects', fan));
  const other = blobWithPrefix(fx.ids.r1.slice(0, 2), 'a linked object file');
  writeFileSync(join(out, 'object'), codec.compress(encodeObject('blob', other.body)));
  symlinkSync(join(out, 'object'), join(fx.dir, 'objects', other.id.slice(0, 2), other.id.slice(2)));
  // The pack directory, a ref to a file, a ref to a directory, a reflog, HEAD, the index.
  mkdirSync(join(out, 'pack'));
  symlinkSync(join(out, 'pack'), join(fx.dir, 'objects', 'pack'));
  writeFileSync(join(out, 'ref'), fx.ids.r1 + '\n');
  symlinkSync(join(out, 'ref'), join(fx.dir, 'refs', 'sessions', 'evil'));
  mkdirSync(join(out, 'dir'));
  writeFileSync(join(out, 'dir', 'inside'), fx.ids.r1 + '\n');
  symlinkSync(join(out, 'dir'), join(fx.dir, 'refs', 'sessions', 'linked-dir'));
  writeFileSync(join(out, 'reflog'), `${'0'.repeat(64)} ${'ab'.repeat(32)} 2026-01-01T00:00:00.000Z\tforeign\n`);
  symlinkSync(join(out, 'reflog'), join(fx.dir, 'logs', 'refs', 'sessions', 'evil'));
  await fs.rm(join(fx.dir, 'HEAD'));
  writeFileSync(join(out, 'HEAD'), 'ref: refs/sessions/demo\n');
  symlinkSync(join(out, 'HEAD'), join(fx.dir, 'HEAD'));
  await fs.rm(join(fx.dir, 'index'), { recursive: true });
  mkdirSync(join(out, 'index'));
  symlinkSync(join(out, 'index'), join(fx.dir, 'index'));
  const before = listing(out);
  const archiveBefore = listing(fx.dir);

  const r = await fsckJson(fx.root);
  t.equal(r.code, 1, 'the objects bit only: nothing behind a link was read, so nothing else is wrong');
  t.same(
    pairs(r.report.findings).sort(),
    [
      ['symlinkInArchive', 'HEAD'],
      ['symlinkInArchive', 'index'],
      ['symlinkInArchive', 'logs/refs/sessions/evil'],
      ['symlinkInArchive', `objects/${fan}`],
      ['symlinkInArchive', `objects/${other.id.slice(0, 2)}/${other.id.slice(2)}`],
      ['symlinkInArchive', 'objects/pack'],
      ['symlinkInArchive', 'refs/sessions/evil'],
      ['symlinkInArchive', 'refs/sessions/linked-dir'],
    ],
  );
  for (const f of r.report.findings) t.equal(f.severity, 'error', `${f.path}: an error`);
  t.match(r.report.findings.find((f) => f.path === 'refs/sessions/evil')!.detail, /symbolic link/);
  t.equal(r.report.counts.by_id.symlinkInArchive, 8);
  t.same(listing(out), before, 'nothing behind a link was touched');
  t.same(listing(fx.dir), archiveBefore, 'fsck changed nothing');
});

t.test('a symlinked ref or HEAD is refused by name by every reader', async (t) => {
  const fx = await makeFixture(t);
  const out = tempDir(t);
  writeFileSync(join(out, 'ref'), fx.ids.r1 + '\n');
  symlinkSync(join(out, 'ref'), join(fx.dir, 'refs', 'sessions', 'evil'));
  const rev = await tapes(fx.root, ['rev-parse', 'evil']);
  t.equal(rev.code, 128, 'rev-parse: a damaged archive');
  t.match(rev.stderr, /refs\/sessions\/evil.*symbolic link/, 'naming the ref and what is wrong');
  t.notMatch(rev.stdout, fx.ids.r1, 'the id behind the link is not printed');
  const refs = await tapes(fx.root, ['show-ref']);
  t.equal(refs.code, 0);
  t.notMatch(refs.stdout, 'refs/sessions/evil', 'listings leave it out');
  t.match(refs.stdout, 'refs/sessions/demo', 'and show the rest');

  await fs.rm(join(fx.dir, 'HEAD'));
  writeFileSync(join(out, 'HEAD'), fx.ids.r2 + '\n');
  symlinkSync(join(out, 'HEAD'), join(fx.dir, 'HEAD'));
  const head = await tapes(fx.root, ['rev-parse', 'HEAD']);
  t.equal(head.code, 128);
  t.match(head.stderr, /HEAD.*symbolic link/);
});

t.test('writers refuse to move a ref through a symlinked ref, reflog or directory', async (t) => {
  const fx = await makeFixture(t);
  const out = tempDir(t);
  // The reflog of a real session, linked outside: a move would append to it.
  const reflog = join(fx.dir, 'logs', 'refs', 'sessions', 'demo');
  renameSync(reflog, join(out, 'demo-reflog'));
  symlinkSync(join(out, 'demo-reflog'), reflog);
  // A ref area linked outside: a new tag would be created there.
  mkdirSync(join(out, 'tags'));
  await fs.rm(join(fx.dir, 'refs', 'tags'), { recursive: true });
  symlinkSync(join(out, 'tags'), join(fx.dir, 'refs', 'tags'));
  // A ref linked to a file outside.
  writeFileSync(join(out, 'ref'), fx.ids.r1 + '\n');
  symlinkSync(join(out, 'ref'), join(fx.dir, 'refs', 'sessions', 'evil'));
  const before = listing(out);

  const moved = await tapes(fx.root, ['update-ref', 'refs/sessions/demo', fx.ids.r2]);
  t.not(moved.code, 0, 'moving a ref whose reflog is a link is refused');
  t.match(moved.stderr, /logs\/refs\/sessions\/demo.*symbolic link/);
  const tagged = await tapes(fx.root, ['update-ref', 'refs/tags/new', fx.ids.r1]);
  t.not(tagged.code, 0, 'creating a ref in a linked directory is refused');
  t.match(tagged.stderr, /refs\/tags.*symbolic link/);
  const evil = await tapes(fx.root, ['update-ref', 'refs/sessions/evil', fx.ids.r2]);
  t.not(evil.code, 0, 'moving a linked ref is refused');
  t.match(evil.stderr, /refs\/sessions\/evil.*symbolic link/);
  t.same(listing(out), before, 'nothing behind the links was written');
  t.equal((await fs.readFile(join(fx.dir, 'refs', 'sessions', 'demo'), 'utf8')).trim(), fx.ids.r3, 'the ref did not move');
});

t.test('search never writes its index through a symlinked index directory', async (t) => {
  const fx = await makeFixture(t);
  const out = tempDir(t);
  await fs.rm(join(fx.dir, 'index'), { recursive: true });
  mkdirSync(join(out, 'index'));
  symlinkSync(join(out, 'index'), join(fx.dir, 'index'));
  const r = await tapes(fx.root, ['search', 'hello']);
  t.equal(r.code === 0 || r.code === 2, true, `search runs (${r.stderr})`);
  t.same(listing(out), ['index/'], 'nothing was written behind the link');
});
