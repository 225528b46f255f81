// Bars in the terminal: `tapes sessions` gains TOKENS and SPEND bar columns
// and `tapes stats` a bar per tool and per-day sparklines, only when standard
// output is a terminal; piped output keeps its columns and `--json` is the
// same either way.
import t from 'tap';
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';
import { bar, sparkline } from '../../src/view/bars.js';

const projects = join(corpusDir, 'claude-code', 'projects');
const soph = join(projects, '-Users-soph-Work-entire-devenv-cli');
const files = [join(soph, 'f6833005-7be4-4178-bb37-a0e9feadc36b.jsonl'), join(soph, 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl'), join(soph, 'be437104-4a61-49d9-b754-592ad3e357ce.jsonl')];
const env = { TZ: 'UTC', HOME: '/home/nobody', NO_COLOR: '1' };
const BLOCKS = /[▏▎▍▌▋▊▉█]/;

let cwd = '';
t.before(async () => {
  cwd = tempDir('tapes-bars-');
  await tapes(['init', '-q'], { cwd });
  // Into a pack (as stats.test.ts imports): what is read is the same, without a file created and fsynced per object.
  appendFileSync(join(cwd, '.tapes', 'config'), '[import]\n\tpackAbove = 1\n');
  const r = await tapes(['import', ...files, join(corpusDir, 'codex', 'sessions')], { cwd });
  if (r.code !== 0) throw new Error(r.stderr);
});
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));

const run = (args: string[], tty: boolean) => tapes([...args, '--no-pager'], { cwd, env, tty });

t.test('bar and sparkline', async (t) => {
  t.equal(bar(8, 8, 8), '████████');
  t.equal(bar(4, 8, 8), '████');
  t.equal(bar(1, 16, 8), '▌', 'half a cell');
  t.equal(bar(1, 1e6, 8), '▏', 'a tiny value still shows');
  t.equal(bar(0, 8, 8), '');
  t.equal(bar(null, 8, 8), '');
  t.equal(sparkline([1, 2, 4, 8, null, 0]), '▁▂▄█  ');
});

t.test('sessions: bar columns on a terminal only, as long as the largest value says', async (t) => {
  const tty = await run(['sessions'], true);
  const piped = await run(['sessions'], false);
  t.equal(tty.code, 0);
  const head = tty.stdout.split('\n')[0]!;
  t.match(head, /\bOUT\s+TOKENS\s+COST\s+SPEND\s+PROJECT\b/);
  t.notMatch(piped.stdout.split('\n')[0]!, /TOKENS|SPEND/);
  t.notMatch(piped.stdout, BLOCKS, 'no bars when piped');
  const rows = tty.stdout.trimEnd().split('\n').slice(1);
  const start = head.indexOf('TOKENS');
  const spend = head.indexOf('SPEND');
  const widths = rows.map((r) => ({ tokens: r.slice(start, start + 8).trim(), spend: r.slice(spend, spend + 8).trim(), codex: r.startsWith('019e1695') }));
  t.ok(widths.some((w) => w.tokens === '████████'), 'the largest session fills the column');
  t.ok(widths.some((w) => w.spend === '████████'));
  const codex = widths.find((w) => w.codex)!;
  t.same([codex.tokens, codex.spend], ['', ''], 'no tokens, no cost: no bar');
  const js = await run(['sessions', '--json'], true);
  t.equal(js.stdout, (await run(['sessions', '--json'], false)).stdout, '--json is the same on a terminal');
});

t.test('stats: tool bars and per-day sparklines on a terminal only', async (t) => {
  const tty = await run(['stats'], true);
  const piped = await run(['stats'], false);
  t.equal(tty.code, 0);
  t.match(tty.stdout, /^ {4}Bash\s+\d+\s+█{20}\s+\d+ errors$/m, 'the most called tool fills its bar');
  t.match(tty.stdout, /^ {2}by day:\s+[▁▂▃▄▅▆▇█ ]+\s+tokens per 3 days\s+2026-01-06 → 2026-05-11$/m);
  t.match(tty.stdout, /^ {13}[▁▂▃▄▅▆▇█ ]+\s+cost per 3 days$/m);
  t.notMatch(piped.stdout, /[▁▂▃▄▅▆▇█]/);
  t.notMatch(piped.stdout, /by day:/);
  // Without the bars, the terminal's text is the piped text.
  const strip = (s: string) =>
    s
      .split('\n')
      .filter((l) => !/^ {2}by day:|^ {13}\S/.test(l))
      .map((l) => l.replace(/ {2}[▏▎▍▌▋▊▉█]+ */, '  ').trimEnd())
      .join('\n');
  t.equal(strip(tty.stdout), strip(piped.stdout));
  const js = await run(['stats', '--json'], true);
  t.equal(js.stdout, (await run(['stats', '--json'], false)).stdout, '--json is the same on a terminal');
});
