// The one grammar for a point in time on the command line, modelled on git's
// approxidate: --since and --until of sessions, log and search, and gc's
// --prune (with gc.pruneExpire). Ages count back from now (`2h`, `90m`,
// `3 days ago`, `2.weeks.ago`); dates and date-times are read by the one
// time-zone rule of time-zone.ts. docs/timespec.md is its reference.
import { UsageError } from '../../errors/index.js';
import { localToEpoch, wallClock } from './time-zone.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Units of an age, by every spelling accepted (git's month and year are 30 and 365 days). */
const UNITS: Array<[RegExp, number]> = [
  [/^(s|secs?|seconds?)$/, SECOND],
  [/^(m|mins?|minutes?)$/, MINUTE],
  [/^(h|hrs?|hours?)$/, HOUR],
  [/^(d|days?)$/, DAY],
  [/^(w|weeks?)$/, 7 * DAY],
  [/^months?$/, 30 * DAY],
  [/^years?$/, 365 * DAY],
];

// <n>[.<fraction>], then the unit (after nothing, spaces or dots), then an optional "ago".
const AGE = /^(\d+(?:\.\d+)?)[.\s]*([a-z]+?)(?:[.\s]+ago)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[t ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(z|[+-]\d{2}:?\d{2})?$/;

/**
 * Reads a point in time, as epoch ms: `now`, `today`, `yesterday`; an age
 * (`<n><unit>`, `<n> <unit> ago`, `<n>.<unit>.ago`; units s, m, h, d, w,
 * spelled out or short, and month, year); an ISO date `YYYY-MM-DD` (its first
 * instant, or with `end` its last, for --until); an ISO date-time, on the
 * clock of `timeZone` unless it ends in Z or an offset. Undefined when the
 * text is none of these.
 */
export function parseTimeSpec(text: string, now: Date, timeZone?: string, end = false): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'now') return now.getTime();
  const age = AGE.exec(t);
  if (age) {
    const unit = UNITS.find(([re]) => re.test(age[2]!))?.[1];
    return unit === undefined ? undefined : now.getTime() - Number(age[1]) * unit;
  }
  const day = (y: number, mo: number, d: number): number => localToEpoch(y, mo, d + (end ? 1 : 0), 0, 0, 0, 0, timeZone) - (end ? 1 : 0);
  if (t === 'today' || t === 'yesterday') {
    const [y, mo, d] = wallClock(now.getTime(), timeZone);
    return day(y, mo, t === 'today' ? d : d - 1);
  }
  const date = DATE.exec(t);
  if (date) {
    const [y, mo, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    return validDate(y, mo, d) ? day(y, mo, d) : undefined;
  }
  const dt = DATE_TIME.exec(t);
  if (dt) {
    const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(dt[i] ?? 0)) as [number, number, number, number, number, number];
    const ms = Number((dt[7] ?? '0').padEnd(3, '0'));
    if (!validDate(y, mo, d) || h > 23 || mi > 59 || sec > 59) return undefined;
    const zone = dt[8];
    if (zone === undefined) return localToEpoch(y, mo, d, h, mi, sec, ms, timeZone);
    const utc = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
    if (zone === 'z') return utc;
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    return utc - (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * MINUTE;
  }
  return undefined;
}

/** Like parseTimeSpec, throwing a usage error (exit 129) naming the option. */
export function timeOption(option: string, text: string, now: Date, timeZone?: string, end = false): number {
  const t = parseTimeSpec(text, now, timeZone, end);
  if (t === undefined) {
    throw new UsageError(
      `bad ${option} value ${JSON.stringify(text)}: expected a date (2026-01-05), a date and time (2026-01-05T14:30), or an age (90m, 2h, 3d, 1w, 2.weeks.ago)`,
      { option, value: text },
    );
  }
  return t;
}

/** When unreachable objects may go: before a cutoff, or never. */
export type Expiry = Date | 'never';

/**
 * gc's --prune value (and gc.pruneExpire), as git's parse_expiry_date reads
 * it: `never` or `false` keeps everything; `now` or `all` is a second ahead
 * of now, so that everything already written is older; anything else is a
 * point in time of parseTimeSpec's grammar.
 */
export function parseExpiry(text: string, now: Date, timeZone?: string): Expiry {
  const t = text.trim().toLowerCase();
  if (t === 'never' || t === 'false') return 'never';
  if (t === 'now' || t === 'all') return new Date(now.getTime() + SECOND);
  const at = parseTimeSpec(t, now, timeZone);
  if (at === undefined) {
    throw new UsageError(`--prune: cannot read "${text}" as an age (use now, never, <n>.<unit>.ago such as 2.weeks.ago, or a date)`, { option: '--prune', value: text });
  }
  return new Date(at);
}

function validDate(y: number, mo: number, d: number): boolean {
  const x = new Date(Date.UTC(y, mo - 1, d));
  return x.getUTCFullYear() === y && x.getUTCMonth() === mo - 1 && x.getUTCDate() === d;
}
