// tapes stats --html end to end on real transcripts: every chart has as many
// marks as the table beside it has rows, the numbers in the tables (and the
// marks' values) are the figures `stats --json` prints for the same filters,
// each tool's time from call to result matches one computed here from the raw
// lines, the page loads nothing, and bad options fail with a clear message.
// The same page opened in Chromium: test/view/html-report.long.test.ts.
import t from 'tap';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const soph = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli');
const F_ERRORS = join(soph, 'f6833005-7be4-4178-bb37-a0e9feadc36b.jsonl');
const F_SMALL = join(soph, 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl');
const F_TWO_MODELS = join(soph, '4fec7ea0-3335-43ec-a178-d4ab47d5aef3.jsonl');
const F_OTHER = join(corpusDir, 'claude-code', 'projects', '-Users-gtrrz-victor-wks-cli', '5a3bb1c8-c3ce-466e-b487-24212cbf1da1.jsonl');
const codexDir = join(corpusDir, 'codex', 'sessions');
const CODEX = '019e1695';
const env = { TZ: 'UTC', HOME: '/home/nobody' };

interface Tokens {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
}
interface Chain {
  name: string;
  ref: string | null;
  cost_usd: number | null;
  duration_ms: number | null;
  tokens: Tokens;
  tool_calls: number;
  tool_errors: number;
  tools: Record<string, { calls: number; errors: number }>;
  tool_time: Record<string, { timed: number; ms: number }>;
}
interface Total extends Omit<Chain, 'name' | 'ref' | 'duration_ms'> {
  sessions: number;
  models: Array<Tokens & { model: string; cost_usd: number | null }>;
}

let cwd = '';
t.before(async () => {
  cwd = tempDir('tapes-stats-html-');
  await tapes(['init', '-q'], { cwd });
  // Into a pack: what is read is the same, without a file created and fsynced per object.
  appendFileSync(join(cwd, '.tapes', 'config'), '[import]\n\tpackAbove = 1\n');
  const r = await tapes(['import', F_ERRORS, F_SMALL, F_TWO_MODELS, F_OTHER, codexDir], { cwd });
  if (r.code !== 0) throw new Error(r.stderr);
});
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));

const run = (args: string[]) => tapes(args, { cwd, env });

async function json(args: string[]): Promise<{ sessions: Chain[]; total: Total }> {
  const r = await run(['stats', '--json', ...args]);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { sessions: Chain[]; total: Total };
}

async function page(args: string[], file = 'report.html'): Promise<string> {
  const r = await run(['stats', '--html', '-o', file, ...args]);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return readFileSync(join(cwd, file), 'utf8');
}

/** Each chart: its marks and the rows of the table(s) it names. */
function charts(html: string): Array<{ chart: string; points: number; rows: number }> {
  const out = [];
  for (const m of html.matchAll(/<figure data-chart="([^"]+)" data-table="([^"]+)">([\s\S]*?)<\/figure>/g)) {
    const points = (m[3]!.match(/\sdata-point[\s>]/g) ?? []).length;
    const rows = m[2]!.split(' ').reduce((n, id) => n + tableRows(html, id).length, 0);
    out.push({ chart: m[1]!, points, rows });
  }
  return out;
}

function tableRows(html: string, id: string): string[] {
  const at = html.indexOf(`<table id="${id}">`);
  if (at < 0) return [];
  const table = html.slice(at, html.indexOf('</table>', at));
  return [...table.matchAll(/<tr data-key="[^"]*">[\s\S]*?<\/tr>/g)].map((m) => m[0]);
}

/** The data-value of each numeric cell of a row, in order. */
const values = (row: string) => [...row.matchAll(/<td class="num[^"]*" data-value="([^"]+)"/g)].map((m) => Number(m[1]));
const keyOf = (row: string) => /data-key="([^"]*)"/.exec(row)![1]!.replace(/&amp;/g, '&');
const near = (a: number, b: number) => Math.abs(a - b) < 1e-5;

