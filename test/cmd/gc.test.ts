// tapes gc end to end (in-process): packing keeps every object readable and
// fsck clean, pruning honours the grace period and every root (refs, HEAD,
// reflogs), incremental and automatic gc, the lock, and bad input.
import t, { type Test } from 'tap';
import { promises as fs, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fsckJson, makeFixture, objectPath, tapes, type Fixture } from '../fsck/fixtures/archive.js';
import { Archive, autoGc, gc } from '../../src/archive/index.js';
import { parseExpiry } from '../../src/archive/timespec/index.js';

const parsePruneAge = (text: string, now: Date) => parseExpiry(text, now, 'UTC');
import { LooseObjectStore } from '../../src/odb/index.js';
import { corpusDir } from '../helpers/cli.js';

const DAY = 24 * 60 * 60 * 1000;

function looseIds(dir: string): string[] {
  const out: string[] = [];
  for (const d of readdirSync(join(dir, 'objects'))) {
    if (!/^[0-9a-f]{2}$/.test(d)) continue;
    for (const f of readdirSync(join(dir, 'objects', d))) if (f.length === 62) out.push(d + f);
  }
  return out.sort();
}

function packNames(dir: string): string[] {
  try {
    return readdirSync(join(dir, 'objects', 'pack')).sort();
  } catch {
    return [];
  }
}

/** Every object id with its type and body hash, read through a fresh store. */
async function contents(dir: string): Promise<Map<string, string>> {
  const store = await LooseObjectStore.open(join(dir, 'objects'));
  const out = new Map<string, string>();
  for await (const id of store.ids()) {
    const o = await store.read(id);
    out.set(id, `${o.type} ${Buffer.from(o.body).toString('base64').slice(0, 40)} ${o.body.length}`);
  }
  store.packs.close();
  return out;
}

async function clean(t: Test, f: Fixture, what: string): Promise<void> {
  const r = await fsckJson(f.root);
  t.equal(r.code, 0, `${what}: fsck exits 0`);
  t.same(r.report.findings, [], `${what}: fsck finds nothing`);
}

/** Makes a loose object look `days` old. */
function age(f: Fixture, id: string, days: number): void {
  const when = new Date(Date.now() - days * DAY);
  utimesSync(objectPath(f.dir, id), when, when);
}

t.test('gc packs everything, removes the loose copies, and every object reads the same', async (t) => {
  const f = await makeFixture(t);
  const before = await contents(f.dir);
  const r = await tapes(f.root, ['gc', '--json']);
  t.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  t.equal(res.mode, 'full');
  t.equal(res.pack.objects, before.size);
  t.equal(res.loose_removed, before.size);
  t.same(looseIds(f.dir), [], 'no loose objects left');
  t.equal(packNames(f.dir).length, 2, 'one pack and its index');
  t.same(await contents(f.dir), before, 'the same objects, byte for byte');
  await clean(t, f, 'after gc');
  // Porcelain and plumbing read through the pack: log, cat-object, abbreviated ids, export-like reads.
  const log = await tapes(f.root, ['rev-list', 'demo']);
  t.same(log.stdout.trim().split('\n'), [f.ids.r3, f.ids.r2, f.ids.r1]);
  const cat = await tapes(f.root, ['cat-object', '-p', f.ids.hello]);
  t.equal(cat.stdout, 'hello ');
  const short = await tapes(f.root, ['rev-parse', f.ids.r2.slice(0, 10)]);
  t.equal(short.stdout.trim(), f.ids.r2, 'an abbreviated id resolves to a packed record');
  const size = await tapes(f.root, ['cat-object', '-s', f.ids.big]);
  t.equal(size.code, 0);

  // A second gc has nothing to gain; --aggressive rewrites the same pack.
  const again = JSON.parse((await tapes(f.root, ['gc', '--json'])).stdout);
  t.equal(again.pack, undefined, 'second gc writes nothing');
  const packs = packNames(f.dir);
  const aggressive = await tapes(f.root, ['gc', '--aggressive', '--json']);
  t.equal(aggressive.code, 0);
  t.same(packNames(f.dir), packs, '--aggressive rewrote the identical pack (same name: same bytes)');
  await clean(t, f, 'after --aggressive');
  const text = await tapes(f.root, ['gc']);
  t.match(text.stdout, /1 pack, 0 loose objects/);
});

