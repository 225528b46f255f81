import t from 'tap';
import { isoTime } from '../../src/record/index.js';
import { seededRandom } from '../helpers/random.js';

t.test('isoTime: times already in toISOString form come back as they are; others are read as ISO-8601, zone-less as UTC', async (t) => {
  const cases: Array<[unknown, string | null]> = [
    ['2026-01-05T14:30:00.000Z', '2026-01-05T14:30:00.000Z'],
    ['2026-01-05T14:30:00.123Z', '2026-01-05T14:30:00.123Z'],
    ['0000-01-01T00:00:00.000Z', '0000-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    // The form of toISOString, but not a time it writes: read as before.
    ['2026-02-30T00:00:00.000Z', '2026-03-02T00:00:00.000Z'],
    ['2026-01-05T24:00:00.000Z', '2026-01-06T00:00:00.000Z'],
    ['2026-01-05T14:30:00.000z', '2026-01-05T14:30:00.000Z'],
    ['2026-13-05T14:30:00.000Z', null],
    ['2026-01-05T14:30:60.000Z', null],
    ['garbage-garbage-garbageZ', null],
    // Other ISO-8601 forms.
    ['2026-01-05 14:30:00.000Z', '2026-01-05T14:30:00.000Z'],
    [' 2026-01-05T14:30:00.000Z', '2026-01-05T14:30:00.000Z'],
    ['2026-01-05T14:30:00+02:00', '2026-01-05T12:30:00.000Z'],
    ['2026-01-05T14:30:00+0200', '2026-01-05T12:30:00.000Z'],
    ['2026-01-05T14:30:00.5Z', '2026-01-05T14:30:00.500Z'],
    ['2026-01-05T14:30', '2026-01-05T14:30:00.000Z'],
    ['2026-01-05', '2026-01-05T00:00:00.000Z'],
    ['+02026-01-05T14:30:00Z', null],
    ['Mon, 05 Jan 2026 14:30:00 GMT', null],
    // Epoch seconds and milliseconds.
    [1767225600, '2026-01-01T00:00:00.000Z'],
    [1767225600123, '2026-01-01T00:00:00.123Z'],
    [Number.NaN, null],
    [null, null],
  ];
  for (const [v, want] of cases) t.equal(isoTime(v), want, JSON.stringify(v));
});

t.test('isoTime: a time in toISOString form is taken as it is exactly when the Date round trip gives it back', async (t) => {
  // What isoTime did before it read the form off the characters.
  const roundTrip = (v: string): boolean => {
    const ms = new Date(v).getTime();
    return !Number.isNaN(ms) && new Date(ms).toISOString() === v;
  };
  const random = seededRandom(24);
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  let same = 0;
  for (let i = 0; i < 20000; i++) {
    // Fields mostly in range, some just past it; every year form toISOString has (0000–9999).
    const y = random() < 0.1 ? Math.floor(random() * 10000) : [0, 1, 1900, 2000, 2024, 2026, 2100, 9999][Math.floor(random() * 8)]!;
    const mo = Math.floor(random() * 14);
    const d = Math.floor(random() * 33);
    const h = Math.floor(random() * 26);
    const mi = Math.floor(random() * 62);
    const s = Math.floor(random() * 62);
    const ms = Math.floor(random() * 1000);
    let v = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}Z`;
    if (random() < 0.05) v = v.slice(0, 4) + '/' + v.slice(5);
    if (random() < 0.05) v = v.replace(/\d/, 'x');
    const want = roundTrip(v);
    if ((isoTime(v) === v) !== want) {
      t.fail(`${v}: ${isoTime(v)}, round trip ${want}`);
      return;
    }
    if (want) same++;
  }
  t.ok(same > 5000, `${same} of 20000 taken as they are`);
  t.equal(isoTime('2024-02-29T12:00:00.000Z'), '2024-02-29T12:00:00.000Z', 'a leap day');
  t.equal(isoTime('2100-02-29T12:00:00.000Z'), '2100-03-01T12:00:00.000Z', 'not a leap year: read as Date reads it');
});
