// One record rendered in full for reading (`tapes show`, and the record pane
// of `tapes replay`): a header of what it was, then each content block — text
// wrapped, thinking dimmed, a tool call as its command line, its edit as a
// diff or its input as JSON, a tool result with its output cut at a
// screenful, images as their type and size — and the JSON view of a record
// with every blob read back.
import type { JsonValue } from '../hash/index.js';
import type { ObjectStore } from '../odb/index.js';
import { isObj, resolveValue, sourceBytes, sourceObject, type EventView, type Obj } from '../record/index.js';
import { recordTokens } from '../archive/event/index.js';
import type { ChalkInstance } from './color.js';
import { formatTokens, localTime, sanitize } from './timeline.js';
import { commandOf, resultText } from './transcript.js';

export const DEFAULT_CUT_AT = 40;
const INDENT = '    ';

export interface RecordRenderOptions {
  chalk: ChalkInstance;
  /** Terminal width (80 when not a terminal). */
  width: number;
  /** Show long outputs whole. */
  full?: boolean;
  /** Rows of a long output shown before it is cut (default 40). */
  cutAt?: number;
  /** What the cut notice tells the reader to do to see everything (default "use --full to see all"). */
  fullHint?: string;
  /** IANA zone for the record's date (the process's when undefined). */
  timeZone?: string;
}

export interface RecordHeaderInfo {
  /** Session refs (short names) known to hold the record. */
  sessions?: string[];
}


// ---------------------------------------------------------------- text helpers

/**
 * Prose wrapped at `width` columns, word by word. Lines inside ``` fences and
 * indented lines (code) are kept as they are; a wrapped line's continuation
 * keeps its indentation.
 */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced || /^(\t| {4})/.test(line) || line.length <= width) {
      out.push(line);
      continue;
    }
    const indent = /^\s*/.exec(line)![0];
    let cur = '';
    for (const word of line.slice(indent.length).split(/ +/)) {
      if (cur && (indent + cur + ' ' + word).length > width) {
        out.push(indent + cur);
        cur = word;
      } else cur = cur ? cur + ' ' + word : word;
      while ((indent + cur).length > width && cur.length > 1) {
        // A word longer than the line (a URL, a path): cut it.
        const room = Math.max(1, width - indent.length);
        out.push(indent + cur.slice(0, room));
        cur = cur.slice(room);
      }
    }
    out.push(indent + cur);
  }
  return out;
}

/** Lines of a text; a final newline does not make an empty last line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export type DiffOp = ' ' | '-' | '+';

/** A line diff of two texts (longest common subsequence), as [op, line] pairs. */
export function diffLines(a: string[], b: string[]): Array<[DiffOp, string]> {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const A = a.slice(pre, a.length - suf);
  const B = b.slice(pre, b.length - suf);
  const mid: Array<[DiffOp, string]> = [];
  if (A.length * B.length > 4_000_000) {
    // Too large to align: everything removed, then everything added.
    for (const l of A) mid.push(['-', l]);
    for (const l of B) mid.push(['+', l]);
  } else {
    const n = A.length;
    const m = B.length;
    const lcs = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * (m + 1) + j] = A[i] === B[j] ? lcs[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && A[i] === B[j]) {
        mid.push([' ', A[i]!]);
        i++;
        j++;
      } else if (j >= m || (i < n && lcs[(i + 1) * (m + 1) + j]! >= lcs[i * (m + 1) + j + 1]!)) {
        mid.push(['-', A[i]!]);
        i++;
      } else {
        mid.push(['+', B[j]!]);
        j++;
      }
    }
  }
  return [...a.slice(0, pre).map((l): [DiffOp, string] => [' ', l]), ...mid, ...a.slice(a.length - suf).map((l): [DiffOp, string] => [' ', l])];
}

/**
 * A unified diff of one edit. The file's own line numbers are not recorded,
 * so the hunk counts lines from the start of the replaced text.
 */
/**
 * An Edit, MultiEdit or Write call as one unified diff (Write: from
 * /dev/null); `replaceAll` marks an edit of every occurrence. Empty when the
 * input holds no edit it can show.
 */
