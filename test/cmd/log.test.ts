// tapes log end to end on real transcripts: the tree and its order, elapsed
// times, tool lines and error marks, every selection option, NDJSON, subagents
// under the call that spawned them, the default revision, bad revisions,
// unique abbreviations, colour, and a damaged record in the middle of a chain.
import t, { type Test } from 'tap';
import { chmodSync, cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const edge = join(corpusDir, 'edge-cases', 'daaain__claude-code-log', 'test', 'test_data');
/** 40 lines: a prompt, greps and globs, two edits that fail, reads, the edits again. */
const REAL = 'bc3bf53b-19fe-4209-b30a-a1acffaf6703';
const realFile = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', `${REAL}.jsonl`);
/** A session whose Agent call spawned two subagents (with .meta.json naming the call). */
const SHOWCASE = '55550000-0000-4000-8000-000000000001';
/** A session with a subagent that does not say which call started it. */
const WORKFLOW = '22220000-0000-4000-8000-000000000002';
const codexFile = join(edge, 'codex', 'sessions', '2026', '01', '02', 'rollout-2026-01-02T03-04-05-11111111-1111-4111-8111-111111111111.jsonl');

const env = { TZ: 'UTC' };
const cwd = tempDir('tapes-log-');
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
for (const args of [['init', '-q'], ['import', realFile, join(edge, 'minimal_showcase'), join(edge, 'workflow_scriptpath'), codexFile]]) {
  const r = await tapes(args, { cwd, env });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
}

interface Json {
  id: string;
  parent: string | null;
  session: string | null;
  kind: string;
  role: string | null;
  time: string | null;
  content: Array<Record<string, unknown>>;
  meta: Record<string, unknown>;
  source: { format: string; line: number; eol: string } | null;
}

async function run(args: string[], dir = cwd, extra: Record<string, string> = {}) {
  return tapes(args, { cwd: dir, env: { ...env, ...extra } });
}

async function lines(args: string[]): Promise<string[]> {
  const r = await run(args);
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout.split('\n').slice(0, -1);
}

async function ids(rev: string): Promise<string[]> {
  return (await lines(['rev-list', '--reverse', rev]));
}

async function records(args: string[]): Promise<Json[]> {
  return (await lines(['log', '--all-records', '--json', ...args])).map((l) => JSON.parse(l) as Json);
}

/** The id field of a tree or oneline line. */
function idOf(line: string): string {
  return /(?:^|\] |^ *)([0-9a-f]{7,64}) /.exec(line.replace(/^[│├└─ ]+/, ''))![1]!;
}

t.test('the tree: a header, then one line per record in captured order, the last with └──', async (t) => {
  const out = await lines(['log', '--all-records', REAL]);
  const all = await ids(REAL);
  t.equal(all.length, 40);
  t.equal(out[0], 'Session bc3bf53b  claude-opus-4-5-20251101  /Users/soph/Work/entire/devenv/cli  2026-01-28 21:45');
  t.equal(out.length, 1 + all.length);
  all.forEach((id, i) => {
    const branch = i === all.length - 1 ? '└── ' : '├── ';
    t.match(out[1 + i], new RegExp(`^${branch}\\[(-:--|\\d+:\\d\\d)\\] ${id.slice(0, 7)} [a-z_]+( ✗)?: `), `record ${i + 1}`);
  });
  t.equal(out[1], `├── [-:--] ${all[0]!.slice(0, 7)} other: file-history-snapshot`, 'a record without a time');
  t.equal(out[3], `├── [0:24] 599aa1d user: "can you update go in all the right places to 1.25.6"`);
  t.equal(out[40], '└── [7:16] 4732fa8 progress: hook_progress');
  t.ok(out.slice(1).every((l) => l.length <= 80), 'record lines fit 80 columns when not a terminal');
  const wide = await run(['log', '--all-records', REAL], cwd, { COLUMNS: '200' });
  t.ok(wide.stdout.split('\n').some((l) => l.length > 80), 'COLUMNS widens them');
});

