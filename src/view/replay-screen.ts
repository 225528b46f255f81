// The screen of `tapes replay`, as a pure function of what the session holds,
// the viewer's state and the terminal's size: one string per terminal row,
// none wider than the terminal. The command only writes these rows out.
//
//   Session 9be94ee3  claude-opus-4-5  /Users/x/proj  2026-01-05 15:30
//     [0:00] 30cbe23 user: "fix the…  │ record 5f20f81…  tool  2026-01-05 …
//   > [0:04] 5f20f81 tool: Read src/…  │ Read src/kafka/producer.ts
//     [0:07] 8a1c0d2 tool: Bash "ka…   │
//   record 3/6 · [0:04] · 5f20f81                 j/k move · / search · q quit
//
// Wide terminals put the timeline beside the record; narrow ones put it above.
import type { ChalkInstance } from 'chalk';
import type { ReplayState } from './replay-keys.js';

export interface ReplayView {
  /** The first row: session name, model, project, start. */
  title: string;
  /** Per record, oldest first. */
  ids: string[];
  /** Per record, the elapsed time since the session start, like `[0:45]` ("" when unknown). */
  elapsed: string[];
  /** Per record, its one-line timeline entry (may hold colour). */
  timeline: string[];
  /** Per record, its id as the timeline abbreviates it (the first 7 hex digits when absent). */
  abbrevs?: string[];
  /** The line standing for the agent's bookkeeping records left out ("4 bookkeeping records folded …"), shown on the status line. */
  folded?: string;
}

export interface TerminalSize {
  columns: number;
  rows: number;
}

export interface Screen {
  lines: string[];
  /** The record pane's first shown line after clamping and seeking: the command stores it back into the state. */
  scroll: number;
  /** How many lines a page key should scroll. */
  page: number;
}

/** At this width and above the timeline sits beside the record. */
export const SIDE_BY_SIDE_COLUMNS = 100;

const SEP = ' │ ';
const HINTS = '←/→ j/k move · g/G ends · / search · n/N · : jump · f full · q quit';

/**
 * The rows of the screen. `detail` is the current record rendered for reading
 * (undefined while it loads); it is wrapped to the pane here.
 */
export function renderScreen(view: ReplayView, state: ReplayState, detail: string | undefined, size: TerminalSize, chalk: ChalkInstance): Screen {
  const columns = Math.max(20, size.columns);
  const rows = Math.max(6, size.rows);
  const count = view.ids.length;
  const body = rows - 2;
  const lines: string[] = [fit(chalk.bold(sanitize(view.title)), columns)];
  let detailLines: string[];
  let scroll: number;
  let page: number;
  if (columns >= SIDE_BY_SIDE_COLUMNS) {
    const left = Math.min(60, Math.floor(columns * 0.4));
    const right = columns - left - SEP.length;
    const timeline = timelinePane(view, state.index, left, body, chalk);
    ({ lines: detailLines, scroll, page } = detailPane(detail, state, right, body, chalk));
    for (let r = 0; r < body; r++) {
      lines.push(trimEnd(pad(timeline[r] ?? '', left) + chalk.dim(SEP) + (detailLines[r] ?? '')));
    }
  } else {
    const top = Math.min(count, Math.max(3, Math.floor(body / 3)));
    lines.push(...timelinePane(view, state.index, columns, top, chalk));
    lines.push(chalk.dim('─'.repeat(columns)));
    ({ lines: detailLines, scroll, page } = detailPane(detail, state, columns, body - top - 1, chalk));
    lines.push(...detailLines);
    while (lines.length < rows - 1) lines.push('');
  }
  lines.push(statusLine(view, state, columns - 1, chalk));
  return { lines, scroll, page };
}

/** The size of the pane that shows the record, for renderers that cut long output at a screenful. */
export function recordPaneSize(size: TerminalSize): TerminalSize {
  const columns = Math.max(20, size.columns);
  const body = Math.max(6, size.rows) - 2;
  if (columns >= SIDE_BY_SIDE_COLUMNS) return { columns: columns - Math.min(60, Math.floor(columns * 0.4)) - SEP.length, rows: body };
  return { columns, rows: body - Math.max(3, Math.floor(body / 3)) - 1 };
}

/** `record 12/340 · [0:45] · 5f20f81`: where the viewer stands. */
export function positionText(view: ReplayView, index: number): string {
  const parts = [`record ${count(view) === 0 ? 0 : index + 1}/${count(view)}`];
  if (view.elapsed[index]) parts.push(view.elapsed[index]!);
  if (view.ids[index]) parts.push(view.abbrevs?.[index] ?? view.ids[index]!.slice(0, 7));
  return parts.join(' · ');
}

