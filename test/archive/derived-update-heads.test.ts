// updateDerivedIndexes (src/archive/search/derived-update.ts) given a
// HeadCache (src/record/head-cache.ts), as the import's second thread gives
// it one: the same session index, tips file and search index as without,
// on real transcripts whose chains share prefixes (a resumed session, one
// forked from it, subagents), each record read from the store once; and
// with a cache whose heads are deep-frozen as they are kept, an update over
// chains that share a prefix, and one after chains grew (their old records
// answered from the cache), throws nothing and gives the same indexes: the
// summaries and the search index never change a head they are given,
// which the cache hands to every chain that holds the record.
import t, { type Test } from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { openSearchIndex, updateDerivedIndexes, type SyncStats } from '../../src/archive/search/index.js';
import { chainRefs, readChainEvents } from '../../src/archive/sessions/index.js';
import { HeadCache, readEventHead, type EventHead } from '../../src/record/index.js';
import { corpusDir } from '../helpers/cli.js';
import { countReads, keepIndex, searchContents, underived } from '../helpers/derived-index.js';
import { ImportedArchive } from '../helpers/imported-archive.js';

const env = { TZ: 'UTC' };
const projects = join(corpusDir, 'claude-code', 'projects');
const RESUMED = join(projects, '-Users-alex-workspace-cli--worktrees-2', 'ac8a4f1a-1917-46bf-b8c1-0c3bab0fbc16.jsonl');
const CODEX_ROLLOUT = join(corpusDir, 'codex', 'sessions', '2026', '05', '11', 'rollout-2026-05-11T13-28-45-019e1695-0522-7c83-8b39-0dd379793f80.jsonl');
const SOURCES = [
  join(projects, '-Users-alex-workspace-cli', '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl'),
  join(projects, '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl'),
  // A real Codex rollout with token counts, which the summary reads again from each record's line (eventSource): from a frozen head too.
  join(corpusDir, '..', 'agents', 'codex-0.169.0-rollout-01a2464b-59eb-7e90-8265-4a6445d2602d.jsonl'),
  join(corpusDir, 'gemini'),
  join(corpusDir, 'scale', 'gemini'),
  join(corpusDir, 'edge-cases', 'daaain__claude-code-log', 'test', 'test_data', 'minimal_showcase'),
];

/**
 * The imported archive, made once; each test copies it. Beside the sources,
 * a session (RESUMED's first 120 lines of 236: the rest only made every
 * chain longer to read), one resumed from the middle of it (its first 60
 * lines), and one forked from it (its first 45 lines, then its last 15).
 */
const imported = new ImportedArchive(
  t,
  'tapes-derived-heads-',
  (dir) => {
    const lines = readFileSync(RESUMED, 'utf8').split('\n').slice(0, 120);
    const copies = join(dir, 'copies');
    mkdirSync(copies);
    writeFileSync(join(copies, 'ac8a4f1a-1917-46bf-b8c1-0c3bab0fbc16.jsonl'), lines.join('\n') + '\n');
    writeFileSync(join(copies, 'ac8a4f1a-resumed.jsonl'), lines.slice(0, 60).join('\n') + '\n');
    writeFileSync(join(copies, 'ac8a4f1a-forked.jsonl'), [...lines.slice(0, 45), ...lines.slice(-15)].join('\n') + '\n');
    // The corpus's Codex rollout by its first 40 lines of 99 (515 KB), under its name.
    writeFileSync(join(copies, basename(CODEX_ROLLOUT)), readFileSync(CODEX_ROLLOUT, 'utf8').split(/(?<=\n)/).slice(0, 40).join(''));
    return [...SOURCES, copies];
  },
  { env, packed: true },
);
const copyOfArchive = (owner: Test): Promise<string> => imported.copy(owner);

interface Outcome {
  sessions: string;
  tips: string;
  search: Record<string, unknown[]>;
  stats: SyncStats | null;
  summaryErrors: string[];
  /** Record reads of the store, by id. */
  reads: Map<string, number>;
}

/** One update of both indexes, with `heads` or without. */
async function update(dir: string, heads?: HeadCache): Promise<Outcome> {
  const archive = await Archive.openAt(join(dir, '.tapes'));
  const reads = await countReads(archive);
  const summaryErrors: string[] = [];
  const index = openSearchIndex(archive);
  try {
    const done = await updateDerivedIndexes(archive, {
      summaries: true,
      index,
      heads,
      onSummaryError: (ref, err) => summaryErrors.push(`${ref}: ${(err as Error).message}`),
    });
    const at = join(dir, '.tapes', 'index');
    return {
      sessions: readFileSync(join(at, 'sessions.json'), 'utf8'),
      tips: readFileSync(join(at, 'session-tips.json'), 'utf8'),
      search: searchContents(dir),
      stats: done.search,
      summaryErrors,
      reads,
    };
  } finally {
    index.close();
  }
}

function same(t: Test, withHeads: Outcome, without: Outcome): void {
  t.same(withHeads.summaryErrors, [], 'every chain summarised');
  t.same(withHeads.stats?.failed, [], 'every chain indexed');
  t.equal(withHeads.sessions, without.sessions, 'the same session index');
  t.equal(withHeads.tips, without.tips, 'the same tips file');
  for (const [what, rows] of Object.entries(without.search)) t.same(withHeads.search[what], rows, `search index: the same ${what}`);
  t.same(withHeads.stats, without.stats, 'the same sync stats');
}

/** The records of each chain, by ref name (oldest first). */
async function chains(dir: string): Promise<Map<string, string[]>> {
  const archive = await Archive.openAt(join(dir, '.tapes'));
  const store = await archive.objects();
  const out = new Map<string, string[]>();
  for (const r of await chainRefs(archive)) out.set(r.name, (await readChainEvents(store, r.id)).map((e) => e.id));
  return out;
}

