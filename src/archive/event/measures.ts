// The numbers one record carries: the tokens its harness reported and its
// time since the session started. Log and replay print them, export writes
// them into every JSONL line and transcript, and diff gives each step its
// elapsed time, so they are worked out once, here.
import type { EventView } from '../../record/index.js';
import { isObj } from './blocks.js';

/** Token counts of one record, as its harness reported them. */
export interface RecordTokens {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * The usage a record carries (`meta.usage`), or null. Codex counts cached
 * input inside `input_tokens`, Gemini inside `input`; it is split out here
 * as Claude reports it.
 */
export function recordTokens(ev: Pick<EventView, 'meta'>): RecordTokens | null {
  const u = ev.meta.usage;
  if (!isObj(u)) return null;
  if (ev.meta.harness === 'codex') {
    const cached = num(u.cached_input_tokens);
    return { input: Math.max(0, num(u.input_tokens) - cached), output: num(u.output_tokens), cache_read: cached, cache_write: 0 };
  }
  if (ev.meta.harness === 'gemini') {
    // Gemini's input counts its cached part, and its thoughts are output it was billed for.
    const cached = num(u.cached);
    return { input: Math.max(0, num(u.input) - cached), output: num(u.output) + num(u.thoughts), cache_read: cached, cache_write: 0 };
  }
  return {
    input: num(u.input_tokens),
    output: num(u.output_tokens),
    cache_read: num(u.cache_read_input_tokens),
    cache_write: num(u.cache_creation_input_tokens),
  };
}

/** Milliseconds from `start` (an ISO time or epoch ms) to the record's time, or null when either is unknown. */
export function elapsedOf(ev: Pick<EventView, 'time'>, start: string | number | null | undefined): number | null {
  if (!ev.time || start === null || start === undefined) return null;
  const s = typeof start === 'number' ? start : Date.parse(start);
  const t = Date.parse(ev.time);
  return Number.isFinite(s) && Number.isFinite(t) ? t - s : null;
}
