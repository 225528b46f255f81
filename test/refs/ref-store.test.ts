import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { RefStore, ZERO_ID, LockFile } from '../../src/refs/index.js';
import { tempDir } from '../helpers/cli.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);
const clock = () => new Date('2026-03-04T05:06:07.000Z');

t.test('create, compare-and-swap, delete; every move in the reflog', async (t) => {
  const dir = tempDir();
  const refs = new RefStore(dir, clock);
  t.equal(await refs.read('refs/sessions/s'), undefined);
  t.same(await refs.update('refs/sessions/s', A, { expectedOld: null, reason: 'create' }), { name: 'refs/sessions/s', old: null, new: A });
  t.equal(await fs.readFile(join(dir, 'refs/sessions/s'), 'utf8'), A + '\n');
  await t.rejects(refs.update('refs/sessions/s', B, { expectedOld: null }), { code: 'RefConflictError', data: { actual: A } });
  await t.rejects(refs.update('refs/sessions/s', B, { expectedOld: C }), { code: 'RefConflictError', data: { expected: C, actual: A } });
  await refs.update('refs/sessions/s', B, { expectedOld: A, reason: 'move' });
  t.equal(await refs.resolve('refs/sessions/s'), B);
  const log = await refs.readReflog('refs/sessions/s');
  t.same(log.map((l) => (l.ok ? [l.entry.old, l.entry.new, l.entry.reason, l.entry.time] : null)), [
    [ZERO_ID, A, 'create', '2026-03-04T05:06:07.000Z'],
    [A, B, 'move', '2026-03-04T05:06:07.000Z'],
  ]);
  await t.rejects(refs.delete('refs/sessions/s', { expectedOld: A }), { code: 'RefConflictError' });
  await refs.delete('refs/sessions/s', { expectedOld: B });
  t.equal(await refs.read('refs/sessions/s'), undefined);
  await t.rejects(refs.delete('refs/sessions/s'), { code: 'NotFoundError' });
  t.same(await fs.readdir(join(dir, 'refs')), ['sessions'], 'empty directories removed, the area kept');
  t.same(await fs.readdir(join(dir, 'refs/sessions')), []);
});

t.test('HEAD: symbolic and detached; updating through HEAD logs both', async (t) => {
  const dir = tempDir();
  const refs = new RefStore(dir, clock);
  await refs.setSymbolic('HEAD', 'refs/sessions/main', 'checkout');
  t.same(await refs.read('HEAD'), { kind: 'symbolic', target: 'refs/sessions/main' });
  t.equal(await refs.resolve('HEAD'), undefined, 'unborn');
  await refs.update('HEAD', A, { reason: 'via HEAD' });
  t.equal(await refs.resolve('refs/sessions/main'), A);
  t.equal(await refs.resolve('HEAD'), A);
  t.equal((await refs.readReflog('HEAD')).length, 1);
  t.equal((await refs.readReflog('refs/sessions/main')).length, 1);
  await refs.update('HEAD', B, { deref: false, reason: 'detach' });
  t.same(await refs.read('HEAD'), { kind: 'id', id: B });
  t.equal(await refs.resolve('refs/sessions/main'), A, 'the session did not move');
});

t.test('a ref cannot be both a file and a directory', async (t) => {
  const refs = new RefStore(tempDir(), clock);
  await refs.update('refs/sessions/a', A);
  await t.rejects(refs.update('refs/sessions/a/b', A), { code: 'RefConflictError', data: { existing: 'refs/sessions/a' } });
  await refs.update('refs/sessions/x/y', A);
  await t.rejects(refs.update('refs/sessions/x', A), { code: 'RefConflictError', data: { existing: 'refs/sessions/x/y' } });
  t.same((await refs.list()).map((r) => r.name), ['refs/sessions/a', 'refs/sessions/x/y']);
});

t.test('a stale lock is reported with the file to remove, never broken', async (t) => {
  const dir = tempDir();
  const refs = new RefStore(dir, clock);
  await refs.update('refs/sessions/s', A);
  const lock = join(dir, 'refs/sessions/s.lock');
  await fs.writeFile(lock, '');
  const err = await refs.update('refs/sessions/s', B, { lockTimeoutMs: 50 }).catch((e: { code: string; data: { path: string }; hint: string }) => e);
  t.match(err, { code: 'LockedError', data: { path: lock } });
  t.match((err as { hint: string }).hint, `rm '${lock}'`);
  t.equal(await refs.resolve('refs/sessions/s'), A, 'ref unchanged');
  t.equal((await refs.readReflog('refs/sessions/s')).length, 1, 'no reflog line for the failed move');
  t.same((await refs.list()).map((r) => r.name), ['refs/sessions/s'], 'lock files are not refs');
  await fs.rm(lock);
  await refs.update('refs/sessions/s', B, { expectedOld: A });
  t.equal(await refs.resolve('refs/sessions/s'), B);
});