t.test('every chart has as many marks as its table has rows, and the page loads nothing', async (t) => {
  const html = await page([]);
  t.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">/);
  t.notMatch(html, /\s(src|href)="(https?:)?\/\//, 'no link or source leaves the page');
  const list = charts(html);
  t.same(
    list.map((c) => c.chart),
    ['by-day-tokens', 'by-day-cost', 'by-project-tokens', 'by-project-cost', 'sessions', 'tools', 'slow', 'failing'],
  );
  for (const c of list) {
    t.ok(c.rows > 0, `${c.chart}: has rows`);
    t.equal(c.points, c.rows, `${c.chart}: ${c.points} marks, ${c.rows} rows`);
  }
});

t.test('the numbers are those of stats --json', async (t) => {
  const { sessions, total } = await json([]);
  const html = await page([]);
  // Per day and per project: the rows of each model add up to the total's.
  for (const table of ['by-day-table', 'by-project-table']) {
    const byModel: Record<string, Tokens & { cost: number }> = {};
    for (const row of tableRows(html, table)) {
      const model = keyOf(row).split(':').pop()!;
      const [input, cache_read, cache_write, output, all, cost] = values(row);
      t.equal(all, input! + cache_read! + cache_write! + output!, 'a row’s tokens add up');
      const e = (byModel[model] ??= { input: 0, output: 0, cache_read: 0, cache_write: 0, cost: 0 });
      e.input += input!;
      e.cache_read += cache_read!;
      e.cache_write += cache_write!;
      e.output += output!;
      e.cost += cost ?? 0;
    }
    t.equal(Object.keys(byModel).length, total.models.length, `${table}: every model`);
    for (const m of total.models) {
      const short = m.model.replace(/-\d{8}$/, '');
      const got = byModel[short] ?? byModel[m.model];
      t.ok(got, `${table}: ${m.model} is there`);
      t.same({ input: got!.input, output: got!.output, cache_read: got!.cache_read, cache_write: got!.cache_write }, { input: m.input, output: m.output, cache_read: m.cache_read, cache_write: m.cache_write }, `${table}: ${m.model} tokens`);
      t.ok(near(got!.cost, m.cost_usd!), `${table}: ${m.model} cost ${got!.cost} = ${m.cost_usd}`);
    }
  }
  // The marks carry the same values as the rows.
  const dayFigure = /<figure data-chart="by-day-tokens"[\s\S]*?<\/figure>/.exec(html)![0];
  const marked = [...dayFigure.matchAll(/data-value="([^"]+)"/g)].reduce((a, m) => a + Number(m[1]), 0);
  t.equal(marked, total.tokens.input + total.tokens.cache_read + total.tokens.cache_write + total.tokens.output, 'the day bars add up to the total tokens');
  // Sessions: one row each, in stats' order, with its cost, tokens and tool counts.
  const rows = tableRows(html, 'sessions-table');
  t.equal(rows.length, sessions.length);
  for (const [i, s] of sessions.entries()) {
    const row = rows[i]!;
    t.equal(keyOf(row), `session:${s.ref}`);
    const v = values(row);
    const cells = s.duration_ms === null ? v : v.slice(1);
    if (s.duration_ms !== null) t.equal(v[0], s.duration_ms, `${s.name}: duration`);
    t.equal(cells[0], s.tokens.input + s.tokens.cache_read + s.tokens.cache_write + s.tokens.output, `${s.name}: tokens`);
    if (s.cost_usd === null) t.notMatch(row, /data-value="[^"]*"[^>]*>\$/, `${s.name}: no cost`);
    else t.equal(cells[1], s.cost_usd, `${s.name}: cost`);
    t.same(cells.slice(-2), [s.tool_calls, s.tool_errors], `${s.name}: tool calls and errors`);
  }
  // Tools: calls, errors and time as the total has them.
  const tools = tableRows(html, 'tools-table');
  t.same(
    tools.map((r) => keyOf(r).slice('tool:'.length)),
    Object.keys(total.tools),
  );
  for (const row of tools) {
    const name = keyOf(row).slice('tool:'.length);
    const [calls, errors, , timed] = values(row);
    const tt = total.tool_time[name] ?? { timed: 0, ms: 0 };
    t.same([calls, errors, timed], [total.tools[name]!.calls, total.tools[name]!.errors, tt.timed], `${name}`);
    const last = values(row).pop();
    t.equal(last, tt.ms, `${name}: time in all`);
  }
});

t.test('tool time: from the line holding a call to the line holding its result', async (t) => {
  const ms: Record<string, { timed: number; ms: number }> = {};
  const calledAt = new Map<string, { name: string; at: number }>();
  for (const raw of readFileSync(F_SMALL, 'utf8').split('\n')) {
    let l: { timestamp?: string; message?: { content?: unknown } };
    try {
      l = JSON.parse(raw) as typeof l;
    } catch {
      continue;
    }
    const at = l.timestamp ? Date.parse(l.timestamp) : NaN;
    const content = Array.isArray(l.message?.content) ? (l.message!.content as Array<Record<string, unknown>>) : [];
    for (const b of content) {
      if (b.type === 'tool_use') calledAt.set(b.id as string, { name: b.name as string, at });
      if (b.type === 'tool_result') {
        const call = calledAt.get(b.tool_use_id as string);
        if (!call) continue;
        calledAt.delete(b.tool_use_id as string);
        const e = (ms[call.name] ??= { timed: 0, ms: 0 });
        e.timed++;
        e.ms += at - call.at;
      }
    }
  }
  t.ok(Object.keys(ms).length >= 2, 'the oracle timed some tools');
  const { sessions } = await json(['bc3bf53b']);
  t.same(sessions[0]!.tool_time, ms);
});

t.test('filters select the same sessions as stats --json', async (t) => {
  for (const args of [['--project', 'devenv'], ['--since', '2026-01-20'], ['--harness', 'codex'], ['bc3bf53b', '5a3bb1c8']]) {
    const { sessions } = await json(args);
    const html = await page(args, 'filtered.html');
    t.same(
      tableRows(html, 'sessions-table').map(keyOf),
      sessions.map((s) => `session:${s.ref}`),
      args.join(' '),
    );
    for (const c of charts(html)) t.equal(c.points, c.rows, `${args.join(' ')}: ${c.chart}`);
    t.match(html, args[0]!.startsWith('--') ? `${args[0]} ${args[1]}` : args.join(' '), 'the filters are named on the page');
  }
});

t.test('a Codex session without token counts, and a single session', async (t) => {
  const html = await page([CODEX], 'codex.html');
  t.match(html, /No token counts in these sessions/);
  const list = charts(html);
  t.same(
    list.filter((c) => c.chart.startsWith('by-')).map((c) => [c.chart, c.points, c.rows]),
    [
      ['by-day-tokens', 0, 0],
      ['by-day-cost', 0, 0],
      ['by-project-tokens', 0, 0],
      ['by-project-cost', 0, 0],
    ],
  );
  const sessions = list.find((c) => c.chart === 'sessions')!;
  t.same([sessions.points, sessions.rows], [1, 1]);
  t.match(html, /class="dot hollow"/, 'its point is hollow: no cost known');
  for (const c of list) t.equal(c.points, c.rows, c.chart);

  const one = await page(['bc3bf53b'], 'one.html');
  for (const c of charts(one)) t.equal(c.points, c.rows, `one session: ${c.chart}`);
  t.equal(tableRows(one, 'sessions-table').length, 1);
});

t.test('beside pages export --all wrote, each session links to its page', async (t) => {
  const r = await run(['export', '--all', '--format', 'html', '-o', 'site']);
  t.equal(r.code, 0, r.stderr);
  const html = await page([], 'site/report.html');
  const rows = tableRows(html, 'sessions-table');
  t.ok(rows.length > 0);
  for (const row of rows) {
    const name = /data-key="session:refs\/sessions\/([^"]+)"/.exec(row)![1]!;
    t.match(row, `<a href="${name}.html">`, `${name}: the row links to its page`);
    t.ok(existsSync(join(cwd, 'site', `${name}.html`)));
    t.match(html, new RegExp(`<a href="${name}\\.html"><circle[^>]*data-key="session:refs/sessions/${name}"`), `${name}: so does its point`);
  }
  // Away from them, nothing links.
  const alone = await page([], 'alone.html');
  t.notMatch(alone, /<a href="[^"#]+\.html"/);
  t.ok(readdirSync(join(cwd, 'site')).includes('report.html'));
});

