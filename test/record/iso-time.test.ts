import t from 'tap';
import { isoTime } from '../../src/record/index.js';

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
