// The one grammar for --since, --until and --prune (docs/timespec.md): what
// each of the two grammars it replaced accepted, read by one time-zone rule.
import t from 'tap';
import { parseExpiry, parseTimeSpec, timeOption, validTimeZone } from '../../src/archive/timespec/index.js';

const now = new Date('2026-01-15T12:00:00.000Z');
const ago = (ms: number) => now.getTime() - ms;
const H = 3600e3;
const D = 24 * H;

t.test('ages: short units, spelled-out units, spaces or dots, "ago" or not', async (t) => {
  for (const [text, ms] of [
    ['2h', 2 * H],
    ['90m', 90 * 60e3],
    ['30s', 30e3],
    ['1w', 7 * D],
    ['1.5h', 1.5 * H],
    ['3 days ago', 3 * D],
    ['3d ago', 3 * D],
    ['2.weeks.ago', 14 * D],
    ['2 weeks', 14 * D],
    ['1.hour', H],
    ['1.5.hours.ago', 1.5 * H],
    ['45 mins', 45 * 60e3],
    ['2.months.ago', 60 * D],
    ['1.year', 365 * D],
    ['  2H  ', 2 * H],
  ] as const) {
    t.equal(parseTimeSpec(text, now), ago(ms), text);
    t.equal(parseTimeSpec(text, now, 'Asia/Kolkata'), ago(ms), `${text}: an age does not depend on the zone`);
  }
});

t.test('words and dates', async (t) => {
  t.equal(parseTimeSpec('now', now), now.getTime());
  t.equal(parseTimeSpec('today', now, 'UTC'), Date.parse('2026-01-15T00:00:00Z'));
  t.equal(parseTimeSpec('today', now, 'UTC', true), Date.parse('2026-01-16T00:00:00Z') - 1, 'with end: the last instant of the day');
  t.equal(parseTimeSpec('yesterday', now, 'America/New_York'), Date.parse('2026-01-14T05:00:00Z'), 'midnight on the clock of the zone');
  t.equal(parseTimeSpec('2026-01-05', now, 'Asia/Tokyo'), Date.parse('2026-01-04T15:00:00Z'));
  t.equal(parseTimeSpec('2026-01-05T14:30:15.250+05:30', now, 'UTC'), Date.parse('2026-01-05T09:00:15.250Z'), 'an offset wins over the zone');
  t.equal(parseTimeSpec('2026-01-05 14:30z', now, 'Asia/Tokyo'), Date.parse('2026-01-05T14:30:00Z'));
});

t.test('one time-zone rule, at the clock changes too', async (t) => {
  // A repeated hour (the change to winter time): the earlier instant, east and west of UTC alike.
  t.equal(parseTimeSpec('2026-10-25 02:30', now, 'Europe/Berlin'), Date.parse('2026-10-25T00:30:00Z'));
  t.equal(parseTimeSpec('2026-11-01 01:30', now, 'America/New_York'), Date.parse('2026-11-01T05:30:00Z'));
  // A skipped hour (the change to summer time): read with the offset before the change.
  t.equal(parseTimeSpec('2026-03-29 02:30', now, 'Europe/Berlin'), Date.parse('2026-03-29T01:30:00Z'));
  t.equal(parseTimeSpec('2026-03-08 02:30', now, 'America/New_York'), Date.parse('2026-03-08T07:30:00Z'));
  // Either side of a change, the offset of that side.
  t.equal(parseTimeSpec('2026-03-29 01:59', now, 'Europe/Berlin'), Date.parse('2026-03-29T00:59:00Z'));
  t.equal(parseTimeSpec('2026-03-29 03:00', now, 'Europe/Berlin'), Date.parse('2026-03-29T01:00:00Z'));
  t.equal(parseTimeSpec('2026-03-29', now, 'Europe/Berlin', true), Date.parse('2026-03-29T22:00:00Z') - 1, 'a 23-hour day ends at its own midnight');
});

t.test('what is not a time', async (t) => {
  for (const bad of ['', 'soon', 'never', '2h later', '-2h', '5', 'h', '1y', '2hago', '2.fortnights.ago', '2026-13-01', '2026-02-30', '2026-01-05T25:00', '2026/01/05', 'last tuesday']) {
    t.equal(parseTimeSpec(bad, now, 'UTC'), undefined, `refused: ${JSON.stringify(bad)}`);
  }
  t.throws(() => timeOption('--until', 'soon', now), { code: 'UsageError', message: /^bad --until value "soon": expected a date/ });
  t.equal(timeOption('--since', '2026-01-05', now, 'UTC', true), Date.parse('2026-01-06T00:00:00Z') - 1);
});

