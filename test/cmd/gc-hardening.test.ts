// gc on a hostile or unlucky archive: it never reads or deletes anything
// outside the archive (a symlink under .tapes/ is never followed), it stops
// with an error naming any root it cannot read rather than prune what only
// that root kept, and a failed gc leaves no lock behind.
import t from 'tap';
import fsSync, { promises as fs, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { encodeObject, loadCodec } from '../../src/object/index.js';
import { fsckJson, makeFixture, objectPath, tapes, tempDir, type Fixture } from '../fsck/fixtures/archive.js';
import { age, blobWithPrefix, listing, unusedFanout } from '../helpers/outside.js';
import { withoutPrivileges } from '../helpers/privileges.js';

t.test('gc and gc --prune=now delete nothing behind a symlinked fan-out directory', async (t) => {
  const fx = await makeFixture(t);
  const out = tempDir(t);
  const fan = unusedFanout(join(fx.dir, 'objects'));
  // A file named like an object and a temp file, both a month old: a gc
  // walking into the link would prune the one and sweep the other.
  writeFileSync(join(out, 'e'.repeat(62)), 'not an object');
  age(join(out, 'e'.repeat(62)), 30);
  writeFileSync(join(out, 'tmp_obj_someone_elses'), 'not ours');
  age(join(out, 'tmp_obj_someone_elses'), 30);
  symlinkSync(out, join(fx.dir, 'objects', fan));
  const before = listing(out);
  for (const args of [['gc'], ['gc', '--prune=now'], ['gc', '--aggressive', '--prune=now']]) {
    const r = await tapes(fx.root, args);
    t.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    t.same(listing(out), before, `${args.join(' ')}: nothing behind the link was deleted or changed`);
  }
  const { report } = await fsckJson(fx.root);
  t.same(report.findings.map((f) => [f.id, f.path]), [['symlinkInArchive', `objects/${fan}`]], 'fsck names the link, and the archive is otherwise whole');
});

t.test('gc never reads an object through a symlinked fan-out directory, so never packs it nor deletes its file', async (t) => {
  const fx = await makeFixture(t);
  const out = tempDir(t);
  const fan = unusedFanout(join(fx.dir, 'objects'));
  const behind = blobWithPrefix(fan);
  const codec = await loadCodec();
  writeFileSync(join(out, behind.id.slice(2)), codec.compress(encodeObject('blob', behind.body)));
  symlinkSync(out, join(fx.dir, 'objects', fan));
  await fs.writeFile(join(fx.dir, 'refs', 'tags', 'behind'), behind.id + '\n');
  const before = listing(out);
  for (const args of [['gc'], ['gc', '--prune=now']]) {
    const r = await tapes(fx.root, args);
    t.equal(r.code, 1, `${args.join(' ')}: the tag names an object that is not in the archive`);
    t.match(r.stderr, new RegExp(`object ${behind.id}.*is missing; nothing was changed`));
    t.same(listing(out), before, 'the file behind the link is still there, unread');
  }
  const cat = await tapes(fx.root, ['cat-object', '-p', behind.id]);
  t.equal(cat.code, 2, 'readers agree: not in the archive');
  const { report } = await fsckJson(fx.root);
  t.same(
    report.findings.map((f) => [f.id, f.path]),
    [
      ['symlinkInArchive', `objects/${fan}`],
      ['refMissingObject', 'refs/tags/behind'],
    ],
    'and so does fsck',
  );
});

t.test('gc never writes or sweeps through a symlinked pack directory', async (t) => {
  const fx = await makeFixture(t);
  const out = tempDir(t);
  mkdirSync(join(out, 'pack'));
  writeFileSync(join(out, 'pack', 'tmp_pack_0123.pack'), 'a temp pack');
  writeFileSync(join(out, 'pack', 'pack-without-index.pack'), 'stray');
  age(join(out, 'pack', 'tmp_pack_0123.pack'), 30);
  symlinkSync(join(out, 'pack'), join(fx.dir, 'objects', 'pack'));
  const before = listing(out);
  for (const args of [['gc'], ['gc', '--prune=now']]) {
    const r = await tapes(fx.root, args);
    t.equal(r.code, 128, `${args.join(' ')}: refused`);
    t.match(r.stderr, /objects\/pack.*symbolic link/, 'naming the link');
    t.same(listing(out), before, 'nothing written, nothing swept');
  }
  t.ok(await fs.stat(objectPath(fx.dir, fx.ids.r3)), 'the loose objects are where they were');
});

t.test('gc stops, naming it, at a symlinked ref, reflog or ref directory, and prunes nothing', async (t) => {
  for (const where of ['refs/sessions/linked', 'logs/refs/sessions/linked', 'refs/linked-area']) {
    const fx = await makeFixture(t);
    const out = tempDir(t);
    writeFileSync(join(out, 'file'), fx.ids.r1 + '\n');
    mkdirSync(join(out, 'area'));
    writeFileSync(join(out, 'area', 'x'), fx.ids.r1 + '\n');
    mkdirSync(join(fx.dir, 'logs', 'refs', 'sessions'), { recursive: true });
    symlinkSync(join(out, where.endsWith('area') ? 'area' : 'file'), join(fx.dir, where));
    // An unreachable object old enough to be pruned, were gc to go on.
    const store = await fx.archive.objects();
    const loose = await store.write('blob', Buffer.from(`unreachable ${where}`));
    age(objectPath(fx.dir, loose), 30);
    const before = listing(out);
    const r = await tapes(fx.root, ['gc', '--prune=now']);
    t.equal(r.code, 128, `${where}: gc stops`);
    t.match(r.stderr, new RegExp(`${where}.*symbolic link`), `${where}: named`);
    t.ok(await fs.stat(objectPath(fx.dir, loose)), `${where}: nothing pruned`);
    t.same(listing(out), before, `${where}: nothing behind the link touched`);
    t.notOk(await fs.stat(join(fx.dir, 'gc.pid')).catch(() => undefined), `${where}: no lock left`);
  }
});

t.test('gc --prune=now keeps objects moved behind a symlink out of its reach: the gc after removing the link is clean', async (t) => {
  const fx = await makeFixture(t);
  const out = join(tempDir(t), 'moved');
  const fan = fx.ids.hello.slice(0, 2);
  renameSync(join(fx.dir, 'objects', fan), out);
  symlinkSync(out, join(fx.dir, 'objects', fan));
  const before = listing(out);
  const r = await tapes(fx.root, ['gc', '--prune=now']);
  t.equal(r.code, 1, 'the chain reaches an object behind the link: gc stops');
  t.same(listing(out), before);
  // The user moves the directory back: everything is there again.
  await fs.rm(join(fx.dir, 'objects', fan));
  renameSync(out, join(fx.dir, 'objects', fan));
  t.equal((await tapes(fx.root, ['gc', '--prune=now'])).code, 0);
  const after = await fsckJson(fx.root);
  t.same(after.report.findings, [], 'whole');
});

t.test('gc stops, naming it, at a ref or reflog it cannot read, and prunes nothing', async (t) => {
  const cases: Array<{ what: string; damage: (fx: Fixture, blob: string) => Promise<string> }> = [
    {
      what: 'a reflog directory that cannot be listed',
      damage: async (fx, blob) => {
        const dir = join(fx.dir, 'logs', 'refs', 'sessions', 'old');
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'x'), `${'0'.repeat(64)} ${blob} 2026-01-01T00:00:00.000Z\tcreate\n`);
        await fs.chmod(dir, 0o000);
        return 'logs/refs/sessions/old';
      },
    },
    {
      what: 'a reflog file that cannot be read',
      damage: async (fx, blob) => {
        const file = join(fx.dir, 'logs', 'refs', 'sessions', 'gone');
        writeFileSync(file, `${'0'.repeat(64)} ${blob} 2026-01-01T00:00:00.000Z\tcreate\n`);
        await fs.chmod(file, 0o000);
        return 'logs/refs/sessions/gone';
      },
    },
    {
      what: 'a reflog that is a FIFO',
      damage: async (fx) => {
        execFileSync('mkfifo', [join(fx.dir, 'logs', 'refs', 'sessions', 'fifo')]);
        return 'logs/refs/sessions/fifo';
      },
    },
    {
      what: 'a ref directory that cannot be listed',
      damage: async (fx, blob) => {
        const dir = join(fx.dir, 'refs', 'tags', 'hidden');
        mkdirSync(dir);
        writeFileSync(join(dir, 'x'), blob + '\n');
        await fs.chmod(dir, 0o000);
        return 'refs/tags/hidden';
      },
    },
    {
      what: 'a ref file that cannot be read',
      damage: async (fx, blob) => {
        const file = join(fx.dir, 'refs', 'tags', 'unreadable');
        writeFileSync(file, blob + '\n');
        await fs.chmod(file, 0o000);
        return 'refs/tags/unreadable';
      },
    },
  ];
  for (const c of cases) {
    const fx = await makeFixture(t);
    const store = await fx.archive.objects();
    // Kept only by the damaged root, and old enough to be pruned otherwise.
    const blob = await store.write('blob', Buffer.from(`kept only by ${c.what}`));
    age(objectPath(fx.dir, blob), 30);
    const named = await c.damage(fx, blob);
    const r = await withoutPrivileges(fx.root, () => tapes(fx.root, ['gc', '--prune=now']));
    t.equal(r.code, 128, `${c.what}: gc stops`);
    t.match(r.stderr, named, `${c.what}: the error names ${named}`);
    t.notMatch(r.stderr, /^\s+at /m, `${c.what}: no stack trace`);
    t.ok(await fs.stat(objectPath(fx.dir, blob)).catch(() => undefined), `${c.what}: nothing pruned`);
    t.notOk(await fs.stat(join(fx.dir, 'gc.pid')).catch(() => undefined), `${c.what}: no lock left`);
    const check = await withoutPrivileges(fx.root, () => fsckJson(fx.root));
    t.ok(check.report.findings.some((f) => f.path === named && f.severity === 'error'), `${c.what}: fsck names it too`);
  }
});

