// The model APIs the proxy records, recognised by method and path, and the
// shapes every provider module reduces its requests and responses to.
import { isObj, type Obj, type RecordKind } from '../record/index.js';

export { isObj, type Obj };

export type WireApi = 'anthropic-messages' | 'openai-chat' | 'openai-responses' | 'gemini-generate-content';
export const WIRE_APIS: readonly WireApi[] = ['anthropic-messages', 'openai-chat', 'openai-responses', 'gemini-generate-content'];

/**
 * The API a request is a model turn of, or undefined for everything the proxy
 * forwards without recording (model lists, token counting, telemetry, …).
 * Base URLs may carry a prefix (a gateway's /local-gw/anthropic), so only the
 * end of the path is looked at.
 */
export function recordedApi(method: string | undefined, target: string): WireApi | undefined {
  if (method !== 'POST') return undefined;
  const path = target.split('?')[0]!.replace(/\/+$/, '');
  if (path.endsWith('/v1/messages') || path === '/messages') return 'anthropic-messages';
  if (path.endsWith('/chat/completions')) return 'openai-chat';
  if (path.endsWith('/responses')) return 'openai-responses';
  if (/\/models\/[^/]+:(?:stream)?[gG]enerateContent$/.test(path)) return 'gemini-generate-content';
  return undefined;
}

/** One message of a request, normalised as records hold it (docs/format.md §6.1.2). */
export interface WireMessage {
  kind: RecordKind;
  role: string | null;
  content: unknown[];
}

export interface ParsedRequest {
  api: WireApi;
  messages: WireMessage[];
  /** The member names of the body that hold the conversation, system prompt and tools. */
  listKey: string;
  wholeKeys: string[];
  /** Every other member (model, max_tokens, stream, …). */
  params: Record<string, unknown>;
  model: string | null;
  stream: boolean;
  /** OpenAI Responses: the response this one continues (the input holds only what is new). */
  previousResponseId?: string;
}

/**
 * A request's parts: `listKey` holds the conversation (already read into
 * `messages`), `wholeKeys` the members kept whole (system prompt, tools);
 * every other member is a parameter.
 */
export function parsedRequest(api: WireApi, body: Record<string, unknown>, listKey: string, wholeKeys: string[], messages: WireMessage[]): ParsedRequest {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (k !== listKey && !wholeKeys.includes(k)) params[k] = v;
  return {
    api,
    messages,
    listKey,
    wholeKeys,
    params,
    model: typeof body.model === 'string' ? body.model : null,
    stream: body.stream === true,
  };
}

/** What a response said, reduced to one assistant record. */
export interface ReducedResponse {
  content: unknown[];
  /** model, message_id, stop_reason, stop_sequence, usage, error … (never timings). */
  meta: Record<string, unknown>;
  /** False when the stream ended before its final event, or carried an error. */
  complete: boolean;
  /** Why it is incomplete. */
  problem?: string;
}


/** Parses JSON text, or returns undefined. */
export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Tool-call arguments: parsed when they are JSON text, else kept as the text. */
export function parsedArguments(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? null;
  if (v.trim() === '') return {};
  const parsed = tryJson(v);
  return parsed === undefined ? v : parsed;
}
