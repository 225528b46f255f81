// Wall-clock time in a named zone: which zone `TZ` names, what the clock
// showed at an instant, and which instant a clock reading names. The one
// time-zone rule of docs/timespec.md lives here: a time written without an
// offset is read on the clock of `TZ` (the system's when TZ is unset or names
// no zone).
//
// Kept apart from the grammar so that every command that prints times (log,
// search, show, replay, status, export) can resolve its zone without loading
// anything else of the model.

/** A usable IANA time zone name, or undefined for the system's. A leading `:` (POSIX `TZ=:Area/City`) is dropped. */
export function validTimeZone(tz: string | undefined): string | undefined {
  if (!tz) return undefined;
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

/** Year, month, day, hour, minute, second of an instant on the wall clock of `timeZone`. */
export function wallClock(ms: number, timeZone?: string): [number, number, number, number, number, number] {
  const parts = clockFormat(timeZone).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return [get('year'), get('month'), get('day'), get('hour'), get('minute'), get('second')];
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
