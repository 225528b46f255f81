// The import's second thread keeps the search index's connection from one
// update to the next (src/archive/search/index-worker.ts) while the file at
// the index's path is the one it opened, and closes it last, when
// BackgroundIndex.finish asks it to. Over several updates with refs moved
// back, forward and deleted between them, the index it leaves is the one
// the same updates make in this thread, each on a connection of its own,
// and the close leaves no write-ahead log beside it. An index deleted
// between two updates is made again by the next (not written into the
// deleted file); one built again by another connection is the one the next
// update writes into. An update that fails (its table dropped by another
// connection) drops the connection, and the next, on a fresh one, succeeds.
// The `close` message is answered as such and is not counted as an update.
// The summaries it wrote are not read back while sessions.json still begins
// with the line it wrote.
import t, { type Test } from 'tap';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { Archive } from '../../src/archive/index.js';
import { BackgroundIndex, openSearchIndex, removeSearchIndex, syncSearchIndex, updateDerivedIndexes, updateSearchIndexQuietly } from '../../src/archive/search/index.js';
import type { IndexWorkerMessage, IndexWorkerReply } from '../../src/archive/search/index-worker.js';
import { writeDerived } from '../../src/archive/derived-file.js';
import { SESSION_INDEX_VERSION, chainRefs, readChainEvents } from '../../src/archive/sessions/index.js';
import { corpusDir, until } from '../helpers/cli.js';
import { ImportedArchive } from '../helpers/imported-archive.js';

const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
const env = { TZ: 'UTC' };
const projects = join(corpusDir, 'claude-code', 'projects');
// Small real transcripts of three harnesses: ten chains.
const SOURCES = [
  join(projects, '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl'),
  join(projects, '-Users-soph-Work-entire-devenv-cli', '19abe528-a510-4c89-a1f8-138956474766.jsonl'),
  join(projects, '-Users-alex-workspace-cli', '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl'),
  join(projects, '-Users-gtrrz-victor-wks-cli', '5a3bb1c8-c3ce-466e-b487-24212cbf1da1.jsonl'),
  join(corpusDir, 'gemini'),
  join(corpusDir, 'scale', 'gemini'),
];
/** The worker's module as built, beside BackgroundIndex's. */
const WORKER_URL = new URL('../../src/archive/search/index-worker.js', import.meta.url);
/** That module run with a record of its messages and replies (test/helpers/recording-index-worker.ts). */
const RECORDING_URL = new URL('../helpers/recording-index-worker.js', import.meta.url);


/** The sources, each Claude Code transcript by its first 15 lines (under its name): every update reads the chains it indexes, whose length none of these tests depends on. */
const imported = new ImportedArchive(
  t,
  'tapes-bg-conn-',
  (dir) => {
    const src = join(dir, 'src');
    mkdirSync(src);
    return SOURCES.map((p) => {
      if (!p.endsWith('.jsonl')) return p;
      writeFileSync(join(src, basename(p)), readFileSync(p, 'utf8').split(/(?<=\n)/).slice(0, 15).join(''));
      return join(src, basename(p));
    });
  },
  { env, packed: true },
);
/** A copy of the imported archive (made once) without its derived files. */
async function copyOfArchive(owner: Test): Promise<string> {
  const dir = await imported.copy(owner);
  const index = join(dir, '.tapes', 'index');
  for (const f of ['sessions.json', 'session-tips.json', 'search.sqlite', 'search.sqlite-wal', 'search.sqlite-shm']) rmSync(join(index, f), { force: true });
  return dir;
}

const open = (dir: string) => Archive.openAt(join(dir, '.tapes'));
const indexFile = (dir: string) => join(dir, '.tapes', 'index', 'search.sqlite');

/** The records of each chain, by ref name (oldest first). */
async function chains(dir: string): Promise<Map<string, string[]>> {
  const archive = await open(dir);
  const store = await archive.objects();
  const out = new Map<string, string[]>();
  for (const r of await chainRefs(archive)) out.set(r.name, (await readChainEvents(store, r.id)).map((e) => e.id));
  return out;
}

/** Ref moves (an id) and deletions (null), made between two updates. */
type Step = Map<string, string | null>;

async function apply(dir: string, step: Step): Promise<void> {
  const archive = await open(dir);
  for (const [ref, id] of step) {
    if (id === null) await archive.refs.delete(ref);
    else await archive.refs.update(ref, id);
  }
}

