// OpenAI Chat Completions (POST …/chat/completions): messages to normalised
// messages, and a response — streamed chunks or one-shot JSON — to one
// assistant record (the first choice; the others are in the stored body).
import type { SseEvent } from './sse.js';
import { isObj, parsedArguments, parsedRequest, tryJson, type Obj, type ParsedRequest, type ReducedResponse, type WireMessage } from './wire-api.js';

function part(p: unknown): unknown {
  if (typeof p === 'string') return { type: 'text', text: p };
  if (!isObj(p)) return p;
  if (p.type === 'text' || p.type === 'input_text' || p.type === 'output_text') return { type: 'text', text: p.text ?? '' };
  if (p.type === 'image_url') {
    const url = isObj(p.image_url) ? p.image_url.url : p.image_url;
    return { type: 'image', media_type: null, source_type: 'url', data: typeof url === 'string' ? url : null };
  }
  return p;
}

function textParts(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v === '' ? [] : [{ type: 'text', text: v }];
  if (Array.isArray(v)) return v.map(part);
  return [v];
}

function toolCalls(v: unknown): unknown[] {
  if (!Array.isArray(v)) return [];
  return v.map((c) => {
    if (!isObj(c)) return c;
    const fn = isObj(c.function) ? c.function : isObj(c.custom) ? c.custom : {};
    return { type: 'tool_use', id: c.id ?? null, name: fn.name ?? null, input: parsedArguments(fn.arguments ?? fn.input) };
  });
}

function assistantContent(m: Obj): unknown[] {
  const thinking = typeof m.reasoning_content === 'string' ? m.reasoning_content : typeof m.reasoning === 'string' ? m.reasoning : undefined;
  return [
    ...(thinking ? [{ type: 'thinking', thinking }] : []),
    ...textParts(m.content),
    ...(typeof m.refusal === 'string' && m.refusal ? [{ type: 'refusal', refusal: m.refusal }] : []),
    ...toolCalls(m.tool_calls),
  ];
}

export function chatMessage(m: unknown): WireMessage {
  if (!isObj(m)) return { kind: 'other', role: null, content: [m] };
  const role = typeof m.role === 'string' ? m.role : null;
  switch (role) {
    case 'assistant':
      return { kind: 'assistant', role, content: assistantContent(m) };
    case 'tool':
    case 'function':
      return {
        kind: 'tool_result',
        role,
        content: [{ type: 'tool_result', tool_use_id: m.tool_call_id ?? m.name ?? null, content: typeof m.content === 'string' ? m.content : textParts(m.content), is_error: false }],
      };
    case 'system':
    case 'developer':
      return { kind: 'system', role, content: textParts(m.content) };
    case 'user':
      return { kind: 'user', role, content: textParts(m.content) };
    default:
      return { kind: 'other', role, content: textParts(m.content) };
  }
}

export function parseChatRequest(body: Obj): ParsedRequest {
  const messages = Array.isArray(body.messages) ? body.messages.map(chatMessage) : [];
  return parsedRequest('openai-chat', body, 'messages', ['tools', 'functions'], messages);
}

function meta(body: Obj, choice: Obj | undefined): Obj {
  const m: Obj = {};
  if (body.model !== undefined) m.model = body.model;
  if (body.id !== undefined) m.message_id = body.id;
  if (choice && choice.finish_reason !== undefined) m.stop_reason = choice.finish_reason;
  if (body.usage !== undefined && body.usage !== null) m.usage = body.usage;
  if (body.system_fingerprint !== undefined && body.system_fingerprint !== null) m.system_fingerprint = body.system_fingerprint;
  return m;
}

export function reduceChatJson(body: unknown): ReducedResponse {
  if (!isObj(body)) return { content: [], meta: {}, complete: false, problem: 'response is not a JSON object' };
  if (isObj(body.error)) return { content: [], meta: { error: body.error }, complete: false, problem: `error: ${String(body.error.message ?? body.error.type ?? 'error')}` };
  const choice = Array.isArray(body.choices) ? body.choices.find((c) => isObj(c) && (c.index ?? 0) === 0) : undefined;
  const message = isObj(choice) && isObj(choice.message) ? choice.message : {};
  return { content: assistantContent(message), meta: meta(body, isObj(choice) ? choice : undefined), complete: true };
}

export function reduceChatEvents(events: SseEvent[]): ReducedResponse {
  const head: Obj = {};
  let text = '';
  let thinking = '';
  let refusal = '';
  const calls = new Map<number, { id: unknown; name: string; args: string }>();
  let finish: unknown;
  let done = false;
  let error: unknown;
  for (const ev of events) {
    if (ev.data.trim() === '[DONE]') {
      done = true;
      continue;
    }
    const d = tryJson(ev.data);
    if (!isObj(d)) continue;
    if (isObj(d.error)) {
      error = d.error;
      continue;
    }
    for (const k of ['id', 'model', 'system_fingerprint']) if (d[k] !== undefined && d[k] !== null) head[k] = d[k];
    if (isObj(d.usage)) head.usage = d.usage;
    const choices = Array.isArray(d.choices) ? d.choices : [];
    for (const c of choices) {
      if (!isObj(c) || (c.index ?? 0) !== 0) continue;
      if (c.finish_reason !== undefined && c.finish_reason !== null) finish = c.finish_reason;
      const delta = isObj(c.delta) ? c.delta : {};
      if (typeof delta.content === 'string') text += delta.content;
      if (typeof delta.reasoning_content === 'string') thinking += delta.reasoning_content;
      else if (typeof delta.reasoning === 'string') thinking += delta.reasoning;
      if (typeof delta.refusal === 'string') refusal += delta.refusal;
      if (Array.isArray(delta.tool_calls)) {
        for (const t of delta.tool_calls) {
          if (!isObj(t)) continue;
          const index = typeof t.index === 'number' ? t.index : calls.size;
          const call = calls.get(index) ?? { id: null, name: '', args: '' };
          if (t.id !== undefined && t.id !== null) call.id = t.id;
          const fn = isObj(t.function) ? t.function : {};
          if (typeof fn.name === 'string') call.name += fn.name;
          if (typeof fn.arguments === 'string') call.args += fn.arguments;
          calls.set(index, call);
        }
      }
    }
  }
  const message: Obj = {
    content: text || null,
    ...(thinking ? { reasoning_content: thinking } : {}),
    ...(refusal ? { refusal } : {}),
    tool_calls: [...calls.keys()].sort((a, b) => a - b).map((i) => {
      const c = calls.get(i)!;
      return { id: c.id, type: 'function', function: { name: c.name, arguments: c.args } };
    }),
  };
  const m = meta(head, finish === undefined ? undefined : { finish_reason: finish });
  const content = assistantContent(message);
  if (error !== undefined) return { content, meta: { ...m, error }, complete: false, problem: `error event: ${String(isObj(error) ? (error.message ?? error.type) : 'error')}` };
  if (!done) return { content, meta: m, complete: false, problem: 'stream ended before [DONE]' };
  return { content, meta: m, complete: true };
}
