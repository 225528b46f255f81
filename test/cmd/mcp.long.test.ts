// (The long suite: the whole devenv project of the fixtures, every tool paged through; test/cmd/mcp.test.ts is the fast look.)
// tapes mcp through the MCP SDK's own client, over a real stdio pipe to a
// spawned `tapes mcp` (the bundle, as installed): the tools listed with their
// schemas, each called with good arguments and checked against what the CLI
// prints with --json for the same question, paging by cursor, bad arguments
// answered with error results while the server goes on, the resources, and
// every file under .tapes/ byte-identical after the whole session of calls
// (with the search index and summaries stale, so the server had to bring
// them up to date without writing them).
import t from 'tap';
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { corpusDir, repoRoot, tapes, tempDir } from '../helpers/cli.js';

const BUNDLE = join(repoRoot, 'build', 'bundle', 'tapes.js');
const PROJECT = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli');
const A = 'bc3bf53b-19fe-4209-b30a-a1acffaf6703';
const B = '19abe528-a510-4c89-a1f8-138956474766';
const env = { TZ: 'UTC' };

const cwd = tempDir('tapes-mcp-');
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
// The CLI's answers come from a copy of the archive: the CLI keeps its
// derived indexes as it reads, and the archive the server serves must stay
// exactly as it was.
const cliCwd = tempDir('tapes-mcp-cli-');
t.teardown(() => rmSync(cliCwd, { recursive: true, force: true }));
let cliDir = cwd;
const cliRun = (args: string[]) => tapes(args, { cwd: cliDir, env });
async function ok(args: string[], codes = [0]) {
  const r = await cliRun(args);
  if (!codes.includes(r.code)) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}
