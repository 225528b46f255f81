// One run, two views: a session recorded by `tapes run` and the transcript
// the agent wrote of it are one session whichever arrives first (capture
// then import, import then capture, import while the run still records),
// the capture kept as refs/captures/sessions/<id>; `show --wire` gives a
// turn's exact exchange; `diff --views` says the views agree; archives in
// the old two-session layout are relinked by the next import.
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tapes, tempDir, until } from '../helpers/cli.js';
import { anthropicStream, bash, scriptedUpstream, text } from '../helpers/model-upstream.js';

const S = '5b7c1d2e-0f4a-4b6c-8d9e-a1b2c3d4e5f6';

// A stand-in for Claude Code: two turns of one conversation, its session id
// sent as Claude Code sends it, the first message wrapped in a system
// reminder as today's Claude Code sends it. With a file named as its
// argument, it waits for that file before the second turn.
const AGENT = `
const http = require('node:http');
const fs = require('node:fs');
const base = process.env.ANTHROPIC_BASE_URL;
function post(body) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + '/v1/messages?beta=true', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-views-secret-9', 'x-claude-code-session-id': '${S}', 'user-agent': 'claude-cli/2.1.328 (external, sdk-cli)' } }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve(Buffer.concat(parts).toString()));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
(async () => {
  const messages = [{ role: 'user', content: [{ type: 'text', text: '<system-reminder>\\nAttribution for commits\\n</system-reminder>\\n' }, { type: 'text', text: 'write the proof file' }] }];
  await post({ model: 'claude-opus-5-5', stream: true, system: 'You are a test.', tools: [{ name: 'Bash', input_schema: { type: 'object' } }, { name: 'Read', input_schema: { type: 'object' } }], messages });
  const wait = process.argv[2];
  if (wait) { while (!fs.existsSync(wait)) await new Promise((r) => setTimeout(r, 20)); }
  messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'Bash', input: { command: 'echo proof > proof.txt', description: 'run it' } }] });
  messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'proof', is_error: false }] });
  await post({ model: 'claude-opus-5-5', stream: true, system: 'You are a test.', tools: [{ name: 'Bash', input_schema: { type: 'object' } }, { name: 'Read', input_schema: { type: 'object' } }], messages });
})();
`;

// The transcript Claude Code would write of that run (with an attachment line, as today's does).
const line = (o: Record<string, unknown>) => JSON.stringify({ sessionId: S, cwd: '/work/demo', version: '2.1.328', timestamp: '2026-12-05T05:05:42.000Z', ...o });
const TRANSCRIPT =
  [
    line({ type: 'user', uuid: 'u1', parentUuid: null, message: { role: 'user', content: 'write the proof file' } }),
    line({ type: 'attachment', uuid: 'a1', parentUuid: 'u1', attachment: { type: 'date', content: '2026-12-05' } }),
    line({ type: 'assistant', uuid: 'm1', parentUuid: 'a1', requestId: 'req_1', message: { id: 'msg_one', role: 'assistant', model: 'claude-opus-5-5', content: [{ type: 'tool_use', id: 'toolu_01', name: 'Bash', input: { command: 'echo proof > proof.txt', description: 'run it' } }], stop_reason: 'tool_use', usage: { input_tokens: 100, output_tokens: 20 } } }),
    line({ type: 'user', uuid: 'r1', parentUuid: 'm1', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'proof', is_error: false }] } }),
    line({ type: 'assistant', uuid: 'm2', parentUuid: 'r1', message: { id: 'msg_two', role: 'assistant', model: 'claude-opus-5-5', content: [{ type: 'text', text: 'Done: the file says proof.' }], stop_reason: 'end_turn', usage: { input_tokens: 100, output_tokens: 20 } } }),
  ].join('\n') + '\n';

const script = () => [anthropicStream([bash('toolu_01', 'echo proof > proof.txt')], { id: 'msg_one' }), anthropicStream([text('Done: the file says proof.')], { id: 'msg_two' })];

