// The search index's layout (docs/search.md, version 5), on small
// transcripts made for it: a long text that several records hold is
// indexed once and found in each, kept while any record holds it and
// dropped with the last; the numbers of a file listing are not indexed;
// a call is kept until its result comes, even by a later import, and a
// failed result keeps its call; the index of another version, or a file
// that is not one, is rebuilt; pages freed are given back; and BM25 scores
// are those of the old column order.
import t, { type Test } from 'tap';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Archive } from '../../src/archive/index.js';
import {
  SEARCH_INDEX_VERSION,
  SHARED_TEXT_CHARS,
  failedCalls,
  ftsQuery,
  indexedText,
  openSearchIndex,
  parseQuery,
  queryIndex,
  syncSearchIndex,
} from '../../src/archive/search/index.js';
import { readEvent } from '../../src/record/index.js';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
const env = { TZ: 'UTC' };

/** One line of a Claude Code transcript. */
function line(session: string, n: number, role: 'user' | 'assistant', content: unknown[]): string {
  return JSON.stringify({
    type: role,
    uuid: `${session.slice(0, 8)}-${n}`,
    parentUuid: n === 1 ? null : `${session.slice(0, 8)}-${n - 1}`,
    isSidechain: false,
    cwd: '/work/zoo',
    sessionId: session,
    version: '2.1.173',
    timestamp: `2026-03-0${1 + (n % 9)}T10:00:0${n % 10}.000Z`,
    message: { role, content },
  });
}

/** A file listing as Claude Code's Read tool shows it: numbered lines, long enough to be shared. */
function listing(word: string): string {
  const lines: string[] = ['package zoo', '', `// ${word} lives here`];
  for (let i = 0; lines.join('\n').length < SHARED_TEXT_CHARS + 500; i++) lines.push(`func animal${i}() string { return "walrus ${1000 + i}" }`);
  return lines.map((l, i) => `${String(i + 1).padStart(6)}\u2192${l}`).join('\n');
}

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';
const READ = listing('quokka');

/** Session A: reads the listing twice (the same text in two results), runs a command that fails, says so. */
function sessionA(): string[] {
  return [
    line(A, 1, 'user', [{ type: 'text', text: 'show me the zoo package' }]),
    line(A, 2, 'assistant', [{ type: 'tool_use', id: 'toolu_a1', name: 'Read', input: { file_path: '/work/zoo/zoo.go' } }]),
    line(A, 3, 'user', [{ type: 'tool_result', tool_use_id: 'toolu_a1', content: READ }]),
    line(A, 4, 'assistant', [{ type: 'tool_use', id: 'toolu_a2', name: 'Bash', input: { command: 'go test ./flamingo' } }]),
    line(A, 5, 'user', [{ type: 'tool_result', tool_use_id: 'toolu_a2', is_error: true, content: 'FAIL pelican: exit status 1' }]),
    line(A, 6, 'assistant', [{ type: 'text', text: 'The pelican test failed; reading the file again.' }]),
    line(A, 7, 'assistant', [{ type: 'tool_use', id: 'toolu_a3', name: 'Read', input: { file_path: '/work/zoo/zoo.go' } }]),
    line(A, 8, 'user', [{ type: 'tool_result', tool_use_id: 'toolu_a3', content: READ }]),
  ];
}

/** Session B: reads the same listing once more. */
function sessionB(): string[] {
  return [
    line(B, 1, 'user', [{ type: 'text', text: 'what is in zoo.go' }]),
    line(B, 2, 'assistant', [{ type: 'tool_use', id: 'toolu_b1', name: 'Read', input: { file_path: '/work/zoo/zoo.go' } }]),
    line(B, 3, 'user', [{ type: 'tool_result', tool_use_id: 'toolu_b1', content: READ }]),
    line(B, 4, 'assistant', [{ type: 'tool_use', id: 'toolu_b2', name: 'Grep', input: { pattern: 'heron' } }]),
  ];
}

