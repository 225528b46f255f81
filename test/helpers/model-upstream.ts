// A scripted model API for the rerun tests: a loopback server (127.0.0.1,
// port 0) that answers the n-th request with the n-th scripted reply, keeps
// every request it got, and answers anything past the script with a 500
// (so an unexpected request fails the rerun rather than hanging). Tests
// close it in their teardown; it also closes itself after two minutes
// whatever happens (a timer that keeps no process alive). Replies
// are Anthropic Messages or OpenAI Responses answers, streamed (SSE) or
// one-shot JSON, built from content blocks or taken from the wire corpus.
import { startUpstream, type Reply, type Upstream } from '../capture/wire-helpers.js';

export type { Reply };

export interface Scripted extends Upstream {
  /** Bodies of the requests received, parsed. */
  bodies(): Array<Record<string, unknown>>;
}

export async function scriptedUpstream(script: Reply[]): Promise<Scripted> {
  let n = 0;
  const up = await startUpstream(() => {
    const reply = script[n++];
    if (reply) return reply;
    return { status: 500, headers: [['content-type', 'application/json']], body: Buffer.from('{"type":"error","error":{"type":"api_error","message":"the script has no more answers"}}') };
  });
  let closed: Promise<void> | undefined;
  const stop = up.close;
  const close = () => (closed ??= stop());
  setTimeout(close, 120_000).unref();
  return Object.assign(up, { close, bodies: () => up.requests.map((r) => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>) });
}

const SSE_HEADERS: Array<[string, string]> = [['content-type', 'text/event-stream; charset=utf-8']];
const JSON_HEADERS: Array<[string, string]> = [['content-type', 'application/json']];

const event = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

export interface AnswerOptions {
  model?: string;
  usage?: { input_tokens: number; output_tokens: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number };
  stopReason?: string;
  id?: string;
}

/** An Anthropic Messages answer of `content`, streamed as the API streams it. */
export function anthropicStream(content: Array<Record<string, unknown>>, o: AnswerOptions = {}): Reply {
  const usage = o.usage ?? { input_tokens: 100, output_tokens: 20 };
  const stop = o.stopReason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
  let text = event('message_start', {
    type: 'message_start',
    message: { id: o.id ?? 'msg_rerun_test', type: 'message', role: 'assistant', content: [], model: o.model ?? 'claude-sonnet-4-6', stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
  });
  content.forEach((b, index) => {
    if (b.type === 'tool_use') {
      text += event('content_block_start', { type: 'content_block_start', index, content_block: { ...b, input: {} } });
      text += event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } });
    } else if (b.type === 'text') {
      text += event('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      text += event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: b.text } });
    }
    text += event('content_block_stop', { type: 'content_block_stop', index });
  });
  text += event('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  text += event('message_stop', { type: 'message_stop' });
  return { headers: SSE_HEADERS, body: Buffer.from(text), chunks: 3 };
}

/** The same answer as one JSON document. */
export function anthropicJson(content: Array<Record<string, unknown>>, o: AnswerOptions = {}): Reply {
  const usage = o.usage ?? { input_tokens: 100, output_tokens: 20 };
  const stop = o.stopReason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
  const body = { id: o.id ?? 'msg_rerun_test', type: 'message', role: 'assistant', model: o.model ?? 'claude-sonnet-4-6', content, stop_reason: stop, stop_sequence: null, usage };
  return { headers: JSON_HEADERS, body: Buffer.from(JSON.stringify(body)) };
}

export const bash = (id: string, command: string) => ({ type: 'tool_use', id, name: 'Bash', input: { command, description: 'run it' } });
export const text = (t: string) => ({ type: 'text', text: t });

/** An OpenAI Responses answer of `output` items, streamed as the API streams it. */
export function responsesStream(output: Array<Record<string, unknown>>, o: { model?: string; usage?: Record<string, unknown> } = {}): Reply {
  const response = { id: 'resp_rerun_test', object: 'response', status: 'in_progress', model: o.model ?? 'gpt-5', output: [] as unknown[] };
  let body = event('response.created', { type: 'response.created', response });
  output.forEach((item, i) => {
    body += event('response.output_item.added', { type: 'response.output_item.added', output_index: i, item });
    body += event('response.output_item.done', { type: 'response.output_item.done', output_index: i, item });
  });
  const usage = o.usage ?? { input_tokens: 200, output_tokens: 30, input_tokens_details: { cached_tokens: 0 } };
  body += event('response.completed', { type: 'response.completed', response: { ...response, status: 'completed', output, usage } });
  return { headers: SSE_HEADERS, body: Buffer.from(body), chunks: 2 };
}

export function responsesJson(output: Array<Record<string, unknown>>, o: { model?: string; usage?: Record<string, unknown> } = {}): Reply {
  const usage = o.usage ?? { input_tokens: 200, output_tokens: 30, input_tokens_details: { cached_tokens: 0 } };
  return { headers: JSON_HEADERS, body: Buffer.from(JSON.stringify({ id: 'resp_rerun_test', object: 'response', status: 'completed', model: o.model ?? 'gpt-5', output, usage })) };
}

/** An error the API answers with. */
export function apiError(status: number, type: string, message: string): Reply {
  return { status, headers: JSON_HEADERS, body: Buffer.from(JSON.stringify({ type: 'error', error: { type, message } })) };
}

/** A Gemini API answer of `parts`, streamed as streamGenerateContent?alt=sse streams it (one chunk per part, the last with the finish reason). */
export function geminiStream(parts: Array<Record<string, unknown>>, o: { model?: string; id?: string } = {}): Reply {
  let body = '';
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    const chunk = {
      candidates: [{ content: { role: 'model', parts: [part] }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
      ...(last ? { usageMetadata: { promptTokenCount: 120, candidatesTokenCount: 12, totalTokenCount: 132 } } : {}),
      modelVersion: o.model ?? 'gemini-2.5-pro',
      responseId: o.id ?? 'gemini_resp_test',
    };
    body += `data: ${JSON.stringify(chunk)}\r\n\r\n`;
  });
  return { headers: SSE_HEADERS, body: Buffer.from(body), chunks: 2 };
}

/** The same answer as one GenerateContentResponse (generateContent). */
export function geminiJson(parts: Array<Record<string, unknown>>, o: { model?: string; id?: string } = {}): Reply {
  const chunk = { candidates: [{ content: { role: 'model', parts }, index: 0, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 120, candidatesTokenCount: 12, totalTokenCount: 132 }, modelVersion: o.model ?? 'gemini-2.5-pro', responseId: o.id ?? 'gemini_resp_test' };
  return { headers: JSON_HEADERS, body: Buffer.from(JSON.stringify(chunk)) };
}
