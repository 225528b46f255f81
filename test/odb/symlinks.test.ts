// Nothing under .tapes/ is followed through a symbolic link (docs/security.md,
// "Inside .tapes"): at the level of the object store and its layout, a
// symlinked fan-out directory, object file or pack directory is not part of
// the store. Reads miss, writes refuse naming the link, listings skip it, and
// sweeps never reach what it points at.
import t from 'tap';
import { promises as fs, lstatSync, readdirSync, readFileSync, renameSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LooseObjectStore, ObjectLayout, PackWriter, TEMP_PREFIX, PACK_TEMP_PREFIX } from '../../src/odb/index.js';
import { encodeObject, loadCodec } from '../../src/object/index.js';
import { tempDir } from '../helpers/cli.js';

const DAY = 24 * 60 * 60 * 1000;

/** Every file below `dir` with its bytes and modification time, to show nothing there changed. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
      else out.push(`${rel}${e.name} ${lstatSync(p).mtimeMs} ${readFileSync(p).toString('base64')}`);
    }
  };
  walk(dir, '');
  return out;
}

function age(path: string, days: number): void {
  const when = new Date(Date.now() - days * DAY);
  utimesSync(path, when, when);
}

/** A store with one blob whose fan-out directory has been moved outside and symlinked back. */
async function symlinkedFanout() {
  const root = tempDir();
  const objectsDir = join(root, 'objects');
  const store = await LooseObjectStore.open(objectsDir);
  const id = await store.write('blob', Buffer.from('behind a link'));
  const outside = join(tempDir('tapes-outside-'), 'elsewhere');
  renameSync(join(objectsDir, id.slice(0, 2)), outside);
  symlinkSync(outside, join(objectsDir, id.slice(0, 2)));
  // What a sweep would take if it followed the link: an old temp file and an
  // old file named like an object.
  writeFileSync(join(outside, `${TEMP_PREFIX}left`), 'temp');
  age(join(outside, `${TEMP_PREFIX}left`), 30);
  writeFileSync(join(outside, 'e'.repeat(62)), 'not an object');
  return { objectsDir, id, outside, store: await LooseObjectStore.open(objectsDir) };
}

t.test('a symlinked fan-out directory: the object is missing to every reader', async (t) => {
  const s = await symlinkedFanout();
  t.equal(await s.store.has(s.id), false, 'has');
  t.equal(s.store.hasLoose(s.id), false, 'hasLoose');
  await t.rejects(s.store.read(s.id), { code: 'NotFoundError' }, 'read');
  await t.rejects(s.store.readFile(s.id), { code: 'NotFoundError' }, 'readFile (what the file transport copies)');
  t.same(await s.store.findByPrefix(s.id.slice(0, 4)), [], 'findByPrefix');
  const ids: string[] = [];
  for await (const id of s.store.ids()) ids.push(id);
  t.same(ids, [], 'ids');
  const layout = new ObjectLayout(s.objectsDir);
  t.same(await layout.findByPrefix(s.id.slice(0, 4)), [], 'the layout by prefix');
  t.equal(layout.countLoose(100), 0, 'countLoose');
  t.equal(layout.looseMtime(s.id), undefined, 'looseMtime');
  t.same(layout.scan(), [{ kind: 'symlink', path: s.id.slice(0, 2) }], 'scan names the link, and nothing behind it');
});

t.test('a symlinked fan-out directory: a write into it is refused by name, nothing is written through it', async (t) => {
  const s = await symlinkedFanout();
  const before = listing(s.outside);
  await t.rejects(s.store.write('blob', Buffer.from('behind a link')), { code: 'BadArchiveError', data: { path: `objects/${s.id.slice(0, 2)}` } });
  const codec = await loadCodec();
  await t.rejects(s.store.writeCompressed(s.id, codec.compress(encodeObject('blob', Buffer.from('behind a link')))), { code: 'BadArchiveError' });
  t.same(listing(s.outside), before, 'the directory behind the link is as it was');
});

t.test('sweeps and removals never reach through a symlinked fan-out directory', async (t) => {
  const s = await symlinkedFanout();
  const before = listing(s.outside);
  const layout = new ObjectLayout(s.objectsDir);
  t.equal(layout.sweepTemps(Date.now() + 1000), 0, 'no temp file swept');
  t.equal(layout.removeLoose(s.id), false, 'removeLoose refuses');
  t.equal(layout.removeLoose(s.id.slice(0, 2) + 'e'.repeat(62)), false, 'even for a file named like an object');
  t.equal(layout.setLooseMtime(s.id, Date.now() - 90 * DAY), false, 'setLooseMtime refuses');
  layout.removeEmptyFanout();
  t.same(listing(s.outside), before, 'the directory behind the link is as it was, times included');
  t.ok((await fs.lstat(join(s.objectsDir, s.id.slice(0, 2)))).isSymbolicLink(), 'the link itself is left for the user (fsck names it)');
});

