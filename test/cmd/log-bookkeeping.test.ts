// The agent's bookkeeping lines (Claude Code 2.1's attachment,
// api-request-shape, cost-state, last-prompt …) fold into a count in log and
// replay, on the first log (records read) and the second (kept timeline);
// --all-records shows them, each with a one-line summary saying what it is;
// --json is unchanged and lists every record.
//
// The transcript is written here, line for line in the shapes Claude Code
// 2.1.x writes (type, uuid, parentUuid, sessionId, timestamp and the line's
// own fields); no real 2.1.x transcript is in the corpus yet.
import t from 'tap';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tapes, tempDir } from '../helpers/cli.js';

const env = { TZ: 'UTC' };
const S = '77770000-0000-4000-8000-000000000001';
const env0 = { sessionId: S, cwd: '/tmp/p', version: '2.1.3' };
const lines = [
  { type: 'user', uuid: 'u1', parentUuid: null, ...env0, timestamp: '2026-01-01T10:00:00.000Z', message: { role: 'user', content: 'what is two plus two' } },
  { type: 'attachment', uuid: 'a1', parentUuid: 'u1', ...env0, timestamp: '2026-01-01T10:00:00.100Z', attachment: { type: 'skill_listing', count: 3 } },
  { type: 'api-request-shape', uuid: 'a2', parentUuid: 'a1', ...env0, timestamp: '2026-01-01T10:00:00.200Z', model: 'claude-sonnet-4-5', tools: [{ name: 'Bash' }] },
  { type: 'assistant', uuid: 'm1', parentUuid: 'a2', ...env0, timestamp: '2026-01-01T10:00:01.000Z', message: { role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'Four.' }], usage: { input_tokens: 10, output_tokens: 2 } } },
  { type: 'cost-state', uuid: 'c1', parentUuid: 'm1', ...env0, timestamp: '2026-01-01T10:00:01.100Z', costUSD: 0.001 },
  { type: 'last-prompt', sessionId: S, lastPrompt: 'what is two plus two' },
];