/** Freezes `v` and everything it holds. */
function deepFreeze(v: unknown): void {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}

/** A cache whose heads cannot be changed once kept: a reader that changes one throws. */
class FrozenHeads extends HeadCache {
  frozen = 0;
  protected override keep(id: string, head: EventHead): void {
    deepFreeze(head);
    this.frozen++;
    super.keep(id, head);
  }
}

t.test('with a HeadCache: the same indexes as without, each record read once', async (t) => {
  const a = await copyOfArchive(t);
  const all = await chains(a);
  const positions = [...all.values()].reduce((n, ids) => n + ids.length, 0);
  const distinct = new Set([...all.values()].flat()).size;
  t.ok(all.size >= 8 && [...all.keys()].some((r) => r.startsWith('refs/agents/')), `sessions and subagents (${all.size} chains)`);
  t.ok(distinct < positions - 100, `chains share records (${positions - distinct} of ${positions} positions repeat)`);
  await underived(a);
  const fromNothing = keepIndex(t, a);
  const without = await update(a);
  fromNothing();
  const heads = new HeadCache(4096);
  const withHeads = await update(a, heads);
  same(t, withHeads, without);
  t.ok((without.stats?.records_indexed ?? 0) > 0, 'records were indexed');
  const total = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
  // Beside the chains' heads, a few whole records are read again for their lines (Codex token counts), as many with a cache as without.
  const again = total(without.reads) - positions;
  t.ok(again > 0, `without: every chain read whole, and ${again} records again for their lines`);
  t.equal(total(withHeads.reads), distinct + again, 'with: each head read once, and the same records again');
  t.equal(withHeads.reads.size, distinct, 'every record');
  t.same(heads.counts, { read: distinct, kept: positions - distinct }, 'the cache counted as much');
  // A cache too small for any chain reads as much as none.
  fromNothing();
  const tiny = new HeadCache(1);
  same(t, await update(a, tiny), without);
  t.ok(tiny.counts.read > distinct, `a cache of one head: ${tiny.counts.read} reads`);
});

t.test('heads frozen as they are kept: chains sharing a prefix, then chains that grew, read without a change to any head', async (t) => {
  const a = await copyOfArchive(t);
  const all = await chains(a);
  // The longest chains, each moved back to a record halfway: their heads, kept by the first update, are read again by the second.
  const moved = [...all.entries()].sort((x, y) => y[1].length - x[1].length || (x[0] < y[0] ? -1 : 1)).slice(0, 3);
  t.ok(moved.every(([, ids]) => ids.length >= 20), `the longest chains (${moved.map(([r, ids]) => `${r} ${ids.length}`).join(', ')})`);
  const archive = await underived(a);
  for (const [ref, ids] of moved) await archive.refs.update(ref, ids[Math.floor(ids.length / 2)]!);
  const movedBack = keepIndex(t, a);
  const without = await update(a);
  const afterWithout = keepIndex(t, a);
  movedBack();
  const heads = new FrozenHeads(4096);
  const first = await update(a, heads);
  same(t, first, without);
  t.ok(heads.counts.kept > 0, `the chains' shared records answered from frozen heads (${heads.counts.kept})`);
  t.equal(heads.frozen, heads.counts.read, 'every head read was frozen as it was kept');
  const afterFirst = keepIndex(t, a);

  // Forward again: the chains grew.
  const before = await chains(a);
  const later = await Archive.openAt(join(a, '.tapes'));
  for (const [ref, ids] of moved) await later.refs.update(ref, ids.at(-1)!);
  afterWithout();
  const grownWithout = await update(a);
  afterFirst();
  const counts = { ...heads.counts };
  const grown = await update(a, heads);
  same(t, grown, grownWithout);
  t.equal(grown.stats?.chains_updated, moved.length, 'the grown chains were indexed');
  // Read from the store: only records no chain held at the first update; the rest are the cache's frozen heads.
  const held = new Set([...before.values()].flat());
  const added = new Set(moved.flatMap(([, ids]) => ids).filter((id) => !held.has(id)));
  t.ok(added.size > 0, `the chains gained ${added.size} records`);
  t.same([...grown.reads.keys()].sort(), [...added].sort(), 'the store read only the records added');
  t.equal(heads.counts.read - counts.read, added.size, 'the cache read them');
  t.equal(heads.counts.kept - counts.kept, moved.reduce((n, [, ids]) => n + ids.length, 0) - added.size, 'and answered the rest');

  // Each head in the cache is still what reading its record gives.
  const store = await later.objects();
  const kept = { ...heads.counts };
  const changed: string[] = [];
  for (const id of held) {
    const head = await heads.read(store, id);
    if (!Object.isFrozen(head) || JSON.stringify(head) !== JSON.stringify(await readEventHead(store, id))) changed.push(id);
  }
  t.same(heads.counts, { read: kept.read, kept: kept.kept + held.size }, `the ${held.size} records of the first update are all in the cache`);
  t.same(changed, [], 'each frozen, and as reading its record gives it');
});

t.test('a frozen head cannot be changed: the check would catch a reader that did', async (t) => {
  const a = await copyOfArchive(t);
  const archive = await Archive.openAt(join(a, '.tapes'));
  const store = await archive.objects();
  const [r] = await chainRefs(archive);
  const heads = new FrozenHeads(16);
  const head = await heads.read(store, r!.id);
  t.ok(Object.isFrozen(head) && Object.isFrozen(head.meta) && Object.isFrozen(head.content), 'the head and what it holds are frozen');
  t.throws(() => {
    (head.meta as Record<string, unknown>).changed = true;
  }, TypeError, 'a change throws');
  t.equal(await heads.read(store, r!.id), head, 'the same head is handed out again');
});
