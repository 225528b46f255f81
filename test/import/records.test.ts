// The normalised view of imported lines (kind, role, UTC time, content
// blocks, meta), read back with `tapes cat-object -p`, for Claude Code and
// Codex; and subagent transcripts as chains of their own, linked to their
// session and to the tool call that spawned them.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import { tapes, tempDir } from '../helpers/cli.js';
import {
  catRecord,
  claudeProjects,
  claudeUserLine,
  edgeCasesDir,
  importJson,
  jsonl,
  newArchive,
  recordAtLine,
  recordsByLine,
  revList,
  showRef,
  showcaseDir,
  smallClaude,
  workflowDir,
  type Json,
} from './import-helpers.js';

type Rec = { [k: string]: Json };
const meta = (r: Rec) => r.meta as Record<string, Json>;

/** The original line `n` of a file, parsed. */
async function originalLine(path: string, n: number): Promise<Record<string, unknown>> {
  const text = (await fs.readFile(path, 'utf8')).split('\n')[n - 1]!;
  return JSON.parse(text) as Record<string, unknown>;
}

t.test('records: Claude Code lines, normalised', async (t) => {
  const cwd = await newArchive(t);
  const summaryFile = join(claudeProjects, '-Users-gtrrz-victor-wks-cli', '5a3bb1c8-c3ce-466e-b487-24212cbf1da1.jsonl');
  const systemFile = join(claudeProjects, '-Users-alex-workspace-cli', '79e9becd-0b83-42f1-8cb1-33375d080476.jsonl');
  const progressFile = join(claudeProjects, '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl');
  // Of the system file only line 53 is looked at: its first 53 lines (of 158, 290 KB), under its name.
  const systemLines = join(cwd, basename(systemFile));
  await fs.writeFile(systemLines, (await fs.readFile(systemFile, 'utf8')).split(/(?<=\n)/).slice(0, 53).join(''));
  const r = await importJson(cwd, [smallClaude, summaryFile, systemLines, progressFile]);
  t.equal(r.code, 0, r.stderr);
  const small = await recordsByLine(cwd, '1b3e6441-62e3-4b41-8a0c-9d252f531f7a');
  t.equal(small.size, 9);

  // Line 1: a queue-operation, a type with no normalised meaning.
  const q = small.get(1)!;
  t.equal(q.kind, 'other');
  t.equal(q.role, null);
  t.equal(q.time, '2026-01-19T03:15:09.388Z');
  t.same(q.content, []);
  t.equal(q.parent, null, 'the first record has no parent');
  t.match(meta(q), { harness: 'claude-code', session_id: '1b3e6441-62e3-4b41-8a0c-9d252f531f7a' });

  // Line 3: the prompt, two text blocks.
  const u = small.get(3)!;
  t.equal(u.kind, 'user');
  t.equal(u.role, 'user');
  t.equal(u.time, '2026-01-19T03:15:09.400Z');
  t.same(u.content, [
    { type: 'text', text: '<ide_opened_file>The user opened the file /Users/alex/workspace/cli/mise.toml in the IDE. This may or may not be related to the current task.</ide_opened_file>' },
    { type: 'text', text: 'create me a .github/CODEOWNERS - attach the @entireio/cli-maintainers group as default for all' },
  ]);
  t.match(meta(u), {
    harness: 'claude-code',
    harness_version: '2.0.74',
    session_id: '1b3e6441-62e3-4b41-8a0c-9d252f531f7a',
    cwd: '/Users/alex/workspace/cli',
    git_branch: 'alex/ent-98-move-helpgo-back-into-the-main-cli-package',
    uuid: 'c9117b58-37b2-42e0-942d-cea5c426128d',
  });

  // Line 4: thinking (with its signature).
  const th = small.get(4)!;
  const l4 = await originalLine(smallClaude, 4);
  const l4block = ((l4.message as Record<string, unknown>).content as Array<Record<string, string>>)[0]!;
  t.equal(th.kind, 'assistant');
  t.equal(th.role, 'assistant');
  t.same(th.content, [{ type: 'thinking', thinking: l4block.thinking, signature: l4block.signature }]);

  // Line 5: a tool call, with model, usage and request id.
  const tu = small.get(5)!;
  t.equal(tu.kind, 'assistant');
  t.equal(tu.time, '2026-01-19T03:15:16.846Z');
  t.same(tu.content, [
    {
      type: 'tool_use',
      id: 'toolu_01YSSAHQnxsQC5wBW4QHXLbF',
      name: 'Write',
      input: { file_path: '/Users/alex/workspace/cli/.github/CODEOWNERS', content: '# Default code owners for all files\n* @entireio/cli-maintainers\n' },
    },
  ]);
  t.match(meta(tu), {
    model: 'claude-opus-4-5-20251101',
    request_id: 'req_011CXG1VpSyUM6XMrSoDsHEx',
    harness: 'claude-code',
    harness_version: '2.0.74',
    cwd: '/Users/alex/workspace/cli',
    git_branch: 'alex/ent-98-move-helpgo-back-into-the-main-cli-package',
    session_id: '1b3e6441-62e3-4b41-8a0c-9d252f531f7a',
  });
  t.same(meta(tu).usage, ((await originalLine(smallClaude, 5)).message as Record<string, unknown>).usage, 'usage as the API reported it');
  t.equal((meta(tu).usage as Record<string, number>).output_tokens, 8);

  // Line 7: a tool result.
  const tr = small.get(7)!;
  t.equal(tr.kind, 'tool_result');
  t.equal(tr.time, '2026-01-19T03:15:21.667Z');
  t.same(tr.content, [
    { type: 'tool_result', tool_use_id: 'toolu_01YSSAHQnxsQC5wBW4QHXLbF', content: 'File created successfully at: /Users/alex/workspace/cli/.github/CODEOWNERS', is_error: false },
  ]);

  // Line 9: the answer.
  const a = small.get(9)!;
  t.equal(a.kind, 'assistant');
  t.same(a.content, [{ type: 'text', text: 'Created [.github/CODEOWNERS](.github/CODEOWNERS) with `@entireio/cli-maintainers` as the default code owner for all files.' }]);

  // Records chain in file order.
  const ids = await revList(cwd, '1b3e6441-62e3-4b41-8a0c-9d252f531f7a');
  for (let i = 1; i < ids.length; i++) t.equal((await catRecord(cwd, ids[i]!)).parent, ids[i - 1], `record ${i + 1}'s parent is record ${i}`);

  const summary = (await recordsByLine(cwd, '5a3bb1c8-c3ce-466e-b487-24212cbf1da1')).get(1)!;
  t.equal(summary.kind, 'summary');
  t.same(summary.content, [{ type: 'text', text: 'Add session resume command to conflict message' }]);
  t.equal(summary.time, null, 'a summary line has no timestamp');

  const system = await recordAtLine(cwd, '79e9becd-0b83-42f1-8cb1-33375d080476', 53);
  t.equal(system.kind, 'system');
  t.equal(system.role, 'system');
  t.equal(meta(system).subtype, 'turn_duration');
  t.equal(system.time, (await originalLine(systemFile, 53)).timestamp);

  const progress = await recordAtLine(cwd, 'bc3bf53b-19fe-4209-b30a-a1acffaf6703', 11);
  t.equal(progress.kind, 'progress');
  t.equal(meta(progress).data_type, 'hook_progress');
  t.equal(meta(progress).harness, 'claude-code');
});

