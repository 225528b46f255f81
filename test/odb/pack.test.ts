// Packs on their own: the writer's frames and index, reading back through a
// PackSet (verified, cached), and the loose store reading through packs.
import t from 'tap';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import {
  LooseObjectStore,
  MAX_FRAME_CONTENT,
  PACK_HEADER_SIZE,
  PACK_TRAILER_SIZE,
  PackIndex,
  PackSet,
  FRAME_CACHE_BYTES,
  setFrameCacheBytes,
  PackWriter,
  SKIPPABLE_MAGIC,
  encodePackIndex,
  PackEntryTable,
  maxFrameForLevel,
} from '../../src/odb/index.js';
import { decodeObject, encodeObject, loadCodec, objectId, readZstdFrameHeader, type ObjectType } from '../../src/object/index.js';
import { sha256Hex } from '../../src/hash/index.js';
import { tempDir } from '../helpers/cli.js';
import { noise } from '../helpers/random.js';

const MiB = 1024 * 1024;

interface Obj {
  id: string;
  type: ObjectType;
  body: Buffer;
}

function obj(type: ObjectType, body: Buffer): Obj {
  return { id: objectId(type, body), type, body };
}

/** A few records and blobs, some large enough to need several frames. */
function sample(): Obj[] {
  const out: Obj[] = [];
  for (let i = 0; i < 12; i++) out.push(obj('blob', noise(300_000, i + 1)));
  for (let i = 0; i < 200; i++) out.push(obj('record', Buffer.from(JSON.stringify({ kind: 'user', n: i, parent: null }))));
  out.push(obj('blob', Buffer.from('tiny')));
  return out;
}

async function writePack(dir: string, objs: Obj[], frameSize = MiB, level = 3) {
  const w = await PackWriter.create(dir, await loadCodec(), { frameSize, level });
  for (const o of objs) await w.add(o.id, encodeObject(o.type, o.body));
  return (await w.finish())!;
}

t.test('a pack holds every object once, in frames of at most frameSize, and reads back verified', async (t) => {
  const dir = join(tempDir(), 'pack');
  const objs = sample();
  const written = await writePack(dir, [...objs, objs[0]!, objs[5]!]);
  t.equal(written.objects, objs.length, 'duplicates are added once');
  t.same(readdirSync(dir).sort(), [`${written.name}.idx`, `${written.name}.pack`], 'no temp files left');
  const packBytes = readFileSync(join(dir, `${written.name}.pack`));
  t.equal(written.name, `pack-${createHash('sha256').update(packBytes.subarray(0, -32)).digest('hex')}`, 'named by its checksum');
  t.equal(packBytes.readUInt32LE(0), SKIPPABLE_MAGIC, 'the header is a skippable zstd frame');
  t.equal(packBytes.readUInt32LE(packBytes.length - PACK_TRAILER_SIZE), SKIPPABLE_MAGIC, 'so is the trailer');

  const index = PackIndex.parse(readFileSync(join(dir, `${written.name}.idx`)), 'idx');
  t.same(index.verify(packBytes.length), [], 'the index verifies');
  t.equal(index.count, objs.length);
  const ids = Array.from({ length: index.count }, (_, i) => index.idHex(i));
  t.same(ids, [...new Set(objs.map((o) => o.id))].sort(), 'ids sorted, each once');

  // Every data frame is a plain zstd frame: decoding them in order gives the objects back to back.
  const codec = await loadCodec();
  const contents: Buffer[] = [];
  let recordFrames = 0;
  for (let f = 0; f < index.frameCount; f++) {
    const fr = index.frame(f);
    const frame = packBytes.subarray(fr.offset, fr.offset + fr.length);
    t.equal(readZstdFrameHeader(frame).contentSize, fr.contentLength);
    t.ok(fr.contentLength <= MiB, `frame ${f} holds at most 1 MiB`);
    const content = Buffer.from(codec.decompress(frame, MAX_FRAME_CONTENT));
    contents.push(content);
    // Records and blobs never share a frame.
    const kinds = new Set<string>();
    for (let pos = 0; pos < content.length; ) {
      const nul = content.indexOf(0, pos);
      const [type, len] = content.toString('latin1', pos, nul).split(' ');
      kinds.add(type!);
      pos = nul + 1 + Number(len);
    }
    t.equal(kinds.size, 1, `frame ${f} holds one kind of object`);
    if (kinds.has('record')) recordFrames++;
  }
  t.equal(recordFrames, 1, 'the 200 small records share one frame');
  t.equal(contents.reduce((n, c) => n + c.length, 0), objs.reduce((n, o) => n + encodeObject(o.type, o.body).length, 0));
  t.equal(index.frame(0).offset, PACK_HEADER_SIZE);

  const set = new PackSet(dir, codec);
  for (const o of objs) {
    const got = set.read(o.id)!;
    t.equal(got.type, o.type);
    t.ok(Buffer.from(got.body).equals(o.body), `${o.type} ${o.id.slice(0, 8)} reads back`);
  }
  t.equal(set.framesDecoded, index.frameCount, 'reading everything in order decodes each frame once');
  t.equal(set.read('0'.repeat(64)), undefined);
  t.same([...set.ids()].sort(), ids, 'ids() lists every packed id once');
  const before = set.framesDecoded;
  const fresh = new PackSet(dir, codec);
  for (const id of fresh.ids()) fresh.read(id);
  t.equal(fresh.framesDecoded, index.frameCount, 'reading in ids() order decodes each frame once');
  fresh.close();
  t.equal(set.framesDecoded, before);
  // A set opened with a frame cache smaller than one frame keeps none: reading everything twice decodes every frame twice.
  setFrameCacheBytes(1);
  const small = new PackSet(dir, codec);
  setFrameCacheBytes(FRAME_CACHE_BYTES);
  for (let k = 0; k < 2; k++) for (const o of objs) t.ok(Buffer.from(small.read(o.id)!.body).equals(o.body));
  t.ok(small.framesDecoded > index.frameCount, `a small cache decodes frames again (${small.framesDecoded} for ${index.frameCount} frames)`);
  small.close();
  const some = objs[3]!.id;
  t.same(set.findByPrefix(some.slice(0, 5)), ids.filter((i) => i.startsWith(some.slice(0, 5))));
  set.close();
});

