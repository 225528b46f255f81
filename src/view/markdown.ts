// A session as a Markdown transcript (`tapes export --format markdown`):
// a header of what the session was, then each record as a heading with its
// kind, time, id and tokens; prompts and answers as text, thinking as a
// quote, tool calls as fenced blocks of their command or input, tool results
// fenced and folded in <details> when long, errors marked, and each
// subagent's thread quoted under the record that spawned it. The agent's
// bookkeeping records (record/bookkeeping.ts) are folded into a count line,
// as tapes log folds them, unless allRecords.
import type { IndexRow, Transcript, TranscriptEntry, TranscriptRecord, TranscriptThread } from '../archive/export/index.js';
import { isBookkeeping, type EventView } from '../record/index.js';
import { formatTokens, localTime } from './timeline.js';
import { LABEL, commandOf, isObj, pathOf, resultText } from './transcript.js';

export interface MarkdownOptions {
  timeZone?: string;
  /** Tool output longer than this many lines (or 4,000 characters) is folded in <details>. Default 20. */
  foldLines?: number;
  /** Keep the agent's bookkeeping records instead of folding them into a count. */
  allRecords?: boolean;
}

/** A bookkeeping record that spawned nothing: folded (a record that spawned subagents keeps their place). */
const foldable = (e: TranscriptEntry): boolean => e.type === 'record' && e.threads.length === 0 && e.record.damaged === null && isBookkeeping(e.record as unknown as Pick<EventView, 'kind' | 'meta'>);

/** How many records fold, subagent threads included. */
function foldableCount(entries: TranscriptEntry[]): number {
  let n = 0;
  for (const e of entries) {
    if (foldable(e)) n++;
    else if (e.type === 'thread') n += foldableCount(e.thread.entries);
    else for (const t of e.threads) n += foldableCount(t.entries);
  }
  return n;
}

/** A code fence longer than any run of backticks in the text, so the text can never close it. */
function fence(text: string, lang = ''): string {
  let longest = 2;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${text.replace(/\n$/, '')}\n${f}`;
}

/** Text that Markdown would take for HTML, escaped; the rest stays Markdown (answers are Markdown already). */
function safeText(text: string): string {
  return text.replace(/<(\/?[A-Za-z!?])/g, '&lt;$1');
}

function inline(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`).replace(/\s+/g, ' ').trim();
}

function quote(text: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `> ${l}` : '>'))
    .join('\n');
}

function folded(summary: string, body: string, fold: boolean): string {
  return fold ? `<details><summary>${inline(summary).replace(/\\/g, '')}</summary>\n\n${body}\n\n</details>` : body;
}


function blocks(r: TranscriptRecord, o: Required<MarkdownOptions>): string[] {
  const out: string[] = [];
  const long = (text: string) => text.split('\n').length > o.foldLines || text.length > 4000;
  for (const b of r.content) {
    if (typeof b === 'string') out.push(safeText(b));
    else if (!isObj(b)) out.push(fence(JSON.stringify(b, null, 2), 'json'));
    else if (b.type === 'text') out.push(safeText(String(b.text ?? '')));
    else if (b.type === 'thinking') {
      const t = String(b.thinking ?? '');
      out.push(quote(t ? `**Thinking**\n\n${safeText(t)}` : r.meta.encrypted_reasoning !== undefined ? '**Thinking** (encrypted)' : '**Thinking** (no text)'));
    } else if (b.type === 'redacted_thinking') out.push(quote('**Thinking** (redacted)'));
    else if (b.type === 'tool_use' || b.type === 'server_tool_use') {
      const name = String(b.name ?? 'tool');
      const id = typeof b.id === 'string' ? ` \`${b.id}\`` : '';
      const cmd = commandOf(name, b.input);
      let body: string;
      if (cmd !== null) {
        const rest = isObj(b.input) ? Object.fromEntries(Object.entries(b.input).filter(([k]) => k !== 'command' && k !== 'cmd')) : {};
        body = fence(cmd, 'bash') + (Object.keys(rest).length ? '\n\n' + fence(JSON.stringify(rest, null, 2), 'json') : '');
      } else if (typeof b.input === 'string') body = fence(b.input, /^\*\*\* Begin Patch|^(---|diff --git) /m.test(b.input) ? 'diff' : '');
      else body = fence(JSON.stringify(b.input ?? null, null, 2), 'json');
      const path = pathOf(b.input);
      out.push(`**Tool call: ${inline(name)}**${id}${path ? ` — \`${path.replace(/`/g, "'")}\`` : ''}\n\n${folded(`input (${body.split('\n').length} lines)`, body, long(body))}`);
    } else if (b.type === 'tool_result') {
      const { text, images } = resultText(b.content);
      const err = b.is_error === true ? ' **✗ error**' : '';
      const id = typeof b.tool_use_id === 'string' ? ` \`${b.tool_use_id}\`` : '';
      const lines = text.split('\n').length;
      const body = text === '' ? '_(no output)_' : fence(text, '');
      const parts = [`**Tool result**${id}${err}`, folded(`output: ${lines} line${lines === 1 ? '' : 's'}, ${text.length} characters`, body, long(text))];
      for (const img of images) parts.push(`_[image: ${String(img.media_type ?? 'image')}]_`);
      out.push(parts.join('\n\n'));
    } else if (b.type === 'image') {
      out.push(`_[image: ${String(b.media_type ?? 'image')}${b.source_type === 'url' && typeof b.data === 'string' ? ` ${b.data}` : ''}]_`);
    } else out.push(`**${inline(String(b.type ?? 'block'))}**\n\n${fence(JSON.stringify(b, null, 2), 'json')}`);
  }
  if (r.content.length === 0 && r.raw !== null) out.push(folded(r.kind === 'unparsed' ? 'the line as found' : 'data from the original line', fence(r.raw, r.kind === 'unparsed' ? '' : 'json'), long(r.raw)));
  if (r.damaged !== null) out.push(`**✗ ${inline(r.damaged)}**`);
  return out;
}

