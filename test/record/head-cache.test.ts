// HeadCache (src/record/head-cache.ts): the heads of records read lately,
// kept by id. On real records: a head is what readEventHead reads; a second
// read of an id is answered from the cache, with the same object; at the
// limit the head used longest ago goes (a read again makes it the newest);
// a limit of 0 keeps nothing; and two chains that share a prefix (a session
// and its resumption), read through readChainEvents with one cache, read
// each of their records from the store once.
import t from 'tap';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { chainRefs, readChainEvents } from '../../src/archive/sessions/index.js';
import type { ObjectStore } from '../../src/odb/index.js';
import { HeadCache, readEventHead } from '../../src/record/index.js';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';
import { seededRandom } from '../helpers/random.js';

/** A real transcript of 39 lines (test/fixtures/README.md). */
const TRANSCRIPT = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl');
/** Lines of TRANSCRIPT the parent session holds: its resumption begins with them. */
const PARENT_LINES = 15;

interface Fixture {
  store: ObjectStore;
  /** The tips of the parent session and of its resumption. */
  parent: string;
  resumed: string;
  /** Record ids of each chain, oldest first (read without a cache). */
  parentIds: string[];
  resumedIds: string[];
  /** Record reads of `store` so far, by id (every read, whatever asked for it). */
  reads: Map<string, number>;
}

let made: Promise<Fixture> | undefined;
/**
 * An archive holding a session (the transcript's first lines) and its
 * resumption (every line, the same bytes first), made once for the file.
 * Its store counts the records read through it.
 */
function fixture(): Promise<Fixture> {
  made ??= (async () => {
    const dir = tempDir('tapes-head-cache-');
    const lines = readFileSync(TRANSCRIPT, 'utf8').split(/(?<=\n)/);
    writeFileSync(join(dir, 'parent.jsonl'), lines.slice(0, PARENT_LINES).join(''));
    writeFileSync(join(dir, 'resumed.jsonl'), lines.join(''));
    for (const args of [['init', '-q'], ['import', 'parent.jsonl', 'resumed.jsonl']]) {
      // Its objects in one pack (as a large import writes them), not a file each, written and synced one by one.
      if (args[0] === 'import') appendFileSync(join(dir, '.tapes', 'config'), '[import]\n\tpackAbove = 1\n');
      const r = await tapes(args, { cwd: dir });
      if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
    }
    const archive = await Archive.openAt(join(dir, '.tapes'));
    const store = await archive.objects();
    const tips = new Map((await chainRefs(archive)).map((r) => [r.name, r.id]));
    const parent = tips.get('refs/sessions/parent')!;
    const resumed = tips.get('refs/sessions/resumed')!;
    const parentIds = (await readChainEvents(store, parent)).map((e) => e.id);
    const resumedIds = (await readChainEvents(store, resumed)).map((e) => e.id);
    const reads = new Map<string, number>();
    const read = store.read.bind(store);
    store.read = async (id: string) => {
      const obj = await read(id);
      if (obj.type === 'record') reads.set(id, (reads.get(id) ?? 0) + 1);
      return obj;
    };
    return { store, parent, resumed, parentIds, resumedIds, reads };
  })();
  return made;
}

/** Record reads of the store since `before` (a copy of fixture().reads taken then), by id. */
function readsSince(now: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [id, n] of now) if (n > (before.get(id) ?? 0)) out.set(id, n - (before.get(id) ?? 0));
  return out;
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

t.test('the fixture: the resumption begins with the parent session\'s records', async (t) => {
  const f = await fixture();
  t.equal(f.parentIds.length, PARENT_LINES, 'a record a line');
  t.ok(f.resumedIds.length > f.parentIds.length + 10, `the resumption adds records (${f.resumedIds.length})`);
  t.same(f.resumedIds.slice(0, f.parentIds.length), f.parentIds, 'the same ids first');
});

t.test('a head is what readEventHead reads; a second read is the cache\'s, the same object, nothing read', async (t) => {
  const f = await fixture();
  const ids = [...new Set([...f.parentIds, ...f.resumedIds])];
  const cache = new HeadCache(4096);
  const first = new Map<string, unknown>();
  for (const id of ids) {
    const head = await cache.read(f.store, id);
    t.same(head, await readEventHead(f.store, id), `${id}: as readEventHead reads it`);
    first.set(id, head);
  }
  t.same(cache.counts, { read: ids.length, kept: 0 }, 'each read from the store');
  t.equal(cache.size, ids.length, 'and kept');
  const before = new Map(f.reads);
  for (const id of ids) t.equal(await cache.read(f.store, id), first.get(id), `${id}: the same object again`);
  t.same(cache.counts, { read: ids.length, kept: ids.length }, 'the second reads answered from the cache');
  t.equal(sum(readsSince(f.reads, before)), 0, 'the store was not asked');
  // What the cache answers is not what any read gives: readEventHead makes a new head each time.
  t.not(await readEventHead(f.store, ids[0]!), await readEventHead(f.store, ids[0]!), 'readEventHead gives a new object each time');
});

