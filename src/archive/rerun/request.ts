// The request a rerun sends first, rebuilt from the archive, and the API
// items of recorded inputs (what the rerun feeds back later).
//
// - A captured session (the proxy's, or an earlier rerun's): the exact body
//   the agent sent for that turn, rendered from its record's template, byte
//   for byte; the recorded items are taken from the next turn's body.
// - An imported Claude Code transcript: a Messages API request built from
//   the lines up to the turn (each line's own `message`, consecutive ones of
//   a role joined), with the system prompt and tool definitions the
//   transcript records (`prompt_snapshot` attachments, `api-request-shape`
//   lines), else none and tools named by the calls the session made.
// - An imported Codex rollout: a Responses API request of the rollout's
//   items up to the turn (each line's own payload), its base instructions,
//   and tools named by the calls the session made.
import type { JsonValue } from '../../hash/index.js';
import { readContent, type ObjectStore } from '../../odb/index.js';
import { renderTemplate, sourceObject, type TemplatePart } from '../../record/index.js';
import { listItems, memberValue, type WireApi } from '../../capture/index.js';
import { isObj, str } from '../event/index.js';
import type { Provider } from '../capture.js';
import { partOfRecord, type ChainRecord, type Original } from './original.js';

/** Claude Code's own cap on an answer, used for a request rebuilt from a transcript (which does not record it). */
export const REBUILT_MAX_TOKENS = 32000;

export interface BaseRequest {
  api: WireApi;
  provider: Provider;
  /** The request target (path and query) under the upstream's base. */
  path: string;
  /** The body's text (a JSON object). */
  body: string;
  /** True when `body` is the recorded request, byte for byte. */
  exact: boolean;
  model: string | null;
  /** Recorded request headers sent again (the API version and betas); never credentials. */
  headers: Array<[string, string]>;
  system: { source: 'recorded' | 'transcript' | 'none'; bytes: number };
  tools: { source: 'recorded' | 'transcript' | 'names' | 'none'; count: number };
  /** What the dry run should say about how the request was made. */
  notes: string[];
  /** For each record between the checkpoint and the turn: the index of its item in the body's list. */
  beforeIndex: Map<string, number>;
  /** The provider's count of this request's input tokens, when it was recorded (a captured, unchanged request). */
  recordedInputTokens: number | null;
}

export const providerOf = (api: WireApi): Provider => (api === 'anthropic-messages' ? 'anthropic' : api === 'gemini-generate-content' ? 'gemini' : 'openai');

const jsonBytes = (v: unknown): number => (v === undefined ? 0 : Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v), 'utf8'));

async function renderBody(store: ObjectStore, rec: ChainRecord): Promise<string> {
  const cap = rec.value.capture as { request?: { body?: TemplatePart[] } };
  const parts: Uint8Array[] = [];
  await renderTemplate(cap.request?.body ?? [], (id) => readContent(store, id), (b) => void parts.push(b));
  return Buffer.concat(parts).toString('utf8');
}

/** Input tokens as the provider counted them (uncached, cached and cache writes). */
export function inputTokensOf(usage: Record<string, unknown> | null): number | null {
  if (!usage) return null;
  const n = (k: string) => (typeof usage[k] === 'number' ? (usage[k] as number) : 0);
  if (typeof usage.prompt_tokens === 'number') return usage.prompt_tokens;
  if (typeof usage.input_tokens !== 'number') return null;
  return n('input_tokens') + n('cache_read_input_tokens') + n('cache_creation_input_tokens');
}

/** A query value the archive keeps as REDACTED (a credential) is not sent on. */
function sendablePath(path: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  const kept = path
    .slice(q + 1)
    .split('&')
    .filter((p) => !p.endsWith('=REDACTED'));
  return kept.length ? `${path.slice(0, q)}?${kept.join('&')}` : path.slice(0, q);
}