function recordMarkdown(r: TranscriptRecord, n: string, o: Required<MarkdownOptions>): string {
  const head = [`${n} ${LABEL[r.label] ?? r.label}${r.error ? ' ✗' : ''}`];
  if (r.time) head.push(localTime(r.time, true, o.timeZone));
  head.push(`\`${r.abbrev}\``);
  const model = typeof r.meta.model === 'string' && r.label !== 'user' ? ` · ${r.meta.model}` : '';
  const tokens = r.tokens ? ` · ${formatTokens(r.tokens)}` : '';
  const body = blocks(r, o);
  return [`### ${head.join(' · ')}${model}${tokens}`, ...body].join('\n\n');
}

function threadMarkdown(t: TranscriptThread, prefix: string, o: Required<MarkdownOptions>): string {
  const what = [t.agentType, t.description].filter(Boolean).join(': ');
  const inner = [`#### Subagent ${inline(t.name)}${what ? ` — ${inline(what)}` : ''}`, ...entriesMarkdown(t.entries, prefix, o)].join('\n\n');
  return quote(inner);
}

function entriesMarkdown(entries: TranscriptEntry[], prefix: string, o: Required<MarkdownOptions>): string[] {
  const out: string[] = [];
  let n = 0;
  for (const e of entries) {
    if (e.type === 'thread') {
      out.push(threadMarkdown(e.thread, `${prefix}${n}.`, o));
      continue;
    }
    n++;
    // Folded records keep their number, so a record is numbered the same with and without --all-records.
    if (!o.allRecords && foldable(e)) continue;
    out.push(recordMarkdown(e.record, `${prefix}${n}.`, o));
    for (const t of e.threads) out.push(threadMarkdown(t, `${prefix}${n}.`, o));
  }
  return out;
}

export function renderMarkdown(t: Transcript, opts: MarkdownOptions = {}): string {
  const o: Required<MarkdownOptions> = { timeZone: opts.timeZone as string, foldLines: opts.foldLines ?? 20, allRecords: opts.allRecords ?? false };
  const folded = o.allRecords ? 0 : foldableCount(t.entries);
  const facts: Array<[string, string | null]> = [
    ['Title', t.title ? inline(t.title) : null],
    ['Project', t.cwd ? `\`${t.cwd}\`` : null],
    ['Model', t.model],
    ['Harness', t.harness],
    ['Started', t.start ? localTime(t.start, true, o.timeZone) : null],
    ['Ended', t.end ? localTime(t.end, true, o.timeZone) : null],
    ['Records', String(t.records)],
    ['Tip', `\`${t.tip}\``],
  ];
  const head = [`# Session ${inline(t.name)}`, facts.filter(([, v]) => v !== null).map(([k, v]) => `- **${k}:** ${v}`).join('\n')];
  const tail = folded > 0 ? [`_${folded} bookkeeping record${folded === 1 ? '' : 's'} folded (--all-records shows them)_`] : [];
  return [...head, '---', ...entriesMarkdown(t.entries, '', o), ...tail].join('\n\n') + '\n';
}

export function renderMarkdownIndex(rows: IndexRow[], opts: { timeZone?: string } = {}): string {
  const lines = ['# Sessions', '', '| Session | Started | Records | Project | Title |', '|---|---|---|---|---|'];
  for (const r of rows) {
    const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
    lines.push(`| [${cell(r.name)}](${encodeURI(r.file)}) | ${r.start ? localTime(r.start, false, opts.timeZone) : ''} | ${r.records} | ${cell(r.cwd ?? '')} | ${cell(r.title ?? '')} |`);
  }
  return lines.join('\n') + '\n';
}