async function setup(t: Test) {
  const dir = tempDir('tapes-views-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.equal((await tapes(['init'], { cwd: dir })).code, 0);
  writeFileSync(join(dir, 'agent.cjs'), AGENT);
  writeFileSync(join(dir, `${S}.jsonl`), TRANSCRIPT);
  const upstream = await scriptedUpstream(script());
  t.teardown(() => upstream.close());
  return { dir, upstream };
}

const run = (dir: string, url: string, wait?: string) => tapes(['run', '--upstream', url, '--', process.execPath, 'agent.cjs', ...(wait ? [wait] : [])], { cwd: dir });
const importIt = (dir: string) => tapes(['import', '--json', `${S}.jsonl`], { cwd: dir });

async function refsOf(dir: string): Promise<Map<string, string>> {
  const r = await tapes(['show-ref'], { cwd: dir });
  return new Map(r.stdout.trim().split('\n').filter(Boolean).map((l) => [l.split(' ')[1]!, l.split(' ')[0]!] as [string, string]));
}

/** What every order must give: one session, the transcript under its name, the capture (two turns) as its view, views that agree. */
async function checkLinked(t: Test, dir: string, upstream: { requests: Array<{ body: Buffer }> }) {
  const refs = await refsOf(dir);
  t.same([...refs.keys()].sort(), [`refs/captures/sessions/${S}`, `refs/sessions/${S}`], 'two refs: the session and its capture view, nothing kept separately');
  const ndjson = <T>(out: string): T[] => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
  const sessions = ndjson<{ name: string; records: number }>((await tapes(['sessions', '--json'], { cwd: dir })).stdout);
  t.same(sessions.map((s) => [s.name, s.records]), [[S, 5]], 'sessions lists the run once, as its transcript');
  const exported = await tapes(['export', '--format', 'original', S], { cwd: dir });
  t.equal(exported.stdout, TRANSCRIPT, 'the session is the transcript, byte for byte');
  const capture = (await tapes(['log', '--json', `captures/sessions/${S}`], { cwd: dir })).stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
  t.same(capture.map((r) => r.kind), ['user', 'assistant', 'tool_result', 'assistant'], 'the capture view holds each turn once');
  const views = await tapes(['diff', '--views', S], { cwd: dir });
  t.equal(views.code, 0, 'diff --views: the views agree');
  t.match(views.stdout, /equal: 4 steps, the same content/);
  // show --wire on the transcript's last answer: the exact request that turn sent.
  const log = (await tapes(['log', '--json', S], { cwd: dir })).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; kind: string });
  const answer = log[log.length - 1]!;
  const wire = JSON.parse((await tapes(['show', '--wire', '--json', answer.id], { cwd: dir })).stdout) as { request: { body: string; sha256: string; headers: Array<[string, string]> }; response: { status: number; body: string } };
  const sent = upstream.requests[1]!.body;
  t.equal(wire.request.sha256, createHash('sha256').update(sent).digest('hex'), 'show --wire gives the request of that turn, byte for byte');
  t.equal(wire.request.body, sent.toString('utf8'));
  t.notOk(wire.request.headers.some(([k]) => k === 'x-api-key'), 'no credential in the exchange shown');
  t.equal(wire.response.status, 200);
  t.match(wire.response.body, /Done: the file says proof\./);
  const prompt = log.find((r) => r.kind === 'user')!;
  const first = JSON.parse((await tapes(['show', '--wire', '--json', prompt.id], { cwd: dir })).stdout) as { request: { sha256: string } };
  t.equal(first.request.sha256, createHash('sha256').update(upstream.requests[0]!.body).digest('hex'), "a transcript's prompt: the turn that first sent it");
  // show --context: the system prompt, tools and model the turn sent, from the capture's request.
  const context = JSON.parse((await tapes(['show', '--context', '--json', answer.id], { cwd: dir })).stdout) as { source: { kind: string }; model: string; system: string; tool_count: number; tools: Array<{ name: string; definition: unknown }> };
  t.equal(context.source.kind, 'capture');
  t.equal(context.model, 'claude-opus-5-5');
  t.equal(context.system, 'You are a test.');
  t.equal(context.tool_count, 2);
  t.same(context.tools.map((x) => x.name), ['Bash', 'Read']);
  t.same(context.tools[0]!.definition, { name: 'Bash', input_schema: { type: 'object' } }, 'the tool whole with --json');
  const contextText = await tapes(['show', '--context', answer.id], { cwd: dir });
  t.match(contextText.stdout, /Model:  claude-opus-5-5\nTools:  2: Bash, Read\nSystem prompt:\nYou are a test\./);
  const shown = await tapes(['show', S], { cwd: dir });
  t.match(shown.stdout, new RegExp(`Capture:\\s+captures/sessions/${S}, 2 model turns`), 'show of the session names its capture view');
  const hits = ndjson<{ session: string; chain: string }>((await tapes(['search', '--json', 'proof'], { cwd: dir })).stdout);
  t.ok(hits.length > 0, 'search finds the run');
  t.same([...new Set(hits.map((h) => h.chain))], [`refs/sessions/${S}`], 'as one session: its transcript');
}

