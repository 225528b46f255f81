// Which chains hold a record (show and log name the session of a record
// given by id): the sessions' tips are known from the derived summaries, so
// only the chain that holds the record is read — not every session's tip
// (issue 15: `show` of a record read one tip per session, 546 of them).
import t from 'tap';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Archive, listSessions } from '../../src/archive/index.js';
import { chainIds, chainIndexPath, sessionsContaining, timelineCachePath } from '../../src/archive/log/index.js';
import { CHAIN_INDEX_MAGIC, CHAIN_INDEX_VERSION } from '../../src/archive/log/chain-index.js';
import { writeDerived, writeDerivedBytes } from '../../src/archive/derived-file.js';
import { NotFoundError } from '../../src/errors/index.js';
import type { ObjectStore } from '../../src/odb/index.js';
import { readEvent } from '../../src/record/index.js';
import { copyArchive, corpusDir, tapes, tempDir } from '../helpers/cli.js';

const PROJECT = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli');
const FILES = ['bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl', '19abe528-a510-4c89-a1f8-138956474766.jsonl', 'f6833005-7be4-4178-bb37-a0e9feadc36b.jsonl'];

let imported: Promise<string> | undefined;
/**
 * An archive of three transcripts saved under names that are not their
 * session ids (as the scale corpus's are): imported once per file, and each
 * test gets its own copy to change.
 */
async function renamedArchive(): Promise<string> {
  imported ??= (async () => {
    const cwd = tempDir('tapes-target-');
    const src = join(cwd, 'src');
    mkdirSync(src);
    // Each by its first 40 lines (f6833005 has 494 KB): which chain holds a record does not depend on how long the chains are.
    FILES.forEach((f, i) => writeFileSync(join(src, `run-${i}.jsonl`), readFileSync(join(PROJECT, f), 'utf8').split(/(?<=\n)/).slice(0, 40).join('')));
    for (const args of [['init', '-q'], ['import', src]]) {
      const r = await tapes(args, { cwd });
      if (r.code !== 0) throw new Error(r.stderr);
    }
    return cwd;
  })();
  const cwd = tempDir('tapes-target-');
  copyArchive(await imported, cwd);
  return cwd;
}