async function setUp(t: Test) {
  const dir = tempDir('tapes-search-index-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const run = async (args: string[]) => {
    const r = await tapes(args, { cwd: dir, env });
    if (r.code !== 0 && r.code !== 2) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  const write = (name: string, lines: string[]) => {
    const file = join(dir, name);
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  };
  await run(['init', '-q']);
  const file = join(dir, '.tapes', 'index', 'search.sqlite');
  const db = () => new Sqlite(file, { readonly: true });
  const count = (sql: string) => {
    const d = db();
    try {
      return (d.prepare(sql).get() as { n: number }).n;
    } finally {
      d.close();
    }
  };
  const hits = async (...args: string[]) =>
    (await run(['search', '--json', '-n', '0', ...args])).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; session: string; label: string; tools: string[]; error: boolean; snippet: string });
  return { dir, file, run, write, db, count, hits };
}

t.test('a long text held by several records is indexed once, found in each, and dropped with the last', async (t) => {
  const { run, write, count, hits } = await setUp(t);
  await run(['import', write(`${A}.jsonl`, sessionA()), write(`${B}.jsonl`, sessionB())]);
  const tipA = (await run(['rev-parse', A])).stdout.trim();
  const found = await hits('quokka');
  t.equal(found.length, 3, 'three records hold the listing: two in A, one in B');
  t.same(found.map((h) => h.session).sort(), [A, A, B]);
  t.ok(found.every((h) => h.label === 'tool_result' && h.tools[0] === 'read' && /quokka/.test(h.snippet)));
  t.equal(count('SELECT count(*) AS n FROM texts'), 1, 'one long text');
  t.equal(count('SELECT count(*) AS n FROM docs WHERE text IS NOT NULL'), 2, 'two records share it');
  t.equal(count('SELECT count(*) AS n FROM fts_docsize'), count('SELECT count(*) AS n FROM docs') - 2, 'and add no FTS5 row');

  // Counts stay exact: -n, the count of the rest, and --sessions.
  const one = await run(['search', '-n', '1', 'quokka']);
  t.equal(one.stdout.split('\n').filter(Boolean).length, 1);
  t.equal(one.stderr, 'tapes: 2 more records match (-n 0 shows all)\n');
  const grouped = (await run(['search', '--sessions', '--json', 'quokka'])).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { session: string; matches: number });
  t.same(Object.fromEntries(grouped.map((g) => [g.session, g.matches])), { [A]: 2, [B]: 1 });

  // A goes: B's record still finds the text, though the record that first held it is gone.
  await run(['update-ref', '-d', `refs/sessions/${A}`]);
  t.same((await hits('quokka')).map((h) => h.session), [B]);
  t.equal(count('SELECT count(*) AS n FROM texts'), 1, 'still held by B');
  t.equal(count('SELECT count(*) AS n FROM docs WHERE rowid NOT IN (SELECT coalesce(doc, text) FROM records)'), 0, "A's docs left");

  // A comes back: its records share the text B holds.
  await run(['update-ref', `refs/sessions/${A}`, tipA]);
  t.equal((await hits('quokka')).length, 3, 'found in each again');
  t.equal(count('SELECT count(*) AS n FROM texts'), 1);

  // Both go: nothing of the text is left.
  await run(['update-ref', '-d', `refs/sessions/${A}`]);
  await run(['update-ref', '-d', `refs/sessions/${B}`]);
  t.equal((await run(['search', 'quokka'])).code, 2);
  for (const table of ['docs', 'records', 'texts', 'fts_docsize', 'calls']) t.equal(count(`SELECT count(*) AS n FROM ${table}`), 0, `${table} empty`);
});

