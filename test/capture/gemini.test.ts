// The Gemini API as the proxy reads it: which requests are model turns, a
// request's contents as messages, and a response — streamed (alt=sse) or
// one-shot — reduced to one record, the same either way; a stream cut short
// or carrying an error is incomplete, never a whole answer.
import t from 'tap';
import { parseRequest, parseSse, recordedApi, reduceGeminiEvents, reduceGeminiJson, reduceResponse, storablePath } from '../../src/capture/index.js';
import { geminiJson, geminiStream } from '../helpers/model-upstream.js';

const call = { functionCall: { name: 'run_shell_command', args: { command: 'ls' } } };
const thought = { text: 'Listing first.', thought: true };

t.test('model turns are the generateContent methods of a model, under any prefix', async (t) => {
  t.equal(recordedApi('POST', '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse'), 'gemini-generate-content');
  t.equal(recordedApi('POST', '/gw/v1beta/models/gemini-2.5-flash:generateContent'), 'gemini-generate-content');
  t.equal(recordedApi('POST', '/v1beta/models/gemini-2.5-pro:countTokens'), undefined, 'token counting is forwarded only');
  t.equal(recordedApi('GET', '/v1beta/models/gemini-2.5-pro:generateContent'), undefined);
  t.equal(recordedApi('POST', '/v1beta/models'), undefined);
  t.equal(storablePath('/v1beta/models/m:generateContent?key=AIzaSECRET&alt=sse'), '/v1beta/models/m:generateContent?key=REDACTED&alt=sse', 'a key in the query is never stored');
});

t.test('a request: contents as messages, the model from the path, system prompt and tools kept whole', async (t) => {
  const body = {
    contents: [
      { role: 'user', parts: [{ text: 'list the files' }] },
      { role: 'model', parts: [thought, { ...call, thoughtSignature: 'sig==' }] },
      { role: 'user', parts: [{ functionResponse: { id: 'c1', name: 'run_shell_command', response: { output: 'a.txt' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'read_file', response: { error: 'no such file' } } }] },
      { role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: 'iVBOR' } }] },
    ],
    systemInstruction: { parts: [{ text: 'You are Gemini CLI.' }] },
    tools: [{ functionDeclarations: [{ name: 'run_shell_command' }] }],
    generationConfig: { temperature: 1 },
  };
  const p = parseRequest('gemini-generate-content', Buffer.from(JSON.stringify(body)), '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse')!;
  t.equal(p.model, 'gemini-2.5-pro');
  t.equal(p.stream, true);
  t.equal(p.listKey, 'contents');
  t.same(p.wholeKeys, ['systemInstruction', 'tools']);
  t.same(p.params, { generationConfig: { temperature: 1 } });
  t.same(p.messages.map((m) => [m.kind, m.role]), [['user', 'user'], ['assistant', 'assistant'], ['tool_result', 'user'], ['tool_result', 'user'], ['user', 'user']]);
  t.same(p.messages[1]!.content, [{ type: 'thinking', thinking: 'Listing first.' }, { type: 'tool_use', id: null, name: 'run_shell_command', input: { command: 'ls' } }]);
  t.same(p.messages[2]!.content, [{ type: 'tool_result', tool_use_id: null, content: 'a.txt', is_error: false, call_id: 'c1', name: 'run_shell_command' }]);
  t.same(p.messages[3]!.content, [{ type: 'tool_result', tool_use_id: null, content: '{"error":"no such file"}', is_error: true, name: 'read_file' }], 'an error response is a failed result');
  t.same(p.messages[4]!.content, [{ type: 'image', media_type: 'image/png', source_type: 'base64', data: 'iVBOR' }]);
  t.equal(parseRequest('gemini-generate-content', Buffer.from('[1]'), '/v1beta/models/m:generateContent'), undefined, 'a body that is not an object is not parsed');
});

t.test('a response: streamed and one-shot give the same record', async (t) => {
  const parts = [thought, { text: 'I will ' }, { text: 'list them.' }, call];
  const streamed = geminiStream(parts);
  const s = reduceResponse('gemini-generate-content', 'text/event-stream', streamed.body);
  const j = reduceResponse('gemini-generate-content', 'application/json', geminiJson([thought, { text: 'I will list them.' }, call]).body);
  t.equal(s.stream, true);
  t.equal(j.stream, false);
  t.same(s.content, [{ type: 'thinking', thinking: 'Listing first.' }, { type: 'text', text: 'I will list them.' }, { type: 'tool_use', id: null, name: 'run_shell_command', input: { command: 'ls' } }], 'text pieces of a stream are joined');
  t.same(s.content, j.content);
  t.same(s.meta, j.meta);
  t.same(s.meta, { model: 'gemini-2.5-pro', message_id: 'gemini_resp_test', usage: { promptTokenCount: 120, candidatesTokenCount: 12, totalTokenCount: 132 }, stop_reason: 'STOP' });
  t.equal(s.complete, true);
  const array = reduceGeminiJson([JSON.parse(geminiJson([{ text: 'a' }]).body.toString())]);
  t.equal(array.complete, true, 'streamGenerateContent without alt=sse: a JSON array of chunks');
});

t.test('bad responses: cut short, an error chunk, not JSON', async (t) => {
  const whole = geminiStream([{ text: 'one' }, { text: 'two' }]).body.toString();
  const cut = reduceGeminiEvents(parseSse(whole.slice(0, whole.indexOf('\r\n\r\n') + 4)));
  t.equal(cut.complete, false);
  t.equal(cut.problem, 'stream ended before a finish reason');
  t.same(cut.content, [{ type: 'text', text: 'one' }], 'what arrived is kept');
  const err = reduceGeminiEvents(parseSse(`data: ${JSON.stringify({ error: { code: 429, message: 'Resource exhausted', status: 'RESOURCE_EXHAUSTED' } })}\r\n\r\n`));
  t.equal(err.complete, false);
  t.equal(err.problem, 'error: Resource exhausted');
  t.same(err.meta.error, { code: 429, message: 'Resource exhausted', status: 'RESOURCE_EXHAUSTED' });
  const junk = reduceResponse('gemini-generate-content', 'application/json', Buffer.from('not json'));
  t.equal(junk.complete, false);
  t.equal(junk.problem, 'response body is not JSON');
  t.equal(reduceGeminiJson('text').problem, 'response is not a JSON object');
});