t.test('every abbreviated id resolves to its record', async (t) => {
  const out = await lines(['log', '--all-records', '--oneline', REAL]);
  const all = await ids(REAL);
  for (const [i, line] of out.entries()) {
    const abbrev = idOf(line);
    t.equal((await run(['rev-parse', abbrev])).stdout, all[i] + '\n', abbrev);
  }
});

t.test('tool calls with their key argument; failed results marked ✗, and only those', async (t) => {
  const out = await lines(['log', '--all-records', REAL]);
  t.ok(out.includes('├── [0:29] 15db8d8 tool: Grep "1\\.2[0-9]\\.[0-9]"'));
  t.ok(out.includes('├── [0:30] e943ae9 tool: Glob "**/go.mod"'));
  t.ok(out.includes('├── [0:36] 32594f6 tool: Edit /Users/soph/Work/entire/devenv/cli/mise.toml'));
  t.ok(out.includes('├── [0:40] 741ffc8 tool: Read /Users/soph/Work/entire/devenv/cli/mise.toml'));
  const json = await records([REAL]);
  const failed = json.filter((r) => r.content.some((b) => b.type === 'tool_result' && b.is_error === true)).map((r) => r.id.slice(0, 7));
  t.same(failed, ['e001065', 'eb66d6f']);
  const marked = out.filter((l) => l.includes(' ✗: ')).map(idOf);
  t.same(marked, failed);
  t.match(out.find((l) => l.includes('e001065')), /tool_result ✗: <tool_use_error>File has not been read yet/);
});

t.test('--errors: exactly the failed results and the calls that caused them', async (t) => {
  const json = await records([REAL]);
  const failedUse = new Set(json.flatMap((r) => r.content.filter((b) => b.type === 'tool_result' && b.is_error === true).map((b) => b.tool_use_id)));
  const expected = json.filter((r) => r.content.some((b) => (b.type === 'tool_result' && b.is_error === true) || (b.type === 'tool_use' && failedUse.has(b.id)))).map((r) => r.id);
  t.equal(expected.length, 4);
  t.same((await records(['--errors', REAL])).map((r) => r.id), expected);
  const tree = await lines(['log', '--all-records', '--errors', REAL]);
  t.same(tree.slice(1), [
    '├── [0:36] 32594f6 tool: Edit /Users/soph/Work/entire/devenv/cli/mise.toml',
    '├── [0:37] 09cca5c tool: Edit /Users/soph/Work/entire/devenv/cli/go.mod',
    '├── [0:37] e001065 tool_result ✗: <tool_use_error>File has not been read yet. R…',
    '└── [0:37] eb66d6f tool_result ✗: <tool_use_error>File has not been read yet. R…',
  ]);
});

t.test('--json: one complete record per line, as many as rev-list, blobs read back', async (t) => {
  const r = await run(['log', '--all-records', '--json', REAL]);
  t.equal(r.code, 0);
  t.notMatch(r.stdout, /\x1b/);
  const json = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Json);
  const all = await ids(REAL);
  t.same(json.map((j) => j.id), all, 'every record, oldest first');
  for (const j of json) {
    t.same(Object.keys(j), ['id', 'parent', 'session', 'kind', 'role', 'time', 'content', 'meta', 'source']);
    t.equal(j.session, REAL);
  }
  t.same(json.map((j) => j.parent), [null, ...all.slice(0, -1)], 'parents link the chain');
  t.notMatch(r.stdout, /"\$blob"/, 'no blob references left');
  // A tool output stored as a blob comes back whole: compare with the original line.
  const long = json.find((j) => j.id.startsWith('25a5e9d'))!;
  const raw = (await run(['cat-object', long.id])).stdout;
  t.match(raw, /"\$blob"/, 'the stored record references a blob');
  const original = JSON.parse((await run(['show', '--source', long.id])).stdout) as { message: { content: Array<{ content: unknown }> } };
  t.same(long.content[0]!.content, original.message.content[0]!.content);
  t.match(long.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'UTC ISO times');
});

