// One line that says what a record was: the prompt, the answer, the tool and
// its key argument, the result (with an error mark), the system event. Every
// reader that lists records (log, replay, search results, diff) uses this, so
// a record reads the same everywhere, whatever harness it came from. It is
// part of the model, not of a renderer: diff aligns steps on these lines and
// export stores them, so they are data that the views only lay out.
import type { JsonValue } from '../../hash/index.js';
import type { ObjectStore } from '../../odb/index.js';
import { BOOKKEEPING_SOURCE_TYPES, sourceObject, textOf, type EventView } from '../../record/index.js';
import { isObj } from './blocks.js';

export interface EventSummary {
  /** user, assistant, thinking, tool, tool_result, system, summary, progress, other, unparsed. */
  label: string;
  /** One line, at most `width` characters. */
  text: string;
  /** Tool name(s) for tool calls. */
  tools: string[];
  /** tool_use ids a tool call makes, or the one a tool result answers. */
  toolUseIds: string[];
  isError: boolean;
}

/** The argument that says most about a tool call, by tool. */
const KEY_ARGUMENT: Record<string, string[]> = {
  Read: ['file_path', 'path'],
  Write: ['file_path', 'path'],
  Edit: ['file_path', 'path'],
  MultiEdit: ['file_path', 'path'],
  NotebookEdit: ['notebook_path'],
  Bash: ['command'],
  BashOutput: ['bash_id'],
  Grep: ['pattern'],
  Glob: ['pattern'],
  LS: ['path'],
  WebFetch: ['url'],
  WebSearch: ['query'],
  Task: ['description'],
  Agent: ['description'],
  TodoWrite: [],
  exec_command: ['cmd', 'command'],
  shell: ['command', 'cmd'],
  apply_patch: ['input'],
};
const QUOTED = new Set(['Bash', 'Grep', 'Glob', 'WebSearch', 'exec_command', 'shell']);

/** Text without Claude Code's wrappers: system reminders, command tags, ANSI codes. */
export function cleanPrompt(text: string): string {
  return text
    .replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, ' ')
    .replace(/<local-command-(stdout|stderr)>[\s\S]*?<\/local-command-\1>/g, ' ')
    .replace(/<command-(message|args)>[\s\S]*?<\/command-\1>/g, ' ')
    .replace(/<command-name>([\s\S]*?)<\/command-name>/g, '$1')
    .replace(/<\/?[a-z_-]+>/g, ' ')
    .replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
    .trim();
}

/** Text on one line (runs of whitespace become one space), cut to `width` with an ellipsis. */
export function oneLine(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > width ? line.slice(0, Math.max(1, width - 1)) + '…' : line;
}

async function keyArgument(store: ObjectStore, name: string, input: JsonValue | undefined): Promise<string> {
  if (typeof input === 'string') return (await textOf(store, input, 400)).split('\n')[0]!;
  if (!isObj(input)) return '';
  if (name === 'TodoWrite' && Array.isArray(input.todos)) return `${input.todos.length} todos`;
  const keys = KEY_ARGUMENT[name] ?? ['file_path', 'path', 'command', 'cmd', 'pattern', 'url', 'query', 'description', 'prompt'];
  for (const k of keys) {
    const v = input[k];
    if (v === undefined) continue;
    const text = Array.isArray(v) ? v.map(String).join(' ') : (await textOf(store, v, 400)).split('\n')[0]!;
    return QUOTED.has(name) ? `"${text}"` : text;
  }
  for (const v of Object.values(input)) if (typeof v === 'string') return v.split('\n')[0]!;
  return '';
}

async function blockText(store: ObjectStore, content: JsonValue | undefined, limit = 2000): Promise<string> {
  if (typeof content === 'string' || isObj(content)) return textOf(store, content, limit);
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const b of content) {
    if (isObj(b) && b.type === 'text') parts.push(await textOf(store, b.text, limit));
    else if (isObj(b) && b.type === 'image') parts.push('[image]');
    else if (typeof b === 'string') parts.push(b);
  }
  return parts.join(' ');
}

/** Fields every Claude Code / Codex line carries: they say nothing about what the line is. */
const ENVELOPE = new Set(['type', 'uuid', 'parentUuid', 'sessionId', 'timestamp', 'cwd', 'version', 'gitBranch', 'userType', 'isSidechain', 'entrypoint', 'slug']);

/** The scalar fields of an object as `key=value`, the envelope left out (a line's own words, whatever its shape). */
function scalars(o: Record<string, unknown>, skip: ReadonlySet<string> = ENVELOPE): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (skip.has(k)) continue;
    if (typeof v === 'string') parts.push(`${k}=${v.length > 60 ? `${v.length} chars` : v}`);
    else if (typeof v === 'number' || typeof v === 'boolean') parts.push(`${k}=${v}`);
    else if (Array.isArray(v)) parts.push(`${k}=${v.length} item${v.length === 1 ? '' : 's'}`);
    else if (v && typeof v === 'object') parts.push(`${k}={${Object.keys(v).length} keys}`);
  }
  return parts.join(' ');
}

