// The response reducers on the SSE cases of the corpus: a streamed turn and
// its one-shot twin give the same record; errors mid-stream and cut streams
// give what arrived, flagged incomplete; OpenAI Responses streams.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, deflateSync } from 'node:zlib';
import { decodeBody, parseSse, reduceResponse, reduceChatEvents, reduceChatJson, parseRequest, responsesMessages } from '../../src/capture/index.js';
import { SSE_DIR } from './wire-helpers.js';

const read = (p: string) => readFileSync(join(SSE_DIR, p));
const SSE = 'text/event-stream; charset=utf-8';

t.test('streamed and one-shot twins give the same content and meta', async (t) => {
  for (const name of ['turn_01', 'turn_02_tool_use', 'turn_03_thinking', 'turn_04_server_tool']) {
    const stream = reduceResponse('anthropic-messages', SSE, read(`anthropic/canonical_equivalence/${name}_stream.sse`));
    const oneshot = reduceResponse('anthropic-messages', 'application/json', read(`anthropic/canonical_equivalence/${name}_oneshot.json`));
    t.equal(stream.stream, true);
    t.equal(oneshot.stream, false);
    t.same(stream.content, oneshot.content, `${name}: content`);
    t.same(stream.meta, oneshot.meta, `${name}: meta`);
    t.ok(stream.complete && oneshot.complete, `${name}: complete`);
    t.ok(stream.content.length > 0);
  }
  const tool = reduceResponse('anthropic-messages', SSE, read('anthropic/canonical_equivalence/turn_02_tool_use_stream.sse'));
  t.same(tool.content[1], { type: 'tool_use', id: 'toolu_FIXTURE0000000000000', name: 'get_weather', input: { location: 'SF', unit: 'C' } }, 'tool input parsed from its JSON fragments');
  const server = reduceResponse('anthropic-messages', SSE, read('anthropic/canonical_equivalence/turn_04_server_tool_stream.sse'));
  t.same((server.content[0] as Record<string, unknown>).input, { query: 'latest go version' }, 'server tool input');
  t.equal((server.content[1] as Record<string, unknown>).type, 'web_search_tool_result', 'server tool results kept as they are');
  // The plain stream and its one-shot twin at the top of the folder.
  const plain = reduceResponse('anthropic-messages', SSE, read('anthropic/messages_stream.sse'));
  const plainJson = reduceResponse('anthropic-messages', 'application/json', read('anthropic/messages_oneshot.json'));
  t.same(plain.content, [{ type: 'text', text: 'Hello! How can I help you today?' }]);
  t.same(plain.meta, plainJson.meta);
  t.same(plain.meta.usage, { input_tokens: 12, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }, 'usage: message_start merged with message_delta');
});

