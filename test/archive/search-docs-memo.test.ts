// The docs an update of the search index knew, handed to the next update of
// the same index (DocsMemo: the import's second thread, between
// checkpoints): the next update reads only the rows added since instead of
// every row of docs, and gives the index a fresh update gives; a memo that
// no longer describes the file (the file built again, rows another process
// dropped) is not used, and every row is read again.
import t, { type Test } from 'tap';
import { promises as fs, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Archive } from '../../src/archive/index.js';
import { SearchIndexSync, docsLoads, docsPolicy, openSearchIndex, syncSearchIndex, updateDerivedIndexes, type DocsMemo, type SyncStats } from '../../src/archive/search/index.js';
import { chainRefs } from '../../src/archive/sessions/index.js';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
const projects = join(corpusDir, 'claude-code', 'projects', '-Users-alex-workspace-cli');
const FILES = ['1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl', '79e9becd-0b83-42f1-8cb1-33375d080476.jsonl', '0cf3db51-1c73-43bb-8d05-dc02739514a5-7e6e3ea2ad.jsonl'];

/** Runs `fn` when the whole file ends (the root test's teardown). */
const atFileEnd = (fn: () => void) => t.teardown(fn);

function scratch(t: Test): string {
  const dir = tempDir('tapes-docs-memo-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Setup {
  dir: string;
  archive: Archive;
  /** The chain refs and where each points, to take away and put back (refs moving on). */
  refs: Array<{ name: string; id: string }>;
}

let imported: Promise<string> | undefined;

/** Three sessions (their first 40 lines) imported (once for the file), then in a copy every derived index removed and every ref but the first's taken away. */
async function setup(t: Test): Promise<Setup> {
  imported ??= (async () => {
    const dir = tempDir('tapes-docs-memo-');
    atFileEnd(() => rmSync(dir, { recursive: true, force: true }));
    const src = join(dir, 'src');
    await fs.mkdir(src);
    // Each transcript's first 40 lines (155 KB of 450): every test here updates the index of all three several times over.
    for (const f of FILES) await fs.writeFile(join(src, f), readFileSync(join(projects, f), 'utf8').split(/(?<=\n)/).slice(0, 40).join(''));
    // Packed by gc: each test copies the archive, and a pack is two files where loose objects are thousands.
    for (const args of [['init', '-q'], ['import', src], ['gc', '--prune=now']]) {
      const r = await tapes(args, { cwd: dir });
      if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
    }
    return dir;
  })();
  const dir = scratch(t);
  await fs.cp(await imported, dir, { recursive: true });
  const archive = await Archive.openAt(join(dir, '.tapes'));
  const refs: Setup['refs'] = [];
  for (const line of (await tapes(['show-ref'], { cwd: dir })).stdout.trim().split('\n')) {
    const [id, name] = line.split(' ');
    if (name!.startsWith('refs/sessions/')) refs.push({ name: name!, id: id! });
  }
  t.equal(refs.length, 3, 'three sessions');
  rmSync(join(dir, '.tapes', 'index'), { recursive: true, force: true });
  for (const r of refs.slice(1)) await archive.refs.delete(r.name);
  return { dir, archive, refs };
}

async function putBack(s: Setup, i: number): Promise<void> {
  await s.archive.refs.update(s.refs[i]!.name, s.refs[i]!.id);
}

/** An update of the search index, as the worker makes it (one connection per update). */
async function update(s: Setup, docs?: DocsMemo): Promise<SyncStats | null> {
  const index = openSearchIndex(s.archive);
  try {
    return (await updateDerivedIndexes(s.archive, { summaries: false, index, docs })).search;
  } finally {
    index.close();
  }
}

/** What the index at `path` holds, by record id (row numbers differ between a file updated in steps and one built at once). */
function contents(path: string): Record<string, string[]> {
  const db = new Sqlite(path, { readonly: true });
  try {
    return {
      docs: db.prepare('SELECT hex(id) FROM docs').pluck().all() as string[],
      records: (
        db
          .prepare('SELECT c.name, r.seq, hex(d.id), r.error, t.names FROM records r JOIN chains c ON c.id = r.chain JOIN docs d ON d.rowid = coalesce(r.doc, r.text) LEFT JOIN tools t ON t.id = r.tools')
          .raw()
          .all() as unknown[]
      ).map((r) => JSON.stringify(r)),
      chains: (db.prepare('SELECT name, tip, records FROM chains').raw().all() as unknown[]).map((r) => JSON.stringify(r)),
      'match error': db.prepare("SELECT hex(d.id) FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH 'error'").pluck().all() as string[],
    };
  } finally {
    db.close();
  }
}

const sorted = (c: Record<string, string[]>) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, [...v].sort()]));

