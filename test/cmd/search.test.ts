// tapes search and tapes index end to end: the query language, every filter,
// ranking, output (lines, --sessions, --json, colour), ids usable by show,
// exit statuses and usage errors, and the index kept level with the refs:
// updated by import, after a ref moves back or is deleted, rebuilt when
// missing, rebuilt on request.
import t from 'tap';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const edge = join(corpusDir, 'edge-cases', 'daaain__claude-code-log', 'test', 'test_data');
const REAL = 'bc3bf53b-19fe-4209-b30a-a1acffaf6703';
const realFile = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', `${REAL}.jsonl`);
const SHOWCASE = '55550000-0000-4000-8000-000000000001';
const codexFile = join(edge, 'codex', 'sessions', '2026', '01', '02', 'rollout-2026-01-02T03-04-05-11111111-1111-4111-8111-111111111111.jsonl');

const env = { TZ: 'UTC' };
const cwd = tempDir('tapes-search-');
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));

async function run(args: string[], extra: Record<string, string> = {}) {
  return tapes(args, { cwd, env: { ...env, ...extra } });
}
async function ok(args: string[]) {
  const r = await run(args);
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

interface Hit {
  id: string;
  abbrev: string;
  chain: string;
  session: string;
  agent: string | null;
  kind: string;
  label: string;
  role: string | null;
  time: string | null;
  tools: string[];
  error: boolean;
  cwd: string | null;
  score: number;
  snippet: string;
  highlights: Array<[number, number]>;
}

async function hits(args: string[]): Promise<Hit[]> {
  const r = await ok(['search', '--json', '-n', '0', ...args]);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Hit);
}

await ok(['init', '-q']);
await ok(['import', realFile, join(edge, 'minimal_showcase')]);
const indexFile = join(cwd, '.tapes', 'index', 'search.sqlite');

t.test('import writes the index; a word finds the records that hold it, best first', async (t) => {
  t.ok(existsSync(indexFile), 'import built the index');
  const r = await ok(['search', 'scheduled']);
  const lines = r.stdout.split('\n').filter(Boolean);
  t.ok(lines.length >= 5);
  for (const l of lines) t.match(l, /^[0-9a-f]{7,} \S+ \d{4}-\d\d-\d\d \d\d:\d\d [a-z_]+( ✗)?: /);
  t.match(lines[0], /^126105d 55550000-0000-4000-8000-000000000001\/agent-showcol2 2026-06-15 10:00 tool_result: src\/jobs\/cleanup\.py/);
  t.equal(r.stderr, '', 'nothing on stderr');
  // The abbreviated id is a revision show accepts.
  const abbrev = lines[0]!.split(' ')[0]!;
  const show = await ok(['show', abbrev]);
  t.match(show.stdout, /@scheduled/);
  const all = await hits(['scheduled']);
  for (let i = 1; i < all.length; i++) t.ok(all[i - 1]!.score >= all[i]!.score, 'ranked by score');
  t.ok(all.every((h) => h.snippet.toLowerCase().includes('scheduled')));
  const h = all[0]!;
  t.same(h.highlights.map(([s, e]) => h.snippet.slice(s, e).toLowerCase()), ['scheduled', 'scheduled']);
});

t.test('query language: words AND, "phrases", -word, prefix*', async (t) => {
  const go = await hits(['go']);
  const version = await hits(['version']);
  const both = await hits(['go', 'version']);
  const ids = (l: Hit[]) => new Set(l.map((h) => h.id));
  t.ok(both.length > 0);
  t.ok(both.every((h) => ids(go).has(h.id) && ids(version).has(h.id)), 'every word must match');
  t.same(ids(await hits(['go version'])), ids(both), 'one argument or several');
  const phrase = await hits(['"update go version"']);
  const words = await hits(['update', 'go', 'version']);
  t.ok(phrase.length > 0 && phrase.length < words.length, `phrase ${phrase.length} < words ${words.length}`);
  t.ok(phrase.every((h) => /update go version/i.test(h.snippet.replace(/\s+/g, ' '))));
  // A word starting with - is an option to the shell's argv: quote the query or put it after --.
  const without = await hits(['go -version']);
  t.same(ids(await hits(['--', 'go', '-version'])), ids(without));
  t.equal(without.length, go.length - both.length, '-word removes the records that hold it');
  const prefix = await hits(['golangc*']);
  t.ok(prefix.some((h) => /golangci/i.test(h.snippet)), 'golangc* finds golangci');
  t.equal((await run(['search', 'golangc'])).code, 2, 'but golangc alone is not a word there');
  // Punctuation separates tokens: a path is a phrase of its parts.
  const path = await hits(['src/jobs/cleanup.py']);
  t.ok(path.length > 0 && path.every((h) => /src\/jobs\/cleanup\.py/.test(h.snippet)));
  t.same(ids(await hits(['SCHEDULED'])), ids(await hits(['scheduled'])), 'case does not matter');
});