t.test('a damaged frame is never returned as an object', async (t) => {
  const dir = join(tempDir(), 'pack');
  const objs = [obj('blob', Buffer.from('a'.repeat(5000))), obj('record', Buffer.from('{"parent":null}'))];
  const written = await writePack(dir, objs);
  const packPath = join(dir, `${written.name}.pack`);
  const bytes = readFileSync(packPath);
  // Change one byte of a literal inside the first data frame: it still decodes, to other bytes.
  const index = PackIndex.parse(readFileSync(join(dir, `${written.name}.idx`)), 'idx');
  const f0 = index.frame(0);
  const at = f0.offset + Math.floor(f0.length / 2);
  bytes[at] = bytes[at]! ^ 0x20;
  await fs.chmod(packPath, 0o644);
  await fs.writeFile(packPath, bytes);
  const set = new PackSet(dir, await loadCodec());
  let failed = 0;
  for (const o of objs) {
    try {
      const got = set.read(o.id);
      t.ok(got && Buffer.from(got.body).equals(o.body), 'an object outside the damage reads back intact');
    } catch (err) {
      failed++;
      t.match((err as { code: string }).code, /^(HashMismatchError|CorruptObjectError)$/);
    }
  }
  t.ok(failed >= 1, 'the damaged object throws');
  set.close();
});