t.test("a file listing's line numbers are not indexed, nor in its snippets", async (t) => {
  const { run, write, hits } = await setUp(t);
  await run(['import', write(`${B}.jsonl`, sessionB())]);
  t.ok(READ.includes('    57\u2192'), 'the listing has a line 57');
  t.equal((await run(['search', '57'])).code, 2, 'a line number finds nothing');
  const walrus = await hits('"walrus 1057"');
  t.equal(walrus.length, 1, 'a number in the text itself does');
  t.notMatch(walrus[0]!.snippet, /\u2192/, 'the snippet is cut from the text without them');
  t.same((await hits('"package zoo"')).map((h) => h.label), ['tool_result']);
});

t.test('a call is kept until its result comes, across imports; a failed result keeps its call', async (t) => {
  const { dir, run, write, count, hits } = await setUp(t);
  const lines = sessionA();
  // The first import ends on the Bash call; its failed result comes with the second.
  const file = write(`${A}.jsonl`, lines.slice(0, 4));
  await run(['import', file]);
  t.equal(count('SELECT count(*) AS n FROM calls'), 1, 'the unanswered call');
  write(`${A}.jsonl`, lines);
  await run(['import', file]);
  t.equal(count('SELECT count(*) AS n FROM calls'), 0, 'every call answered');
  const failed = await hits('--errors', 'pelican');
  t.same(failed.map((h) => [h.label, h.tools]), [['tool_result', ['bash']]], 'the result has its call tool');
  const call = await hits('--errors', 'flamingo');
  t.same(call.map((h) => [h.label, h.error]), [['tool', true]], 'and the call is marked failed');
  t.same((await hits('--tool', 'bash', 'pelican')).length, 1);

  const archive = await Archive.openAt(join(dir, '.tapes'));
  const { items } = await failedCalls(archive, { offset: 0, limit: 10, chars: 200 });
  t.equal(items.length, 1);
  const f = items[0]!;
  t.match(f.error, /FAIL pelican/);
  t.equal(f.tool, 'bash');
  t.match(f.call, { label: 'tool', text: /go test \.\/flamingo/ }, 'the call it answers');
  t.match(f.next, { label: 'assistant', text: /pelican test failed/ }, 'what the agent did next');
});

t.test('an index of another version, or a file that is not one, is rebuilt', async (t) => {
  const { dir, run, write, hits } = await setUp(t);
  await run(['import', write(`${B}.jsonl`, sessionB())]);
  const file = join(dir, '.tapes', 'index', 'search.sqlite');
  const expected = (await hits('zoo')).map((h) => h.id).sort();
  t.ok(expected.length > 0);

  const old = new Sqlite(file);
  old.pragma(`user_version = ${SEARCH_INDEX_VERSION - 1}`);
  old.exec('DELETE FROM records');
  old.close();
  t.same((await hits('zoo')).map((h) => h.id).sort(), expected, 'version 4: rebuilt, not read');
  const now = new Sqlite(file, { readonly: true });
  t.equal(now.pragma('user_version', { simple: true }), SEARCH_INDEX_VERSION);
  now.close();

  for (const p of ['-wal', '-shm']) rmSync(file + p, { force: true });
  writeFileSync(file, 'not a database at all, just text that is long enough to have a header'.repeat(100));
  t.same((await hits('zoo')).map((h) => h.id).sort(), expected, 'garbage: rebuilt');
});

