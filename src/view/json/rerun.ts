// The --json shapes of `tapes rerun` (one document, docs/json.md): a dry
// run's requests, body included, or what --send made, one entry per model.
import type { BranchResult } from '../../archive/index.js';

interface ChangeLike {
  what: string;
  how: string;
  from: string | null;
  to: string;
}

/** What the shape reads of a prepared request (the model's PreparedRequest). */
export interface RerunRequestLike {
  model: string | null;
  body: Uint8Array;
  changes: ChangeLike[];
  messages: number;
  tool_results: number;
  system: { source: string; bytes: number };
  tools: { source: string; count: number };
  estimate: { input_tokens: number; output_tokens: number; input_from: string; output_from: string; cost_usd: number | null };
}

/** What the shapes read of a plan (the model's RerunPlan). */
export interface RerunPlanLike {
  original: { name: string; source: string; checkpoint: { id: string } };
  base: { api: string; provider: string; exact: boolean; model: string | null; notes: string[] };
  endpoint: URL;
  requests: RerunRequestLike[];
}

function head(plan: RerunPlanLike, dryRun: boolean) {
  return {
    dry_run: dryRun,
    session: plan.original.name,
    checkpoint: plan.original.checkpoint.id,
    source: plan.original.source,
    provider: plan.base.provider,
    api: plan.base.api,
    endpoint: plan.endpoint.href,
  };
}

/** The dry run: each model's first request, exactly as it would be sent (`body`: its text). */
export function rerunPlanJson(plan: RerunPlanLike) {
  return {
    ...head(plan, true),
    requests: plan.requests.map((r) => ({
      model: r.model,
      original_model: plan.base.model,
      exact: plan.base.exact && r.changes.length === 0,
      messages: r.messages,
      tool_results: r.tool_results,
      bytes: r.body.length,
      system: r.system,
      tools: r.tools,
      changes: r.changes.map((c) => ({ what: c.what, how: c.how, from: c.from, to: c.to })),
      estimate: r.estimate,
      notes: plan.base.notes,
      body: Buffer.from(r.body).toString('utf8'),
    })),
  };
}

/** One model's rerun, as the model reports it. */
export type BranchLike = BranchResult;

/** --send: one entry per model, with the branch it made (or its error). */
export function rerunResultJson(plan: RerunPlanLike, branches: BranchLike[]) {
  return {
    ...head(plan, false),
    branches: branches.map((b) => ({
      model: b.model,
      session: b.name,
      ref: b.ref,
      tip: b.tip,
      records: b.records,
      turns: b.turns,
      answered_by: b.answered_by,
      tokens: b.tokens,
      cost_usd: b.cost_usd,
      stop: b.stop,
      divergence: b.divergence,
      error: b.error ? { code: b.error.code, message: b.error.message } : null,
    })),
  };
}
