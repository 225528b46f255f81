// Packs merged as they are (odb/pack-merge.ts): what a large import does
// with its checkpoints' packs at the end. Every object reads back verified
// from the one pack left, frames are copied without being compressed again,
// and a source that is not what its name says stops the merge with nothing
// removed and nothing left behind.
import t from 'tap';
import { promises as fs, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LooseObjectStore, PackIndex, PackingTarget, mergePacks, IMPORT_PACK_OPTIONS, PACK_HEADER_SIZE } from '../../src/odb/index.js';
import { CorruptObjectError } from '../../src/errors/index.js';
import { loadCodec, type ObjectType } from '../../src/object/index.js';
import { tempDir } from '../helpers/cli.js';
import { noise } from '../helpers/random.js';

/** Objects for pack `p`: records and blobs, one blob large enough for a frame of its own. */
function batch(p: number): Array<{ type: ObjectType; body: Buffer }> {
  const out: Array<{ type: ObjectType; body: Buffer }> = [];
  for (let i = 0; i < 150; i++) out.push({ type: 'record', body: Buffer.from(JSON.stringify({ kind: 'user', pack: p, n: i })) });
  for (let i = 0; i < 3; i++) out.push({ type: 'blob', body: noise(700_000, 10 * p + i + 1) });
  return out;
}

const packNames = (objects: string) =>
  readdirSync(join(objects, 'pack'))
    .filter((n) => n.endsWith('.pack'))
    .sort();

/** A store with `count` packs written through a packing target (a checkpoint between each); the ids, and the target. */
async function packedStore(count: number) {
  const objects = join(tempDir(), 'objects');
  const store = await LooseObjectStore.open(objects);
  const target = new PackingTarget(store, await loadCodec());
  const ids: string[] = [];
  for (let p = 0; p < count; p++) {
    for (const o of batch(p)) ids.push(await target.write(o.type, o.body));
    await target.finish();
  }
  return { objects, store, target, ids };
}

t.test('three packs become one: every object reads back, verified; frames are copied, not compressed again', async (t) => {
  const { objects, store, target, ids } = await packedStore(3);
  t.equal(target.packs.length, 3);
  const before = target.packs.reduce((n, p) => n + p.bytes, 0);
  const frames = target.packs.reduce((n, p) => n + p.frames, 0);
  await target.mergeFinished();
  t.equal(target.packs.length, 1, 'the target lists the merged pack alone');
  const merged = target.packs[0]!;
  t.equal(merged.objects, ids.length, 'it holds every object');
  t.equal(merged.frames, frames, 'in the same frames');
  // The sources' frames, their header and trailer dropped but one of each.
  t.equal(merged.bytes, before - 2 * (PACK_HEADER_SIZE + 52), 'byte for byte the frames of the sources');
  t.same(packNames(objects), [`${merged.name}.pack`], 'the sources are gone');
  const reopened = await LooseObjectStore.open(objects);
  const types = [0, 1, 2].flatMap((p) => batch(p).map((o) => o.type));
  for (const [i, id] of ids.entries()) t.equal((await reopened.read(id)).type, types[i], `object ${i} has its type`);
  const idx = PackIndex.parse(readFileSync(join(objects, 'pack', `${merged.name}.idx`)), 'merged.idx');
  const pack = await fs.stat(join(objects, 'pack', `${merged.name}.pack`));
  t.same(idx.verify(pack.size), [], 'the index checks out as fsck checks it');
  t.equal(await store.has(ids[0]!), true, 'the store that merged still finds its objects');
});

t.test('an object in two packs is listed once', async (t) => {
  const objects = join(tempDir(), 'objects');
  const store = await LooseObjectStore.open(objects);
  const target = new PackingTarget(store, await loadCodec());
  const body = Buffer.from('{"kind":"user","inBoth":true}');
  const id = await target.write('record', body);
  await target.write('record', Buffer.from('{"n":1}'));
  await target.finish();
  // Written again (as `checked`, past the store's answer) into the second pack.
  await target.writeReporting('record', body, true);
  await target.write('record', Buffer.from('{"n":2}'));
  await target.finish();
  t.equal(target.packs.length, 2);
  await target.mergeFinished();
  t.equal(target.packs[0]!.objects, 3, 'three objects, one of them once');
  t.equal((await (await LooseObjectStore.open(objects)).read(id)).type, 'record');
});