t.test('records: times are normalised to UTC ISO-8601', async (t) => {
  const cwd = await newArchive(t);
  const id = 'dddd4444-0000-4000-8000-000000000004';
  await fs.writeFile(
    join(cwd, `${id}.jsonl`),
    jsonl([
      claudeUserLine(id, 'u1', null, 'one', { timestamp: '2026-01-19T05:15:09.4+02:00' }),
      claudeUserLine(id, 'u2', 'u1', 'two', { timestamp: '2026-01-18T22:15:09-05:00' }),
      claudeUserLine(id, 'u3', 'u2', 'three', { timestamp: 'not a time' }),
    ]),
  );
  t.equal((await importJson(cwd, [`${id}.jsonl`])).code, 0);
  const recs = await recordsByLine(cwd, id);
  t.equal(recs.get(1)!.time, '2026-01-19T03:15:09.400Z');
  t.equal(recs.get(2)!.time, '2026-01-19T03:15:09.000Z');
  t.equal(recs.get(3)!.time, null);
});

t.test('records: Codex rollout lines, normalised', async (t) => {
  const cwd = await newArchive(t);
  const file = join(edgeCasesDir, 'daaain__claude-code-log', 'test', 'test_data', 'codex', 'sessions', '2026', '01', '02', 'rollout-2026-01-02T03-04-05-11111111-1111-4111-8111-111111111111.jsonl');
  const tokens = join(edgeCasesDir, 'kvsankar__agent-history', 'tests', 'fixtures', 'real_sessions', 'codex', 'session-01.jsonl');
  const r = await importJson(cwd, ['codex', file, tokens]);
  t.equal(r.code, 0, r.stderr);
  t.same(r.summary.files.map((f) => f.session), ['11111111-1111-4111-8111-111111111111', 'session-01']);
  const recs = await recordsByLine(cwd, '11111111-1111-4111-8111-111111111111');
  t.equal(recs.size, 14);
  const common = { harness: 'codex', harness_version: '0.0.0-test', session_id: '11111111-1111-4111-8111-111111111111', cwd: '/workspace/synthetic-project' };

  const sm = recs.get(1)!;
  t.equal(sm.kind, 'system');
  t.equal(sm.time, '2026-01-02T03:04:05.000Z');
  t.match(meta(sm), common);

  const user = recs.get(4)!;
  t.equal(user.kind, 'user');
  t.equal(user.role, 'user');
  t.equal(user.time, '2026-01-02T03:04:07.001Z');
  t.same(user.content, [{ type: 'text', text: 'List the synthetic files.' }]);
  t.match(meta(user), { ...common, model: 'synthetic-model' });

  const reasoning = recs.get(5)!;
  t.equal(reasoning.kind, 'assistant');
  t.same(reasoning.content, [{ type: 'thinking', thinking: 'I will inspect the synthetic directory.' }]);

  const call = recs.get(6)!;
  t.equal(call.kind, 'assistant');
  t.equal(call.role, 'assistant');
  t.same(call.content, [{ type: 'tool_use', id: 'call-structured-001', name: 'exec_command', input: { cmd: 'find . -maxdepth 1 -type f' } }]);

  const out = recs.get(7)!;
  t.equal(out.kind, 'tool_result');
  t.same(out.content, [{ type: 'tool_result', tool_use_id: 'call-structured-001', content: './alpha.txt\n./beta.txt', is_error: false }]);

  const custom = recs.get(8)!;
  t.same(custom.content, [{ type: 'tool_use', id: 'call-custom-001', name: 'apply_patch', input: '*** Begin Patch\n*** Add File: gamma.txt\n+synthetic\n*** End Patch' }]);

  const answer = recs.get(13)!;
  t.equal(answer.kind, 'assistant');
  t.same(answer.content, [{ type: 'text', text: 'The synthetic files are alpha.txt and beta.txt.' }]);
  t.match(meta(answer), { ...common, model: 'synthetic-model' });

  const event = recs.get(12)!;
  t.equal(event.kind, 'progress');

  const future = recs.get(14)!;
  t.equal(future.kind, 'other', 'a line type from the future is kept as other');
  t.equal(future.time, '2026-01-02T03:04:16.000Z');

  const usage = (await recordsByLine(cwd, 'session-01')).get(10)!;
  t.same(meta(usage).usage, { input_tokens: 22539, cached_input_tokens: 20864, output_tokens: 10, reasoning_output_tokens: 0, total_tokens: 22549 });
  t.equal(meta(usage).harness_version, '0.135.0');
});

