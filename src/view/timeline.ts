// The lines of a session's timeline: the session header, one line per record
// (elapsed time, abbreviated id, what happened) and the tree that holds them.
// `tapes log` draws whole trees with these; `tapes replay` shows the same
// lines beside the record it displays, so a record reads the same in both.
import { oneLine, type EventSummary, type RecordTokens } from '../archive/event/index.js';
import { clockReading, formatOffset } from '../archive/timespec/index.js';
import type { ChalkInstance } from './color.js';
import { formatInt, formatLocalTime, pad2 } from './sessions-table.js';

/** The branches of the tree, as `tree` draws them. */
export const TREE = { mid: '├── ', last: '└── ', pipe: '│   ', space: '    ' } as const;

/** Shown instead of an elapsed time when a record has no time. */
export const NO_ELAPSED = '[-:--]';

/** Time since the session start: `[0:45]`, `[12:03]`, `[1:02:03]` (hours only when needed). */
export function formatElapsed(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return NO_ELAPSED;
  const sign = ms < 0 ? '-' : '';
  const total = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `[${sign}${h}:${pad2(m)}:${pad2(s)}]` : `[${sign}${m}:${pad2(s)}]`;
}

/**
 * A time for people, on the wall clock of `timeZone` (the process's zone when
 * undefined): `2026-01-05 15:30`, or with `seconds` `2026-01-05 15:30:07 +01:00`.
 */
export function localTime(iso: string | number, seconds = false, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  if (!seconds) return formatLocalTime(d.toISOString(), timeZone);
  const c = clockReading(d.getTime(), timeZone);
  return `${c.year}-${pad2(c.month)}-${pad2(c.day)} ${pad2(c.hour)}:${pad2(c.minute)}:${pad2(c.second)} ${formatOffset(c.offsetMinutes)}`;
}

/** `120 in, 40 out, 5,000 cache read, 200 cache write` (cache counts only when not zero). */
export function formatTokens(t: RecordTokens): string {
  const parts = [`${formatInt(t.input)} in`, `${formatInt(t.output)} out`];
  if (t.cache_read) parts.push(`${formatInt(t.cache_read)} cache read`);
  if (t.cache_write) parts.push(`${formatInt(t.cache_write)} cache write`);
  return parts.join(', ');
}

export interface SessionHeader {
  /** The session's name as shown (a short name the revision resolver takes back). */
  name: string;
  model?: string | null;
  cwd?: string | null;
  /** ISO time of the session's first event. */
  start?: string | null;
  /** IANA zone for the start time (the process's when undefined). */
  timeZone?: string;
}

/** `Session <name>  <model>  <cwd>  <local start>`: fields that are unknown are left out. */
export function sessionHeaderLine(h: SessionHeader, chalk?: ChalkInstance): string {
  const parts = [`Session ${h.name}`, h.model, h.cwd, h.start ? localTime(h.start, false, h.timeZone) : null].filter((p): p is string => !!p);
  const line = sanitize(parts.join('  '));
  return chalk ? chalk.bold(line) : line;
}

export interface TimelineEntry {
  /** The id as printed: an abbreviation that `tapes show` accepts. */
  abbrev: string;
  /** Milliseconds since the session start; null when unknown. */
  elapsedMs: number | null;
  summary: EventSummary;
  /** For `--stat`: the record's token counts. */
  tokens?: RecordTokens | null;
  /** A record shown only because records below it were selected (dimmed). */
  context?: boolean;
}

export interface TimelineOptions {
  chalk?: ChalkInstance;
  /** The tree drawn before the line: guides of the levels above, then `├── ` or `└── `. Empty for none. */
  prefix?: string;
  /** Cut the summary so the whole line fits in this many columns (at least 20 columns of summary are kept). */
  width?: number;
  /** Append the record's token counts. */
  stat?: boolean;
}

const LABEL_COLOUR: Record<string, (c: ChalkInstance) => ChalkInstance> = {
  user: (c) => c.green,
  assistant: (c) => c.cyan,
  thinking: (c) => c.dim,
  tool: (c) => c.magenta,
  tool_result: (c) => c.blue,
  system: (c) => c.gray,
  summary: (c) => c.gray,
  progress: (c) => c.gray,
  other: (c) => c.gray,
  unparsed: (c) => c.red,
};