t.test('a lock held briefly by another writer is waited for', async (t) => {
  const dir = tempDir();
  const refs = new RefStore(dir, clock);
  await refs.update('refs/sessions/s', A);
  const held = await LockFile.acquire(join(dir, 'refs/sessions/s'), { what: 'test' });
  setTimeout(() => void held.release(), 100);
  // Released after 100 ms; the generous timeout only matters should the release never come.
  await refs.update('refs/sessions/s', B, { expectedOld: A, lockTimeoutMs: 60_000 });
  t.equal(await refs.resolve('refs/sessions/s'), B);
});

t.test('bad ref content is an error naming the ref', async (t) => {
  const dir = tempDir();
  const refs = new RefStore(dir, clock);
  await fs.mkdir(join(dir, 'refs/sessions'), { recursive: true });
  await fs.writeFile(join(dir, 'refs/sessions/bad'), 'garbage\n');
  await t.rejects(refs.read('refs/sessions/bad'), { code: 'BadArchiveError', data: { name: 'refs/sessions/bad' } });
  await t.rejects(refs.update('refs/sessions/../../x', A), { code: 'InvalidRefNameError' });
});

t.test('reflogIds: both ids of every well-formed entry, reflogs in path order; lock files and bad lines passed over', async (t) => {
  const dir = tempDir();
  const refs = new RefStore(dir, clock);
  await refs.update('refs/sessions/b', A, { reason: 'create' });
  await refs.update('refs/sessions/b', B, { reason: 'move' });
  await refs.update('refs/sessions/a/x', C, { reason: 'create' });
  const D = 'd'.repeat(64);
  const logs = join(dir, 'logs', 'refs', 'sessions');
  await fs.writeFile(join(logs, 'b.lock'), `${A} ${D} 2026-03-04T05:06:07.000Z\tlocked\n`);
  await fs.appendFile(join(logs, 'b'), 'not a reflog line\n');
  t.same(refs.reflogIds(), [C, A, B, A], 'a/x before b; new before old; no zero id');
  t.same(await refs.listNames(), ['refs/sessions/a/x', 'refs/sessions/b']);
});

// listNames walks only the subtree its prefix names; what it lists is what
// filtering the whole walk gives, links on the way down included (never followed).
t.test('listNames of a prefix walks its subtree and lists what the whole walk would', async (t) => {
  const dir = tempDir();
  const refs = new RefStore(dir, clock);
  for (const n of ['refs/sessions/a', 'refs/sessions/ab', 'refs/agents/a/x', 'refs/agents/a/y', 'refs/agents/b/z', 'refs/tags/t']) await refs.update(n, A, { reason: 'create' });
  // A link where a session's agents directory would be, and a lock file.
  const outside = tempDir();
  await fs.mkdir(join(outside, 'hidden'));
  await fs.writeFile(join(outside, 'hidden', 'q'), A + '\n');
  await fs.symlink(join(outside, 'hidden'), join(dir, 'refs', 'agents', 'c'));
  await fs.writeFile(join(dir, 'refs', 'agents', 'a', 'x.lock'), A + '\n');
  const all = await refs.listNames();
  for (const prefix of ['refs/', 'refs/agents/', 'refs/agents/a/', 'refs/agents/c/', 'refs/agents/zz/', 'refs/sessions/a', 'refs/sessions/', 'refs/tags/t', 'refs/nothing/']) {
    t.same(await refs.listNames(prefix), all.filter((n) => n.startsWith(prefix)), `${prefix}: as the whole walk, filtered`);
  }
  t.same(await refs.listNames('refs/agents/a/'), ['refs/agents/a/x', 'refs/agents/a/y'], 'a session\'s agents, no lock file');
  t.notOk(all.includes('refs/agents/c/q'), 'nothing behind a link is listed');
});