/**
 * Three steps over the longest chains: moved back to halfway (and a short
 * chain's ref deleted), then partly forward (and that ref put back), then
 * to their tips (and another ref deleted); and a fourth, to take after
 * the first two again: to their tips, and that other ref put back.
 */
function stepsOver(all: Map<string, string[]>): Step[] {
  const long = [...all.entries()].filter(([, ids]) => ids.length >= 8).sort((x, y) => y[1].length - x[1].length || (x[0] < y[0] ? -1 : 1)).slice(0, 3);
  const short = [...all.entries()].filter(([name]) => !long.some(([l]) => l === name)).sort((x, y) => (x[0] < y[0] ? -1 : 1));
  const [gone, gone2] = [short[0]!, short[1]!];
  const at = (ids: string[], share: number) => ids[Math.floor((ids.length - 1) * share)]!;
  return [
    new Map<string, string | null>([...long.map(([ref, ids]) => [ref, at(ids, 0.5)] as const), [gone[0], null]]),
    new Map<string, string | null>([...long.map(([ref, ids], k) => [ref, at(ids, k === 0 ? 1 : 0.75)] as const), [gone[0], gone[1].at(-1)!]]),
    new Map<string, string | null>([...long.map(([ref, ids]) => [ref, ids.at(-1)!] as const), [gone2[0], null]]),
    new Map<string, string | null>([...long.map(([ref, ids]) => [ref, ids.at(-1)!] as const), [gone2[0], gone2[1].at(-1)!]]),
  ];
}

/** One update in this thread, on a connection of its own, as the worker made each before it kept one. */
async function updateHere(dir: string): Promise<void> {
  const archive = await open(dir);
  const index = openSearchIndex(archive);
  try {
    await updateDerivedIndexes(archive, { summaries: true, index });
  } finally {
    index.close();
  }
}

/** Everything the search index holds, table by table, and what a few searches find. */
function searchContents(dir: string): Record<string, unknown[]> {
  const db = new Sqlite(indexFile(dir), { readonly: true });
  try {
    const out: Record<string, unknown[]> = {};
    for (const table of ['chains', 'dirs', 'kinds', 'tools', 'docs', 'records', 'texts', 'calls']) out[table] = (db.prepare(`SELECT * FROM ${table}`).raw().all() as unknown[]).map((r) => JSON.stringify(r)).sort();
    for (const q of ['error', 'test', 'gemini', 'file', 'input:go']) out[`match ${q}`] = db.prepare('SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid').pluck().all(q);
    return out;
  } finally {
    db.close();
  }
}

/** The chains the index holds, name and tip, as the refs are now. */
async function indexedTips(dir: string): Promise<{ held: string[]; refs: string[] }> {
  const db = new Sqlite(indexFile(dir), { readonly: true });
  try {
    const held = (db.prepare('SELECT name, tip FROM chains').all() as Array<{ name: string; tip: string }>).map((c) => `${c.name} ${c.tip}`).sort();
    const refs = (await chainRefs(await open(dir))).map((r) => `${r.name} ${r.id}`).sort();
    return { held, refs };
  } finally {
    db.close();
  }
}

/** What a sync would still do: nothing, when the index is level. */
async function stillToIndex(dir: string): Promise<number> {
  const archive = await open(dir);
  const index = openSearchIndex(archive);
  try {
    return (await syncSearchIndex(archive, index)).records_indexed;
  } finally {
    index.close();
  }
}

function sameIndexes(t: Test, got: string, want: string): void {
  const [g, w] = [searchContents(got), searchContents(want)];
  for (const [what, rows] of Object.entries(w)) t.same(g[what], rows, `search index: the same ${what}`);
  for (const f of ['sessions.json', 'session-tips.json']) t.equal(readFileSync(join(got, '.tapes', 'index', f), 'utf8'), readFileSync(join(want, '.tapes', 'index', f), 'utf8'), `the same ${f}`);
}

/** Neither the write-ahead log nor its index is left beside the index file. */
function noLog(t: Test, dir: string): void {
  t.ok(existsSync(indexFile(dir)), 'the index file is there');
  t.notOk(existsSync(`${indexFile(dir)}-wal`), 'no search.sqlite-wal left: the close checkpointed it');
  t.notOk(existsSync(`${indexFile(dir)}-shm`), 'nor search.sqlite-shm');
}

