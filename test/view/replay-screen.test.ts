// The replay viewer's screen, as a pure function: position line, the
// timeline beside or above the record, wrapping, scrolling, search seeking,
// prompts, and never a row wider than the terminal.
import t from 'tap';
import { Chalk } from 'chalk';
import { initialState, type ReplayState } from '../../src/view/replay-keys.js';
import { fit, renderScreen, sanitize, visibleWidth, wrap, highlight, type ReplayView } from '../../src/view/replay-screen.js';

const plain = new Chalk({ level: 0 });
const colour = new Chalk({ level: 1 });

const ids = Array.from({ length: 340 }, (_, i) => i.toString(16).padStart(7, '0') + 'f'.repeat(57));
ids[11] = '5f20f81' + 'a'.repeat(57);
const view: ReplayView = {
  title: 'Session 9be94ee3  claude-opus-4-5  /Users/x/proj  2026-01-05 15:30',
  ids,
  elapsed: ids.map((_, i) => `[${Math.floor((i * 4) / 60)}:${String((i * 4) % 60).padStart(2, '0')}]`),
  timeline: ids.map((id, i) => `[${Math.floor((i * 4) / 60)}:${String((i * 4) % 60).padStart(2, '0')}] ${id.slice(0, 7)} tool: Read src/file-${i}.ts`),
};
const at = (index: number, more: Partial<ReplayState> = {}): ReplayState => ({ ...initialState(index), ...more });
const detail = ['record 5f20f81', 'tool  2026-01-05T15:30:44.000Z', '', '▶ Read', '{ "file_path": "src/kafka/producer.ts" }'].join('\n');

t.test('the position line reads "record 12/340 · [0:44] · 5f20f81"', async (t) => {
  const s = renderScreen(view, at(11), detail, { columns: 120, rows: 40 }, plain);
  t.equal(s.lines.length, 40, 'one string per terminal row');
  t.match(s.lines[39], /^record 12\/340 · \[0:44\] · 5f20f81 /);
  t.match(s.lines[39], /q quit$/, 'key hints on the right when there is room');
  const narrow = renderScreen(view, at(11), detail, { columns: 40, rows: 20 }, plain);
  t.equal(narrow.lines[19], 'record 12/340 · [0:44] · 5f20f81', 'no hints when there is no room');
  t.match(renderScreen({ ...view, abbrevs: ids.map((id) => id.slice(0, 9)) }, at(11), detail, { columns: 120, rows: 40 }, plain).lines[39], /^record 12\/340 · \[0:44\] · 5f20f81aa /, 'the id as the timeline abbreviates it');
  t.match(renderScreen(view, at(11, { full: true, message: 'search wrapped (top)' }), detail, { columns: 120, rows: 40 }, plain).lines[39], /^record 12\/340 · \[0:44\] · 5f20f81 · full output · search wrapped \(top\)/);
});

t.test('wide terminals put the timeline beside the record, with the current record marked', async (t) => {
  const s = renderScreen(view, at(11), detail, { columns: 120, rows: 40 }, plain);
  t.equal(s.lines[0], view.title);
  const marked = s.lines.filter((l) => l.startsWith('> '));
  t.equal(marked.length, 1);
  t.match(marked[0], /^> \[0:44\] 5f20f81 tool: Read src\/file-11\.ts +│/);
  t.match(s.lines[1], / │ record 5f20f81$/, 'the record on the right of the first body row');
  t.ok(s.lines.some((l) => l.endsWith('│ ▶ Read')));
  const sep = s.lines[1]!.indexOf('│');
  for (const l of s.lines.slice(1, 39)) if (l.includes('│')) t.equal(l.indexOf('│'), sep, 'the separator is one column');
  // The timeline around record 12: records 1 to 38 fit, the window starts at 1.
  t.match(s.lines[1], /^  \[0:00\] 0000000 /);
});

t.test('the timeline window follows the current record', async (t) => {
  const s = renderScreen(view, at(200), detail, { columns: 120, rows: 40 }, plain);
  const marked = s.lines.findIndex((l) => l.startsWith('> '));
  t.equal(marked, 1 + 19, 'centred in the 38 body rows');
  t.match(s.lines[marked], /^> \[13:20\] 00000c8 /);
  const last = renderScreen(view, at(339), detail, { columns: 120, rows: 40 }, plain);
  t.match(last.lines[38], /^> \[22:36\] 0000153 /, 'the last record on the last body row');
});

t.test('narrow terminals put the timeline above the record', async (t) => {
  const s = renderScreen(view, at(11), detail, { columns: 80, rows: 24 }, plain);
  t.equal(s.lines.length, 24);
  t.notOk(s.lines.some((l) => l.includes('│')), 'no side pane');
  const rule = s.lines.findIndex((l) => /^─+$/.test(l));
  t.ok(rule > 1 && rule < 12, 'a rule between timeline and record');
  t.ok(s.lines.slice(1, rule).some((l) => l.startsWith('> [0:44] 5f20f81')));
  t.equal(s.lines[rule + 1], 'record 5f20f81');
});

