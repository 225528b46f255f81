// Estimated cost: a built-in table of list prices in US dollars per million
// tokens, matched by model-name prefix (longest first). `--pricing FILE`
// replaces or extends it with a JSON object of the same shape. Estimates only:
// negotiated prices, batch discounts and long-context tiers are not modelled.
import { InvalidInputError } from '../errors/index.js';

export interface ModelPrice {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
}

export type PriceTable = Record<string, ModelPrice>;

const p = (input: number, output: number, cache_read = input / 10, cache_write = input * 1.25): ModelPrice => ({
  input,
  output,
  cache_read,
  cache_write,
});

export const BUILTIN_PRICES: PriceTable = {
  'claude-opus-4-5': p(5, 25),
  'claude-opus-4-1': p(15, 75),
  'claude-opus-4': p(15, 75),
  'claude-sonnet-4-5': p(3, 15),
  'claude-sonnet-4': p(3, 15),
  'claude-3-7-sonnet': p(3, 15),
  'claude-3-5-sonnet': p(3, 15),
  'claude-haiku-4-5': p(1, 5),
  'claude-3-5-haiku': p(0.8, 4),
  'claude-3-haiku': p(0.25, 1.25),
  'gpt-5-mini': p(0.25, 2, 0.025, 0.25),
  'gpt-5-nano': p(0.05, 0.4, 0.005, 0.05),
  'gpt-5': p(1.25, 10, 0.125, 1.25),
  'gpt-4.1-mini': p(0.4, 1.6, 0.1, 0.4),
  'gpt-4.1': p(2, 8, 0.5, 2),
  'gpt-4o-mini': p(0.15, 0.6, 0.075, 0.15),
  'gpt-4o': p(2.5, 10, 1.25, 2.5),
  'o3': p(2, 8, 0.5, 2),
  'o4-mini': p(1.1, 4.4, 0.275, 1.1),
};

export function priceFor(table: PriceTable, model: string): ModelPrice | undefined {
  const m = model.toLowerCase();
  let best: string | undefined;
  for (const k of Object.keys(table)) if (m.startsWith(k.toLowerCase()) && (!best || k.length > best.length)) best = k;
  return best ? table[best] : undefined;
}

export interface TokenCounts {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
}

export function costOf(table: PriceTable, model: string, t: TokenCounts): number | undefined {
  const price = priceFor(table, model);
  if (!price) return undefined;
  return (t.input * price.input + t.output * price.output + t.cache_read * price.cache_read + t.cache_write * price.cache_write) / 1e6;
}

/** Parses a --pricing file: {"<model prefix>": {input, output, cache_read?, cache_write?}, …}. */
export function parsePriceTable(text: string, path: string): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`${path}: not JSON: ${(err as Error).message}`, { path });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidInputError(`${path}: must be a JSON object of model prefix → prices`, { path });
  }
  const out: PriceTable = {};
  for (const [model, v] of Object.entries(raw as Record<string, unknown>)) {
    const o = v as Record<string, unknown>;
    const num = (k: string, dflt?: number): number => {
      const x = o?.[k] ?? dflt;
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
        throw new InvalidInputError(`${path}: "${model}".${k} must be a non-negative number (US dollars per million tokens)`, { path, model });
      }
      return x;
    };
    const input = num('input');
    out[model] = { input, output: num('output'), cache_read: num('cache_read', input / 10), cache_write: num('cache_write', input * 1.25) };
  }
  return out;
}
