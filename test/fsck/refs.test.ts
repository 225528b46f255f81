// Refs, HEAD, reflogs, lock files and the files in objects/ that are not
// objects: each damaged by hand, as a crash or a careless edit would.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fsckJson, makeFixture, snapshot, tapes, type JsonFinding } from './fixtures/archive.js';

const MISSING = 'cd'.repeat(32);

function pairs(findings: JsonFinding[]): Array<[string, string | undefined]> {
  return findings.map((f) => [f.id, f.object ?? f.path]);
}

t.test('a ref file whose name breaks the rules', async (t) => {
  const fx = await makeFixture(t);
  await fs.writeFile(join(fx.dir, 'refs/sessions/a..b'), fx.ids.r3 + '\n');
  await fs.writeFile(join(fx.dir, 'refs/loose'), fx.ids.r3 + '\n');
  const before = await snapshot(fx.dir);
  const r = await tapes(fx.root, ['fsck']);
  t.equal(r.code, 4);
  t.equal(
    r.stdout,
    'error badRefName refs/loose: a stored ref is HEAD or refs/<area>/<name>; tapes cannot read or update this ref\n' +
      'error badRefName refs/sessions/a..b: a ref name cannot contain ".."; tapes cannot read or update this ref\n',
  );
  t.same(await snapshot(fx.dir), before);
});

t.test('a name with a newline is quoted, so the line grammar holds', async (t) => {
  const fx = await makeFixture(t);
  await fs.writeFile(join(fx.dir, 'refs/sessions/two\nlines'), fx.ids.r3 + '\n');
  const r = await tapes(fx.root, ['fsck']);
  t.equal(r.code, 4);
  t.equal(r.stdout.split('\n').length, 2, 'one line');
  t.match(r.stdout, /^error badRefName "refs\/sessions\/two\\nlines": /);
  const { report } = await fsckJson(fx.root);
  t.equal(report.findings[0]!.path, 'refs/sessions/two\nlines', 'JSON keeps the name as it is');
});

t.test('refs to missing objects, to the wrong type, with bad content', async (t) => {
  const fx = await makeFixture(t);
  await fs.writeFile(join(fx.dir, 'refs/sessions/gone'), MISSING + '\n');
  await fs.writeFile(join(fx.dir, 'refs/sessions/blobby'), fx.ids.hello + '\n');
  await fs.writeFile(join(fx.dir, 'refs/sessions/garbage'), 'not an id\n');
  await fs.writeFile(join(fx.dir, 'refs/sessions/badsym'), 'ref: refs/../x\n');
  await fs.writeFile(join(fx.dir, 'refs/tags/blob-tag-ok'), fx.ids.hello);
  await fs.writeFile(join(fx.dir, 'refs/sessions/symbolic'), 'ref: refs/sessions/demo\n');
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 4);
  t.same(pairs(report.findings), [
    ['badRefContent', 'refs/sessions/badsym'],
    ['refWrongType', 'refs/sessions/blobby'],
    ['badRefContent', 'refs/sessions/garbage'],
    ['refMissingObject', 'refs/sessions/gone'],
    ['badRefContent', 'refs/sessions/symbolic'],
  ], 'only HEAD may be symbolic (format version 1)');
  t.equal(report.findings[3]!.detail, `points at ${MISSING}, which is not in the archive`);
  t.equal(report.findings[3]!.area, 'refs');
  t.equal(report.findings[4]!.detail, 'symbolic ref to "refs/sessions/demo"; only HEAD may be symbolic');
});

t.test('a ref to a damaged object adds nothing to the damage', async (t) => {
  const fx = await makeFixture(t);
  const path = join(fx.dir, 'objects', fx.ids.r3.slice(0, 2), fx.ids.r3.slice(2));
  await fs.chmod(path, 0o644);
  await fs.writeFile(path, 'broken');
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 1);
  t.same(pairs(report.findings), [['badCompression', fx.ids.r3]]);
});

t.test('HEAD: unborn, detached, damaged', async (t) => {
  const fx = await makeFixture(t);
  const head = join(fx.dir, 'HEAD');
  const check = async (content: string | undefined) => {
    if (content === undefined) await fs.rm(head, { force: true });
    else await fs.writeFile(head, content);
    return fsckJson(fx.root);
  };

  t.equal((await check('ref: refs/sessions/not-yet\n')).code, 0, 'symbolic to a ref that does not exist: unborn, fine');
  t.equal((await check(undefined)).code, 0, 'no HEAD: unborn, fine');
  t.equal((await check(fx.ids.r2 + '\n')).code, 0, 'detached at a record');

  let r = await check(MISSING + '\n');
  t.equal(r.code, 4);
  t.same(pairs(r.report.findings), [['refMissingObject', 'HEAD']]);

  r = await check(fx.ids.hello + '\n');
  t.same(pairs(r.report.findings), [['refWrongType', 'HEAD']]);

  r = await check('hello\n');
  t.same(pairs(r.report.findings), [['badHead', 'HEAD']]);

  r = await check('ref: HEAD\n');
  t.same(pairs(r.report.findings), [['badHead', 'HEAD']]);

  r = await check('ref: refs/tags/t1\n');
  t.same(pairs(r.report.findings), [['badHead', 'HEAD']], 'HEAD names a session (docs/format.md §7.3)');
  t.equal(r.code, 4);
});

