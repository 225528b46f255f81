// The request context of a model turn (`tapes show --context`): the system
// prompt, tools and model that were in effect when the agent asked the model
// for the record. Read, in this order, from the wire view of the session
// (refs/captures: the exact request the turn sent), else from the agent's own
// bookkeeping lines before the record in its chain: Claude Code 2.1's
// `api-request-shape` and `attachment` prompt snapshots, Codex's
// `turn_context` and `thread_settings_applied`. Nothing is stored: this is a
// reading of records already kept.
import { NotFoundError, InvalidInputError, isTapesError } from '../errors/index.js';
import { readEvent, sourceObject, type EventView } from '../record/index.js';
import type { Archive } from './archive.js';
import { wireExchange } from './views.js';

export interface RequestTool {
  name: string;
  /** The tool's definition as it was sent or recorded. */
  definition: unknown;
}

export interface RequestContext {
  /** The record asked about (a model turn). */
  record: string;
  /** Where the context was read: the capture's request, or the agent's bookkeeping records (their ids). */
  source: { kind: 'capture'; turn: string; ref: string | null } | { kind: 'transcript'; records: string[] };
  model: string | null;
  system: string | null;
  tools: RequestTool[] | null;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A system prompt as APIs send it: a string, or text blocks (Anthropic), joined. */
function systemText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    const parts = v.map((b) => (typeof b === 'string' ? b : isObj(b) ? str(b.text) : null)).filter((x): x is string => x !== null);
    return parts.length ? parts.join('\n\n') : null;
  }
  return null;
}

/** Tools as sent: Anthropic `{name}`, OpenAI `{type:'function', function:{name}}` or Responses `{type:'function', name}`, or plain names. */
function toolsOf(v: unknown): RequestTool[] | null {
  if (!Array.isArray(v)) return null;
  return v.map((t) => {
    if (typeof t === 'string') return { name: t, definition: t };
    const o = isObj(t) ? t : {};
    const fn = isObj(o.function) ? o.function : {};
    return { name: str(o.name) ?? str(fn.name) ?? str(o.type) ?? '?', definition: t };
  });
}

/** The context of one request body: Anthropic Messages, OpenAI chat or Responses, Gemini generateContent. */
export function contextOfRequest(body: unknown): Pick<RequestContext, 'model' | 'system' | 'tools'> {
  const b = isObj(body) ? body : {};
  const gemini = isObj(b.systemInstruction) ? b.systemInstruction : isObj(b.system_instruction) ? b.system_instruction : null;
  const messages = Array.isArray(b.messages) ? b.messages : [];
  const systemMessage = messages.find((m) => isObj(m) && (m.role === 'system' || m.role === 'developer')) as Record<string, unknown> | undefined;
  const system = systemText(b.system) ?? str(b.instructions) ?? (gemini ? systemText(gemini.parts) : null) ?? (systemMessage ? systemText(systemMessage.content) : null);
  let tools = toolsOf(b.tools);
  // Gemini: tools: [{functionDeclarations: [...]}].
  if (tools && Array.isArray(b.tools) && b.tools.every((t) => isObj(t) && Array.isArray(t.functionDeclarations))) {
    tools = toolsOf((b.tools as Array<{ functionDeclarations: unknown[] }>).flatMap((t) => t.functionDeclarations));
  }
  return { model: str(b.model), system, tools };
}

