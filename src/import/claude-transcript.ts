// Claude Code transcripts (~/.claude/projects/<project>/<session>.jsonl):
// recognising their lines and mapping each onto the normalised record view.
// Every line type is kept; types we do not know become kind "other", and the
// record's source keeps every field, so a new Claude Code version loses nothing.
import { isObj, isoTime, normaliseContent, type EventFields, type Obj, type RecordKind } from '../record/index.js';
import { readableText } from './long-text.js';



/** A line that Claude Code wrote: an object with a type and one of its ids. */
export function isClaudeLine(v: unknown): boolean {
  return (
    isObj(v) &&
    typeof v.type === 'string' &&
    ('sessionId' in v || 'uuid' in v || 'leafUuid' in v || 'messageId' in v)
  );
}

const KIND_BY_TYPE: Record<string, RecordKind> = {
  user: 'user',
  assistant: 'assistant',
  system: 'system',
  summary: 'summary',
  progress: 'progress',
};

// Fields every message line repeats; they go to meta under these names.
const META_FIELDS: Record<string, string> = {
  sessionId: 'session_id',
  uuid: 'uuid',
  parentUuid: 'parent_uuid',
  logicalParentUuid: 'logical_parent_uuid',
  isSidechain: 'is_sidechain',
  agentId: 'agent_id',
  userType: 'user_type',
  cwd: 'cwd',
  gitBranch: 'git_branch',
  version: 'harness_version',
  slug: 'slug',
  requestId: 'request_id',
  isMeta: 'is_meta',
  isCompactSummary: 'is_compact_summary',
  isVisibleInTranscriptOnly: 'is_visible_in_transcript_only',
  isApiErrorMessage: 'is_api_error',
  sourceToolUseID: 'source_tool_use_id',
  sourceToolAssistantUUID: 'source_tool_assistant_uuid',
  toolUseID: 'tool_use_id',
  parentToolUseID: 'parent_tool_use_id',
  subtype: 'subtype',
  level: 'level',
  compactMetadata: 'compact_metadata',
  durationMs: 'duration_ms',
  permissionMode: 'permission_mode',
  thinkingMetadata: 'thinking_metadata',
  leafUuid: 'leaf_uuid',
  hookCount: 'hook_count',
  stopReason: 'hook_stop_reason',
  preventedContinuation: 'prevented_continuation',
  hasOutput: 'has_output',
};

const META_PAIRS = Object.entries(META_FIELDS);
const MESSAGE_META: ReadonlyArray<readonly [string, string]> = [
  ['model', 'model'],
  ['usage', 'usage'],
  ['stop_reason', 'stop_reason'],
  ['stop_sequence', 'stop_sequence'],
  ['id', 'message_id'],
];

// Bulky payloads (toolUseResult, progress data, snapshots, todos …) are not
// copied into meta: the record's source holds them exactly, and a reader that
// needs one reads it from there (record/source-value.ts), so each is stored once.
// Content blocks are normalised as a captured Messages API call's are
// (record/content-blocks.ts).

export function normaliseClaudeLine(line: Obj): EventFields {
  const type = String(line.type);
  const message = isObj(line.message) ? line.message : undefined;
  let kind: RecordKind = KIND_BY_TYPE[type] ?? 'other';
  let content: unknown[] = [];
  if (message) content = normaliseContent(message.content);
  else if (type === 'summary') content = normaliseContent(line.summary);
  else if (line.content !== undefined) content = normaliseContent(line.content);
  if (kind === 'user' && content.length > 0 && content.every((b) => isObj(b) && b.type === 'tool_result')) {
    kind = 'tool_result';
  }
  const meta: Obj = { harness: 'claude-code', source_type: type };
  for (const [from, to] of META_PAIRS) if (line[from] !== undefined) meta[to] = line[from];
  if (message) {
    for (const [from, to] of MESSAGE_META) {
      if (message[from] !== undefined && message[from] !== null) meta[to] = message[from];
    }
  }
  if (isObj(line.data) && typeof line.data.type === 'string') meta.data_type = line.data.type;
  if (isObj(line.toolUseResult)) meta.has_tool_use_result = true;
  const role = message && typeof message.role === 'string' ? message.role : type === 'system' ? 'system' : null;
  return { kind, role, time: isoTime(readableText(line.timestamp, 'a timestamp')), content, meta };
}
