// tapes rerun on a captured OpenAI Chat Completions session: the recorded
// request byte for byte, --system replacing its system message, and the
// conversation continued the Chat way (the answer's tool_calls, then the
// recorded tool message under the new call id).
import t from 'tap';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { SessionRecorder } from '../../src/capture/index.js';
import { tapes, tempDir } from '../helpers/cli.js';
import { scriptedUpstream, type Reply } from '../helpers/model-upstream.js';
import { must, occurrences } from './rerun-helpers.js';

const KEY = 'sk-RERUN-chat-test-key-9a0b';
const tools = [{ type: 'function', function: { name: 'shell', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } } }];
const first = [
  { role: 'system', content: 'You are a shell helper.' },
  { role: 'user', content: 'What files are here?' },
];
const call = (id: string) => ({ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'shell', arguments: '{"cmd":"ls"}' } }] });
const answer = (message: Record<string, unknown>, finish: string): Buffer =>
  Buffer.from(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o-2024-08-06', choices: [{ index: 0, message, finish_reason: finish }], usage: { prompt_tokens: 60, completion_tokens: 12 } }));
const json = (body: Buffer): Reply => ({ headers: [['content-type', 'application/json']], body });

const dir = tempDir('tapes-rerun-chat-');
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
await Archive.init({ cwd: dir, env: {} });
const archive = await Archive.openAt(join(dir, '.tapes'), { now: () => new Date('2026-03-01T10:00:00.000Z') });
const recorder = new SessionRecorder(await archive.objectWriter(), archive.refs);
const bodies = [
  Buffer.from(JSON.stringify({ model: 'gpt-4o', messages: first, tools })),
  Buffer.from(JSON.stringify({ model: 'gpt-4o', messages: [...first, call('call_1'), { role: 'tool', tool_call_id: 'call_1', content: 'a.txt\nb.txt' }], tools })),
];
const answers = [answer(call('call_1'), 'tool_calls'), answer({ role: 'assistant', content: 'Two files: a.txt and b.txt.' }, 'stop')];
for (const [i, body] of bodies.entries()) {
  const time = new Date(Date.UTC(2026, 2, 1, 10, 0, i));
  await recorder.record({
    api: 'openai-chat',
    method: 'POST',
    target: '/v1/chat/completions',
    rawHeaders: ['content-type', 'application/json', 'authorization', `Bearer ${KEY}-recorded`],
    body,
    time,
    response: { status: 200, rawHeaders: ['content-type', 'application/json'], body: answers[i]!, time, headersMs: 1, ttfbMs: 1, totalMs: 2, end: 'complete' },
  });
}
const session = (await archive.refs.list('refs/sessions/'))[0]!.name.slice('refs/sessions/'.length);
/** The user's question: the record before the first answer. */
const at = `${session}~3`;

t.test('the recorded request, and --system replacing its system message', async (t) => {
  const doc = JSON.parse((await must(['rerun', at, '--json'], dir)).stdout);
  t.equal(doc.api, 'openai-chat');
  t.equal(doc.endpoint, 'https://api.openai.com/v1/chat/completions');
  t.ok(Buffer.from(doc.requests[0].body).equals(bodies[0]!), 'byte for byte');
  t.same(doc.requests[0].system, { source: 'recorded', bytes: Buffer.byteLength('You are a shell helper.') });
  const sys = join(dir, 'sys.txt');
  writeFileSync(sys, 'Answer in French.');
  const changed = JSON.parse(JSON.parse((await must(['rerun', at, '--system', 'sys.txt', '--json'], dir)).stdout).requests[0].body);
  t.same(changed.messages[0], { role: 'system', content: 'Answer in French.' });
  t.same(changed.messages.slice(1), first.slice(1));
});

t.test('a matching call gets the recorded tool message under its new id', async (t) => {
  const up = await scriptedUpstream([json(answer(call('call_NEW'), 'tool_calls')), json(answer({ role: 'assistant', content: 'Deux fichiers.' }, 'stop'))]);
  t.teardown(() => up.close());
  const r = await tapes(['rerun', at, '--send', '--yes', '--upstream', up.url, '--json'], { cwd: dir, env: { OPENAI_API_KEY: KEY } });
  t.equal(r.code, 0, r.stderr);
  t.equal(up.requests.length, 2);
  t.equal(up.requests[0]!.path, '/v1/chat/completions');
  t.ok(up.requests[0]!.body.equals(bodies[0]!), 'the first request is the recorded one');
  const messages = up.bodies()[1]!.messages as unknown[];
  t.same(messages.slice(2), [call('call_NEW'), { role: 'tool', tool_call_id: 'call_NEW', content: 'a.txt\nb.txt' }]);
  const b = JSON.parse(r.stdout).branches[0];
  t.equal(b.stop.reason, 'answered');
  t.same(b.tokens, { input: 120, output: 24, cache_read: 0, cache_write: 0 });
  const found = await occurrences(dir, KEY);
  t.same(found.hits, [], `the key (and the recorded one) is nowhere in ${found.searched} objects and files`);
});