/** The label and its error mark: `tool_result ✗` for a failed tool result. */
function labelText(summary: EventSummary): string {
  return summary.isError ? `${summary.label} ✗` : summary.label;
}

/**
 * One line of the timeline, for one record:
 * `<prefix><elapsed> <abbrev> <label>[ ✗]: <summary>[  (<tokens>)]`.
 */
export function timelineLine(entry: TimelineEntry, opts: TimelineOptions = {}): string {
  const elapsed = formatElapsed(entry.elapsedMs);
  return renderLine(`${elapsed} `, entry, opts, (c, s) => c.dim(s));
}

/** One record without a tree or time (`log --oneline`): `<abbrev> <label>[ ✗]: <summary>`. */
export function onelineLine(entry: TimelineEntry, opts: TimelineOptions = {}): string {
  return renderLine('', entry, opts, (_c, s) => s);
}

function renderLine(lead: string, entry: TimelineEntry, opts: TimelineOptions, styleLead: (c: ChalkInstance, s: string) => string): string {
  const prefix = opts.prefix ?? '';
  const label = labelText(entry.summary);
  const tokens = opts.stat && entry.tokens ? `  (${formatTokens(entry.tokens)})` : '';
  const fixed = prefix.length + lead.length + entry.abbrev.length + 1 + label.length + 2 + tokens.length;
  const clean = sanitize(entry.summary.text);
  const text = opts.width ? oneLine(clean, Math.max(20, opts.width - fixed)) : clean;
  const c = opts.chalk;
  if (!c || c.level === 0) return `${prefix}${lead}${entry.abbrev} ${label}: ${text}${tokens}`;
  const colour = entry.summary.isError ? c.red : (LABEL_COLOUR[entry.summary.label] ?? ((x: ChalkInstance) => x))(c);
  const body = `${styleLead(c, lead)}${c.yellow(entry.abbrev)} ${colour(label)}: ${text}${c.dim(tokens)}`;
  return c.dim(prefix) + (entry.context ? c.dim(stripAnsi(body)) : body);
}

/** The line of a record that could not be read: `<prefix>[-:--] <abbrev> error: <message>`. */
export function damagedLine(abbrev: string, message: string, opts: TimelineOptions = {}): string {
  const prefix = opts.prefix ?? '';
  const lead = `${NO_ELAPSED} `;
  const clean = sanitize(message);
  const text = opts.width ? oneLine(clean, Math.max(20, opts.width - prefix.length - lead.length - abbrev.length - 8)) : oneLine(clean, 10_000);
  const c = opts.chalk;
  if (!c || c.level === 0) return `${prefix}${lead}${abbrev} error: ${text}`;
  return c.dim(prefix) + c.dim(lead) + c.yellow(abbrev) + ' ' + c.red.bold('error') + ': ' + c.red(text);
}

export interface SubagentHeading {
  /** The agent's ref name without its session part: `agent-<id>`. */
  name: string;
  agentType?: string | null;
  description?: string | null;
}

/** The line that opens a subagent's records: `<prefix>Subagent <name>  <type>  <description>`. */
export function subagentLine(a: SubagentHeading, opts: TimelineOptions = {}): string {
  const prefix = opts.prefix ?? '';
  const parts = [`Subagent ${a.name}`, a.agentType, a.description ? oneLine(sanitize(a.description), 200) : null].filter((p): p is string => !!p);
  const c = opts.chalk;
  if (!c || c.level === 0) return prefix + parts.join('  ');
  return c.dim(prefix) + c.bold(parts.join('  '));
}

/**
 * Text made safe for a terminal: `\r\n` becomes `\n`, ANSI escape sequences
 * are removed and other control characters (except tab and newline) are shown
 * in caret notation (`^[`), so a recorded output cannot drive the terminal.
 */
export function sanitize(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '')
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => (c === '\x7f' ? '^?' : '^' + String.fromCharCode(c.charCodeAt(0) + 64)))
    .replace(/[\x80-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
}

function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}
