// Content stored as it streams in gets exactly the ids `writeContent` gives
// the whole bytes, whatever the piece sizes, while holding about two chunks.
import t from 'tap';
import { createHash } from 'node:crypto';
import { ContentStreamWriter, readContent, writeContent, type ObjectStore } from '../../src/odb/index.js';
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
