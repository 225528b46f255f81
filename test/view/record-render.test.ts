// A record rendered for reading: wrapping, diffs, each kind of block, the cut
// of long outputs, the header, and the JSON view with blobs read back.
import t from 'tap';
import { rmSync } from 'node:fs';
import { Chalk } from 'chalk';
import { Archive } from '../../src/archive/index.js';
import { writeContent } from '../../src/odb/index.js';
import type { JsonValue } from '../../src/hash/index.js';
import type { EventView } from '../../src/record/index.js';
import { diffLines, eventJson, recordHeader, renderBlocks, renderRecord, splitLines, unifiedDiff, wrapText } from '../../src/view/record-render.js';
import { tempDir } from '../helpers/cli.js';

const dir = tempDir('tapes-render-');
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
await Archive.init({ cwd: dir, env: {} });
const archive = await Archive.open({ cwd: dir, env: {} });
const store = await archive.objects();

const plain = new Chalk({ level: 0 });
const opts = { chalk: plain, width: 80, timeZone: 'UTC' };

function event(content: JsonValue[], over: Partial<EventView> = {}): EventView {
  return { id: 'a'.repeat(64), parent: 'b'.repeat(64), kind: 'assistant', role: 'assistant', time: '2026-01-05T15:30:07.000Z', content, meta: { harness: 'claude-code' }, ...over };
}

t.test('wrapText wraps prose at the width, keeps code and indentation', async (t) => {
  const text = 'one two three four five six seven eight nine ten eleven twelve';
  const lines = wrapText(text, 20);
  t.ok(lines.every((l) => l.length <= 20), lines.join('|'));
  t.equal(lines.join(' '), text, 'no word lost');
  t.same(wrapText('```\n' + 'x '.repeat(30) + '\n```', 20)[1], 'x '.repeat(30), 'fenced code is not wrapped');
  t.same(wrapText('    ' + 'y '.repeat(30), 20), ['    ' + 'y '.repeat(30)], 'indented code is not wrapped');
  t.same(wrapText('  - alpha beta gamma delta', 14), ['  - alpha beta', '  gamma delta']);
  t.same(wrapText('https://example.com/' + 'a'.repeat(30), 20), ['https://example.com/', 'a'.repeat(20), 'a'.repeat(10)], 'a word longer than the line is cut');
});

t.test('diffLines aligns on the longest common subsequence', async (t) => {
  t.same(diffLines(['a', 'b', 'c'], ['a', 'x', 'c']), [
    [' ', 'a'],
    ['-', 'b'],
    ['+', 'x'],
    [' ', 'c'],
  ]);
  t.same(diffLines([], ['n']), [['+', 'n']]);
  t.same(diffLines(['o'], []), [['-', 'o']]);
  t.same(diffLines(['a', 'b', 'c', 'd'], ['b', 'c', 'e']), [
    ['-', 'a'],
    [' ', 'b'],
    [' ', 'c'],
    ['-', 'd'],
    ['+', 'e'],
  ]);
  t.same(splitLines('a\nb\n'), ['a', 'b'], 'a final newline is no extra line');
});

t.test('unifiedDiff: header, hunk, lines', async (t) => {
  t.same(unifiedDiff('/p/x.ts', 'let a = 1;\nkeep();\n', 'let a = 2;\nkeep();\n'), ['--- /p/x.ts', '+++ /p/x.ts', '@@ -1,2 +1,2 @@', '-let a = 1;', '+let a = 2;', ' keep();']);
  t.same(unifiedDiff('/p/new.py', null, 'print(1)\n'), ['--- /dev/null', '+++ /p/new.py', '@@ -0,0 +1,1 @@', '+print(1)']);
});

t.test('a Bash call is a command line; its other arguments follow as comments', async (t) => {
  const lines = await renderBlocks(store, event([{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'git status\ngit diff', description: 'Look' } }]), opts);
  t.same(lines, ['Tool call: Bash (toolu_1)', '    $ git status', '      git diff', '    # description: Look']);
});

t.test('Codex shell calls: exec_command cmd, shell command words', async (t) => {
  const a = await renderBlocks(store, event([{ type: 'tool_use', id: 'c1', name: 'exec_command', input: { cmd: 'ls -la' } }]), opts);
  t.equal(a[1], '    $ ls -la');
  const b = await renderBlocks(store, event([{ type: 'tool_use', id: 'c2', name: 'shell', input: { command: ['bash', '-lc', 'echo hi'] } }]), opts);
  t.equal(b[1], '    $ echo hi');
  const c = await renderBlocks(store, event([{ type: 'tool_use', id: 'c3', name: 'shell', input: { command: ['rg', '-n', 'two words'] } }]), opts);
  t.equal(c[1], "    $ rg -n 'two words'");
});