t.test('a write whose temp file exists when gc --prune=now runs still completes (deterministic interleaving)', async (t) => {
  const fx = await makeFixture(t);
  const store = await fx.archive.objects();
  // A real gc --prune=now runs between the writer's temp file being written
  // and its link into place: the moment a concurrent import is most exposed.
  const link = fs.link;
  let gcRan: { code: number; stderr: string } | undefined;
  fs.link = async (from, to) => {
    fs.link = link;
    gcRan = await tapes(fx.root, ['gc', '--prune=now']);
    return link(from, to);
  };
  t.teardown(() => {
    fs.link = link;
  });
  const id = await store.write('blob', Buffer.from('written while gc runs'));
  t.equal(gcRan?.code, 0, `the gc ran in between: ${gcRan?.stderr}`);
  t.equal(Buffer.from((await store.read(id)).body).toString(), 'written while gc runs', 'the write completed');
  // Old temp files (a crashed writer's) are still swept.
  const fan = join(fx.dir, 'objects', fx.ids.r1.slice(0, 2));
  mkdirSync(fan, { recursive: true });
  writeFileSync(join(fan, 'tmp_obj_crashed'), 'left by a crash');
  age(join(fan, 'tmp_obj_crashed'), 1);
  writeFileSync(join(fan, 'tmp_obj_live'), 'a writer at work');
  t.equal((await tapes(fx.root, ['gc', '--prune=now'])).code, 0);
  t.notOk(await fs.stat(join(fan, 'tmp_obj_crashed')).catch(() => undefined), 'a day-old temp file is swept');
  t.ok(await fs.stat(join(fan, 'tmp_obj_live')), 'a fresh one is left to its writer');
});

