// Anthropic Messages API (POST /v1/messages): requests to normalised messages,
// and a response — streamed (SSE) or one-shot JSON — to one assistant record.
// A streamed turn and its one-shot twin give the same content and meta.
import { normaliseBlock, normaliseContent } from '../record/index.js';
import type { SseEvent } from './sse.js';
import { isObj, parsedArguments, parsedRequest, tryJson, type Obj, type ParsedRequest, type ReducedResponse, type WireMessage } from './wire-api.js';

export function anthropicMessage(m: unknown): WireMessage {
  if (!isObj(m)) return { kind: 'other', role: null, content: [m] };
  const role = typeof m.role === 'string' ? m.role : null;
  const content = normaliseContent(m.content);
  const onlyResults = content.length > 0 && content.every((b) => isObj(b) && b.type === 'tool_result');
  const kind = role === 'assistant' ? 'assistant' : role === 'user' ? (onlyResults ? 'tool_result' : 'user') : 'other';
  return { kind, role, content };
}

export function parseAnthropicRequest(body: Obj): ParsedRequest {
  const messages = Array.isArray(body.messages) ? body.messages.map(anthropicMessage) : [];
  return parsedRequest('anthropic-messages', body, 'messages', ['system', 'tools'], messages);
}

function messageMeta(msg: Obj): Obj {
  const meta: Obj = {};
  if (msg.model !== undefined) meta.model = msg.model;
  if (msg.id !== undefined) meta.message_id = msg.id;
  if (msg.stop_reason !== undefined) meta.stop_reason = msg.stop_reason;
  if (msg.stop_sequence !== undefined) meta.stop_sequence = msg.stop_sequence;
  if (msg.usage !== undefined) meta.usage = msg.usage;
  if (msg.container !== undefined && msg.container !== null) meta.container = msg.container;
  return meta;
}

/** A one-shot response body (a `message`, or an `error`). */
export function reduceAnthropicJson(body: unknown): ReducedResponse {
  if (!isObj(body)) return { content: [], meta: {}, complete: false, problem: 'response is not a JSON object' };
  if (body.type === 'error' || (isObj(body.error) && body.type !== 'message')) {
    return { content: [], meta: { error: body.error ?? body }, complete: false, problem: errorText(body.error) };
  }
  return { content: normaliseContent(body.content), meta: messageMeta(body), complete: true };
}

function errorText(e: unknown): string {
  if (isObj(e)) return [e.type, e.message].filter((x) => typeof x === 'string').join(': ') || 'error';
  return 'error';
}

interface OpenBlock {
  block: Obj;
  json?: string;
}

/** A streamed response: the events of its SSE body, in order. */
export function reduceAnthropicEvents(events: SseEvent[]): ReducedResponse {
  let msg: Obj | undefined;
  const blocks = new Map<number, OpenBlock>();
  let stopped = false;
  let error: unknown;
  for (const ev of events) {
    const d = tryJson(ev.data);
    if (!isObj(d)) continue;
    const type = typeof d.type === 'string' ? d.type : ev.event;
    switch (type) {
      case 'message_start':
        if (isObj(d.message)) msg = { ...d.message, usage: isObj(d.message.usage) ? { ...d.message.usage } : d.message.usage };
        break;
      case 'content_block_start': {
        if (typeof d.index !== 'number' || !isObj(d.content_block)) break;
        const block = { ...d.content_block };
        const open: OpenBlock = { block };
        if (block.type === 'tool_use' || block.type === 'server_tool_use' || block.type === 'mcp_tool_use') open.json = '';
        blocks.set(d.index, open);
        break;
      }
      case 'content_block_delta': {
        const open = typeof d.index === 'number' ? blocks.get(d.index) : undefined;
        const delta = d.delta;
        if (!open || !isObj(delta)) break;
        const b = open.block;
        if (delta.type === 'text_delta' && typeof delta.text === 'string') b.text = (typeof b.text === 'string' ? b.text : '') + delta.text;
        else if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string') b.thinking = (typeof b.thinking === 'string' ? b.thinking : '') + delta.thinking;
        else if (delta.type === 'signature_delta' && typeof delta.signature === 'string') b.signature = (typeof b.signature === 'string' ? b.signature : '') + delta.signature;
        else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') open.json = (open.json ?? '') + delta.partial_json;
        else if (delta.type === 'citations_delta' && delta.citation !== undefined) b.citations = [...(Array.isArray(b.citations) ? b.citations : []), delta.citation];
        break;
      }
      case 'message_delta':
        if (!msg) msg = {};
        if (isObj(d.delta)) for (const [k, v] of Object.entries(d.delta)) msg[k] = v;
        if (isObj(d.usage)) msg.usage = { ...(isObj(msg.usage) ? msg.usage : {}), ...d.usage };
        break;
      case 'message_stop':
        stopped = true;
        break;
      case 'error':
        error = d.error ?? d;
        break;
      default:
        break; // ping and event types that do not exist yet
    }
  }
  const content: unknown[] = [];
  for (const index of [...blocks.keys()].sort((a, b) => a - b)) {
    const { block, json } = blocks.get(index)!;
    // Streams send input as JSON fragments; the start event's `input` is a placeholder ({}).
    if (json !== undefined && json !== '') block.input = parsedArguments(json);
    content.push(normaliseBlock(block));
  }
  const meta = msg ? messageMeta(msg) : {};
  if (error !== undefined) {
    meta.error = error;
    return { content, meta, complete: false, problem: `error event: ${errorText(error)}` };
  }
  if (!stopped) return { content, meta, complete: false, problem: msg ? 'stream ended before message_stop' : 'stream ended before message_start' };
  return { content, meta, complete: true };
}