t.test('filters', async (t) => {
  const kinds = await hits(['--kind', 'thinking', 'go']);
  t.ok(kinds.length > 0 && kinds.every((h) => h.label === 'thinking'));
  const multi = await hits(['--kind', 'user,tool', 'jobs']);
  t.ok(multi.length > 0 && multi.every((h) => ['user', 'tool'].includes(h.label)));
  t.same(new Set(multi.map((h) => h.label)), new Set(['user', 'tool']));
  const tool = await hits(['--tool', 'Edit', 'go']);
  t.ok(tool.length > 0 && tool.every((h) => h.tools.includes('edit')));
  t.ok(tool.some((h) => h.label === 'tool_result'), 'results of the tool count too');
  const role = await hits(['--role', 'user', 'jobs']);
  t.ok(role.length > 0 && role.every((h) => h.role === 'user'));
  const failedCalls = await hits(['--errors', 'go']);
  t.ok(failedCalls.length > 0 && failedCalls.every((h) => h.error && h.label === 'tool'), 'the calls that failed');
  const failed = await hits(['--errors', 'read']);
  t.ok(failed.length > 0 && failed.every((h) => h.error && h.label === 'tool_result'), 'the failed results');
  t.ok((await hits(['go'])).length > failedCalls.length);
  const since = await hits(['--since', '2026-06-01', 'the']);
  t.ok(since.length > 0 && since.every((h) => h.time! >= '2026-06-01'));
  const until = await hits(['--until', '2026-02-01', 'the']);
  t.ok(until.length > 0 && until.every((h) => h.time! <= '2026-02-02'));
  t.equal((await run(['search', '--since', '2027-01-01', 'the'])).code, 2);
  const project = await hits(['--project', 'DEVENV', 'the']);
  t.ok(project.length > 0 && project.every((h) => h.cwd!.includes('devenv')));
  // A session includes its subagents; a subagent chain alone is just that chain.
  const session = await hits(['--session', SHOWCASE, 'jobs']);
  t.ok(session.every((h) => h.session === SHOWCASE));
  t.ok(session.some((h) => h.agent === 'agent-showcol2') && session.some((h) => h.agent === null));
  const agent = await hits(['--session', `agents/${SHOWCASE}/agent-showcol2`, 'jobs']);
  t.ok(agent.length > 0 && agent.every((h) => h.agent === 'agent-showcol2'));
  const other = await hits(['--session', 'bc3bf53b', 'go']);
  t.ok(other.length > 0 && other.every((h) => h.session === REAL));
  const limited = await run(['search', '-n', '2', 'the']);
  t.equal(limited.stdout.split('\n').filter(Boolean).length, 2);
  t.match(limited.stderr, /^tapes: \d+ more records match \(-n 0 shows all\)\n$/);
});

t.test('--sessions groups by session, best first, with the count and title', async (t) => {
  const r = await ok(['search', '--sessions', 'jobs']);
  const heads = r.stdout.split('\n').filter((l) => l.startsWith('Session '));
  t.ok(heads.length >= 2);
  t.match(heads[0], /^Session \S+  \d+ match(es)?  /);
  const body = r.stdout.split('\n').filter((l) => l.startsWith('  ') && !l.startsWith('  …'));
  t.ok(body.every((l) => /^  [0-9a-f]{7,} /.test(l)));
  const json = (await ok(['search', '--sessions', '--json', 'jobs'])).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { session: string; matches: number; hits: Hit[] });
  t.equal(json.length, heads.length);
  t.ok(json.every((s) => s.hits.length > 0 && s.hits.length <= 5 && s.matches >= s.hits.length && s.hits.every((h) => h.session === s.session)));
});