t.test('the pages a dropped chain frees are given back to the file system', async (t) => {
  const { run, write, db } = await setUp(t);
  const C = 'cccccccc-0000-4000-8000-000000000003';
  // Enough text of their own that dropping them frees whole pages: words no
  // other record holds, twelve notes to a record (a record each made 600 loose
  // objects, each written and fsynced, for what 100 records show).
  const note = (i: number) => `note ${i}: the capybara${i} ate ${i * 7} leaves of plant${i}`;
  const many = Array.from({ length: 100 }, (_, i) => line(C, i + 1, i % 2 ? 'assistant' : 'user', [{ type: 'text', text: Array.from({ length: 12 }, (_, k) => note(i * 12 + k)).join('\n') }]));
  await run(['import', write(`${B}.jsonl`, sessionB()), write(`${C}.jsonl`, many)]);
  const pages = () => {
    const d = db();
    try {
      return { auto: d.pragma('auto_vacuum', { simple: true }), pages: d.pragma('page_count', { simple: true }) as number, free: d.pragma('freelist_count', { simple: true }) };
    } finally {
      d.close();
    }
  };
  const before = pages();
  t.equal(before.auto, 2, 'incremental auto-vacuum');
  await run(['update-ref', '-d', `refs/sessions/${C}`]);
  t.equal((await run(['search', 'capybara17'])).code, 2);
  const after = pages();
  t.equal(after.free, 0, 'no free page kept');
  t.ok(after.pages < before.pages - 5, `the file shrank: ${before.pages} pages, then ${after.pages}`);
});

t.test('a search with nothing to index writes nothing, and does not wait for a writer', async (t) => {
  const { file, run, write, db, hits } = await setUp(t);
  await run(['import', write(`${B}.jsonl`, sessionB())]);
  const watcher = db();
  t.teardown(() => watcher.close());
  const version = () => watcher.pragma('data_version', { simple: true });
  const before = version();
  t.ok((await hits('zoo')).length > 0);
  t.equal(version(), before, 'no transaction was committed');
  // Another process writing (an import's index update): the search reads what is there.
  const writer = new Sqlite(file);
  t.teardown(() => writer.close());
  writer.exec('BEGIN IMMEDIATE');
  try {
    t.ok((await hits('zoo')).length > 0, 'found while the writer holds the lock');
  } finally {
    writer.exec('ROLLBACK');
  }
  t.equal(version(), before);
});

t.test('BM25 scores are those of the index of text, input and output columns in that order', async (t) => {
  // A real transcript (no long text repeated): every record's text in an FTS5
  // table with the old column order and weights gives the same scores.
  const cwd = tempDir('tapes-search-bm25-');
  t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
  const real = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl');
  t.equal((await tapes(['init', '-q'], { cwd, env })).code, 0);
  t.equal((await tapes(['import', real], { cwd, env })).code, 0);
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const index = openSearchIndex(archive);
  t.teardown(() => index.close());
  await syncSearchIndex(archive, index);
  t.equal((index.db.prepare('SELECT count(*) AS n FROM docs WHERE text IS NOT NULL').get() as { n: number }).n, 0, 'no shared text here');
  const store = await archive.objects();
  const ref = new Sqlite(':memory:');
  ref.exec("CREATE VIRTUAL TABLE f USING fts5(text, input, output, content = '', tokenize = 'unicode61 remove_diacritics 2')");
  const ids = new Map<string, number>();
  for (const d of index.db.prepare('SELECT rowid AS row, lower(hex(id)) AS id FROM docs').all() as Array<{ row: number; id: string }>) {
    const x = await indexedText(store, await readEvent(store, d.id));
    ref.prepare('INSERT INTO f (rowid, text, input, output) VALUES (?, ?, ?, ?)').run(d.row, x.text, x.input, x.output);
    ids.set(d.id, d.row);
  }
  for (const q of ['go', '"go version"', 'upd*', 'go -version']) {
    const { hits } = queryIndex(index, q, { limit: 0 });
    t.ok(hits.length > 0, q);
    const want = new Map(
      (ref.prepare('SELECT rowid AS row, bm25(f, 1.0, 1.0, 0.75) AS s FROM f WHERE f MATCH ?').all(ftsQuery(parseQuery(q))) as Array<{ row: number; s: number }>).map((r) => [r.row, Math.round(-r.s * 1e6) / 1e6]),
    );
    t.equal(hits.length, want.size, `${q}: as many hits`);
    t.ok(hits.every((h) => want.get(ids.get(h.id)!) === h.score), `${q}: the same score for each`);
  }
  ref.close();
});