/** What one bookkeeping line says about the request context, when it is such a line. */
function contextOfLine(ev: EventView, line: unknown): Partial<Pick<RequestContext, 'model' | 'system' | 'tools'>> | null {
  const type = ev.meta.source_type;
  const o = isObj(line) ? line : {};
  if (type === 'api-request-shape' || type === 'api-request') {
    // On the line or one level down, as rerun reads it (rerun/request.ts); the deeper holder wins.
    const out: Partial<Pick<RequestContext, 'model' | 'system' | 'tools'>> = {};
    for (const holder of [o, ...['shape', 'request', 'params', 'body', 'data'].map((k) => o[k])]) {
      if (!isObj(holder)) continue;
      const c = contextOfRequest(holder);
      if (c.model) out.model = c.model;
      if (c.system !== null) out.system = c.system;
      if (c.tools) out.tools = c.tools;
    }
    return out;
  }
  if (type === 'attachment' && isObj(o.attachment) && o.attachment.type === 'prompt_snapshot') {
    const a = o.attachment;
    const system = systemText(a.systemPrompt ?? a.system_prompt ?? a.system ?? a.prompt ?? a.content ?? a.text);
    const tools = toolsOf(a.tools);
    return { ...(system !== null ? { system } : {}), ...(tools ? { tools } : {}), ...(str(a.model) ? { model: str(a.model)! } : {}) };
  }
  if (type === 'session_meta') {
    // Codex: the base instructions the whole session ran with.
    const p = isObj(o.payload) ? o.payload : {};
    const system = isObj(p.base_instructions) ? str(p.base_instructions.text) : str(p.instructions);
    return system !== null ? { system } : null;
  }
  if (type === 'turn_context' || type === 'thread_settings_applied') {
    const p = isObj(o.payload) ? o.payload : o;
    const settings = isObj(p.settings) ? p.settings : p;
    const base = isObj(settings.base_instructions) ? settings.base_instructions.text : settings.base_instructions;
    const system = systemText(base ?? settings.instructions ?? settings.developer_instructions ?? settings.user_instructions);
    const tools = toolsOf(settings.tools);
    return { ...(str(settings.model) ? { model: str(settings.model)! } : {}), ...(system !== null ? { system } : {}), ...(tools ? { tools } : {}) };
  }
  return null;
}

const MODEL_TURN_KINDS = new Set(['assistant', 'thinking', 'tool_use']);

/** A record the model wrote: an assistant message (its text, thinking or tool calls). */
export function isModelTurn(ev: Pick<EventView, 'kind' | 'role'>): boolean {
  return ev.role === 'assistant' || MODEL_TURN_KINDS.has(ev.kind);
}

/**
 * The request context of the model turn that wrote record `id`. Throws
 * InvalidInputError when the record is not a model turn, NotFoundError when
 * no context was recorded for it.
 */
export async function requestContext(archive: Archive, id: string, holder?: string): Promise<RequestContext> {
  const store = await archive.objects();
  const ev = await readEvent(store, id);
  if (!isModelTurn(ev)) {
    throw new InvalidInputError(`record ${id} is a ${ev.kind} record${ev.role ? ` (role ${ev.role})` : ''}, not a model turn: --context shows the request behind what the model wrote (an assistant record)`, { id });
  }
  // The wire view, when there is one: the exact request.
  try {
    const w = await wireExchange(archive, id, holder);
    let body: unknown;
    try {
      body = JSON.parse(w.request.body.toString('utf8'));
    } catch {
      body = undefined;
    }
    if (body !== undefined) return { record: id, source: { kind: 'capture', turn: w.turn, ref: w.ref }, ...contextOfRequest(body) };
  } catch (err) {
    if (!(isTapesError(err) && err instanceof NotFoundError)) throw err;
  }
  // The agent's own lines before it, nearest first; each field from the nearest line that has it.
  const found: Partial<Pick<RequestContext, 'model' | 'system' | 'tools'>> = {};
  const records: string[] = [];
  let parent = ev.parent;
  let steps = 0;
  while (parent && steps++ < 100_000 && (found.model === undefined || found.system === undefined || found.tools === undefined)) {
    const p = await readEvent(store, parent);
    if (p.source) {
      const c = contextOfLine(p, await sourceObject(store, p.source));
      if (c) {
        let used = false;
        for (const k of ['model', 'system', 'tools'] as const) {
          if (c[k] !== undefined && found[k] === undefined) {
            (found as Record<string, unknown>)[k] = c[k];
            used = true;
          }
        }
        if (used) records.push(p.id);
      }
    }
    parent = p.parent;
  }
  if (records.length === 0) {
    throw new NotFoundError(`record ${id} has no recorded request context: no capture of its session is stored and no request-context line (Claude Code's api-request-shape or prompt snapshot, Codex's turn_context) comes before it`, { id });
  }
  return { record: id, source: { kind: 'transcript', records }, model: found.model ?? str(ev.meta.model), system: found.system ?? null, tools: found.tools ?? null };
}
