// The figures `tapes stats --html` draws: the chains `tapes stats` selected,
// regrouped by day and by project (tokens and cost stacked by model), each
// session as one point, and the tools ranked by calls, time and failures.
// Every figure is a regrouping of the same per-chain numbers `stats --json`
// prints, so a day's or a project's rows add up to the total (docs/report.md).
import { BUILTIN_PRICES, costOf, type PriceTable, type TokenCounts } from './pricing.js';
import { addTokens, emptyTokens, inputTokens, roundUsd } from './sessions/index.js';
import type { ChainStats, TotalStats } from './stats.js';

/** One model's share of a day or a project. */
export interface GroupModel {
  /** The day (YYYY-MM-DD on the report's wall clock; null: the chains had no time) or the project (working directory; null: none recorded). */
  key: string | null;
  model: string;
  tokens: TokenCounts;
  /** Input, cache read, cache write and output tokens together. */
  total_tokens: number;
  /** Null when the price table has no entry for the model. */
  cost_usd: number | null;
  /** Chains that contributed tokens of this model. */
  chains: number;
}

export interface ReportSession {
  name: string;
  ref: string | null;
  tip: string;
  parent_session: string | null;
  title: string | null;
  cwd: string | null;
  start: string | null;
  duration_ms: number | null;
  total_tokens: number;
  cost_usd: number | null;
  tool_calls: number;
  tool_errors: number;
}

export interface ReportTool {
  name: string;
  calls: number;
  errors: number;
  /** errors / calls; null for a tool with no calls seen (results whose call is elsewhere). */
  error_rate: number | null;
  /** Results timed, their time in all, and the mean (null when none was timed). */
  timed: number;
  ms: number;
  mean_ms: number | null;
}

export interface StatsReport {
  /** Models, most tokens first (the total's order): the stacking order and colours. */
  models: string[];
  /** Days in order (a null day last), models in `models` order within each. */
  days: GroupModel[];
  /** Projects by tokens, most first, models in `models` order within each. */
  projects: GroupModel[];
  /** The chains as `stats` lists them. */
  sessions: ReportSession[];
  /** Every tool, most calls first (the total's order). */
  tools: ReportTool[];
}

const total = (t: TokenCounts) => inputTokens(t) + t.output;

/** YYYY-MM-DD on the wall clock of `timeZone` (the system's when undefined). */
export function dayOf(iso: string, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

function group(chains: ChainStats[], keyOf: (c: ChainStats) => string | null, models: string[], table: PriceTable): Map<string | null, GroupModel[]> {
  const by = new Map<string | null, Map<string, GroupModel>>();
  for (const c of chains) {
    const key = keyOf(c);
    for (const m of c.models) {
      if (total(m) === 0) continue;
      let g = by.get(key);
      if (!g) by.set(key, (g = new Map()));
      let e = g.get(m.model);
      if (!e) g.set(m.model, (e = { key, model: m.model, tokens: emptyTokens(), total_tokens: 0, cost_usd: null, chains: 0 }));
      addTokens(e.tokens, m);
      e.chains++;
    }
  }
  const rank = new Map(models.map((m, i) => [m, i]));
  const out = new Map<string | null, GroupModel[]>();
  for (const [key, g] of by) {
    const list = [...g.values()].sort((a, b) => (rank.get(a.model) ?? 1e9) - (rank.get(b.model) ?? 1e9) || (a.model < b.model ? -1 : 1));
    for (const e of list) {
      e.total_tokens = total(e.tokens);
      const c = costOf(table, e.model, e.tokens);
      e.cost_usd = c === undefined ? null : roundUsd(c);
    }
    out.set(key, list);
  }
  return out;
}

export function statsReport(chains: ChainStats[], t: TotalStats, opts: { timeZone?: string; table?: PriceTable } = {}): StatsReport {
  const table = opts.table ?? BUILTIN_PRICES;
  const models = t.models.filter((m) => total(m) > 0).map((m) => m.model);
  const byDay = group(chains, (c) => (c.start ? dayOf(c.start, opts.timeZone) : null), models, table);
  const days = [...byDay.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0)).flatMap((k) => byDay.get(k)!);
  const byProject = group(chains, (c) => c.cwd, models, table);
  const sum = (list: GroupModel[]) => list.reduce((a, e) => a + e.total_tokens, 0);
  const projects = [...byProject.entries()]
    .sort(([a, x], [b, y]) => sum(y) - sum(x) || ((a ?? '') < (b ?? '') ? -1 : 1))
    .flatMap(([, list]) => list);
  const sessions = chains.map((c) => ({
    name: c.name,
    ref: c.ref,
    tip: c.tip,
    parent_session: c.parent_session,
    title: c.title,
    cwd: c.cwd,
    start: c.start,
    duration_ms: c.duration_ms,
    total_tokens: total(c.tokens),
    cost_usd: c.cost_usd,
    tool_calls: c.tool_calls,
    tool_errors: c.tool_errors,
  }));
  const tools = Object.entries(t.tools).map(([name, n]) => {
    const time = t.tool_time[name];
    return {
      name,
      calls: n.calls,
      errors: n.errors,
      error_rate: n.calls > 0 ? n.errors / n.calls : null,
      timed: time?.timed ?? 0,
      ms: time?.ms ?? 0,
      mean_ms: time && time.timed > 0 ? Math.round(time.ms / time.timed) : null,
    };
  });
  return { models, days, projects, sessions, tools };
}
