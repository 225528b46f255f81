// What a session cost: its tokens by model priced with a price table
// (pricing.ts), the models no price covers, and its models ranked by use.
import { BUILTIN_PRICES, costOf, type PriceTable } from '../pricing.js';
import type { SessionSummary } from './summary.js';
import { inputTokens } from './usage.js';

export interface Cost {
  /** US dollars for the models the table prices; null when it prices none of them. */
  cost_usd: number | null;
  /** Models with tokens that the table has no price for. */
  unpriced_models: string[];
}

export function sessionCostDetail(s: Pick<SessionSummary, 'tokens_by_model'>, table: PriceTable = BUILTIN_PRICES): Cost {
  let total = 0;
  let priced = false;
  const unpriced: string[] = [];
  for (const [model, t] of Object.entries(s.tokens_by_model)) {
    const c = costOf(table, model, t);
    if (c !== undefined) {
      total += c;
      priced = true;
    } else if (inputTokens(t) + t.output > 0) unpriced.push(model);
  }
  return { cost_usd: priced ? roundUsd(total) : null, unpriced_models: unpriced };
}

/** Dollars to the micro-dollar, so sums print without floating-point noise. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

export function sessionCost(s: Pick<SessionSummary, 'tokens_by_model'>, table: PriceTable = BUILTIN_PRICES): number | null {
  return sessionCostDetail(s, table).cost_usd;
}

/** Models by the tokens they used, most first (ties: the order they answered in). */
export function modelsByUse(s: Pick<SessionSummary, 'models' | 'tokens_by_model'>): string[] {
  const used = (m: string) => {
    const t = s.tokens_by_model[m];
    return t ? inputTokens(t) + t.output : 0;
  };
  return [...s.models].map((m, i) => ({ m, i, n: used(m) })).sort((a, b) => b.n - a.n || a.i - b.i).map((x) => x.m);
}
