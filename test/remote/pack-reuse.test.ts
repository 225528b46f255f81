// A push to a file remote copies whole the local packs whose every object
// the remote lacks (odb/pack-copy.ts), instead of decompressing and
// compressing them again; what no whole pack covers goes as before. The
// copy is checked against the pack's name, and a link where the remote's
// pack folder belongs is refused.
import t from 'tap';
import { chmodSync, cpSync, promises as fs, openSync, readdirSync, symlinkSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { copyPack, LooseObjectStore } from '../../src/odb/index.js';
import { tempDir } from '../helpers/cli.js';
import { FILES, PROJECT, SMALL, archive, must, objectCount, refOf, run, transcript } from './helpers.js';

const packs = (dir: string) =>
  readdirSync(join(dir, '.tapes', 'objects', 'pack'))
    .filter((n) => n.endsWith('.pack') || n.endsWith('.idx'))
    .sort();

let packed: Promise<string> | undefined;
/**
 * An archive of PROJECT packed by gc: imported and packed once per file, and
 * each test that starts from it gets its own copy (a pack and its index, and
 * the refs: a few files).
 */
async function packedArchive(): Promise<string> {
  packed ??= (async () => {
    const a = await archive();
    await must(['import', PROJECT], a);
    await must(['gc'], a);
    return a;
  })();
  const a = tempDir('tapes-reuse-packed-');
  cpSync(await packed, a, { recursive: true });
  return a;
}

t.test('a full push of a packed archive copies its pack as it is', async (t) => {
  const a = await packedArchive();
  const b = await archive();
  const local = packs(a);
  t.equal(local.length, 2, 'gc left one pack and its index');
  await must(['remote', 'add', 'origin', join(b, '.tapes')], a);
  const out = JSON.parse((await must(['push', '--json'], a)).stdout) as { objects: number };
  t.same(packs(b), local, 'the remote holds the same pack, by name (its content hash)');
  for (const f of local) {
    t.ok((await fs.readFile(join(b, '.tapes', 'objects', 'pack', f))).equals(await fs.readFile(join(a, '.tapes', 'objects', 'pack', f))), `${f}: byte for byte`);
  }
  t.equal(out.objects, await objectCount(a), 'every object counted as sent');
  t.equal(await objectCount(b), await objectCount(a));
  t.equal((await run(['fsck'], b)).code, 0, 'fsck of the remote is clean');
  for (const f of FILES) {
    const ref = 'refs/sessions/' + f.replace(/\.jsonl$/, '');
    t.equal(await refOf(b, ref), await refOf(a, ref), `${ref} on the remote`);
  }
  const exported = await must(['export', SMALL.replace(/\.jsonl$/, '')], b);
  t.equal(exported.stdout, await fs.readFile(join(PROJECT, SMALL), 'utf8'), 'the remote gives a transcript back byte for byte');
  t.notOk(readdirSync(join(b, '.tapes', 'objects', 'pack')).some((n) => n.startsWith('tmp_')), 'no temp file left');
});

t.test('a pack the remote holds part of is not copied: only the missing objects go', async (t) => {
  const a = await archive();
  const b = await archive();
  const src = tempDir('tapes-reuse-src-');
  await transcript(src, FILES[1]!);
  await must(['import', src], a);
  await must(['remote', 'add', 'origin', join(b, '.tapes')], a);
  await must(['push'], a);
  const before = await objectCount(b);
  for (const f of FILES.filter((f) => f !== FILES[1])) await transcript(src, f);
  await must(['import', src], a);
  await must(['gc'], a);
  const [pack] = packs(a).filter((n) => n.endsWith('.pack'));
  const out = JSON.parse((await must(['push', '--json'], a)).stdout) as { objects: number };
  t.notOk(packs(b).includes(pack!), 'the local pack, partly on the remote already, was not copied');
  t.equal(out.objects, (await objectCount(a)) - before, 'only what the remote lacked was sent');
  t.equal(await objectCount(b), await objectCount(a));
  t.equal((await run(['fsck'], b)).code, 0, 'fsck of the remote is clean');
});

t.test("the remote's pack folder a link: refused by name, nothing written through it", async (t) => {
  const a = await packedArchive();
  const b = await archive();
  const elsewhere = tempDir('tapes-reuse-elsewhere-');
  await fs.rm(join(b, '.tapes', 'objects', 'pack'), { recursive: true, force: true });
  symlinkSync(elsewhere, join(b, '.tapes', 'objects', 'pack'));
  await must(['remote', 'add', 'origin', join(b, '.tapes')], a);
  const r = await run(['push'], a);
  t.not(r.code, 0, 'the push fails');
  t.match(r.stderr, /objects\/pack/, 'naming the link');
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  t.same(readdirSync(elsewhere), [], 'nothing written where the link points');
});

t.test('copyPack checks the copy against the pack name and leaves nothing when it differs', async (t) => {
  const a = await packedArchive();
  const store = await LooseObjectStore.open(join(a, '.tapes', 'objects'));
  const pack = store.packs.list[0]!;
  // The pack file changes under the open pack (a frame's byte flipped).
  const path = join(a, '.tapes', 'objects', 'pack', `${pack.name}.pack`);
  chmodSync(path, 0o644);
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from([0xff]), 0, 1, 40);
  closeSync(fd);
  const target = join(tempDir('tapes-reuse-target-'), '.tapes', 'objects', 'pack');
  await t.rejects(copyPack(pack, target), /hashes to [0-9a-f]{64}, not to its name/, 'refused, naming why');
  t.same(readdirSync(target), [], 'no pack, no index, no temp file');
});
