// PackSet.packOf with a PackSkip: the packs it names are not searched, and
// the packs left to search are worked out again when the skip's version or
// the packs themselves change (not for every id).
import t from 'tap';
import { join } from 'node:path';
import { LooseObjectStore, PackingTarget, WriteQueue } from '../../src/odb/index.js';
import { loadCodec } from '../../src/object/index.js';
import { tempDir } from '../helpers/cli.js';

const body = (pack: number, i: number) => Buffer.from(JSON.stringify({ kind: 'user', pack, i }));

t.test('packs named by a skip are not searched, as its version says', async (t) => {
  const dir = join(tempDir(), 'objects');
  const store = await LooseObjectStore.open(dir);
  const target = new PackingTarget(store, await loadCodec());
  const queue = new WriteQueue(target);
  const ids: string[][] = [[], []];
  for (let p = 0; p < 2; p++) {
    for (let i = 0; i < 20; i++) ids[p]!.push(await queue.write('record', body(p, i)));
    await queue.flush();
    await target.finish();
    queue.forgetStored();
  }
  const [a, b] = target.packs.map((p) => p.name) as [string, string];
  const inA = ids[0]![3]!;
  const inB = ids[1]![7]!;
  t.equal(store.packs.packOf(inA)?.name, a, 'without a skip, found where it is');
  t.equal(store.packs.packOf(inB)?.name, b);

  const skip = { names: new Set([a]), version: 1 };
  t.equal(store.packs.packOf(inA, skip), undefined, 'a skipped pack is not searched');
  t.equal(store.packs.packOf(inB, skip)?.name, b, 'the others are');
  let before = store.packs.indexSearches;
  for (let i = 0; i < 10; i++) store.packs.packOf(ids[0]![i]!, skip);
  t.equal(store.packs.indexSearches - before, 10, 'one index searched per id: the skipped pack is not even looked at');

  // The skip changes: its version says so, and the packs left are worked out again.
  skip.names.add(b);
  skip.version++;
  t.equal(store.packs.packOf(inB, skip), undefined, 'a pack added to the skip is no longer searched');
  before = store.packs.indexSearches;
  for (let i = 0; i < 10; i++) store.packs.packOf(ids[1]![i]!, skip);
  t.equal(store.packs.indexSearches - before, 0, 'with every pack skipped, no index is searched');
  skip.names.delete(a);
  skip.version++;
  t.equal(store.packs.packOf(inA, skip)?.name, a, 'and one taken out of it is searched again');

  // A pack that appears (another writer's) is searched, under the same skip and version.
  const other = new PackingTarget(await LooseObjectStore.open(dir), await loadCodec());
  const foreign = await other.write('record', body(9, 0));
  await other.finish();
  store.packs.rescan();
  t.ok(store.packs.packOf(foreign, skip), 'a new pack is searched without the skip changing');
  t.equal(store.packs.packOf(inB, skip), undefined, 'while the skipped one still is not');
});
