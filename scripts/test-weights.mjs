// Writes scripts/test-weights.json: how long each fast test file takes, run
// alone with Node (no tap runner, no coverage), one file after another, in
// milliseconds. scripts/test-groups.mjs reads it to make groups of equal
// length; a file missing from it counts as the median, so a stale table only
// balances the groups less well, it never leaves a test out.
//
// Run after `npm run build`, on a machine otherwise idle (some five minutes):
//   node scripts/test-weights.mjs
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fastTestFiles, root, tests, weightsPath } from './test-groups.mjs';

const files = fastTestFiles(tests);
const weights = {};
let failed = 0;
for (const [i, f] of files.entries()) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(tests, f)], { cwd: root, encoding: 'utf8', env: { ...process.env, TAP_REPORTER: 'silent' } });
  const ms = Number((process.hrtime.bigint() - start) / 1_000_000n);
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`${f}: exit ${r.status} (its weight is kept, but look at it)\n`);
  }
  weights[f] = Math.round(ms / 10) * 10;
  process.stderr.write(`[${i + 1}/${files.length}] ${f} ${ms} ms\n`);
}
writeFileSync(weightsPath, JSON.stringify(weights, null, 1) + '\n');
const total = Object.values(weights).reduce((a, b) => a + b, 0);
process.stderr.write(`wrote ${weightsPath}: ${files.length} files, ${(total / 1000).toFixed(1)} s in all${failed ? `, ${failed} failed` : ''}\n`);
