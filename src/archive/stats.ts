// `tapes stats`: per-chain figures (duration, records by kind, tool calls and
// errors by tool, tokens and estimated cost by model) and their total. The
// figures come from the session summaries (sessions/), so the index serves
// them for ref-named sessions; any other revision is summarised on the spot.
import { holdsChain, SESSIONS_PREFIX } from '../refs/index.js';
import type { Archive } from './archive.js';
import { BUILTIN_PRICES, costOf, type PriceTable, type TokenCounts } from './pricing.js';
import {
  addTokens,
  emptyTokens,
  listSessions,
  modelsByUse,
  roundUsd,
  sessionCostDetail,
  summariseSession,
  type SessionSummary,
  type ToolCount,
  type ToolTime,
} from './sessions/index.js';

export interface ModelUsage extends TokenCounts {
  model: string;
  /** Null when the price table has no entry for the model. */
  cost_usd: number | null;
}

export interface ChainStats {
  /** Full ref name, or null for a chain named by another revision (an id, `<ref>~3`, a detached HEAD). */
  ref: string | null;
  /** What to call it: the ref's short name or the revision as given. */
  name: string;
  tip: string;
  parent_session: string | null;
  harness: string | null;
  harness_version: string | null;
  cwd: string | null;
  git_branch: string | null;
  title: string | null;
  start: string | null;
  end: string | null;
  duration_ms: number | null;
  records: number;
  records_by_kind: Record<string, number>;
  tool_calls: number;
  tool_errors: number;
  tools: Record<string, ToolCount>;
  /** Wall time from call to result by tool, in the order of `tools`. */
  tool_time: Record<string, ToolTime>;
  tokens: TokenCounts;
  models: ModelUsage[];
  cost_usd: number | null;
  unpriced_models: string[];
}

export interface TotalStats {
  sessions: number;
  agents: number;
  start: string | null;
  end: string | null;
  /** The sum of the chains' durations. */
  duration_ms: number;
  records: number;
  records_by_kind: Record<string, number>;
  tool_calls: number;
  tool_errors: number;
  tools: Record<string, ToolCount>;
  tool_time: Record<string, ToolTime>;
  tokens: TokenCounts;
  models: ModelUsage[];
  cost_usd: number | null;
  unpriced_models: string[];
}

function modelUsage(byModel: Record<string, TokenCounts>, order: string[], table: PriceTable): ModelUsage[] {
  const names = [...order.filter((m) => byModel[m]), ...Object.keys(byModel).filter((m) => !order.includes(m)).sort()];
  return names.map((model) => ({ model, ...byModel[model]!, cost_usd: usd(costOf(table, model, byModel[model]!)) }));
}

const usd = (x: number | undefined): number | null => (x === undefined ? null : roundUsd(x));

/** Sorted by calls, then errors, then name. */
function sortTools(tools: Record<string, ToolCount>): Record<string, ToolCount> {
  const entries = Object.entries(tools).sort(([a, x], [b, y]) => y.calls - x.calls || y.errors - x.errors || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, { ...v }]));
}

/** In the order of `tools` (most calls first), then any other by name. */
function sortTimes(times: Record<string, ToolTime>, tools: Record<string, ToolCount>): Record<string, ToolTime> {
  const names = [...Object.keys(tools).filter((k) => times[k]), ...Object.keys(times).filter((k) => !tools[k]).sort()];
  return Object.fromEntries(names.map((k) => [k, { ...times[k]! }]));
}

function sortKinds(kinds: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(kinds).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0)));
}

export function chainStats(s: SessionSummary, table: PriceTable = BUILTIN_PRICES, named?: { ref: string | null; name: string }): ChainStats {
  const cost = sessionCostDetail(s, table);
  // Every model with tokens, most used first, then the ones that never reported usage.
  const models = modelUsage(s.tokens_by_model, modelsByUse(s), table);
  const tools = sortTools(s.tools);
  return {
    ref: named ? named.ref : s.ref,
    name: named ? named.name : s.name,
    tip: s.tip,
    parent_session: s.parent_session,
    harness: s.harness,
    harness_version: s.harness_version,
    cwd: s.cwd,
    git_branch: s.git_branch,
    title: s.title,
    start: s.start,
    end: s.end,
    duration_ms: s.duration_ms,
    records: s.records,
    records_by_kind: sortKinds(s.records_by_kind),
    tool_calls: s.tool_calls,
    tool_errors: s.tool_errors,
    tools,
    tool_time: sortTimes(s.tool_time ?? {}, tools),
    tokens: { ...s.tokens },
    models,
    cost_usd: cost.cost_usd,
    unpriced_models: cost.unpriced_models,
  };
}

