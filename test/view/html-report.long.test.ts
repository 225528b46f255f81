// The usage report (`tapes stats --html`) and the session page's strip in a
// real browser: Debian's chromium, headless, driven by playwright-core (as
// html-export.long.test.ts does). Every chart has as many marks as its table
// has rows; the marks add up to `stats --json`; hovering a session's point
// shows that session and lights its row; clicking it (beside pages written
// by export --all) opens that session's page; the strip's marks open their
// steps; the bookkeeping toggle shows and hides exactly the folded steps;
// nothing is fetched. The pages render for one session, for a Codex session
// without token counts, and for the scale corpus (timed: under 2 s), and a
// screenshot of each is saved under test-output/report/.
import t, { type Test } from 'tap';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { corpusDir, fullCorpusDir, repoRoot, tapes, tempDir } from '../helpers/cli.js';

const projects = join(corpusDir, 'claude-code', 'projects');
const showcase = join(corpusDir, 'edge-cases', 'daaain__claude-code-log', 'test', 'test_data', 'minimal_showcase');
const SHOWCASE = '55550000-0000-4000-8000-000000000001';
const codexDir = join(corpusDir, 'codex', 'sessions');
const CODEX = '019e1695';
const outDir = join(repoRoot, 'test-output', 'report');
const env = { TZ: 'UTC', HOME: '/home/nobody' };

function chromiumPath(): string {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium']) if (p && existsSync(p)) return p;
  throw new Error('chromium is not installed (apt-get install -y chromium; .ci/run installs it)');
}

const cwd = tempDir('tapes-report-');
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
for (const args of [['init', '-q'], ['import', projects, showcase, codexDir]]) {
  const r = await tapes(args, { cwd, env });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
}
mkdirSync(outDir, { recursive: true });

let browser: Browser;
t.before(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
});
t.teardown(async () => {
  await browser?.close();
});

interface Watch {
  problems: string[];
  requests: string[];
}

async function open(file: string, width = 1280): Promise<{ page: Page; watch: Watch; ms: number }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const watch: Watch = { problems: [], requests: [] };
  page.on('pageerror', (e) => watch.problems.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') watch.problems.push(m.text());
  });
  page.on('request', (req) => {
    if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) watch.requests.push(req.url());
  });
  const start = Date.now();
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  return { page, watch, ms: Date.now() - start };
}

async function statsJson(args: string[], dir = cwd) {
  const r = await tapes(['stats', '--json', ...args], { cwd: dir, env });
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as {
    sessions: Array<{ ref: string; name: string; title: string | null; cost_usd: number | null }>;
    total: { tokens: Record<string, number>; cost_usd: number | null; tool_calls: number };
  };
}

async function report(args: string[], file: string, dir = cwd): Promise<void> {
  const r = await tapes(['stats', '--html', '-o', file, ...args], { cwd: dir, env });
  if (r.code !== 0) throw new Error(r.stderr);
}

/** For every chart on the page: its marks, and the rows of the table(s) it names. */
function chartCounts(page: Page): Promise<Array<{ chart: string; points: number; rows: number }>> {
  // Run in the page (this project's TypeScript has no DOM types, so as text).
  return page.evaluate(`Array.from(document.querySelectorAll('figure[data-chart]')).map(function (f) {
    var rows = f.getAttribute('data-table').split(' ').reduce(function (n, id) {
      var table = document.getElementById(id);
      return n + (table ? table.querySelectorAll('tbody tr').length : 0);
    }, 0);
    return { chart: f.getAttribute('data-chart'), points: f.querySelectorAll('[data-point]').length, rows: rows };
  })`);
}

async function checkCharts(t: Test, page: Page, what: string) {
  const counts = await chartCounts(page);
  t.ok(counts.length >= 8, `${what}: ${counts.length} charts`);
  for (const c of counts) t.equal(c.points, c.rows, `${what}: ${c.chart} has ${c.points} marks for ${c.rows} rows`);
}

