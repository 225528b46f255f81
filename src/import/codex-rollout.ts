// Codex rollouts (~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl): recognising
// their lines (the current {timestamp, type, payload} shape and the older one
// without the wrapper) and mapping each onto the normalised record view.
import { isObj, isoTime, type EventFields, type Obj, type RecordKind } from '../record/index.js';
import { mayBeJson } from './json-line-scanner.js';
import { longTextFacts, NeedsWholeFile, readableText } from './long-text.js';



const ITEM_TYPES = new Set([
  'message',
  'reasoning',
  'function_call',
  'function_call_output',
  'custom_tool_call',
  'custom_tool_call_output',
  'local_shell_call',
  'web_search_call',
]);

export function isCodexLine(v: unknown): boolean {
  if (!isObj(v)) return false;
  if (typeof v.type === 'string' && 'payload' in v && 'timestamp' in v) return true;
  if (typeof v.type === 'string' && ITEM_TYPES.has(v.type)) return true; // older rollouts
  return typeof v.id === 'string' && 'timestamp' in v && !('type' in v) && !('sessionId' in v); // older header
}

/** Context that later lines of a rollout inherit (session id, cwd, model). */
export interface CodexState {
  session_id?: string;
  cwd?: string;
  model?: string;
  harness_version?: string;
}

function text(blocks: unknown): unknown[] {
  if (typeof blocks === 'string') return [{ type: 'text', text: blocks }];
  if (!Array.isArray(blocks)) return [];
  return blocks.map((b) => {
    if (isObj(b) && (b.type === 'input_text' || b.type === 'output_text' || b.type === 'summary_text' || b.type === 'text')) {
      return { type: 'text', text: b.text ?? '' };
    }
    if (isObj(b) && b.type === 'input_image') return { type: 'image', media_type: null, source_type: 'url', data: b.image_url ?? null };
    return b;
  });
}

function parseArguments(s: unknown): unknown {
  if (typeof s !== 'string') return s ?? null;
  const long = longTextFacts(s);
  if (long) {
    // A long string of a line read in pieces: one whose beginning is not that of a JSON text stays as it is, as below.
    if (!mayBeJson(long.prefix)) return s;
    throw new NeedsWholeFile('a long Codex arguments or output string that may be JSON');
  }
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function outputResult(callId: unknown, output: unknown): { content: unknown; is_error: boolean } {
  // function_call_output.output is often a JSON string {"output": "...", "metadata": {"exit_code": n}}.
  if (typeof output === 'string') {
    const parsed = parseArguments(output);
    if (isObj(parsed) && typeof parsed.output === 'string') {
      const md = isObj(parsed.metadata) ? parsed.metadata : {};
      return { content: parsed.output, is_error: typeof md.exit_code === 'number' && md.exit_code !== 0 };
    }
    // Current Codex writes exec_command output as text with a header:
    // "Chunk ID: …\nWall time: …\nProcess exited with code N\n…".
    const exit = /^Process exited with code (-?\d+)$/m.exec((longTextFacts(output)?.prefix ?? output).slice(0, 400));
    return { content: output, is_error: exit !== null && exit[1] !== '0' };
  }
  if (Array.isArray(output)) return { content: text(output), is_error: false };
  void callId;
  return { content: output ?? '', is_error: false };
}

function item(p: Obj): { kind: RecordKind; role: string | null; content: unknown[] } {
  switch (p.type) {
    case 'message': {
      const role = typeof p.role === 'string' ? p.role : null;
      const kind: RecordKind = role === 'assistant' ? 'assistant' : role === 'user' ? 'user' : 'system';
      return { kind, role, content: text(p.content) };
    }
    case 'reasoning': {
      const summary = Array.isArray(p.summary) ? p.summary.map((s) => (isObj(s) ? String(s.text ?? '') : String(s))).join('\n') : '';
      return { kind: 'assistant', role: 'assistant', content: [{ type: 'thinking', thinking: summary }] };
    }
    case 'function_call':
    case 'custom_tool_call':
    case 'local_shell_call':
    case 'web_search_call':
      return {
        kind: 'assistant',
        role: 'assistant',
        content: [
          {
            type: 'tool_use',
            id: p.call_id ?? p.id ?? null,
            name: p.name ?? p.type,
            input: p.type === 'function_call' ? parseArguments(p.arguments) : (p.input ?? p.action ?? p.arguments ?? null),
          },
        ],
      };
    case 'function_call_output':
    case 'custom_tool_call_output': {
      const r = outputResult(p.call_id, p.output);
      return { kind: 'tool_result', role: 'tool', content: [{ type: 'tool_result', tool_use_id: p.call_id ?? null, content: r.content, is_error: r.is_error }] };
    }
    default:
      return { kind: 'other', role: null, content: [] };
  }
}

export function normaliseCodexLine(line: Obj, state: CodexState): EventFields {
  const wrapped = typeof line.type === 'string' && 'payload' in line;
  const type = wrapped ? String(line.type) : typeof line.type === 'string' ? 'response_item' : 'session_meta';
  const payload: Obj = wrapped ? (isObj(line.payload) ? line.payload : {}) : line;
  let kind: RecordKind = 'other';
  let role: string | null = null;
  let content: unknown[] = [];
  const meta: Obj = { harness: 'codex', source_type: type };
  switch (type) {
    case 'session_meta': {
      if (typeof payload.id === 'string') state.session_id = payload.id;
      if (typeof payload.cwd === 'string') state.cwd = payload.cwd;
      if (typeof payload.cli_version === 'string') state.harness_version = payload.cli_version;
      kind = 'system';
      role = 'system';
      const instr = isObj(payload.base_instructions) ? payload.base_instructions.text : payload.instructions;
      if (typeof instr === 'string') content = [{ type: 'text', text: instr }];
      meta.data = payload;
      break;
    }
    case 'turn_context':
      if (typeof payload.cwd === 'string') state.cwd = payload.cwd;
      if (typeof payload.model === 'string') state.model = payload.model;
      kind = 'system';
      role = 'system';
      meta.data = payload;
      break;
    case 'response_item': {
      ({ kind, role, content } = item(payload));
      meta.item_type = payload.type ?? null;
      if (kind === 'other') meta.data = payload;
      if (payload.type === 'reasoning' && payload.encrypted_content !== undefined) meta.encrypted_reasoning = payload.encrypted_content;
      break;
    }
    case 'event_msg':
      kind = 'progress';
      meta.event_type = payload.type ?? null;
      if (payload.type === 'token_count' && isObj(payload.info)) meta.usage = payload.info.last_token_usage ?? payload.info;
      if (typeof payload.message === 'string') content = [{ type: 'text', text: payload.message }];
      break;
    case 'compacted':
      kind = 'summary';
      if (typeof payload.message === 'string') content = [{ type: 'text', text: payload.message }];
      break;
    default:
      meta.data = payload;
  }
  for (const k of ['session_id', 'cwd', 'model', 'harness_version'] as const) if (state[k] !== undefined) meta[k] = state[k];
  return { kind, role, time: isoTime(readableText(line.timestamp, 'a timestamp')), content, meta };
}
