// Damage every object file of a small archive in every way a disk or a
// person can (a byte changed at sampled places, truncated, emptied, replaced
// by another object's file): fsck must name that object and no other, set the
// objects bit only, never crash, and leave every byte of the archive as it was.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { fsckJson, makeFixture, objectPath, overwrite, snapshot } from './fixtures/archive.js';
import { seededRandom } from '../helpers/random.js';
import { withoutPrivileges } from '../helpers/privileges.js';

const OBJECT_CHECKS = ['badCompression', 'hashMismatch', 'badHeader', 'badType', 'badLength', 'unreadableObject'];
// The sample of damaged byte places is seeded: TAPES_DAMAGE_SEED=<n> repeats a run.
const SEED = Number(process.env.TAPES_DAMAGE_SEED ?? 20261204);

t.test('every object, every kind of damage (byte places sampled)', async (t) => {
  const fx = await makeFixture(t);
  const store = await fx.archive.objects();
  const ids: string[] = [];
  for await (const id of store.ids()) ids.push(id);
  t.equal(ids.length, 10 + fx.ids.bigChunks.length);
  let reported = 0;
  let harmless = 0;

  for (const [i, id] of ids.entries()) {
    const path = objectPath(fx.dir, id);
    const original = await fs.readFile(path);
    const expected = await store.read(id);
    const other = await fs.readFile(objectPath(fx.dir, ids[(i + 1) % ids.length]!));
    const damages: Array<[string, Buffer]> = [];
    // Byte changes at a sample of the telling places (header, frame start,
    // middle, end), different for each object: across the objects every
    // place is tried, at a fraction of the cost of all places for all.
    const places = [...new Set([0, 3, 4, 5, 6, 9, 12, original.length >> 1, original.length - 2, original.length - 1])];
    const pick = seededRandom(SEED + i);
    const sample = new Set([places[i % places.length]!, ...Array.from({ length: 2 }, () => places[Math.floor(pick() * places.length)]!)]);
    for (const pos of sample) {
      const flipped = Buffer.from(original);
      flipped[pos] ^= 0x5a;
      damages.push([`byte ${pos} changed`, flipped]);
    }
    damages.push(['cut to half', original.subarray(0, original.length >> 1)]);
    damages.push(['last byte cut', original.subarray(0, original.length - 1)]);
    damages.push(['emptied', Buffer.alloc(0)]);
    damages.push(["replaced by another object's file", other]);
    damages.push(['garbage appended', Buffer.concat([original, Buffer.from('junk')])]);

    for (const [what, bytes] of damages) {
      await overwrite(path, bytes);
      const before = await snapshot(fx.dir);
      const { code, report, stderr } = await fsckJson(fx.root);
      t.same(await snapshot(fx.dir), before, `${id.slice(0, 8)} ${what}: the archive is unchanged (seed ${SEED})`);
      t.equal(stderr, '', `${id.slice(0, 8)} ${what}: nothing on stderr`);
      if (report.findings.length === 0) {
        // zstd has bits decoders ignore; such a change must leave the object exactly as it was.
        const got = await store.read(id);
        t.ok(got.type === expected.type && Buffer.from(got.body).equals(Buffer.from(expected.body)),
          `${id.slice(0, 8)} ${what}: accepted only because it still decodes to the same object`);
        t.equal(code, 0);
        harmless++;
        continue;
      }
      reported++;
      t.equal(code, 1, `${id.slice(0, 8)} ${what}: only the objects bit`);
      t.equal(report.findings.length, 1, `${id.slice(0, 8)} ${what}: one finding, no cascade`);
      const f = report.findings[0]!;
      t.equal(f.object, id, `${id.slice(0, 8)} ${what}: the finding names the damaged object`);
      t.ok(OBJECT_CHECKS.includes(f.id), `${id.slice(0, 8)} ${what}: ${f.id} is an object check`);
      t.equal(f.severity, 'error');
      t.equal(f.area, 'objects');
    }
    await overwrite(path, original);
    await fs.chmod(path, 0o444);
  }
  t.ok(harmless <= reported / 20, `nearly every change is caught (${reported} caught, ${harmless} harmless)`);
  const healed = await fsckJson(fx.root);
  t.equal(healed.code, 0, 'restoring the files makes the archive clean again');
});

t.test('specific damage, specific ids', async (t) => {
  const fx = await makeFixture(t);
  const { r2, hello, r1 } = fx.ids;

  await overwrite(objectPath(fx.dir, r2), await fs.readFile(objectPath(fx.dir, r1)));
  await overwrite(objectPath(fx.dir, hello), Buffer.alloc(0));
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 1);
  const byObject = new Map(report.findings.map((f) => [f.object, f]));
  t.equal(byObject.get(r2)?.id, 'hashMismatch');
  t.match(byObject.get(r2)?.detail, `content hashes to ${r1}`);
  t.equal(byObject.get(hello)?.id, 'badCompression');
  t.equal(report.findings.length, 2, 'no missingParent or missingBlob for objects whose files exist');
});

t.test('a file too long to be an object is refused without reading it all', async (t) => {
  const fx = await makeFixture(t);
  const path = objectPath(fx.dir, fx.ids.tagged);
  await overwrite(path, Buffer.alloc(3 * 1024 * 1024, 1));
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 1);
  t.same(report.findings.map((f) => [f.id, f.object]), [['badCompression', fx.ids.tagged]]);
  t.match(report.findings[0]!.detail, /longer than any object's zstd frame can be/);
});

t.test('an object file that cannot be opened is reported, not thrown', async (t) => {
  const fx = await makeFixture(t);
  const path = objectPath(fx.dir, fx.ids.tagged);
  // Mode 000 rather than a dangling link: a link under .tapes is never
  // followed, and is a finding of its own (test/fsck/symlinks.test.ts).
  await fs.chmod(path, 0o000);
  const { code, report } = await withoutPrivileges(fx.root, () => fsckJson(fx.root));
  t.equal(code, 1);
  t.same(report.findings.map((f) => [f.id, f.object]), [['unreadableObject', fx.ids.tagged]]);
  t.match(report.findings[0]!.detail, /^cannot read the file: EACCES/);
});

t.test('a directory where an object file should be', async (t) => {
  const fx = await makeFixture(t);
  const path = objectPath(fx.dir, fx.ids.tagged);
  await fs.rm(path);
  await fs.mkdir(path);
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 4, 'the tag now names a missing object; the stray directory is only a warning');
  t.same(report.findings.map((f) => f.id).sort(), ['refMissingObject', 'reflogMissingObject', 'strayFile']);
});