t.test('the report: marks match tables and stats --json; hovering a session shows it', async (t) => {
  const file = join(outDir, 'report.html');
  await report([], file);
  const { sessions, total } = await statsJson([]);
  const { page, watch } = await open(file);
  await checkCharts(t, page, 'report');
  const sum = (chart: string) => page.$$eval(`figure[data-chart="${chart}"] [data-point]`, (els) => els.reduce((a, e) => a + Number(e.getAttribute('data-value')), 0));
  t.equal(await sum('by-day-tokens'), total.tokens.input! + total.tokens.cache_read! + total.tokens.cache_write! + total.tokens.output!, 'day bars add up to the total tokens');
  t.equal(await sum('by-project-tokens'), await sum('by-day-tokens'), 'so do the project bars');
  t.ok(Math.abs((await sum('by-day-cost')) - total.cost_usd!) < 1e-4, 'and the cost bars to the total cost');
  t.equal(await sum('tools'), total.tool_calls, 'tool bars add up to the tool calls');
  const keys = await page.$$eval('figure[data-chart="sessions"] [data-point]', (els) => els.map((e) => e.getAttribute('data-key')));
  t.same(keys.sort(), sessions.map((s) => `session:${s.ref}`).sort(), 'one point per session');

  // Hover the most expensive session: the box names it and its first prompt, and its row lights up.
  const top = [...sessions].sort((a, b) => (b.cost_usd ?? 0) - (a.cost_usd ?? 0))[0]!;
  const dot = page.locator(`figure[data-chart="sessions"] [data-key="session:${top.ref}"]`);
  await dot.hover({ force: true });
  const tip = page.locator('#tip');
  t.ok(await tip.isVisible(), 'the hover box shows');
  const text = (await tip.textContent()) ?? '';
  t.ok(text.startsWith(top.name), `it names ${top.name}`);
  if (top.title) t.ok(text.includes(top.title.slice(0, 40)), 'and its first prompt');
  t.equal(await page.locator(`#sessions-table tr.lit`).getAttribute('data-key'), `session:${top.ref}`, 'its row is lit');
  await page.screenshot({ path: join(outDir, 'report-hover.png') });
  await page.mouse.move(0, 0);
  t.notOk(await tip.isVisible(), 'and goes away');
  await page.screenshot({ path: join(outDir, 'report.png'), fullPage: true });
  t.ok(statSync(join(outDir, 'report.png')).size > 10_000, 'screenshot saved');
  t.same(watch.problems, [], 'no script errors');
  t.same(watch.requests, [], 'nothing fetched from the network');
  await page.close();
});

t.test('beside export --all: clicking a session opens its page', async (t) => {
  const site = join(cwd, 'site');
  const r = await tapes(['export', '--all', '--format', 'html', '-o', site], { cwd, env });
  t.equal(r.code, 0, r.stderr);
  await report([], join(site, 'report.html'));
  const { sessions } = await statsJson([]);
  const { page, watch } = await open(join(site, 'report.html'));
  const target = sessions.find((s) => s.title) ?? sessions[0]!;
  await page.locator(`figure[data-chart="sessions"] [data-key="session:${target.ref}"]`).click({ force: true });
  await page.waitForURL(`**/${target.name}.html`);
  t.ok(page.url().endsWith(`/site/${target.name}.html`), `opened ${page.url()}`);
  t.match(await page.locator('#side h1').textContent(), `Session ${target.name}`);
  t.same(watch.requests, []);
  await page.close();
});

t.test('the session page: the strip opens steps; the toggle shows and hides the bookkeeping', async (t) => {
  const file = join(outDir, 'session.html');
  const r = await tapes(['export', 'f6833005', '--format', 'html', '-o', file], { cwd, env });
  t.equal(r.code, 0, r.stderr);
  const { page, watch } = await open(file, 1400);
  const counts = await chartCounts(page);
  t.same(counts.map((c) => c.chart), ['strip']);
  t.equal(counts[0]!.points, counts[0]!.rows, `${counts[0]!.points} turns drawn, ${counts[0]!.rows} in the table`);

  // A turn's bar opens its prompt.
  const turn = page.locator('#strip svg [data-key="turn:3"]');
  const first = (await page.locator('#turns-table tr[data-key="turn:3"] a').getAttribute('data-target'))!;
  await turn.click({ force: true });
  t.equal(await page.locator('section.step.current').getAttribute('id'), first, 'the turn’s first step is current');
  t.equal(await page.locator(`#${first} > details`).evaluate((d) => (d as unknown as { open: boolean }).open), true, 'and open');
  t.ok(await page.locator(`#${first}`).isVisible());

  // A failure's mark opens the failed result.
  const errMark = page.locator('#strip svg [data-mark="error"]').first();
  const errTarget = (await errMark.evaluate((e) => e.closest('a')!.getAttribute('data-target')))!;
  await errMark.click({ force: true });
  t.equal(await page.locator('section.step.current').getAttribute('id'), errTarget);
  t.match(await page.locator(`#${errTarget}`).getAttribute('class'), /\berror\b/, 'a step marked as failed');
  await page.screenshot({ path: join(outDir, 'session-strip.png') });

  // Bookkeeping: folded at first, shown by the button, folded again.
  const noise = page.locator('section.step.noise');
  const n = await noise.count();
  t.ok(n > 0, `${n} bookkeeping steps`);
  const shown = () => page.$$eval('section.step.noise', (els) => els.filter((e) => (e as unknown as { offsetParent: unknown }).offsetParent !== null).length);
  const others = () => page.$$eval('section.step:not(.noise)', (els) => els.filter((e) => (e as unknown as { offsetParent: unknown }).offsetParent !== null).length);
  const before = await others();
  t.equal(await shown(), 0, 'all folded');
  const button = page.locator('#noise');
  t.equal(await button.textContent(), `Show ${n} bookkeeping records`);
  await button.click();
  t.equal(await shown(), n, 'the button shows every one');
  t.equal(await others(), before, 'and nothing else changes');
  t.equal(await button.textContent(), `Hide ${n} bookkeeping records`);
  t.equal(await page.locator('#timeline li.noise').first().isVisible(), true, 'their timeline entries too');
  await page.screenshot({ path: join(outDir, 'session-noise-shown.png') });
  await button.click();
  t.equal(await shown(), 0, 'folded again');
  // j/k skip folded steps.
  await page.locator('#main').click({ position: { x: 5, y: 5 } });
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('j');
    t.notMatch(await page.locator('section.step.current').getAttribute('class'), /\bnoise\b/, 'j never lands on a folded step');
  }
  t.same(watch.problems, []);
  t.same(watch.requests, []);
  await page.close();
});

