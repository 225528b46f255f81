// The session page's strip and folded bookkeeping, end to end on real
// transcripts: the turns add up to the session's tokens and cost in
// `stats --json`, every tool call and failed result is marked, each subagent
// thread is a lane, every mark links to a step on the page, and exactly the
// records record/bookkeeping.ts names are folded, with their count on the
// button. The page in Chromium: test/view/html-export.long.test.ts.
import t from 'tap';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';
import { Archive } from '../../src/archive/index.js';
import { isBookkeeping, readEvent } from '../../src/record/index.js';
import { timeAxis } from '../../src/view/html-strip.js';

const soph = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli');
const F_ERRORS = join(soph, 'f6833005-7be4-4178-bb37-a0e9feadc36b.jsonl'); // 78 calls, 10 failed, progress and snapshots
const F_TWO_MODELS = join(soph, '4fec7ea0-3335-43ec-a178-d4ab47d5aef3.jsonl'); // resumed over two days
const showcase = join(corpusDir, 'edge-cases', 'daaain__claude-code-log', 'test', 'test_data', 'minimal_showcase');
const SHOWCASE = '55550000-0000-4000-8000-000000000001';
const codexDir = join(corpusDir, 'codex', 'sessions');
const env = { TZ: 'UTC', HOME: '/home/nobody' };

let cwd = '';
t.before(async () => {
  cwd = tempDir('tapes-strip-');
  await tapes(['init', '-q'], { cwd });
  // Into a pack: what is read is the same, without a file created and fsynced per object.
  appendFileSync(join(cwd, '.tapes', 'config'), '[import]\n\tpackAbove = 1\n');
  const r = await tapes(['import', F_ERRORS, F_TWO_MODELS, showcase, codexDir], { cwd });
  if (r.code !== 0) throw new Error(r.stderr);
});
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));

async function exported(session: string): Promise<string> {
  const file = join(cwd, `${session}.html`);
  const r = await tapes(['export', session, '--format', 'html', '-o', file], { cwd, env });
  if (r.code !== 0) throw new Error(r.stderr);
  return readFileSync(file, 'utf8');
}

async function statsOf(session: string, agents = false) {
  const r = await tapes(['stats', '--json', ...(agents ? ['--agents'] : []), session], { cwd, env });
  return JSON.parse(r.stdout) as { sessions: Array<{ ref: string; tokens: Record<string, number>; cost_usd: number | null; tool_calls: number; tool_errors: number; parent_session: string | null }> };
}

