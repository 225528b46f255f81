// updateDerivedIndexes (src/archive/search/derived-update.ts), the import's
// second thread's update: each chain read once for its summary and its
// search records gives the same session index, tips file and search index
// as the two passes one after the other (listSessions, then
// syncSearchIndex), on real transcripts whose chains share prefixes (a
// resumed session and one forked from it, subagents); after refs moved
// forward and back; and when a record is missing, the same chains are
// reported and left out by each, and the search index still takes the
// new records of a chain whose summary cannot be made.
import t, { type Test } from 'tap';
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { openSearchIndex, syncSearchIndex, updateDerivedIndexes, type SyncStats } from '../../src/archive/search/index.js';
import { chainRefs, listSessions, readChainEvents } from '../../src/archive/sessions/index.js';
import { copyArchive, corpusDir, tapes, tempDir } from '../helpers/cli.js';
import { countReads, keepIndex, searchContents, underived } from '../helpers/derived-index.js';

const env = { TZ: 'UTC' };
const projects = join(corpusDir, 'claude-code', 'projects');
const RESUMED = join(projects, '-Users-alex-workspace-cli--worktrees-2', 'ac8a4f1a-1917-46bf-b8c1-0c3bab0fbc16.jsonl');
const SOURCES = [
  join(projects, '-Users-alex-workspace-cli', '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl'),
  join(projects, '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl'),
  join(corpusDir, 'gemini'),
  join(corpusDir, 'scale', 'gemini'),
  join(corpusDir, 'edge-cases', 'daaain__claude-code-log', 'test', 'test_data', 'minimal_showcase'),
];