const cwd = tempDir('tapes-bookkeeping-');
writeFileSync(join(cwd, 'talk.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
async function ok(args: string[]) {
  const r = await tapes(args, { cwd, env });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
await ok(['init', '-q']);
await ok(['import', 'talk.jsonl']);

t.test('log folds the bookkeeping into a count, first from the records, then from the kept timeline', async (t) => {
  const first = await ok(['log', 'talk']);
  const second = await ok(['log', 'talk']);
  for (const out of [first, second]) {
    t.match(out, /user: "what is two plus two"/);
    t.match(out, /assistant: Four\./);
    t.notMatch(out, /attachment|api-request-shape|cost-state|last-prompt/, 'no bookkeeping row');
    t.match(out, /^4 bookkeeping records folded \(--all-records shows them\)$/m);
  }
  t.equal(second, first, 'the kept timeline folds the same');
  t.match(first, /└── \[0:01\] \w+ assistant: Four\./, 'the last row shown closes the tree');
  const oneline = (await ok(['log', '--oneline', 'talk'])).trim().split('\n');
  t.equal(oneline.length, 3, '--oneline: two records and the count');
  t.match(oneline[2], /4 bookkeeping records folded/);
});

t.test('--all-records shows each bookkeeping line with a one-line summary of what it is', async (t) => {
  for (const run of [1, 2]) {
    const out = await ok(['log', '--all-records', 'talk']);
    t.notMatch(out, /folded/, `run ${run}`);
    t.match(out, /other: attachment: skill_listing count=3/);
    t.match(out, /other: api-request-shape: model=claude-sonnet-4-5 tools=/);
    t.match(out, /other: cost-state: costUSD=0\.001/);
    t.match(out, /other: last-prompt: lastPrompt=what is two plus two/);
  }
});

t.test('an explicit --kind shows what it selects; --json lists every record unchanged', async (t) => {
  const other = await ok(['log', '--kind', 'other', 'talk']);
  t.match(other, /attachment: skill_listing/);
  t.notMatch(other, /folded/);
  const json = (await ok(['log', '--json', 'talk'])).trim().split('\n').map((l) => JSON.parse(l) as { kind: string; meta: { source_type: string } });
  t.equal(json.length, 6);
  t.same(json.map((r) => r.meta.source_type), ['user', 'attachment', 'api-request-shape', 'assistant', 'cost-state', 'last-prompt']);
});

t.test('replay without a terminal folds as log does, and takes --all-records', async (t) => {
  const folded = await ok(['replay', 'talk']);
  t.match(folded, /4 bookkeeping records folded/);
  t.notMatch(folded, /cost-state/);
  const all = await ok(['replay', '--all-records', 'talk']);
  t.match(all, /cost-state: costUSD=0\.001/);
  t.notMatch(all, /folded/);
});

t.test('export --format markdown folds as log does, and takes --all-records; original and jsonl keep every record', async (t) => {
  const md = await ok(['export', '--format', 'markdown', 'talk']);
  t.match(md, /what is two plus two/);
  t.match(md, /Four\./);
  t.notMatch(md, /skill_listing|api-request-shape|cost-state|lastPrompt/, 'no bookkeeping record in the transcript');
  t.match(md, /^_4 bookkeeping records folded \(--all-records shows them\)_$/m);
  t.equal((md.match(/^### /gm) ?? []).length, 2, 'two records');
  t.same(md.match(/^### \d+\./gm), ['### 1.', '### 4.'], 'numbered as with --all-records');
  const all = await ok(['export', '--format', 'markdown', '--all-records', 'talk']);
  t.notMatch(all, /folded/);
  t.equal((all.match(/^### /gm) ?? []).length, 6, 'every record with --all-records');
  t.match(all, /skill_listing/);
  t.match(all, /cost-state|costUSD/);
  const original = await ok(['export', '--format', 'original', 'talk']);
  t.equal(original, lines.map((l) => JSON.stringify(l)).join('\n') + '\n', 'original: byte for byte, bookkeeping included');
  t.equal((await ok(['export', '--format', 'jsonl', 'talk'])).trim().split('\n').length, 6, 'jsonl: every record');
});

t.test('show --context: the request context recorded before a model turn; clear errors otherwise', async (t) => {
  const json = (await ok(['log', '--json', '--all-records', 'talk'])).trim().split('\n').map((l) => JSON.parse(l) as { id: string; meta: { source_type: string } });
  const answer = json.find((r) => r.meta.source_type === 'assistant')!.id;
  const shape = json.find((r) => r.meta.source_type === 'api-request-shape')!.id;
  const c = JSON.parse(await ok(['show', '--context', '--json', answer])) as { source: { kind: string; records: string[] }; model: string; system: string | null; tool_count: number; tools: Array<{ name: string }> };
  t.same(c.source, { kind: 'transcript', records: [shape] }, 'read from the api-request-shape line before it');
  t.equal(c.model, 'claude-sonnet-4-5');
  t.equal(c.tool_count, 1);
  t.same(c.tools.map((x) => x.name), ['Bash']);
  t.equal(c.system, null);
  const text = await ok(['show', '--context', answer]);
  t.match(text, /Tools:  1: Bash/);
  t.match(text, /System prompt: \(not recorded\)/);
  const prompt = json.find((r) => r.meta.source_type === 'user')!.id;
  const bad = await tapes(['show', '--context', prompt], { cwd, env });
  t.equal(bad.code, 1, 'not a model turn: exit 1');
  t.match(bad.stderr, new RegExp(`record ${prompt} is a user record .*not a model turn`));
  t.notMatch(bad.stderr, /\n\s+at /, 'no stack trace');
  t.equal(bad.stdout, '');
});

t.test('show --context: a Codex turn_context and a Claude Code prompt snapshot; none recorded is an error', async (t) => {
  const dir = tempDir('tapes-context-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const C = '0199aaaa-0000-7000-8000-000000000002';
  const codex = [
    { timestamp: '2026-01-01T10:00:00.000Z', type: 'session_meta', payload: { id: C, timestamp: '2026-01-01T10:00:00.000Z', cwd: '/tmp/c', originator: 'codex_exec', cli_version: '0.169.0' } },
    { timestamp: '2026-01-01T10:00:00.100Z', type: 'turn_context', payload: { cwd: '/tmp/c', model: 'gpt-6-codex', approval_policy: 'never', base_instructions: 'You are Codex.' } },
    { timestamp: '2026-01-01T10:00:00.200Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'say hi' }] } },
    { timestamp: '2026-01-01T10:00:01.000Z', type: 'response_item', payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hi' }] } },
  ];
  const S2 = '77770000-0000-4000-8000-000000000003';
  const e2 = { sessionId: S2, cwd: '/tmp/p', version: '2.1.3' };
  const claude = [
    { type: 'user', uuid: 'u1', parentUuid: null, ...e2, timestamp: '2026-01-01T10:00:00.000Z', message: { role: 'user', content: 'hello' } },
    { type: 'attachment', uuid: 'a1', parentUuid: 'u1', ...e2, timestamp: '2026-01-01T10:00:00.100Z', attachment: { type: 'prompt_snapshot', systemPrompt: 'You are Claude Code.' } },
    { type: 'assistant', uuid: 'm1', parentUuid: 'a1', ...e2, timestamp: '2026-01-01T10:00:01.000Z', message: { role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'Hi.' }] } },
  ];
  const bare = claude.filter((l) => l.type !== 'attachment').map((l) => ({ ...l, sessionId: '77770000-0000-4000-8000-000000000004', parentUuid: l.uuid === 'm1' ? 'u1' : l.parentUuid }));
  writeFileSync(join(dir, `rollout-2026-01-01T10-00-00-${C}.jsonl`), codex.map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeFileSync(join(dir, 'snap.jsonl'), claude.map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeFileSync(join(dir, 'bare.jsonl'), bare.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const run = (args: string[]) => tapes(args, { cwd: dir, env });
  t.equal((await run(['init', '-q'])).code, 0);
  const imp = await run(['import', '.']);
  t.equal(imp.code, 0, imp.stderr);
  const assistantOf = async (session: string) => {
    const recs = (await run(['log', '--json', session])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; role: string | null; kind: string });
    return recs.filter((r) => r.role === 'assistant').pop()!.id;
  };
  const cx = JSON.parse((await run(['show', '--context', '--json', await assistantOf(C)])).stdout) as { model: string; system: string; source: { kind: string } };
  t.equal(cx.model, 'gpt-6-codex', 'Codex: the model of its turn_context');
  t.equal(cx.system, 'You are Codex.');
  t.equal(cx.source.kind, 'transcript');
  const cl = JSON.parse((await run(['show', '--context', '--json', await assistantOf('snap')])).stdout) as { model: string; system: string };
  t.equal(cl.system, 'You are Claude Code.', 'Claude Code: the system prompt of its prompt snapshot');
  t.equal(cl.model, 'claude-sonnet-4-5', 'the model the turn names when no line gives one');
  const none = await run(['show', '--context', await assistantOf('bare')]);
  t.equal(none.code, 2, 'no context recorded: exit 2');
  t.match(none.stderr, /has no recorded request context: no capture of its session is stored/);
  t.equal(none.stdout, '');
});
