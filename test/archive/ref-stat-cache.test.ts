// index/ref-stat.json (src/archive/ref-stat-cache.ts): listing the chain refs
// trusts a ref's cached id only while the ref file's inode, size, mtime and
// ctime are unchanged and it was not changed within two seconds of the cache
// being written. Whatever happens to the refs or the cache, chainRefs must
// give what reading every ref gives.
import t from 'tap';
import { mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { writeDerived } from '../../src/archive/derived-file.js';
import { chainRefs } from '../../src/archive/sessions/index.js';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const PROJECT = join(corpusDir, 'claude-code', 'projects', '-Users-alex-workspace-cli');

async function truth(archive: Archive) {
  return [...(await archive.refs.list('refs/sessions/')), ...(await archive.refs.list('refs/agents/'))];
}

/**
 * A new archive in a temp dir holding these transcripts of PROJECT (their
 * first 20 lines, under their names: these tests are about the ref files,
 * and 79e9becd's 158 lines only made each import longer), and a runner of
 * tapes there that fails on a non-zero exit.
 */
async function archiveOf(prefix: string, files: string[]) {
  const cwd = tempDir(prefix);
  const run = async (args: string[]) => {
    const r = await tapes(args, { cwd });
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  };
  await run(['init', '-q']);
  const src = join(cwd, 'src');
  mkdirSync(src);
  for (const f of files) writeFileSync(join(src, f), readFileSync(join(PROJECT, f), 'utf8').split(/(?<=\n)/).slice(0, 20).join(''));
  await run(['import', ...files.map((f) => join(src, f))]);
  return { cwd, run };
}

t.test('chainRefs agrees with the ref files as they change, and never believes a racy or damaged entry', async (t) => {
  const { cwd, run } = await archiveOf('tapes-refstat-', ['79e9becd-0b83-42f1-8cb1-33375d080476.jsonl', '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl']);
  const dir = join(cwd, '.tapes');
  const cachePath = join(dir, 'index', 'ref-stat.json');
  const open = () => Archive.openAt(dir);
  let archive = await open();
  const refs = await truth(archive);
  t.ok(refs.length >= 2, `${refs.length} chain refs`);
  t.same(await chainRefs(archive), refs, 'no cache: the refs as read');
  t.same(await chainRefs(await open()), refs, 'with the cache: the same');
  const [a, b] = refs;

  // Moved by tapes (a new file renamed over the old one).
  await run(['update-ref', a!.name, b!.id]);
  archive = await open();
  t.same(await chainRefs(archive), await truth(archive), 'a ref moved by update-ref is seen');
  // Rewritten in place with the same size and its old times put back: the ctime still tells.
  const path = join(dir, a!.name);
  writeFileSync(path, a!.id + '\n');
  utimesSync(path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  archive = await open();
  t.same(await chainRefs(archive), await truth(archive), 'a ref edited in place is seen');
  // A ref deleted, and one added by hand.
  rmSync(join(dir, b!.name));
  writeFileSync(join(dir, 'refs', 'sessions', 'by-hand'), a!.id + '\n');
  archive = await open();
  const now = await truth(archive);
  t.same(await chainRefs(archive), now, 'a deleted ref is gone, an added one is there');
  t.ok(now.some((r) => r.name === 'refs/sessions/by-hand') && !now.some((r) => r.name === b!.name), 'the truth changed as intended');

  // A cache whose entries name a wrong id but the right stats: racy (the refs
  // changed within two seconds of it), so not believed...
  const cached = JSON.parse(readFileSync(cachePath, 'utf8').split('\n')[1]!) as Array<[string, string, number, number, number, number]>;
  const wrong = 'f'.repeat(64);
  await writeDerived(cachePath, 'tapes-ref-stat', 2, cached.map((e) => [e[0], wrong, e[2], e[3], e[4], e[5]]));
  t.same(await chainRefs(await open()), now, 'entries written within two seconds of their refs changing are not believed');
  // ...while the same cache, dated later, is: which is what the racy rule guards.
  await writeDerived(cachePath, 'tapes-ref-stat', 2, cached.map((e) => [e[0], wrong, e[2], e[3], e[4], e[5]]));
  const later = new Date(Date.now() + 10_000);
  utimesSync(cachePath, later, later);
  t.ok((await chainRefs(await open())).every((r) => r.id === wrong), 'an entry older than its cache by two seconds is believed (the cache is only as good as the stat)');

  // The same entries in the first version's form (the stats as decimal strings of nanoseconds), dated later: another version, not believed.
  const ns = (ms: number) => String(BigInt(Math.round(ms * 1e6)));
  await writeDerived(cachePath, 'tapes-ref-stat', 1, cached.map((e) => [e[0], wrong, String(e[2]), e[3], ns(e[4]), ns(e[5])]));
  utimesSync(cachePath, later, later);
  t.same(await chainRefs(await open()), now, 'a cache of the first version is not believed');
  // An entry whose stats are not numbers: the whole cache is not believed.
  await writeDerived(cachePath, 'tapes-ref-stat', 2, cached.map((e, i) => [e[0], wrong, e[2], e[3], i === 0 ? String(e[4]) : e[4], e[5]]));
  utimesSync(cachePath, later, later);
  t.same(await chainRefs(await open()), now, 'a cache with an entry of the wrong form is not believed');
  await writeDerived(cachePath, 'tapes-ref-stat', 2, cached.map((e) => [e[0], wrong, e[2], e[3], e[4], e[5]]));
  utimesSync(cachePath, later, later);
  t.ok((await chainRefs(await open())).every((r) => r.id === wrong), 'written back in its own form, it is believed again');

  // Damaged: a byte changed under the checksum.
  const text = readFileSync(cachePath, 'utf8');
  writeFileSync(cachePath, text.replace(wrong.slice(0, 8), '0'.repeat(8)));
  utimesSync(cachePath, later, later);
  t.same(await chainRefs(await open()), now, 'a damaged cache is not believed');
  // A link in its place is never read nor written through: a believable cache outside the archive, linked in.
  const outside = join(tempDir('tapes-refstat-outside-'), 'ref-stat.json');
  await writeDerived(outside, 'tapes-ref-stat', 2, cached.map((e) => [e[0], wrong, e[2], e[3], e[4], e[5]]));
  utimesSync(outside, later, later);
  const before = readFileSync(outside, 'utf8');
  rmSync(cachePath);
  symlinkSync(outside, cachePath);
  t.same(await chainRefs(await open()), now, 'a linked cache is not believed');
  t.equal(readFileSync(outside, 'utf8'), before, 'nor written through');
  rmSync(cachePath);
  t.same(await chainRefs(await open()), now, 'rebuilt when missing');
});

t.test('listings of different areas keep each other\'s entries: the cache is not rewritten by turns', async (t) => {
  const { cwd, run } = await archiveOf('tapes-refstat-areas-', ['79e9becd-0b83-42f1-8cb1-33375d080476.jsonl']);
  const tip = (await tapes(['rev-parse', '79e9becd-0b83-42f1-8cb1-33375d080476'], { cwd })).stdout.trim();
  await run(['tag', 'keep', tip]);
  const dir = join(cwd, '.tapes');
  const cachePath = join(dir, 'index', 'ref-stat.json');
  // Old enough that no entry is racy.
  const past = new Date(Date.now() - 60_000);
  for (const f of ['refs/sessions/79e9becd-0b83-42f1-8cb1-33375d080476', 'refs/tags/keep']) utimesSync(join(dir, f), past, past);
  const { refsWithStatCache } = await import('../../src/archive/ref-stat-cache.js');
  const tags = async () => refsWithStatCache(await Archive.openAt(dir), ['refs/tags/']);
  t.same(await tags(), [{ name: 'refs/tags/keep', id: tip }]);
  t.same((await chainRefs(await Archive.openAt(dir))).map((r) => r.id), [tip]);
  const written = readFileSync(cachePath, 'utf8');
  t.match(written, 'refs/tags/keep', "the chain listing kept the tag listing's entry");
  t.same(await tags(), [{ name: 'refs/tags/keep', id: tip }]);
  t.same((await chainRefs(await Archive.openAt(dir))).map((r) => r.id), [tip]);
  t.equal(readFileSync(cachePath, 'utf8'), written, 'neither listing rewrote the file');
  // A tag deleted: the tag listing notices, the chain listing's entries stay.
  await run(['tag', '-d', 'keep']);
  t.same(await tags(), []);
  t.notMatch(readFileSync(cachePath, 'utf8'), 'refs/tags/keep');
  t.match(readFileSync(cachePath, 'utf8'), 'refs/sessions/79e9becd');
});

t.test('a derived file is read by its bytes: a body changed by one byte, or a head that is not its own, reads as absent', async (t) => {
  const { readDerived } = await import('../../src/archive/derived-file.js');
  const dir = tempDir('tapes-derived-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'x.json');
  const value = { title: 'naïve — 日本語 \u{1f600}', n: [1, 2, 3] };
  await writeDerived(path, 'tapes-test', 3, value);
  t.same(readDerived(path, 'tapes-test', 3), value, 'read back, non-ASCII text included');
  t.equal(readDerived(path, 'tapes-test', 4), undefined, 'another version');
  t.equal(readDerived(path, 'tapes-other', 3), undefined, 'another magic');
  const bytes = readFileSync(path);
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 3] ^= 1;
  writeFileSync(path, flipped);
  t.equal(readDerived(path, 'tapes-test', 3), undefined, 'one byte of the body changed');
  writeFileSync(path, bytes.subarray(0, bytes.length - 5));
  t.equal(readDerived(path, 'tapes-test', 3), undefined, 'torn');
  writeFileSync(path, Buffer.concat([Buffer.from('x'.repeat(300)), bytes]));
  t.equal(readDerived(path, 'tapes-test', 3), undefined, 'a longer first line');
  writeFileSync(path, bytes.subarray(bytes.indexOf(10) + 1));
  t.equal(readDerived(path, 'tapes-test', 3), undefined, 'no head line');
});
