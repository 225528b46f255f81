// One model turn as the proxy saw it, reduced per API: the request to its
// messages and parameters, the response (SSE or one-shot JSON, decided by its
// content type, else by its first byte) to one assistant record.
import { parseAnthropicRequest, reduceAnthropicEvents, reduceAnthropicJson } from './anthropic.js';
import { parseChatRequest, reduceChatEvents, reduceChatJson } from './openai-chat.js';
import { parseResponsesRequest, reduceResponsesEvents, reduceResponsesJson } from './openai-responses.js';
import { parseGeminiRequest, reduceGeminiEvents, reduceGeminiJson } from './gemini.js';
import { parseSse } from './sse.js';
import { isObj, tryJson, type ParsedRequest, type ReducedResponse, type WireApi } from './wire-api.js';

/** The request body parsed for its API, or undefined when it is not a JSON object. `target` (path and query) names Gemini's model. */
export function parseRequest(api: WireApi, body: Buffer, target = ''): ParsedRequest | undefined {
  const value = tryJson(body.toString('utf8'));
  if (!isObj(value)) return undefined;
  switch (api) {
    case 'anthropic-messages':
      return parseAnthropicRequest(value);
    case 'openai-chat':
      return parseChatRequest(value);
    case 'openai-responses':
      return parseResponsesRequest(value);
    case 'gemini-generate-content':
      return parseGeminiRequest(value, target);
  }
}

export function isEventStream(contentType: string | undefined, body: Buffer): boolean {
  if (contentType) return /^text\/event-stream\b/i.test(contentType.trim());
  const first = body.toString('utf8', 0, Math.min(body.length, 64)).trimStart();
  return /^(event|data|id|retry):|^:/.test(first);
}

/** A decoded response body reduced to one assistant record. */
export function reduceResponse(api: WireApi, contentType: string | undefined, decoded: Buffer): ReducedResponse & { stream: boolean } {
  const text = decoded.toString('utf8');
  if (isEventStream(contentType, decoded)) {
    const events = parseSse(text);
    const r =
      api === 'anthropic-messages'
        ? reduceAnthropicEvents(events)
        : api === 'openai-chat'
          ? reduceChatEvents(events)
          : api === 'gemini-generate-content'
            ? reduceGeminiEvents(events)
            : reduceResponsesEvents(events);
    return { ...r, stream: true };
  }
  const body = tryJson(text);
  if (body === undefined) return { content: [], meta: {}, complete: false, problem: decoded.length === 0 ? 'empty response body' : 'response body is not JSON', stream: false };
  const r =
    api === 'anthropic-messages'
      ? reduceAnthropicJson(body)
      : api === 'openai-chat'
        ? reduceChatJson(body)
        : api === 'gemini-generate-content'
          ? reduceGeminiJson(body)
          : reduceResponsesJson(body);
  return { ...r, stream: false };
}