t.test('edits are diffs: Edit, MultiEdit (one hunk each), Write (a new file)', async (t) => {
  const edit = await renderBlocks(store, event([{ type: 'tool_use', id: 'e', name: 'Edit', input: { file_path: '/p/a.ts', old_string: 'x = 1', new_string: 'x = 2', replace_all: true } }]), opts);
  t.same(edit, ['Tool call: Edit (e)', '    --- /p/a.ts', '    +++ /p/a.ts', '    @@ -1,1 +1,1 @@', '    -x = 1', '    +x = 2', '    \\ every occurrence (replace_all)']);
  const multi = await renderBlocks(
    store,
    event([{ type: 'tool_use', id: 'm', name: 'MultiEdit', input: { file_path: '/p/a.ts', edits: [{ old_string: 'a', new_string: 'b' }, { old_string: 'c', new_string: 'd\ne' }] } }]),
    opts,
  );
  t.same(multi.slice(1), ['    --- /p/a.ts', '    +++ /p/a.ts', '    @@ -1,1 +1,1 @@', '    -a', '    +b', '    @@ -1,1 +1,2 @@', '    -c', '    +d', '    +e']);
  const write = await renderBlocks(store, event([{ type: 'tool_use', id: 'w', name: 'Write', input: { file_path: '/p/n.py', content: 'a\nb\n' } }]), opts);
  t.same(write.slice(1), ['    --- /dev/null', '    +++ /p/n.py', '    @@ -0,0 +1,2 @@', '    +a', '    +b']);
  const coloured = await renderBlocks(store, event([{ type: 'tool_use', id: 'e', name: 'Edit', input: { file_path: '/p/a.ts', old_string: 'x', new_string: 'y' } }]), { ...opts, chalk: new Chalk({ level: 1 }) });
  t.ok(coloured.includes('\x1b[31m    -x\x1b[39m') && coloured.includes('\x1b[32m    +y\x1b[39m'), 'removed red, added green');
});

t.test('other inputs as indented JSON; a patch text as it is', async (t) => {
  const grep = await renderBlocks(store, event([{ type: 'tool_use', id: 'g', name: 'Grep', input: { pattern: 'x', path: 'src' } }]), opts);
  t.same(grep, ['Tool call: Grep (g)', '    {', '      "pattern": "x",', '      "path": "src"', '    }']);
  const patch = await renderBlocks(store, event([{ type: 'tool_use', id: 'p', name: 'apply_patch', input: '*** Begin Patch\n*** Add File: a.txt\n+hello\n*** End Patch' }]), opts);
  t.same(patch.slice(1), ['    *** Begin Patch', '    *** Add File: a.txt', '    +hello', '    *** End Patch']);
  const none = await renderBlocks(store, event([{ type: 'tool_use', id: 'n', name: 'refresh', input: {} }]), opts);
  t.same(none, ['Tool call: refresh (n)']);
});

