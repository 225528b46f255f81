// Gemini API (POST …/models/<model>:generateContent, and
// :streamGenerateContent?alt=sse, as Gemini CLI sends them through
// GOOGLE_GEMINI_BASE_URL): `contents` to normalised messages, and a response
// — a stream of GenerateContentResponse chunks, or one — to one assistant
// record.
//
// Gemini numbers no tool call: the API may send a function call without an
// id, and the CLI then makes one up and sends it back with the call in the
// next request. So tool calls and results are normalised without ids (a
// call is matched by its name and arguments, docs/capture.md "Matching"),
// and the id, when there is one, is kept beside them as `call_id`.
import type { SseEvent } from './sse.js';
import { isObj, parsedRequest, tryJson, type Obj, type ParsedRequest, type ReducedResponse, type WireMessage } from './wire-api.js';

/** The model a Gemini request names in its path: …/models/<model>:<method>. */
export function geminiModelOf(target: string): string | null {
  const m = /\/models\/([^/:?]+):[A-Za-z]+(?:\?|$)/.exec(target);
  return m ? decodeURIComponent(m[1]!) : null;
}

/** The content blocks of a list of Gemini parts. */
export function geminiBlocks(parts: unknown): unknown[] {
  if (!Array.isArray(parts)) return [];
  const out: unknown[] = [];
  for (const p of parts) {
    if (!isObj(p)) {
      out.push(p);
      continue;
    }
    if (typeof p.text === 'string') {
      if (p.thought === true) out.push(p.thoughtSignature !== undefined ? { type: 'thinking', thinking: p.text, signature: p.thoughtSignature } : { type: 'thinking', thinking: p.text });
      else out.push({ type: 'text', text: p.text });
    } else if (isObj(p.functionCall)) {
      const c = p.functionCall;
      out.push({ type: 'tool_use', id: null, name: c.name ?? null, input: c.args ?? {}, ...(typeof c.id === 'string' ? { call_id: c.id } : {}) });
    } else if (isObj(p.functionResponse)) {
      const r = p.functionResponse;
      const response = isObj(r.response) ? r.response : r.response;
      // The CLI answers {"output": "<text>"} (or {"error": …}): the text is the result.
      const content = isObj(response) && typeof response.output === 'string' && Object.keys(response).length === 1 ? response.output : JSON.stringify(response ?? null);
      out.push({ type: 'tool_result', tool_use_id: null, content, is_error: isObj(response) && response.error !== undefined, ...(typeof r.id === 'string' ? { call_id: r.id } : {}), ...(typeof r.name === 'string' ? { name: r.name } : {}) });
    } else if (isObj(p.inlineData)) {
      out.push({ type: 'image', media_type: p.inlineData.mimeType ?? null, source_type: 'base64', data: p.inlineData.data ?? null });
    } else {
      out.push(p);
    }
  }
  return out;
}

function geminiMessage(c: unknown): WireMessage {
  if (!isObj(c)) return { kind: 'other', role: null, content: [c] };
  const role = typeof c.role === 'string' ? c.role : null;
  const content = geminiBlocks(c.parts);
  if (role === 'model') return { kind: 'assistant', role: 'assistant', content };
  const onlyResults = content.length > 0 && content.every((b) => isObj(b) && b.type === 'tool_result');
  return { kind: role === 'user' ? (onlyResults ? 'tool_result' : 'user') : 'other', role, content };
}

export function parseGeminiRequest(body: Obj, target: string): ParsedRequest {
  const messages = Array.isArray(body.contents) ? body.contents.map(geminiMessage) : [];
  const parsed = parsedRequest('gemini-generate-content', body, 'contents', ['systemInstruction', 'tools'], messages);
  return { ...parsed, model: geminiModelOf(target), stream: /:streamGenerateContent\b/.test(target) };
}

interface Reduction {
  parts: unknown[];
  meta: Obj;
  finish: unknown;
  error?: unknown;
}

/** Adds one GenerateContentResponse chunk: text parts of the same kind join, other parts are kept whole. */
function addChunk(r: Reduction, chunk: unknown): void {
  if (!isObj(chunk)) return;
  if (chunk.error !== undefined) r.error = chunk.error;
  const cand = Array.isArray(chunk.candidates) && isObj(chunk.candidates[0]) ? chunk.candidates[0] : undefined;
  if (cand) {
    const parts = isObj(cand.content) && Array.isArray(cand.content.parts) ? cand.content.parts : [];
    for (const p of parts) {
      const last = r.parts[r.parts.length - 1];
      if (isObj(p) && typeof p.text === 'string' && isObj(last) && typeof last.text === 'string' && Boolean(last.thought) === Boolean(p.thought) && last.thoughtSignature === undefined) {
        r.parts[r.parts.length - 1] = { ...last, ...p, text: last.text + p.text };
      } else r.parts.push(p);
    }
    if (cand.finishReason !== undefined) r.finish = cand.finishReason;
  }
  if (chunk.modelVersion !== undefined) r.meta.model = chunk.modelVersion;
  if (chunk.responseId !== undefined) r.meta.message_id = chunk.responseId;
  if (chunk.usageMetadata !== undefined) r.meta.usage = chunk.usageMetadata;
}

function finish(r: Reduction, ended: boolean): ReducedResponse {
  const meta: Obj = { ...r.meta };
  if (r.finish !== undefined) meta.stop_reason = r.finish;
  if (r.error !== undefined) meta.error = r.error;
  const content = geminiBlocks(r.parts);
  if (r.error !== undefined) return { content, meta, complete: false, problem: `error: ${isObj(r.error) ? String(r.error.message ?? r.error.status ?? 'error') : String(r.error)}` };
  if (!ended) return { content, meta, complete: false, problem: 'stream ended before a finish reason' };
  return { content, meta, complete: true };
}

/** A streamed response (`alt=sse`): each event's data is one chunk; complete once a candidate carries a finish reason. */
export function reduceGeminiEvents(events: SseEvent[]): ReducedResponse {
  const r: Reduction = { parts: [], meta: {}, finish: undefined };
  for (const e of events) {
    const data = tryJson(e.data);
    if (data === undefined) continue;
    addChunk(r, data);
  }
  return finish(r, r.finish !== undefined);
}

/** A one-shot response: one chunk, or (streamGenerateContent without alt=sse) a JSON array of them. */
export function reduceGeminiJson(body: unknown): ReducedResponse {
  const r: Reduction = { parts: [], meta: {}, finish: undefined };
  const chunks = Array.isArray(body) ? body : [body];
  if (!chunks.every(isObj)) return { content: [], meta: {}, complete: false, problem: 'response is not a JSON object' };
  for (const c of chunks) addChunk(r, c);
  return finish(r, r.finish !== undefined);
}
