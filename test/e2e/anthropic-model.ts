// A scripted Anthropic Messages model on 127.0.0.1 for the real Claude Code:
// it answers by what it is asked rather than by the order of requests (the
// CLI may also ask for a title or count tokens): a request whose last message
// carries a tool result gets the closing text; a request that offers the Bash
// tool gets one Bash call; anything else a short text. Streamed (SSE) when
// asked to stream, as the CLI does. It keeps every request and closes itself
// after two minutes whatever happens (model-server.ts).
import { sse, startModel, type ScriptedModel } from './model-server.js';

export const COMMAND = 'echo hello from the agent > hello.txt && cat hello.txt';
export const CLOSING = 'Done: hello.txt holds the greeting.';
export const TOOL_USE_ID = 'toolu_e2e_0001';

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

function stream(content: Block[], model: string): string {
  const ev: Array<[string, unknown]> = [
    ['message_start', { type: 'message_start', message: { id: `msg_e2e_${Date.now()}`, type: 'message', role: 'assistant', model, content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } }],
  ];
  content.forEach((b, index) => {
    if (b.type === 'text') {
      ev.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
      ev.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: b.text } }]);
    } else {
      ev.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } }]);
      ev.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } }]);
    }
    ev.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  ev.push(['message_delta', { type: 'message_delta', delta: { stop_reason: content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn' }, usage: { output_tokens: 14 } }]);
  ev.push(['message_stop', { type: 'message_stop' }]);
  return sse(ev);
}

function answer(body: Record<string, unknown>): Block[] {
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ content?: unknown }>) : [];
  const last = messages[messages.length - 1];
  const hasResult = Array.isArray(last?.content) && (last.content as Array<{ type?: string }>).some((b) => b.type === 'tool_result');
  if (hasResult) return [{ type: 'text', text: CLOSING }];
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ name?: string }>) : [];
  if (tools.some((t) => t.name === 'Bash')) return [{ type: 'tool_use', id: TOOL_USE_ID, name: 'Bash', input: { command: COMMAND, description: 'Write the greeting' } }];
  return [{ type: 'text', text: 'Greeting file' }];
}

export async function scriptedModel(): Promise<ScriptedModel> {
  return startModel(({ path, body }) => {
    if (!path.startsWith('/v1/messages') || path.includes('count_tokens')) return { contentType: 'application/json', body: JSON.stringify({ input_tokens: 12 }) };
    const content = answer(body);
    const model = typeof body.model === 'string' ? body.model : 'claude-e2e';
    if (body.stream === true) return { contentType: 'text/event-stream', body: stream(content, model) };
    return { contentType: 'application/json', body: JSON.stringify({ id: 'msg_e2e', type: 'message', role: 'assistant', model, content, stop_reason: 'end_turn', usage: { input_tokens: 12, output_tokens: 14 } }) };
  });
}
