// What the transcript renderers (Markdown, HTML) draw: a session's records
// in captured order with every blob read back, each subagent's thread under
// the record that spawned it. src/archive/export.ts builds it; the renderers
// only format it.
import type { RecordTokens } from './timeline.js';

export interface TranscriptRecord {
  id: string;
  /** Abbreviated id (what show, log and checkout accept). */
  abbrev: string;
  kind: string;
  /** As log shows it: user, assistant, thinking, tool, tool_result, system … */
  label: string;
  role: string | null;
  time: string | null;
  /** One line saying what the record was (log's line). */
  summary: string;
  error: boolean;
  /** Content blocks with every blob read back. */
  content: unknown[];
  meta: Record<string, unknown>;
  source: { format: string; line: number; eol: string } | null;
  /** An unparsed line as found, or the original line's data for records without content. */
  raw: string | null;
  tokens: RecordTokens | null;
  /** Set when the record could not be read. */
  damaged: string | null;
}

export interface TranscriptThread {
  /** refs/agents/<session>/<agent> */
  ref: string;
  name: string;
  agentType: string | null;
  description: string | null;
  entries: TranscriptEntry[];
}

export type TranscriptEntry = { type: 'record'; record: TranscriptRecord; threads: TranscriptThread[] } | { type: 'thread'; thread: TranscriptThread };

export interface Transcript {
  /** The session's name (or the revision, for a chain no session holds). */
  name: string;
  ref: string | null;
  tip: string;
  title: string | null;
  start: string | null;
  end: string | null;
  model: string | null;
  cwd: string | null;
  harness: string | null;
  /** Records in all, subagents included. */
  records: number;
  entries: TranscriptEntry[];
}

type Obj = { [k: string]: unknown };
/** What each kind of step is called in a rendered transcript (Markdown, HTML). */
export const LABEL: Record<string, string> = {
  user: 'User',
  assistant: 'Assistant',
  thinking: 'Thinking',
  tool: 'Tool call',
  tool_result: 'Tool result',
  system: 'System',
  summary: 'Summary',
  progress: 'Progress',
  other: 'Event',
  unparsed: 'Unparsed line',
  damaged: 'Damaged record',
};

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every record of a transcript in display order. */
export function* transcriptRecords(entries: TranscriptEntry[]): Generator<TranscriptRecord> {
  for (const e of entries) {
    if (e.type === 'thread') yield* transcriptRecords(e.thread.entries);
    else {
      yield e.record;
      for (const t of e.threads) yield* transcriptRecords(t.entries);
    }
  }
}

function shellWords(words: unknown[]): string {
  const s = words.map(String);
  if (s.length === 3 && /(^|\/)(ba|z)?sh$/.test(s[0]!) && /^-l?c$/.test(s[1]!)) return s[2]!;
  return s.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The command line a tool call runs, when it is a shell command. */
export function commandOf(name: string, input: unknown): string | null {
  if (!isObj(input)) return null;
  if (name === 'Bash' && typeof input.command === 'string') return input.command;
  if (['exec_command', 'shell', 'local_shell', 'local_shell_call', 'container.exec'].includes(name) || 'cmd' in input) {
    const cmd = input.cmd ?? input.command;
    if (typeof cmd === 'string') return cmd;
    if (Array.isArray(cmd)) return shellWords(cmd);
  }
  return null;
}

/** The text of a tool result's content (text blocks joined; other blocks as JSON). */
export function resultText(content: unknown): { text: string; images: Obj[] } {
  const parts: string[] = [];
  const images: Obj[] = [];
  if (typeof content === 'string') parts.push(content);
  else if (Array.isArray(content)) {
    for (const b of content) {
      if (typeof b === 'string') parts.push(b);
      else if (isObj(b) && b.type === 'text') parts.push(String(b.text ?? ''));
      else if (isObj(b) && b.type === 'image') images.push(b);
      else parts.push(JSON.stringify(b, null, 2));
    }
  } else if (content !== null && content !== undefined && content !== '') parts.push(JSON.stringify(content, null, 2));
  return { text: parts.join('\n'), images };
}

/** The language a tool input or output is best shown in. */
export function languageOf(path: string | null): string {
  const ext = /\.([a-z0-9]+)$/i.exec(path ?? '')?.[1]?.toLowerCase() ?? '';
  const map: Record<string, string> = {
    ts: 'typescript', tsx: 'tsx', js: 'javascript', mjs: 'javascript', jsx: 'jsx', py: 'python', go: 'go', rs: 'rust', rb: 'ruby',
    java: 'java', sh: 'bash', bash: 'bash', zsh: 'bash', json: 'json', yml: 'yaml', yaml: 'yaml', toml: 'toml', md: 'markdown',
    html: 'html', css: 'css', sql: 'sql', c: 'c', h: 'c', cpp: 'cpp', mod: 'go',
  };
  return map[ext] ?? '';
}

/** The file a tool call reads or writes, when it names one. */
export function pathOf(input: unknown): string | null {
  if (!isObj(input)) return null;
  for (const k of ['file_path', 'path', 'notebook_path']) if (typeof input[k] === 'string') return input[k] as string;
  return null;
}
