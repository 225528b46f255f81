// fsck on healthy archives: silence and status 0, the --json document, info
// findings (dangling, unreachable) that are counted but shown only on request,
// and progress only when asked for or on a terminal.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { CHECK_IDS } from '../../src/fsck/index.js';
import { fsckJson, makeFixture, record, snapshot, tapes, tempDir } from './fixtures/archive.js';

t.test('a healthy archive: no output, status 0, nothing changed', async (t) => {
  const fx = await makeFixture(t);
  const before = await snapshot(fx.dir);
  const r = await tapes(fx.root, ['fsck']);
  t.equal(r.code, 0);
  t.equal(r.stdout, '');
  t.equal(r.stderr, '');
  t.same(await snapshot(fx.dir), before);
});

t.test('an empty archive is healthy (no HEAD, no refs, no objects)', async (t) => {
  const root = tempDir(t);
  await Archive.init({ cwd: root, env: {} });
  const r = await tapes(root, ['fsck']);
  t.equal(r.code, 0);
  t.equal(r.stdout, '');
});

t.test('--json: the documented shape', async (t) => {
  const fx = await makeFixture(t);
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 0);
  t.same(Object.keys(report), ['findings', 'counts', 'exit_code']);
  t.same(report.findings, []);
  t.equal(report.exit_code, 0);
  t.equal(report.counts.objects, 10 + fx.ids.bigChunks.length);
  t.equal(report.counts.refs, 2);
  t.equal(report.counts.error, 0);
  t.equal(report.counts.warning, 0);
  t.equal(report.counts.info, 0);
  t.same(Object.keys(report.counts.by_id).sort(), [...CHECK_IDS].sort(), 'every id is counted, even at zero');
});

t.test('dangling and unreachable objects: info, shown only when asked, always counted', async (t) => {
  const fx = await makeFixture(t);
  const store = await fx.archive.objects();
  const lost = await store.write('blob', Buffer.from('nobody points here'));
  const a = await store.write('record', record({ kind: 'user', parent: null }));
  const b = await store.write('record', record({ kind: 'user', parent: a }));

  const plain = await tapes(fx.root, ['fsck']);
  t.equal(plain.code, 0);
  t.equal(plain.stdout, '', 'info findings are not shown by default');

  const dangling = await tapes(fx.root, ['fsck', '--dangling']);
  t.equal(dangling.code, 0, 'info findings never set the status');
  const danglingLines = dangling.stdout.trim().split('\n').sort();
  t.same(danglingLines, [
    `info dangling ${b}: unreachable record that no other object links to`,
    `info dangling ${lost}: unreachable blob that no other object links to`,
  ].sort(), 'a record that an unreachable record links to is not dangling');

  const unreachable = await tapes(fx.root, ['fsck', '--unreachable']);
  t.equal(unreachable.code, 0);
  const ids = unreachable.stdout.trim().split('\n').map((l) => l.split(' ')[2]!.replace(/:$/, ''));
  t.same(ids.sort(), [lost, a, b].sort());
  t.match(unreachable.stdout, /^info unreachable [0-9a-f]{64}: (blob|record) not reachable from any ref, HEAD or reflog entry$/m);

  const { report } = await fsckJson(fx.root);
  t.same(report.findings, []);
  t.equal(report.counts.by_id.dangling, 2);
  t.equal(report.counts.by_id.unreachable, 3);
  t.equal(report.counts.info, 5);
  t.equal(report.exit_code, 0);

  const both = await fsckJson(fx.root, ['--dangling', '--unreachable']);
  t.equal(both.report.findings.length, 5);
  for (const f of both.report.findings) {
    t.equal(f.severity, 'info');
    t.equal(f.area, 'chains');
    t.ok(f.object && !('path' in f), 'a connectivity finding names an object');
  }
});

t.test('reflog entries keep old tips reachable', async (t) => {
  const fx = await makeFixture(t);
  const store = await fx.archive.objects();
  const other = await store.write('record', record({ kind: 'user', parent: null, text: 'another start' }));
  await fx.archive.refs.update('refs/sessions/demo', other, { reason: 'reset' });
  const r = await tapes(fx.root, ['fsck', '--unreachable', '--dangling']);
  t.equal(r.code, 0);
  t.equal(r.stdout, '', 'r3 is still named by the reflog of refs/sessions/demo and of HEAD');

  // Without the reflogs, the old chain is unreachable; only its tip is dangling.
  await fs.rm(join(fx.dir, 'logs'), { recursive: true });
  const after = await fsckJson(fx.root, ['--dangling']);
  t.same(after.report.findings.map((f) => [f.id, f.object]), [['dangling', fx.ids.r3]]);
  t.equal(after.report.counts.by_id.unreachable, 3 + 3 + 2 + 1 + fx.ids.bigChunks.length, 'r1-r3, their blobs and lists');
});

t.test('progress goes to stderr only on a terminal or with --progress', async (t) => {
  const fx = await makeFixture(t);
  const quiet = await tapes(fx.root, ['fsck']);
  t.equal(quiet.stderr, '');
  const tty = await tapes(fx.root, ['fsck'], { stderrIsTTY: true });
  t.match(tty.stderr, /Checking objects: 100% \(\d+\/\d+\), done\.\n/);
  t.match(tty.stderr, /Checking connectivity, done\.\n$/);
  t.equal(tty.stdout, '');
  const off = await tapes(fx.root, ['fsck', '--no-progress'], { stderrIsTTY: true });
  t.equal(off.stderr, '');
  const forced = await tapes(fx.root, ['fsck', '--progress']);
  t.match(forced.stderr, /Checking objects/);
});

t.test('not an archive: fatal, 128', async (t) => {
  const r = await tapes(tempDir(t), ['fsck']);
  t.equal(r.code, 128);
  t.match(r.stderr, /^tapes: fatal: not a tapes archive/);
});
