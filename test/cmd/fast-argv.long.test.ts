// Plain command lines are read without yargs (cmd/lib/fast-argv.ts): for
// every command, the fast reading of lines built from its table is exactly
// yargs' or steps aside (fast-argv-check.ts). Long: some 900 lines, each
// also parsed by a fresh yargs.
import t from 'tap';
import { SPECS } from '../../cmd/spec/index.js';
import { compareReadings } from './fast-argv-check.js';

const counts = compareReadings(t, SPECS);

t.test('counts', async (t) => {
  t.ok(counts.compared > 600, `compared ${counts.compared} command lines`);
  t.ok(counts.fastRead > counts.compared / 3, `${counts.fastRead} of ${counts.compared} read without yargs`);
});