function scratch(t: { teardown(fn: () => void): void }): string {
  const dir = tempDir('tapes-derived-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A scratch directory kept until the whole file ends. */
const fileScratch = () => scratch(t);

let imported: Promise<string> | undefined;
/**
 * Transcripts imported by their first 40 lines, under their names (each
 * test here builds both indexes two to four times, reading every chain
 * each time): two of the alex project's files (its 2 MB one left out
 * altogether) and the Codex rollout (515 KB, 99 lines).
 */
const FIRST_LINES = [
  join(projects, '-Users-alex-workspace-cli', '0cf3db51-1c73-43bb-8d05-dc02739514a5-7e6e3ea2ad.jsonl'),
  join(projects, '-Users-alex-workspace-cli', '79e9becd-0b83-42f1-8cb1-33375d080476.jsonl'),
  join(corpusDir, 'codex', 'sessions', '2026', '05', '11', 'rollout-2026-05-11T13-28-45-019e1695-0522-7c83-8b39-0dd379793f80.jsonl'),
];

/** The imported archive, made once; each test copies it. */
async function copyOfArchive(t: Test): Promise<string> {
  imported ??= (async () => {
    const dir = fileScratch();
    // A session (RESUMED's first 120 lines of 236, 440 KB of 783: each pass
    // reads every chain, and the whole file was most of what they read), one
    // resumed from the middle of it (its first 80 lines), and one forked
    // from it (its first 50 lines, then its last 20): chains whose records
    // start as another chain's do, as a resumed session's do.
    const lines = readFileSync(RESUMED, 'utf8').split('\n').slice(0, 120);
    const copies = join(dir, 'copies');
    mkdirSync(copies);
    writeFileSync(join(copies, 'ac8a4f1a-1917-46bf-b8c1-0c3bab0fbc16.jsonl'), lines.join('\n') + '\n');
    writeFileSync(join(copies, 'ac8a4f1a-resumed.jsonl'), lines.slice(0, 80).join('\n') + '\n');
    writeFileSync(join(copies, 'ac8a4f1a-forked.jsonl'), [...lines.slice(0, 50), ...lines.slice(-20)].join('\n') + '\n');
    for (const f of FIRST_LINES) writeFileSync(join(copies, basename(f)), readFileSync(f, 'utf8').split(/(?<=\n)/).slice(0, 40).join(''));
    for (const args of [['init', '-q'], ['import', ...SOURCES, copies]]) {
      const r = await tapes(args, { cwd: dir, env });
      if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
    }
    return dir;
  })();
  const dir = scratch(t);
  copyArchive(await imported, dir);
  return dir;
}

/** Every file and folder of the archive outside index/, with its size and times. */
function outsideIndex(dir: string): Map<string, string> {
  const root = join(dir, '.tapes');
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (p === join(root, 'index')) continue;
      const st = lstatSync(p);
      out.set(relative(root, p), `${st.mode} ${st.size} ${st.mtimeMs} ${st.ctimeMs}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

const total = (reads: Map<string, number>) => [...reads.values()].reduce((a, b) => a + b, 0);

interface Outcome {
  /** index/sessions.json and index/session-tips.json, as written (a header line, then the JSON). */
  sessions: string;
  tips: string;
  search: Record<string, unknown[]>;
  stats: SyncStats | null;
  summaryErrors: string[];
  reads: number;
}

function outcome(dir: string, stats: SyncStats | null, summaryErrors: string[], reads: Map<string, number>): Outcome {
  const index = join(dir, '.tapes', 'index');
  return {
    sessions: readFileSync(join(index, 'sessions.json'), 'utf8'),
    tips: readFileSync(join(index, 'session-tips.json'), 'utf8'),
    search: searchContents(dir),
    stats,
    summaryErrors,
    reads: total(reads),
  };
}

/** The two passes, one after the other, as the worker made them before. */
async function twoPasses(dir: string): Promise<Outcome> {
  const archive = await Archive.openAt(join(dir, '.tapes'));
  const reads = await countReads(archive);
  const errors: string[] = [];
  await listSessions(archive, { concurrency: 1, onError: (ref, err) => errors.push(`${ref}: ${(err as Error).message}`) });
  const index = openSearchIndex(archive);
  try {
    return outcome(dir, await syncSearchIndex(archive, index), errors, reads);
  } finally {
    index.close();
  }
}

/** The one pass. */
async function onePass(dir: string): Promise<Outcome> {
  const archive = await Archive.openAt(join(dir, '.tapes'));
  const reads = await countReads(archive);
  const errors: string[] = [];
  const index = openSearchIndex(archive);
  try {
    const done = await updateDerivedIndexes(archive, { summaries: true, index, onSummaryError: (ref, err) => errors.push(`${ref}: ${(err as Error).message}`) });
    return outcome(dir, done.search, errors, reads);
  } finally {
    index.close();
  }
}

/** The records of each chain, by ref name (oldest first). */
async function chains(dir: string): Promise<Map<string, string[]>> {
  const archive = await Archive.openAt(join(dir, '.tapes'));
  const store = await archive.objects();
  const out = new Map<string, string[]>();
  for (const r of await chainRefs(archive)) out.set(r.name, (await readChainEvents(store, r.id)).map((e) => e.id));
  return out;
}

function same(t: Test, one: Outcome, two: Outcome): void {
  t.equal(one.sessions, two.sessions, 'the same session index');
  t.equal(one.tips, two.tips, 'the same tips file');
  for (const [what, rows] of Object.entries(two.search)) t.same(one.search[what], rows, `search index: the same ${what}`);
  t.same(one.stats, two.stats, 'the same sync stats');
  t.same(one.summaryErrors, two.summaryErrors, 'the same chains could not be summarised');
}

t.test('from nothing: each chain read once, the same indexes as the two passes', async (t) => {
  const a = await copyOfArchive(t);
  const all = await chains(a);
  const positions = [...all.values()].reduce((n, ids) => n + ids.length, 0);
  const distinct = new Set([...all.values()].flat()).size;
  t.ok(all.size >= 10 && [...all.keys()].some((r) => r.startsWith('refs/agents/')), 'sessions and subagents');
  t.ok(distinct < positions, `chains share records (${positions - distinct} of ${positions} positions repeat)`);
  await underived(a);
  const outside = outsideIndex(a);
  const fromNothing = keepIndex(t, a);
  const two = await twoPasses(a);
  t.same(outsideIndex(a), outside, 'the two passes write nothing outside index/');
  fromNothing();
  const one = await onePass(a);
  t.same(outsideIndex(a), outside, 'nor does the one pass');
  same(t, one, two);
  t.ok((two.stats?.records_indexed ?? 0) > 0, 'records were indexed');
  t.equal(one.reads, positions, 'one pass: every chain read once');
  t.equal(two.reads, 2 * positions, 'two passes: every chain read twice');
});

t.test('refs moved back, then forward: the same indexes, the summaries read whole and the search records taken from that read', async (t) => {
  const a = await copyOfArchive(t);
  const all = await chains(a);
  // The longest chains, each moved back to a record halfway.
  const moved = [...all.entries()].sort((x, y) => y[1].length - x[1].length || (x[0] < y[0] ? -1 : 1)).slice(0, 3);
  const archive = await underived(a);
  for (const [ref, ids] of moved) await archive.refs.update(ref, ids[Math.floor(ids.length / 2)]!);
  const movedBack = keepIndex(t, a);
  const twoBack = await twoPasses(a);
  const afterTwo = keepIndex(t, a);
  movedBack();
  same(t, await onePass(a), twoBack);
  const afterOne = keepIndex(t, a);
  const later = await Archive.openAt(join(a, '.tapes'));
  for (const [ref, ids] of moved) await later.refs.update(ref, ids.at(-1)!);
  // Each pass again from what it wrote itself.
  afterTwo();
  const two = await twoPasses(a);
  afterOne();
  const one = await onePass(a);
  same(t, one, two);
  t.equal(one.stats?.chains_updated, moved.length, 'the moved chains were indexed');
  const whole = moved.reduce((n, [, ids]) => n + ids.length, 0);
  const added = moved.reduce((n, [, ids]) => n + (ids.length - 1 - Math.floor(ids.length / 2)), 0);
  t.equal(one.reads, whole, 'one pass: the moved chains read once, whole');
  t.equal(two.reads, whole + added, 'two passes: read whole, then their new records again');
});

t.test('a missing record: the same chains reported and left out; the search index still takes what it can read', async (t) => {
  const a = await copyOfArchive(t);
  const all = await chains(a);
  const heldElsewhere = (ref: string) => new Set([...all.entries()].filter(([name]) => name !== ref).flatMap(([, x]) => x));
  const bySize = [...all.entries()].filter(([name]) => name.startsWith('refs/sessions/')).sort((x, y) => y[1].length - x[1].length || (x[0] < y[0] ? -1 : 1));
  // A chain missing a record before the search index's tip (only its summary
  // reads it), and another missing one after it (both read it).
  // (The longest chain with a record of its own in its first half.)
  const [ref, ids, early] = bySize
    .map(([name, x]) => [name, x, x.slice(0, Math.floor(x.length / 2)).reverse().find((id) => !heldElsewhere(name).has(id))] as const)
    .find(([, , id]) => id !== undefined) ?? [bySize[0]![0], bySize[0]![1], undefined];
  const half = Math.floor(ids.length / 2);
  t.ok(early, 'a record only the first chain holds, before its halfway tip');
  const [ref2, ids2] = bySize.find(([name, x]) => name !== ref && x.length > 4 && !heldElsewhere(name).has(x.at(-2)!))!;
  const late = ids2.at(-2)!;
  const archive = await underived(a);
  await archive.refs.update(ref, ids[half]!);
  await archive.refs.update(ref2, ids2.at(-3)!);
  await twoPasses(a);
  await archive.refs.update(ref, ids.at(-1)!);
  await archive.refs.update(ref2, ids2.at(-1)!);
  for (const id of [early!, late]) rmSync(join(a, '.tapes', 'objects', id.slice(0, 2), id.slice(2)));
  const missing = keepIndex(t, a);
  const two = await twoPasses(a);
  missing();
  const one = await onePass(a);
  same(t, one, two);
  t.same(one.summaryErrors.map((e) => e.split(':')[0]).sort(), [ref, ref2].sort(), 'neither chain could be summarised');
  t.same(
    one.stats?.failed.map((f) => f.chain),
    [ref2],
    'the search index could not read the chain missing a new record',
  );
  t.equal(one.stats?.chains_updated, 1, 'and took the new records of the other');
  for (const r of [ref, ref2]) t.notOk(one.sessions.includes(`"ref":"${r}"`), `${r} is not in the session index`);
});