const indexPath = (s: Setup) => join(s.dir, '.tapes', 'index', 'search.sqlite');

/** The index as the updates left it, and as one update from nothing makes it (the first moved aside meanwhile). */
async function againFromNothing(s: Setup): Promise<{ stepped: Record<string, string[]>; fresh: Record<string, string[]> }> {
  const path = indexPath(s);
  const stepped = sorted(contents(path));
  await fs.rename(path, `${path}.stepped`);
  const index = openSearchIndex(s.archive);
  try {
    await syncSearchIndex(s.archive, index);
  } finally {
    index.close();
  }
  return { stepped, fresh: sorted(contents(path)) };
}

t.test('a memo carried between updates: the rows added since are read, not every row', async (t) => {
  const s = await setup(t);
  const docs: DocsMemo = {};
  const before = docsLoads.full;
  await update(s, docs);
  t.equal(docsLoads.full - before, 1, 'the first update reads every row');
  t.ok(docs.known && docs.known.ids.size > 0, `and leaves what it knew (${docs.known?.ids.size} docs)`);
  await putBack(s, 1);
  const second = await update(s, docs);
  t.equal(second?.chains_updated, 1, 'the next update indexes the chain that moved');
  t.ok((second?.records_indexed ?? 0) > 0);
  await putBack(s, 2);
  await update(s, docs);
  t.equal(docsLoads.full - before, 1, 'and neither it nor the one after reads every row again');
  t.equal(docs.known!.ids.size, contents(indexPath(s)).docs!.length, 'the memo holds every doc of the file');
  const { stepped, fresh } = await againFromNothing(s);
  t.ok(stepped.records!.length > 0);
  t.same(stepped, fresh, 'the index is the one a fresh update makes');
});

t.test('a memo of a file built again is not used', async (t) => {
  const s = await setup(t);
  const docs: DocsMemo = {};
  await putBack(s, 1);
  await update(s, docs);
  const kept = docs.known!;
  // Another process deletes the index and builds it again with only the third session.
  for (const r of s.refs.slice(0, 2)) await s.archive.refs.delete(r.name);
  await putBack(s, 2);
  rmSync(join(s.dir, '.tapes', 'index', 'search.sqlite'), { force: true });
  await update(s);
  for (const i of [0, 1]) await putBack(s, i);
  const before = docsLoads.full;
  docs.known = kept;
  await update(s, docs);
  t.equal(docsLoads.full - before, 1, 'every row is read again');
  const { stepped, fresh } = await againFromNothing(s);
  t.same(stepped, fresh, 'and the index is the one a fresh update makes');
});

t.test('a memo of a file whose rows another process dropped is not used', async (t) => {
  const s = await setup(t);
  const docs: DocsMemo = {};
  for (const i of [1, 2]) await putBack(s, i);
  await update(s, docs);
  const held = docs.known!.ids.size;
  // Another process: a session deleted, its records dropped from the index.
  await s.archive.refs.delete(s.refs[2]!.name);
  const other = await update(s);
  t.equal(other?.chains_removed, 1);
  t.ok(contents(indexPath(s)).docs!.length < held, 'rows were dropped');
  await putBack(s, 2);
  const before = docsLoads.full;
  const again = await update(s, docs);
  t.equal(docsLoads.full - before, 1, 'every row is read again');
  t.equal(again?.chains_updated, 1, 'the session put back is indexed again');
  const { stepped, fresh } = await againFromNothing(s);
  t.same(stepped, fresh, 'and the index is the one a fresh update makes');
});

