// Search snippets are built from the records' text (the index keeps no copy
// of it): they must come out as FTS5's own snippet() made them from a copy.
// Checked against SQLite itself: the text strings of a real transcript in an
// FTS5 table that keeps its content, queried with words, phrases and
// prefixes picked from that text, and every snippet() compared with ours.
import t from 'tap';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { ftsQuery, parseQuery, tokenize } from '../../src/archive/search/search.js';
import { buildSnippet, foldToken } from '../../src/archive/search/snippet.js';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
const FILE = join(corpusDir, 'claude-code', 'projects', '-Users-alex-workspace-cli', '0cf3db51-1c73-43bb-8d05-dc02739514a5.jsonl');
const SMALL = join(corpusDir, 'claude-code', 'projects', '-Users-alex-workspace-cli', '79e9becd-0b83-42f1-8cb1-33375d080476.jsonl');

/** Every string in a value. */
function strings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
}

t.test('snippets equal FTS5 snippet() on a real transcript: words, phrases, prefixes, several terms', async (t) => {
  const rows: Array<[string, string, string]> = [];
  for (const line of readFileSync(FILE, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let v: { message?: { content?: unknown } };
    try {
      v = JSON.parse(line) as typeof v;
    } catch {
      continue;
    }
    const texts: string[] = [];
    strings(v.message?.content, texts);
    const all = texts.join('\n');
    if (tokenize(all).length < 3) continue;
    // Three columns, as the index has: the text split so that matches fall in each.
    const third = Math.floor(all.length / 3);
    rows.push([all.slice(0, third), all.slice(third, 2 * third), all.slice(2 * third)]);
  }
  t.ok(rows.length > 50, `${rows.length} records with text`);
  const db = new Sqlite(':memory:');
  db.exec("CREATE VIRTUAL TABLE f USING fts5(text, input, output, tokenize = 'unicode61 remove_diacritics 2')");
  const insert = db.prepare('INSERT INTO f (rowid, text, input, output) VALUES (?, ?, ?, ?)');
  rows.forEach((r, i) => insert.run(i + 1, ...r));

  // Queries picked from the text itself, deterministically: every 37th token as a word,
  // pairs and triples as phrases, four-letter prefixes, and two words at once.
  const words = rows.flatMap((r) => tokenize(r.join(' '))).filter((w) => w.length >= 3);
  const queries: string[] = [];
  for (let i = 0; i < words.length && queries.length < 100; i += 37) {
    const w = words[i]!;
    const k = queries.length % 4;
    if (k === 0) queries.push(w);
    else if (k === 1 && i + 2 < words.length) queries.push(`"${words.slice(i, i + 2 + (i % 2)).join(' ')}"`);
    else if (k === 2 && w.length >= 5) queries.push(`${w.slice(0, 4)}*`);
    else if (i + 50 < words.length) queries.push(`${w} ${words[i + 50]!}`);
  }
  t.ok(queries.length >= 100, `${queries.length} queries`);
  const S = '\x02';
  const E = '\x03';
  const select = db.prepare(`SELECT rowid, text, input, output, snippet(f, -1, '${S}', '${E}', '…', 16) AS s FROM f WHERE f MATCH ? ORDER BY rowid`);
  let compared = 0;
  const differ: string[] = [];
  for (const q of queries) {
    const terms = parseQuery(q);
    for (const r of select.all(ftsQuery(terms)) as Array<{ rowid: number; text: string; input: string; output: string; s: string }>) {
      compared++;
      const ours = buildSnippet([r.text, r.input, r.output], terms, S, E);
      if (ours !== r.s && differ.length < 5) differ.push(`${q} (row ${r.rowid}):\n  fts5: ${JSON.stringify(r.s)}\n  ours: ${JSON.stringify(ours)}`);
      else if (ours !== r.s) differ.push(q);
    }
  }
  t.ok(compared > 500, `${compared} snippets compared`);
  t.same(differ, [], 'every snippet as FTS5 makes it');
  db.close();
});

t.test('folding as unicode61 folds: case and diacritics', async (t) => {
  t.equal(foldToken('Ünïcödé'), 'unicode');
  t.equal(foldToken('ÉCOLE'), 'ecole');
  t.equal(foldToken('ß'), 'ß', 'no expansion (unicode61 keeps ß)');
  const snip = buildSnippet(['Le café est fermé. Un autre café ouvre.'], parseQuery('cafe'), '[', ']');
  t.equal(snip, 'Le [café] est fermé. Un autre [café] ouvre.');
});

t.test('a hit whose record was damaged after it was indexed still lists, its snippet saying why', async (t) => {
  const cwd = tempDir('tapes-snippet-');
  t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
  // Its first 40 lines (67 KB of 290): lines 35, 38 and 39 hold the word searched for.
  writeFileSync(join(cwd, 's.jsonl'), readFileSync(SMALL, 'utf8').split(/(?<=\n)/).slice(0, 40).join(''));
  for (const args of [['init', '-q'], ['import', 's.jsonl']]) t.equal((await tapes(args, { cwd })).code, 0);
  const first = await tapes(['search', '--json', 'strategy'], { cwd });
  t.equal(first.code, 0);
  const hits = first.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; snippet: string });
  t.ok(hits.length > 0 && hits.every((h) => /strategy/i.test(h.snippet)), `${hits.length} hits, each snippet holding the word`);
  // Damage the first hit's object file (same size, other bytes).
  const id = hits[0]!.id;
  const file = join(cwd, '.tapes', 'objects', id.slice(0, 2), id.slice(2));
  const bytes = readFileSync(file);
  bytes[bytes.length - 5] ^= 0xff;
  chmodSync(file, 0o644);
  writeFileSync(file, bytes);
  const again = await tapes(['search', '--json', 'strategy'], { cwd });
  t.equal(again.code, 0, 'the search still succeeds');
  const damaged = again.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; snippet: string }).filter((h) => h.id === id);
  t.ok(damaged.length > 0);
  t.ok(damaged.every((h) => h.snippet.startsWith('(record unreadable: ') && h.snippet.includes(id)), `it says so, naming the object: ${damaged[0]?.snippet}`);
});
