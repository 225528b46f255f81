// How a conversation goes on, per API: what a client sends back after an
// answer (the answer itself, then the results of the tools it called), how a
// prompt and a system prompt are written, and which blocks of an answer are
// calls the client would have to run. `tapes rerun` continues a recorded
// conversation with these, the way the agent that recorded it did, except
// that it never runs a tool: the results it sends are the recorded ones.
import { responsesStreamOutput } from './openai-responses.js';
import { insertItem, listItems, replaceItem, setMember } from './request-edit.js';
import { parseSse } from './sse.js';
import { isEventStream } from './turn.js';
import { isObj, tryJson, type WireApi } from './wire-api.js';
import { InvalidInputError } from '../errors/index.js';

/** A call the client runs (never a server tool, which the provider runs itself). */
export interface ToolCall {
  id: string | null;
  name: string;
  input: unknown;
}

/** Names one tool the same way whichever reader normalised the call (an imported rollout or a captured answer). */
const SAME_TOOL: Record<string, string> = { local_shell_call: 'local_shell' };
const SERVER_TOOLS = new Set(['web_search_call', 'web_search', 'file_search_call', 'code_interpreter_call', 'image_generation_call']);

/** The client tool calls among normalised content blocks, in order. */
export function toolCalls(content: unknown[]): ToolCall[] {
  const out: ToolCall[] = [];
  for (const b of content) {
    if (!isObj(b) || b.type !== 'tool_use') continue;
    const name = typeof b.name === 'string' ? b.name : String(b.name ?? '');
    if (SERVER_TOOLS.has(name)) continue;
    out.push({ id: typeof b.id === 'string' ? b.id : null, name: SAME_TOOL[name] ?? name, input: b.input ?? null });
  }
  return out;
}

export interface Continuation {
  api: WireApi;
  /** The body member that holds the conversation. */
  listKey: 'messages' | 'input';
  /** Where the system prompt is, as the dry run names it. */
  systemPlace: string;
  /** The body with its system prompt replaced by `text` (or given one). */
  withSystem(body: string, text: string): string;
  /** The items that put an answer back into the conversation, as a client sends them. */
  answerItems(content: unknown[], decoded: Buffer, contentType: string | undefined): unknown[];
  /** A recorded item with the tool results in it re-addressed to new call ids. */
  readdress(item: unknown, ids: ReadonlyMap<string, string>): unknown;
  /** Whether an item is a prompt (a user's message that holds no tool result). */
  isPrompt(item: unknown): boolean;
  /** A user message holding `text`. */
  prompt(text: string): unknown;
  /** How many tool results an item holds. */
  toolResults(item: unknown): number;
}

const anthropic: Continuation = {
  api: 'anthropic-messages',
  listKey: 'messages',
  systemPlace: 'system',
  withSystem: (body, text) => setMember(body, 'system', text),
  answerItems(content) {
    // Blocks as the API gave them (normalising keeps their shape); thinking is sent back with its signature only.
    const blocks = content.filter((b) => !(isObj(b) && b.type === 'thinking' && typeof b.signature !== 'string'));
    return [{ role: 'assistant', content: blocks }];
  },
  readdress(item, ids) {
    if (!isObj(item) || !Array.isArray(item.content)) return item;
    const content = item.content.map((b) =>
      isObj(b) && b.type === 'tool_result' && typeof b.tool_use_id === 'string' && ids.has(b.tool_use_id) ? { ...b, tool_use_id: ids.get(b.tool_use_id) } : b,
    );
    return { ...item, content };
  },
  isPrompt: (item) => isObj(item) && item.role === 'user' && anthropic.toolResults(item) === 0,
  prompt: (text) => ({ role: 'user', content: text }),
  toolResults: (item) => (isObj(item) && Array.isArray(item.content) ? item.content.filter((b) => isObj(b) && b.type === 'tool_result').length : 0),
};

const chat: Continuation = {
  api: 'openai-chat',
  listKey: 'messages',
  systemPlace: 'the first system message',
  withSystem(body, text) {
    const first = listItems(body, 'messages')[0];
    if (isObj(first) && (first.role === 'system' || first.role === 'developer')) return replaceItem(body, 'messages', 0, { ...first, content: text });
    return insertItem(body, 'messages', 0, { role: 'system', content: text });
  },
  answerItems(content) {
    const text = content.flatMap((b) => (isObj(b) && b.type === 'text' && typeof b.text === 'string' ? [b.text] : [])).join('');
    const calls = content.filter((b) => isObj(b) && b.type === 'tool_use') as Array<Record<string, unknown>>;
    const message: Record<string, unknown> = { role: 'assistant', content: text || null };
    if (calls.length) {
      message.tool_calls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: typeof c.input === 'string' ? c.input : JSON.stringify(c.input ?? {}) } }));
    }
    return [message];
  },
  readdress(item, ids) {
    if (isObj(item) && item.role === 'tool' && typeof item.tool_call_id === 'string' && ids.has(item.tool_call_id)) return { ...item, tool_call_id: ids.get(item.tool_call_id) };
    return item;
  },
  isPrompt: (item) => isObj(item) && item.role === 'user',
  prompt: (text) => ({ role: 'user', content: text }),
  toolResults: (item) => (isObj(item) && (item.role === 'tool' || item.role === 'function') ? 1 : 0),
};

const isOutputItem = (item: unknown): boolean => isObj(item) && typeof item.type === 'string' && item.type.endsWith('_call_output');

const responses: Continuation = {
  api: 'openai-responses',
  listKey: 'input',
  systemPlace: 'instructions',
  withSystem: (body, text) => setMember(body, 'instructions', text),
  answerItems(_content, decoded, contentType) {
    const text = decoded.toString('utf8');
    const body = isEventStream(contentType, decoded) ? undefined : tryJson(text);
    const output = body === undefined ? responsesStreamOutput(parseSse(text)) : isObj(body) && Array.isArray(body.output) ? body.output : [];
    // Items go back without their server ids, as Codex sends them (store: false keeps none).
    return output.map((item) => {
      if (!isObj(item)) return item;
      const { id: _id, ...rest } = item;
      return rest;
    });
  },
  readdress(item, ids) {
    if (isOutputItem(item) && isObj(item) && typeof item.call_id === 'string' && ids.has(item.call_id)) return { ...item, call_id: ids.get(item.call_id) };
    return item;
  },
  isPrompt: (item) => isObj(item) && (item.type === 'message' || item.type === undefined) && item.role === 'user',
  prompt: (text) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }),
  toolResults: (item) => (isOutputItem(item) ? 1 : 0),
};

const BY_API: Partial<Record<WireApi, Continuation>> = { 'anthropic-messages': anthropic, 'openai-chat': chat, 'openai-responses': responses };

/** How a conversation of this API goes on; Gemini's is not written yet, so a Gemini capture is not rerun. */
export function continuationFor(api: WireApi): Continuation {
  const c = BY_API[api];
  if (!c) throw new InvalidInputError(`tapes rerun does not continue ${api} conversations (only the Anthropic Messages, OpenAI Chat Completions and Responses APIs)`, { api });
  return c;
}