const count = (view: ReplayView) => view.ids.length;

function statusLine(view: ReplayView, state: ReplayState, width: number, chalk: ChalkInstance): string {
  if (state.mode !== 'normal') {
    const lead = state.mode === 'search' ? '/' : ':';
    const input = sanitize(state.input);
    // Keep the end of a long input in view, as a shell does.
    const room = width - 2;
    const shown = visibleWidth(input) > room ? '…' + tail(input, room - 1) : input;
    return lead + shown + chalk.inverse(' ');
  }
  let left = positionText(view, state.index);
  if (state.full) left += ' · full output';
  if (state.message) left += ' · ' + sanitize(state.message);
  else if (view.folded) left += ' · ' + view.folded;
  const gap = width - visibleWidth(left) - visibleWidth(HINTS);
  if (gap >= 2) return chalk.bold(left) + ' '.repeat(gap) + chalk.dim(HINTS);
  return chalk.bold(fit(left, width));
}

function timelinePane(view: ReplayView, index: number, width: number, height: number, chalk: ChalkInstance): string[] {
  const n = count(view);
  const start = Math.max(0, Math.min(index - Math.floor(height / 2), n - height));
  const out: string[] = [];
  for (let i = start; i < Math.min(n, start + height); i++) {
    const text = fit(sanitize(view.timeline[i] ?? ''), width - 2);
    out.push(i === index ? chalk.inverse('> ' + pad(text, width - 2)) : '  ' + text);
  }
  return out;
}

function detailPane(
  detail: string | undefined,
  state: ReplayState,
  width: number,
  height: number,
  chalk: ChalkInstance,
): { lines: string[]; scroll: number; page: number } {
  if (height <= 0) return { lines: [], scroll: 0, page: 1 };
  if (detail === undefined) return { lines: [chalk.dim('(reading…)')], scroll: state.scroll, page: height };
  const all = wrap(sanitize(detail), width);
  while (all.length > 0 && all[all.length - 1] === '') all.pop();
  // When everything does not fit, the last row says where we are.
  const room = all.length > height ? height - 1 : height;
  const max = Math.max(0, all.length - room);
  let scroll = Math.min(state.scroll, max);
  if (state.seek) {
    const needle = state.seek.toLowerCase();
    const at = all.findIndex((l) => stripAnsi(l).toLowerCase().includes(needle));
    if (at >= 0) scroll = Math.min(max, Math.max(0, at - 2));
  }
  const shown = all.slice(scroll, scroll + room).map((l) => (state.query ? highlight(l, state.query, chalk) : l));
  if (room < height) {
    const last = Math.min(all.length, scroll + room);
    shown.push(chalk.dim(fit(`-- lines ${scroll + 1}-${last} of ${all.length} · space/b or PgDn/PgUp to scroll --`, width)));
  }
  return { lines: shown, scroll, page: Math.max(1, room - 1) };
}

// ---- text measuring (ANSI colour aware, wide characters count two columns)

const SGR = /\x1b\[[0-9;]*m/y;

export function stripAnsi(s: string): string {
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}

/**
 * Text safe to put on the screen: colour (SGR) sequences are kept, every other
 * escape sequence and control character is dropped (a tool's output must not
 * move the cursor or switch the screen), tabs become spaces.
 */
export function sanitize(s: string): string {
  return s
    .replace(/\r\n/g, '\n')
    .replace(/\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_]?)/g, (m) => (/^\x1b\[[0-9;]*m$/.test(m) ? m : ''))
    .replace(/[^\n]*\t[^\n]*/g, expandTabs)
    .replace(/[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f\x80-\x9f]/g, '');
}

function expandTabs(line: string): string {
  let out = '';
  let col = 0;
  for (const ch of line) {
    if (ch === '\t') {
      const n = 4 - (col % 4);
      out += ' '.repeat(n);
      col += n;
    } else {
      out += ch;
      col += charWidth(ch.codePointAt(0)!);
    }
  }
  return out;
}