t.test('capture, then import: the transcript takes the name, the capture becomes its view', async (t) => {
  const { dir, upstream } = await setup(t);
  const r = await run(dir, upstream.url);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, new RegExp(`recorded session ${S}: 2 turns`));
  const imp = await importIt(dir);
  t.equal(imp.code, 0, imp.stderr);
  const summary = JSON.parse(imp.stdout) as { sessions: Record<string, number>; files: Array<{ status: string; capture?: string }> };
  t.same(summary.sessions, { new: 1, updated: 0, unchanged: 0, kept_separately: 0 });
  t.equal(summary.files[0]!.capture, `refs/captures/sessions/${S}`, 'the import says which capture it linked');
  await checkLinked(t, dir, upstream);
  const again = await importIt(dir);
  t.equal((JSON.parse(again.stdout) as { sessions: { unchanged: number } }).sessions.unchanged, 1, 'importing again changes nothing');
});

t.test('import, then capture: the capture goes straight to the view', async (t) => {
  const { dir, upstream } = await setup(t);
  t.equal((await importIt(dir)).code, 0);
  const r = await run(dir, upstream.url);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, new RegExp(`recorded session ${S}: 2 turns, \\+4 records, as its capture view captures/sessions/${S}`), 'run says where the capture went');
  await checkLinked(t, dir, upstream);
});

t.test('import while tapes run is still recording: one chain per view, no turn lost', async (t) => {
  const { dir, upstream } = await setup(t);
  const go = join(dir, 'go');
  const running = run(dir, upstream.url, go);
  t.ok(await until(() => upstream.requests.length === 1), 'the first turn went through');
  // The first turn is recorded once the proxy has written it: the session ref exists.
  t.ok(await until(() => existsSync(join(dir, '.tapes', 'refs', 'sessions', S))), 'and was recorded');
  const imp = await importIt(dir);
  t.equal(imp.code, 0, imp.stderr);
  writeFileSync(go, '');
  const r = await running;
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, new RegExp(`recorded session ${S}: 2 turns, \\+4 records, as its capture view`), 'one session, both turns');
  await checkLinked(t, dir, upstream);
});

t.test('an archive in the old two-session layout is relinked by the next import', async (t) => {
  // Layout 1: the capture got the name, the transcript was kept as <id>-<8 hex>.
  const { dir, upstream } = await setup(t);
  t.equal((await run(dir, upstream.url)).code, 0);
  writeFileSync(join(dir, 'other.jsonl'), TRANSCRIPT);
  t.equal((await tapes(['import', 'other.jsonl'], { cwd: dir })).code, 0);
  const first = (await tapes(['rev-list', 'other'], { cwd: dir })).stdout.trim().split('\n').pop()!;
  const kept = `refs/sessions/${S}-${first.slice(0, 8)}`;
  const otherTip = (await refsOf(dir)).get('refs/sessions/other')!;
  t.equal((await tapes(['update-ref', kept, otherTip], { cwd: dir })).code, 0);
  t.equal((await tapes(['update-ref', '-d', 'refs/sessions/other'], { cwd: dir })).code, 0);
  t.equal((await tapes(['sessions', '--json'], { cwd: dir })).stdout.match(/"name"/g)?.length, 2, 'the old layout: the run listed twice');
  const imp = await tapes(['import', `${S}.jsonl`], { cwd: dir });
  t.equal(imp.code, 0, imp.stderr);
  t.match(imp.stderr, new RegExp(`relinked ${S}: its capture is now refs/captures/sessions/${S} \\(refs/sessions/${S}-${first.slice(0, 8)} is gone: it held the same records\\)`));
  await checkLinked(t, dir, upstream);
});