t.test('thinking with its signature, tool use', async (t) => {
  const r = reduceResponse('anthropic-messages', SSE, read('anthropic/messages_thinking.sse'));
  t.same(r.content, [
    { type: 'thinking', thinking: 'Let me add 2 and 2. Two plus two equals four.', signature: 'EqoBCkgIARgCIkBYp3d2' },
    { type: 'text', text: '2 + 2 = 4.' },
  ]);
  t.equal(r.meta.stop_reason, 'end_turn');
  t.equal(r.meta.model, 'claude-opus-4-20250514');
  const tu = reduceResponse('anthropic-messages', SSE, read('anthropic/messages_tool_use.sse'));
  t.same(tu.content[1], { type: 'tool_use', id: 'toolu_FIXTURE0000000000000', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'celsius' } });
  t.equal(tu.meta.stop_reason, 'tool_use');
  t.same(tu.meta.usage, { input_tokens: 95, output_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
});

t.test('an error mid-stream and a cut stream keep what arrived, flagged incomplete', async (t) => {
  const err = reduceResponse('anthropic-messages', SSE, read('anthropic/messages_error_mid_stream.sse'));
  t.equal(err.complete, false);
  t.same(err.content, [{ type: 'text', text: 'Starting to answer' }]);
  t.same(err.meta.error, { type: 'overloaded_error', message: 'Overloaded' });
  t.match(err.problem, /overloaded_error/);
  const cut = reduceResponse('anthropic-messages', SSE, read('anthropic/messages_truncated_stream.sse'));
  t.equal(cut.complete, false);
  t.same(cut.content, [{ type: 'text', text: 'Partial respon' }]);
  t.match(cut.problem, /before message_stop/);
  // Cut inside an event, and inside a tool call's JSON.
  const bytes = read('anthropic/messages_tool_use.sse');
  const at = bytes.indexOf('",\\"unit');
  const mid = reduceResponse('anthropic-messages', SSE, bytes.subarray(0, at + 3));
  t.equal(mid.complete, false);
  t.equal((mid.content[1] as Record<string, unknown>).type, 'tool_use');
  t.equal((mid.content[1] as Record<string, unknown>).input, '{"location": "San Francisco, CA"', 'an unfinished tool input is kept as the text that arrived');
  t.same(reduceResponse('anthropic-messages', SSE, Buffer.alloc(0)).complete, false, 'an empty stream');
});

t.test('OpenAI Responses streams and one-shot bodies', async (t) => {
  const s = reduceResponse('openai-responses', SSE, read('openai_responses/stream.sse'));
  t.equal(s.complete, true);
  t.same(s.content, [{ type: 'text', text: 'paper-codex-sse-ok' }]);
  t.equal(s.meta.model, 'gpt-4o-mini-2024-07-18');
  t.equal(s.meta.stop_reason, 'completed');
  t.same(s.meta.usage, { input_tokens: 18, input_tokens_details: { cached_tokens: 0 }, output_tokens: 8, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 26 });
  const o = reduceResponse('openai-responses', 'application/json', read('openai_responses/oneshot.json'));
  t.equal(o.complete, true);
  t.same(o.content, [{ type: 'text', text: 'paper-codex-ok' }]);
  const chatgpt = reduceResponse('openai-responses', SSE, read('openai_responses/chatgpt_stream.sse'));
  t.equal(chatgpt.complete, true);
  t.equal(chatgpt.meta.model, 'gpt-5.5');
  t.ok(chatgpt.content.some((b) => (b as Record<string, unknown>).type === 'thinking'), 'reasoning items become thinking blocks');
  t.ok(chatgpt.content.some((b) => (b as Record<string, unknown>).type === 'text'));
  // A Responses stream cut before response.completed keeps the text that arrived.
  const bytes = read('openai_responses/stream.sse');
  const cut = reduceResponse('openai-responses', SSE, bytes.subarray(0, bytes.indexOf('event: response.output_text.done')));
  t.equal(cut.complete, false);
  t.same(cut.content, [{ type: 'text', text: 'paper-codex-sse-ok' }]);
  // Input items grouped as the output they came from.
  const msgs = responsesMessages([
    { role: 'developer', content: 'be brief' },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
    { type: 'reasoning', summary: [{ type: 'summary_text', text: 'think' }], encrypted_content: 'xyz' },
    { type: 'function_call', call_id: 'c1', name: 'shell', arguments: '{"cmd":"ls"}' },
    { type: 'function_call', call_id: 'c2', name: 'shell', arguments: '{"cmd":"pwd"}' },
    { type: 'function_call_output', call_id: 'c1', output: 'a b' },
    { type: 'function_call_output', call_id: 'c2', output: '/tmp' },
  ]);
  t.same(msgs.map((m) => m.kind), ['system', 'user', 'assistant', 'tool_result']);
  t.equal(msgs[2]!.content.length, 3);
  t.same(msgs[2]!.content[1], { type: 'tool_use', id: 'c1', name: 'shell', input: { cmd: 'ls' } });
});

t.test('OpenAI Chat Completions: streamed chunks and one-shot give the same record', async (t) => {
  const oneshot = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Sure.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'ls', arguments: '{"path":"."}' } }] }, finish_reason: 'tool_calls' }],
    usage: { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 },
  };
  const chunks = [
    { id: 'chatcmpl-1', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { role: 'assistant', content: 'Su' } }] },
    { id: 'chatcmpl-1', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 're.' } }] },
    { id: 'chatcmpl-1', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'ls', arguments: '{"pa' } }] } }] },
    { id: 'chatcmpl-1', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'th":"."}' } }] } }] },
    { id: 'chatcmpl-1', model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
    { id: 'chatcmpl-1', model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 } },
  ];
  const sse = chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';
  const s = reduceChatEvents(parseSse(sse));
  const o = reduceChatJson(oneshot);
  t.same(s.content, o.content);
  t.same(s.meta, o.meta);
  t.ok(s.complete && o.complete);
  t.same(o.content, [{ type: 'text', text: 'Sure.' }, { type: 'tool_use', id: 'call_1', name: 'ls', input: { path: '.' } }]);
  const cut = reduceChatEvents(parseSse(sse.slice(0, sse.indexOf('[DONE]') - 6)));
  t.equal(cut.complete, false);
  const req = parseRequest('openai-chat', Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'x' }, { role: 'user', content: 'hi' }, { role: 'assistant', content: null, tool_calls: oneshot.choices[0]!.message.tool_calls }, { role: 'tool', tool_call_id: 'call_1', content: 'a.txt' }] })))!;
  t.same(req.messages.map((m) => m.kind), ['system', 'user', 'assistant', 'tool_result']);
  t.same(req.messages[2]!.content, [{ type: 'tool_use', id: 'call_1', name: 'ls', input: { path: '.' } }], 'a re-sent assistant message normalises as its response did');
});

t.test('bodies are decoded for recording: gzip, br, deflate, cut short, unknown', async (t) => {
  const body = read('anthropic/messages_stream.sse');
  for (const [enc, bytes] of [['gzip', gzipSync(body)], ['br', brotliCompressSync(body)], ['deflate', deflateSync(body)]] as const) {
    const d = await decodeBody(bytes, enc);
    t.ok(d.bytes.equals(body), `${enc} decodes`);
    t.equal(d.problem, undefined);
  }
  const gz = gzipSync(body);
  const cut = await decodeBody(gz.subarray(0, Math.floor(gz.length * 0.7)), 'gzip');
  t.ok(cut.bytes.length > 0 && body.subarray(0, cut.bytes.length).equals(cut.bytes), 'a cut gzip body decodes as far as it goes');
  t.match(cut.problem, /ends early/);
  const unknown = await decodeBody(body, 'compress');
  t.ok(unknown.bytes.equals(body));
  t.match(unknown.problem, /cannot be decoded/);
});

t.test('SSE parsing: CRLF, CR, comments, multi-line data, a cut last event', async (t) => {
  t.same(parseSse(': hi\r\nevent: a\r\ndata: 1\r\ndata: 2\r\n\r\ndata: x\r\rdata: {"cut'), [
    { event: 'a', data: '1\n2' },
    { event: 'message', data: 'x' },
  ]);
  t.same(parseSse('data: {"a":1}\n'), [{ event: 'message', data: '{"a":1}', cut: true }]);
});