/**
 * Makes every write of data fail with ENOSPC, as a full disk does: files can
 * still be created (an inode is free), but no byte reaches them. Undone by
 * the returned function. A pack's frames are written with fs.writeSync
 * (src/odb/pack-writer.ts), so that fails too, in the named import as well
 * (syncBuiltinESMExports).
 */
async function fillDisk(scratch: string, onlyPartialWrites = false): Promise<() => void> {
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  const handle = await fs.open(join(scratch, 'probe'), 'w');
  const proto = Object.getPrototypeOf(handle) as Record<string, unknown>;
  await handle.close();
  const saved = { write: proto.write, writeFile: proto.writeFile, appendFile: proto.appendFile, pWriteFile: fs.writeFile, pAppendFile: fs.appendFile, writeSync: fsSync.writeSync };
  proto.write = async () => {
    throw enospc();
  };
  fsSync.writeSync = () => {
    throw enospc();
  };
  syncBuiltinESMExports();
  const restoreWrites = () => {
    proto.write = saved.write;
    fsSync.writeSync = saved.writeSync;
    syncBuiltinESMExports();
  };
  if (onlyPartialWrites) {
    // Whole-file writes (gc's lock) still succeed; a pack, written piece by piece, does not.
    return restoreWrites;
  }
  proto.writeFile = proto.write;
  proto.appendFile = proto.write;
  fs.writeFile = async (path: Parameters<typeof fs.writeFile>[0], _data: unknown, opts?: unknown) => {
    const flag = typeof opts === 'object' && opts !== null && 'flag' in opts ? String((opts as { flag: string }).flag) : 'w';
    await (await fs.open(path as string, flag)).close();
    throw enospc();
  };
  fs.appendFile = fs.writeFile as typeof fs.appendFile;
  return () => {
    restoreWrites();
    proto.writeFile = saved.writeFile;
    proto.appendFile = saved.appendFile;
    fs.writeFile = saved.pWriteFile;
    fs.appendFile = saved.pAppendFile;
  };
}

