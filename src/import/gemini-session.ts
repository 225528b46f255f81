// Gemini CLI sessions (~/.gemini/tmp/<project>/chats/): recognising their two
// forms and mapping their messages onto the normalised record view.
//
// - The JSONL form (`session-*.jsonl`, Gemini CLI 0.4x on): a metadata line
//   ({sessionId, projectHash, startTime, …}), `{"$set": …}` updates,
//   `{"$rewindTo": id}` rewinds, and message lines. A message is appended
//   again whenever it changes (a tool call gains its result, its tokens are
//   counted), the latest copy winning. Every line is a record; a repeated
//   message's record carries only the blocks its earlier copies did not show,
//   so that the log shows each message once, in order (docs/format.md 6.1.11).
// - The JSON document (`session-*.json`, older Gemini CLI): one pretty-printed
//   object with `messages[]`, rewritten whole on every change. It is cut into
//   pieces at its message boundaries (gemini-document.ts); each message piece
//   is a record normalised the same way.
import { isObj, isoTime as isoTimeOf, type EventFields, type Obj, type RecordKind } from '../record/index.js';
import { readableText, textKey, valueKey } from './long-text.js';

const isoTime = (v: unknown) => isoTimeOf(readableText(v, 'a timestamp'));

/** A line the Gemini CLI's chat recording writes to a session-*.jsonl file. */
export function isGeminiLine(v: unknown): boolean {
  if (!isObj(v) || 'uuid' in v || 'payload' in v) return false;
  if (typeof v.sessionId === 'string' && typeof v.projectHash === 'string') return true;
  if (isObj(v.$set) && Object.keys(v).length === 1) return true;
  if (typeof v.$rewindTo === 'string' && Object.keys(v).length === 1) return true;
  return typeof v.id === 'string' && typeof v.type === 'string' && typeof v.timestamp === 'string' && 'content' in v;
}

/** What later lines of a Gemini session inherit, and what was already shown (so repeats show only what is new). */
export interface GeminiState {
  session_id?: string;
  project_hash?: string;
  /** Every block shown so far (its valueKey), by message id (its textKey: a long string compares by digest, however it was read). */
  shown: Map<string, Set<string>>;
  /** Tool call ids whose result was already shown. */
  results: Set<string>;
  /** Message ids in the order first seen (a rewind drops from one on). */
  order: string[];
}

export function newGeminiState(): GeminiState {
  return { shown: new Map(), results: new Set(), order: [] };
}

function thoughtBlock(t: unknown): unknown {
  if (!isObj(t)) return { type: 'thinking', thinking: typeof t === 'string' ? t : '' };
  const subject = typeof t.subject === 'string' ? t.subject : '';
  const description = typeof t.description === 'string' ? t.description : '';
  return { type: 'thinking', thinking: subject && description ? `${subject}\n${description}` : subject || description };
}

/** A functionResponse's payload as a tool result: its `output` (or `error`) when a string, else the whole response. */
function functionResult(fr: Obj, failed: boolean): unknown {
  const response = isObj(fr.response) ? fr.response : fr.response ?? null;
  const error = isObj(response) && response.error !== undefined;
  let content: unknown = response;
  if (isObj(response) && typeof response.output === 'string' && Object.keys(response).length === 1) content = response.output;
  else if (isObj(response) && typeof response.error === 'string' && Object.keys(response).length === 1) content = response.error;
  return { type: 'tool_result', tool_use_id: fr.id ?? fr.name ?? null, content: content ?? '', is_error: failed || error };
}

/** One part of a Gemini PartListUnion as a content block. */
function partBlock(p: unknown, failed = false): unknown {
  if (typeof p === 'string') return { type: 'text', text: p };
  if (!isObj(p)) return p;
  if (typeof p.text === 'string') return p.thought === true ? { type: 'thinking', thinking: p.text } : { type: 'text', text: p.text };
  if (isObj(p.functionCall)) {
    const c = p.functionCall;
    return { type: 'tool_use', id: c.id ?? null, name: c.name ?? null, input: c.args ?? null };
  }
  if (isObj(p.functionResponse)) return functionResult(p.functionResponse, failed);
  if (isObj(p.inlineData)) {
    const d = p.inlineData;
    return { type: 'image', media_type: typeof d.mimeType === 'string' ? d.mimeType : null, source_type: 'base64', data: typeof d.data === 'string' ? d.data : null };
  }
  if (isObj(p.fileData)) {
    const d = p.fileData;
    return { type: 'image', media_type: typeof d.mimeType === 'string' ? d.mimeType : null, source_type: 'url', data: typeof d.fileUri === 'string' ? d.fileUri : null };
  }
  return p;
}

