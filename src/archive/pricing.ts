// Estimated cost: a built-in table of list prices in US dollars per million
// tokens, matched by model-name prefix (longest first). `--pricing FILE`
// overrides it with a JSON object of the same shape: an entry of the file wins
// over every built-in entry whenever it matches a model. Estimates only:
// negotiated prices, batch discounts, long-context tiers and Anthropic's
// one-hour cache writes (2x input rather than 1.25x) are not modelled.
import { promises as fs } from 'node:fs';
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
  'claude-opus-4-6': p(5, 25),
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
  'claude-3-opus': p(15, 75),
  'claude-3-sonnet': p(3, 15),
  'gpt-5-mini': p(0.25, 2, 0.025, 0.25),
  'gpt-5-nano': p(0.05, 0.4, 0.005, 0.05),
  'gpt-5.2': p(1.75, 14, 0.175, 1.75),
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

/**
 * The built-in table with `overrides` laid over it: a built-in entry that an
 * override's prefix also covers is dropped, so that whenever an override
 * matches a model it is the longest match left (the file always wins).
 */
export function withPriceOverrides(base: PriceTable, overrides: PriceTable): PriceTable {
  const keys = Object.keys(overrides).map((k) => k.toLowerCase());
  const out: PriceTable = {};
  for (const [k, v] of Object.entries(base)) if (!keys.some((o) => k.toLowerCase().startsWith(o))) out[k] = v;
  return { ...out, ...overrides };
}

/** Reads a --pricing file and lays it over the built-in table; a missing or bad file is an InvalidInputError naming it. */
export async function loadPriceTable(path: string, shownAs = path): Promise<PriceTable> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new InvalidInputError(`pricing file ${shownAs}: ${why}`, { path: shownAs });
  }
  return withPriceOverrides(BUILTIN_PRICES, parsePriceTable(text, shownAs));
}

/** Parses a --pricing file: {"<model prefix>": {input, output, cache_read?, cache_write?}, …}. */
export function parsePriceTable(text: string, path: string): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`pricing file ${path}: not JSON: ${(err as Error).message}`, { path });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidInputError(`pricing file ${path}: must be a JSON object of model prefix → prices`, { path });
  }
  const out: PriceTable = {};
  for (const [model, v] of Object.entries(raw as Record<string, unknown>)) {
    if (model === '') throw new InvalidInputError(`pricing file ${path}: a model prefix cannot be empty`, { path });
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw new InvalidInputError(`pricing file ${path}: "${model}" must be an object {input, output, cache_read?, cache_write?}`, { path, model });
    }
    const o = v as Record<string, unknown>;
    const unknown = Object.keys(o).filter((k) => !['input', 'output', 'cache_read', 'cache_write'].includes(k));
    if (unknown.length) {
      throw new InvalidInputError(`pricing file ${path}: "${model}" has unknown field ${JSON.stringify(unknown[0])} (allowed: input, output, cache_read, cache_write)`, { path, model });
    }
    const num = (k: string, dflt?: number): number => {
      const x = o?.[k] ?? dflt;
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
        throw new InvalidInputError(`pricing file ${path}: "${model}".${k} must be a non-negative number (US dollars per million tokens)`, { path, model });
      }
      return x;
    };
    const input = num('input');
    out[model] = { input, output: num('output'), cache_read: num('cache_read', input / 10), cache_write: num('cache_write', input * 1.25) };
  }
  return out;
}