t.test('bad options and a bad target fail clearly, leaving nothing behind', async (t) => {
  const noHtml = await run(['stats', '-o', 'x.html']);
  t.equal(noHtml.code, 129);
  t.match(noHtml.stderr, /-o\/--output writes the --html page: give --html with it/);
  const both = await run(['stats', '--html', '--json']);
  t.equal(both.code, 129);
  t.match(both.stderr, /json.*html|html.*json/);
  const missing = await run(['stats', '--html', '-o', 'no/such/dir/report.html']);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /^tapes: error: cannot write .*no\/such\/dir\/report\.html: no such directory/);
  t.notMatch(missing.stderr, /\n\s+at /, 'no stack trace');
  const bad = await run(['stats', '--html', '-o', 'bad.html', '--since', 'yesterday-ish']);
  t.not(bad.code, 0);
  t.match(bad.stderr, /--since/);
  t.notOk(existsSync(join(cwd, 'bad.html')), 'no page for a bad filter');
  t.notOk(existsSync(join(cwd, 'x.html')));
  const none = await run(['stats', '--html', 'nosuchsession']);
  t.equal(none.code, 2);
  t.match(none.stderr, /nosuchsession/);
});

t.test('without -o the page goes to standard output', async (t) => {
  const r = await run(['stats', '--html', 'bc3bf53b']);
  t.equal(r.code, 0);
  t.match(r.stdout, /^<!DOCTYPE html>/);
  t.equal(charts(r.stdout).length, 8);
});
