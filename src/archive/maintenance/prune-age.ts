// The --prune / gc.pruneExpire age: one function, parsePruneAge, so that the
// grammar can be replaced in one place.
import { UsageError } from '../../errors/index.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Objects older than this may be removed; 'never' keeps them all. */
export type PruneCutoff = Date | 'never';

const UNITS: Record<string, number> = {
  second: 1000,
  minute: 60 * 1000,
  hour: 60 * 60 * 1000,
  day: DAY_MS,
  week: 7 * DAY_MS,
  month: 30 * DAY_MS,
  year: 365 * DAY_MS,
};

/**
 * Parses a prune age as git's --prune does: "now", "never", "<n>.<unit>[.ago]"
 * (or with spaces: "2 weeks ago"; units second … year, plural or not), or an
 * ISO-8601 date. Returns the cutoff: objects older than it may be removed.
 */
export function parsePruneAge(text: string, now: Date): PruneCutoff {
  const t = text.trim().toLowerCase();
  if (t === 'never' || t === 'false') return 'never';
  if (t === 'now' || t === 'all') return new Date(now.getTime() + 1000);
  const m = /^(\d+)[. ]+([a-z]+?)s?(?:[. ]+ago)?$/.exec(t);
  if (m && UNITS[m[2]!] !== undefined) return new Date(now.getTime() - Number(m[1]) * UNITS[m[2]!]!);
  if (/^\d{4}-\d\d-\d\d(?:[t ][\d:.]+z?)?$/.test(t)) {
    const d = new Date(text.trim());
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new UsageError(`--prune: cannot read "${text}" as an age (use now, never, <n>.<unit>.ago such as 2.weeks.ago, or a date)`, { value: text });
}
