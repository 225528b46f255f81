// A scripted Gemini API model on 127.0.0.1 for the real Gemini CLI
// (model-server.ts), answering by what it is asked, not by the order of
// requests: streamGenerateContent whose last content carries a function
// response gets the closing text; any other stream gets one call of
// run_shell_command; generateContent (the CLI's side questions: its router's
// complexity score, who speaks next) gets a JSON text that satisfies each; and
// countTokens a count.
import { startModel, type ScriptedModel } from './model-server.js';

export const SHELL = 'echo hello from the agent > hello.txt && cat hello.txt';
export const CLOSING = 'Done: hello.txt holds the greeting.';
export const CALL = 'run_shell_command';

function chunk(parts: Array<Record<string, unknown>>, model: string): Record<string, unknown> {
  return { candidates: [{ content: { role: 'model', parts }, index: 0, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 120, candidatesTokenCount: 12, totalTokenCount: 132 }, modelVersion: model, responseId: 'gemini_e2e' };
}

export async function geminiModel(): Promise<ScriptedModel> {
  return startModel(({ path, body }) => {
    const model = /models\/([^:]+):/.exec(path)?.[1] ?? 'gemini-2.5-pro';
    if (path.includes(':countTokens')) return { contentType: 'application/json', body: JSON.stringify({ totalTokens: 10 }) };
    if (path.includes(':generateContent')) {
      const text = JSON.stringify({ reasoning: 'simple task', model_choice: 'flash', complexity_reasoning: 'one shell command', complexity_score: 1, next_speaker: 'user' });
      return { contentType: 'application/json', body: JSON.stringify(chunk([{ text }], model)) };
    }
    const contents = Array.isArray(body.contents) ? (body.contents as Array<{ parts?: Array<Record<string, unknown>> }>) : [];
    const answered = (contents.at(-1)?.parts ?? []).some((p) => 'functionResponse' in p);
    const parts = answered ? [{ text: CLOSING }] : [{ functionCall: { name: CALL, args: { command: SHELL, description: 'write the greeting' } } }];
    return { contentType: 'text/event-stream', body: `data: ${JSON.stringify(chunk(parts, model))}\r\n\r\n` };
  });
}