t.test('a source whose bytes are not what its name says: nothing removed, nothing left behind', async (t) => {
  const { objects, store, target, ids } = await packedStore(2);
  const names = target.packs.map((p) => p.name);
  const victim = join(objects, 'pack', `${names[1]}.pack`);
  const bytes = readFileSync(victim);
  // A byte inside the first frame (still a zstd frame's bytes: the index does not notice).
  bytes[PACK_HEADER_SIZE + 40]! ^= 0x01;
  await fs.chmod(victim, 0o644);
  writeFileSync(victim, bytes);
  store.packs.rescan();
  const err = await mergePacks(store, await loadCodec(), IMPORT_PACK_OPTIONS, names).catch((e: unknown) => e);
  t.type(err, CorruptObjectError);
  t.match((err as Error).message, new RegExp(`objects/pack/${names[1]}\\.pack: its content hashes to [0-9a-f]{64}, not to its name`));
  t.same(packNames(objects), names.map((n) => `${n}.pack`).sort(), 'both sources are still there');
  t.same(
    readdirSync(join(objects, 'pack')).filter((n) => !n.startsWith('pack-')),
    [],
    'no temporary file is left',
  );
  t.equal((await store.read(ids[0]!)).type, 'record', "the other pack's objects still read");
});

t.test('a source gone before the merge (a gc got there first): nothing is done', async (t) => {
  const { objects, store, target } = await packedStore(2);
  const names = target.packs.map((p) => p.name);
  store.layout.removePack(names[0]!);
  t.equal(await mergePacks(store, await loadCodec(), IMPORT_PACK_OPTIONS, names), undefined);
  t.same(packNames(objects), [`${names[1]}.pack`]);
  t.equal(await mergePacks(store, await loadCodec(), IMPORT_PACK_OPTIONS, [names[1]!]), undefined, 'one pack: nothing to merge');
});

t.test('nothing is merged while a pack is being written, or with one pack', async (t) => {
  const { objects, target } = await packedStore(1);
  await target.mergeFinished();
  t.equal(packNames(objects).length, 1);
  await target.write('record', Buffer.from('{"n":"pending"}'));
  await target.mergeFinished();
  t.equal(target.packs.length, 1, 'the pending pack is not merged half-written');
  await target.finish();
  t.equal(target.packs.length, 2);
  await target.mergeFinished();
  t.equal(target.packs.length, 1);
});

t.test('packs that hold the same object merge into one pack with one entry for it, the first', async (t) => {
  const { encodeObject } = await import('../../src/object/index.js');
  const { sha256Hex } = await import('../../src/hash/index.js');
  const { PackWriter } = await import('../../src/odb/index.js');
  const objects = join(tempDir(), 'objects');
  const store = await LooseObjectStore.open(objects);
  const codec = await loadCodec();
  const shared = encodeObject('record', Buffer.from(JSON.stringify({ kind: 'user', shared: true })));
  const sharedId = sha256Hex(shared);
  const names: string[] = [];
  const ids = new Set<string>([sharedId]);
  for (let p = 0; p < 2; p++) {
    const w = await PackWriter.create(store.layout.packDir, codec, IMPORT_PACK_OPTIONS);
    for (let i = 0; i < 40; i++) {
      const e = encodeObject('record', Buffer.from(JSON.stringify({ kind: 'user', pack: p, n: i })));
      ids.add(sha256Hex(e));
      await w.add(sha256Hex(e), e);
      if (i === 20) await w.add(sharedId, shared);
    }
    names.push((await w.finish())!.name);
  }
  const merged = (await mergePacks(store, codec, IMPORT_PACK_OPTIONS, names))!;
  t.ok(merged, 'merged');
  t.equal(merged.objects, ids.size, `one entry an object (${ids.size}), not ${ids.size + 1}`);
  const idx = PackIndex.parse(readFileSync(join(objects, 'pack', `${merged.name}.idx`)), 'merged.idx');
  const pack = await fs.stat(join(objects, 'pack', `${merged.name}.pack`));
  t.same(idx.verify(pack.size), [], 'the index checks out as fsck checks it');
  t.equal(idx.count, ids.size);
  // The shared object's entry is the first pack's: its frame is the merged pack's first.
  const at = idx.find(Buffer.from(sharedId, 'hex'));
  t.ok(at >= 0, 'the shared object is indexed');
  t.equal(idx.entry(at).frameOffset, idx.frame(0).offset, 'in the frame copied first');
  const reopened = await LooseObjectStore.open(objects);
  let unread = 0;
  for (const id of ids) if ((await reopened.read(id).catch(() => undefined)) === undefined) unread++;
  t.equal(unread, 0, 'every object reads back, verified');
});
