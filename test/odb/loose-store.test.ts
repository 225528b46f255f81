import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fixedBytes } from '../helpers/fixed-bytes.js';
import { LooseObjectStore, readContent, writeContent, streamContent, readChunkList } from '../../src/odb/index.js';
import { objectId, loadCodec } from '../../src/object/index.js';
import { tempDir } from '../helpers/cli.js';

async function countFiles(dir: string): Promise<{ objects: number; temps: number }> {
  let objects = 0;
  let temps = 0;
  for (const d of await fs.readdir(dir).catch(() => [] as string[])) {
    for (const f of await fs.readdir(join(dir, d))) {
      if (f.startsWith('tmp_obj_')) temps++;
      else objects++;
    }
  }
  return { objects, temps };
}

t.test('write is idempotent, never overwrites, and leaves no temp files', async (t) => {
  const dir = join(tempDir(), 'objects');
  const store = await LooseObjectStore.open(dir);
  const id = await store.write('blob', Buffer.from('hello\n'));
  t.equal(id, objectId('blob', Buffer.from('hello\n')));
  const path = store.pathOf(id);
  t.match(path, new RegExp(`objects/${id.slice(0, 2)}/${id.slice(2)}$`));
  const before = await fs.stat(path);
  t.equal(await store.write('blob', Buffer.from('hello\n')), id);
  const after = await fs.stat(path);
  t.equal(after.ino, before.ino, 'same file: not rewritten');
  // Many concurrent writers of the same object.
  await Promise.all(Array.from({ length: 20 }, () => store.write('blob', Buffer.from('race'))));
  t.same(await countFiles(dir), { objects: 2, temps: 0 });
  const obj = await store.read(id);
  t.equal(obj.type, 'blob');
  t.equal(Buffer.from(obj.body).toString(), 'hello\n');
  t.equal(await store.has(id), true);
  t.equal(await store.has('0'.repeat(64)), false);
  t.same(await store.findByPrefix(id.slice(0, 6)), [id]);
  const all: string[] = [];
  for await (const x of store.ids()) all.push(x);
  t.equal(all.length, 2);
});

t.test('verify on read: a mismatch is a typed error, never data', async (t) => {
  const dir = join(tempDir(), 'objects');
  const store = await LooseObjectStore.open(dir);
  const a = await store.write('blob', Buffer.from('aaa'));
  const b = await store.write('blob', Buffer.from('bbb'));
  await t.rejects(store.read('1'.repeat(64)), { code: 'NotFoundError' });
  // Replace a's file with b's file: content is valid zstd but hashes to b.
  await fs.chmod(store.pathOf(a), 0o644);
  await fs.copyFile(store.pathOf(b), store.pathOf(a));
  await t.rejects(store.read(a), { code: 'HashMismatchError', data: { id: a, actual: b } });
  // Flip a byte in the middle of b.
  const bytes = await fs.readFile(store.pathOf(b));
  bytes[bytes.length - 2] ^= 0xff;
  await fs.chmod(store.pathOf(b), 0o644);
  await fs.writeFile(store.pathOf(b), bytes);
  await t.rejects(store.read(b), { code: /CorruptObjectError|HashMismatchError/ });
  await fs.writeFile(store.pathOf(b), Buffer.alloc(0));
  await t.rejects(store.read(b), { code: 'CorruptObjectError', data: { id: b } });
});

t.test('4 MiB content: stored chunked, read back byte-identical; a small edit adds few chunks', async (t) => {
  const dir = join(tempDir(), 'objects');
  const store = await LooseObjectStore.open(dir);
  // Text-like content (compressible, like tool output) with random parts so chunks differ.
  const parts: Buffer[] = [];
  let size = 0;
  while (size < 4 * 1024 * 1024) {
    const line = Buffer.from(`${size} ${fixedBytes(24, `line ${size}`).toString('base64')} some repeated log text here\n`);
    parts.push(line);
    size += line.length;
  }
  const big = Buffer.concat(parts);
  const first = await writeContent(store, big);
  t.equal(first.chunked, true);
  t.equal(first.size, big.length);
  const countAfterFirst = (await countFiles(dir)).objects;
  // Chunks are at most 1 MiB (256 KiB on average): more chunks than MiB, plus the list.
  t.ok(countAfterFirst > 5, `stored as ${countAfterFirst} objects`);
  const back = await readContent(store, first.id);
  t.ok(Buffer.from(back).equals(big), 'read back byte-identical');

  // Same content again: no new objects.
  t.equal((await writeContent(store, big)).id, first.id);
  t.equal((await countFiles(dir)).objects, countAfterFirst);

  // A few KB changed in the middle.
  const edited = Buffer.from(big);
  fixedBytes(4096, 'edit').copy(edited, Math.floor(edited.length / 2));
  const second = await writeContent(store, edited);
  t.not(second.id, first.id);
  const added = (await countFiles(dir)).objects - countAfterFirst;
  t.ok(added <= 4, `a 4 KiB edit added ${added} objects (new chunks + the list)`);
  let streamed = 0;
  await streamContent(store, second.id, (p) => {
    streamed += p.length;
  });
  t.equal(streamed, edited.length);
  const list = await readChunkList(store, second.id);
  t.equal(list?.size, edited.length);
});

t.test('content that starts like a chunk list is stored as a list, and reads back', async (t) => {
  const store = await LooseObjectStore.open(join(tempDir(), 'objects'));
  const tricky = Buffer.from('tapes-chunks 1\nsize 3\nthis is not a list');
  const stored = await writeContent(store, tricky);
  t.equal(stored.chunked, true);
  t.ok(Buffer.from(await readContent(store, stored.id)).equals(tricky));
  const small = await writeContent(store, Buffer.from('plain'));
  t.equal(small.chunked, false);
  t.equal(Buffer.from(await readContent(store, small.id)).toString(), 'plain');
  const empty = await writeContent(store, Buffer.alloc(0));
  t.equal((await readContent(store, empty.id)).length, 0);
});

t.test('a chunk list with a missing chunk fails to read with the ids named', async (t) => {
  const store = await LooseObjectStore.open(join(tempDir(), 'objects'));
  const data = randomBytes(3 * 1024 * 1024);
  const stored = await writeContent(store, data);
  const list = (await readChunkList(store, stored.id))!;
  await fs.rm(store.pathOf(list.entries[1]!.id), { force: true });
  await t.rejects(readContent(store, stored.id), { code: 'NotFoundError', data: { id: list.entries[1]!.id } });
  t.ok(await loadCodec());
});
