// tapes show end to end on real transcripts: the header and each kind of
// block, long outputs cut and --full, --raw, --source, --json, a session name,
// several revisions, bad revisions, colour, a damaged record.
import t from 'tap';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const edge = join(corpusDir, 'edge-cases');
const testData = join(edge, 'daaain__claude-code-log', 'test', 'test_data');
const REAL = 'bc3bf53b-19fe-4209-b30a-a1acffaf6703';
const realFile = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', `${REAL}.jsonl`);
/** Eight lines: a Write, a Bash commit and their results. */
const sampleFile = join(edge, 'simonw__claude-code-transcripts', 'tests', 'sample_session.jsonl');
const malformed = join(testData, 'codex', 'malformed', 'rollout-66666666-6666-4666-8666-666666666666.jsonl');
const SHOWCASE = '55550000-0000-4000-8000-000000000001';

const env = { TZ: 'UTC' };
const cwd = tempDir('tapes-show-');
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
for (const args of [['init', '-q'], ['import', realFile, sampleFile, malformed, join(testData, 'minimal_showcase')]]) {
  const r = await tapes(args, { cwd, env });
  if (r.code !== 0 && !/problem/.test(r.stderr)) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
}

async function run(args: string[], extra: Record<string, string> = {}, dir = cwd) {
  return tapes(args, { cwd: dir, env: { ...env, ...extra } });
}

