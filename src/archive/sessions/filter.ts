// Choosing and ordering sessions: the time, project, model and harness
// filters of `tapes sessions` and `tapes stats`, the sort keys, and the
// session a subagent chain belongs to.
import { SESSIONS_PREFIX } from '../../refs/index.js';
import { BUILTIN_PRICES, type PriceTable } from '../pricing.js';
import { sessionCost } from './cost.js';
import type { SessionSummary } from './summary.js';
import type { SessionListing } from './cache.js';
import { inputTokens } from './usage.js';

export interface SessionFilter {
  /** Epoch ms: sessions still active at or after this instant. */
  since?: number;
  /** Epoch ms: sessions that had started at or before this instant. */
  until?: number;
  /** Substring of the working directory (case-insensitive). */
  project?: string;
  /** Substring of any model's name (case-insensitive). */
  model?: string;
  harness?: string;
}

export function matchesFilter(s: SessionListing, f: SessionFilter): boolean {
  if (f.since !== undefined || f.until !== undefined) {
    if (!s.start || !s.end) return false;
    if (f.since !== undefined && Date.parse(s.end) < f.since) return false;
    if (f.until !== undefined && Date.parse(s.start) > f.until) return false;
  }
  if (f.project !== undefined && !(s.cwd ?? '').toLowerCase().includes(f.project.toLowerCase())) return false;
  if (f.model !== undefined && !s.models.some((m) => m.toLowerCase().includes(f.model!.toLowerCase()))) return false;
  if (f.harness !== undefined && s.harness !== f.harness) return false;
  return true;
}

export type SessionSortKey = 'date' | 'duration' | 'tokens' | 'cost';

/** Largest (or newest) first; sessions without the value last; ties by name. */
export function sortSessions<T extends SessionListing>(list: T[], key: SessionSortKey, table: PriceTable = BUILTIN_PRICES): T[] {
  const value = (s: T): number | null => {
    switch (key) {
      case 'date':
        return s.start ? Date.parse(s.start) : null;
      case 'duration':
        return s.duration_ms;
      case 'tokens':
        return inputTokens(s.tokens) + s.tokens.output;
      case 'cost':
        return sessionCost(s, table);
    }
  };
  const keyed = list.map((s) => ({ s, v: value(s) }));
  keyed.sort((a, b) => {
    if (a.v === null || b.v === null) return a.v === b.v ? compareStrings(a.s.ref, b.s.ref) : a.v === null ? 1 : -1;
    return b.v - a.v || compareStrings(a.s.ref, b.s.ref);
  });
  return keyed.map((k) => k.s);
}

/**
 * Plain string order (UTF-16 code units): for ISO 8601 times and ref names.
 * Not localeCompare, whose first call builds an ICU collator (some 10 ms of
 * a listing) and which orders punctuation and case by language rules.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The session a subagent chain belongs to: refs/sessions/<its parent_session>. */
export function parentRef(s: Pick<SessionSummary, 'parent_session'>): string | null {
  return s.parent_session === null ? null : SESSIONS_PREFIX + s.parent_session;
}
