// tapes stats: per session and in total, the duration, records by kind, tool
// calls and errors by tool, and tokens and estimated cost by model. With no
// session named, every session `tapes sessions` would list (filters apply).
import type { ChalkInstance } from 'chalk';
import type { CommandArgs } from './lib/run-context.js';
import { write } from './lib/io.js';
import { statsJson } from '../src/view/json/stats.js';
import { agentsBySession, listReporting, readSelection, topLevel, type FilterArgs } from './lib/session-selection.js';
import type { ChainStats, ModelUsage, TotalStats } from '../src/archive/stats.js';
import type { PriceTable } from '../src/archive/pricing.js';
import type { SessionSummary, ToolCount } from '../src/archive/sessions/index.js';

interface Args extends CommandArgs, FilterArgs {
  session?: string[];
  json?: boolean;
  html?: boolean;
  output?: string;
}

interface Shown extends ChainStats {
  /** Subagent chains of this session in the archive (shown or not). */
  agents: number;
}

export async function handler(args: Args): Promise<void> {
  const { matchesFilter, sortSessions, parentRef } = await import('../src/archive/sessions/index.js');
  const { chainStats, totalStats, resolveChains } = await import('../src/archive/stats.js');
  const ctx = args.ctx;
  if (args.output !== undefined && !args.html) {
    const { UsageError } = await import('../src/errors/index.js');
    throw new UsageError('-o/--output writes the --html page: give --html with it');
  }
  const { filter, table } = await readSelection(ctx, args);
  const archive = await ctx.archive();
  const all = await listReporting(ctx, archive);
  const agents = agentsBySession(all, parentRef);
  const picked: Array<{ summary: SessionSummary; ref: string | null; name: string }> = [];
  if (args.session?.length) {
    const seen = new Set<string>();
    for (const c of await resolveChains(archive, args.session, all)) {
      const key = `${c.ref ?? ''} ${c.summary.tip}`;
      if (seen.has(key) || !matchesFilter(c.summary, filter)) continue;
      seen.add(key);
      picked.push(c);
    }
  } else {
    const top = topLevel(all, args.agents, parentRef);
    for (const s of sortSessions(top.filter((s) => matchesFilter(s, filter)), 'date', table)) picked.push({ summary: s, ref: s.ref, name: s.name });
  }
  const shown: Shown[] = [];
  for (const p of picked) {
    const children = p.ref !== null && p.summary.parent_session === null ? (agents.get(p.ref) ?? []) : [];
    shown.push({ ...chainStats(p.summary, table, { ref: p.ref, name: p.name }), agents: children.length });
    if (args.agents) for (const a of children) shown.push({ ...chainStats(a, table), agents: 0 });
  }
  const total = totalStats(shown, table);
  if (args.json) return ctx.json(statsJson(shown, total));
  if (args.html) return writeReport(args, shown, total, table);
  const view = await import('../src/view/sessions-table.js');
  const bars = ctx.io.stdoutIsTTY ? { ...(await import('../src/view/bars.js')), dayOf: (await import('../src/archive/stats-report.js')).dayOf } : undefined;
  const timeZone = await ctx.timeZone();
  const text = new StatsText(await ctx.chalk(), view, timeZone, ctx.io.env.HOME, bars);
  const lines: string[] = [];
  for (const s of shown) lines.push(...text.chain(s, args.agents), '');
  if (shown.length !== 1) lines.push(...text.total(total), ...text.days(shown));
  else lines.pop();
  const paged = ctx.pager(args.pager !== false);
  await write(paged.out, lines.join('\n') + '\n');
  await paged.done();
}