t.test('no row is wider than the terminal, whatever the record holds', async (t) => {
  const long = 'word '.repeat(200) + '\n' + 'x'.repeat(500) + '\n' + '表'.repeat(100) + '\n\tindented\x1b[2J\x1b]0;title\x07 and \r done';
  for (const size of [{ columns: 120, rows: 40 }, { columns: 80, rows: 24 }, { columns: 30, rows: 8 }]) {
    for (const state of [at(0), at(11, { mode: 'search', input: 'y'.repeat(300) }), at(339, { message: 'm'.repeat(200) })]) {
      const s = renderScreen(view, state, long, size, colour);
      t.equal(s.lines.length, size.rows);
      for (const l of s.lines) t.ok(visibleWidth(l) <= size.columns, `${visibleWidth(l)} <= ${size.columns}`);
      t.ok(visibleWidth(s.lines[size.rows - 1]!) < size.columns, 'the last row leaves the last column free (no scroll)');
      for (const l of s.lines) t.notMatch(l, /\x1b\[2J|\x1b\]|\r|\t/, 'no cursor control, title, CR or tab from the record');
    }
  }
});

t.test('long records are wrapped and scroll, with where we are on the last row', async (t) => {
  const text = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join('\n');
  const size = { columns: 80, rows: 24 };
  const s = renderScreen(view, at(0), text, size, plain);
  const rule = s.lines.findIndex((l) => /^─+$/.test(l));
  t.equal(s.lines[rule + 1], 'line 1');
  t.match(s.lines[22], /^-- lines 1-\d+ of 100 · space\/b or PgDn\/PgUp to scroll --$/);
  const down = renderScreen(view, at(0, { scroll: 10 }), text, size, plain);
  t.equal(down.lines[rule + 1], 'line 11');
  t.equal(down.scroll, 10);
  const past = renderScreen(view, at(0, { scroll: 1000 }), text, size, plain);
  t.equal(past.scroll, 100 - (22 - rule - 1), 'clamped so the last line is on screen');
  t.match(past.lines[22], /of 100/);
  t.equal(past.lines[21], 'line 100');
  t.ok(s.page > 5, 'a page is about the pane height');
});

t.test('a search seeks the first matching line of the record', async (t) => {
  const text = Array.from({ length: 100 }, (_, i) => (i === 60 ? 'here is the KAFKA topic' : `line ${i + 1}`)).join('\n');
  const s = renderScreen(view, at(0, { seek: 'kafka', query: 'kafka' }), text, { columns: 120, rows: 40 }, plain);
  t.equal(s.scroll, 58, 'two lines of context above the match');
  t.match(s.lines[3], /│ here is the KAFKA topic$/);
  const lit = renderScreen(view, at(0, { seek: 'kafka', query: 'kafka' }), text, { columns: 120, rows: 40 }, colour);
  t.ok(lit.lines.some((l) => l.includes('\x1b[7mKAFKA\x1b[27m')), 'matches are shown in reverse video');
});

t.test('the prompts of / and :', async (t) => {
  t.equal(renderScreen(view, at(0, { mode: 'search', input: 'kafka' }), detail, { columns: 120, rows: 40 }, plain).lines[39], '/kafka ');
  t.equal(renderScreen(view, at(0, { mode: 'jump', input: '5f2' }), detail, { columns: 120, rows: 40 }, plain).lines[39], ':5f2 ');
  const long = renderScreen(view, at(0, { mode: 'search', input: 'a'.repeat(200) + 'END' }), detail, { columns: 60, rows: 20 }, plain).lines[19]!;
  t.match(long, /^\/…a+END $/, 'the end of a long input stays in view');
});

t.test('a record still being read', async (t) => {
  const s = renderScreen(view, at(0), undefined, { columns: 120, rows: 40 }, plain);
  t.match(s.lines[1], /│ \(reading…\)$/);
});

t.test('text helpers: fit, wrap, sanitize, highlight keep colour balanced and widths right', async (t) => {
  t.equal(fit('abcdef', 4), 'abc…');
  t.equal(fit('abc', 4), 'abc');
  t.equal(visibleWidth('表表'), 4);
  t.equal(fit('表表表', 4), '表…');
  const red = colour.red('abcdefghij');
  const cut = fit(red, 5);
  t.equal(visibleWidth(cut), 5);
  t.ok(cut.endsWith('\x1b[0m'), 'cut colour is closed');
  t.same(wrap('aaa bbb ccc ddd', 8), ['aaa bbb', 'ccc ddd'], 'breaks at spaces');
  t.same(wrap('abcdefghijkl', 5), ['abcde', 'fghij', 'kl'], 'hard breaks for a long word');
  t.same(wrap('    aaaa bbbb cccc dddd', 20), ['    aaaa bbbb cccc', '    dddd'], 'continuation rows keep the indentation');
  const wrapped = wrap(colour.red('aaaa bbbb cccc'), 5);
  t.equal(wrapped.length, 3);
  for (const row of wrapped) {
    t.match(row, /^\x1b\[31m/, 'each row opens the colour');
    t.ok(visibleWidth(row) <= 5);
  }
  t.equal(sanitize('a\x1b[31mred\x1b[39m\x1b[2J\x1b[?1049l\x1b]0;t\x07\x07b'), 'a\x1b[31mred\x1b[39mb', 'colour kept, other control dropped');
  t.equal(sanitize('\tx'), '    x');
  t.equal(highlight('a Kafka b', 'kafka', colour), 'a \x1b[7mKafka\x1b[27m b');
  t.equal(highlight(`x ${colour.red('kaf')}ka`, 'kafka', colour), 'x \x1b[31m\x1b[7mkaf\x1b[39mka\x1b[27m', 'across colour');
  t.equal(highlight('a kafka', 'kafka', plain), 'a kafka', 'nothing without colour');
});