t.test('gc --prune: the same grammar, with never and all (git parse_expiry_date)', async (t) => {
  const cutoff = (text: string, tz?: string) => {
    const e = parseExpiry(text, now, tz);
    return e === 'never' ? e : e.toISOString();
  };
  t.equal(cutoff('2.weeks.ago'), '2026-01-01T12:00:00.000Z');
  t.equal(cutoff('3 days ago'), '2026-01-12T12:00:00.000Z');
  t.equal(cutoff('1.hour'), '2026-01-15T11:00:00.000Z');
  t.equal(cutoff('2d'), '2026-01-13T12:00:00.000Z', "sessions' short ages too");
  t.equal(cutoff('never'), 'never');
  t.equal(cutoff('False'), 'never');
  t.equal(cutoff('now'), '2026-01-15T12:00:01.000Z', 'a second ahead: everything written so far is older');
  t.equal(cutoff('all'), '2026-01-15T12:00:01.000Z');
  t.equal(cutoff('2025-12-01', 'UTC'), '2025-12-01T00:00:00.000Z');
  t.equal(cutoff('2025-12-01', 'America/New_York'), '2025-12-01T05:00:00.000Z', 'a date is local midnight, as for --since');
  t.equal(cutoff('yesterday', 'UTC'), '2026-01-14T00:00:00.000Z');
  t.throws(() => parseExpiry('soon', now), { code: 'UsageError', message: /^--prune: cannot read "soon" as an age/ });
  t.throws(() => parseExpiry('yesterday-ish', now), { code: 'UsageError' });
});

t.test('validTimeZone', async (t) => {
  t.equal(validTimeZone('Europe/Paris'), 'Europe/Paris');
  t.equal(validTimeZone(':Europe/Paris'), 'Europe/Paris', 'POSIX leading colon');
  t.equal(validTimeZone('Not/AZone'), undefined);
  t.equal(validTimeZone(''), undefined);
  t.equal(validTimeZone(undefined), undefined);
});

t.test('clock readings without Intl (the process zone, UTC) agree with Intl', async (t) => {
  const { clockFormat, clockReading } = await import('../../src/archive/timespec/index.js');
  const viaIntl = (ms: number, zone: string | undefined) => {
    const parts = clockFormat(zone).formatToParts(new Date(ms));
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    const m = /([+-])(\d{2}):(\d{2})/.exec(get('timeZoneName'));
    return { year: +get('year'), month: +get('month'), day: +get('day'), hour: +get('hour'), minute: +get('minute'), second: +get('second'), offsetMinutes: m ? (m[1] === '-' ? -1 : 1) * (+m[2]! * 60 + +m[3]!) : 0 };
  };
  // Instants around clock changes, leap days and year ends, and a spread over decades.
  const instants = [Date.UTC(2024, 1, 29, 23, 59, 59), Date.UTC(2025, 2, 30, 0, 59, 59), Date.UTC(2025, 2, 30, 1, 0, 0), Date.UTC(2025, 9, 26, 0, 30), Date.UTC(2025, 11, 31, 23, 59, 59), Date.UTC(2026, 0, 1)];
  for (let ms = Date.UTC(1990, 0, 1); ms < Date.UTC(2040, 0, 1); ms += 86_400_000 * 97 + 3_600_000 * 5 + 61_000) instants.push(ms);
  for (const zone of [undefined, 'UTC', 'Etc/UTC', 'GMT']) {
    const bad = instants.filter((ms) => JSON.stringify(clockReading(ms, zone)) !== JSON.stringify(viaIntl(ms, zone)));
    t.same(bad, [], `${zone ?? 'the process zone'}: ${instants.length} instants agree`);
  }
  // The process zone when it is not UTC: a child process with TZ set.
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const mod = fileURLToPath(new URL('../../src/archive/timespec/index.js', import.meta.url));
  for (const tz of ['America/St_Johns', 'Europe/Berlin', 'Australia/Lord_Howe']) {
    const script = `const { clockReading, clockFormat } = await import(${JSON.stringify(mod)});
      let bad = 0; for (const ms of ${JSON.stringify(instants)}) {
        const a = clockReading(ms, undefined), b = clockReading(ms, ${JSON.stringify(tz)});
        if (JSON.stringify(a) !== JSON.stringify(b)) bad++;
      } console.log(bad);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { TZ: tz, PATH: process.env.PATH }, encoding: 'utf8' });
    t.equal(r.stdout.trim(), '0', `TZ=${tz}: the process zone read from Date agrees with the zone read through Intl`);
  }
});
