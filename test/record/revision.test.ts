import t from 'tap';
import { Archive } from '../../src/archive/index.js';
import { objectId } from '../../src/object/index.js';
import { canonicalRecordBytes } from '../../src/record/index.js';
import { tempDir } from '../helpers/cli.js';

async function chain(archive: Archive, n: number, tag: string): Promise<string[]> {
  const store = await archive.objects();
  const ids: string[] = [];
  let parent: string | null = null;
  for (let i = 0; i < n; i++) {
    parent = await store.write('record', canonicalRecordBytes({ parent, i, tag }));
    ids.push(parent);
  }
  return ids;
}

t.test('revision forms', async (t) => {
  const cwd = tempDir();
  await Archive.init({ cwd, env: {} });
  const archive = await Archive.open({ cwd, env: {} });
  const a = await chain(archive, 5, 'a');
  const b = await chain(archive, 3, 'b');
  await archive.refs.update('refs/sessions/9be94ee3-aaaa', a[4]!);
  await archive.refs.update('refs/sessions/9be94ee3-bbbb', b[2]!);
  await archive.refs.update('refs/sessions/other', b[1]!);
  await archive.refs.update('refs/tags/v1', a[2]!);
  await archive.refs.setSymbolic('HEAD', 'refs/sessions/other', 'test');

  const r = (rev: string) => archive.resolve(rev);
  t.same(await r(a[3]!), { rev: a[3], id: a[3] }, 'full id');
  t.same((await r(a[3]!.slice(0, 10))).id, a[3], 'unique prefix');
  t.same(await r('refs/sessions/other'), { rev: 'refs/sessions/other', id: b[1], ref: 'refs/sessions/other' }, 'full ref name');
  t.same(await r('other'), { rev: 'other', id: b[1], ref: 'refs/sessions/other' }, 'short session name');
  t.same((await r('v1')).id, a[2], 'tag');
  t.same((await r('9be94ee3-a')).id, a[4], 'unique session-name prefix');
  t.same(await r('HEAD'), { rev: 'HEAD', id: b[1], ref: 'HEAD' }, 'HEAD');
  t.equal((await r('9be94ee3-aaaa~2')).id, a[2], '~N');
  t.equal((await r('9be94ee3-aaaa^')).id, a[3], '^');
  t.equal((await r('9be94ee3-aaaa^^~1')).id, a[1], 'combined');
  t.equal((await r('9be94ee3-aaaa~0')).id, a[4], '~0');
  t.equal((await r('HEAD~1')).id, b[0]);
  await t.rejects(r('9be94ee3-aaaa~5'), { code: 'NotFoundError' }, 'past the root');
  await t.rejects(r('9be94ee3'), { code: 'AmbiguousRevisionError', data: { candidates: ['session refs/sessions/9be94ee3-aaaa', 'session refs/sessions/9be94ee3-bbbb'] } });
  await t.rejects(r('nosuch'), { code: 'NotFoundError' });
  await t.rejects(r('abc'), { code: 'BadRevisionError' }, 'prefix too short');
  await t.rejects(r('other^2'), { code: 'BadRevisionError' }, 'no second parent');
  await t.rejects(r('~1'), { code: 'BadRevisionError' });

  // Reflog: @{N}
  await archive.refs.update('refs/sessions/other', b[2]!, { reason: 'move 1' });
  await archive.refs.update('refs/sessions/other', a[0]!, { reason: 'move 2' });
  t.equal((await r('other@{0}')).id, a[0]);
  t.equal((await r('other@{1}')).id, b[2]);
  t.equal((await r('other@{2}')).id, b[1]);
  t.equal((await r('other@{1}~1')).id, b[1]);
  await t.rejects(r('other@{3}'), { code: 'NotFoundError' });
  t.equal((await r('@{0}')).id, a[0], '@{N} alone means HEAD');
});

t.test('an ambiguous id prefix lists every candidate', async (t) => {
  const cwd = tempDir();
  await Archive.init({ cwd, env: {} });
  const archive = await Archive.open({ cwd, env: {} });
  const store = await archive.objects();
  // Two blobs whose ids share a 4-hex prefix: found by their ids alone
  // (some three hundred candidates), then only those two written (each
  // candidate was written and fsynced).
  const byPrefix = new Map<string, number>();
  let pair: [number, number] | undefined;
  for (let i = 0; !pair; i++) {
    const prefix = objectId('blob', Buffer.from(`blob ${i}`)).slice(0, 4);
    const first = byPrefix.get(prefix);
    if (first === undefined) byPrefix.set(prefix, i);
    else pair = [first, i];
  }
  const shared = [await store.write('blob', Buffer.from(`blob ${pair[0]}`)), await store.write('blob', Buffer.from(`blob ${pair[1]}`))];
  t.equal(shared[0]!.slice(0, 4), shared[1]!.slice(0, 4), 'the store gave them the ids that share the prefix');
  const err = await archive.resolve(shared[0]!.slice(0, 4)).catch((e: unknown) => e);
  t.match(err, { code: 'AmbiguousRevisionError' });
  const data = (err as { data: { candidates: string[] } }).data;
  t.same(data.candidates.sort(), shared.map((id) => `object ${id}`).sort());
  t.match((err as { hint: string }).hint, shared[1]!);
});