/** The archive with its object reads counted. */
function counting(archive: Archive): Set<string> {
  const reads = new Set<string>();
  const objects = archive.objects.bind(archive);
  archive.objects = async () => {
    const store = await objects();
    return new Proxy(store, {
      get(target, key, receiver) {
        if (key === 'read') return async (id: string) => (reads.add(id), target.read(id));
        const v = Reflect.get(target, key, receiver) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as ObjectStore;
  };
  return reads;
}

t.test("a record's session is found without reading the other sessions' tips", async (t) => {
  const cwd = await renamedArchive();
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const sessions = (await listSessions(archive)).filter((s) => s.ref.startsWith('refs/sessions/'));
  t.equal(sessions.length, 3);
  const target = sessions.find((s) => s.ref === 'refs/sessions/run-0')!;
  const store = await archive.objects();
  // A record in the middle of run-0's chain.
  let ev = await readEvent(store, target.tip);
  for (let i = 0; i < Math.floor(target.records / 2); i++) ev = await readEvent(store, ev.parent!);

  const reads = counting(archive);
  t.same(await sessionsContaining(archive, ev), ['refs/sessions/run-0']);
  for (const s of sessions.filter((s) => s !== target)) t.notOk(reads.has(s.tip), `${s.name}'s tip is not read`);
  t.ok(reads.size <= target.records, `only run-0's chain is read, once, to index it (${reads.size} reads for ${target.records} records)`);
  reads.clear();
  t.same(await sessionsContaining(archive, ev), ['refs/sessions/run-0'], 'asked again');
  t.equal(reads.size, 0, 'the second time, no record is read: the chain index answers');
});

t.test('the chain index: brought up to date when its ref moves on, rebuilt when damaged or gone, never believed for another tip', async (t) => {
  const cwd = await renamedArchive();
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const store = await archive.objects();
  const run0 = (await listSessions(archive)).find((s) => s.ref === 'refs/sessions/run-0')!;
  // Build run-0's index at a tip five records below its real one.
  let old = await readEvent(store, run0.tip);
  const above: string[] = [];
  for (let i = 0; i < 5; i++) {
    above.push(old.id);
    old = await readEvent(store, old.parent!);
  }
  // The ids as an array (null: none), as chainIds lists them.
  const idsOf = async (a: Archive, ref: string, tip: string) => (await chainIds(a, ref, tip))?.toArray() ?? null;
  const full = await idsOf(archive, 'refs/sessions/run-0', run0.tip);
  t.equal(full?.length, run0.records, 'the ids of the whole chain, tip first');
  t.equal(full?.[0], run0.tip);
  const atOld = await idsOf(archive, 'refs/sessions/run-0', old.id);
  t.same(atOld, full?.slice(5), 'indexed at the older tip');

  const reads = counting(archive);
  t.same(await idsOf(archive, 'refs/sessions/run-0', run0.tip), full, 'the ref moved on: same ids');
  t.same([...reads].sort(), above.slice().sort(), 'only the five records above the old tip were read');

  const path = chainIndexPath(archive, 'refs/sessions/run-0');
  const bytes = readFileSync(path);
  // A file whose body was edited (two ids swapped) no longer matches its digest.
  const id3 = Buffer.from(full![3]!, 'hex');
  const id4 = Buffer.from(full![4]!, 'hex');
  const at3 = bytes.indexOf(id3);
  const swapped = Buffer.from(bytes);
  id4.copy(swapped, at3);
  id3.copy(swapped, at3 + 32);
  writeFileSync(path, swapped);
  reads.clear();
  t.same(await idsOf(archive, 'refs/sessions/run-0', run0.tip), full, 'a damaged file is not believed');
  t.equal(reads.size, run0.records, 'it is rebuilt by reading the chain');
  rmSync(path);
  t.same(await idsOf(archive, 'refs/sessions/run-0', run0.tip), full, 'a deleted file is rebuilt');
  t.ok(existsSync(path), 'and written again');
  // Files whose digest matches but whose body is not a chain of this ref (a foreign writer): not believed either.
  const ids = Buffer.from(full!.join(''), 'hex');
  const body = (ref: string, rest: Buffer) => Buffer.concat([Buffer.from(`${ref}\n`), rest]);
  for (const [what, b, version] of [
    ['an id one byte short', body('refs/sessions/run-0', ids.subarray(0, ids.length - 1)), CHAIN_INDEX_VERSION],
    ['a byte too many', body('refs/sessions/run-0', Buffer.concat([ids, Buffer.from([0])])), CHAIN_INDEX_VERSION],
    ['no ids', body('refs/sessions/run-0', Buffer.alloc(0)), CHAIN_INDEX_VERSION],
    ['no newline after the ref', Buffer.concat([Buffer.from('refs/sessions/run-0'), ids]), CHAIN_INDEX_VERSION],
    ["another ref's name", body('refs/sessions/run-1', ids), CHAIN_INDEX_VERSION],
    ['the ids in hex', Buffer.from(`refs/sessions/run-0\n${full!.join('')}`), CHAIN_INDEX_VERSION],
    ['the first version\'s JSON body', Buffer.from(JSON.stringify({ ref: 'refs/sessions/run-0', tip: run0.tip, ids: full })), CHAIN_INDEX_VERSION],
    // The first version's form, under its own version: another version, rebuilt.
    ['a file of the first version', Buffer.from(JSON.stringify({ ref: 'refs/sessions/run-0', tip: run0.tip, ids: full })), 1],
  ] as const) {
    await writeDerivedBytes(path, CHAIN_INDEX_MAGIC, version, b);
    reads.clear();
    t.same(await idsOf(archive, 'refs/sessions/run-0', run0.tip), full, `${what}: the file is not believed`);
    t.equal(reads.size, run0.records, `${what}: the chain is read again`);
  }
  // Written back in its own form, it is believed: the cases above differ from it only where they say.
  await writeDerivedBytes(path, CHAIN_INDEX_MAGIC, CHAIN_INDEX_VERSION, body('refs/sessions/run-0', ids));
  reads.clear();
  t.same(await idsOf(archive, 'refs/sessions/run-0', run0.tip), full, 'a good file: the same ids');
  t.equal(reads.size, 0, 'a good file: nothing read');

  // The file of one ref is never used for another, nor for a tip it does not hold.
  const run1 = (await listSessions(archive)).find((s) => s.ref === 'refs/sessions/run-1')!;
  copyFileSync(path, chainIndexPath(archive, 'refs/sessions/run-1'));
  const ids1 = await idsOf(archive, 'refs/sessions/run-1', run1.tip);
  t.equal(ids1?.[0], run1.tip, "run-0's file copied in place of run-1's is not believed");
  t.equal(ids1?.length, run1.records);
  t.notOk(ids1?.includes(run0.tip));

  // A chain that cannot be read whole is not indexed: the caller walks it and reports.
  const a = await Archive.openAt(join(cwd, '.tapes'));
  const objects = await a.objects();
  a.objects = async () =>
    new Proxy(objects, {
      get(target, key, receiver) {
        if (key === 'read') return async (id: string) => (id === full![7] ? Promise.reject(new NotFoundError(`object ${id} not found`, { id })) : target.read(id));
        const v = Reflect.get(target, key, receiver) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as ObjectStore;
  rmSync(path);
  t.equal(await idsOf(a, 'refs/sessions/run-0', run0.tip), null, 'a missing record: no ids');
  t.notOk(existsSync(path), 'and no file written');
});

t.test('a ref moved since the summaries were made is read, not believed', async (t) => {
  const cwd = await renamedArchive();
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const sessions = await listSessions(archive);
  const a = sessions.find((s) => s.ref === 'refs/sessions/run-0')!;
  const b = sessions.find((s) => s.ref === 'refs/sessions/run-1')!;
  // run-2 now points at run-0's tip: the cached summary of run-2 says another session.
  await archive.refs.update('refs/sessions/run-2', a.tip);
  const ev = await readEvent(await archive.objects(), a.tip);
  t.same((await sessionsContaining(archive, ev)).sort(), ['refs/sessions/run-0', 'refs/sessions/run-2']);
  const evB = await readEvent(await archive.objects(), b.tip);
  t.same(await sessionsContaining(archive, evB), ['refs/sessions/run-1']);
});

t.test("session-tips.json answers which session a tip holds; damaged or gone, the summaries answer and write it again", async (t) => {
  const cwd = await renamedArchive();
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const tips = join(cwd, '.tapes', 'index', 'session-tips.json');
  t.ok(existsSync(tips), 'written with the summaries by the import');
  const sessions = await listSessions(archive);
  const target = sessions.find((s) => s.ref === 'refs/sessions/run-1')!;
  const ev = await readEvent(await archive.objects(), target.tip);
  t.same(await sessionsContaining(archive, ev), ['refs/sessions/run-1'], 'from the tips file');
  const good = readFileSync(tips, 'utf8');
  t.ok(good.length < readFileSync(join(cwd, '.tapes', 'index', 'sessions.json'), 'utf8').length / 3, 'a fraction of the summaries');
  // A tips file that lies (every tip swapped for another session's) is a
  // file whose checksum no longer matches: it is not believed.
  writeFileSync(tips, good.replace(target.tip, sessions.find((s) => s !== target)!.tip));
  t.same(await sessionsContaining(archive, ev), ['refs/sessions/run-1'], 'a damaged file is not believed');
  t.equal(readFileSync(tips, 'utf8'), good, 'and is written again from the summaries');
  rmSync(tips);
  t.same(await sessionsContaining(archive, ev), ['refs/sessions/run-1'], 'without the file');
  await listSessions(archive);
  t.ok(existsSync(tips), 'the next listing writes it again');
  t.equal(readFileSync(tips, 'utf8'), good, 'the same content');
});

t.test('gc removes the chain and timeline files of refs that are gone, and files that are not chain files; keeps the rest', async (t) => {
  const cwd = await renamedArchive();
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  for (const s of await listSessions(archive)) await chainIds(archive, s.ref, s.tip);
  const kept = ['refs/sessions/run-0', 'refs/sessions/run-2'].map((r) => chainIndexPath(archive, r));
  const gone = chainIndexPath(archive, 'refs/sessions/run-1');
  for (const p of [...kept, gone]) t.ok(existsSync(p), 'built');
  const junk = join(join(cwd, '.tapes', 'index', 'chains'), 'not-a-chain.json');
  // A chain file of the first version (JSON, named .json), as an older tapes left it: not of its kind now.
  const older = chainIndexPath(archive, 'refs/sessions/run-0').replace(/\.ids$/, '.json');
  await writeDerived(older, CHAIN_INDEX_MAGIC, 1, { ref: 'refs/sessions/run-0', tip: 'x', ids: [] });
  writeFileSync(junk, 'torn');
  const dirInside = join(cwd, '.tapes', 'index', 'chains', 'a-directory');
  mkdirSync(dirInside);
  const logged = await tapes(['log', 'run-1'], { cwd });
  t.equal(logged.code, 0, logged.stderr);
  const timeline = timelineCachePath(archive, 'refs/sessions/run-1');
  t.ok(existsSync(timeline), 'its timeline is kept');
  const del = await tapes(['update-ref', '-d', 'refs/sessions/run-1'], { cwd });
  t.equal(del.code, 0, del.stderr);
  const gc = await tapes(['gc', '--json'], { cwd });
  t.equal(gc.code, 0, gc.stderr);
  t.equal((JSON.parse(gc.stdout) as { index_removed: number }).index_removed, 4, 'the deleted ref’s chain and timeline files, the junk file and the first version\'s file');
  t.notOk(existsSync(older), "a first version's chain file is removed");
  t.notOk(existsSync(timeline), "the deleted ref's timeline is removed");
  t.notOk(existsSync(gone), "the deleted ref's chain file is removed");
  t.notOk(existsSync(junk), 'a file that is not a chain file is removed');
  for (const p of kept) t.ok(existsSync(p), 'the chain files of live refs stay');
  t.ok(existsSync(dirInside), 'only files are removed');
  const again = await tapes(['gc', '--json'], { cwd });
  t.equal((JSON.parse(again.stdout) as { index_removed: number }).index_removed, 0, 'a second gc finds nothing to remove');

  // chains/ replaced by a link to a folder outside the archive: nothing there is touched.
  const outside = tempDir('tapes-outside-');
  writeFileSync(join(outside, '0123456789abcdef0123456789abcdef.json'), 'not ours');
  rmSync(join(cwd, '.tapes', 'index', 'chains'), { recursive: true });
  symlinkSync(outside, join(cwd, '.tapes', 'index', 'chains'));
  const linked = await tapes(['gc', '--json'], { cwd });
  t.equal(linked.code, 0, linked.stderr);
  t.equal((JSON.parse(linked.stdout) as { index_removed: number }).index_removed, 0);
  t.ok(existsSync(join(outside, '0123456789abcdef0123456789abcdef.json')), 'a file behind a linked chains/ is never removed');
});

t.test('<ref>~N is answered from the chain index, the same as walking the chain', async (t) => {
  const cwd = await renamedArchive();
  const list = (await tapes(['rev-list', 'run-2'], { cwd })).stdout.trim().split('\n');
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const path = chainIndexPath(archive, 'refs/sessions/run-2');
  const walked = await tapes(['rev-parse', `run-2~${list.length - 1}`, 'run-2~3', 'run-2^^', 'run-2~1~2'], { cwd });
  t.ok(existsSync(path), 'the first ~N builds the chain index');
  t.same(walked.stdout.trim().split('\n'), [list[list.length - 1], list[3], list[2], list[3]]);
  const past = await tapes(['rev-parse', `run-2~${list.length}`], { cwd });
  // Hide every record of the chain (moved aside, and back after: a copy of
  // all of objects/ and back was most of this test's time): ~N must now
  // come from the index alone.
  const objects = join(cwd, '.tapes', 'objects');
  const moved = join(cwd, 'records-away');
  mkdirSync(moved);
  for (const id of list) renameSync(join(objects, id.slice(0, 2), id.slice(2)), join(moved, id));
  const fromIndex = await tapes(['rev-parse', `run-2~${list.length - 1}`, 'run-2~3', 'run-2^^', 'run-2~1~2'], { cwd });
  t.equal(fromIndex.code, 0, fromIndex.stderr);
  t.equal(fromIndex.stdout, walked.stdout, 'the same ids, no record read');
  const pastFromIndex = await tapes(['rev-parse', `run-2~${list.length}`], { cwd });
  t.equal(pastFromIndex.code, past.code, 'going past the first record: the same exit');
  t.equal(pastFromIndex.stderr, past.stderr, 'and the same message');
  for (const id of list) renameSync(join(moved, id), join(objects, id.slice(0, 2), id.slice(2)));
  // A ref moved to another chain: the index of the old tip is not believed.
  const other = (await tapes(['rev-parse', 'run-0'], { cwd })).stdout.trim();
  t.equal((await tapes(['update-ref', 'refs/sessions/run-2', other], { cwd })).code, 0);
  const run0 = (await tapes(['rev-list', 'run-0'], { cwd })).stdout.trim().split('\n');
  t.equal((await tapes(['rev-parse', 'run-2~2'], { cwd })).stdout.trim(), run0[2], 'the moved ref walks its new chain');
});

t.test('ChainList: an id is held only where an id begins, and read back as written', async (t) => {
  const { ChainList } = await import('../../src/archive/log/chain-index.js');
  const a = 'a'.repeat(32) + 'b'.repeat(32);
  const b = 'c'.repeat(32) + 'd'.repeat(32);
  const list = ChainList.of([a, b]);
  t.equal(list.length, 2);
  t.equal(list.at(0), a);
  t.equal(list.at(1), b);
  t.equal(list.at(2), undefined, 'past the end');
  t.equal(list.at(-1), undefined, 'before the start');
  t.equal(list.at(0.5), undefined, 'not a position');
  t.ok(list.has(a) && list.has(b), 'both ids');
  // The second half of a and the first half of b, side by side in the string: not an id of the chain.
  t.notOk(list.has('b'.repeat(32) + 'c'.repeat(32)), 'a match across two ids is not one');
  t.notOk(list.has(a.slice(1)), 'a part of an id is not one');
  t.same(list.toArray(), [a, b]);
  t.same(ChainList.of([b, a, b]).toArray(), [b, a, b], 'an id twice');
  // One that crosses first, then matches where an id begins, is found.
  const c = 'b'.repeat(32) + 'c'.repeat(32);
  t.ok(ChainList.of([a, b, c]).has(c), 'found past a match across two ids');
  t.same(list.below([c]).toArray(), [c, a, b], 'newer ids on top');
  t.notOk(list.has(a.toUpperCase()), 'an id in upper case names no record');
  t.notOk(list.has(`${a.slice(0, 63)}g`), 'nor one with a digit that is not hex');
  t.equal(ChainList.parse(Buffer.from(a + b.slice(2), 'hex')), undefined, 'a part of an id is not read');
  t.equal(ChainList.parse(Buffer.alloc(0)), undefined, 'nothing is not a chain');
  t.same(ChainList.parse(Buffer.from(a + b, 'hex'))?.toArray(), [a, b]);
});