t.test('a symlinked object file is not an object, and a write does not count it as one', async (t) => {
  const root = tempDir();
  const objectsDir = join(root, 'objects');
  const store = await LooseObjectStore.open(objectsDir);
  const id = await store.write('blob', Buffer.from('the real one'));
  const outside = join(tempDir('tapes-outside-'), 'copy');
  await fs.copyFile(store.pathOf(id), outside);
  await fs.chmod(store.pathOf(id), 0o644);
  await fs.rm(store.pathOf(id));
  symlinkSync(outside, store.pathOf(id));
  const fresh = await LooseObjectStore.open(objectsDir);
  t.equal(await fresh.has(id), false, 'has');
  await t.rejects(fresh.read(id), { code: 'NotFoundError' }, 'read');
  const ids: string[] = [];
  for await (const x of fresh.ids()) ids.push(x);
  t.same(ids, [], 'ids');
  t.same(new ObjectLayout(objectsDir).scan(), [{ kind: 'symlink', path: `${id.slice(0, 2)}/${id.slice(2)}` }]);
  await t.rejects(fresh.write('blob', Buffer.from('the real one')), { code: 'BadArchiveError', data: { path: `objects/${id.slice(0, 2)}/${id.slice(2)}` } }, 'the write names the link in its way');
});

t.test('a symlinked pack directory: no pack is read through it, none written, nothing swept', async (t) => {
  const root = tempDir();
  const objectsDir = join(root, 'objects');
  const store = await LooseObjectStore.open(objectsDir);
  const id = await store.write('blob', Buffer.from('packed'));
  const codec = await loadCodec();
  const w = await PackWriter.create(join(objectsDir, 'pack'), codec, { frameSize: 1024 * 1024, level: 3 });
  await w.add(id, encodeObject('blob', Buffer.from('packed')));
  await w.finish();
  new ObjectLayout(objectsDir).removeLoose(id);
  const outside = join(tempDir('tapes-outside-'), 'packs');
  renameSync(join(objectsDir, 'pack'), outside);
  symlinkSync(outside, join(objectsDir, 'pack'));
  writeFileSync(join(outside, `${PACK_TEMP_PREFIX}left.pack`), 'temp');
  writeFileSync(join(outside, 'pack-stray.pack'), 'no index');
  const before = listing(outside);

  const fresh = await LooseObjectStore.open(objectsDir);
  t.equal(await fresh.has(id), false, 'has');
  await t.rejects(fresh.read(id), { code: 'NotFoundError' }, 'read');
  const layout = new ObjectLayout(objectsDir);
  t.same(layout.packNames(), [], 'packNames');
  t.same(await layout.findByPrefix(id.slice(0, 4)), [], 'findByPrefix');
  t.same(layout.scanPackDir(), [], 'scanPackDir');
  t.same(layout.scan(), [{ kind: 'symlink', path: 'pack' }], 'scan names the link');
  t.equal(layout.sweepPackDir(), 0, 'sweepPackDir removes nothing');
  layout.removePack(layout.packNames()[0] ?? 'pack-' + '0'.repeat(64));
  await t.rejects(PackWriter.create(layout.packDir, codec, { frameSize: 1024 * 1024, level: 3 }), { code: 'BadArchiveError', data: { path: 'objects/pack' } });
  t.same(listing(outside), before, 'the directory behind the link is as it was');
});

t.test('a symlinked pack file is not a pack', async (t) => {
  const root = tempDir();
  const objectsDir = join(root, 'objects');
  const store = await LooseObjectStore.open(objectsDir);
  const id = await store.write('blob', Buffer.from('packed'));
  const w = await PackWriter.create(join(objectsDir, 'pack'), await loadCodec(), { frameSize: 1024 * 1024, level: 3 });
  await w.add(id, encodeObject('blob', Buffer.from('packed')));
  const written = (await w.finish())!;
  new ObjectLayout(objectsDir).removeLoose(id);
  const outside = tempDir('tapes-outside-');
  for (const ext of ['idx', 'pack']) {
    const p = join(objectsDir, 'pack', `${written.name}.${ext}`);
    renameSync(p, join(outside, `${written.name}.${ext}`));
    symlinkSync(join(outside, `${written.name}.${ext}`), p);
  }
  const fresh = await LooseObjectStore.open(objectsDir);
  t.equal(await fresh.has(id), false, 'has');
  await t.rejects(fresh.read(id), { code: 'NotFoundError' }, 'read');
  const layout = new ObjectLayout(objectsDir);
  t.same(layout.packNames(), []);
  t.same(
    layout.scanPackDir(),
    [
      { kind: 'symlink', name: `${written.name}.idx` },
      { kind: 'symlink', name: `${written.name}.pack` },
    ],
  );
});

t.test('a symlinked objects/ directory: nothing is read or written through it', async (t) => {
  const root = tempDir();
  const objectsDir = join(root, 'objects');
  const store = await LooseObjectStore.open(objectsDir);
  const id = await store.write('blob', Buffer.from('all of them'));
  const outside = join(tempDir('tapes-outside-'), 'objects');
  renameSync(objectsDir, outside);
  symlinkSync(outside, objectsDir);
  const before = listing(outside);
  const fresh = await LooseObjectStore.open(objectsDir);
  await t.rejects(fresh.read(id), { code: 'NotFoundError' });
  await t.rejects(fresh.write('blob', Buffer.from('new')), { code: 'BadArchiveError', data: { path: 'objects' } });
  const layout = new ObjectLayout(objectsDir);
  t.same(layout.scan(), [], 'nothing listed (fsck names the link itself, at the top of the archive)');
  t.equal(layout.sweepTemps(Date.now() + 1000), 0);
  t.same(listing(outside), before);
});