const ndjson = (s: string) =>
  s
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Every file under `dir` with the SHA-256 of its content, and every directory. */
function fingerprint(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        out.push(`${p}/`);
        walk(p);
      } else out.push(`${p} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(dir);
  return out;
}

await ok(['init', '-q']);
await ok(['import', PROJECT]);
// A blob to ask show about.
writeFileSync(join(cwd, 'note.txt'), 'a blob, not a record\n');
const blob = (await ok(['hash-object', '-w', 'note.txt'])).stdout.trim();
// A copy of session A under another name, made after the import: the search
// index and the summaries on disk do not know it, so the server must bring
// its own copies up to date, without writing them.
const tipA = (await ok(['rev-parse', A])).stdout.trim();
await ok(['update-ref', 'refs/sessions/copy-of-a', tipA]);
cpSync(join(cwd, '.tapes'), join(cliCwd, '.tapes'), { recursive: true });
cliDir = cliCwd;
const before = fingerprint(join(cwd, '.tapes'));

const transport = new StdioClientTransport({ command: process.execPath, args: [BUNDLE, 'mcp'], cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, TZ: 'UTC' }, stderr: 'pipe' });
const client = new Client({ name: 'tapes-test', version: '1' });
await client.connect(transport);
t.teardown(() => client.close());

interface ToolAnswer {
  isError?: boolean;
  content: Array<{ type: string; text: string }>;
}
async function call(name: string, args: Record<string, unknown>): Promise<ToolAnswer> {
  return (await client.callTool({ name, arguments: args })) as unknown as ToolAnswer;
}
async function answer(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await call(name, args);
  if (r.isError) throw new Error(`${name} ${JSON.stringify(args)}: ${r.content[0]?.text}`);
  return JSON.parse(r.content[0]!.text) as Record<string, unknown>;
}
async function refused(name: string, args: Record<string, unknown>): Promise<string> {
  const r = await call(name, args);
  if (!r.isError) throw new Error(`${name} ${JSON.stringify(args)} was not refused: ${r.content[0]?.text.slice(0, 200)}`);
  return r.content[0]!.text;
}
/** Every item of a paged answer, following next_cursor. */
async function all(name: string, args: Record<string, unknown>, key: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const a = await answer(name, { ...args, ...(cursor ? { cursor } : {}) });
    out.push(...(a[key] as Array<Record<string, unknown>>));
    if (a.next_cursor === null) return out;
    cursor = a.next_cursor as string;
  }
  throw new Error('more than 100 pages');
}

t.test('the tools, each saying when to use it, with an input schema', async (t) => {
  const { tools } = await client.listTools();
  t.same(tools.map((x) => x.name).sort(), ['diff', 'errors', 'log', 'search', 'sessions', 'show', 'stats']);
  for (const tool of tools) {
    t.ok((tool.description ?? '').length > 120, `${tool.name}: a description that says when it helps`);
    t.equal(tool.inputSchema.type, 'object', `${tool.name}: an input schema`);
  }
  t.same(tools.find((x) => x.name === 'search')!.inputSchema.required, ['query']);
});

t.test('sessions: what tapes sessions --json lists, a page at a time', async (t) => {
  const cli = ndjson((await ok(['sessions', '--json'])).stdout);
  const paged = await all('sessions', { limit: 2 }, 'sessions');
  t.same(paged.map((s) => s.session), cli.map((s) => s.name), 'the same sessions in the same order, over three pages');
  t.equal(paged.length, 6, 'the five imported and the copy');
  const one = await answer('sessions', { project: 'no-such-project' });
  t.same(one.sessions, []);
  t.equal(one.next_cursor, null);
});

t.test('search: what tapes search --json finds, snippets cut, ids to drill down with', async (t) => {
  const cli = ndjson((await ok(['search', '--json', '-n', '0', 'go', 'version'])).stdout);
  const paged = await all('search', { query: 'go version', limit: 5 }, 'hits');
  t.same(paged.map((h) => `${h.session} ${h.id}`), cli.map((h) => `${h.session} ${h.id}`), 'the same hits, in rank order');
  t.ok(paged.some((h) => h.session === 'copy-of-a'), 'the session the index on disk did not know is found');
  t.ok(paged.every((h) => String(h.snippet).length <= 301));
  const filtered = await answer('search', { query: 'go', session: A, kind: 'tool', limit: 50 });
  t.ok((filtered.hits as Array<Record<string, unknown>>).every((h) => h.session === A && h.kind === 'tool'), 'filters as the CLI takes them');
  t.same(await answer('search', { query: 'zzzunlikelyword' }), { query: 'zzzunlikelyword', hits: [], next_cursor: null }, 'nothing found is an empty answer');
});

t.test('log: the records of tapes log --json, one line each', async (t) => {
  const cli = ndjson((await ok(['log', '--json', A])).stdout);
  const paged = await all('log', { session: A, limit: 50, all_records: true }, 'records');
  t.same(paged.map((r) => r.id), cli.map((r) => r.id), 'every record, in order');
  t.ok(paged.every((r) => typeof r.text === 'string' && String(r.text).length <= 301));
  const errors = await answer('log', { session: A, errors: true, limit: 50 });
  const cliErrors = ndjson((await ok(['log', '--json', '--errors', A])).stdout);
  t.same((errors.records as Array<Record<string, unknown>>).map((r) => r.id), cliErrors.map((r) => r.id), '--errors as the CLI');
});

t.test('show: a record whole as tapes show --json prints it; a long one a page of characters at a time', async (t) => {
  const ids = ndjson((await ok(['log', '--json', A])).stdout).map((r) => String(r.id));
  const id = ids[ids.length - 1]!;
  const cli = JSON.parse((await ok(['show', '--json', id])).stdout) as Record<string, unknown>;
  t.same((await answer('show', { id: id.slice(0, 12) })).record, cli, 'by an abbreviated id');
  // The longest record of the archive's biggest session, paged.
  const big = ndjson((await ok(['log', '--json', '4fec7ea0'])).stdout).reduce((a, b) => (JSON.stringify(b).length > JSON.stringify(a).length ? b : a));
  const whole = JSON.stringify(JSON.parse((await ok(['show', '--json', String(big.id)])).stdout));
  t.ok(whole.length > 20_000, `a record of ${whole.length} characters`);
  let text = '';
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const a = await answer('show', { id: big.id, ...(cursor ? { cursor } : {}) });
    t.equal(a.total_chars, whole.length);
    text += String(a.text);
    if (a.next_cursor === null) break;
    cursor = String(a.next_cursor);
  }
  t.equal(text, whole, 'the pages put together are the record');
});

t.test('diff, stats and errors answer as the CLI does', async (t) => {
  const cliDiff = JSON.parse((await ok(['diff', '--json', A, B], [0, 1])).stdout) as Record<string, unknown>;
  const diff = await answer('diff', { a: A, b: B, limit: 50 });
  t.same(diff.counts, cliDiff.counts);
  t.equal(diff.equal, false);
  t.equal((diff.pairs as unknown[]).length, (cliDiff.pairs as unknown[]).length);
  t.equal(diff.diverged_at, 0, 'different from the first step');
  const same = await answer('diff', { a: A, b: 'copy-of-a' });
  t.equal(same.equal, true);
  t.equal(same.diverged_at, null);

  const cliStats = JSON.parse((await ok(['stats', '--json', A])).stdout) as Record<string, unknown>;
  const stats = await answer('stats', { session: A });
  t.same(stats.total, cliStats.total);

  const failures = await all('errors', { limit: 4 }, 'errors');
  t.ok(failures.length > 4, `failed calls across sessions (${failures.length}), over pages`);
  const times = failures.map((f) => String(f.time ?? ''));
  t.same(times, [...times].sort().reverse(), 'newest first');
  for (const f of failures.slice(0, 5)) {
    const shown = JSON.parse((await ok(['show', '--json', String(f.id)])).stdout) as { content: Array<{ type: string; is_error?: boolean; tool_use_id?: string }> };
    t.ok(shown.content.some((b) => b.type === 'tool_result' && b.is_error === true), `${String(f.id).slice(0, 8)} is a failed tool result`);
    const callId = (f.call as { id: string } | null)?.id;
    if (callId) {
      const c = JSON.parse((await ok(['show', '--json', callId])).stdout) as { content: Array<{ type: string; id?: string }> };
      const use = shown.content.find((b) => b.type === 'tool_result')!.tool_use_id;
      t.ok(c.content.some((b) => b.type === 'tool_use' && b.id === use), 'the call it answers');
    }
  }
  const cliFailed = new Set<string>();
  for (const s of ndjson((await ok(['sessions', '--json'])).stdout)) {
    for (const r of ndjson((await ok(['log', '--json', '--errors', String(s.name)])).stdout)) {
      if ((r.content as Array<{ type: string; is_error?: boolean }>).some((b) => b.type === 'tool_result' && b.is_error === true)) cliFailed.add(`${String(r.session)} ${String(r.id)}`);
    }
  }
  t.same(new Set(failures.map((f) => `${String(f.session)} ${String(f.id)}`)), cliFailed, 'the failed results tapes log --errors shows, in every session');
  const one = await all('errors', { session: A, limit: 50 }, 'errors');
  t.ok(one.length > 0 && one.every((f) => f.session === A), 'one session');
});

t.test('bad arguments get error results with the reason, and the server goes on', async (t) => {
  t.match(await refused('log', { session: 'no-such-session' }), /unknown revision 'no-such-session'/);
  t.match(await refused('search', { query: '"unclosed' }), /no closing quote/);
  t.match(await refused('search', { query: '   ' }), /give a query/);
  t.match(await refused('show', { id: blob }), /is a blob/);
  t.match(await refused('sessions', { limit: 100000 }), /more than 50/);
  t.match(await refused('sessions', { limit: 0 }), /not a positive whole number/);
  t.match(await refused('search', { query: 'go', cursor: 'not-a-cursor' }), /not one this server gave/);
  t.match(await refused('stats', { session: '--html' }), /not a session name or record id/, 'no option smuggled into the command');
  t.match(await refused('diff', { a: A, b: 'nope' }), /unknown revision 'nope'/);
  t.match(await refused('errors', { since: 'the day after never' }), /since/);
  const r = (await client.callTool({ name: 'sessions', arguments: { limit: 'ten' } })) as unknown as ToolAnswer;
  t.ok(r.isError, 'a wrong type is an error result');
  t.equal(((await answer('sessions', { limit: 1 })).sessions as unknown[]).length, 1, 'still answering');
});

t.test('resources: each session as Markdown, each record as JSON', async (t) => {
  const { resources } = await client.listResources();
  t.ok(resources.some((r) => r.uri === `tapes://session/${A}`), 'sessions are listed');
  const md = await client.readResource({ uri: `tapes://session/${A}` });
  t.equal((md.contents[0] as { text: string }).text, (await ok(['export', '--format', 'markdown', A])).stdout, 'the Markdown export');
  const id = (await ok(['rev-parse', A])).stdout.trim();
  const rec = await client.readResource({ uri: `tapes://record/${id}` });
  t.same(JSON.parse((rec.contents[0] as { text: string }).text), JSON.parse((await ok(['show', '--json', id])).stdout));
  await t.rejects(client.readResource({ uri: 'tapes://session/no-such-session' }), /unknown revision/);
});

t.test('read-only: every file under .tapes/ is as it was after all of the above', async (t) => {
  t.same(fingerprint(join(cwd, '.tapes')), before);
});