t.test('subagents: own refs, linked to the session and the spawning tool call', async (t) => {
  const cwd = await newArchive(t);
  const session = '55550000-0000-4000-8000-000000000001';
  const r = await importJson(cwd, [showcaseDir]);
  t.equal(r.code, 0, r.stderr);
  const refs = await showRef(cwd);
  for (const agent of ['agent-showcol1', 'agent-showcol2']) {
    t.match(refs, new RegExp(`^[0-9a-f]{64} refs/agents/${session}/${agent}$`, 'm'), `refs/agents/${session}/${agent}`);
  }
  t.match(refs, new RegExp(`^[0-9a-f]{64} refs/sessions/${session}$`, 'm'), 'the session keeps its own ref');
  for (const [agent, toolUse, lines] of [
    ['agent-showcol1', 'toolu_sc_showcol1', 2],
    ['agent-showcol2', 'toolu_sc_showcol2', 4],
  ] as const) {
    const entry = r.summary.files.find((f) => f.path.endsWith(`subagents/${agent}.jsonl`))!;
    t.equal(entry.session, `agents/${session}/${agent}`, 'the session name export accepts');
    t.equal(entry.status, 'new');
    const ids = await revList(cwd, `refs/agents/${session}/${agent}`);
    t.equal(ids.length, lines);
    const first = await catRecord(cwd, ids[0]!);
    t.match(meta(first), { parent_session: session, spawned_by_tool_use_id: toolUse, agent_id: agent.slice('agent-'.length) });
    const second = await catRecord(cwd, ids[1]!);
    t.notOk('parent_session' in meta(second), 'the link is on the first record only');
  }

  // A workflow's journal.jsonl sits under subagents/ but is no transcript: neither imported nor refused.
  const w = await importJson(cwd, [workflowDir]);
  t.equal(w.code, 0, 'nothing refused');
  t.notOk(w.summary.files.some((f) => f.path.endsWith('journal.jsonl')), 'journal.jsonl is not in the run');
  t.same(w.summary.files.map((f) => f.session).sort(), ['22220000-0000-4000-8000-000000000002', 'agents/22220000-0000-4000-8000-000000000002/agent-agsp0001']);
});