function charWidth(cp: number): number {
  if (cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x300 && cp <= 0x36f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Terminal columns a string takes. */
export function visibleWidth(s: string): number {
  let w = 0;
  for (const ch of stripAnsi(s)) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/** Splits a string into colour sequences and characters. */
function* pieces(s: string): Generator<{ sgr?: string; ch?: string; width: number }> {
  let i = 0;
  while (i < s.length) {
    SGR.lastIndex = i;
    const m = SGR.exec(s);
    if (m) {
      yield { sgr: m[0], width: 0 };
      i += m[0].length;
      continue;
    }
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    yield { ch, width: charWidth(cp) };
    i += ch.length;
  }
}

const RESET = '\x1b[0m';
const isReset = (sgr: string) => sgr === '\x1b[0m' || sgr === '\x1b[m';

/** At most `width` columns of one line, with `…` when cut; colour is closed. */
export function fit(s: string, width: number): string {
  if (visibleWidth(s) <= width) return s;
  let out = '';
  let w = 0;
  let coloured = false;
  for (const p of pieces(s)) {
    if (p.sgr) {
      out += p.sgr;
      coloured = !isReset(p.sgr);
      continue;
    }
    if (w + p.width > width - 1) break;
    out += p.ch;
    w += p.width;
  }
  return out + '…' + (coloured ? RESET : '');
}

function tail(s: string, width: number): string {
  const chars = [...s];
  let w = 0;
  let i = chars.length;
  while (i > 0 && w + charWidth(chars[i - 1]!.codePointAt(0)!) <= width) w += charWidth(chars[--i]!.codePointAt(0)!);
  return chars.slice(i).join('');
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - visibleWidth(s)));
}

function trimEnd(s: string): string {
  return s.replace(/ +$/, '');
}

/**
 * Lines of at most `width` columns: each line of `text` broken at the last
 * space that fits (or hard, for a long word), continuation rows indented as
 * the line is. Colour carries over from one row to the next, and every row
 * that opened colour closes it.
 */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let active: string[] = [];
  for (const line of text.split('\n')) {
    if (visibleWidth(line) <= width) {
      const open = active.join('');
      for (const p of pieces(line)) if (p.sgr) active = isReset(p.sgr) ? [] : [...active, p.sgr];
      out.push(open + line + (active.length ? RESET : ''));
      continue;
    }
    // Continuation rows keep the line's indentation (output and code read better so).
    const lead = /^ */.exec(stripAnsi(line))![0];
    const indent = lead.length <= width / 4 ? lead : '';
    let row: string[] = [active.join('')];
    let w = 0;
    let lastSpace = -1;
    const flush = (upto: number) => {
      const taken = row.slice(0, upto);
      const rest = row.slice(upto);
      out.push(taken.join('').replace(/ +$/, '') + (active.length ? RESET : ''));
      return rest;
    };
    for (const p of pieces(line)) {
      if (p.sgr) {
        row.push(p.sgr);
        active = isReset(p.sgr) ? [] : [...active, p.sgr];
        continue;
      }
      if (w + p.width > width) {
        // Break at the last space when it leaves at least half a row.
        let rest: string[];
        if (lastSpace > 0 && widthOf(row.slice(0, lastSpace)) >= width / 2) rest = flush(lastSpace + 1);
        else rest = flush(row.length);
        row = [active.join(''), indent, ...dropLeadingSpaces(rest)];
        w = widthOf(row);
        lastSpace = -1;
      }
      row.push(p.ch!);
      w += p.width;
      if (p.ch === ' ') lastSpace = row.length - 1;
    }
    out.push(row.join('') + (active.length ? RESET : ''));
  }
  return out;
}

function dropLeadingSpaces(parts: string[]): string[] {
  let i = 0;
  while (i < parts.length && parts[i] === ' ') i++;
  return parts.slice(i);
}

function widthOf(parts: string[]): number {
  return visibleWidth(parts.join(''));
}

/** Marks every occurrence of `needle` (any case) in a row, colour kept around it. */
export function highlight(line: string, needle: string, chalk: ChalkInstance): string {
  if (!needle || chalk.level === 0) return line;
  const plain = stripAnsi(line);
  const lower = plain.toLowerCase();
  const n = needle.toLowerCase();
  // Case folding that changes lengths (rare letters) would misplace the marks.
  if (!lower.includes(n) || lower.length !== plain.length) return line;
  // Map each visible character back to its place in the row.
  const starts: number[] = [];
  let raw = 0;
  for (const p of pieces(line)) {
    if (p.ch !== undefined) for (let k = 0; k < p.ch.length; k++) starts.push(raw + k);
    raw += (p.sgr ?? p.ch!).length;
  }
  starts.push(line.length);
  let out = '';
  let from = 0;
  for (let at = lower.indexOf(n); at >= 0; at = lower.indexOf(n, at + n.length)) {
    const a = starts[at]!;
    const b = starts[at + n.length]!;
    out += line.slice(from, a) + '\x1b[7m' + line.slice(a, b) + '\x1b[27m';
    from = b;
  }
  return out + line.slice(from);
}