async function capturedRequest(store: ObjectStore, o: Original): Promise<BaseRequest> {
  const m = o.chain[o.first]!;
  const cap = m.value.capture as { [k: string]: JsonValue };
  const api = cap.api as WireApi;
  const body = await renderBody(store, m);
  const headers: Array<[string, string]> = [];
  const req = cap.request as { headers?: { $blob?: string } } | undefined;
  if (req?.headers?.$blob) {
    const pairs = JSON.parse(Buffer.from(await readContent(store, req.headers.$blob)).toString('utf8')) as Array<[string, string]>;
    for (const [k, v] of pairs) if (k === 'anthropic-version' || k === 'anthropic-beta') headers.push([k, v]);
  }
  const beforeIndex = new Map<string, number>();
  for (const b of o.before) {
    const i = (b.value.capture as { request_index?: unknown } | undefined)?.request_index;
    if (typeof i === 'number') beforeIndex.set(b.id, i);
  }
  const system = api === 'openai-responses' ? memberValue(body, 'instructions') : api === 'anthropic-messages' ? memberValue(body, 'system') : chatSystem(body);
  const tools = memberValue(body, 'tools') ?? memberValue(body, 'functions');
  const model = memberValue(body, 'model');
  return {
    api,
    provider: providerOf(api),
    path: sendablePath(typeof cap.path === 'string' ? cap.path : defaultPath(api)),
    body,
    exact: true,
    model: str(o.turns[0]?.model ?? null) ?? (typeof model === 'string' ? model : null),
    headers,
    system: { source: system === undefined ? 'none' : 'recorded', bytes: jsonBytes(system) },
    tools: { source: Array.isArray(tools) ? 'recorded' : 'none', count: Array.isArray(tools) ? tools.length : 0 },
    notes: [],
    beforeIndex,
    recordedInputTokens: inputTokensOf(o.turns[0]?.usage ?? null),
  };
}

function chatSystem(body: string): unknown {
  const first = listItems(body, 'messages')[0];
  return isObj(first) && (first.role === 'system' || first.role === 'developer') ? first.content : undefined;
}

const defaultPath = (api: WireApi): string => (api === 'anthropic-messages' ? '/v1/messages' : api === 'openai-chat' ? '/v1/chat/completions' : '/v1/responses');

/** The API items a run of records makes, and for each record the index of its item. */
export interface Items {
  items: unknown[];
  indexOf: Map<string, number>;
}

/** A Claude Code line's message as the API takes it: role and content; thinking only with its signature. */
function claudeMessage(line: unknown): { role: string; content: unknown[] } | undefined {
  if (!isObj(line) || !isObj(line.message)) return undefined;
  const m = line.message;
  if (typeof m.role !== 'string') return undefined;
  const content = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : Array.isArray(m.content) ? m.content : [];
  return { role: m.role, content: content.filter((b) => !(isObj(b) && b.type === 'thinking' && typeof b.signature !== 'string')) };
}

/** A Codex line's item as the API takes it: a response item's payload; a user_message event as a user message. */
function codexItem(line: unknown): unknown {
  if (!isObj(line)) return undefined;
  const payload = isObj(line.payload) ? line.payload : line;
  if (line.type === 'event_msg') {
    return typeof payload.message === 'string' ? { type: 'message', role: 'user', content: [{ type: 'input_text', text: payload.message }] } : undefined;
  }
  return payload;
}

/** The items of imported records (each line's own message or payload), consecutive Claude messages of one role joined. */
export async function importedItems(store: ObjectStore, records: ChainRecord[], startIndex = 0): Promise<Items> {
  const items: unknown[] = [];
  const indexOf = new Map<string, number>();
  for (const r of records) {
    if (!r.ev.source) continue;
    const line = await sourceObject(store, r.ev.source);
    if (r.ev.source.format === 'codex') {
      const item = codexItem(line);
      if (item === undefined) continue;
      items.push(item);
    } else {
      const msg = claudeMessage(line);
      if (!msg) continue;
      const last = items[items.length - 1] as { role: string; content: unknown[] } | undefined;
      if (last && last.role === msg.role) last.content = [...last.content, ...msg.content];
      else items.push(msg);
    }
    indexOf.set(r.id, startIndex + items.length - 1);
  }
  return { items, indexOf };
}

/**
 * The items of what came back after original turn `k` (tool results, a
 * prompt), as the agent sent them on: for a capture, the next turn's body
 * holds them; for an import, the lines themselves. Undefined when they were
 * never sent (the session ended there).
 */