export function editDiff(name: string, input: Record<string, unknown>, path: string | null, replaceAll: boolean): string[] {
  const diff: string[] = [];
  if (name === 'Write' && typeof input.content === 'string') diff.push(...unifiedDiff(path, null, input.content));
  if (name === 'Write') return diff;
  const edits = name === 'MultiEdit' && Array.isArray(input.edits) ? input.edits : [input];
  edits.forEach((e: unknown, i: number) => {
    if (!isObj(e) || typeof e.old_string !== 'string' || typeof e.new_string !== 'string') return;
    const lines = unifiedDiff(path, e.old_string, e.new_string);
    diff.push(...(i === 0 ? lines : lines.slice(2)));
    if (replaceAll && e.replace_all === true) diff.push('\\ every occurrence (replace_all)');
  });
  return diff;
}

export function unifiedDiff(path: string | null, oldText: string | null, newText: string): string[] {
  const a = oldText === null ? [] : splitLines(oldText);
  const b = splitLines(newText);
  const ops = diffLines(a, b);
  return [
    `--- ${oldText === null ? '/dev/null' : (path ?? 'a')}`,
    `+++ ${path ?? 'b'}`,
    `@@ -${a.length ? 1 : 0},${a.length} +${b.length ? 1 : 0},${b.length} @@`,
    ...ops.map(([op, l]) => op + l),
  ];
}

function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Lines (already indented) cut after `cutAt` terminal rows, with a notice of what was left out. */
function cutLines(lines: string[], total: { bytes: number }, o: RecordRenderOptions): { lines: string[]; notice?: string } {
  if (o.full) return { lines };
  const max = o.cutAt ?? DEFAULT_CUT_AT;
  const width = Math.max(20, o.width);
  let rows = 0;
  for (let i = 0; i < lines.length; i++) {
    const need = Math.max(1, Math.ceil(lines[i]!.length / width));
    if (rows + need > max) {
      const kept = lines.slice(0, i);
      const room = max - rows;
      // A line taller than what is left of the screen is shown in part.
      if (room > 0) kept.push(lines[i]!.slice(0, room * width - 1) + '…');
      const more = lines.length - i;
      return {
        lines: kept,
        notice: `… ${more} more line${more === 1 ? '' : 's'} (${lines.length} lines, ${humanSize(total.bytes)} in all; ${o.fullHint ?? 'use --full to see all'})`,
      };
    }
    rows += need;
  }
  return { lines };
}

function indentAll(lines: string[]): string[] {
  return lines.map((l) => (l ? INDENT + l : ''));
}

/** An indented, cut body: lines of `text` (sanitized), maybe styled per line. */
function body(text: string, o: RecordRenderOptions, style?: (line: string) => string): string[] {
  const clean = sanitize(text);
  const lines = indentAll(splitLines(clean));
  const cut = cutLines(lines, { bytes: Buffer.byteLength(text) }, o);
  const out = style ? cut.lines.map(style) : cut.lines;
  if (cut.notice) out.push(INDENT + o.chalk.dim(cut.notice));
  return out;
}

function jsonBody(value: unknown, o: RecordRenderOptions): string[] {
  return body(JSON.stringify(value, null, 2) ?? 'null', o);
}

function diffStyle(c: ChalkInstance): (line: string) => string {
  return (line) => {
    const t = line.slice(INDENT.length);
    if (t.startsWith('+++') || t.startsWith('---')) return c.bold(line);
    if (t.startsWith('@@')) return c.cyan(line);
    if (t.startsWith('+')) return c.green(line);
    if (t.startsWith('-')) return c.red(line);
    return line;
  };
}

// ---------------------------------------------------------------- blocks

function renderToolUse(block: Obj, o: RecordRenderOptions): string[] {
  const c = o.chalk;
  const name = typeof block.name === 'string' ? block.name : String(block.name ?? 'tool');
  const input = block.input;
  const idText = typeof block.id === 'string' ? ` ${c.dim(`(${block.id})`)}` : '';
  const title = `${c.bold('Tool call:')} ${c.magenta(name)}${idText}`;
  const out = [title];
  const cmd = commandOf(name, input);
  if (cmd !== null) {
    const lines = splitLines(sanitize(cmd));
    const shown = lines.map((l, i) => INDENT + (i === 0 ? '$ ' : '  ') + l);
    const cut = cutLines(shown, { bytes: Buffer.byteLength(cmd) }, o);
    out.push(...cut.lines.map((l) => c.bold(l)));
    if (cut.notice) out.push(INDENT + c.dim(cut.notice));
    const rest = isObj(input) ? Object.fromEntries(Object.entries(input).filter(([k]) => !['command', 'cmd'].includes(k))) : {};
    for (const [k, v] of Object.entries(rest)) out.push(INDENT + c.dim(`# ${k}: ${typeof v === 'string' ? sanitize(v).split('\n')[0] : JSON.stringify(v)}`));
    return out;
  }
  if (isObj(input) && ['Edit', 'MultiEdit', 'Write'].includes(name)) {
    const path = typeof input.file_path === 'string' ? input.file_path : typeof input.path === 'string' ? input.path : null;
    const diff = editDiff(name, input, path, true);
    if (diff.length) {
      out.push(...body(diff.join('\n'), o, diffStyle(c)));
      return out;
    }
  }
  if (typeof input === 'string') {
    // A patch (Codex apply_patch) or free-form input.
    const patch = /^\*\*\* Begin Patch|^(---|diff --git) /m.test(input);
    out.push(...body(input, o, patch ? diffStyle(c) : undefined));
    return out;
  }
  if (isObj(input) && Object.keys(input).length === 0) return out;
  out.push(...jsonBody(input, o));
  return out;
}