t.test('rewriteReflog: ids mapped under the ref lock, times, reasons and bad lines kept; a held lock waits, a link is refused', async (t) => {
  const dir = tempDir();
  const refs = new RefStore(dir, clock);
  await refs.update('refs/sessions/s', A, { expectedOld: null, reason: 'create' });
  await refs.update('refs/sessions/s', B, { expectedOld: A, reason: 'grow' });
  const path = join(dir, 'logs/refs/sessions/s');
  await fs.appendFile(path, 'not a reflog line\n');
  const map = (id: string) => (id === A ? C : id);
  t.equal(await refs.rewriteReflog('refs/sessions/s', map), 2, 'two lines named A');
  t.equal(
    await fs.readFile(path, 'utf8'),
    `${ZERO_ID} ${C} 2026-03-04T05:06:07.000Z\tcreate\n${C} ${B} 2026-03-04T05:06:07.000Z\tgrow\nnot a reflog line\n`,
  );
  t.equal(await refs.resolve('refs/sessions/s'), B, 'the ref itself is untouched');
  t.equal(await refs.rewriteReflog('refs/sessions/s', map), 0, 'nothing left to map: the file is not written');
  t.equal(await refs.rewriteReflog('refs/sessions/none', map), 0, 'no reflog: nothing to do');
  t.same(refs.reflogNames(), ['refs/sessions/s']);

  const lock = await LockFile.acquire(join(dir, 'refs/sessions/s'), { what: 'test' });
  await t.rejects(refs.rewriteReflog('refs/sessions/s', () => A, 50), { code: 'LockedError' }, 'a held ref lock is waited for, then named');
  await lock.release();

  await fs.symlink('/etc/hostname', join(dir, 'logs/refs/sessions/l'));
  await fs.writeFile(join(dir, 'refs/sessions/l'), A + '\n');
  await t.rejects(refs.rewriteReflog('refs/sessions/l', map), /symbolic link/, 'a linked reflog is refused');
});