export async function recordedInputs(store: ObjectStore, o: Original, k: number, startIndex: number): Promise<Items | undefined> {
  const turn = o.turns[k]!;
  if (turn.after.length === 0) return undefined;
  if (turn.after.every((r) => r.ev.source)) return importedItems(store, turn.after, startIndex);
  const next = o.turns[k + 1]?.answer[0];
  if (!next || !isObj(next.value.capture)) return undefined;
  const body = await renderBody(store, next);
  const api = (next.value.capture as { api?: unknown }).api;
  const list = listItems(body, api === 'openai-responses' ? 'input' : 'messages');
  const items: unknown[] = [];
  const indexOf = new Map<string, number>();
  const taken = new Map<number, number>();
  for (const r of turn.after) {
    const i = (r.value.capture as { request_index?: unknown } | undefined)?.request_index;
    if (typeof i !== 'number' || list[i] === undefined) return undefined;
    if (!taken.has(i)) {
      taken.set(i, startIndex + items.length);
      items.push(list[i]);
    }
    indexOf.set(r.id, taken.get(i)!);
  }
  return { items, indexOf };
}

/** The tool names a session called, with the kind of call Codex made (function, custom, local shell). */
function calledTools(o: Original): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of o.chain) {
    for (const b of c.ev.content) {
      if (!isObj(b) || b.type !== 'tool_use' || typeof b.name !== 'string' || out.has(b.name)) continue;
      const item = c.ev.meta.item_type;
      out.set(b.name, item === 'custom_tool_call' ? 'custom' : item === 'local_shell_call' ? 'local_shell' : item === 'web_search_call' ? 'server' : 'function');
    }
  }
  return out;
}

const UNRECORDED = 'A tool of the recorded session; the transcript does not record its definition.';

/** The system prompt and tool definitions a Claude Code transcript records before the turn (the last of each). */
async function claudeContext(store: ObjectStore, o: Original): Promise<{ system?: unknown; tools?: unknown[] }> {
  const out: { system?: unknown; tools?: unknown[] } = {};
  for (const c of o.chain.slice(0, o.first)) {
    const type = c.ev.meta.source_type;
    if ((type !== 'attachment' && type !== 'api-request-shape') || !c.ev.source) continue;
    const line = await sourceObject(store, c.ev.source);
    if (!isObj(line)) continue;
    if (type === 'attachment') {
      const a = line.attachment;
      if (!isObj(a) || a.type !== 'prompt_snapshot') continue;
      const system = ['systemPrompt', 'system_prompt', 'system', 'prompt', 'content', 'text'].map((k) => a[k]).find((v) => typeof v === 'string' || Array.isArray(v));
      if (system !== undefined) out.system = system;
      continue;
    }
    // api-request-shape: the request's system prompt and tools, on the line or one level down.
    for (const holder of [line, ...['shape', 'request', 'params', 'body', 'data'].map((k) => line[k])]) {
      if (!isObj(holder)) continue;
      if (typeof holder.system === 'string' || Array.isArray(holder.system)) out.system = holder.system;
      if (Array.isArray(holder.tools)) out.tools = holder.tools;
    }
  }
  return out;
}

async function claudeRequest(store: ObjectStore, o: Original): Promise<BaseRequest> {
  const start = conversationStart(o);
  const records = o.chain.slice(start, o.first).filter((c) => ['input', 'answer'].includes(partOfRecord(c, o.promptEvents)));
  const { items, indexOf } = await importedItems(store, records);
  const ctx = await claudeContext(store, o);
  const notes: string[] = [];
  let tools = ctx.tools;
  let toolSource: BaseRequest['tools']['source'] = 'transcript';
  if (!tools) {
    const names = [...calledTools(o).entries()].filter(([, kind]) => kind !== 'server').map(([n]) => n);
    tools = names.map((name) => ({ name, description: UNRECORDED, input_schema: { type: 'object', additionalProperties: true } }));
    toolSource = tools.length ? 'names' : 'none';
    if (tools.length) notes.push(`the transcript records no tool definitions: the ${tools.length} tool${tools.length === 1 ? '' : 's'} the session called ${tools.length === 1 ? 'is' : 'are'} sent with an open input schema`);
  }
  if (ctx.system === undefined) notes.push('the transcript records no system prompt (Claude Code writes one only in prompt_snapshot or api-request-shape lines): none is sent; give one with --system FILE');
  notes.push(`rebuilt from the transcript; max_tokens ${REBUILT_MAX_TOKENS}, thinking not requested`);
  const model = o.turns[0]?.model ?? null;
  const body: Record<string, unknown> = { model, max_tokens: REBUILT_MAX_TOKENS };
  if (ctx.system !== undefined) body.system = ctx.system;
  body.messages = items;
  if (tools.length) body.tools = tools;
  body.stream = true;
  return {
    api: 'anthropic-messages',
    provider: 'anthropic',
    path: '/v1/messages',
    body: JSON.stringify(body),
    exact: false,
    model,
    headers: [],
    system: { source: ctx.system === undefined ? 'none' : 'transcript', bytes: jsonBytes(ctx.system) },
    tools: { source: toolSource, count: tools.length },
    notes,
    beforeIndex: new Map([...indexOf].filter(([id]) => o.before.some((b) => b.id === id))),
    recordedInputTokens: null,
  };
}

