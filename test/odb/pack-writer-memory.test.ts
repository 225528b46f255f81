// What a PackWriter holds while a pack grows: its per-object bookkeeping
// (ids and index entries) stays within a fixed number of bytes an object, and
// the bytes handed to add() are copied into its frame buffer, not kept (an
// import adds a few hundred MB of objects to one pack). Counted, not timed.
import t from 'tap';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PackIndex, PackSet, PackWriter } from '../../src/odb/index.js';
import { encodeObject, loadCodec, objectId } from '../../src/object/index.js';
import { tempDir } from '../helpers/cli.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MiB = 1024 * 1024;

t.test('bookkeeping of 50,000 objects stays under 180 bytes an object', async (t) => {
  const dir = join(tempDir(), 'pack');
  const w = await PackWriter.create(dir, await loadCodec(), { frameSize: 2 * MiB, recordFrameSize: 512 * 1024, level: 1 });
  const n = 50_000;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const body = Buffer.from(JSON.stringify({ kind: 'user', n: i }));
    const id = objectId('record', body);
    ids.push(id);
    await w.add(id, encodeObject('record', body));
  }
  t.equal(w.objectCount, n);
  const perObject = w.bookkeepingBytes / n;
  // A table of 32-byte ids and 16 bytes of numbers, doubled as it grows, and the
  // id set (33 bytes a slot, at least 40 % full). An entry object with its own
  // small Buffer, and a Set of id strings, cost more than 250 bytes.
  t.ok(perObject <= 180, `${perObject.toFixed(1)} bytes an object`);
  const written = (await w.finish())!;
  t.equal(written.objects, n);
  // The index the table wrote finds every object where the pack holds it.
  const set = new PackSet(dir, await loadCodec());
  const index = PackIndex.parse(readFileSync(join(dir, `${written.name}.idx`)), 'idx');
  t.equal(index.count, n);
  let missing = 0;
  for (let i = 0; i < n; i += 97) if (!set.encoded(ids[i]!)) missing++;
  t.equal(missing, 0, 'objects read back through the index');
  set.close();
});

t.test('the bytes given to add() are not held until their frame is full', async (t) => {
  const dir = join(tempDir(), 'pack');
  const w = await PackWriter.create(dir, await loadCodec(), { frameSize: 2 * MiB, recordFrameSize: 512 * 1024, level: 1 });
  const refs: Array<WeakRef<Uint8Array>> = [];
  // 200 records of 1 KiB: 200 KiB, well inside one 512 KiB record frame, so none has been compressed yet.
  for (let i = 0; i < 200; i++) {
    const body = Buffer.alloc(1024, i % 250);
    body.write(`{"n":${i}}`);
    const encoded = encodeObject('record', body);
    refs.push(new WeakRef(encoded));
    await w.add(objectId('record', body), encoded);
  }
  gc();
  await new Promise((r) => setImmediate(r));
  gc();
  const alive = refs.filter((r) => r.deref() !== undefined).length;
  t.ok(alive <= 2, `${alive} of 200 added buffers still reachable before the frame was flushed`);
  const written = (await w.finish())!;
  t.equal(written.objects, 200);
  t.equal(written.frames, 1, 'all in one frame');
});

t.test('an object larger than a frame gets a frame of its own', async (t) => {
  const dir = join(tempDir(), 'pack');
  const w = await PackWriter.create(dir, await loadCodec(), { frameSize: MiB, recordFrameSize: 64 * 1024, level: 1 });
  const bodies = [Buffer.from('{"a":1}'), Buffer.alloc(200 * 1024, 0x61), Buffer.from('{"b":2}')];
  const ids = bodies.map((b) => objectId('record', b));
  for (const [i, b] of bodies.entries()) await w.add(ids[i]!, encodeObject('record', b));
  const written = (await w.finish())!;
  t.equal(written.frames, 3, 'small, large, small: three frames');
  const set = new PackSet(dir, await loadCodec());
  for (const [i, b] of bodies.entries()) t.ok(Buffer.from(set.encoded(ids[i]!)!).equals(encodeObject('record', b)), `object ${i} reads back`);
  set.close();
});
