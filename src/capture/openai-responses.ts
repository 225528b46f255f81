// OpenAI Responses API (POST …/responses, as Codex and the OpenAI SDKs send
// it): input items to normalised messages, and a response — streamed events
// or one-shot JSON — to one assistant record holding every output item.
//
// The API lists a turn's output as separate items (reasoning, message,
// function_call …) and the next request re-sends them as separate input
// items, so consecutive items from the model are grouped into one assistant
// message, and consecutive tool outputs into one tool_result message, exactly
// as one response's output is one record.
import type { SseEvent } from './sse.js';
import { isObj, parsedArguments, parsedRequest, tryJson, type Obj, type ParsedRequest, type ReducedResponse, type WireMessage } from './wire-api.js';

const MODEL_ITEMS = new Set(['reasoning', 'function_call', 'custom_tool_call', 'local_shell_call', 'web_search_call', 'file_search_call', 'computer_call', 'code_interpreter_call', 'image_generation_call', 'mcp_call']);
const OUTPUT_ITEMS = new Set(['function_call_output', 'custom_tool_call_output', 'local_shell_call_output', 'computer_call_output', 'mcp_call_output']);

function textParts(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [{ type: 'text', text: v }];
  if (!Array.isArray(v)) return [v];
  return v.map((p) => {
    if (!isObj(p)) return typeof p === 'string' ? { type: 'text', text: p } : p;
    if (p.type === 'input_text' || p.type === 'output_text' || p.type === 'text' || p.type === 'summary_text') return { type: 'text', text: p.text ?? '' };
    if (p.type === 'input_image') return { type: 'image', media_type: null, source_type: 'url', data: p.image_url ?? null };
    return p;
  });
}

/** The content blocks of one item. */
function itemBlocks(item: Obj): unknown[] {
  switch (item.type) {
    case 'message':
      return textParts(item.content);
    case 'reasoning': {
      const summary = Array.isArray(item.summary) ? item.summary.map((s) => (isObj(s) && typeof s.text === 'string' ? s.text : '')).join('\n') : '';
      return [item.encrypted_content !== undefined && item.encrypted_content !== null ? { type: 'thinking', thinking: summary, signature: item.encrypted_content } : { type: 'thinking', thinking: summary }];
    }
    case 'function_call':
      return [{ type: 'tool_use', id: item.call_id ?? item.id ?? null, name: item.name ?? null, input: parsedArguments(item.arguments) }];
    case 'custom_tool_call':
      return [{ type: 'tool_use', id: item.call_id ?? item.id ?? null, name: item.name ?? null, input: item.input ?? null }];
    case 'local_shell_call':
      return [{ type: 'tool_use', id: item.call_id ?? item.id ?? null, name: 'local_shell', input: item.action ?? null }];
    case 'web_search_call':
      return [{ type: 'server_tool_use', id: item.id ?? null, name: 'web_search', input: item.action ?? null }];
    default:
      if (typeof item.type === 'string' && OUTPUT_ITEMS.has(item.type)) {
        const out = item.output;
        return [{ type: 'tool_result', tool_use_id: item.call_id ?? null, content: typeof out === 'string' ? out : Array.isArray(out) ? textParts(out) : (out ?? ''), is_error: false }];
      }
      return [item];
  }
}

type Side = 'model' | 'tool' | 'user' | 'system' | 'other';

function sideOf(item: Obj): Side {
  const type = typeof item.type === 'string' ? item.type : item.role !== undefined ? 'message' : '';
  if (type === 'message') return item.role === 'assistant' ? 'model' : item.role === 'user' ? 'user' : item.role === 'system' || item.role === 'developer' ? 'system' : 'other';
  if (MODEL_ITEMS.has(type)) return 'model';
  if (OUTPUT_ITEMS.has(type)) return 'tool';
  return 'other';
}

/** Input items grouped into messages (see the file comment). */
export function responsesMessages(input: unknown): WireMessage[] {
  if (typeof input === 'string') return [{ kind: 'user', role: 'user', content: [{ type: 'text', text: input }] }];
  if (!Array.isArray(input)) return [];
  const out: WireMessage[] = [];
  let open: { side: Side; msg: WireMessage } | undefined;
  for (const raw of input) {
    const item: Obj = isObj(raw) ? (raw.type === undefined && raw.role !== undefined ? { ...raw, type: 'message' } : raw) : { type: 'unknown', value: raw };
    const side = sideOf(item);
    const blocks = itemBlocks(item);
    if (open && open.side === side && (side === 'model' || side === 'tool')) {
      open.msg.content.push(...blocks);
      continue;
    }
    const role = side === 'model' ? 'assistant' : side === 'tool' ? 'tool' : typeof item.role === 'string' ? item.role : null;
    const kind = side === 'model' ? 'assistant' : side === 'tool' ? 'tool_result' : side === 'user' ? 'user' : side === 'system' ? 'system' : 'other';
    open = { side, msg: { kind, role, content: blocks } };
    out.push(open.msg);
  }
  return out;
}

export function parseResponsesRequest(body: Obj): ParsedRequest {
  const parsed = parsedRequest('openai-responses', body, 'input', ['instructions', 'tools'], responsesMessages(body.input));
  return typeof body.previous_response_id === 'string' ? { ...parsed, previousResponseId: body.previous_response_id } : parsed;
}

