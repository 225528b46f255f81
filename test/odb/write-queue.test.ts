// The write queue over a packing target (what a large import writes through):
// after a checkpoint has finished the pack, forgetStored() lets the queue drop
// its ids, and it still answers for them, and still writes nothing twice,
// through the store. A dry run keeps them (they were never written).
import t from 'tap';
import { join } from 'node:path';
import { LooseObjectStore, PackingTarget, WriteQueue } from '../../src/odb/index.js';
import { loadCodec } from '../../src/object/index.js';
import { tempDir } from '../helpers/cli.js';

const bodies = Array.from({ length: 300 }, (_, i) => Buffer.from(JSON.stringify({ kind: 'user', n: i })));

t.test('forgetStored after a finished pack: the ids go, the answers stay', async (t) => {
  const store = await LooseObjectStore.open(join(tempDir(), 'objects'));
  const target = new PackingTarget(store, await loadCodec());
  const queue = new WriteQueue(target);
  const ids: string[] = [];
  for (const b of bodies) ids.push(await queue.write('record', b));
  t.equal(queue.knownCount, bodies.length, 'the queue remembers what it took');
  await queue.flush();
  await target.finish();
  queue.forgetStored();
  t.equal(queue.knownCount, 0, 'and forgets it once the pack is in place');
  t.equal(target.packs.length, 1);
  for (const id of [ids[0]!, ids[150]!, ids[299]!]) t.equal(await queue.has(id), true, `${id.slice(0, 8)} is still there`);
  let fresh = 0;
  for (const b of bodies) if ((await queue.writeNew('record', b)).isNew) fresh++;
  await queue.flush();
  await target.finish();
  t.equal(fresh, 0, 'writing them again adds nothing');
  t.equal(target.packs.length, 1, 'and writes no second pack');
  t.equal(queue.stats.objectsWritten, bodies.length);
});

t.test('a dry run keeps its ids: nothing was stored', async (t) => {
  const store = await LooseObjectStore.open(join(tempDir(), 'objects'));
  const queue = new WriteQueue(store, true);
  const id = await queue.write('record', bodies[0]!);
  await queue.flush();
  queue.forgetStored();
  t.equal(queue.knownCount, 1);
  t.equal(await queue.has(id), true, 'the planned record still counts as there');
  t.equal(await store.has(id), false, 'though the store never saw it');
});

t.test("a packing target does not search its own packs for an id it never added", async (t) => {
  const store = await LooseObjectStore.open(join(tempDir(), 'objects'));
  const target = new PackingTarget(store, await loadCodec());
  const queue = new WriteQueue(target);
  // Three finished packs of its own, as three checkpoints leave them.
  const ids: string[] = [];
  for (let p = 0; p < 3; p++) {
    for (const b of bodies.slice(p * 100, p * 100 + 100)) ids.push(await queue.write('record', b));
    await queue.flush();
    await target.finish();
    queue.forgetStored();
  }
  t.equal(target.packs.length, 3);
  const fresh = Array.from({ length: 500 }, (_, i) => Buffer.from(JSON.stringify({ kind: 'assistant', n: i })));
  const before = store.packs.indexSearches;
  for (const b of fresh) t.equal((await queue.writeNew('record', b)).isNew, true);
  const searched = store.packs.indexSearches - before;
  t.ok(searched < 50, `500 new objects searched ${searched} pack indexes (each would have searched 3)`);
  // What it did add is still found, in whichever of its packs holds it.
  await queue.flush();
  await target.finish();
  queue.forgetStored();
  let again = 0;
  for (const b of [...bodies, ...fresh]) if ((await queue.writeNew('record', b)).isNew) again++;
  t.equal(again, 0, 'everything it added is found again');
  await queue.flush();
  await target.finish();
  t.equal(target.packs.length, 4, 'and no pack is written for it');
  // Merged into one, its packs are one name: still found, still skipped.
  await target.mergeFinished();
  t.equal(target.packs.length, 1);
  let afterMerge = 0;
  for (const b of bodies) if ((await queue.writeNew('record', b)).isNew) afterMerge++;
  t.equal(afterMerge, 0, 'found in the merged pack');
  const beforeNew = store.packs.indexSearches;
  for (let i = 0; i < 200; i++) await queue.writeNew('record', Buffer.from(JSON.stringify({ kind: 'system', n: i })));
  t.ok(store.packs.indexSearches - beforeNew < 20, 'and the merged pack is skipped for new ids');
});

t.test('a pack it did not write is still searched for every new id', async (t) => {
  const dir = join(tempDir(), 'objects');
  const first = new PackingTarget(await LooseObjectStore.open(dir), await loadCodec());
  for (const b of bodies) await first.write('record', b);
  await first.finish();
  // A second import into the same archive: the first one's pack is not its own.
  const store = await LooseObjectStore.open(dir);
  const target = new PackingTarget(store, await loadCodec());
  const queue = new WriteQueue(target);
  let isNew = 0;
  for (const b of bodies) if ((await queue.writeNew('record', b)).isNew) isNew++;
  t.equal(isNew, 0, "what the other import stored is found, not written again");
  await queue.flush();
  await target.finish();
  t.equal(target.packs.length, 0, 'no pack was written');
});