/** Where the conversation of the turn begins: after the last compaction before it. */
function conversationStart(o: Original): number {
  for (let i = o.first - 1; i >= 0; i--) if (partOfRecord(o.chain[i]!, o.promptEvents) === 'boundary') return i + 1;
  return 0;
}

async function codexRequest(store: ObjectStore, o: Original): Promise<BaseRequest> {
  const records = o.chain.slice(conversationStart(o), o.first).filter((c) => ['input', 'answer'].includes(partOfRecord(c, o.promptEvents)));
  const { items, indexOf } = await importedItems(store, records);
  let instructions: unknown;
  const dynamic: unknown[] = [];
  const meta = o.chain.find((c) => c.ev.source?.format === 'codex' && c.ev.meta.source_type === 'session_meta');
  if (meta?.ev.source) {
    const line = await sourceObject(store, meta.ev.source);
    const p = isObj(line) && isObj(line.payload) ? line.payload : {};
    instructions = isObj(p.base_instructions) ? p.base_instructions.text : p.instructions;
    if (Array.isArray(p.dynamic_tools)) {
      for (const t of p.dynamic_tools) {
        if (isObj(t) && typeof t.name === 'string') dynamic.push({ type: 'function', name: t.name, description: t.description ?? '', parameters: t.inputSchema ?? t.input_schema ?? { type: 'object' } });
      }
    }
  }
  const tools: unknown[] = [...dynamic];
  const have = new Set(dynamic.map((t) => (t as { name: string }).name));
  for (const [name, kind] of calledTools(o)) {
    if (have.has(name) || kind === 'server') continue;
    if (kind === 'local_shell') tools.push({ type: 'local_shell' });
    else if (kind === 'custom') tools.push({ type: 'custom', name, description: UNRECORDED });
    else tools.push({ type: 'function', name, description: UNRECORDED, parameters: { type: 'object', additionalProperties: true } });
  }
  const notes: string[] = [];
  const named = tools.length - dynamic.length;
  if (named) notes.push(`the rollout records no definitions for ${named} tool${named === 1 ? '' : 's'} the session called: sent with an open parameter schema`);
  const model = o.turns[0]?.model ?? str(o.checkpoint.ev.meta.model);
  if (model === null) notes.push('the rollout does not record the model (it has no turn_context line): give one with --model');
  if (typeof instructions !== 'string') notes.push('the rollout records no base instructions: none are sent; give them with --system FILE');
  notes.push('rebuilt from the rollout: store false, streamed, reasoning items sent back encrypted as recorded');
  const body: Record<string, unknown> = { model };
  if (typeof instructions === 'string') body.instructions = instructions;
  body.input = items;
  if (tools.length) body.tools = tools;
  Object.assign(body, { tool_choice: 'auto', parallel_tool_calls: true, store: false, stream: true, include: ['reasoning.encrypted_content'] });
  return {
    api: 'openai-responses',
    provider: 'openai',
    path: '/v1/responses',
    body: JSON.stringify(body),
    exact: false,
    model,
    headers: [],
    system: { source: typeof instructions === 'string' ? 'transcript' : 'none', bytes: jsonBytes(instructions) },
    tools: { source: tools.length === 0 ? 'none' : named ? 'names' : 'transcript', count: tools.length },
    notes,
    beforeIndex: new Map([...indexOf].filter(([id]) => o.before.some((b) => b.id === id))),
    recordedInputTokens: null,
  };
}

/** The first request of a rerun, as recorded or rebuilt, before any change asked for. */
export async function baseRequest(store: ObjectStore, o: Original): Promise<BaseRequest> {
  if (o.source === 'capture') return capturedRequest(store, o);
  if (o.source === 'codex') return codexRequest(store, o);
  return claudeRequest(store, o);
}