function imageLine(block: Obj): string {
  const media = typeof block.media_type === 'string' ? block.media_type : 'image';
  const data = block.data;
  if (block.source_type === 'base64' && typeof data === 'string') {
    const pad = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
    return `Image: ${media}, ${humanSize(Math.floor((data.length * 3) / 4) - pad)}`;
  }
  if (typeof data === 'string') return `Image: ${media}, ${sanitize(data.length > 200 ? data.slice(0, 199) + '…' : data)}`;
  return `Image: ${media}`;
}

function renderToolResult(block: Obj, o: RecordRenderOptions): string[] {
  const c = o.chalk;
  const id = typeof block.tool_use_id === 'string' ? ` ${c.dim(`(${block.tool_use_id})`)}` : '';
  const out = [`${c.bold('Tool result:')}${id}${block.is_error === true ? ' ' + c.red.bold('error') : ''}`];
  const content = block.content;
  const read = resultText(content);
  const text = read.text;
  const images = read.images.map(imageLine);
  if (text === '' && images.length === 0) out.push(INDENT + c.dim('(no output)'));
  else if (text !== '') out.push(...body(text, o, block.is_error === true ? (l) => c.red(l) : undefined));
  for (const i of images) out.push(INDENT + i);
  return out;
}

/** The content blocks of a record, rendered (blobs read). */
export async function renderBlocks(store: ObjectStore, ev: EventView, o: RecordRenderOptions): Promise<string[]> {
  const c = o.chalk;
  const content = (await resolveValue(store, ev.content as JsonValue)) as unknown[];
  const width = Math.max(20, o.width - INDENT.length);
  const sections: string[][] = [];
  for (const b of content) {
    if (typeof b === 'string') {
      sections.push(indentAll(wrapText(sanitize(b), width)));
    } else if (!isObj(b)) {
      sections.push(jsonBody(b, o));
    } else if (b.type === 'text') {
      sections.push(indentAll(wrapText(sanitize(String(b.text ?? '')), width)));
    } else if (b.type === 'thinking') {
      const text = String(b.thinking ?? '');
      if (text === '') {
        sections.push([c.bold.dim('Thinking:') + ' ' + c.dim(ev.meta.encrypted_reasoning !== undefined ? '(encrypted)' : '(no text)')]);
        continue;
      }
      sections.push([c.bold.dim('Thinking:'), ...indentAll(wrapText(sanitize(text), width)).map((l) => c.dim.italic(l))]);
    } else if (b.type === 'redacted_thinking') {
      sections.push([c.bold.dim('Thinking:') + ' ' + c.dim('(redacted)')]);
    } else if (b.type === 'tool_use' || b.type === 'server_tool_use') {
      sections.push(renderToolUse(b, o));
    } else if (b.type === 'tool_result') {
      sections.push(renderToolResult(b, o));
    } else if (b.type === 'image') {
      sections.push([c.bold(imageLine(b).replace(/^Image:/, 'Image:'))]);
    } else {
      sections.push([c.bold(`${sanitize(String(b.type ?? 'block'))}:`), ...jsonBody(b, o)]);
    }
  }
  if (content.length === 0) sections.push(...(await renderWithoutContent(store, ev, o)));
  return sections.flatMap((s, i) => (i === 0 ? s : ['', ...s]));
}

