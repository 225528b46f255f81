// The timeline's pieces: elapsed times, one line per record, the header, the
// tree's error and subagent lines, token counts, names, times, sanitising.
import t from 'tap';
import { Chalk } from 'chalk';
import {
  damagedLine,
  formatElapsed,
  formatTokens,
  localTime,
  onelineLine,
  sanitize,
  sessionHeaderLine,
  subagentLine,
  timelineLine,
  TREE,
} from '../../src/view/timeline.js';
import { elapsedOf, recordTokens, type EventSummary } from '../../src/archive/event/index.js';
import { displaySessionName } from '../../src/archive/sessions/index.js';

const summary = (over: Partial<EventSummary> = {}): EventSummary => ({ label: 'tool', text: 'Bash "ls -la"', tools: ['Bash'], toolUseIds: ['t1'], isError: false, ...over });

t.test('formatElapsed: m:ss under an hour, h:mm:ss from an hour, a placeholder without a time', async (t) => {
  t.equal(formatElapsed(0), '[0:00]');
  t.equal(formatElapsed(45_000), '[0:45]');
  t.equal(formatElapsed(45_999), '[0:45]', 'seconds are truncated, not rounded');
  t.equal(formatElapsed(12 * 60_000 + 3_000), '[12:03]');
  t.equal(formatElapsed(59 * 60_000 + 59_000), '[59:59]');
  t.equal(formatElapsed(3_600_000), '[1:00:00]');
  t.equal(formatElapsed(3_600_000 + 2 * 60_000 + 3_000), '[1:02:03]');
  t.equal(formatElapsed(26 * 3_600_000), '[26:00:00]');
  t.equal(formatElapsed(-5_000), '[-0:05]', 'a record before the start');
  t.equal(formatElapsed(null), '[-:--]');
  t.equal(formatElapsed(Number.NaN), '[-:--]');
});

t.test('elapsedOf counts from the start to the record', async (t) => {
  t.equal(elapsedOf({ time: '2026-01-05T15:30:45.000Z' }, '2026-01-05T15:30:00.000Z'), 45_000);
  t.equal(elapsedOf({ time: '2026-01-05T15:30:45.000Z' }, Date.parse('2026-01-05T15:00:00Z')), 30 * 60_000 + 45_000);
  t.equal(elapsedOf({ time: null }, '2026-01-05T15:30:00.000Z'), null);
  t.equal(elapsedOf({ time: '2026-01-05T15:30:45.000Z' }, null), null);
});

t.test('timelineLine: tree prefix, elapsed, id, label, summary; error mark; tokens with stat', async (t) => {
  t.equal(timelineLine({ abbrev: '5f20f81', elapsedMs: 4000, summary: summary() }, { prefix: TREE.mid }), '├── [0:04] 5f20f81 tool: Bash "ls -la"');
  t.equal(
    timelineLine({ abbrev: 'c41b9e0', elapsedMs: 9000, summary: summary({ label: 'tool_result', text: 'Exit code 1', isError: true }) }, { prefix: TREE.last }),
    '└── [0:09] c41b9e0 tool_result ✗: Exit code 1',
  );
  t.equal(timelineLine({ abbrev: 'abcdef0', elapsedMs: null, summary: summary({ label: 'other', text: 'file-history-snapshot' }) }), '[-:--] abcdef0 other: file-history-snapshot');
  const tokens = { input: 120, output: 40, cache_read: 5000, cache_write: 0 };
  t.equal(
    timelineLine({ abbrev: '1234567', elapsedMs: 0, summary: summary({ label: 'assistant', text: 'done' }), tokens }, { stat: true }),
    '[0:00] 1234567 assistant: done  (120 in, 40 out, 5,000 cache read)',
  );
  t.equal(timelineLine({ abbrev: '1234567', elapsedMs: 0, summary: summary({ label: 'assistant', text: 'done' }), tokens }), '[0:00] 1234567 assistant: done', 'tokens only with stat');
});

