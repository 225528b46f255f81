// Search never misses what is in the archive: the claude-code corpus is
// imported, then 200 words and phrases are picked (seeded, so every run picks
// the same) from the text of random records, read straight from the objects,
// and each must find the record it came from (a file listing's line numbers
// excepted: they are not indexed). Also: an index deleted, or left
// behind by a ref that moved back, is repaired by the next search.
import t from 'tap';
import { rmSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { queryIndex, searchArchive, tokenize } from '../../src/archive/search/index.js';
import { openSearchIndex, searchIndexPath, syncSearchIndex } from '../../src/archive/search/index.js';
import { readEvent, resolveValue } from '../../src/record/index.js';
import type { JsonValue } from '../../src/hash/index.js';
import { fullCorpusDir, tapes, tempDir } from '../helpers/cli.js';
import { seededRandom } from '../helpers/random.js';

const cwd = tempDir('tapes-search-corpus-');
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
for (const args of [['init', '-q'], ['import', join(fullCorpusDir(), 'claude-code', 'projects')]]) {
  const r = await tapes(args, { cwd });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
}
const archive = await Archive.open({ cwd, env: {} });
const store = await archive.objects();

/** The searchable strings of a record's content, read independently of the indexer. */
function strings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.type === 'image') return;
    if (o.type === 'tool_result') {
      // A file listing's line numbers (`    42→`) are not indexed (docs/search.md).
      const inner: string[] = [];
      strings(o.content, inner);
      for (const s of inner) out.push(s.replace(/^ *\d+\u2192/gm, ''));
      return;
    }
    for (const [k, x] of Object.entries(o)) {
      // Structural members of a block are not what a person searches for.
      if (k === 'type' || k === 'id' || k === 'tool_use_id' || k === 'signature' || k === 'is_error') continue;
      strings(x, out);
    }
  }
}

t.test('200 random words and phrases are each found in the record they came from', async (t) => {
  const chains = [...(await archive.refs.list('refs/sessions/')), ...(await archive.refs.list('refs/agents/'))];
  t.ok(chains.length >= 29, `${chains.length} chains`);
  // Every record of every chain, with the chain it is in.
  const records: Array<{ chain: string; id: string }> = [];
  for (const c of chains) {
    for (let id: string | null = c.id; id !== null; ) {
      const ev = await readEvent(store, id);
      if (ev.content.length > 0) records.push({ chain: c.name, id });
      id = ev.parent;
    }
  }
  t.ok(records.length > 3000, `${records.length} records with content`);
  const random = seededRandom(8);
  const index = openSearchIndex(archive);
  t.teardown(() => index.close());
  await syncSearchIndex(archive, index);
  let picked = 0;
  let phrases = 0;
  let tries = 0;
  const misses: string[] = [];
  while (picked < 200 && tries++ < 5000) {
    const rec = records[Math.floor(random() * records.length)]!;
    const ev = await readEvent(store, rec.id);
    const texts: string[] = [];
    strings(await resolveValue(store, ev.content as JsonValue), texts);
    const withWords = texts.map(tokenize).filter((w) => w.length > 0);
    if (withWords.length === 0) continue;
    const words = withWords[Math.floor(random() * withWords.length)]!;
    const start = Math.floor(random() * words.length);
    // Every other pick is a phrase of 2 to 4 consecutive words (when the text has them).
    const len = picked % 2 === 1 ? Math.min(words.length - start, 2 + Math.floor(random() * 3)) : 1;
    const chosen = words.slice(start, start + len);
    const query = chosen.length > 1 ? `"${chosen.join(' ')}"` : chosen[0]!;
    if (chosen.length > 1) phrases++;
    const { hits } = queryIndex(index, query, { limit: 0, chains: [rec.chain] });
    if (!hits.some((h) => h.id === rec.id && h.chain === rec.chain)) misses.push(`${query} (record ${rec.id} in ${rec.chain}, ${hits.length} hits)`);
    picked++;
  }
  t.equal(picked, 200, 'picked 200 words and phrases');
  t.ok(phrases >= 80, `${phrases} of them phrases`);
  t.same(misses, [], 'every pick finds its record');
});

t.test('a deleted index is rebuilt by the next search, and finds the same', async (t) => {
  const before = await searchArchive(archive, '"git worktree"', { limit: 0 });
  t.ok(before.total > 0);
  rmSync(searchIndexPath(archive));
  const after = await searchArchive(archive, '"git worktree"', { limit: 0 });
  t.ok(existsSync(searchIndexPath(archive)), 'written again');
  t.ok(after.sync.chains_updated >= 29, 'every chain indexed again');
  t.same(after.hits.map((h) => h.id).sort(), before.hits.map((h) => h.id).sort());
});

t.test('a damaged index file is replaced, not believed', async (t) => {
  writeFileSync(searchIndexPath(archive), 'this is not a database');
  const r = await searchArchive(archive, 'worktree', { limit: 1 });
  t.ok(r.total > 0);
  t.ok(r.persistent);
});
