// Plain command lines are read without yargs (cmd/lib/fast-argv.ts): for the
// commands people run all day, the fast reading of lines built from their
// tables is exactly yargs' or steps aside (fast-argv-check.ts); every other
// command is checked the same way in fast-argv.long.test.ts.
import t from 'tap';
import { specOf } from '../../cmd/spec/index.js';
import { compareReadings } from './fast-argv-check.js';

const DAILY = ['log', 'show', 'sessions', 'search', 'diff', 'export', 'rev-parse', 'cat-object', 'push'];
const counts = compareReadings(t, DAILY.map((n) => specOf(n)!));

t.test('counts', async (t) => {
  t.ok(counts.compared > 150, `compared ${counts.compared} command lines`);
  t.ok(counts.fastRead > counts.compared / 3, `${counts.fastRead} of ${counts.compared} read without yargs`);
});