/** What a record without content blocks holds: the unparsed line, Codex payloads, Claude progress data. */
async function renderWithoutContent(store: ObjectStore, ev: EventView, o: RecordRenderOptions): Promise<string[][]> {
  const c = o.chalk;
  if (ev.kind === 'unparsed' && ev.source) {
    const bytes = await sourceBytes(store, ev.source);
    return [[c.bold('Line:') + ' ' + c.dim(`(${humanSize(bytes.length)}, as found)`), ...body(bytes.toString('utf8'), o)]];
  }
  if (ev.meta.data !== undefined) return [[c.bold('Data:'), ...jsonBody(await resolveValue(store, ev.meta.data), o)]];
  if (ev.source && (ev.meta.oversized === true || ev.kind === 'progress' || ev.kind === 'other')) {
    const line = await sourceObject(store, ev.source);
    if (isObj(line)) {
      const rest = Object.fromEntries(Object.entries(line).filter(([k]) => !['parentUuid', 'isSidechain', 'userType', 'cwd', 'sessionId', 'version', 'gitBranch', 'uuid', 'timestamp', 'type', 'slug'].includes(k)));
      if (Object.keys(rest).length) return [[c.bold('Data:') + ' ' + c.dim('(from the original line)'), ...jsonBody(rest, o)]];
    }
  }
  return [];
}

/** The header lines of a record: `record <id>`, then `Key: value` lines for what is known. */
export function recordHeader(ev: EventView, info: RecordHeaderInfo, chalk: ChalkInstance, timeZone?: string): string[] {
  const m = ev.meta;
  const rows: Array<[string, string]> = [];
  if (info.sessions?.length) rows.push(['Session', info.sessions.join(', ')]);
  rows.push(['Kind', ev.role && ev.role !== ev.kind ? `${ev.kind} (role ${ev.role})` : ev.kind]);
  if (ev.time) rows.push(['Date', localTime(ev.time, true, timeZone)]);
  rows.push(['Parent', ev.parent ?? '(none: the first record of its chain)']);
  if (typeof m.model === 'string') rows.push(['Model', m.model]);
  const tokens = recordTokens(ev);
  if (tokens) rows.push(['Tokens', formatTokens(tokens)]);
  if (typeof m.stop_reason === 'string') rows.push(['Stop', m.stop_reason]);
  if (typeof m.agent_id === 'string') rows.push(['Agent', [m.agent_id, m.agent_type, m.agent_description].filter((x) => typeof x === 'string').join('  ')]);
  const harness = [m.harness, m.harness_version].filter((x) => typeof x === 'string').join(' ');
  if (harness || ev.source) rows.push(['Source', [harness, ev.source ? `line ${ev.source.line}` : ''].filter(Boolean).join(', ')]);
  if (ev.kind === 'unparsed' && typeof m.problem === 'string') rows.push(['Problem', m.problem]);
  if (m.is_api_error === true) rows.push(['Error', 'API error']);
  if (m.level === 'error') rows.push(['Error', 'level error']);
  if (m.oversized === true) rows.push(['Note', 'too large to normalise: the content is in the original line (--source)']);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return [chalk.yellow(`record ${ev.id}`), ...rows.map(([k, v]) => chalk.bold(`${k}:`.padEnd(width)) + sanitize(v))];
}

/** A record for reading: its header, a blank line, its blocks. */
export async function renderRecord(store: ObjectStore, ev: EventView, info: RecordHeaderInfo, o: RecordRenderOptions): Promise<string[]> {
  const blocks = await renderBlocks(store, ev, o);
  return [...recordHeader(ev, info, o.chalk, o.timeZone), ...(blocks.length ? ['', ...blocks] : [])];
}

/** The JSON view of a record: the normalised record with every blob read back (log --json, show --json). */
export interface EventJson {
  id: string;
  parent: string | null;
  session: string | null;
  kind: string;
  role: string | null;
  time: string | null;
  content: unknown[];
  meta: Record<string, unknown>;
  source: { format: string; line: number; eol: string } | null;
}

export async function eventJson(store: ObjectStore, ev: EventView, session: string | null): Promise<EventJson> {
  return {
    id: ev.id,
    parent: ev.parent,
    session,
    kind: ev.kind,
    role: ev.role,
    time: ev.time,
    content: (await resolveValue(store, ev.content as JsonValue)) as unknown[],
    meta: (await resolveValue(store, ev.meta)) as Record<string, unknown>,
    source: ev.source ? { format: ev.source.format, line: ev.source.line, eol: ev.source.eol } : null,
  };
}