t.test('the other old layout (<id>-capture) is relinked too, and a session HEAD is on is left alone', async (t) => {
  const { dir, upstream } = await setup(t);
  t.equal((await importIt(dir)).code, 0);
  t.equal((await run(dir, upstream.url)).code, 0);
  // Put the capture where the old proxy put it.
  const view = `refs/captures/sessions/${S}`;
  const captureTip = (await refsOf(dir)).get(view)!;
  t.equal((await tapes(['update-ref', `refs/sessions/${S}-capture`, captureTip], { cwd: dir })).code, 0);
  t.equal((await tapes(['update-ref', '-d', view], { cwd: dir })).code, 0);
  t.equal((await tapes(['checkout', `${S}-capture`], { cwd: dir })).code, 0);
  const held = await tapes(['import', `${S}.jsonl`], { cwd: dir });
  t.equal(held.code, 0);
  t.ok((await refsOf(dir)).has(`refs/sessions/${S}-capture`), 'HEAD is on it: left as it is');
  t.equal((await tapes(['checkout', S], { cwd: dir })).code, 0);
  const imp = await tapes(['import', `${S}.jsonl`], { cwd: dir });
  t.match(imp.stderr, new RegExp(`relinked ${S}: its capture is now ${view}`));
  await checkLinked(t, dir, upstream);
});

t.test('show --wire: a transcript whose message ids differ from the capture (as Gemini\'s do) is found by what it says', async (t) => {
  const { dir, upstream } = await setup(t);
  writeFileSync(join(dir, `${S}.jsonl`), TRANSCRIPT.replace('"msg_two"', '"gemini-local-id-2"').replace('"msg_one"', '"gemini-local-id-1"'));
  t.equal((await run(dir, upstream.url)).code, 0);
  t.equal((await importIt(dir)).code, 0);
  const log = (await tapes(['log', '--json', S], { cwd: dir })).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; kind: string });
  const answer = log[log.length - 1]!;
  const wire = await tapes(['show', '--wire', '--json', answer.id], { cwd: dir });
  t.equal(wire.code, 0, wire.stderr);
  const sent = upstream.requests[1]!.body;
  t.equal((JSON.parse(wire.stdout) as { request: { sha256: string } }).request.sha256, createHash('sha256').update(sent).digest('hex'), 'the turn that answered it, by content');
});

t.test('bad input: no capture to show or compare', async (t) => {
  const { dir } = await setup(t);
  t.equal((await importIt(dir)).code, 0);
  const log = (await tapes(['log', '--json', S], { cwd: dir })).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string });
  const none = await tapes(['show', '--wire', log[0]!.id], { cwd: dir });
  t.equal(none.code, 2, 'a record with no capture: not found');
  t.match(none.stderr, new RegExp(`record ${log[0]!.id} has no wire capture: no capture of its session is stored`));
  t.equal(none.stdout, '');
  const views = await tapes(['diff', '--views', S], { cwd: dir });
  t.equal(views.code, 2);
  t.match(views.stderr, new RegExp(`session ${S} has one view only: no capture of it is stored under refs/captures/sessions/${S}`));
  const both = await tapes(['diff', '--views', S, S], { cwd: dir });
  t.equal(both.code, 129, 'two sessions with --views: a usage error');
  const one = await tapes(['diff', S], { cwd: dir });
  t.equal(one.code, 129);
  t.match(one.stderr, /name two sessions or records to compare/);
  t.notOk(readFileSync(join(dir, `${S}.jsonl`), 'utf8') === '', 'the transcript is untouched');
});
