import t from 'tap';
import { fixedBytes } from '../helpers/fixed-bytes.js';
import { CHUNK_MIN, chunkBoundaries, decodeChunkList, encodeChunkList, maxBodySize } from '../../src/object/index.js';

const MAX = maxBodySize('blob');

t.test('chunks cover the input exactly, within bounds', async (t) => {
  const data = fixedBytes(8 * 1024 * 1024, 'chunker cover');
  const bounds = chunkBoundaries(data, MAX);
  t.equal(bounds[0]![0], 0);
  t.equal(bounds[bounds.length - 1]![1], data.length);
  for (let i = 0; i < bounds.length; i++) {
    const [s, e] = bounds[i]!;
    if (i > 0) t.equal(s, bounds[i - 1]![1]);
    t.ok(e - s <= MAX, 'no chunk above the bound');
    if (i < bounds.length - 1) t.ok(e - s >= CHUNK_MIN, 'no short chunk before the end');
  }
  t.ok(bounds.length > 8 && bounds.length < 128, `average near 256 KiB (${bounds.length} chunks)`);
});

t.test('boundaries resynchronise after an edit in the middle', async (t) => {
  const data = fixedBytes(6 * 1024 * 1024, 'chunker resync');
  const edited = Buffer.concat([data.subarray(0, 3_000_000), Buffer.from('a few inserted bytes'), data.subarray(3_000_100)]);
  const ends = (b: Array<[number, number]>, buf: Buffer) => new Set(b.map(([s, e]) => buf.subarray(s, e).toString('hex').slice(0, 32) + (e - s)));
  const a = ends(chunkBoundaries(data, MAX), data);
  const b = ends(chunkBoundaries(edited, MAX), edited);
  const shared = [...b].filter((x) => a.has(x)).length;
  t.ok(b.size - shared <= 3, `only the chunks around the edit change (${b.size - shared} of ${b.size})`);
});

t.test('same bytes, same boundaries (the gear table is fixed)', async (t) => {
  const data = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  t.same(chunkBoundaries(data, MAX), chunkBoundaries(Buffer.from(data), MAX));
});

t.test('chunk list text round-trips and is strict', async (t) => {
  const list = { size: 30, entries: [{ kind: 'c' as const, id: 'a'.repeat(64), size: 10 }, { kind: 'l' as const, id: 'b'.repeat(64), size: 20 }] };
  const body = encodeChunkList(list);
  t.equal(Buffer.from(body).toString(), `tapes-chunks 1\nsize 30\nc ${'a'.repeat(64)} 10\nl ${'b'.repeat(64)} 20\n`);
  t.same(decodeChunkList(body), list);
  t.throws(() => decodeChunkList(Buffer.from(`tapes-chunks 1\nsize 31\nc ${'a'.repeat(64)} 10\n`)), { code: 'InvalidInputError' });
  t.throws(() => decodeChunkList(Buffer.from(`tapes-chunks 1\nsize 10\nc ${'A'.repeat(64)} 10\n`)), { code: 'InvalidInputError', data: { line: 3 } });
  t.throws(() => decodeChunkList(Buffer.from(`tapes-chunks 1\nsize 10\nc ${'a'.repeat(64)} 10`)), { code: 'InvalidInputError' });
});