export function totalStats(chains: ChainStats[], table: PriceTable = BUILTIN_PRICES): TotalStats {
  const t: TotalStats = {
    sessions: chains.filter((c) => c.parent_session === null).length,
    agents: chains.filter((c) => c.parent_session !== null).length,
    start: null,
    end: null,
    duration_ms: 0,
    records: 0,
    records_by_kind: {},
    tool_calls: 0,
    tool_errors: 0,
    tools: {},
    tool_time: {},
    tokens: emptyTokens(),
    models: [],
    cost_usd: null,
    unpriced_models: [],
  };
  const byModel: Record<string, TokenCounts> = {};
  for (const c of chains) {
    if (c.start && (!t.start || c.start < t.start)) t.start = c.start;
    if (c.end && (!t.end || c.end > t.end)) t.end = c.end;
    t.duration_ms += c.duration_ms ?? 0;
    t.records += c.records;
    for (const [k, n] of Object.entries(c.records_by_kind)) t.records_by_kind[k] = (t.records_by_kind[k] ?? 0) + n;
    t.tool_calls += c.tool_calls;
    t.tool_errors += c.tool_errors;
    for (const [k, v] of Object.entries(c.tools)) {
      const e = (t.tools[k] ??= { calls: 0, errors: 0 });
      e.calls += v.calls;
      e.errors += v.errors;
    }
    for (const [k, v] of Object.entries(c.tool_time)) {
      const e = (t.tool_time[k] ??= { timed: 0, ms: 0 });
      e.timed += v.timed;
      e.ms += v.ms;
    }
    addTokens(t.tokens, c.tokens);
    for (const m of c.models) addTokens((byModel[m.model] ??= emptyTokens()), m);
  }
  t.records_by_kind = sortKinds(t.records_by_kind);
  t.tools = sortTools(t.tools);
  t.tool_time = sortTimes(t.tool_time, t.tools);
  const order = Object.keys(byModel).sort((a, b) => {
    const n = (m: string) => byModel[m]!.input + byModel[m]!.cache_read + byModel[m]!.cache_write + byModel[m]!.output;
    return n(b) - n(a) || (a < b ? -1 : 1);
  });
  t.models = modelUsage(byModel, order, table);
  const cost = sessionCostDetail({ tokens_by_model: byModel }, table);
  t.cost_usd = cost.cost_usd;
  t.unpriced_models = cost.unpriced_models;
  return t;
}

export interface ResolvedChain {
  summary: SessionSummary;
  /** The ref the revision named (a HEAD on a session counts as that session), or null. */
  ref: string | null;
  name: string;
}

/**
 * The chain each revision names, summarised: a session or subagent ref (or
 * HEAD on one) from the index; any other revision (an id, `<ref>~N`, a
 * detached HEAD) as the chain ending at the record it names.
 */
export async function resolveChains(archive: Archive, revs: string[], all?: SessionSummary[]): Promise<ResolvedChain[]> {
  const sessions = all ?? (await listSessions(archive));
  const byRef = new Map(sessions.map((s) => [s.ref, s]));
  const out: ResolvedChain[] = [];
  for (const rev of revs) {
    const r = await archive.resolve(rev);
    let ref = r.ref;
    if (ref === 'HEAD') {
      const followed = await archive.refs.follow('HEAD');
      ref = followed.name === 'HEAD' ? undefined : followed.name;
    }
    const known = ref && holdsChain(ref) ? byRef.get(ref) : undefined;
    if (known && known.tip === r.id) {
      out.push({ summary: known, ref: known.ref, name: known.name });
      continue;
    }
    const summary = await summariseSession(await archive.objects(), ref && holdsChain(ref) ? ref : SESSIONS_PREFIX + rev, r.id);
    summary.parent_session = ref && holdsChain(ref) ? summary.parent_session : null;
    out.push({ summary, ref: ref && holdsChain(ref) ? ref : null, name: ref && holdsChain(ref) ? summary.name : rev });
  }
  return out;
}