t.test('a memo of a damaged file, made again, is not used', async (t) => {
  const s = await setup(t);
  const docs: DocsMemo = {};
  await update(s, docs);
  t.ok(docs.known, 'known after an update');
  // The next update cannot open its database at all: the file is not SQLite.
  const path = join(s.dir, '.tapes', 'index', 'search.sqlite');
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  await fs.writeFile(path, 'not a database');
  const index = openSearchIndex(s.archive);
  index.close();
  t.equal(readFileSync(path).subarray(0, 15).toString('latin1'), 'SQLite format 3', 'opening it made a new database');
  await putBack(s, 1);
  const before = docsLoads.full;
  await update(s, docs);
  t.equal(docsLoads.full - before, 1, 'the memo of the old file is not used: every row of the new one is read');
  const { stepped, fresh } = await againFromNothing(s);
  t.same(stepped, fresh);
});

t.test("an update prepares the statements that write a chain's records once, not once per chain", async (t) => {
  // Counted: each connection's db.prepare calls, for an update of one chain and one of three.
  const prepares = async (s: Setup): Promise<{ n: number; chains: number }> => {
    const index = openSearchIndex(s.archive);
    let n = 0;
    const prepare = index.db.prepare.bind(index.db);
    index.db.prepare = ((sql: string) => {
      n++;
      return prepare(sql);
    }) as typeof index.db.prepare;
    try {
      const stats = (await updateDerivedIndexes(s.archive, { summaries: false, index })).search;
      return { n, chains: stats?.chains_updated ?? 0 };
    } finally {
      index.close();
    }
  };
  const one = await prepares(await setup(t));
  const s = await setup(t);
  await putBack(s, 1);
  await putBack(s, 2);
  const three = await prepares(s);
  t.same([one.chains, three.chains], [1, 3]);
  t.ok(three.n - one.n < 4, `two chains more, ${three.n - one.n} statements more (${one.n} for one chain)`);
});

/** docsPolicy as a test sets it, put back after the test. */
function policy(t: Test, set: Partial<typeof docsPolicy>): void {
  const was = { ...docsPolicy };
  Object.assign(docsPolicy, set);
  t.teardown(() => void Object.assign(docsPolicy, was));
}

t.test('an update without a memo, of an index past the size it reads whole, looks its records up one at a time', async (t) => {
  const s = await setup(t);
  await update(s);
  const held = contents(indexPath(s)).docs!.length;
  const byId = () => {
    const db = new Sqlite(indexPath(s), { readonly: true });
    try {
      return db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'docs_by_id'").pluck().get();
    } finally {
      db.close();
    }
  };
  t.equal(byId(), 0, 'an index read whole has no index of docs by id');
  // The index holds the first session; an index of at least this many docs counts as large.
  policy(t, { fullLoadBelow: held, lookupShare: 1000 });
  for (const i of [1, 2]) {
    await putBack(s, i);
    const full = docsLoads.full;
    const lookups = docsLoads.lookups;
    const stats = await update(s);
    t.equal(stats?.chains_updated, 1);
    t.equal(docsLoads.full - full, 0, `session ${i + 1}: no row read but those looked up`);
    t.ok(docsLoads.lookups - lookups > 0, `session ${i + 1}: ${docsLoads.lookups - lookups} records looked up`);
    t.equal(byId(), 1, 'by the index of docs by id, made for them');
  }
  // A session holding the first one's records (as a copy of its file would): every record is held already.
  await s.archive.refs.update('refs/sessions/copy', s.refs[0]!.id, { expectedOld: null });
  const docsBefore = contents(indexPath(s)).docs!.length;
  const lookups = docsLoads.lookups;
  const copied = await update(s);
  t.equal(copied?.chains_updated, 1);
  t.ok(docsLoads.lookups - lookups > 0, 'the copy is looked up too');
  const { stepped, fresh } = await againFromNothing(s);
  t.equal(stepped.docs!.length, docsBefore, 'the copy added no doc: its records were found held');
  t.ok(stepped.records!.length > stepped.docs!.length, 'its records are rows of both sessions');
  t.same(stepped, fresh, 'the index is the one a fresh update makes');
});