t.test('text wrapped and indented, thinking dimmed, blocks separated by an empty line', async (t) => {
  const lines = await renderBlocks(store, event([{ type: 'thinking', thinking: 'Let me think.' }, { type: 'text', text: 'word '.repeat(30).trim() }]), opts);
  t.equal(lines[0], 'Thinking:');
  t.equal(lines[1], '    Let me think.');
  t.equal(lines[2], '');
  t.ok(lines.slice(3).every((l) => l.startsWith('    ') && l.length <= 80));
  const dim = await renderBlocks(store, event([{ type: 'thinking', thinking: 'hmm' }]), { ...opts, chalk: new Chalk({ level: 1 }) });
  t.match(dim[1], /\x1b\[2m/, 'thinking is dimmed');
  const encrypted = await renderBlocks(store, event([{ type: 'thinking', thinking: '' }], { meta: { harness: 'codex', encrypted_reasoning: 'gAAA' } }), opts);
  t.same(encrypted, ['Thinking: (encrypted)']);
});

t.test('tool results: output, error mark, cut at a screenful with the size, --full', async (t) => {
  const ok = await renderBlocks(store, event([{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'line one\nline two', is_error: false }], { kind: 'tool_result' }), opts);
  t.same(ok, ['Tool result: (toolu_1)', '    line one', '    line two']);
  const failed = await renderBlocks(store, event([{ type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'Exit code 1' }], is_error: true }]), opts);
  t.same(failed, ['Tool result: (toolu_2) error', '    Exit code 1']);
  const output = Array.from({ length: 100 }, (_, i) => `row ${i + 1} ${'x'.repeat(20)}`).join('\n');
  const blob = (await writeContent(store, Buffer.from(output))).id;
  const ev = event([{ type: 'tool_result', tool_use_id: 't', content: { $blob: blob }, is_error: false }]);
  const cut = await renderBlocks(store, ev, { ...opts, fullHint: 'tapes show --full aaaaaaa shows everything' });
  t.equal(cut.length, 1 + 40 + 1, 'a title, 40 rows, the notice');
  t.equal(cut[40], `    row 40 ${'x'.repeat(20)}`);
  t.equal(cut[41], `    … 60 more lines (100 lines, ${(Buffer.byteLength(output) / 1024).toFixed(1)} KB in all; tapes show --full aaaaaaa shows everything)`);
  const full = await renderBlocks(store, ev, { ...opts, full: true });
  t.equal(full.length, 101);
  t.equal(full[100], `    row 100 ${'x'.repeat(20)}`);
  const wide = await renderBlocks(store, event([{ type: 'tool_result', tool_use_id: 't', content: 'x'.repeat(80 * 100), is_error: false }]), opts);
  t.equal(wide.length, 3, 'one very long line is cut too');
  t.ok(wide[1]!.length <= 40 * 80);
  const empty = await renderBlocks(store, event([{ type: 'tool_result', tool_use_id: 't', content: '', is_error: false }]), opts);
  t.same(empty, ['Tool result: (t)', '    (no output)']);
});

t.test('images: media type and size', async (t) => {
  const data = Buffer.alloc(3000, 7).toString('base64');
  const lines = await renderBlocks(store, event([{ type: 'image', media_type: 'image/png', source_type: 'base64', data }]), opts);
  t.same(lines, ['Image: image/png, 2.9 KB']);
  const url = await renderBlocks(store, event([{ type: 'image', media_type: null, source_type: 'url', data: 'https://x/y.png' }]), opts);
  t.same(url, ['Image: image, https://x/y.png']);
  const inResult = await renderBlocks(store, event([{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'shot:' }, { type: 'image', media_type: 'image/jpeg', source_type: 'base64', data: 'AAAA' }], is_error: false }]), opts);
  t.same(inResult, ['Tool result: (t)', '    shot:', '    Image: image/jpeg, 3 B']);
});

t.test('header: id, kind, date in the given zone, parent, model, tokens, stop reason', async (t) => {
  const ev = event([], { meta: { harness: 'claude-code', harness_version: '2.1.0', model: 'claude-x', stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 4 } }, source: { format: 'claude-code', line: 7, eol: '\n', text: [] } });
  t.same(recordHeader(ev, { sessions: ['demo'] }, plain, 'UTC'), [
    `record ${'a'.repeat(64)}`,
    'Session: demo',
    'Kind:    assistant',
    'Date:    2026-01-05 15:30:07 +00:00',
    `Parent:  ${'b'.repeat(64)}`,
    'Model:   claude-x',
    'Tokens:  3 in, 4 out',
    'Stop:    end_turn',
    'Source:  claude-code 2.1.0, line 7',
  ]);
  const first = recordHeader(event([], { parent: null, kind: 'tool_result', role: 'user', time: null, meta: {} }), {}, plain);
  t.same(first, [`record ${'a'.repeat(64)}`, 'Kind:   tool_result (role user)', 'Parent: (none: the first record of its chain)']);
  const all = await renderRecord(store, event([{ type: 'text', text: 'hi' }]), {}, opts);
  t.same(all.slice(-2), ['', '    hi'], 'blocks follow the header after an empty line');
});

t.test('eventJson: the normalised record with blobs read back', async (t) => {
  const big = 'z'.repeat(5000);
  const blob = (await writeContent(store, Buffer.from(big))).id;
  const ev = event([{ type: 'text', text: { $blob: blob } }], { meta: { harness: 'claude-code', $$schema: 'kept' }, source: { format: 'claude-code', line: 3, eol: '\n', text: [] } });
  const j = await eventJson(store, ev, 'demo');
  t.same(j, {
    id: 'a'.repeat(64),
    parent: 'b'.repeat(64),
    session: 'demo',
    kind: 'assistant',
    role: 'assistant',
    time: '2026-01-05T15:30:07.000Z',
    content: [{ type: 'text', text: big }],
    meta: { harness: 'claude-code', $schema: 'kept' },
    source: { format: 'claude-code', line: 3, eol: '\n' },
  });
});