t.test('--oneline: id and summary, no tree, no times, no header', async (t) => {
  const out = await lines(['log', '--all-records', '--oneline', REAL]);
  t.equal(out.length, 40);
  t.equal(out[2], '599aa1d user: "can you update go in all the right places to 1.25.6"');
  t.ok(out.every((l) => /^[0-9a-f]{7,} [a-z_]+( ✗)?: /.test(l)));
});

t.test('-n, --reverse and both', async (t) => {
  const all = await ids(REAL);
  const five = await lines(['log', '--all-records', '-n', '5', REAL]);
  t.equal(five.length, 6);
  t.same(five.slice(1).map(idOf), all.slice(0, 5).map((i) => i.slice(0, 7)));
  t.ok(five[5]!.startsWith('└── '), 'the last line shown closes the tree');
  const rev = await lines(['log', '--all-records', '--reverse', '--oneline', REAL]);
  t.same(rev.map(idOf), [...all].reverse().map((i) => i.slice(0, 7)));
  const newest = await lines(['log', '--all-records', '--reverse', '--oneline', '--max-count', '3', REAL]);
  t.same(newest.map(idOf), [...all].reverse().slice(0, 3).map((i) => i.slice(0, 7)));
  t.same(await lines(['log', '--all-records', '-n', '0', '--oneline', REAL]), []);
});

t.test('--kind and --tool', async (t) => {
  const json = await records([REAL]);
  const tools = await lines(['log', '--all-records', '--kind', 'tool', '--oneline', REAL]);
  t.equal(tools.length, json.filter((j) => j.content.some((b) => b.type === 'tool_use')).length);
  t.ok(tools.every((l) => / tool: /.test(l)));
  const talk = await lines(['log', '--all-records', '--kind', 'user,thinking', '--kind', 'assistant', '--oneline', REAL]);
  t.ok(talk.length > 0 && talk.every((l) => / (user|thinking|assistant): /.test(l)), talk.join('\n'));
  t.equal(talk.filter((l) => / user: /.test(l)).length, 1);
  const bad = await run(['log', '--all-records', '--kind', 'tools', REAL]);
  t.equal(bad.code, 129);
  t.match(bad.stderr, /--kind tools: not a kind/);
  const edits = await lines(['log', '--all-records', '--tool', 'edit', '--oneline', REAL]);
  t.equal(edits.length, 8, 'four Edit calls and their four results');
  t.equal(edits.filter((l) => / tool: Edit /.test(l)).length, 4);
  t.equal(edits.filter((l) => / tool_result/.test(l)).length, 4);
  const two = await lines(['log', '--all-records', '--tool', 'Read', '--tool', 'Glob', '--oneline', REAL]);
  t.equal(two.length, 2 + 2 + 3 + 3);
});

t.test('--since and --until: absolute and relative', async (t) => {
  const json = await records([REAL]);
  const timed = json.filter((j) => j.time !== null);
  const mid = timed[20]!.time!;
  const since = await records(['--since', mid, REAL]);
  t.same(since.map((j) => j.id), timed.filter((j) => j.time! >= mid).map((j) => j.id));
  const until = await records(['--until', mid, REAL]);
  t.same(until.map((j) => j.id), timed.filter((j) => j.time! <= mid).map((j) => j.id));
  // 2h before a clock set one minute after the last record: everything with a time.
  const last = Date.parse(timed[timed.length - 1]!.time!);
  const now = () => new Date(last + 60_000);
  const rel = await tapes(['log', '--all-records', '--json', '--since', '2m', REAL], { cwd, env, now });
  const recent = rel.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as Json).id);
  t.same(recent, timed.filter((j) => Date.parse(j.time!) >= last - 60_000).map((j) => j.id));
  t.ok(recent.length > 0 && recent.length < timed.length);
  const bad = await run(['log', '--all-records', '--since', 'soon', REAL]);
  t.equal(bad.code, 129);
});

