// The `tapes sessions` table and the number, time and duration formats it and
// `tapes stats` share. Rows arrive as plain values; this only lays them out.
import type { ChalkInstance } from 'chalk';
import { oneLine } from '../archive/event/index.js';
import { clockReading } from '../archive/timespec/index.js';
import { bar } from './bars.js';

export interface SessionRow {
  /** What to type to name the session (its short name). */
  id: string;
  /** 0 for a session, 1 for a subagent chain shown under its session. */
  depth: 0 | 1;
  start: string | null;
  duration_ms: number | null;
  records: number;
  /** Models, most used first. */
  models: string[];
  tokens_in: number;
  tokens_out: number;
  cost_usd: number | null;
  cwd: string | null;
  title: string | null;
}

export interface TableOptions {
  chalk: ChalkInstance;
  /** IANA zone for START (undefined: the system's). */
  timeZone?: string;
  /** $HOME, shown as ~ at the start of a project path. */
  home?: string;
  /** Terminal width: titles are cut to fit. Undefined: nothing is cut. */
  width?: number;
  /** Add a bar column after OUT (tokens in and out) and after COST, each against the largest in the listing: for a terminal, never for piped output. */
  bars?: boolean;
}

/** Cells of a bar column. */
const BAR_WIDTH = 8;

export const SESSION_COLUMNS = ['SESSION', 'START', 'DURATION', 'RECORDS', 'MODEL', 'IN', 'OUT', 'COST', 'PROJECT', 'TITLE'] as const;
const RIGHT = new Set(['DURATION', 'RECORDS', 'IN', 'OUT', 'COST']);
const PROJECT_MAX = 40;
const MODEL_MAX = 28;

/** The lines of the table, header first; no lines at all for no rows. */
export function renderSessionsTable(rows: SessionRow[], opts: TableOptions): string[] {
  if (rows.length === 0) return [];
  const c = opts.chalk;
  const maxTokens = Math.max(0, ...rows.map((r) => r.tokens_in + r.tokens_out));
  const maxCost = Math.max(0, ...rows.map((r) => r.cost_usd ?? 0));
  const cells = rows.map((r) => [
    (r.depth ? '└ ' : '') + r.id,
    formatLocalTime(r.start, opts.timeZone),
    formatDuration(r.duration_ms),
    String(r.records),
    cut(formatModels(r.models), MODEL_MAX),
    formatCompact(r.tokens_in),
    formatCompact(r.tokens_out),
    formatCost(r.cost_usd),
    cutLeft(shortPath(r.cwd, opts.home), PROJECT_MAX),
    r.title ?? '',
  ]);
  const head = [...SESSION_COLUMNS] as string[];
  if (opts.bars) {
    // Inserted from the right, so the earlier index still holds.
    head.splice(8, 0, 'SPEND');
    head.splice(7, 0, 'TOKENS');
    for (const [n, row] of cells.entries()) {
      const r = rows[n]!;
      row.splice(8, 0, bar(r.cost_usd, maxCost, BAR_WIDTH));
      row.splice(7, 0, bar(r.tokens_in + r.tokens_out, maxTokens, BAR_WIDTH));
    }
  }
  const col = (name: string) => head.indexOf(name);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => width(row[i]!))));
  if (opts.width !== undefined) {
    // On a narrow terminal the project gives way first (down to 12), then the title.
    const P = col('PROJECT');
    const fixed = widths.slice(0, -1).reduce((a, b) => a + b + 2, 0);
    const over = fixed + 20 - opts.width;
    if (over > 0 && widths[P]! > 12) {
      widths[P] = Math.max(12, widths[P]! - over);
      for (const row of cells) row[P] = cutLeft(row[P]!, widths[P]!);
    }
  }
  const lines: string[] = [];
  const layout = (row: string[], paint: (text: string, col: number) => string) => {
    const fixed = row.slice(0, -1).map((cell, i) => paint(pad(cell, widths[i]!, RIGHT.has(head[i]!)), i));
    const used = widths.slice(0, -1).reduce((a, b) => a + b + 2, 0);
    let title = row[row.length - 1]!;
    if (opts.width !== undefined) title = cut(title, Math.max(10, opts.width - used - 1));
    return (fixed.join('  ') + '  ' + paint(title, row.length - 1)).trimEnd();
  };
  lines.push(layout(head, (t) => c.bold(t)));
  for (const [n, row] of cells.entries()) {
    lines.push(
      layout(row, (t, i) => {
        if (i === 0) return rows[n]!.depth ? c.dim(t) : c.yellow(t);
        if (i === col('COST') && rows[n]!.cost_usd !== null) return c.green(t);
        if (i === col('SPEND')) return c.green(t);
        if (i === col('TOKENS')) return c.blue(t);
        if (i === col('PROJECT')) return c.cyan(t);
        return t;
      }),
    );
  }
  return lines;
}