/** A PartListUnion (a string, a part, or a list of them) as content blocks. */
function partsOf(content: unknown, failed = false): unknown[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (Array.isArray(content)) return content.map((p) => partBlock(p, failed));
  return [partBlock(content, failed)];
}

/** A gemini message's blocks: its thoughts, its words, then each tool call followed by its result. */
function modelBlocks(m: Obj): unknown[] {
  const out: unknown[] = [];
  if (Array.isArray(m.thoughts)) for (const t of m.thoughts) out.push(thoughtBlock(t));
  out.push(...partsOf(m.content));
  if (Array.isArray(m.toolCalls)) {
    for (const c of m.toolCalls) {
      if (!isObj(c)) continue;
      out.push({ type: 'tool_use', id: c.id ?? null, name: c.name ?? null, input: c.args ?? null });
      if (c.result === undefined || c.result === null) continue;
      const failed = c.status === 'error';
      const results = partsOf(c.result, failed);
      const responses = results.filter((b) => isObj(b) && b.type === 'tool_result');
      if (responses.length > 0) out.push(...responses);
      else out.push({ type: 'tool_result', tool_use_id: c.id ?? null, content: results, is_error: failed });
    }
  }
  return out;
}

const KIND_BY_TYPE: Record<string, RecordKind> = { user: 'user', gemini: 'assistant', info: 'system', warning: 'system', error: 'system' };
const ROLE_BY_TYPE: Record<string, string> = { user: 'user', gemini: 'assistant', info: 'system', warning: 'system', error: 'system' };

/**
 * Blocks not shown before: for a message seen again, those its earlier
 * copies lacked; a tool result, only the first time its call's result shows.
 */
function unshown(messageId: string, blocks: unknown[], state: GeminiState): unknown[] {
  const id = textKey(messageId);
  let seen = state.shown.get(id);
  if (!seen) {
    seen = new Set();
    state.shown.set(id, seen);
    state.order.push(id);
  }
  const out: unknown[] = [];
  for (const b of blocks) {
    // The CLI writes every copy of a message with the same key order, so its own serialisation compares them.
    const key = valueKey(b);
    if (seen.has(key)) continue;
    seen.add(key);
    if (isObj(b) && b.type === 'tool_result' && typeof b.tool_use_id === 'string') {
      const call = textKey(b.tool_use_id);
      if (state.results.has(call)) continue;
      state.results.add(call);
    }
    out.push(b);
  }
  return out;
}

/** One message record (a JSONL message line, or a message of the JSON document). */
export function normaliseGeminiMessage(m: Obj, state: GeminiState, sourceType?: string): EventFields {
  const type = typeof m.type === 'string' ? m.type : '';
  const id = typeof m.id === 'string' ? m.id : '';
  const repeat = state.shown.has(textKey(id));
  let kind: RecordKind = KIND_BY_TYPE[type] ?? 'other';
  const all = type === 'gemini' ? modelBlocks(m) : type in KIND_BY_TYPE ? partsOf(m.content) : [];
  const content = unshown(id, all, state);
  if (kind === 'user' && all.length > 0 && all.every((b) => isObj(b) && b.type === 'tool_result')) kind = 'tool_result';
  // A copy that adds nothing (its results were shown with their calls, or only its status changed) is bookkeeping.
  if (content.length === 0 && all.length > 0) kind = 'progress';
  const meta: Obj = { harness: 'gemini', source_type: sourceType ?? type, message_id: id };
  if (kind === 'progress') meta.event_type = repeat ? 'message again' : 'results shown with their calls';
  if (repeat) meta.repeat = true;
  if (type === 'error' || type === 'warning' || type === 'info') meta.level = type;
  if (typeof m.model === 'string') meta.model = m.model;
  if (isObj(m.tokens)) meta.usage = m.tokens;
  if (state.session_id !== undefined) meta.session_id = state.session_id;
  if (state.project_hash !== undefined) meta.project_hash = state.project_hash;
  const role = kind === 'other' ? null : (ROLE_BY_TYPE[type] ?? null);
  return { kind, role, time: isoTime(m.timestamp), content, meta };
}

