// Content stored as it streams in gets exactly the ids `writeContent` gives
// the whole bytes, whatever the piece sizes, while holding about two chunks.
import t from 'tap';
import { createHash } from 'node:crypto';
import { ContentStreamWriter, STOP_STREAM, readChunkList, writeChunkList, readContent, readContentPrefix, streamContent, writeContent, type ObjectStore } from '../../src/odb/index.js';
import { maxBodySize, type ObjectType } from '../../src/object/index.js';

/** An in-memory store that counts what it is given. */
function memoryStore(): ObjectStore & { objects: Map<string, Uint8Array>; writes: number } {
  const objects = new Map<string, Uint8Array>();
  const store = {
    objects,
    writes: 0,
    async write(type: ObjectType, body: Uint8Array) {
      store.writes++;
      const id = createHash('sha256').update(`${type} ${body.length}\0`).update(body).digest('hex');
      objects.set(id, Buffer.from(body));
      return id;
    },
    async read(id: string) {
      const body = objects.get(id);
      if (!body) throw new Error(`no object ${id}`);
      return { type: 'blob' as ObjectType, body };
    },
    async has(id: string) {
      return objects.has(id);
    },
  };
  return store as unknown as ObjectStore & { objects: Map<string, Uint8Array>; writes: number };
}

/** Deterministic bytes: text-like runs with some noise, so chunk boundaries vary. */
function bytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x % 7 === 0 ? 10 : 97 + (x % 26);
  }
  return out;
}

const MAX = maxBodySize('blob');
const sizes = [0, 1, 1000, MAX, MAX + 1, 3 * MAX + 12345, 9 * MAX + 7];
for (const size of sizes) {
  t.test(`${size} bytes streamed give the ids of the whole`, async (t) => {
    const data = bytes(size, size + 1);
    const whole = memoryStore();
    const expected = await writeContent(whole, data);
    for (const pieceSeed of [1, 2]) {
      const streamed = memoryStore();
      const w = new ContentStreamWriter(streamed);
      let pos = 0;
      let maxHeld = 0;
      let r = pieceSeed;
      while (pos < data.length) {
        r = (r * 1103515245 + 12345) >>> 0;
        const n = Math.min(data.length - pos, 1 + (r % (pieceSeed === 1 ? 65536 : 700000)));
        await w.push(data.subarray(pos, pos + n));
        maxHeld = Math.max(maxHeld, w.held);
        pos += n;
      }
      const got = await w.end();
      t.same(got, expected, `pieces seed ${pieceSeed}: same id, size and form`);
      t.same([...streamed.objects.keys()].sort(), [...whole.objects.keys()].sort(), 'the same objects');
      t.ok(maxHeld <= 2 * MAX + 700000, `held at most about two chunks (${maxHeld})`);
      t.ok(Buffer.from(await readContent(streamed, got.id)).equals(data), 'reads back the bytes');
    }
  });
}

t.test('pushes made without waiting are all kept, in order', async (t) => {
  const data = bytes(5 * MAX + 999, 77);
  const store = memoryStore();
  const w = new ContentStreamWriter(store);
  const waits: Promise<void>[] = [];
  for (let pos = 0; pos < data.length; pos += 100_000) waits.push(w.push(data.subarray(pos, pos + 100_000)));
  await Promise.all(waits);
  const got = await w.end();
  t.same(got, await writeContent(memoryStore(), data));
  t.ok(Buffer.from(await readContent(store, got.id)).equals(data));
});

t.test('a prefix reads the chunks it needs and no more; a sink that stops ends the stream', async (t) => {
  const data = bytes(9 * MAX + 7, 99);
  const store = memoryStore();
  const { id } = await writeContent(store, data);
  const list = (await readChunkList(store, id))!;
  t.ok(list.entries.length >= 9, `chunked (${list.entries.length} entries)`);
  const read = store.read.bind(store);
  let reads = 0;
  store.read = async (x: string) => {
    reads++;
    return read(x);
  };
  t.ok(list.entries.every((e) => e.kind !== 'l'), 'one level of chunks');
  // Chunks are cut by content: the objects a prefix needs are the list and the chunks up to its end.
  const needed = (max: number) => {
    let n = 0;
    let at = 0;
    while (at < Math.min(max, data.length)) at += list.entries[n++]!.size;
    return 1 + n;
  };
  const first = list.entries[0]!.size;
  const cases: Array<[number, number]> = [10, first, first + 5, data.length + 100].map((max) => [max, needed(max)]);
  t.same(cases.map(([, n]) => n), [2, 2, 3, 1 + list.entries.length], 'the cases ask for one chunk, one, two and all');
  for (const [max, expectedReads] of cases) {
    reads = 0;
    const got = await readContentPrefix(store, id, max);
    t.ok(Buffer.from(got).equals(data.subarray(0, max)), `the first ${Math.min(max, data.length)} bytes`);
    t.equal(reads, expectedReads, `${expectedReads} objects read for ${max} bytes`);
  }
  let pieces = 0;
  const given = await streamContent(store, id, () => (++pieces === 2 ? STOP_STREAM : undefined));
  t.equal(pieces, 2, 'no piece after the one the sink stopped at');
  t.equal(given, first + list.entries[1]!.size, 'the bytes given until then');
  // A chunk past the prefix that does not hold what the list says: a prefix
  // that stops before it never reads it; the whole content names it.
  const last = list.entries[list.entries.length - 1]!;
  store.objects.set(last.id, Buffer.from('short'));
  t.ok(Buffer.from(await readContentPrefix(store, id, 10)).equals(data.subarray(0, 10)), 'a prefix before the damage reads');
  await t.rejects(readContent(store, id), new RegExp(`chunk list ${id}: entry ${last.id} holds 5 bytes, list says ${last.size}`), 'the whole content names the entry');
  await t.rejects(readContentPrefix(store, id, data.length), /holds 5 bytes/, 'and so does a prefix that reaches it');
});

t.test('a list entry that is not a chunk list is named, not a crash', async (t) => {
  const store = memoryStore();
  const plain = await store.write('blob', Buffer.from('not a list'));
  const chunk = await store.write('blob', Buffer.from('abc'));
  const list = await writeChunkList(
    store,
    [
      { kind: 'c', id: chunk, size: 3 },
      { kind: 'l', id: plain, size: 10 },
    ],
    13,
  );
  await t.rejects(readContent(store, list), new RegExp(`chunk list ${list}: entry ${plain} is not a chunk list`));
  t.ok(Buffer.from(await readContentPrefix(store, list, 3)).equals(Buffer.from('abc')), 'a prefix before it reads');
});