t.test('timelineLine fits the width by cutting the summary, keeping at least 20 columns of it', async (t) => {
  const long = summary({ label: 'user', text: '"' + 'word '.repeat(40) + '"' });
  const line = timelineLine({ abbrev: '5f20f81', elapsedMs: 0, summary: long }, { prefix: TREE.mid, width: 60 });
  t.equal(line.length, 60);
  t.ok(line.endsWith('…'));
  const deep = timelineLine({ abbrev: '5f20f81', elapsedMs: 0, summary: long }, { prefix: TREE.pipe.repeat(10) + TREE.mid, width: 60 });
  t.ok(deep.length > 60, 'deep lines keep a readable summary');
  t.match(deep, /user: "word word word wor…$/, '20 columns of summary');
});

t.test('control characters in a summary cannot reach the terminal', async (t) => {
  const line = timelineLine({ abbrev: '5f20f81', elapsedMs: 0, summary: summary({ text: 'a\x1b[2Jb\x07c\x1b]0;title\x07d' }) });
  t.notMatch(line, /[\x00-\x08\x0b-\x1f\x7f]/);
  t.equal(line, '[0:00] 5f20f81 tool: ab^Gcd');
  t.equal(sanitize('ok\r\nline\tx\x00'), 'ok\nline\tx^@');
  t.equal(sanitize('\x9b31m'), '\\x9b31m', 'C1 controls too');
});

t.test('onelineLine: no tree, no time', async (t) => {
  t.equal(onelineLine({ abbrev: '5f20f81', elapsedMs: 4000, summary: summary() }), '5f20f81 tool: Bash "ls -la"');
  t.equal(onelineLine({ abbrev: '5f20f81', elapsedMs: 4000, summary: summary({ isError: true, label: 'tool_result', text: 'boom' }) }, { prefix: '  ' }), '  5f20f81 tool_result ✗: boom');
});

t.test('damaged and subagent lines', async (t) => {
  t.equal(damagedLine('9f0c4e1', 'not a zstd frame', { prefix: TREE.mid }), '├── [-:--] 9f0c4e1 error: not a zstd frame');
  t.equal(
    subagentLine({ name: 'agent-showcol1', agentType: 'general-purpose', description: 'Survey the web module' }, { prefix: TREE.pipe + TREE.mid }),
    '│   ├── Subagent agent-showcol1  general-purpose  Survey the web module',
  );
  t.equal(subagentLine({ name: 'agent-x' }), 'Subagent agent-x');
});

t.test('colour only when the chalk instance has a level', async (t) => {
  const plain = timelineLine({ abbrev: '5f20f81', elapsedMs: 0, summary: summary() }, { chalk: new Chalk({ level: 0 }), prefix: TREE.mid });
  t.notMatch(plain, /\x1b/);
  const coloured = timelineLine({ abbrev: '5f20f81', elapsedMs: 0, summary: summary({ isError: true }) }, { chalk: new Chalk({ level: 1 }), prefix: TREE.mid });
  t.match(coloured, /\x1b\[33m5f20f81\x1b\[39m/, 'ids in yellow');
  t.match(coloured, /\x1b\[31mtool ✗\x1b\[39m/, 'errors in red');
  t.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ''), plain.replace('tool:', 'tool ✗:'), 'the same text');
});

t.test('session header: fields that are unknown are left out', async (t) => {
  t.equal(
    sessionHeaderLine({ name: '9be94ee3', model: 'claude-opus-4-5', cwd: '/Users/x/proj', start: '2026-01-05T15:30:12.000Z', timeZone: 'UTC' }),
    'Session 9be94ee3  claude-opus-4-5  /Users/x/proj  2026-01-05 15:30',
  );
  t.equal(sessionHeaderLine({ name: 'demo', start: '2026-01-05T15:30:12.000Z', timeZone: 'Europe/Paris' }), 'Session demo  2026-01-05 16:30');
  t.equal(sessionHeaderLine({ name: 'demo' }), 'Session demo');
});

t.test('local times in a given zone, with seconds and offset', async (t) => {
  t.equal(localTime('2026-01-05T15:30:07.000Z', true, 'UTC'), '2026-01-05 15:30:07 +00:00');
  t.equal(localTime('2026-07-05T15:30:07.000Z', true, 'Europe/Paris'), '2026-07-05 17:30:07 +02:00');
  t.equal(localTime('2026-07-05T15:30:07.000Z', true, 'America/St_Johns'), '2026-07-05 13:00:07 -02:30');
  t.equal(localTime('2026-07-05T15:30:07.000Z', false, 'Asia/Tokyo'), '2026-07-06 00:30');
});

t.test('session names shortened as tapes sessions does', async (t) => {
  const names = ['9be94ee3-aaaa-4bbb-8ccc-000000000000', '0cf3db51-1c73-43bb-8d05-dc02739514a5', '0cf3db51-1c73-43bb-8d05-dc02739514a5-7e6e3ea2ad', 'demo'];
  t.equal(displaySessionName(names[0]!, names), '9be94ee3');
  t.equal(displaySessionName(names[1]!, names), names[1], 'a name that begins another stays whole');
  t.equal(displaySessionName(names[2]!, names), '0cf3db51-1c73-43bb-8d05-dc02739514a5-', 'shortest prefix that begins no other');
  t.equal(displaySessionName('demo', names), 'demo');
});

t.test('token counts of a record, per harness', async (t) => {
  t.same(recordTokens({ meta: { harness: 'claude-code', usage: { input_tokens: 3, output_tokens: 40, cache_read_input_tokens: 100, cache_creation_input_tokens: 7 } } }), {
    input: 3,
    output: 40,
    cache_read: 100,
    cache_write: 7,
  });
  t.same(recordTokens({ meta: { harness: 'codex', usage: { input_tokens: 1000, cached_input_tokens: 800, output_tokens: 5 } } }), { input: 200, output: 5, cache_read: 800, cache_write: 0 });
  t.equal(recordTokens({ meta: {} }), null);
  t.equal(formatTokens({ input: 1234567, output: 0, cache_read: 0, cache_write: 9 }), '1,234,567 in, 0 out, 9 cache write');
});
