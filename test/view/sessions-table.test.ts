// The sessions table's cell formatting: compact numbers at their unit
// boundaries, and widths counted in code points (a title with emoji or CJK
// is cut and padded as the terminal shows it, one column per code point).
import t from 'tap';
import { Chalk } from 'chalk';
import { formatCompact, renderSessionsTable, type SessionRow } from '../../src/view/sessions-table.js';

t.test('formatCompact at and around each unit boundary', async (t) => {
  const cases: Array<[number, string]> = [
    [0, '0'], [7, '7'], [999, '999'], [1000, '1.0k'], [1049, '1.0k'], [99949, '99.9k'], [99950, '100k'], [999499, '999k'],
    [999500, '1.0M'], [1234567, '1.2M'], [999499999, '999M'], [999500000, '1.0G'], [25000000000, '25.0G'],
  ];
  for (const [n, s] of cases) t.equal(formatCompact(n), s, String(n));
});

t.test('columns line up whatever the titles and paths hold', async (t) => {
  const row = (id: string, title: string, cwd: string): SessionRow => ({
    id, depth: 0, start: '2026-02-15T15:58:39.828Z', duration_ms: 61_000, records: 12, models: ['claude-opus-4-5'], tokens_in: 1500, tokens_out: 20, cost_usd: 0.5, cwd, title,
  });
  const lines = renderSessionsTable(
    [row('aaaa', 'plain title', '/home/me/project'), row('bbbb', 'emoji 😀😀 and 日本語', '/home/me/😀/deep/path'), row('cccc', 'lone \ud800 surrogate', '/x')],
    { chalk: new Chalk({ level: 0 }), timeZone: 'UTC', home: '/home/me', width: 200 },
  );
  t.equal(lines.length, 4, 'a header and three rows');
  const points = (s: string) => [...s].length;
  // The PROJECT column starts at the same code point in every line.
  const at = lines[0]!.indexOf('PROJECT');
  t.ok(at > 0);
  const fromProject = (l: string) => [...l].slice(at).join('');
  t.match(fromProject(lines[1]!), /^~\/project /, 'row 1: PROJECT where the header says');
  t.match(fromProject(lines[2]!), /^~\/😀\/deep\/path /, 'row 2 (emoji in the path): the same column');
  t.match(fromProject(lines[3]!), /^\/x /, 'row 3 (a lone surrogate in the title): the same column');
  const title = lines[0]!.indexOf('TITLE');
  t.match([...lines[2]!].slice(title).join(''), /^emoji 😀😀 and 日本語$/, 'and the title column too');
  t.ok(lines.every((l) => points(l) <= 200), 'no line wider than the width, in code points');
});