t.test("an object's frame is found by its offset in a pack of many frames; an entry naming no frame's start is refused", async (t) => {
  const dir = join(tempDir(), 'pack');
  // Records of 2 KB in frames of 64 KiB (the least a writer takes): dozens of frames, the first, the last and every one between searched for.
  const objs = Array.from({ length: 1000 }, (_, i) => obj('record', Buffer.from(JSON.stringify({ kind: 'user', n: i, text: 'x'.repeat(2000 + (i % 7)), parent: null }))));
  const w = await PackWriter.create(dir, await loadCodec(), { frameSize: MiB, recordFrameSize: 64 * 1024, level: 1 });
  for (const o of objs) await w.add(o.id, encodeObject(o.type, o.body));
  const written = (await w.finish())!;
  const idxPath = join(dir, `${written.name}.idx`);
  const index = PackIndex.parse(readFileSync(idxPath), 'idx');
  t.ok(index.frameCount >= 20, `${index.frameCount} frames`);
  const set = new PackSet(dir, await loadCodec());
  // In an order other than the pack's, so each search starts cold.
  const same = [...objs].reverse().filter((o) => Buffer.from(set.read(o.id)!.body).equals(o.body)).length;
  t.equal(same, objs.length, 'every record read back, from whichever frame holds it');
  set.close();
  // One entry's frame offset moved into the middle of its frame: no frame starts there.
  const bytes = Buffer.from(readFileSync(idxPath));
  const i = Math.floor(index.count / 2);
  const entriesAt = 16 + 1024 + index.count * 32;
  const at = entriesAt + i * 16;
  bytes.writeBigUInt64BE(bytes.readBigUInt64BE(at) + 1n, at);
  await fs.chmod(idxPath, 0o644);
  await fs.writeFile(idxPath, bytes);
  const damaged = new PackSet(dir, await loadCodec());
  t.throws(() => damaged.read(index.idHex(i)), { code: 'CorruptObjectError', message: /lies outside the pack's frames/ }, 'the entry is refused, by name');
  t.same(Buffer.from(damaged.read(index.idHex(i === 0 ? 1 : 0))!.body).length > 0, true, 'another object still reads');
  damaged.close();
});

t.test('a truncated or foreign index is refused with a typed error', async (t) => {
  t.throws(() => PackIndex.parse(Buffer.from('TIDX'), 'x.idx'), { code: 'CorruptObjectError' });
  const dir = join(tempDir(), 'pack');
  const written = await writePack(dir, [obj('blob', Buffer.from('x'))]);
  const idx = readFileSync(join(dir, `${written.name}.idx`));
  t.throws(() => PackIndex.parse(idx.subarray(0, idx.length - 1), 'x.idx'), { code: 'CorruptObjectError' });
  const v2 = Buffer.from(idx);
  v2.writeUInt32BE(2, 4);
  t.throws(() => PackIndex.parse(v2, 'x.idx'), /version 2 is not supported/);
});

t.test('the codec limits: frame sizes beyond what a level fits in the heap are refused', async (t) => {
  t.equal(maxFrameForLevel(3), 4 * MiB);
  t.equal(maxFrameForLevel(9), 2 * MiB);
  t.equal(maxFrameForLevel(12), 0);
  const codec = await loadCodec();
  await t.rejects(PackWriter.create(join(tempDir(), 'p'), codec, { frameSize: 4 * MiB, level: 9 }), { code: 'InvalidInputError' });
  await t.rejects(PackWriter.create(join(tempDir(), 'p'), codec, { frameSize: 8 * MiB, level: 3 }), { code: 'InvalidInputError' });
  // The largest allowed frame at the highest allowed level compresses and decodes.
  const dir = join(tempDir(), 'pack');
  const big = Array.from({ length: 4 }, (_, i) => obj('blob', noise(500_000, 40 + i)));
  const written = await writePack(dir, big, 2 * MiB, 9);
  const set = new PackSet(dir, codec);
  for (const o of big) t.ok(Buffer.from(set.read(o.id)!.body).equals(o.body));
  t.equal(written.frames, 1);
  set.close();
});

t.test('the loose store reads through packs: has, read, readFile, ids, prefixes, no rewrite', async (t) => {
  const objectsDir = join(tempDir(), 'objects');
  const early = await LooseObjectStore.open(objectsDir); // opened before any pack exists
  const store = await LooseObjectStore.open(objectsDir);
  const objs = sample().slice(8);
  const looseOnly = await store.write('blob', Buffer.from('stays loose'));
  // Packed, with no loose copy, as gc leaves them (written straight into the
  // pack: writing each loose first, then removing it, cost 205 fsyncs).
  const packed = objs;
  await writePack(join(objectsDir, 'pack'), packed);
  t.ok(packed.every((o) => !store.hasLoose(o.id)), 'no loose copy of a packed object');
  const fresh = await LooseObjectStore.open(objectsDir);
  for (const s of [fresh, early]) {
    for (const o of packed) {
      const got = await s.read(o.id);
      t.ok(Buffer.from(got.body).equals(o.body));
      t.equal(await s.has(o.id), true);
      // readFile gives a loose object file's bytes, which verify accepts.
      const file = await s.readFile(o.id);
      t.same(s.verify(o.id, file).type, o.type);
    }
    t.equal(Buffer.from((await s.read(looseOnly)).body).toString(), 'stays loose');
  }
  const all: string[] = [];
  for await (const id of fresh.ids()) all.push(id);
  t.same(all.sort(), [...packed.map((o) => o.id), looseOnly].sort(), 'ids lists loose and packed objects once each');
  const p = packed[0]!.id.slice(0, 4);
  t.same(await fresh.findByPrefix(p), all.filter((i) => i.startsWith(p)).sort());
  // Writing an object a pack holds adds nothing.
  const again = await fresh.writeReporting(packed[0]!.type, packed[0]!.body);
  t.equal(again.written, 0);
  t.equal(fresh.hasLoose(packed[0]!.id), false, 'no loose copy made');
  await t.rejects(fresh.read('1'.repeat(64)), { code: 'NotFoundError' });
  t.equal(sha256Hex(encodeObject(packed[1]!.type, packed[1]!.body)), packed[1]!.id);
  t.same(decodeObject(encodeObject('blob', Buffer.from('z'))).type, 'blob');
});

t.test('an index opened from its file reads only what lookups touch, and answers as the whole index does', async (t) => {
  // A synthetic index of 20,000 ids (no pack behind it: only the index is read).
  const n = 20_000;
  const entries = new PackEntryTable();
  for (let i = 0; i < n; i++) entries.add(createHash('sha256').update(`object ${i}`).digest(), PACK_HEADER_SIZE + (i % 7) * 100, i, 1);
  const frames = Array.from({ length: 7 }, (_, i) => ({ offset: PACK_HEADER_SIZE + i * 100, length: 100, contentLength: n }));
  const bytes = Buffer.from(encodePackIndex(entries, frames, createHash('sha256').update('pack').digest()));
  let read = 0;
  let calls = 0;
  const reader = (into: Uint8Array, offset: number, length: number, position: number) => {
    read += length;
    calls++;
    bytes.copy(into, offset, position, position + length);
  };
  const whole = PackIndex.parse(bytes, 'x.idx');
  const lazy = PackIndex.openFile(bytes.length, reader, 'x.idx');
  t.ok(read < 2000, `opening reads the header, fan-out and checksums only (${read} of ${bytes.length} bytes)`);
  t.same(Buffer.from(lazy.packChecksum()), Buffer.from(whole.packChecksum()));
  for (const k of [0, 1234, 19_999]) {
    const id = Buffer.from(entries.id(k));
    const i = lazy.find(id);
    t.equal(i, whole.find(id), `object ${k} found at the same position`);
    t.same(lazy.entry(i), whole.entry(i));
    t.equal(lazy.idHex(i), whole.idHex(i));
  }
  t.equal(lazy.find(createHash('sha256').update('absent').digest()), -1, 'an absent id is absent');
  t.ok(read < bytes.length / 20, `four lookups read ${read} of ${bytes.length} bytes, in ${calls} reads`);
  t.same(lazy.frame(3), whole.frame(3), 'the frame table, read on first use');
  const prefix = whole.idHex(500).slice(0, 4);
  t.same(lazy.idsHex(...lazy.prefixRange(prefix)), whole.idsHex(...whole.prefixRange(prefix)), 'ids by prefix');
  t.same(lazy.idsHex(100, 3000), whole.idsHex(100, 3000), 'a run of ids across first bytes');
  t.same(lazy.verify(1e9), whole.verify(1e9), 'verify reads the rest and finds what parse() finds');
  // Checked as parse() checks: a size that does not match the counts, a wrong version.
  t.throws(() => PackIndex.openFile(bytes.length - 1, reader, 'x.idx'), /the index is \d+ bytes, its counts call for/);
  const v2 = Buffer.from(bytes);
  v2.writeUInt32BE(2, 4);
  t.throws(() => PackIndex.openFile(v2.length, (into, o, l, p) => v2.copy(into, o, p, p + l), 'x.idx'), /version 2 is not supported/);
  t.throws(() => PackIndex.openFile(10, reader, 'x.idx'), /too short/);
});

t.test('blob frames close at blobFrameSize; a larger blob is a frame of its own', async (t) => {
  const dir = join(tempDir(), 'pack');
  // 40 blobs of 30 KB (some 1.2 MB), then one of 600 KB, then 10 more of 30 KB; a few records.
  const objs: Obj[] = [];
  for (let i = 0; i < 40; i++) objs.push(obj('blob', noise(30_000, 200 + i)));
  objs.push(obj('blob', noise(600_000, 300)));
  for (let i = 0; i < 10; i++) objs.push(obj('blob', noise(30_000, 400 + i)));
  for (let i = 0; i < 20; i++) objs.push(obj('record', Buffer.from(JSON.stringify({ kind: 'user', n: i }))));
  const codec = await loadCodec();
  const w = await PackWriter.create(dir, codec, { frameSize: MiB, recordFrameSize: 64 * 1024, blobFrameSize: 128 * 1024, level: 3 });
  for (const o of objs) await w.add(o.id, encodeObject(o.type, o.body));
  const written = (await w.finish())!;
  const index = PackIndex.parse(readFileSync(join(dir, `${written.name}.idx`)), 'idx');
  const packBytes = readFileSync(join(dir, `${written.name}.pack`));
  const perFrame = new Map<number, number>();
  for (let i = 0; i < index.count; i++) perFrame.set(index.entry(i).frameOffset, (perFrame.get(index.entry(i).frameOffset) ?? 0) + 1);
  const blob: Array<{ size: number; objects: number }> = [];
  for (let f = 0; f < index.frameCount; f++) {
    const fr = index.frame(f);
    const content = Buffer.from(codec.decompress(packBytes.subarray(fr.offset, fr.offset + fr.length), MAX_FRAME_CONTENT));
    if (content.toString('latin1', 0, 4) === 'blob') blob.push({ size: fr.contentLength, objects: perFrame.get(fr.offset)! });
  }
  t.same(
    blob.filter((b) => b.size > 128 * 1024),
    [{ size: encodeObject('blob', objs[40]!.body).length, objects: 1 }],
    'only the 600 KB blob is in a frame over 128 KiB, alone',
  );
  // A 30 KB blob encodes to 30,012 bytes: four fill 120,048 of 128 KiB, a fifth would go past.
  t.same(blob.map((b) => b.objects), [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 1, 4, 4, 2], 'the small blobs four to a frame, in the order added');
  t.ok(blob.filter((b) => b.objects > 1).every((b) => b.size <= 128 * 1024), 'no frame of several blobs over 128 KiB');
  for (const o of objs) {
    const at = index.find(Buffer.from(o.id, 'hex'));
    t.ok(at >= 0, `${o.type} ${o.id.slice(0, 8)} is in the index`);
  }
  await t.rejects(PackWriter.create(join(tempDir(), 'p'), codec, { frameSize: MiB, blobFrameSize: 1000, level: 3 }), { code: 'InvalidInputError' }, 'a blob frame size below 64 KiB');
  await t.rejects(PackWriter.create(join(tempDir(), 'p'), codec, { frameSize: MiB, blobFrameSize: 2 * MiB, level: 3 }), /blob frame size 2097152 is outside 64 KiB to the frame size/, 'or above the frame size');
});

t.test('record frames close at recordFrameSize, blob frames at frameSize', async (t) => {
  const dir = join(tempDir(), 'pack');
  // 2,000 records of about 400 bytes (some 800 KB) and blobs of 300 KB.
  const objs: Obj[] = [];
  for (let i = 0; i < 2000; i++) objs.push(obj('record', Buffer.from(JSON.stringify({ kind: 'assistant', n: i, text: 'x'.repeat(360) }))));
  for (let i = 0; i < 8; i++) objs.push(obj('blob', noise(300_000, 100 + i)));
  const w = await PackWriter.create(dir, await loadCodec(), { frameSize: MiB, recordFrameSize: 256 * 1024, level: 3 });
  for (const o of objs) await w.add(o.id, encodeObject(o.type, o.body));
  const written = (await w.finish())!;
  const packBytes = readFileSync(join(dir, `${written.name}.pack`));
  const index = PackIndex.parse(readFileSync(join(dir, `${written.name}.idx`)), 'idx');
  const codec = await loadCodec();
  const sizes = { record: [] as number[], blob: [] as number[] };
  for (let f = 0; f < index.frameCount; f++) {
    const fr = index.frame(f);
    const content = Buffer.from(codec.decompress(packBytes.subarray(fr.offset, fr.offset + fr.length), MAX_FRAME_CONTENT));
    sizes[content.toString('latin1', 0, 6) === 'record' ? 'record' : 'blob'].push(fr.contentLength);
  }
  t.ok(sizes.record.length >= 4, `the records fill several frames (${sizes.record.length})`);
  t.ok(sizes.record.every((n) => n <= 256 * 1024), 'no record frame over 256 KiB');
  t.ok(sizes.record.slice(0, -1).every((n) => n > 200 * 1024), 'and each but the last nearly full');
  t.ok(sizes.blob.some((n) => n > 256 * 1024), 'blob frames still fill up to frameSize');
  t.ok(sizes.blob.every((n) => n <= MiB));
  await t.rejects(PackWriter.create(join(tempDir(), 'p'), codec, { frameSize: MiB, recordFrameSize: 1000, level: 3 }), { code: 'InvalidInputError' }, 'a record frame size below 64 KiB');
  await t.rejects(PackWriter.create(join(tempDir(), 'p'), codec, { frameSize: MiB, recordFrameSize: 2 * MiB, level: 3 }), { code: 'InvalidInputError' }, 'or above the frame size');
});