t.test('a gc that fails on a full disk removes its own lock, and says the disk is full', async (t) => {
  const fx = await makeFixture(t);
  const restore = await fillDisk(tempDir(t));
  let r;
  try {
    r = await tapes(fx.root, ['gc']);
  } finally {
    restore();
  }
  t.equal(r.code, 1, 'gc fails');
  t.match(r.stderr, /disk is full/, 'saying why');
  t.notMatch(r.stderr, /^tapes: error: ENOSPC/m, 'not as an errno alone');
  t.notOk(await fs.stat(join(fx.dir, 'gc.pid')).catch(() => undefined), 'no gc.pid left behind');
  const again = await tapes(fx.root, ['gc']);
  t.equal(again.code, 0, `with space again, gc runs: ${again.stderr}`);
  const { report } = await fsckJson(fx.root);
  t.same(report.findings, [], 'and the archive is whole');
});

t.test('a gc whose pack cannot be written (the lock could) removes its lock and its temp pack', async (t) => {
  const fx = await makeFixture(t);
  const restore = await fillDisk(tempDir(t), true);
  let r;
  try {
    r = await tapes(fx.root, ['gc']);
  } finally {
    restore();
  }
  t.equal(r.code, 1, 'gc fails');
  t.match(r.stderr, /^tapes: error: gc: the disk is full$/m, 'saying why');
  t.match(r.stderr, /^hint: Free some space/m, 'and what to do');
  t.notOk(await fs.stat(join(fx.dir, 'gc.pid')).catch(() => undefined), 'no gc.pid left behind');
  t.same(await fs.readdir(join(fx.dir, 'objects', 'pack')).catch(() => []), [], 'no temp pack left behind');
  const { report } = await fsckJson(fx.root);
  t.same(report.findings, [], 'every object is where it was');
});

t.test('an automatic gc that fails on a full disk removes its lock too', async (t) => {
  const fx = await makeFixture(t);
  const { autoGc } = await import('../../src/archive/index.js');
  await fs.appendFile(join(fx.dir, 'config'), '[gc]\n\tauto = 1\n');
  const { Archive } = await import('../../src/archive/index.js');
  const archive = await Archive.openAt(fx.dir);
  const restore = await fillDisk(tempDir(t));
  let outcome;
  try {
    outcome = await autoGc(archive);
  } finally {
    restore();
  }
  t.equal(outcome.ran, false);
  t.match(outcome.note, /disk is full/);
  t.notOk(await fs.stat(join(fx.dir, 'gc.pid')).catch(() => undefined), 'no gc.pid left behind');
});

t.test('search on a full disk says the disk is full and what to do', async (t) => {
  const { SMALL, transcript } = await import('../remote/helpers.js');
  const root = tempDir(t);
  t.equal((await tapes(root, ['init', '-q'])).code, 0);
  // SMALL's first 12 lines of 78: records to index, which is all the search needs here.
  t.equal((await tapes(root, ['import', await transcript(tempDir(t), SMALL, 12)])).code, 0);
  // The index is derived data: gone, it is rebuilt by the next search, which must write.
  await fs.rm(join(root, '.tapes', 'index'), { recursive: true, force: true });
  const Database = (await import('better-sqlite3')).default;
  const probe = new Database(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('SELECT 1')) as { run: (...a: unknown[]) => unknown };
  probe.close();
  const run = statement.run;
  statement.run = function () {
    throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
  };
  let r;
  try {
    r = await tapes(root, ['search', 'the']);
  } finally {
    statement.run = run;
  }
  t.equal(r.code, 1);
  t.match(r.stderr, /the disk is full/, 'says the disk is full');
  t.match(r.stderr, /free some space/i, 'and what to do');
  t.notMatch(r.stderr, /^tapes: error: database or disk is full$/m, 'not sqlite\'s words alone');
  const after = await tapes(root, ['search', 'the']);
  t.equal(after.code, 0, 'with space again, search works');
});