function table(html: string, id: string): string[] {
  const at = html.indexOf(`<table id="${id}">`);
  if (at < 0) return [];
  const body = html.slice(at, html.indexOf('</table>', at));
  return [...body.matchAll(/<tr data-(?:key|lane)="[^"]*">[\s\S]*?<\/tr>/g)].map((m) => m[0]);
}
const values = (row: string) => [...row.matchAll(/<td class="num" data-value="([^"]+)"/g)].map((m) => Number(m[1]));
const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

/** The ids of a chain's records that are bookkeeping, read from the archive. */
async function bookkeeping(session: string): Promise<string[]> {
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const store = await archive.objects();
  const out: string[] = [];
  const list = await tapes(['rev-list', session], { cwd });
  for (const id of list.stdout.split('\n').filter(Boolean)) if (isBookkeeping(await readEvent(store, id))) out.push(id);
  return out;
}

t.test('the turns add up to the session in stats --json; every tool call and failure is marked', async (t) => {
  for (const session of ['f6833005', '4fec7ea0']) {
    const html = await exported(session);
    const s = (await statsOf(session)).sessions[0]!;
    const turns = table(html, 'turns-table');
    t.ok(turns.length > 2, `${session}: ${turns.length} turns`);
    const fig = /<figure data-chart="strip" data-table="turns-table">([\s\S]*?)<\/figure>/.exec(html)![1]!;
    t.equal(count(fig, /\sdata-point[\s>]/g), turns.length, `${session}: one bar per turn`);
    const sum = { input: 0, cache_read: 0, cache_write: 0, output: 0, calls: 0, errors: 0 };
    let soFar = 0;
    for (const row of turns) {
      const [, input, cache_read, cache_write, output, ...rest] = values(row);
      sum.input += input!;
      sum.cache_read += cache_read!;
      sum.cache_write += cache_write!;
      sum.output += output!;
      const [calls, errors] = rest.slice(-2);
      sum.calls += calls!;
      sum.errors += errors!;
      if (rest.length === 4) soFar = rest[1]!;
    }
    t.same({ input: sum.input, cache_read: sum.cache_read, cache_write: sum.cache_write, output: sum.output }, s.tokens, `${session}: tokens`);
    t.ok(Math.abs(soFar - s.cost_usd!) < 1e-5, `${session}: cost so far ends at the session's cost (${soFar} vs ${s.cost_usd})`);
    t.same([sum.calls, sum.errors], [s.tool_calls, s.tool_errors], `${session}: tool calls and errors by turn`);
    t.equal(count(fig, /data-mark="call"/g), s.tool_calls, `${session}: a mark per call`);
    t.equal(count(fig, /data-mark="error"/g), s.tool_errors, `${session}: a mark per failure`);
    // Every link of the strip names a step on the page.
    const targets = [...fig.matchAll(/data-target="r-([0-9a-f]{64})"/g)].map((m) => m[1]!);
    t.ok(targets.length >= turns.length + s.tool_calls);
    for (const id of new Set(targets)) if (!html.includes(`<section class="step`) || !html.includes(`id="r-${id}"`)) t.fail(`${session}: ${id} is not on the page`);
  }
});

t.test('a session resumed the next day: the idle night is drawn short and marked', async (t) => {
  const html = await exported('4fec7ea0');
  const gaps = [...html.matchAll(/<line class="gap"[^>]*><title>([^<]+) idle<\/title>/g)].map((m) => m[1]);
  t.ok(gaps.some((g) => /^\d+h|^\dd/.test(g!)), `long idle stretches are marked: ${gaps.join(', ')}`);
  const a = timeAxis([0, 60_000, 60_000 + 86_400_000], 600_000);
  t.equal(a.span, 60_000 + 600_000, 'a day idle takes ten minutes of axis');
  t.same(a.breaks, [{ at: 60_000 + 300_000, idle: 86_400_000 }]);
  t.equal(a.at(30_000), 30_000);
  t.equal(a.at(60_000 + 43_200_000), 60_000 + 300_000, 'half way through the night is half way across its gap');
});

t.test('subagents are lanes of their own', async (t) => {
  const html = await exported(SHOWCASE);
  const all = await statsOf(SHOWCASE, true);
  const agents = all.sessions.filter((s) => s.parent_session !== null);
  t.equal(agents.length, 2);
  const lanes = table(html, 'lanes-table');
  t.equal(lanes.length, 2);
  t.equal(count(html, /<rect class="lane" data-lane=/g), 2, 'a lane bar per thread');
  for (const a of agents) {
    const name = a.ref.split('/').pop()!;
    const row = lanes.find((r) => r.includes(`>${name}<`));
    t.ok(row, `${name} has a row`);
    const [, tokens, calls, errors] = values(row!);
    t.equal(tokens, a.tokens.input! + a.tokens.cache_read! + a.tokens.cache_write! + a.tokens.output!, `${name}: tokens`);
    t.same([calls, errors], [a.tool_calls, a.tool_errors], `${name}: tools`);
  }
});

t.test('bookkeeping is folded: the records record/bookkeeping.ts names, counted on the button', async (t) => {
  const html = await exported('f6833005');
  const expected = await bookkeeping('f6833005');
  t.ok(expected.length > 0, `${expected.length} bookkeeping records`);
  const folded = [...html.matchAll(/<section class="step[^"]* noise" id="r-([0-9a-f]{64})"/g)].map((m) => m[1]);
  t.same(folded.sort(), [...expected].sort(), 'exactly those steps are marked');
  t.equal(count(html, /<li class="noise">/g), expected.length, 'and their timeline entries');
  t.match(html, new RegExp(`<button id="noise" type="button" aria-pressed="false" data-count="${expected.length}">Show ${expected.length} bookkeeping records</button>`));
  t.match(html, /<body class="fold-noise">/, 'folded by default');

  const plain = await exported(SHOWCASE);
  t.notMatch(plain, /id="noise"/, 'no button when there is nothing to fold');

  // Codex: no usage, so the turns carry no tokens, and the page still renders.
  const codex = await exported('019e1695');
  const turns = table(codex, 'turns-table');
  t.ok(turns.length > 0);
  for (const row of turns) t.same(values(row).slice(1, 5), [0, 0, 0, 0], 'no tokens in a Codex session without usage');
});