t.test('colour marks the matches only when asked (or on a terminal)', async (t) => {
  const plain = await ok(['search', '-n', '1', 'scheduled']);
  t.notMatch(plain.stdout, /\x1b\[/);
  const colour = await ok(['search', '-n', '1', '--color=always', 'scheduled']);
  t.match(colour.stdout, /\x1b\[31m\x1b\[1mscheduled\x1b\[22m\x1b\[39m/);
});

t.test('no match exits 2 and prints nothing; bad queries are usage errors', async (t) => {
  const none = await run(['search', 'xyzzyplugh']);
  t.equal(none.code, 2);
  t.equal(none.stdout, '');
  for (const [args, re] of [
    [['search', '"unclosed phrase'], /no closing quote/],
    [['search', '--', '-only', '-excluded'], /only excluded words/],
    [['search', '***'], /no words to look for/],
    [['search', '--kind', 'bogus', 'x'], /--kind bogus: not a kind/],
    [['search', '-n', '-1', 'x'], /-n needs a whole number/],
    [['search', '--since', 'someday', 'x'], /bad --since value/],
    [['search'], /give a query/],
  ] as Array<[string[], RegExp]>) {
    const r = await run(args);
    t.equal(r.code, 129, args.join(' '));
    t.match(r.stderr, re);
  }
  const badSession = await run(['search', '--session', 'nosuchsession', 'x']);
  t.equal(badSession.code, 2);
});

t.test('the index follows the refs: import, a ref moved back, a ref deleted, a deleted index', async (t) => {
  t.equal((await run(['search', 'synthetic'])).code, 2);
  await ok(['import', codexFile]);
  const stats = JSON.parse((await ok(['index', '--json'])).stdout) as { chains_updated: number; records: number; chains: number };
  t.equal(stats.chains_updated, 0, 'import already indexed the new session');
  const found = await hits(['synthetic']);
  t.ok(found.length > 0 && found.every((h) => h.session === '11111111-1111-4111-8111-111111111111'));

  // Move the session back three records: what it no longer reaches is no longer found.
  const ids = (await ok(['rev-list', '--reverse', '11111111'])).stdout.split('\n').filter(Boolean);
  const before = await hits(['--session', '11111111', 'the']);
  const cut = ids[ids.length - 4]!;
  await ok(['update-ref', 'refs/sessions/11111111-1111-4111-8111-111111111111', cut]);
  const after = await hits(['--session', '11111111', 'the']);
  const kept = new Set(ids.slice(0, ids.length - 3));
  t.ok(after.every((h) => kept.has(h.id)), 'only records still on the chain');
  t.same(after.map((h) => h.id).sort(), before.filter((h) => kept.has(h.id)).map((h) => h.id).sort());
  // And forward again.
  await ok(['update-ref', 'refs/sessions/11111111-1111-4111-8111-111111111111', ids[ids.length - 1]!]);
  t.same((await hits(['--session', '11111111', 'the'])).map((h) => h.id).sort(), before.map((h) => h.id).sort());

  await ok(['update-ref', '-d', 'refs/sessions/11111111-1111-4111-8111-111111111111']);
  t.equal((await run(['search', 'synthetic'])).code, 2, 'a deleted session is not found');

  rmSync(indexFile);
  const again = await ok(['search', 'scheduled']);
  t.ok(again.stdout.length > 0 && existsSync(indexFile), 'a missing index is rebuilt by the next search');
});

t.test('tapes index and --rebuild', async (t) => {
  const same = await ok(['index']);
  t.match(same.stdout, /^Search index up to date: \d+ records in \d+ chains, \d+\.\d MB\n$/);
  const rebuilt = JSON.parse((await ok(['index', '--rebuild', '--json'])).stdout) as Record<string, unknown>;
  t.equal(rebuilt.rebuilt, true);
  t.equal(rebuilt.path, indexFile);
  t.ok((rebuilt.records as number) > 50);
  t.equal(rebuilt.chains, 6);
  t.equal(rebuilt.chains_updated, 6);
  t.same(rebuilt.failed, []);
  const text = await ok(['index', '--rebuild']);
  t.match(text.stdout, /^Search index rebuilt \(\d+ records indexed in 6 chains\): \d+ records in 6 chains, /);
});

t.test('after gc, search still sees packed ids: a session named like its tip id is shown whole', async (t) => {
  // A session named after the first 12 hex digits of its own tip: its name
  // must be shown whole, or it would read as an abbreviated id. Once gc has
  // packed every object there is no loose file left to compare with.
  const dir = tempDir('tapes-search-gc-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const inDir = async (args: string[]) => {
    const r = await tapes(args, { cwd: dir, env });
    if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  await inDir(['init', '-q']);
  await inDir(['import', codexFile]);
  const tip = (await inDir(['rev-parse', '11111111'])).trim();
  const name = tip.slice(0, 12);
  await inDir(['update-ref', `refs/sessions/${name}`, tip]);
  const shown = async () => {
    const lines = (await inDir(['search', '-n', '0', 'synthetic'])).split('\n').filter(Boolean);
    return new Set(lines.map((l) => l.split(' ')[1]!).filter((s) => s.startsWith(name.slice(0, 8))));
  };
  t.same([...(await shown())], [name], 'loose: the whole name');
  t.equal(JSON.parse(await inDir(['gc', '--json'])).loose_after, 0, 'gc left no loose object');
  t.same([...(await shown())], [name], 'packed: still the whole name');
});

t.test('a record held by several chains is indexed once, found in each, and dropped with the last chain', async (t) => {
  const dir = tempDir('tapes-search-shared-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const inDir = async (args: string[]) => {
    const r = await tapes(args, { cwd: dir, env });
    if (r.code !== 0 && r.code !== 2) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const found = async (q: string) =>
    (await inDir(['search', '--json', '-n', '0', q])).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Hit);
  const counts = () => {
    const db = new Database(join(dir, '.tapes', 'index', 'search.sqlite'), { readonly: true });
    try {
      const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      return { docs: n('SELECT count(*) AS n FROM docs'), records: n('SELECT count(*) AS n FROM records'), text: n('SELECT count(*) AS n FROM fts_docsize') };
    } finally {
      db.close();
    }
  };
  await inDir(['init', '-q']);
  await inDir(['import', codexFile]);
  const full = 'refs/sessions/11111111-1111-4111-8111-111111111111';
  const ids = (await inDir(['rev-list', '--reverse', '11111111'])).split('\n').filter(Boolean);
  const one = await found('the');
  t.ok(one.length > 3, 'the session has hits');
  const alone = counts();
  t.equal(alone.docs, alone.records, 'one chain: one text per record');
  t.equal(alone.text, alone.docs, 'one FTS row per text');

  await inDir(['update-ref', 'refs/sessions/copy', ids[ids.length - 1]!]);
  const two = await found('the');
  t.equal(two.length, one.length * 2, 'every hit found in both chains');
  t.same(two.filter((h) => h.session === 'copy').map((h) => h.id).sort(), one.map((h) => h.id).sort(), 'the copy finds the same records');
  const shared = counts();
  t.equal(shared.docs, alone.docs, 'the copy adds no text to the index');
  t.equal(shared.records, alone.records * 2, 'but a row per record of each chain');

  // The copy moved back, then the original deleted: what only the original reached is gone.
  await inDir(['update-ref', 'refs/sessions/copy', ids[ids.length - 4]!]);
  await found('the');
  t.equal(counts().docs, alone.docs, 'still held by the original');
  await inDir(['update-ref', '-d', full]);
  const left = await found('the');
  const reach = new Set(ids.slice(0, ids.length - 3));
  t.ok(left.length > 0 && left.every((h) => h.session === 'copy' && reach.has(h.id)), 'only the copy, and only what it reaches');
  const after = counts();
  t.ok(after.docs < alone.docs, 'the records only the deleted chain held left the index');
  t.equal(after.text, after.docs);
  t.equal(after.docs, after.records, 'nothing kept that no chain holds');

  await inDir(['update-ref', '-d', 'refs/sessions/copy']);
  t.equal((await tapes(['search', 'the'], { cwd: dir, env })).code, 2, 'nothing found');
  t.same(counts(), { docs: 0, records: 0, text: 0 }, 'no text left in the index');
});

t.test('searches indexing the same archive at once agree, and index each record once', async (t) => {
  const dir = tempDir('tapes-search-race-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[]) => tapes(args, { cwd: dir, env });
  t.equal((await run(['init', '-q'])).code, 0);
  t.equal((await run(['import', codexFile, realFile])).code, 0);
  const tip = (await run(['rev-parse', '11111111'])).stdout.trim();
  t.equal((await run(['update-ref', 'refs/sessions/copy', tip])).code, 0);
  rmSync(join(dir, '.tapes', 'index'), { recursive: true, force: true });
  const results = await Promise.all([0, 1, 2].map(() => run(['search', '--json', '-n', '0', 'the'])));
  t.same(results.map((r) => r.code), [0, 0, 0]);
  const lists = results.map((r) => r.stdout.split('\n').filter(Boolean).map((l) => { const h = JSON.parse(l) as Hit; return `${h.chain} ${h.id}`; }).sort());
  t.same(lists[1], lists[0]);
  t.same(lists[2], lists[0]);
  t.equal(new Set(lists[0]).size, lists[0]!.length, 'no hit twice');
  const db = new Database(join(dir, '.tapes', 'index', 'search.sqlite'), { readonly: true });
  t.teardown(() => db.close());
  const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  t.equal(n('SELECT count(*) AS n FROM docs'), n('SELECT count(DISTINCT id) AS n FROM docs'), 'each record indexed once');
  t.equal(n('SELECT count(*) AS n FROM fts_docsize'), n('SELECT count(*) AS n FROM docs'));
  t.equal(n('SELECT count(*) AS n FROM records WHERE coalesce(doc, text) NOT IN (SELECT rowid FROM docs)'), 0, 'every row names a record');
});