t.test('prune: unreachable objects go after the grace period; refs, HEAD and reflogs keep theirs', async (t) => {
  const f = await makeFixture(t);
  const store = await f.archive.objects();
  const oldJunk = await store.write('blob', Buffer.from('old unreachable'));
  const newJunk = await store.write('blob', Buffer.from('new unreachable'));
  age(f, oldJunk, 30);
  // Move the session back: r2 and r3 stay reachable through the reflog only.
  await f.archive.refs.update('refs/sessions/demo', f.ids.r1, { reason: 'reset' });
  // Old objects reachable only from the reflog must stay, whatever their age.
  for (const id of [f.ids.r2, f.ids.r3, f.ids.outer]) age(f, id, 60);

  const r = JSON.parse((await tapes(f.root, ['gc', '--json'])).stdout);
  t.equal(r.pruned, 1, 'the old unreachable blob is pruned');
  t.same(looseIds(f.dir), [newJunk], 'the new unreachable blob stays loose (inside the grace period)');
  const store2 = await LooseObjectStore.open(join(f.dir, 'objects'));
  for (const id of [f.ids.r2, f.ids.r3, f.ids.outer, f.ids.big, ...f.ids.bigChunks]) t.ok(await store2.has(id), `kept: reachable from the reflog (${id.slice(0, 8)})`);
  t.equal(await store2.has(oldJunk), false);
  await clean(t, f, 'after prune');

  // --prune=never packs the unreachable object too; then it is unreachable *in a pack*.
  const never = JSON.parse((await tapes(f.root, ['gc', '--prune=never', '--json'])).stdout);
  t.equal(never.pruned, 0);
  t.same(looseIds(f.dir), [], 'packed, loose copy removed');
  // The default prune: the pack is new, so its unreachable object is written back loose (keeping its age).
  const dflt = JSON.parse((await tapes(f.root, ['gc', '--aggressive', '--json'])).stdout);
  t.equal(dflt.loosened, 1, 'kept as a loose object while inside the grace period');
  t.same(looseIds(f.dir), [newJunk]);
  // --prune=now removes it.
  const now = JSON.parse((await tapes(f.root, ['gc', '--prune=now', '--json'])).stdout);
  t.equal(now.pruned, 1);
  t.same(looseIds(f.dir), []);
  await clean(t, f, 'after --prune=now');

  // A detached HEAD keeps its record even with no ref naming it.
  await fs.rm(join(f.dir, 'logs'), { recursive: true });
  await fs.writeFile(join(f.dir, 'HEAD'), `${f.ids.r3}\n`);
  await tapes(f.root, ['gc', '--prune=now']);
  const store3 = await LooseObjectStore.open(join(f.dir, 'objects'));
  t.ok(await store3.has(f.ids.r3), 'HEAD keeps r3');
  t.ok(await store3.has(f.ids.outer), '…and its blobs');
  await clean(t, f, 'with a detached HEAD');
});

t.test('gc refuses to run when a reachable object is missing or damaged, and changes nothing', async (t) => {
  const f = await makeFixture(t);
  await fs.rm(objectPath(f.dir, f.ids.hello));
  const before = looseIds(f.dir);
  const r = await tapes(f.root, ['gc']);
  t.equal(r.code, 1);
  t.match(r.stderr, new RegExp(`object ${f.ids.hello}, named by record ${f.ids.r1}, is missing`));
  t.same(looseIds(f.dir), before, 'no loose object removed');
  t.same(packNames(f.dir), [], 'no pack, no temp file left');
});

t.test('--prune values', async (t) => {
  const now = new Date('2026-01-15T00:00:00Z');
  t.equal((parsePruneAge('2.weeks.ago', now) as Date).toISOString(), '2026-01-01T00:00:00.000Z');
  t.equal((parsePruneAge('3 days ago', now) as Date).toISOString(), '2026-01-12T00:00:00.000Z');
  t.equal((parsePruneAge('1.hour', now) as Date).toISOString(), '2026-01-14T23:00:00.000Z');
  t.equal(parsePruneAge('never', now), 'never');
  t.ok((parsePruneAge('now', now) as Date).getTime() > now.getTime());
  t.equal((parsePruneAge('2025-12-01', now) as Date).toISOString(), '2025-12-01T00:00:00.000Z');
  t.throws(() => parsePruneAge('soon', now), { code: 'UsageError' });
  const f = await makeFixture(t);
  const r = await tapes(f.root, ['gc', '--prune=yesterday-ish']);
  t.equal(r.code, 129);
  t.match(r.stderr, /--prune: cannot read "yesterday-ish"/);
});

t.test('the gc lock: a live gc is refused, a dead one is taken over', async (t) => {
  const f = await makeFixture(t);
  const lock = join(f.dir, 'gc.pid');
  writeFileSync(lock, `${process.pid} ${hostname()}\n`);
  // Our own pid counts as alive for a gc started from another archive object.
  await t.rejects(gc(f.archive, {}, () => true), { code: 'LockedError' });
  const r = await tapes(f.root, ['gc']);
  t.equal(r.code, 1);
  t.match(r.stderr, /gc is already running/);
  // A pid that is not running on this host: a killed gc's lock, taken over.
  writeFileSync(lock, `999999 ${hostname()}\n`);
  const ok = await gc(f.archive, {}, () => false);
  t.ok(ok.pack, 'ran');
  await t.rejects(fs.stat(lock), { code: 'ENOENT' }, 'lock released');
});