async function show(...args: string[]): Promise<string[]> {
  const r = await run(['show', ...args]);
  if (r.code !== 0) throw new Error(`tapes show ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout.split('\n').slice(0, -1);
}

async function ids(rev: string): Promise<string[]> {
  return (await run(['rev-list', '--reverse', rev])).stdout.trim().split('\n');
}

/** The id of the first record of `rev` whose one-line summary matches. */
async function find(rev: string, pattern: RegExp): Promise<string> {
  const line = (await run(['log', '--oneline', '--all-records', rev])).stdout.split('\n').find((l) => pattern.test(l));
  if (!line) throw new Error(`no record of ${rev} matches ${pattern}`);
  return (await run(['rev-parse', line.split(' ')[0]!])).stdout.trim();
}

t.test('a Bash call: the header, then the command as a command line', async (t) => {
  const id = await find('sample_session', /tool: Bash/);
  const all = await ids('sample_session');
  const out = await show(id.slice(0, 7));
  t.same(out, [
    `record ${id}`,
    'Session: sample_session',
    'Kind:    assistant',
    'Date:    2025-12-24 10:00:15 +00:00',
    `Parent:  ${all[all.indexOf(id) - 1]}`,
    'Source:  claude-code, line 5',
    '',
    'Tool call: Bash (toolu_002)',
    "    $ git add . && git commit -m 'Add hello function'",
    '    # description: Commit changes',
  ]);
});

t.test('the header carries model, tokens and stop reason when the record has them', async (t) => {
  const id = await find(REAL, /tool: Edit .*mise\.toml/);
  const out = await show(id);
  t.equal(out[0], `record ${id}`);
  t.equal(out[1], `Session: ${REAL}`);
  t.equal(out[5], 'Model:   claude-opus-4-5-20251101');
  t.match(out[6], /^Tokens:  \d[\d,]* in, \d[\d,]* out(, [\d,]+ cache read)?(, [\d,]+ cache write)?$/);
  t.match(out.join('\n'), /\nSource:  claude-code 2\.1\.\d+, line \d+\n/);
});

t.test('an Edit is a unified diff: - for the old text, + for the new', async (t) => {
  const id = await find(REAL, /tool: Edit .*mise\.toml/);
  const out = await show(id);
  const at = out.findIndex((l) => l.startsWith('Tool call: Edit ('));
  t.same(out.slice(at + 1), [
    '    --- /Users/soph/Work/entire/devenv/cli/mise.toml',
    '    +++ /Users/soph/Work/entire/devenv/cli/mise.toml',
    '    @@ -1,1 +1,1 @@',
    "    -go = { version = '1.25.5'",
    "    +go = { version = '1.25.6'",
  ]);
  const write = await show(await find('sample_session', /tool: Write/));
  t.ok(write.includes('    I\'ll create that function for you.'), 'the text block before the call');
  t.same(write.slice(write.indexOf('    --- /dev/null')), ['    --- /dev/null', '    +++ /project/hello.py', '    @@ -0,0 +1,2 @@', '    +def hello():', "    +    return 'Hello, World!'"]);
});

t.test('a failed tool result says error; text blocks are wrapped', async (t) => {
  const failed = await show(await find(REAL, /tool_result ✗/));
  const at = failed.findIndex((l) => l.startsWith('Tool result: ('));
  t.match(failed[at], /^Tool result: \(toolu_\w+\) error$/);
  t.match(failed[at + 1], /^    <tool_use_error>File has not been read yet/);
  const prompt = await show(await find(REAL, /user: "can you update go/));
  t.equal(prompt[prompt.length - 1], '    can you update go in all the right places to 1.25.6');
  const thinking = await show(await find(REAL, /thinking: The user wants/));
  const th = thinking.indexOf('Thinking:');
  t.ok(th > 0);
  t.ok(thinking.slice(th + 1).every((l) => l === '' || (l.startsWith('    ') && l.length <= 80)), 'wrapped at 80 columns');
  const coloured = await run(['show', await find(REAL, /thinking: The user wants/)], { FORCE_COLOR: '1' });
  t.match(coloured.stdout, /\x1b\[2m\x1b\[3m    The user wants/, 'thinking dimmed');
});

t.test('a long output is cut at a screenful with its size; --full shows all of it', async (t) => {
  const id = await find(REAL, /tool_result: 1→\[tools\]/);
  const json = JSON.parse((await run(['show', '--json', id])).stdout) as { content: Array<{ content: string }> };
  const output = json.content[0]!.content;
  const outputLines = output.replace(/\n$/, '').split('\n');
  const total = outputLines.length;
  t.ok(total > 60, `${total} lines`);
  const out = await show(id);
  const at = out.findIndex((l) => l.startsWith('Tool result:'));
  const body = out.slice(at + 1);
  // 40 terminal rows of 80 columns: a line longer than 80 takes two.
  const shown: string[] = [];
  let rows = 0;
  for (const l of outputLines.map((x) => (x ? '    ' + x : ''))) {
    const need = Math.max(1, Math.ceil(l.length / 80));
    if (rows + need > 40) break;
    shown.push(l);
    rows += need;
  }
  t.ok(shown.length >= 30 && shown.length < 40, `${shown.length} lines fill the screen`);
  t.same(body.slice(0, shown.length), shown);
  const notice = body[body.length - 1]!;
  const more = total - shown.length;
  t.equal(notice, `    … ${more} more lines (${total} lines, ${(Buffer.byteLength(output) / 1024).toFixed(1)} KB in all; tapes show --full ${id.slice(0, 7)} shows everything)`);
  t.ok(body.length <= shown.length + 2, 'at most a part of the next line before the notice');
  const full = await show('--full', id);
  t.same(full.slice(at + 1), outputLines.map((l) => (l ? '    ' + l : '')));
});

t.test('--raw is the stored record, byte for byte what cat-object prints', async (t) => {
  const id = await find(REAL, /tool_result: 1→\[tools\]/);
  const raw = await run(['show', '--raw', id]);
  t.equal(raw.code, 0);
  t.same(raw.stdoutBytes, (await run(['cat-object', id])).stdoutBytes);
  t.match(raw.stdout, /"\$blob"/, 'blob references left as stored');
});

t.test('--source is the original line of the file', async (t) => {
  const fileLines = readFileSync(realFile).toString('binary').split('\n');
  for (const pattern of [/tool_result: 1→\[tools\]/, /user: "can you update go/, /other: file-history-snapshot/]) {
    const id = await find(REAL, pattern);
    const src = await run(['show', '--source', id]);
    t.equal(src.code, 0);
    const line = (JSON.parse((await run(['show', '--json', id])).stdout) as { source: { line: number } }).source.line;
    t.equal(src.stdoutBytes.toString('binary'), fileLines[line - 1], `line ${line}`);
  }
});

t.test('--json: the normalised record with blobs read back', async (t) => {
  const id = await find(REAL, /tool_result: 1→\[tools\]/);
  const r = await run(['show', '--json', id]);
  t.equal(r.code, 0);
  t.notMatch(r.stdout, /\$blob/);
  t.equal(r.stdout.split('\n').length, 2, 'one line');
  const j = JSON.parse(r.stdout) as Record<string, unknown>;
  t.same(Object.keys(j), ['id', 'parent', 'session', 'kind', 'role', 'time', 'content', 'meta', 'source']);
  t.equal(j.id, id);
  t.equal(j.session, REAL);
  t.equal(j.kind, 'tool_result');
  const original = JSON.parse((await run(['show', '--source', id])).stdout) as { message: { content: unknown[] }; timestamp: string };
  t.same((j.content as Array<{ content: unknown }>)[0]!.content, (original.message.content[0] as { content: unknown }).content);
  t.equal(j.time, new Date(original.timestamp).toISOString());
  const log = (await run(['log', '--json', REAL])).stdout.split('\n').find((l) => l.includes(`"id":"${id}"`));
  t.equal(r.stdout, log + '\n', 'the same object as log --json');
});

t.test('a session name: the session summary, then its first record', async (t) => {
  const all = await ids('sample_session');
  const out = await show('sample_session');
  t.same(out.slice(0, 11), [
    'session sample_session',
    'Records:  8',
    'Start:    2025-12-24 10:00:00 +00:00',
    'Duration: 1m05s',
    'Harness:  claude-code',
    'Project:  /project',
    'Branch:   main',
    'Title:    Create a hello world function',
    'Tokens:   0 in, 0 out',
    'Tools:    2 calls, 0 failed',
    '',
  ]);
  t.equal(out[11], `record ${all[0]}`);
  t.equal(out[out.length - 1], '    Test session for JSONL parsing');
  const agents = await show(SHOWCASE);
  t.ok(agents.includes('Agents:   agent-showcol1, agent-showcol2'));
  t.same((await run(['show', '--raw', 'sample_session'])).stdoutBytes, (await run(['cat-object', all[0]!])).stdoutBytes, '--raw of a session: its first record');
  const j = JSON.parse((await run(['show', '--json', 'sample_session'])).stdout) as { id: string; session_summary: { records: number; name: string } };
  t.equal(j.id, all[0]);
  t.equal(j.session_summary.records, 8);
  t.equal(j.session_summary.name, 'sample_session');
  const head = await run(['show', 'sample_session~0']);
  t.match(head.stdout, new RegExp(`^record ${all[all.length - 1]}\n`), 'a record of the session (not its name) shows that record');
});

t.test('several revisions: each in turn', async (t) => {
  const all = await ids('sample_session');
  const out = (await run(['show', all[1]!, all[2]!])).stdout;
  t.match(out, new RegExp(`^record ${all[1]}\n[\\s\\S]*\n\nrecord ${all[2]}\n`));
  const raw = await run(['show', '--raw', all[1]!, all[2]!]);
  const one = (await run(['cat-object', all[1]!])).stdout;
  const two = (await run(['cat-object', all[2]!])).stdout;
  t.equal(raw.stdout, `${one}\n${two}\n`, 'with several, each followed by a newline');
  const json = (await run(['show', '--json', all[1]!, '--', all[2]!])).stdout.trimEnd().split('\n');
  t.same(json.map((l) => (JSON.parse(l) as { id: string }).id), [all[1], all[2]], 'revisions after -- too');
});

t.test('records of subagents, unparsed lines, blobs', async (t) => {
  const agentRec = (await ids(`agents/${SHOWCASE}/agent-showcol2`))[1]!;
  const out = await show(agentRec);
  t.equal(out[1], `Session: agents/${SHOWCASE}/agent-showcol2`);
  t.ok(out.includes('Agent:   showcol2'));
  const bad = await find('66666666', /unparsed/);
  const un = await show(bad);
  t.ok(un.includes('Problem: not JSON'));
  t.same(un.slice(-2), ['Line: (25 B, as found)', '    {synthetic malformed json']);
  const raw = (await run(['cat-object', await find(REAL, /tool_result: 1→\[tools\]/)])).stdout;
  const blob = /"\$blob":"([0-9a-f]{64})"/.exec(raw)![1]!;
  const content = await run(['show', blob]);
  t.equal(content.stdout, (await run(['cat-object', blob])).stdout, 'a blob prints its content');
});

t.test('bad revisions exit 2 and print nothing', async (t) => {
  const amb = await run(['show', '5555']);
  t.equal(amb.code, 2);
  t.equal(amb.stdout, '');
  t.match(amb.stderr, /ambiguous/);
  t.match(amb.stderr, /candidates/);
  const some = await run(['show', 'sample_session', 'nope']);
  t.equal(some.code, 2);
  t.equal(some.stdout, '');
  const none = await run(['show']);
  t.equal(none.code, 129);
  const both = await run(['show', '--raw', '--json', 'sample_session']);
  t.equal(both.code, 129);
});

t.test('colour: only when asked for or on a terminal', async (t) => {
  const id = await find(REAL, /tool: Edit .*mise\.toml/);
  t.notMatch((await run(['show', id])).stdout, /\x1b\[/, 'none in a pipe');
  const forced = await run(['show', id], { FORCE_COLOR: '1' });
  t.match(forced.stdout, /\x1b\[33mrecord /);
  t.match(forced.stdout, /\x1b\[31m    -go = /, 'removed lines red');
  t.match(forced.stdout, /\x1b\[32m    \+go = /, 'added lines green');
  t.equal(forced.stdout.replace(/\x1b\[[0-9;]*m/g, ''), (await run(['show', id])).stdout);
  t.notMatch((await run(['show', id], { NO_COLOR: '1' })).stdout, /\x1b\[/);
  t.notMatch((await run(['show', '--color=never', id], { FORCE_COLOR: '1' })).stdout, /\x1b\[/);
});

t.test('a damaged record is an error (exit 1), not garbage', async (t) => {
  const dir = tempDir('tapes-show-damaged-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await tapes(['init', '-q'], { cwd: dir });
  await tapes(['import', sampleFile], { cwd: dir });
  const all = await ids('sample_session');
  const file = join(dir, '.tapes', 'objects', all[3]!.slice(0, 2), all[3]!.slice(2));
  chmodSync(file, 0o644);
  writeFileSync(file, 'garbage');
  const r = await run(['show', all[3]!], {}, dir);
  t.equal(r.code, 1);
  t.equal(r.stdout, '');
  t.match(r.stderr, all[3]!);
});