const inode = (path: string) => lstatSync(path, { bigint: true }).ino;

t.test('several updates on one connection, open between them (the index built again by another connection, then deleted, meanwhile) and closed last, before the thread ends: the index and summaries the same updates make here, and no log left', async (t) => {
  const a = await copyOfArchive(t);
  const b = await copyOfArchive(t);
  const [first, second, last, again] = stepsOver(await chains(a)) as [Step, Step, Step, Step];
  const bg = BackgroundIndex.start(await open(a), RECORDING_URL);
  // Ended, should a check below throw before finish (which ends it too).
  t.teardown(() => bg.stop());
  t.ok(bg.running, 'the worker runs');
  /** The refs moved in both: an update by the worker in `a`, then `here` in `b` (one update on a connection of its own). */
  const step = async (moves: Step, here = () => updateHere(b)) => {
    await apply(a, moves);
    bg.update(true);
    t.ok(await until(() => bg.idle), 'the worker did the update');
    await apply(b, moves);
    await here();
  };
  for (const moves of [first, second, last]) await step(moves);
  t.ok(existsSync(indexFile(a)), 'the worker made the index');
  let tips = await indexedTips(a);
  t.same(tips.held, tips.refs, 'the index holds every chain at its ref, and no deleted one');
  sameIndexes(t, a, b);

  // The index built again by another connection between two updates, as
  // `tapes index --rebuild` would (every file of the index removed, then
  // built afresh), at other refs than the worker last saw: the next update
  // writes into that file.
  const before = inode(indexFile(a));
  for (const dir of [a, b]) {
    await apply(dir, first);
    const other = await open(dir);
    removeSearchIndex(other);
    await updateSearchIndexQuietly(other);
  }
  const rebuilt = inode(indexFile(a));
  t.not(rebuilt, before, 'another file at the path (the worker holds the old one open: its inode is not free to be reused)');
  await step(second);
  t.equal(inode(indexFile(a)), rebuilt, 'still the file built by the other connection');
  tips = await indexedTips(a);
  t.same(tips.held, tips.refs, 'that file holds every chain at its ref: the update went into it');
  sameIndexes(t, a, b);

  // The index deleted between two updates (only the file itself, while the
  // worker holds it open: its log and shared memory stay): the next one
  // makes it again from nothing, as one update here makes it at the same refs.
  rmSync(indexFile(a));
  await step(again, async () => {
    removeSearchIndex(await open(b));
    await updateHere(b);
  });
  t.ok(existsSync(indexFile(a)), 'the next update made it again');
  tips = await indexedTips(a);
  t.same(tips.held, tips.refs, 'the file at the path holds every chain at its ref');
  sameIndexes(t, a, b);

  // A last one, as an import asks for at its end (nothing moved since).
  bg.update(false);
  await bg.finish();
  t.ok(bg.running, 'the worker did every update itself (finish had nothing to make good)');
  const log = readFileSync(join(a, 'worker-log'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
  const updated = (summaries: boolean) => [{ message: { summaries } }, { reply: { ok: true }, wal: true }];
  t.same(
    log,
    [...[1, 2, 3, 4, 5].flatMap(() => updated(true)), ...updated(false), { message: { close: true } }, { reply: { ok: true, closed: true }, wal: false }],
    'each update answered with the index still open (its log there); then, once all were answered, close: answered with the log gone',
  );
  noLog(t, a);
  tips = await indexedTips(a);
  t.same(tips.held, tips.refs, 'the index holds every chain at its ref');
  sameIndexes(t, a, b);
  t.equal(await stillToIndex(a), 0, 'nothing left to index');
});

/** The worker driven by its messages, as BackgroundIndex drives it, one reply awaited at a time. */
function driveWorker(t: Test, dir: string) {
  const done = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_URL, { workerData: { dir: join(dir, '.tapes'), done } });
  t.teardown(() => worker.terminate());
  const replies: IndexWorkerReply[] = [];
  let wake: (() => void) | undefined;
  // A worker that died answers every question after with how it died (rather than leave the test waiting).
  let died: IndexWorkerReply | undefined;
  worker.on('message', (reply: IndexWorkerReply) => {
    replies.push(reply);
    wake?.();
  });
  worker.on('error', (err) => {
    died ??= { ok: false, message: `worker error: ${err.message}` };
    wake?.();
  });
  worker.on('exit', (code) => {
    died ??= { ok: false, message: `worker exited (${code})` };
    wake?.();
  });
  const ask = async (msg: IndexWorkerMessage): Promise<IndexWorkerReply> => {
    worker.postMessage(msg);
    while (replies.length === 0 && !died) await new Promise<void>((r) => (wake = r));
    return replies.shift() ?? died!;
  };
  return { ask, done: () => Atomics.load(done, 0) };
}

t.test('the worker: an update that fails drops its connection, the next succeeds; close is answered, not counted; the summaries it wrote are not read back while sessions.json begins with the line it wrote', async (t) => {
  const a = await copyOfArchive(t);
  const b = await copyOfArchive(t);
  const [first, second, last] = stepsOver(await chains(a));
  const w = driveWorker(t, a);
  await apply(a, first!);
  t.same(await w.ask({ summaries: true }), { ok: true }, 'the first update');
  t.equal(w.done(), 1, 'counted');
  // Another connection drops a table the kept connection's next update reads.
  const db = new Sqlite(indexFile(a), { timeout: 10_000 });
  db.exec('DROP TABLE chains');
  db.close();
  await apply(a, second!);
  const failed = await w.ask({ summaries: true });
  t.equal(failed.ok, false, 'the update fails');
  t.match(failed.message, /no such table: chains/, 'on the table dropped');
  t.equal(w.done(), 2, 'counted');
  await apply(a, last!);
  // A fresh connection finds the file unusable, builds it again, and indexes every chain.
  t.same(await w.ask({ summaries: true }), { ok: true }, 'the next update succeeds');
  t.equal(w.done(), 3, 'counted');
  t.same(await w.ask({ close: true }), { ok: true, closed: true }, 'close: answered as closed');
  t.equal(w.done(), 3, 'and not counted as an update');
  noLog(t, a);
  const tips = await indexedTips(a);
  t.same(tips.held, tips.refs, 'the index holds every chain at its ref');
  t.same(await w.ask({ close: true }), { ok: true, closed: true }, 'close again, with nothing open: answered the same');
  t.same(await w.ask({ summaries: false }), { ok: true }, 'an update after the close opens the index again');
  t.same(await w.ask({ close: true }), { ok: true, closed: true }, 'and closes it');
  t.equal(w.done(), 4, 'only the updates counted');
  noLog(t, a);
  t.equal(await stillToIndex(a), 0, 'nothing left to index');
  // Built from nothing by the update after the failure: as one update here at the same refs.
  await apply(b, first!);
  await apply(b, second!);
  await apply(b, last!);
  await updateHere(b);
  sameIndexes(t, a, b);

  // The summaries: the worker keeps what it wrote last.
  const sessions = join(a, '.tapes', 'index', 'sessions.json');
  t.same(await w.ask({ summaries: true }), { ok: true }, 'another update');
  const [head, body] = readFileSync(sessions, 'utf8').split('\n') as [string, string];
  const listed = JSON.parse(body) as Array<{ ref: string; tip: string }>;
  t.same(
    listed.map((s) => `${s.ref} ${s.tip}`),
    (await chainRefs(await open(a))).map((r) => `${r.name} ${r.id}`),
    'every chain summarised at its ref',
  );
  // Behind the same first line, a body that is no index: read, every chain would be summarised and the file written again.
  writeFileSync(sessions, `${head}\n[]`);
  t.same(await w.ask({ summaries: true }), { ok: true }, 'the next update');
  t.equal(readFileSync(sessions, 'utf8'), `${head}\n[]`, 'the file was not read (nothing found stale, nothing written)');
  // Another writer's file, one summary left out: read, and that one summarised again.
  await writeDerived(sessions, 'tapes-session-index', SESSION_INDEX_VERSION, listed.slice(1));
  t.same(await w.ask({ summaries: true }), { ok: true }, 'the update after another writer');
  t.equal(readFileSync(sessions, 'utf8'), `${head}\n${body}`, 'read, and written again whole: the same file as the worker wrote before');
  t.same(await w.ask({ close: true }), { ok: true, closed: true }, 'closed');
});