t.test('incremental and automatic gc', async (t) => {
  const f = await makeFixture(t);
  await tapes(f.root, ['gc']);
  const firstPack = packNames(f.dir);
  const store = await f.archive.objects();
  const r4 = await store.write('record', Buffer.from(`{"kind":"user","parent":"${f.ids.r3}"}`));
  await f.archive.refs.update('refs/sessions/demo', r4, { reason: 'append' });
  const extra = await store.write('blob', Buffer.from('young and unreachable'));

  // gc.auto = 0 turns it off; under the threshold it does nothing.
  await fs.appendFile(join(f.dir, 'config'), '[gc]\n\tauto = 0\n');
  let archive = await Archive.openAt(f.dir);
  t.same(await autoGc(archive), { ran: false, note: 'gc.auto is 0' });
  await fs.writeFile(join(f.dir, 'config'), '[core]\n\tformatVersion = 1\n[gc]\n\tauto = 5\n');
  archive = await Archive.openAt(f.dir);
  t.same(await autoGc(archive), { ran: false }, '2 loose objects, threshold 5');
  await fs.writeFile(join(f.dir, 'config'), '[core]\n\tformatVersion = 1\n[gc]\n\tauto = 1\n');
  const r = await tapes(f.root, ['gc', '--auto', '--json']);
  const out = JSON.parse(r.stdout);
  t.equal(out.ran, true);
  t.equal(out.result.mode, 'incremental');
  t.equal(out.result.pack.objects, 1, 'only the new record is packed (its history is packed already)');
  t.same(looseIds(f.dir), [extra], 'the young unreachable blob stays loose');
  const packs = packNames(f.dir);
  t.equal(packs.length, 4, 'a second pack beside the first');
  t.ok(firstPack.every((p) => packs.includes(p)), 'the first pack is untouched');
  await clean(t, f, 'after incremental gc');
  // Too many packs: auto gc consolidates them all.
  await fs.writeFile(join(f.dir, 'config'), '[core]\n\tformatVersion = 1\n[gc]\n\tauto = 0\n\tautoPackLimit = 2\n');
  t.same(JSON.parse((await tapes(f.root, ['gc', '--auto', '--json'])).stdout).ran, false);
  await fs.writeFile(join(f.dir, 'config'), '[core]\n\tformatVersion = 1\n[gc]\n\tauto = 0\n');
  const full = JSON.parse((await tapes(f.root, ['gc', '--json'])).stdout);
  t.equal(full.packs_after, 1);
  await clean(t, f, 'after consolidation');
});

t.test('an import past gc.auto packs what it wrote', async (t) => {
  const f = await makeFixture(t);
  await fs.appendFile(join(f.dir, 'config'), '[gc]\n\tauto = 20\n');
  const file = join(corpusDir, 'claude-code', 'projects');
  const small = readdirSync(file, { recursive: true, encoding: 'utf8' })
    .filter((n) => n.endsWith('.jsonl') && !n.includes('subagents'))
    .map((n) => join(file, n));
  const sizes = await Promise.all(small.map(async (p) => ({ p, s: (await fs.stat(p)).size })));
  sizes.sort((a, b) => a.s - b.s);
  const r = await tapes(f.root, ['import', sizes[0]!.p]);
  t.equal(r.code, 0, r.stderr);
  t.same(looseIds(f.dir), [], 'auto gc packed every loose object');
  t.ok(packNames(f.dir).length >= 2);
  await clean(t, f, 'after import + auto gc');
  const log = await tapes(f.root, ['log', '--oneline', '-n', '3']);
  t.equal(log.code, 0);
});

t.test('a fetch past gc.auto packs what it brought', async (t) => {
  const source = await makeFixture(t);
  const local = await makeFixture(t);
  await fs.appendFile(join(local.dir, 'config'), '[gc]\n\tauto = 1\n');
  t.equal((await tapes(local.root, ['remote', 'add', 'origin', source.dir])).code, 0);
  // Something the local archive lacks.
  const store = await source.archive.objects();
  const r4 = await store.write('record', Buffer.from(`{"kind":"user","parent":"${source.ids.r3}"}`));
  await source.archive.refs.update('refs/sessions/more', r4, { reason: 'test' });
  const r = await tapes(local.root, ['fetch']);
  t.equal(r.code, 0, r.stderr);
  t.same(looseIds(local.dir), [], 'fetched objects packed by the automatic gc');
  t.ok(packNames(local.dir).length >= 2);
  const cat = await tapes(local.root, ['cat-object', '-t', r4]);
  t.equal(cat.stdout.trim(), 'record');
  await clean(t, local, 'after fetch + auto gc');
});