t.test('a Codex command that exited non-zero is a failed tool result', async (t) => {
  const cwd = tempDir();
  await tapes(['init', '-q'], { cwd });
  const file = join(cwd, 'rollout-2026-01-01T00-00-00-77777777-7777-4777-8777-777777777777.jsonl');
  const line = (payload: unknown) => JSON.stringify({ timestamp: '2026-01-01T00:00:00.000Z', type: 'response_item', payload });
  await fs.writeFile(
    file,
    [
      JSON.stringify({ timestamp: '2026-01-01T00:00:00.000Z', type: 'session_meta', payload: { id: '77777777-7777-4777-8777-777777777777' } }),
      line({ type: 'function_call', name: 'exec_command', arguments: '{"cmd":"false"}', call_id: 'c1' }),
      line({ type: 'function_call_output', call_id: 'c1', output: 'Chunk ID: a\nWall time: 0.0 seconds\nProcess exited with code 1\nOutput:\n' }),
      line({ type: 'function_call', name: 'exec_command', arguments: '{"cmd":"true"}', call_id: 'c2' }),
      line({ type: 'function_call_output', call_id: 'c2', output: 'Chunk ID: b\nWall time: 0.0 seconds\nProcess exited with code 0\nOutput:\n' }),
    ].join('\n') + '\n',
  );
  t.equal((await tapes(['import', file], { cwd })).code, 0);
  const ids = (await tapes(['rev-list', '--reverse', '77777777-7777-4777-8777-777777777777'], { cwd })).stdout.trim().split('\n');
  const rec = async (i: number) => JSON.parse((await tapes(['cat-object', '-p', ids[i]!], { cwd })).stdout);
  t.equal((await rec(2)).content[0].is_error, true, 'exit code 1');
  t.equal((await rec(4)).content[0].is_error, false, 'exit code 0');
});