/** Session-level members a metadata line or the document's head carries, and their names in meta. */
const SESSION_FIELDS: Record<string, string> = { startTime: 'start_time', lastUpdated: 'last_updated', kind: 'session_kind', summary: 'summary', directories: 'directories' };

/** Copies the session-level members into meta (and the ids into the state later lines inherit). */
function sessionMeta(v: Obj, state: GeminiState, meta: Obj): void {
  if (typeof v.sessionId === 'string') state.session_id = v.sessionId;
  if (typeof v.projectHash === 'string') state.project_hash = v.projectHash;
  for (const key of Object.keys(SESSION_FIELDS)) if (v[key] !== undefined) meta[SESSION_FIELDS[key]!] = v[key];
}

/** One line of a session-*.jsonl file. */
export function normaliseGeminiLine(line: Obj, state: GeminiState): EventFields {
  if (typeof line.$rewindTo === 'string') {
    // The messages from that one on are gone from the conversation: shown again if they come back.
    const at = state.order.indexOf(textKey(line.$rewindTo));
    for (const id of at < 0 ? state.order.splice(0) : state.order.splice(at)) state.shown.delete(id);
    return withSession({ kind: 'other', role: null, time: null, content: [], meta: { harness: 'gemini', source_type: '$rewindTo', rewind_to: line.$rewindTo } }, state);
  }
  if (isObj(line.$set)) {
    const set = line.$set;
    const meta: Obj = { harness: 'gemini', source_type: '$set' };
    sessionMeta(set, state, meta);
    if (!Array.isArray(set.messages)) return withSession({ kind: 'progress', role: null, time: isoTime(set.lastUpdated), content: [], meta: { ...meta, event_type: 'metadata update' } }, state);
    // A checkpoint: the conversation as it now stands. What it holds that was not shown yet is shown here.
    const content: unknown[] = [];
    for (const m of set.messages) {
      if (!isObj(m) || typeof m.id !== 'string') continue;
      content.push(...normaliseGeminiMessage(m, state).content);
    }
    return withSession({ kind: 'system', role: 'system', time: isoTime(set.lastUpdated), content, meta }, state);
  }
  if (typeof line.id === 'string') return normaliseGeminiMessage(line, state);
  const meta: Obj = { harness: 'gemini', source_type: 'session' };
  sessionMeta(line, state, meta);
  return withSession({ kind: 'system', role: 'system', time: isoTime(line.startTime), content: [], meta }, state);
}

function withSession(f: EventFields, state: GeminiState): EventFields {
  if (state.session_id !== undefined) f.meta.session_id = state.session_id;
  if (state.project_hash !== undefined) f.meta.project_hash = state.project_hash;
  return f;
}

/** The head of a JSON document (its members before `messages`), as the session record. */
export function normaliseGeminiHead(head: Obj, state: GeminiState): EventFields {
  const meta: Obj = { harness: 'gemini', source_type: 'session' };
  sessionMeta(head, state, meta);
  return withSession({ kind: 'system', role: 'system', time: isoTime(head.startTime), content: [], meta }, state);
}

/** The tail of a JSON document (its members after `messages`). */
export function normaliseGeminiTail(tail: Obj, state: GeminiState): EventFields {
  const meta: Obj = { harness: 'gemini', source_type: 'end' };
  sessionMeta(tail, state, meta);
  delete meta.session_kind;
  if (tail.kind !== undefined) meta.session_kind = tail.kind;
  return withSession({ kind: 'other', role: null, time: null, content: [], meta }, state);
}
