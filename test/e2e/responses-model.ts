// A scripted OpenAI Responses model on 127.0.0.1 for the real Codex CLI
// (model-server.ts): a request whose input carries a tool's output gets the
// closing message; any other request gets one call of `exec`, the tool
// Codex 0.169 offers for running things (a script in which
// tools.exec_command runs a shell command), streamed as Codex asks.
import { sse, startModel, type ScriptedModel } from './model-server.js';

export const SHELL = 'echo hello from the agent > hello.txt && cat hello.txt';
export const CLOSING = 'Done: hello.txt holds the greeting.';
export const CALL_ID = 'call_e2e_0001';
export const SCRIPT = `const r = await tools.exec_command({ cmd: ${JSON.stringify(SHELL)} });\ntext(typeof r === "string" ? r : JSON.stringify(r));\n`;

export async function responsesModel(): Promise<ScriptedModel> {
  return startModel(({ body }) => {
    const input = Array.isArray(body.input) ? (body.input as Array<{ type?: string }>) : [];
    const answered = input.some((i) => i.type === 'function_call_output' || i.type === 'custom_tool_call_output');
    const output = answered
      ? [{ type: 'message', id: 'msg_e2e_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: CLOSING, annotations: [] }] }]
      : [{ type: 'custom_tool_call', id: 'ctc_e2e_1', call_id: CALL_ID, name: 'exec', input: SCRIPT, status: 'completed' }];
    const response = { id: `resp_e2e_${requestsSeen++}`, object: 'response', created_at: Math.floor(Date.now() / 1000), status: 'completed', model: body.model, output, usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } };
    const events: Array<[string, unknown]> = [['response.created', { type: 'response.created', response: { ...response, status: 'in_progress', output: [] } }]];
    output.forEach((item, i) => {
      events.push(['response.output_item.added', { type: 'response.output_item.added', output_index: i, item }]);
      events.push(['response.output_item.done', { type: 'response.output_item.done', output_index: i, item }]);
    });
    events.push(['response.completed', { type: 'response.completed', response }]);
    return { contentType: 'text/event-stream', body: sse(events) };
  });
}

let requestsSeen = 0;
