// Token counting: the usage a chain's records report, added up so that a
// message Claude Code wrote as several lines counts once and a Codex event
// repeated without a new model call counts nothing. Sessions, stats and diff
// count tokens with this one counter.
import type { JsonValue } from '../../hash/index.js';
import type { EventHead } from '../../record/index.js';
import { isObj, recordTokens, type Obj } from '../event/index.js';
import type { TokenCounts } from '../pricing.js';

const num = (v: JsonValue | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function emptyTokens(): TokenCounts {
  return { input: 0, output: 0, cache_read: 0, cache_write: 0 };
}

export function addTokens(a: TokenCounts, b: TokenCounts): void {
  a.input += b.input;
  a.output += b.output;
  a.cache_read += b.cache_read;
  a.cache_write += b.cache_write;
}

/** Every token a model read (uncached, cache reads and cache writes). */
export function inputTokens(t: TokenCounts): number {
  return t.input + t.cache_read + t.cache_write;
}

/**
 * Adds up the tokens of a chain's records. Claude Code writes one line per
 * content block of a message, each repeating the message's usage as it stood
 * then (the last line has the final output count), so a message counts once,
 * with its last usage. Codex reports each model call in a token_count event
 * (its input_tokens include the cached ones) and re-emits the same event when
 * nothing was called (rate-limit refreshes, resumed threads): an event whose
 * cumulative total_token_usage did not move is not a call and counts nothing.
 */
export class UsageCounter {
  private readonly byMessage = new Map<string, { model: string; tokens: TokenCounts }>();
  private readonly loose: Array<{ model: string; tokens: TokenCounts }> = [];
  private codexTotal: { input: number; cached: number; output: number } | undefined;

  /** `codexTotal`: a Codex token_count event's info.total_token_usage, when it has one. */
  add(ev: EventHead, model: string, codexTotal?: JsonValue): TokenCounts | undefined {
    const u = ev.meta.usage;
    if (!isObj(u)) return undefined;
    if (ev.meta.harness === 'codex') return this.addCodex(u, model, isObj(codexTotal) ? codexTotal : isObj(u.total_token_usage) ? u.total_token_usage : undefined);
    const tokens = recordTokens(ev)!;
    const key = typeof ev.meta.message_id === 'string' ? ev.meta.message_id : typeof ev.meta.request_id === 'string' ? ev.meta.request_id : undefined;
    if (key === undefined) this.loose.push({ model, tokens });
    else this.byMessage.set(key, { model, tokens });
    return tokens;
  }

  private addCodex(u: Obj, model: string, total: Obj | undefined): TokenCounts | undefined {
    let input = num(u.input_tokens);
    let cached = num(u.cached_input_tokens);
    let output = num(u.output_tokens);
    if (total) {
      const now = { input: num(total.input_tokens), cached: num(total.cached_input_tokens), output: num(total.output_tokens) };
      const before = this.codexTotal;
      if (before && now.input === before.input && now.cached === before.cached && now.output === before.output) return undefined;
      this.codexTotal = now;
      // info without last_token_usage: the call is the step of the cumulative count.
      if (u === total || !('input_tokens' in u)) {
        const grew = before && now.input >= before.input && now.output >= before.output;
        input = grew ? now.input - before.input : now.input;
        cached = grew ? Math.max(0, now.cached - before.cached) : now.cached;
        output = grew ? now.output - before.output : now.output;
      }
    }
    const tokens = { input: Math.max(0, input - cached), output, cache_read: cached, cache_write: 0 };
    this.loose.push({ model, tokens });
    return tokens;
  }

  /** Totals, and totals by model. */
  totals(): { tokens: TokenCounts; byModel: Record<string, TokenCounts> } {
    const tokens = emptyTokens();
    const byModel: Record<string, TokenCounts> = {};
    for (const { model, tokens: t } of [...this.byMessage.values(), ...this.loose]) {
      addTokens(tokens, t);
      byModel[model] ??= emptyTokens();
      addTokens(byModel[model]!, t);
    }
    return { tokens, byModel };
  }
}

