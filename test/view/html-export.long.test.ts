// The HTML export opens and works in a real browser: Debian's chromium,
// headless, driven by playwright-core. Every record of the session (its
// subagents' too) is on the page, a step opens when clicked, j/k move between
// steps, the search box keeps only the steps that hold the text (opening the
// step whose subagent thread holds it), nothing is fetched from the network,
// and a screenshot is saved under test-output/ (ignored by git).
import t from 'tap';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { corpusDir, repoRoot, tapes, tempDir } from '../helpers/cli.js';

const edge = join(corpusDir, 'edge-cases', 'daaain__claude-code-log', 'test', 'test_data');
const SHOWCASE = '55550000-0000-4000-8000-000000000001';
const REAL = 'bc3bf53b-19fe-4209-b30a-a1acffaf6703';
const realFile = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', `${REAL}.jsonl`);
const outDir = join(repoRoot, 'test-output', 'html-export');

/** Debian's chromium: the binary itself (the /usr/bin wrapper only adds flags). */
function chromiumPath(): string {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium']) if (p && existsSync(p)) return p;
  throw new Error('chromium is not installed (apt-get install -y chromium; .ci/run installs it)');
}

const cwd = tempDir('tapes-html-');
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
for (const args of [['init', '-q'], ['import', join(edge, 'minimal_showcase'), realFile]]) {
  const r = await tapes(args, { cwd, env: { TZ: 'UTC' } });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
}
mkdirSync(outDir, { recursive: true });

async function ids(rev: string): Promise<string[]> {
  const r = await tapes(['rev-list', rev], { cwd });
  return r.stdout.split('\n').filter(Boolean);
}

let browser: Browser;
t.before(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
});
t.teardown(async () => {
  await browser?.close();
});

t.test('a session with subagents, in the browser', async (t) => {
  const file = join(outDir, 'showcase.html');
  const r = await tapes(['export', SHOWCASE, '--format', 'html', '-o', file], { cwd, env: { TZ: 'UTC' } });
  t.equal(r.code, 0, r.stderr);
  const all = [...(await ids(SHOWCASE)), ...(await ids(`agents/${SHOWCASE}/agent-showcol1`)), ...(await ids(`agents/${SHOWCASE}/agent-showcol2`))];
  t.equal(all.length, 17);

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('request', (req) => {
    if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) requests.push(req.url());
  });
  await page.goto(`file://${file}`);

  // Every record is a step, subagents nested in the step that spawned them.
  const onPage = await page.$$eval('section.step', (els) => els.map((e) => e.getAttribute('data-id')));
  t.same([...onPage].sort(), [...all].sort(), 'every record is on the page, once');
  t.equal(await page.locator('#timeline a[data-target]').count(), 17, 'and in the timeline');
  t.equal(await page.locator('section.step .thread section.step').count(), 6, 'the subagents’ records sit inside the spawning step');
  t.equal(await page.locator('.thread').count(), 2);

  // Closed at first; a click opens a step and shows its content.
  const third = page.locator('main > section.step').nth(2);
  t.equal(await third.locator(':scope > details').evaluate((d) => (d as unknown as { open: boolean }).open), false);
  t.equal(await third.locator('.body').isVisible(), false);
  await third.locator('summary').first().click();
  t.equal(await third.locator(':scope > details').evaluate((d) => (d as unknown as { open: boolean }).open), true);
  t.ok(await third.locator('.tool.result').isVisible(), 'the tool result shows');
  t.match(await third.locator('.tool-head').first().textContent(), /Tool result of mcp__plugin_showcase_example__inspect_repository_structure/);

  // j/k move the current step; o opens it.
  await page.keyboard.press('j');
  t.equal(await page.locator('section.step.current').getAttribute('data-id'), await page.locator('main > section.step').nth(3).getAttribute('data-id'));
  await page.keyboard.press('k');
  await page.keyboard.press('k');
  const current = page.locator('section.step.current');
  t.equal(await current.getAttribute('data-id'), await page.locator('main > section.step').nth(1).getAttribute('data-id'));
  await page.keyboard.press('o');
  t.equal(await current.locator(':scope > details').evaluate((d) => (d as unknown as { open: boolean }).open), true);
  t.ok(await current.locator('pre.lang-json .k').count() > 0, 'tool input highlighted as JSON');
  await page.screenshot({ path: join(outDir, 'showcase-open.png') });

  // The search box: only steps holding the text stay, and the thread that holds one opens.
  await page.fill('#search', 'cleanup');
  const visible = await page.$$eval('section.step:not(.hidden)', (els) => els.map((e) => e.getAttribute('data-id')));
  const matching = await page.$$eval('section.step.match', (els) => els.map((e) => (e.textContent ?? '').toLowerCase()));
  t.ok(matching.length >= 2, `${matching.length} steps match`);
  t.ok(matching.every((text) => text.includes('cleanup')));
  t.ok(visible.length < 17 && visible.length >= matching.length);
  t.match(await page.locator('#count').textContent(), /^\d+ of 17 steps match$/);
  const nested = page.locator('.thread section.step.match').first();
  t.ok(await nested.isVisible(), 'a match inside a subagent thread is shown');
  await page.screenshot({ path: join(outDir, 'showcase-search.png') });
  await page.fill('#search', '');
  t.equal(await page.locator('section.step.hidden').count(), 0, 'clearing the search shows every step again');

  t.same(problems, [], 'no script errors');
  t.same(requests, [], 'nothing fetched from the network');
  t.ok(statSync(join(outDir, 'showcase-search.png')).size > 10_000, 'screenshot saved');
  await page.close();
});

t.test('errors are marked, edits are diffs, commands are highlighted', async (t) => {
  const file = join(outDir, 'real.html');
  const r = await tapes(['export', REAL, '--format', 'html', '-o', file], { cwd, env: { TZ: 'UTC' } });
  t.equal(r.code, 0, r.stderr);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`file://${file}`);
  t.equal(await page.locator('section.step').count(), (await ids(REAL)).length);
  t.equal(await page.locator('section.step.error').count(), 4, 'two failed edits and their two results');
  t.equal(await page.locator('#timeline a.error').count(), 4);
  const edit = page.locator('section.step.error.label-tool').first();
  await edit.locator('summary').first().click();
  t.ok(await edit.locator('pre.lang-diff .da').count() > 0, 'an edit shows as a diff');
  const failed = page.locator('section.step.error.label-tool_result').first();
  await failed.locator('summary').first().click();
  t.ok(await failed.locator('.tool.result.error').isVisible());
  t.match(await failed.locator('.tool-head').textContent(), /✗ error/);
  const bash = page.locator('section.step.label-tool', { hasText: 'Bash' }).first();
  if ((await bash.count()) > 0) {
    await bash.locator('summary').first().click();
    t.ok(await bash.locator('pre.lang-bash').count() > 0, 'a shell command is highlighted as one');
  }
  await page.screenshot({ path: join(outDir, 'real-errors.png'), fullPage: false });
  await page.close();
});
