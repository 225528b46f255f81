// tapes mcp, the fast look (test/cmd/mcp.long.test.ts goes through every
// tool page by page on a bigger archive): the SDK's own client over a real
// stdio pipe to a spawned `tapes mcp` on an archive of two small real
// transcripts; the tools listed, each answering what the CLI prints with
// --json, bad arguments answered with error results while the server goes
// on, and every file under .tapes/ unchanged after the calls.
import t from 'tap';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { corpusDir, repoRoot, tapes, tempDir } from '../helpers/cli.js';

const BUNDLE = join(repoRoot, 'build', 'bundle', 'tapes.js');
const PROJECT = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli');
const A = 'bc3bf53b-19fe-4209-b30a-a1acffaf6703';
const B = '19abe528-a510-4c89-a1f8-138956474766';

const cwd = tempDir('tapes-mcp-fast-');
const cliCwd = tempDir('tapes-mcp-fast-cli-');
t.teardown(() => {
  rmSync(cwd, { recursive: true, force: true });
  rmSync(cliCwd, { recursive: true, force: true });
});
mkdirSync(join(cwd, 'src'));
for (const s of [A, B]) copyFileSync(join(PROJECT, `${s}.jsonl`), join(cwd, 'src', `${s}.jsonl`));
for (const args of [['init', '-q'], ['import', 'src']]) {
  const r = await tapes(args, { cwd });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
}
// The CLI answers from a copy: it keeps derived files as it reads.
cpSync(join(cwd, '.tapes'), join(cliCwd, '.tapes'), { recursive: true });
const cli = async (args: string[]) => (await tapes(args, { cwd: cliCwd, env: { TZ: 'UTC' } })).stdout;
const ndjson = (s: string) => s.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

function fingerprint(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? [`${p}/`, ...fingerprint(p)] : [`${p} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`];
    });
}
const before = fingerprint(join(cwd, '.tapes'));

const client = new Client({ name: 'tapes-test', version: '1' });
await client.connect(new StdioClientTransport({ command: process.execPath, args: [BUNDLE, 'mcp'], cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, TZ: 'UTC' }, stderr: 'pipe' }));
t.teardown(() => client.close());

type Answer = { isError?: boolean; content: Array<{ text: string }> };
const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as unknown as Answer;
const answer = async (name: string, args: Record<string, unknown>) => {
  const r = await call(name, args);
  if (r.isError) throw new Error(`${name}: ${r.content[0]?.text}`);
  return JSON.parse(r.content[0]!.text) as Record<string, unknown>;
};
const ids = (list: unknown, key = 'id') => (list as Array<Record<string, unknown>>).map((x) => x[key]);

t.test('every tool answers what the CLI prints', async (t) => {
  t.same((await client.listTools()).tools.map((x) => x.name).sort(), ['diff', 'errors', 'log', 'search', 'sessions', 'show', 'stats']);
  t.same(ids((await answer('sessions', {})).sessions, 'session'), ids(ndjson(await cli(['sessions', '--json'])), 'name'));
  t.same(ids((await answer('search', { query: 'go version', limit: 50 })).hits), ids(ndjson(await cli(['search', '--json', '-n', '0', 'go', 'version']))));
  const every = ndjson(await cli(['log', '--json', A]));
  t.same(ids((await answer('log', { session: A, limit: 50, all_records: true })).records), ids(every), 'all_records: every record log --json prints');
  // By default the bookkeeping folds as tapes log folds it: the same records, and the same count line.
  const folded = await answer('log', { session: A, limit: 50 });
  const shown = await cli(['log', '--oneline', A]);
  const count = Number(/(\d+) bookkeeping records? folded/.exec(shown)?.[1] ?? 0);
  t.ok(count > 0, 'the session has bookkeeping to fold');
  t.equal(folded.folded, count, 'the count tapes log prints');
  t.equal((folded.records as unknown[]).length, every.length - count, 'and the records it keeps');
  t.same(ids(folded.records), shown.split('\n').filter((l) => l && !/folded/.test(l)).map((l) => every.find((r) => String(r.id).startsWith(l.split(' ')[0]!))?.id), 'in the same order as tapes log');
  const last = ndjson(await cli(['log', '--json', A])).pop()!.id as string;
  t.same((await answer('show', { id: last })).record, JSON.parse(await cli(['show', '--json', last])));
  t.same((await answer('diff', { a: A, b: B })).counts, (JSON.parse(await cli(['diff', '--json', A, B])) as { counts: unknown }).counts);
  t.same((await answer('stats', { session: A })).total, (JSON.parse(await cli(['stats', '--json', A])) as { total: unknown }).total);
  const errors = (await answer('errors', { limit: 50 })).errors as Array<{ id: string; session: string }>;
  const failed = ndjson(await cli(['log', '--json', '--errors', A])).filter((r) => JSON.stringify(r.content).includes('"is_error":true'));
  t.same(errors.map((e) => e.id).sort(), failed.map((r) => r.id).sort(), 'the failed results log --errors shows');
});

t.test('bad arguments are error results; the server goes on; nothing under .tapes/ changed', async (t) => {
  t.match((await call('log', { session: 'no-such-session' })).content[0]!.text, /unknown revision/);
  t.match((await call('search', { query: '"unclosed' })).content[0]!.text, /no closing quote/);
  t.match((await call('sessions', { limit: 1000 })).content[0]!.text, /more than 50/);
  t.ok((await call('stats', { session: '--html' })).isError, 'no option smuggled in');
  t.equal(((await answer('sessions', { limit: 1 })).sessions as unknown[]).length, 1, 'still answering');
  t.same(fingerprint(join(cwd, '.tapes')), before);
});