/**
 * The line for an agent's bookkeeping line (Claude Code 2.1's attachment,
 * api-request-shape, cost-state …; Codex's world_state …): its type, then
 * the attachment's own type and what its line holds, read from the original
 * line kept with the record. Undefined for anything else, or when the
 * original cannot be read.
 */
async function bookkeepingText(store: ObjectStore, ev: EventView): Promise<string | undefined> {
  const type = ev.meta.source_type;
  // A file-history snapshot's fields are a message id and a file map: its type says it all.
  if (typeof type !== 'string' || type === 'file-history-snapshot' || !BOOKKEEPING_SOURCE_TYPES.has(type) || !ev.source) return undefined;
  const line = await sourceObject(store, ev.source);
  if (!isObj(line as JsonValue)) return undefined;
  const o = line as Record<string, unknown>;
  const body = isObj(o.payload as JsonValue) ? (o.payload as Record<string, unknown>) : o;
  if (type === 'attachment' && isObj(o.attachment as JsonValue)) {
    const a = o.attachment as Record<string, unknown>;
    const rest = scalars(a, new Set(['type']));
    return [`attachment: ${typeof a.type === 'string' ? a.type : 'untyped'}`, rest].filter(Boolean).join(' ');
  }
  const rest = scalars(body);
  return rest ? `${type}: ${rest}` : type;
}

export async function summariseEvent(store: ObjectStore, ev: EventView, width = 100): Promise<EventSummary> {
  const out: EventSummary = { label: ev.kind, text: '', tools: [], toolUseIds: [], isError: false };
  const blocks = ev.content.filter(isObj);
  const toolUses = blocks.filter((b) => b.type === 'tool_use' || b.type === 'server_tool_use');
  const results = blocks.filter((b) => b.type === 'tool_result');
  if (ev.kind === 'unparsed') {
    out.text = `line ${ev.source?.line ?? '?'}: ${String(ev.meta.problem ?? 'unparsed')}`;
  } else if (toolUses.length > 0) {
    out.label = 'tool';
    const parts: string[] = [];
    for (const u of toolUses) {
      const name = typeof u.name === 'string' ? u.name : 'tool';
      out.tools.push(name);
      if (typeof u.id === 'string') out.toolUseIds.push(u.id);
      const arg = await keyArgument(store, name, u.input);
      parts.push(arg ? `${name} ${arg}` : name);
    }
    out.text = parts.join('; ');
  } else if (results.length > 0) {
    out.label = 'tool_result';
    out.isError = results.some((r) => r.is_error === true);
    for (const r of results) if (typeof r.tool_use_id === 'string') out.toolUseIds.push(r.tool_use_id);
    const text = await blockText(store, results[0]!.content, 400);
    // JSON output reads better folded onto one line than cut after its "{".
    out.text = /^\s*[[{]/.test(text) ? text : (text.split('\n').find((l) => l.trim()) ?? '(empty)');
    if (!out.text.trim()) out.text = '(empty)';
  } else if (ev.kind === 'user') {
    out.text = `"${cleanPrompt(await blockText(store, ev.content))}"`;
    if (out.text === '""') out.text = '(no text)';
  } else if (ev.kind === 'assistant') {
    const thinking = blocks.find((b) => b.type === 'thinking');
    const text = await blockText(store, ev.content);
    if (!text && thinking) {
      out.label = 'thinking';
      // Codex keeps reasoning encrypted; its summary is often empty.
      out.text = (await textOf(store, thinking.thinking, 2000)) || (ev.meta.encrypted_reasoning !== undefined ? '(encrypted)' : '(no text)');
    } else out.text = text || '(no text)';
    if (ev.meta.is_api_error === true) out.isError = true;
  } else if (ev.kind === 'system') {
    const sub = typeof ev.meta.subtype === 'string' ? ev.meta.subtype : typeof ev.meta.source_type === 'string' ? ev.meta.source_type : '';
    const text = await blockText(store, ev.content, 400);
    out.text = [sub, cleanPrompt(text)].filter(Boolean).join(': ') || 'system';
    if (ev.meta.level === 'error') out.isError = true;
  } else if (ev.kind === 'summary') {
    out.text = await blockText(store, ev.content, 400);
  } else if (ev.kind === 'progress') {
    const what = ev.meta.data_type ?? ev.meta.event_type ?? '';
    out.text = [String(what), await blockText(store, ev.content, 400)].filter(Boolean).join(': ');
  } else {
    out.text = (await bookkeepingText(store, ev)) ?? String(ev.meta.source_type ?? ev.meta.item_type ?? 'event');
  }
  out.text = oneLine(out.text, width);
  return out;
}