function formatModels(models: string[]): string {
  if (models.length === 0) return '-';
  const first = shortModel(models[0]!);
  return models.length > 1 ? `${first} +${models.length - 1}` : first;
}

/** A model name without its release date (claude-opus-4-5-20251101 → claude-opus-4-5). */
export function shortModel(model: string): string {
  return model.replace(/-(\d{8}|\d{4}-\d{2}-\d{2})$/, '');
}

/** $HOME/x → ~/x. */
export function shortPath(path: string | null, home?: string): string {
  if (!path) return '-';
  if (home && home !== '/' && (path === home || path.startsWith(home.endsWith('/') ? home : home + '/'))) return '~' + path.slice(home.replace(/\/$/, '').length);
  return path;
}

/** 2026-01-05 15:30 on the wall clock of `timeZone`; '-' for none. */
export function formatLocalTime(iso: string | null, timeZone?: string): string {
  if (!iso) return '-';
  const ms = new Date(iso).getTime();
  if (Number.isNaN(ms)) return String(iso);
  const c = clockReading(ms, timeZone);
  return `${c.year}-${pad2(c.month)}-${pad2(c.day)} ${pad2(c.hour)}:${pad2(c.minute)}`;
}

/** Two digits: `07`. */
export function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** 45s, 12m05s, 2h03m, 3d04h; '-' for none. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.floor(Math.max(0, ms) / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${two(Math.floor((s % 86400) / 3600))}h`;
}

/** 950, 43.6k, 20.9M, 1.2G. */
export function formatCompact(n: number): string {
  if (n < 1000) return String(n);
  // Written out, not a loop over a table: it runs for every cell of a
  // listing in a process too short-lived for the loop to be compiled.
  if (n >= 1e9 * 0.9995) return compactIn(n / 1e9, 'G');
  if (n >= 1e6 * 0.9995) return compactIn(n / 1e6, 'M');
  if (n >= 1e3 * 0.9995) return compactIn(n / 1e3, 'k');
  return String(n);
}

function compactIn(v: number, unit: string): string {
  return (v >= 99.95 ? Math.round(v).toString() : v.toFixed(1)) + unit;
}

/** $14.12, <$0.01; '-' when no price is known. */
export function formatCost(usd: number | null): string {
  if (usd === null) return '-';
  if (usd > 0 && usd < 0.005) return '<$0.01';
  return '$' + usd.toFixed(2);
}

/** Like formatCost, with four decimals under a cent ($0.0048). */
export function formatCostPrecise(usd: number | null): string {
  if (usd === null) return '-';
  return '$' + (usd === 0 || usd >= 0.01 ? usd.toFixed(2) : usd.toFixed(4));
}

/** 19,728,242. */
export function formatInt(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Display width, counting each code point as one column. */
const SURROGATE = /[\ud800-\udfff]/;

/** Code points: the string's length unless it holds a surrogate (then counted by the string iterator, slow in a cold process). */
function width(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
}

function cut(s: string, w: number): string {
  return width(s) > w ? oneLine(s, w) : s;
}

/** Keeps the end of a path, which says more than its start. */
function cutLeft(s: string, w: number): string {
  const chars = [...s];
  return chars.length > w ? '…' + chars.slice(chars.length - w + 1).join('') : s;
}