t.test('subagents are indented under the tool call that spawned them', async (t) => {
  const out = await lines(['log', '--all-records', SHOWCASE]);
  const call = out.findIndex((l) => / tool: Agent Survey the web module; Agent Survey/.test(l));
  t.ok(call > 0);
  t.same(out.slice(call + 1, call + 9).map((l) => l.replace(/\] [0-9a-f]{7,} /, '] <id> ')), [
    '│   ├── Subagent agent-showcol1  general-purpose  Survey the web module',
    '│   │   ├── [0:11] <id> user: "Survey src/web and report its layout, with a …',
    '│   │   └── [0:12] <id> assistant: ## The web module Pages render in a **col…',
    '│   └── Subagent agent-showcol2  general-purpose  Survey the jobs module',
    '│       ├── [0:13] <id> user: "Survey src/jobs and list its scheduled jobs."',
    '│       ├── [0:14] <id> tool: Grep "@scheduled"',
    '│       ├── [0:15] <id> tool_result: src/jobs/cleanup.py:12:@scheduled("0 3 …',
    '│       └── [0:16] <id> assistant: Three scheduled jobs: | Job | Schedule | …',
  ]);
  t.match(out[call + 9], /^├── \[0:08\] [0-9a-f]{7} tool_result: The web module/);
  t.equal(out.length, 1 + 11 + 2 + 6);
  const json = await records([SHOWCASE]);
  t.equal(json.length, 11 + 6);
  t.same([...new Set(json.map((j) => j.session))], [SHOWCASE, `agents/${SHOWCASE}/agent-showcol1`, `agents/${SHOWCASE}/agent-showcol2`]);
  const hidden = await lines(['log', '--all-records', '--no-subagents', SHOWCASE]);
  t.equal(hidden.length, 1 + 11);
  t.notOk(hidden.some((l) => l.includes('Subagent')));
  t.equal((await records(['--no-subagents', SHOWCASE])).length, (await ids(SHOWCASE)).length);
  const oneline = await lines(['log', '--all-records', '--oneline', SHOWCASE]);
  t.equal(oneline.filter((l) => l.startsWith('  ')).length, 6, 'subagent records indented in --oneline');
  // A filter keeps the spawning call as context above the records it selects inside.
  const grep = await lines(['log', '--all-records', '--tool', 'Grep', SHOWCASE]);
  t.equal(grep.length, 1 + 1 + 1 + 2);
  t.match(grep[1], /^└── \[0:07\] [0-9a-f]{7} tool: Agent /);
  t.equal(grep[2], '    └── Subagent agent-showcol2  general-purpose  Survey the jobs module');
  t.equal((await records(['--tool', 'Grep', SHOWCASE])).length, 2, 'context records are not in --json');
});

t.test('a subagent that does not name its call starts where its time falls', async (t) => {
  const out = await lines(['log', '--all-records', WORKFLOW]);
  t.equal(out[0], 'Session 22220000  claude-opus-4-8  /repo  2026-06-28 09:00');
  t.match(out[3], /^├── \[0:00\] [0-9a-f]{7} tool_result: Workflow launched in background\. Task ID: task_…$/);
  t.equal(out[4], '├── Subagent agent-agsp0001  workflow-subagent');
  t.match(out[5], /^│   ├── \[0:00\] [0-9a-f]{7} user: "Sweep docs batches a and b\."$/);
  t.match(out[6], /^│   └── \[0:00\] [0-9a-f]{7} assistant: Batch a and b swept; 2 stale pages flagged\.$/);
  t.match(out[7], /^├── \[5:00\] [0-9a-f]{7} tool: Workflow /);
  t.equal(out.length, 1 + 5 + 1 + 2);
});

