// A ref is one short line: the ref store and fsck read at most a bounded
// prefix of a ref file (so memory never follows a hostile file's size) and
// refuse a longer one by name; a name too long for the file system is simply
// no ref, and rev-parse says the revision is unknown (exit 2), naming it.
import t from 'tap';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_REF_FILE_SIZE, RefStore } from '../../src/refs/index.js';
import { fsckJson, makeFixture, tapes } from '../fsck/fixtures/archive.js';

const HUGE = 50 * 1024 * 1024;

/** Bytes this process has read through read(2) so far (Linux counts them in /proc/self/io). */
function bytesRead(): number {
  return Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
}

/** What reading /proc/self/io itself adds to a measurement. */
function overhead(): number {
  const a = bytesRead();
  return bytesRead() - a;
}

t.test('the ref store reads a bounded prefix of a huge ref and refuses it by name', async (t) => {
  const fx = await makeFixture(t);
  const path = join(fx.dir, 'refs', 'sessions', 'huge');
  writeFileSync(path, fx.ids.r1 + '\n');
  truncateSync(path, HUGE); // the id, then 50 MB of zeros (sparse)
  const refs = new RefStore(fx.dir);
  const before = bytesRead();
  await t.rejects(refs.read('refs/sessions/huge'), { code: 'BadArchiveError', data: { name: 'refs/sessions/huge' } });
  const read = bytesRead() - before - overhead();
  t.ok(read <= MAX_REF_FILE_SIZE + 1, `read ${read} bytes (bound ${MAX_REF_FILE_SIZE} + 1)`);
  t.same(
    (await refs.list('refs/sessions/')).map((r) => r.name),
    ['refs/sessions/demo'],
    'listings leave it out and go on',
  );
  const rev = await tapes(fx.root, ['rev-parse', 'huge']);
  t.equal(rev.code, 128);
  t.match(rev.stderr, /refs\/sessions\/huge.*longer than 4096 bytes/);
  t.notMatch(rev.stderr, /Invalid string length/);

  const fsckBefore = bytesRead();
  const { report } = await fsckJson(fx.root);
  const fsckRead = bytesRead() - fsckBefore;
  t.same(report.findings.map((f) => [f.id, f.path]), [['badRefContent', 'refs/sessions/huge']]);
  t.match(report.findings[0]!.detail, `longer than ${MAX_REF_FILE_SIZE} bytes`);
  // fsck reads every object of the fixture (a few MiB); of the huge ref, no more than the bound.
  t.ok(fsckRead < 8 * 1024 * 1024, `fsck read ${fsckRead} bytes in all, not the 50 MB ref`);
});

t.test('a ref of exactly the bound is read; one byte more is refused', async (t) => {
  const fx = await makeFixture(t);
  const refs = new RefStore(fx.dir);
  const path = join(fx.dir, 'refs', 'sessions', 'edge');
  writeFileSync(path, Buffer.alloc(MAX_REF_FILE_SIZE, 'x'));
  await t.rejects(refs.read('refs/sessions/edge'), { code: 'BadArchiveError', message: /neither an object id/ }, 'read whole, then judged by its content');
  writeFileSync(path, Buffer.alloc(MAX_REF_FILE_SIZE + 1, 'x'));
  await t.rejects(refs.read('refs/sessions/edge'), { code: 'BadArchiveError', message: /longer than 4096 bytes/ });
});

t.test('rev-parse of a name too long for the file system: unknown revision, exit 2, named (cut short)', async (t) => {
  const fx = await makeFixture(t);
  const name = 'a'.repeat(5000);
  const r = await tapes(fx.root, ['rev-parse', name]);
  t.equal(r.code, 2, 'not found');
  t.match(r.stderr, /unknown revision 'a{20,}/, 'names the revision');
  t.ok(r.stderr.length < 400, `the name is cut short (${r.stderr.length} characters)`);
  t.notMatch(r.stderr, /ENAMETOOLONG/);
  const parts = await tapes(fx.root, ['rev-parse', `${'b'.repeat(300)}/${'c'.repeat(300)}`]);
  t.equal(parts.code, 2, 'a path component over 255 bytes: not found either');
  t.notMatch(parts.stderr, /ENAMETOOLONG/);
});
