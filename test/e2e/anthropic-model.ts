// A scripted Anthropic Messages model on 127.0.0.1 for the real Claude Code:
// it answers by what it is asked rather than by the order of requests (the
// CLI may also ask for a title or count tokens): a request whose last message
// carries a tool result gets the closing text; a request that offers the Bash
// tool gets one Bash call; anything else a short text. Streamed (SSE) when
// asked to stream, as the CLI does. It keeps every request and closes itself
// after two minutes whatever happens.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedModel {
  url: string;
  requests: Array<{ path: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export const COMMAND = 'echo hello from the agent > hello.txt && cat hello.txt';
export const CLOSING = 'Done: hello.txt holds the greeting.';
export const TOOL_USE_ID = 'toolu_e2e_0001';

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

function sse(content: Block[], model: string): string {
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
  return ev.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join('');
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
  const requests: ScriptedModel['requests'] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
      } catch {
        body = {};
      }
      const path = req.url ?? '/';
      requests.push({ path, body });
      if (!path.startsWith('/v1/messages') || path.includes('count_tokens')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ input_tokens: 12 }));
        return;
      }
      const content = answer(body);
      const model = typeof body.model === 'string' ? body.model : 'claude-e2e';
      if (body.stream === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(sse(content, model));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'msg_e2e', type: 'message', role: 'assistant', model, content, stop_reason: 'end_turn', usage: { input_tokens: 12, output_tokens: 14 } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve())));
  setTimeout(() => void close(), 120_000).unref();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close };
}