t.test('Codex rollouts read the same way', async (t) => {
  const out = await lines(['log', '--all-records', '11111111']);
  t.equal(out[0], 'Session 11111111  synthetic-model  /workspace/synthetic-project  2026-01-02 03:04');
  t.ok(out.some((l) => /^├── \[0:04\] [0-9a-f]{7} tool: exec_command "find \. -maxdepth 1 -type f"$/.test(l)));
  t.ok(out.some((l) => /^├── \[0:03\] [0-9a-f]{7} thinking: I will inspect the synthetic directory\.$/.test(l)));
});

t.test('revisions: HEAD, else the most recently active session; a record; several after --', async (t) => {
  const dir = tempDir('tapes-log-head-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(cwd, '.tapes'), join(dir, '.tapes'), { recursive: true });
  // No HEAD: the session whose newest record is the newest (the workflow, in June 2026).
  const none = await run(['log', '--all-records'], dir);
  t.equal(none.code, 0, none.stderr);
  t.equal(none.stdout, (await run(['log', '--all-records', WORKFLOW], dir)).stdout);
  writeFileSync(join(dir, '.tapes', 'HEAD'), `ref: refs/sessions/${REAL}\n`);
  t.equal((await run(['log', '--all-records'], dir)).stdout, (await run(['log', '--all-records', REAL], dir)).stdout, 'HEAD on a session');
  writeFileSync(join(dir, '.tapes', 'HEAD'), 'ref: refs/sessions/unborn\n');
  t.equal((await run(['log', '--all-records'], dir)).stdout, none.stdout, 'HEAD on a session that does not exist yet');
  const all = await ids(REAL);
  const detached = await run(['log', '--all-records', '--oneline', all[9]!], dir);
  t.same(detached.stdout.trimEnd().split('\n').map(idOf), all.slice(0, 10).map((i) => i.slice(0, 7)), 'a record: the chain ending there');
  const head = await run(['log', '--all-records', all[9]!], dir);
  t.match(head.stdout, /^Session bc3bf53b  /, 'named after the session that holds it');
  const tilde = await run(['log', '--all-records', '--oneline', `${REAL}~30`], dir);
  t.equal(tilde.stdout.trimEnd().split('\n').length, 10);
  const several = await run(['log', '--all-records', '-n', '1', REAL, '--', WORKFLOW, '11111111'], dir);
  t.equal(several.code, 0);
  t.same(several.stdout.split('\n').filter((l) => l.startsWith('Session')).map((l) => l.split('  ')[0]), ['Session bc3bf53b', 'Session 22220000', 'Session 11111111']);
  t.match(several.stdout, /\n\nSession 22220000/, 'an empty line between sessions');
  const empty = tempDir('tapes-log-empty-');
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  await tapes(['init', '-q'], { cwd: empty });
  const nothing = await run(['log', '--all-records'], empty);
  t.equal(nothing.code, 2);
  t.match(nothing.stderr, /no sessions/);
});

t.test('bad revisions exit 2 and print nothing; an ambiguous prefix lists its candidates', async (t) => {
  const amb = await run(['log', '--all-records', '5555']);
  t.equal(amb.code, 2);
  t.equal(amb.stdout, '');
  t.match(amb.stderr, /ambiguous/);
  t.match(amb.stderr, /session refs\/sessions\/55550000-0000-4000-8000-000000000001/);
  t.match(amb.stderr, /session refs\/sessions\/55550000-0000-4000-8000-000000000002/);
  const unknown = await run(['log', '--all-records', REAL, '--', 'nope']);
  t.equal(unknown.code, 2);
  t.equal(unknown.stdout, '', 'nothing printed when any revision is bad');
});

t.test('abbreviations lengthen when 7 digits would name something else', async (t) => {
  const dir = tempDir('tapes-log-abbrev-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(cwd, '.tapes'), join(dir, '.tapes'), { recursive: true });
  const all = await ids(REAL);
  // A tag named like the short id of record 3 makes those 7 digits mean the tag.
  const r = await run(['update-ref', `refs/tags/${all[2]!.slice(0, 7)}`, all[0]!], dir);
  t.equal(r.code, 0, r.stderr);
  const out = (await run(['log', '--all-records', '--oneline', REAL], dir)).stdout.split('\n');
  t.equal(idOf(out[2]!), all[2]!.slice(0, 8));
  t.equal((await run(['rev-parse', all[2]!.slice(0, 8)], dir)).stdout, all[2] + '\n');
  t.equal(idOf(out[1]!), all[1]!.slice(0, 7), 'the others stay at 7');
});

t.test('colour: none in a pipe; FORCE_COLOR and --color=always give it; NO_COLOR and --color=never take it away', async (t) => {
  t.notMatch((await run(['log', '--all-records', REAL])).stdout, /\x1b\[/);
  const forced = await run(['log', '--all-records', REAL], cwd, { FORCE_COLOR: '1' });
  t.match(forced.stdout, /\x1b\[33m599aa1d\x1b\[39m/);
  t.equal(forced.stdout.replace(/\x1b\[[0-9;]*m/g, ''), (await run(['log', '--all-records', REAL])).stdout, 'the same text');
  t.match((await run(['log', '--all-records', '--color=always', REAL])).stdout, /\x1b\[/);
  t.notMatch((await run(['log', '--all-records', '--color=never', REAL], cwd, { FORCE_COLOR: '1' })).stdout, /\x1b\[/);
  t.notMatch((await run(['log', '--all-records', REAL], cwd, { NO_COLOR: '1' })).stdout, /\x1b\[/);
  t.notMatch((await run(['log', '--all-records', '--json', '--color=always', REAL])).stdout, /\x1b\[/, 'never in --json');
});

t.test('--stat: token counts per record and a total', async (t) => {
  const out = await lines(['log', '--all-records', '--stat', SHOWCASE, '--no-subagents']);
  t.match(out[2], /^├── \[0:01\] [0-9a-f]{7} tool: .*  \(120 in, 40 out\)$/);
  t.equal(out[out.length - 1], '11 records, tokens: 600 in, 200 out');
});

async function damaged(t: Test): Promise<{ dir: string; bad: string; all: string[] }> {
  const dir = tempDir('tapes-log-damaged-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await tapes(['init', '-q'], { cwd: dir });
  await tapes(['import', realFile], { cwd: dir });
  const all = await ids(REAL);
  const bad = all[20]!;
  const file = join(dir, '.tapes', 'objects', bad.slice(0, 2), bad.slice(2));
  chmodSync(file, 0o644);
  writeFileSync(file, 'garbage');
  return { dir, bad, all };
}

t.test('a damaged record in the middle: an error line naming it, the rest printed, exit 1', async (t) => {
  const { dir, bad, all } = await damaged(t);
  const r = await run(['log', '--all-records', REAL], dir);
  t.equal(r.code, 1);
  const out = r.stdout.split('\n').slice(0, -1);
  t.equal(out.length, 1 + all.length, 'every record has its line');
  t.match(out[21], new RegExp(`^├── \\[-:--\\] ${bad.slice(0, 7)} error: `));
  out.slice(1).forEach((l, i) => {
    if (i !== 20) t.ok(l.includes(` ${all[i]!.slice(0, 7)} `), `record ${i + 1} is there`);
  });
  t.match(r.stderr, new RegExp(`^tapes: error: record ${bad} cannot be read: `));
  const json = await run(['log', '--all-records', '--json', REAL], dir);
  t.equal(json.code, 1);
  t.same(json.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as Json).id), all.filter((i) => i !== bad));
  t.match(json.stderr, bad);
});