t.test('look-ups past their share of the docs give way to reading every row, once', async (t) => {
  const s = await setup(t);
  await update(s);
  policy(t, { fullLoadBelow: 1, lookupShare: 1e-9 });
  for (const i of [1, 2]) await putBack(s, i);
  const full = docsLoads.full;
  const lookups = docsLoads.lookups;
  const stats = await update(s);
  t.equal(stats?.chains_updated, 2);
  t.ok(docsLoads.lookups - lookups > 0, 'the first chain is looked up record by record');
  t.equal(docsLoads.full - full, 1, 'then every row is read, once, for the second');
  const { stepped, fresh } = await againFromNothing(s);
  t.same(stepped, fresh, 'the index is the one a fresh update makes');
});

t.test('docs known exactly are not read back while no other connection writes; after one does, each is checked', async (t) => {
  const s = await setup(t);
  await update(s);
  // A session holding the first one's records: every record of it is a doc held already.
  await s.archive.refs.update('refs/sessions/copy', s.refs[0]!.id, { expectedOld: null });
  await putBack(s, 1);
  const refs = await chainRefs(s.archive);
  const copy = refs.find((r) => r.name === 'refs/sessions/copy')!;
  const second = refs.find((r) => r.name === s.refs[1]!.name)!;

  // Alone: the docs read whole are trusted, the copy's records are not read back.
  let index = openSearchIndex(s.archive);
  let checked = docsLoads.checked;
  try {
    const sync = await SearchIndexSync.start(s.archive, index, refs);
    await sync.chain(second);
    await sync.chain(copy);
    t.equal(sync.finish().chains_updated, 2);
  } finally {
    index.close();
  }
  t.equal(docsLoads.checked - checked, 0, 'no held doc read back');
  const { stepped, fresh } = await againFromNothing(s);
  t.same(stepped, fresh, 'the index is the one a fresh update makes');

  // Another connection commits between two chains of one update: the held docs are read back.
  await s.archive.refs.delete('refs/sessions/copy');
  await update(s);
  await s.archive.refs.update('refs/sessions/copy', s.refs[0]!.id, { expectedOld: null });
  await putBack(s, 2);
  const now = await chainRefs(s.archive);
  index = openSearchIndex(s.archive);
  checked = docsLoads.checked;
  // The first session's first record with a doc: the other connection drops that doc.
  const other = new Sqlite(indexPath(s));
  const dropped = other.prepare('SELECT hex(d.id) FROM records r JOIN chains c ON c.id = r.chain JOIN docs d ON d.rowid = coalesce(r.doc, r.text) WHERE c.name = ? ORDER BY r.seq LIMIT 1').pluck().get(s.refs[0]!.name) as string;
  let stats: SyncStats;
  try {
    const sync = await SearchIndexSync.start(s.archive, index, now);
    await sync.chain(now.find((r) => r.name === s.refs[2]!.name)!);
    other.prepare('DELETE FROM docs WHERE id = ?').run(Buffer.from(dropped, 'hex'));
    other.close();
    await sync.chain(now.find((r) => r.name === 'refs/sessions/copy')!);
    stats = sync.finish();
  } finally {
    index.close();
  }
  t.equal(stats.chains_updated, 2);
  t.same(stats.failed, []);
  t.ok(docsLoads.checked - checked > 0, `held docs read back (${docsLoads.checked - checked})`);
  const db = new Sqlite(indexPath(s), { readonly: true });
  try {
    const copyDocs = db.prepare("SELECT hex(d.id) FROM records r JOIN chains c ON c.id = r.chain LEFT JOIN docs d ON d.rowid = coalesce(r.doc, r.text) WHERE c.name = 'refs/sessions/copy'").pluck().all() as Array<string | null>;
    t.ok(copyDocs.length > 0);
    t.notOk(copyDocs.includes(null), "every record of the copy names a doc that exists");
    t.ok(copyDocs.includes(dropped.toUpperCase()) || copyDocs.includes(dropped), 'the dropped record was indexed again, not taken as held');
  } finally {
    db.close();
  }
});