/** The --html page: written whole next to -o's file and renamed, so a failure leaves no half page. */
async function writeReport(args: Args, shown: Shown[], total: TotalStats, table: PriceTable): Promise<void> {
  const { statsReport } = await import('../src/archive/stats-report.js');
  const { renderStatsReport } = await import('../src/view/html-report.js');
  const { writeFileAtomic } = await import('../src/archive/index.js');
  const { existsSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const ctx = args.ctx;
  const timeZone = await ctx.timeZone();
  const target = args.output === undefined ? undefined : ctx.path(args.output);
  // Beside pages `tapes export --all --format html` wrote, a session's point and row link to its page.
  const link = target === undefined ? undefined : (s: { name: string; ref: string | null; parent_session: string | null }) => {
    if (s.ref === null || s.parent_session !== null) return undefined;
    return existsSync(join(dirname(target), `${s.name}.html`)) ? encodeURI(`${s.name}.html`) : undefined;
  };
  const filters = ['since', 'until', 'project', 'model', 'harness'].flatMap((k) => {
    const v = (args as unknown as Record<string, unknown>)[k];
    return typeof v === 'string' ? [`--${k} ${v}`] : [];
  });
  if (args.session?.length) filters.push(...args.session);
  const html = renderStatsReport(statsReport(shown, total, { timeZone, table }), total, { timeZone, home: ctx.io.env.HOME, link, filters });
  const bytes = Buffer.from(html);
  if (target === undefined) return ctx.write(bytes);
  await writeFileAtomic(target, async (sink) => {
    await sink(bytes);
    return bytes.length;
  });
}

type View = typeof import('../src/view/sessions-table.js');
/** What draws bars on a terminal (absent when piped). */
type Bars = typeof import('../src/view/bars.js') & { dayOf: (iso: string, timeZone?: string) => string };

/** Most cells a sparkline takes: past this many days, each cell is several days. */
const SPARK_CELLS = 60;
/** Cells of a tool's bar. */
const TOOL_BAR = 20;

/** The text layout of `tapes stats` (see tapes-stats(1), OUTPUT). */
class StatsText {
  constructor(
    private readonly c: ChalkInstance,
    private readonly v: View,
    private readonly timeZone: string | undefined,
    private readonly home: string | undefined,
    private readonly bars?: Bars,
  ) {}

  /** On a terminal, under the total: tokens and cost per day as sparklines, first day to last. */
  days(chains: Shown[]): string[] {
    const b = this.bars;
    if (!b) return [];
    const byDay = new Map<string, { tokens: number; cost: number | null }>();
    for (const c of chains) {
      if (!c.start) continue;
      const d = byDay.get(b.dayOf(c.start, this.timeZone)) ?? { tokens: 0, cost: null };
      d.tokens += c.tokens.input + c.tokens.cache_read + c.tokens.cache_write + c.tokens.output;
      if (c.cost_usd !== null) d.cost = (d.cost ?? 0) + c.cost_usd;
      byDay.set(b.dayOf(c.start, this.timeZone), d);
    }
    const keys = [...byDay.keys()].sort();
    if (keys.length < 2) return [];
    const first = Date.parse(keys[0]! + 'T00:00:00Z');
    const span = Math.round((Date.parse(keys[keys.length - 1]! + 'T00:00:00Z') - first) / 86_400_000) + 1;
    const per = Math.ceil(span / SPARK_CELLS);
    const cells = Math.ceil(span / per);
    const tokens: Array<number | null> = new Array(cells).fill(null);
    const cost: Array<number | null> = new Array(cells).fill(null);
    for (const [k, v] of byDay) {
      const i = Math.floor(Math.round((Date.parse(k + 'T00:00:00Z') - first) / 86_400_000) / per);
      tokens[i] = (tokens[i] ?? 0) + v.tokens;
      if (v.cost !== null) cost[i] = (cost[i] ?? 0) + v.cost;
    }
    const unit = per === 1 ? 'per day' : `per ${per} days`;
    const range = `  ${keys[0]} → ${keys[keys.length - 1]}`;
    return [this.field('by day', this.c.blue(b.sparkline(tokens)) + this.c.dim(`  tokens ${unit}${range}`)), ' '.repeat(13) + this.c.green(b.sparkline(cost)) + this.c.dim(`  cost ${unit}`)];
  }

  chain(s: Shown, agentsShown?: boolean): string[] {
    const c = this.c;
    const what = s.ref === null ? 'chain' : s.parent_session !== null ? 'agent' : 'session';
    const name = s.ref === null ? `${s.name} (${s.tip.slice(0, 12)})` : s.parent_session !== null ? s.ref.replace(/^refs\//, '') : s.name;
    const out = [c.yellow(`${what} ${name}`)];
    if (s.title) out.push(this.field('title', s.title));
    if (s.cwd) out.push(this.field('project', this.v.shortPath(s.cwd, this.home) + (s.git_branch ? `  (${s.git_branch})` : '')));
    if (s.harness) out.push(this.field('harness', [s.harness, s.harness_version].filter(Boolean).join(' ')));
    out.push(this.field('time', this.span(s.start, s.end, s.duration_ms)));
    out.push(...this.body(s));
    if (s.agents > 0 && !agentsShown) out.push(this.field('subagents', `${s.agents} chain${s.agents === 1 ? '' : 's'}, not counted here (--agents)`));
    return out;
  }

  total(t: TotalStats): string[] {
    const chains = [`${t.sessions} session${t.sessions === 1 ? '' : 's'}`];
    if (t.agents) chains.push(`${t.agents} subagent chain${t.agents === 1 ? '' : 's'}`);
    const out = [this.c.bold(`total ${chains.join(', ')}`)];
    out.push(this.field('time', this.span(t.start, t.end, t.duration_ms, ' in all')));
    out.push(...this.body(t));
    return out;
  }

  private body(s: ChainStats | TotalStats): string[] {
    const v = this.v;
    const out: string[] = [];
    const kinds = Object.entries(s.records_by_kind).map(([k, n]) => `${k} ${v.formatInt(n)}`);
    out.push(this.field('records', v.formatInt(s.records) + (kinds.length ? `  (${kinds.join(', ')})` : '')));
    out.push(this.field('tools', `${v.formatInt(s.tool_calls)} call${s.tool_calls === 1 ? '' : 's'}, ${v.formatInt(s.tool_errors)} error${s.tool_errors === 1 ? '' : 's'}`));
    out.push(...this.tools(s.tools));
    out.push(this.field('tokens', s.models.length ? '' : 'none reported').trimEnd());
    if (s.models.length) out.push(...this.tokens(s.models));
    const unpriced = s.unpriced_models.length ? `  (no price for ${s.unpriced_models.join(', ')})` : '';
    out.push(this.field('cost', (s.cost_usd === null ? '-' : this.c.green(v.formatCostPrecise(s.cost_usd)) + ' estimated') + unpriced));
    return out;
  }

  private field(label: string, value: string): string {
    return `  ${(label + ':').padEnd(11)}${value}`;
  }

  private span(start: string | null, end: string | null, ms: number | null, what = ''): string {
    if (!start || !end) return '-';
    const a = this.v.formatLocalTime(start, this.timeZone);
    const b = this.v.formatLocalTime(end, this.timeZone);
    // The end's date is left out when it is the start's.
    return `${a} → ${b.slice(0, 10) === a.slice(0, 10) ? b.slice(11) : b}  (${this.v.formatDuration(ms)}${what})`;
  }

  private tools(tools: Record<string, ToolCount>): string[] {
    const entries = Object.entries(tools);
    if (!entries.length) return [];
    const w = Math.max(...entries.map(([k]) => [...k].length));
    const n = Math.max(...entries.map(([, t]) => this.v.formatInt(t.calls).length));
    const most = Math.max(...entries.map(([, t]) => t.calls));
    const b = this.bars;
    return entries.map(([name, t]) => {
      const errors = t.errors ? this.c.red(`  ${this.v.formatInt(t.errors)} error${t.errors === 1 ? '' : 's'}`) : '';
      // On a terminal, a bar of the calls between the count and the errors.
      const drawn = b ? '  ' + this.c.blue(t.errors ? b.bar(t.calls, most, TOOL_BAR).padEnd(TOOL_BAR) : b.bar(t.calls, most, TOOL_BAR)) : '';
      return `    ${name.padEnd(w)}  ${this.v.formatInt(t.calls).padStart(n)}${drawn}${errors}`;
    });
  }

  private tokens(models: ModelUsage[]): string[] {
    const v = this.v;
    const head = ['model', 'input', 'output', 'cache read', 'cache write', 'cost'];
    const rows = models.map((m) => [m.model, v.formatInt(m.input), v.formatInt(m.output), v.formatInt(m.cache_read), v.formatInt(m.cache_write), v.formatCostPrecise(m.cost_usd)]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => '    ' + r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
    return [this.c.dim(line(head)), ...rows.map(line)];
  }
}
