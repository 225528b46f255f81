// The --json shape of `tapes sessions`: one object per session (NDJSON,
// docs/json.md), documented in tapes-sessions(1), OUTPUT.

interface Tokens {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
}

/** What the shape reads of a session's summary (the model's SessionSummary). */
export interface SessionSummaryLike {
  ref: string;
  name: string;
  tip: string;
  parent_session: string | null;
  harness: string | null;
  harness_version: string | null;
  start: string | null;
  end: string | null;
  duration_ms: number | null;
  records: number;
  models: string[];
  cwd: string | null;
  git_branch: string | null;
  title: string | null;
  tokens: Tokens;
  tokens_by_model: Record<string, Tokens>;
  tool_calls: number;
  tool_errors: number;
}

export interface SessionListing {
  /** The shortest name that picks the session out (what the table shows). */
  id: string | undefined;
  /** Subagent chains of the session in the archive. */
  agents: number;
  cost: { cost_usd: number | null; unpriced_models: string[] };
}

export function sessionJson(s: SessionSummaryLike, l: SessionListing) {
  return {
    id: l.id,
    ref: s.ref,
    name: s.name,
    tip: s.tip,
    parent_session: s.parent_session,
    agents: l.agents,
    harness: s.harness,
    harness_version: s.harness_version,
    start: s.start,
    end: s.end,
    duration_ms: s.duration_ms,
    records: s.records,
    models: s.models,
    cwd: s.cwd,
    git_branch: s.git_branch,
    title: s.title,
    tokens: s.tokens,
    tokens_by_model: s.tokens_by_model,
    tool_calls: s.tool_calls,
    tool_errors: s.tool_errors,
    cost_usd: l.cost.cost_usd,
    unpriced_models: l.cost.unpriced_models,
  };
}