t.test('compareBytes orders names as their UTF-8 bytes do, without encoding them', async (t) => {
  const { compareBytes } = await import('../../src/refs/ref-store.js');
  const names = ['refs/a', 'refs/b', 'refs/a/b', 'refs/a-b', 'refs/A', 'refs/é', 'refs/\u{e000}', 'refs/\u{ffff}', 'refs/\u{1f600}', 'refs/\u{10000}', 'refs/', 'refs/a\u{1f600}', 'refs/a\u{ff5e}', ''];
  for (const a of names) {
    for (const b of names) {
      t.equal(Math.sign(compareBytes(a, b)), Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
  }
});

t.test('sortByBytes sorts as Buffer.compare does, with and without names past U+FFFF', async (t) => {
  const { sortByBytes } = await import('../../src/refs/ref-store.js');
  const ascii = ['refs/sessions/b', 'refs/sessions/a-b', 'refs/sessions/a/x', 'refs/tags/Z', 'refs/sessions/a', 'refs/agents/s/agent-1'];
  const wide = [...ascii, 'refs/tags/\u{ffff}', 'refs/tags/\u{1f600}', 'refs/tags/\u{e000}', 'refs/tags/é'];
  const byBuffer = (names: string[]) => [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  t.same(sortByBytes([...ascii]), byBuffer(ascii), 'ASCII names');
  t.same(sortByBytes([...wide]), byBuffer(wide), 'names with a code point past U+FFFF and ones just below it');
  t.same(sortByBytes([...wide].reverse()), byBuffer(wide), 'from the reverse order too');
});

t.test('listNames: every ref, in byte order, nested folders and a tag past U+FFFF among them', async (t) => {
  const dir = tempDir('tapes-listnames-');
  const refs = new RefStore(dir);
  const id = 'a'.repeat(64);
  const names = ['refs/sessions/b', 'refs/sessions/a-b', 'refs/sessions/a/x', 'refs/sessions/a', 'refs/tags/\u{1f600}', 'refs/tags/\u{ffff}', 'refs/agents/s/agent-1'].filter((n) => n !== 'refs/sessions/a');
  for (const n of names) await refs.update(n, id);
  const sorted = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  t.same(await refs.listNames('refs/'), sorted);
  t.same(await refs.listNames('refs/sessions/'), sorted.filter((n) => n.startsWith('refs/sessions/')));
});

t.test('updateAll: moves of different refs at once, of one ref in order, every outcome in the order given', async (t) => {
  const dir = tempDir();
  // Counts the moves in flight, in all and by name (counted, not timed).
  class Counting extends RefStore {
    inFlight = 0;
    most = 0;
    readonly byName = new Map<string, number>();
    mostOfOneName = 0;
    override async update(...args: Parameters<RefStore['update']>): ReturnType<RefStore['update']> {
      const [name] = args;
      this.inFlight++;
      this.byName.set(name, (this.byName.get(name) ?? 0) + 1);
      this.most = Math.max(this.most, this.inFlight);
      this.mostOfOneName = Math.max(this.mostOfOneName, this.byName.get(name)!);
      try {
        return await super.update(...args);
      } finally {
        this.inFlight--;
        this.byName.set(name, this.byName.get(name)! - 1);
      }
    }
  }
  const refs = new Counting(dir, clock);
  await refs.update('refs/sessions/taken', C, { expectedOld: null });
  const moves = [
    ...Array.from({ length: 30 }, (_, i) => ({ name: `refs/sessions/s${i}`, id: A, opts: { expectedOld: null, reason: 'import' } })),
    { name: 'refs/sessions/s3', id: B, opts: { expectedOld: A, reason: 'second' } },
    { name: 'refs/sessions/taken', id: A, opts: { expectedOld: null } },
    { name: 'refs/agents/s1/a', id: B, opts: { expectedOld: null } },
    { name: 'refs/sessions/s3', id: C, opts: { expectedOld: B, reason: 'third' } },
  ];
  const out = await refs.updateAll(moves);
  t.ok(refs.most > 1, `several moves at once (at most ${refs.most})`);
  t.ok(refs.most <= 8, 'no more than eight at once');
  t.equal(refs.mostOfOneName, 1, 'never two moves of one ref at once');
  t.same(
    out.map((o) => o.status),
    moves.map((m) => (m.name === 'refs/sessions/taken' ? 'rejected' : 'fulfilled')),
  );
  const refused = out[31]!;
  t.match(refused.status === 'rejected' ? refused.reason : undefined, { code: 'RefConflictError', data: { actual: C } }, 'the refused move says why');
  t.same(out[33], { status: 'fulfilled', value: { name: 'refs/sessions/s3', old: B, new: C } });
  t.equal(await refs.resolve('refs/sessions/s3'), C, "one ref's moves made in the order given");
  t.same(
    (await refs.readReflog('refs/sessions/s3')).map((l) => (l.ok ? l.entry.reason : null)),
    ['import', 'second', 'third'],
  );
  t.equal(await refs.resolve('refs/sessions/taken'), C, 'the refused move changed nothing');
  t.equal((await refs.list('refs/sessions/')).length, 31);
  t.equal(await refs.resolve('refs/agents/s1/a'), B);
  t.same((await fs.readdir(join(dir, 'refs/sessions'))).filter((f) => f.endsWith('.lock')), [], 'no lock left behind');
});

t.test('updateAll: a name that is a directory of another, or one outside refs/, makes the batch one move at a time', async (t) => {
  for (const [first, second] of [
    ['refs/sessions/a', 'refs/sessions/a/b'],
    ['refs/sessions/a/b', 'refs/sessions/a'],
  ] as const) {
    const dir = tempDir();
    let inFlight = 0;
    let most = 0;
    const refs = new (class extends RefStore {
      override async update(...args: Parameters<RefStore['update']>): ReturnType<RefStore['update']> {
        most = Math.max(most, ++inFlight);
        try {
          return await super.update(...args);
        } finally {
          inFlight--;
        }
      }
    })(dir, clock);
    const others = Array.from({ length: 6 }, (_, i) => ({ name: `refs/sessions/o${i}`, id: A }));
    const out = await refs.updateAll([{ name: first, id: A }, ...others, { name: second, id: B }]);
    t.equal(most, 1, `${first} before ${second}: one at a time`);
    t.equal(out[0]!.status, 'fulfilled', `${first}, asked for first, is made`);
    const last = out[7]!;
    t.match(last.status === 'rejected' ? last.reason : undefined, { code: 'RefConflictError', data: { existing: first } }, `${second} is refused: ${first} exists`);
    t.equal(await refs.resolve(first), A);
  }
  const dir = tempDir();
  const refs = new RefStore(dir, clock);
  await refs.setSymbolic('HEAD', 'refs/sessions/main', 'checkout');
  const out = await refs.updateAll([
    { name: 'HEAD', id: A },
    { name: 'refs/sessions/main', id: B, opts: { expectedOld: A } },
  ]);
  t.same(out.map((o) => o.status), ['fulfilled', 'fulfilled'], 'HEAD moves its ref, then the ref moves on from there, in order');
  t.equal(await refs.resolve('refs/sessions/main'), B);
});