t.test('subagents: a lane each, and a lane opens its thread', async (t) => {
  const file = join(outDir, 'showcase.html');
  const r = await tapes(['export', SHOWCASE, '--format', 'html', '-o', file], { cwd, env });
  t.equal(r.code, 0, r.stderr);
  const { page, watch } = await open(file);
  t.equal(await page.locator('#strip svg [data-lane]').count(), 2);
  t.equal(await page.locator('#lanes-table tbody tr').count(), 2);
  const lane = page.locator('#strip svg [data-lane="2"]');
  const target = (await lane.evaluate((e) => e.closest('a')!.getAttribute('data-target')))!;
  await lane.click({ force: true });
  t.equal(await page.locator('section.step.current').getAttribute('id'), target);
  t.ok(await page.locator(`.thread #${target}`).isVisible(), 'the step inside the subagent’s thread shows');
  t.notOk(await page.locator('#noise').count(), 'nothing to fold, no button');
  t.same(watch.problems, []);
  await page.screenshot({ path: join(outDir, 'showcase-strip.png') });
  await page.close();
});

t.test('one session, and a Codex session without token counts, render', async (t) => {
  for (const [name, args] of [
    ['one', ['bc3bf53b']],
    ['codex', [CODEX]],
  ] as const) {
    const file = join(outDir, `report-${name}.html`);
    await report([...args], file);
    const { page, watch } = await open(file);
    await checkCharts(t, page, name);
    t.equal(await page.locator('#sessions-table tbody tr').count(), 1);
    if (name === 'codex') t.ok(await page.locator('text=No token counts in these sessions').first().isVisible());
    t.same(watch.problems, [], `${name}: no script errors`);
    await page.screenshot({ path: join(outDir, `report-${name}.png`), fullPage: true });
    await page.close();
    const pageFile = join(outDir, `session-${name}.html`);
    const e = await tapes(['export', args[0], '--format', 'html', '-o', pageFile], { cwd, env });
    t.equal(e.code, 0, e.stderr);
    const s = await open(pageFile);
    t.ok(await s.page.locator('#strip svg').isVisible(), `${name}: the strip shows`);
    t.same(s.watch.problems, []);
    await s.page.close();
  }
});

t.test('the scale corpus: every session on one page, rendered in under 2 s', async (t) => {
  const corpus = fullCorpusDir();
  const work = tempDir('tapes-report-scale-');
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const unpack = spawnSync('sh', ['-c', `zstd -q -d --long=30 -c '${join(corpus, 'scale', 'entire-522.tar.zst')}' | tar -x -C '${work}'`]);
  t.equal(unpack.status, 0, String(unpack.stderr));
  const dir = join(work, 'arch');
  mkdirSync(dir);
  t.equal((await tapes(['init', '-q'], { cwd: dir, env })).code, 0);
  // The corpus holds files that are not Claude Code or Codex transcripts (Gemini sessions): import
  // refuses them by name and exits 1, having imported the rest.
  const imported = await tapes(['import', join(work, 'entire')], { cwd: dir, env });
  t.ok(imported.code === 0 || (imported.code === 1 && /refused/.test(imported.stderr)), `import: ${imported.stderr.slice(0, 300)}`);
  t.match(imported.stdout + imported.stderr, /imported \d+ of 522 files/);
  rmSync(join(work, 'entire'), { recursive: true, force: true });
  const { sessions, total } = await statsJson([], dir);
  t.ok(sessions.length > 500, `${sessions.length} sessions`);
  const file = join(outDir, 'report-scale.html');
  await report([], file, dir);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { page, watch, ms } = await open(file);
    times.push(ms);
    if (i === 0) {
      await checkCharts(t, page, 'scale');
      t.equal(await page.locator('figure[data-chart="sessions"] [data-point]').count(), sessions.length, 'a point per session');
      const tokens = await page.$$eval('figure[data-chart="by-day-tokens"] [data-point]', (els) => els.reduce((a, e) => a + Number(e.getAttribute('data-value')), 0));
      t.equal(tokens, total.tokens.input! + total.tokens.cache_read! + total.tokens.cache_write! + total.tokens.output!);
      t.same(watch.problems, []);
      t.same(watch.requests, []);
      await page.screenshot({ path: join(outDir, 'report-scale.png'), fullPage: true });
    }
    await page.close();
  }
  const best = Math.min(...times);
  t.comment(`scale report: ${sessions.length} sessions, ${statSync(file).size} bytes, loaded in ${times.join(', ')} ms`);
  t.ok(best < 2000, `rendered in ${best} ms (under 2 s)`);
});