t.test('reflog lines that do not parse, and reflogs naming missing objects', async (t) => {
  const fx = await makeFixture(t);
  const log = join(fx.dir, 'logs/refs/sessions/demo');
  await fs.appendFile(log, 'this is not a reflog line\n');
  await fs.appendFile(log, `${fx.ids.r3} ${MISSING} 2026-01-02T03:04:05.000Z\tbroken\n`);
  await fs.appendFile(log, `${MISSING} ${fx.ids.r3} 2026-01-02T03:04:06.000Z\tback\n`);
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 4);
  t.same(pairs(report.findings), [
    ['badReflogEntry', 'logs/refs/sessions/demo'],
    ['reflogMissingObject', 'logs/refs/sessions/demo'],
  ], 'a missing id is named once per reflog');
  t.match(report.findings[0]!.detail, /^line 3: "this is not a reflog line" is not/);
  t.equal(report.findings[1]!.detail, `line 4 names ${MISSING}, which is not in the archive`);
});

t.test('stale lock files: warnings with the exact path, status 0', async (t) => {
  const fx = await makeFixture(t);
  await fs.writeFile(join(fx.dir, 'refs/sessions/demo.lock'), '');
  await fs.writeFile(join(fx.dir, 'HEAD.lock'), '');
  const r = await tapes(fx.root, ['fsck']);
  t.equal(r.code, 0, 'warnings never set the status');
  t.equal(
    r.stdout,
    `warning staleLock HEAD.lock: lock file blocks updates of HEAD; if no tapes process is running, remove it: rm '${join(fx.dir, 'HEAD.lock')}'\n` +
      `warning staleLock refs/sessions/demo.lock: lock file blocks updates of refs/sessions/demo; if no tapes process is running, remove it: rm '${join(fx.dir, 'refs/sessions/demo.lock')}'\n`,
  );
  const { report } = await fsckJson(fx.root);
  t.equal(report.counts.warning, 2);
  t.equal(report.findings[0]!.severity, 'warning');
  t.equal(report.findings[0]!.area, 'refs');
});

t.test('files in objects/ that are not objects', async (t) => {
  const fx = await makeFixture(t);
  const objects = join(fx.dir, 'objects');
  const fan = fx.ids.r1.slice(0, 2);
  await fs.writeFile(join(objects, fan, 'tmp_obj_0123456789abcdef'), 'half-written');
  await fs.writeFile(join(objects, fan, 'short'), '');
  await fs.writeFile(join(objects, fan, 'AB'.repeat(31)), '');
  await fs.mkdir(join(objects, 'zz'));
  await fs.writeFile(join(objects, 'README'), 'hello');
  await fs.mkdir(join(objects, 'pack'));
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 0, 'all warnings');
  t.same(pairs(report.findings).sort(), [
    ['strayFile', `objects/${fan}/${'AB'.repeat(31)}`],
    ['strayFile', `objects/${fan}/short`],
    ['strayFile', 'objects/README'],
    ['strayFile', 'objects/zz'],
    ['tempFile', `objects/${fan}/tmp_obj_0123456789abcdef`],
  ], 'pack/ is reserved, not stray');
  t.match(report.findings.find((f) => f.id === 'tempFile')!.detail, `rm '${join(objects, fan, 'tmp_obj_0123456789abcdef')}'`);
});

t.test('files that are not regular files are never opened (a FIFO would block)', async (t) => {
  const fx = await makeFixture(t);
  const fan = fx.ids.r1.slice(0, 2);
  execFileSync('mkfifo', [join(fx.dir, 'refs/sessions/fifo')]);
  execFileSync('mkfifo', [join(fx.dir, 'objects', fan, '0'.repeat(62))]);
  await fs.symlink(join(fx.dir, 'refs/sessions/fifo'), join(fx.dir, 'objects', fan, '1'.repeat(62)));
  await fs.rm(join(fx.dir, 'HEAD'));
  await fs.mkdir(join(fx.dir, 'HEAD'));
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 1 | 4);
  t.same(pairs(report.findings).sort(), [
    ['badHead', 'HEAD'],
    ['badRefContent', 'refs/sessions/fifo'],
    ['strayFile', `objects/${fan}/${'0'.repeat(62)}`],
    ['symlinkInArchive', `objects/${fan}/${'1'.repeat(62)}`],
  ], 'a link is never followed, so never opened either');
});
