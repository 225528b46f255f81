// What the transcript renderers (Markdown, HTML) share: the name of each kind
// of step, and how a tool call's command, file and result read. The
// transcript they draw is the model's (src/archive/export/transcript.ts).
import { isObj, type Obj } from '../record/index.js';

export { isObj };

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
