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