function responseMeta(r: Obj): Obj {
  const m: Obj = {};
  if (r.model !== undefined) m.model = r.model;
  if (r.id !== undefined) m.message_id = r.id;
  const reason = isObj(r.incomplete_details) && r.incomplete_details.reason !== undefined ? r.incomplete_details.reason : r.status;
  if (reason !== undefined) m.stop_reason = reason;
  if (r.usage !== undefined && r.usage !== null) m.usage = r.usage;
  if (r.error !== undefined && r.error !== null) m.error = r.error;
  return m;
}

function outputContent(output: unknown): unknown[] {
  if (!Array.isArray(output)) return [];
  return output.flatMap((item) => (isObj(item) ? itemBlocks(item) : [item]));
}

export function reduceResponsesJson(body: unknown): ReducedResponse {
  if (!isObj(body)) return { content: [], meta: {}, complete: false, problem: 'response is not a JSON object' };
  if (isObj(body.error) && body.object !== 'response') return { content: [], meta: { error: body.error }, complete: false, problem: `error: ${String(body.error.message ?? 'error')}` };
  const complete = body.status === undefined || body.status === 'completed' || body.status === 'incomplete';
  return { content: outputContent(body.output), meta: responseMeta(body), complete, ...(complete ? {} : { problem: `response status ${String(body.status)}` }) };
}

interface ResponsesStream {
  /** The response.completed (or incomplete, failed) event's response. */
  final?: Obj;
  /** The response as the stream's first events described it. */
  response?: Obj;
  /** The output items, as the API lists them. */
  output: unknown[];
  error: unknown;
}

function readResponsesEvents(events: SseEvent[]): ResponsesStream {
  let response: Obj | undefined;
  let final: Obj | undefined;
  const items = new Map<number, Obj>();
  const done = new Map<number, Obj>();
  let error: unknown;
  for (const ev of events) {
    const d = tryJson(ev.data);
    if (!isObj(d)) continue;
    const type = typeof d.type === 'string' ? d.type : ev.event;
    const at = typeof d.output_index === 'number' ? d.output_index : -1;
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
        if (isObj(d.response)) response = d.response;
        break;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        if (isObj(d.response)) final = d.response;
        break;
      case 'response.output_item.added':
        if (isObj(d.item)) items.set(at, { ...d.item });
        break;
      case 'response.output_item.done':
        if (isObj(d.item)) done.set(at, d.item);
        break;
      case 'response.output_text.delta': {
        const item = items.get(at);
        if (!item || typeof d.delta !== 'string') break;
        const parts = Array.isArray(item.content) ? (item.content as Obj[]) : (item.content = []);
        const ci = typeof d.content_index === 'number' ? d.content_index : 0;
        const p = (parts[ci] ??= { type: 'output_text', text: '' });
        p.text = (typeof p.text === 'string' ? p.text : '') + d.delta;
        break;
      }
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta': {
        const item = items.get(at);
        if (!item || typeof d.delta !== 'string') break;
        const key = item.type === 'custom_tool_call' ? 'input' : 'arguments';
        item[key] = (typeof item[key] === 'string' ? item[key] : '') + d.delta;
        break;
      }
      case 'response.reasoning_summary_text.delta': {
        const item = items.get(at);
        if (!item || typeof d.delta !== 'string') break;
        const summary = Array.isArray(item.summary) ? (item.summary as Obj[]) : (item.summary = []);
        const si = typeof d.summary_index === 'number' ? d.summary_index : 0;
        const s = (summary[si] ??= { type: 'summary_text', text: '' });
        s.text = (typeof s.text === 'string' ? s.text : '') + d.delta;
        break;
      }
      case 'error':
        error = d.error ?? d;
        break;
      default:
        break;
    }
  }
  // The final response lists the output; some servers leave it empty and
  // send the items only as output_item.done events; a cut stream has only
  // the items as far as they arrived.
  const indexes = [...new Set([...items.keys(), ...done.keys()])].sort((a, b) => a - b);
  const streamed = indexes.map((i) => done.get(i) ?? items.get(i)!);
  const output = final && Array.isArray(final.output) && final.output.length > 0 ? final.output : streamed;
  return { final, response, output, error };
}

/** The output items of a streamed response, as the API lists them (what a follow-up request's input repeats). */
export function responsesStreamOutput(events: SseEvent[]): unknown[] {
  return readResponsesEvents(events).output;
}

export function reduceResponsesEvents(events: SseEvent[]): ReducedResponse {
  const { final, response, output, error } = readResponsesEvents(events);
  const head = final ?? response ?? {};
  const content = outputContent(output);
  const meta = responseMeta(head);
  if (error !== undefined) return { content, meta: { ...meta, error }, complete: false, problem: `error event: ${String(isObj(error) ? (error.message ?? error.type) : 'error')}` };
  if (!final) return { content, meta, complete: false, problem: 'stream ended before response.completed' };
  if (final.status === 'failed') return { content, meta, complete: false, problem: 'response failed' };
  return { content, meta, complete: true };
}
