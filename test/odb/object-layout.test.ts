// The layout of objects/ (ObjectLayout): ids by prefix without the codec
// agree with the store's, loose and packed; counting, sweeping temp files and
// pack leftovers, removing empty fan-out directories, and fsck's scan.
import t from 'tap';
import { cpSync, existsSync, mkdirSync, promises as fs, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LooseObjectStore, ObjectLayout, PackWriter, TEMP_PREFIX, PACK_TEMP_PREFIX } from '../../src/odb/index.js';
import { encodeObject, loadCodec, objectId } from '../../src/object/index.js';
import { tempDir } from '../helpers/cli.js';

const HOUR = 60 * 60 * 1000;

let made: Promise<{ objectsDir: string; ids: string[] }> | undefined;
const scratch: string[] = [];
process.on('exit', () => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));
/** A temporary directory removed when the file's process ends. */
function scratchDir(): string {
  const d = tempDir();
  scratch.push(d);
  return d;
}

/**
 * A store of 600 small blobs, the first 400 packed (never loose: a packed
 * object's loose copy is gone) and the rest loose: made once (the 200 loose
 * ones written and fsynced; the 400 packed ones only go into the pack,
 * where writing them loose first cost 400 more fsyncs), and a copy of it
 * for each test.
 */
async function packedStore() {
  made ??= (async () => {
    const objectsDir = join(scratchDir(), 'objects');
    const store = await LooseObjectStore.open(objectsDir);
    const body = (i: number) => Buffer.from(`blob ${i}`);
    const ids = Array.from({ length: 600 }, (_, i) => objectId('blob', body(i)));
    // Written 50 at a time: one after another, the fsyncs were most of the file's time.
    for (let i = 400; i < 600; i += 50) {
      const written = await Promise.all(Array.from({ length: 50 }, (_, k) => store.write('blob', body(i + k))));
      if (written.some((id, k) => id !== ids[i + k])) throw new Error('the store wrote other ids than objectId gives');
    }
    const w = await PackWriter.create(join(objectsDir, 'pack'), await loadCodec(), { frameSize: 1024 * 1024, level: 3 });
    for (let i = 0; i < 400; i++) await w.add(ids[i]!, encodeObject('blob', body(i)));
    await w.finish();
    store.packs.close();
    return { objectsDir, ids };
  })();
  const { objectsDir: made0, ids } = await made;
  const objectsDir = join(scratchDir(), 'objects');
  cpSync(made0, objectsDir, { recursive: true });
  return { objectsDir, store: await LooseObjectStore.open(objectsDir), layout: new ObjectLayout(objectsDir), ids };
}

t.test('ids by prefix: loose and packed, the same as the store finds, without opening a pack', async (t) => {
  const { store, layout, ids } = await packedStore();
  t.teardown(() => store.packs.close());
  const prefixes = new Set(ids.map((id) => id.slice(0, 2)));
  for (const p of prefixes) t.same(await layout.findByPrefix(p), await store.findByPrefix(p), `prefix ${p}`);
  const packed = ids[0]!;
  t.same(await layout.findByPrefix(packed.slice(0, 10)), [packed], 'a packed id alone');
  t.same(await layout.findByPrefix(ids[599]!), [ids[599]], 'a loose id, in full');
  t.same(await layout.findByPrefix('zz'), [], 'not hex');
  const loose: string[] = [];
  for await (const id of layout.looseIds()) loose.push(id);
  t.same(loose, ids.slice(400).sort(), 'looseIds lists the loose files only, sorted');
});

t.test('counting, sweeping and removing: only what the layout owns, only when old enough', async (t) => {
  const { store, layout, ids, objectsDir } = await packedStore();
  t.teardown(() => store.packs.close());
  t.equal(layout.countLoose(10_000), 200, 'every loose object');
  t.ok(layout.countLoose(10) > 10, 'stops soon after the limit');

  const dir = join(objectsDir, ids[599]!.slice(0, 2));
  const oldTemp = join(dir, `${TEMP_PREFIX}old`);
  const newTemp = join(dir, `${TEMP_PREFIX}new`);
  writeFileSync(oldTemp, 'x');
  writeFileSync(newTemp, 'x');
  const then = new Date(Date.now() - 3 * HOUR);
  utimesSync(oldTemp, then, then);
  t.equal(layout.sweepTemps(Date.now() - HOUR), 1, 'one temp file older than the cutoff');
  t.notOk(existsSync(oldTemp));
  t.ok(existsSync(newTemp), "a live writer's temp file stays");
  t.equal(layout.countLoose(10_000), 200, 'temp files are not objects');

  // Empty fan-out directories go; one with a file in it stays.
  for (const id of ids.slice(400)) if (!id.startsWith(ids[599]!.slice(0, 2))) layout.removeLoose(id);
  layout.removeEmptyFanout();
  t.same(readdirSync(objectsDir).sort(), [ids[599]!.slice(0, 2), 'pack'].sort());

  // pack/: leftovers of interrupted gcs go, anything else stays.
  const packDir = layout.packDir;
  const [pack] = layout.packNames();
  writeFileSync(join(packDir, `${PACK_TEMP_PREFIX}1.pack`), 'partial');
  writeFileSync(join(packDir, `pack-${'a'.repeat(64)}.pack`), 'no index');
  writeFileSync(join(packDir, `pack-${'b'.repeat(64)}.idx`), 'no pack');
  writeFileSync(join(packDir, 'notes.txt'), 'hi');
  t.same(
    layout.scanPackDir().map((e) => e.kind).sort(),
    ['indexWithoutPack', 'pack', 'packWithoutIndex', 'stray', 'temp'],
    'each file of pack/ by what its name says (a pack and its index once)',
  );
  t.equal(layout.sweepPackDir(), 2);
  t.same(readdirSync(packDir).sort(), [`${pack}.idx`, `${pack}.pack`, `pack-${'b'.repeat(64)}.idx`, 'notes.txt'].sort());
});

t.test('scan: objects, temp files and strays, in path order', async (t) => {
  const objectsDir = join(scratchDir(), 'objects');
  const layout = new ObjectLayout(objectsDir);
  t.same(layout.scan(), [], 'no objects/ is an empty store');
  const id = 'ab' + 'c'.repeat(62);
  mkdirSync(join(objectsDir, 'ab'), { recursive: true });
  mkdirSync(join(objectsDir, 'pack'));
  mkdirSync(join(objectsDir, 'xy'));
  mkdirSync(join(objectsDir, 'ab', 'sub'));
  writeFileSync(layout.pathOf(id), 'z');
  writeFileSync(join(objectsDir, 'ab', `${TEMP_PREFIX}1`), 'z');
  writeFileSync(join(objectsDir, 'ab', 'README'), 'z');
  writeFileSync(join(objectsDir, 'top'), 'z');
  t.same(layout.scan(), [
    { kind: 'stray', path: 'ab/README', reason: 'notObjectName' },
    { kind: 'object', id },
    { kind: 'stray', path: 'ab/sub', reason: 'notRegular' },
    { kind: 'temp', path: `ab/${TEMP_PREFIX}1`, abs: join(objectsDir, 'ab', `${TEMP_PREFIX}1`) },
    { kind: 'stray', path: 'top', reason: 'outsideFanout' },
    { kind: 'stray', path: 'xy', reason: 'notFanout' },
  ]);
  await fs.rm(join(objectsDir, 'ab', 'sub'), { recursive: true });
  t.equal(layout.looseMtime(id)! > 0, true);
  t.equal(layout.looseMtime('ab' + 'd'.repeat(62)), undefined);
});
