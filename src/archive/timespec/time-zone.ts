// Wall-clock time in a named zone: which zone `TZ` names, what the clock
// showed at an instant, and which instant a clock reading names. The one
// time-zone rule of docs/timespec.md lives here: a time written without an
// offset is read on the clock of `TZ` (the system's when TZ is unset or names
// no zone).
//
// Kept apart from the grammar so that every command that prints times (log,
// search, show, replay, status, export) can resolve its zone without loading
// anything else of the model.

// The first Intl.DateTimeFormat a process makes costs some 30 ms of ICU
// set-up, more than the rest of a `tapes sessions`. The process's own zone
// (no TZ) and UTC need none of it: Date's local and UTC getters give the same
// clock. Named zones other than UTC go through Intl.
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'UCT', 'Etc/UCT', 'Zulu', 'Etc/Zulu', 'Universal', 'Etc/Universal', 'Etc/GMT0', 'Etc/GMT+0', 'Etc/GMT-0', 'GMT0', 'GMT+0', 'GMT-0', 'Greenwich', 'Etc/Greenwich']);

/** A usable IANA time zone name, or undefined for the system's. A leading `:` (POSIX `TZ=:Area/City`) is dropped. */
export function validTimeZone(tz: string | undefined): string | undefined {
  if (!tz) return undefined;
  if (UTC_NAMES.has(tz.startsWith(':') ? tz.slice(1) : tz)) return tz.startsWith(':') ? tz.slice(1) : tz;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz.startsWith(':') ? tz.slice(1) : tz });
    return tz.startsWith(':') ? tz.slice(1) : tz;
  } catch {
    return undefined;
  }
}

// Making a DateTimeFormat costs far more than using one: one per zone.
const clockFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * The clock of `timeZone` (the process's when undefined) as parts: two-digit
 * fields on a 24-hour clock, and the offset from UTC (`GMT+01:00`).
 */
export function clockFormat(timeZone?: string): Intl.DateTimeFormat {
  let f = clockFormats.get(timeZone ?? '');
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
    clockFormats.set(timeZone ?? '', f);
  }
  return f;
}

/** An instant on a wall clock: the fields, and how far the clock is ahead of UTC in minutes. */
export interface ClockReading {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  offsetMinutes: number;
}

/** What the clock of `timeZone` (the process's when undefined) showed at `ms`. */
export function clockReading(ms: number, timeZone?: string): ClockReading {
  const d = new Date(ms);
  if (timeZone === undefined) {
    return { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds(), offsetMinutes: -d.getTimezoneOffset() };
  }
  if (UTC_NAMES.has(timeZone)) {
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), offsetMinutes: 0 };
  }
  const parts = clockFormat(timeZone).formatToParts(d);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const offset = /([+-])(\d{2}):(\d{2})/.exec(get('timeZoneName'));
  const offsetMinutes = offset ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
  return { year: Number(get('year')), month: Number(get('month')), day: Number(get('day')), hour: Number(get('hour')), minute: Number(get('minute')), second: Number(get('second')), offsetMinutes };
}

/** Year, month, day, hour, minute, second of an instant on the wall clock of `timeZone`. */
export function wallClock(ms: number, timeZone?: string): [number, number, number, number, number, number] {
  const c = clockReading(ms, timeZone);
  return [c.year, c.month, c.day, c.hour, c.minute, c.second];
}

/** `+01:00`, `-05:30`, `+00:00`. */
export function formatOffset(minutes: number): string {
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

const DAY_MS = 86_400_000;

/** How far the clock of `timeZone` is ahead of UTC at an instant, in ms. */
function offsetAt(at: number, timeZone?: string): number {
  const [y, mo, d, h, mi, s] = wallClock(at, timeZone);
  return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(at / 1000) * 1000;
}

/**
 * The instant a wall-clock reading in `timeZone` names. In the hour a
 * change to winter time repeats, the earlier instant; a reading the change
 * to summer time skips is read with the offset before the change (02:30 on
 * the night the clock jumps from 02:00 to 03:00 is 03:30), as JavaScript
 * dates and Temporal's "compatible" rule do.
 */
export function localToEpoch(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, timeZone?: string): number {
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  // The offsets a day either side cover any one change of the clock.
  const before = offsetAt(asUtc - DAY_MS, timeZone);
  const after = offsetAt(asUtc + DAY_MS, timeZone);
  const fits = [asUtc - before, asUtc - after].filter((t) => offsetAt(t, timeZone) === asUtc - t);
  return fits.length ? Math.min(...fits) : asUtc - before;
}