t.test('at the limit the head used longest ago goes; a read again makes it the newest', async (t) => {
  const f = await fixture();
  const [a, b, c, d] = f.resumedIds as [string, string, string, string];
  const cache = new HeadCache(3);
  const before = new Map(f.reads);
  const step = async (id: string, counts: { read: number; kept: number }, what: string) => {
    await cache.read(f.store, id);
    t.same(cache.counts, counts, what);
    t.ok(cache.size <= 3, `never more than the limit (${cache.size})`);
  };
  await step(a, { read: 1, kept: 0 }, 'a read');
  await step(b, { read: 2, kept: 0 }, 'b read');
  await step(c, { read: 3, kept: 0 }, 'c read: the cache is full');
  await step(a, { read: 3, kept: 1 }, 'a from the cache: now the newest');
  await step(d, { read: 4, kept: 1 }, 'd read: b, the oldest, goes (not a)');
  t.equal(cache.size, 3, 'full');
  await step(a, { read: 4, kept: 2 }, 'a still kept');
  await step(c, { read: 4, kept: 3 }, 'c still kept');
  await step(d, { read: 4, kept: 4 }, 'd kept');
  await step(b, { read: 5, kept: 4 }, 'b was gone: read again (a goes: the oldest now)');
  await step(a, { read: 6, kept: 4 }, 'a was gone');
  await step(d, { read: 6, kept: 5 }, 'd kept (c went for a)');
  await step(c, { read: 7, kept: 5 }, 'c was gone');
  const reads = readsSince(f.reads, before);
  t.same(
    [a, b, c, d].map((id) => reads.get(id) ?? 0),
    [2, 2, 2, 1],
    'the store read each id as often as the cache said it read it',
  );
});

t.test('the same as a plain LRU, over seeded random reads of real records at several limits', async (t) => {
  const f = await fixture();
  const ids = f.resumedIds.slice(0, 9);
  for (const limit of [1, 2, 3, 5, 8]) {
    const random = seededRandom(0x5eed + limit);
    const cache = new HeadCache(limit);
    // The model: ids kept, the one used longest ago first.
    let model: string[] = [];
    const expected = { read: 0, kept: 0 };
    const before = new Map(f.reads);
    let agree = true;
    for (let i = 0; i < 300; i++) {
      const id = ids[Math.floor(random() * ids.length)]!;
      if (model.includes(id)) {
        expected.kept++;
        model = [...model.filter((x) => x !== id), id];
      } else {
        expected.read++;
        model = [...model, id].slice(-limit);
      }
      await cache.read(f.store, id);
      if (cache.counts.read !== expected.read || cache.counts.kept !== expected.kept || cache.size !== model.length) agree = false;
    }
    t.ok(agree, `limit ${limit}: the counts and size agree with the model at every step`);
    t.same(cache.counts, expected, `limit ${limit}: ${expected.read} read, ${expected.kept} kept`);
    t.ok(expected.read > limit && expected.kept > 0, `limit ${limit}: heads were both evicted and kept`);
    t.equal(sum(readsSince(f.reads, before)), expected.read, `limit ${limit}: the store read as often as the cache counted`);
  }
});

t.test('a limit of 0 keeps nothing', async (t) => {
  const f = await fixture();
  const id = f.parentIds[3]!;
  const cache = new HeadCache(0);
  const before = new Map(f.reads);
  const one = await cache.read(f.store, id);
  const two = await cache.read(f.store, id);
  t.same(one, two, 'the same head');
  t.not(one, two, 'read twice: not kept');
  t.same(cache.counts, { read: 2, kept: 0 }, 'both reads counted as reads');
  t.equal(cache.size, 0, 'nothing held');
  t.same(readsSince(f.reads, before), new Map([[id, 2]]), 'the store read it twice');
  for (const x of f.resumedIds) await cache.read(f.store, x);
  t.equal(cache.size, 0, 'a whole chain read: still nothing kept');
  t.equal(cache.counts.kept, 0, 'and nothing answered from it');
});

t.test('two chains sharing a prefix, read through readChainEvents with one cache: each record read once', async (t) => {
  const f = await fixture();
  const shared = f.parentIds.length;
  const distinct = new Set([...f.parentIds, ...f.resumedIds]).size;
  t.equal(distinct, f.resumedIds.length, 'the parent\'s records are all the resumption\'s');
  const plain = { parent: await readChainEvents(f.store, f.parent), resumed: await readChainEvents(f.store, f.resumed) };

  for (const [what, names] of [
    ['the session, then its resumption', ['parent', 'resumed']],
    ['the resumption, then the session', ['resumed', 'parent']],
  ] as const) {
    const cache = new HeadCache(4096);
    const before = new Map(f.reads);
    const chains = [];
    for (const name of names) chains.push(await readChainEvents(f.store, f[name], cache));
    t.same(chains[0], plain[names[0]], `${what}: the first chain as read without a cache`);
    t.same(chains[1], plain[names[1]], `${what}: the second chain as read without a cache`);
    t.same(cache.counts, { read: distinct, kept: shared }, `${what}: ${distinct} records read, the ${shared} shared ones kept`);
    const reads = readsSince(f.reads, before);
    t.equal(reads.size, distinct, `${what}: the store read every record of both`);
    t.ok([...reads.values()].every((n) => n === 1), `${what}: each once`);
    // The shared records are the same heads in both chains.
    const inFirst = new Map(chains[0]!.map((e) => [e.id, e]));
    t.ok(
      chains[1]!.every((e) => !inFirst.has(e.id) || inFirst.get(e.id) === e),
      `${what}: a record in both chains is one object`,
    );
  }

  // Without room for them, the shared records are read for each chain.
  const none = new HeadCache(0);
  const before = new Map(f.reads);
  await readChainEvents(f.store, f.parent, none);
  await readChainEvents(f.store, f.resumed, none);
  t.same(none.counts, { read: shared + f.resumedIds.length, kept: 0 }, 'a cache of 0: every position read');
  t.equal(sum(readsSince(f.reads, before)), shared + f.resumedIds.length, 'by the store too');
});
